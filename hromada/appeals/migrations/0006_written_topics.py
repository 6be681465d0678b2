"""
Written appeals get their own topics in every community that has appeals
categories, routed to departments by name where one matches (else unrouted:
the moderator routes those appeals). Map categories stay as they are.
"""

from django.db import migrations

from hromada.appeals import catalogue

# The collective appeals of petitions below their threshold are written ones.
PETITION_CODES = ["petitions", "petition"]


def add_written_topics(apps, schema_editor):
    Category = apps.get_model("appeals", "Category")
    Department = apps.get_model("core", "Department")
    db = schema_editor.connection.alias
    categories = Category.objects.using(db)
    categories.filter(service_code__in=PETITION_CODES).update(kind="written")
    community_ids = categories.order_by().values_list("community_id", flat=True).distinct()
    group_code, group_name, group_name_en = catalogue.TOPIC_GROUP
    for community_id in list(community_ids):
        departments = list(
            Department.objects.using(db).filter(community_id=community_id).order_by("pk")
        )
        names = [department.name for department in departments]
        existing = set(
            categories.filter(community_id=community_id).values_list("service_code", flat=True)
        )
        group, _created = categories.get_or_create(
            community_id=community_id,
            service_code=group_code,
            defaults={
                "kind": "written",
                "name": group_name,
                "name_en": group_name_en,
                "position": len(catalogue.TREE) + 1,
            },
        )
        for position, (code, name, name_en, routes, keywords, description) in enumerate(
            catalogue.TOPICS, start=1
        ):
            if code in existing:
                continue
            found = catalogue.route(routes, names)
            categories.create(
                community_id=community_id,
                parent=group,
                kind="written",
                service_code=code,
                name=name,
                name_en=name_en,
                department=None if found is None else departments[found],
                target_days=catalogue.TOPIC_TARGET_DAYS,
                requires_study=True,
                keywords=keywords,
                description=description,
                position=position,
            )


def remove_unused_written_topics(apps, schema_editor):
    """Remove the topics no appeal was filed under; those in use stay."""
    Category = apps.get_model("appeals", "Category")
    Appeal = apps.get_model("appeals", "Appeal")
    db = schema_editor.connection.alias
    codes = [topic[0] for topic in catalogue.TOPICS]
    used = Appeal.objects.using(db).values_list("category_id", flat=True)
    Category.objects.using(db).filter(service_code__in=codes).exclude(pk__in=used).delete()
    Category.objects.using(db).filter(
        service_code=catalogue.TOPIC_GROUP[0], children__isnull=True
    ).delete()


class Migration(migrations.Migration):

    dependencies = [
        ('appeals', '0005_category_kind'),
        ('core', '0001_initial'),
    ]

    operations = [
        migrations.RunPython(add_written_topics, remove_unused_written_topics),
    ]
