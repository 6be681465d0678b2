"""
One place of residence per person.

Before the constraint, a resident could declare residence in several
communities and sign or vote in each. Where that happened, the newest
declaration is kept (ties: the later row): a second declaration is the
person saying where they live now, so the older ones are stale. The older
ones are ended, which means deleted with an audit entry saying so; no module
reads an "ended" link, so keeping the rows under another kind or flag would
quietly go on counting them. Work, study and displacement links stay as they
are.
"""

from django.db import migrations, models


def end_second_residences(apps, schema_editor):
    CommunityLink = apps.get_model("core", "CommunityLink")
    AuditEntry = apps.get_model("core", "AuditEntry")
    residences = CommunityLink.objects.filter(kind="lives").order_by(
        "resident_id", "-created_at", "-id"
    )
    kept_for = set()
    ended = []
    for link in residences.select_related("community").iterator():
        if link.resident_id not in kept_for:
            kept_for.add(link.resident_id)
            continue
        ended.append(link)
    for link in ended:
        AuditEntry.objects.create(
            community_id=link.community_id,
            actor_id=None,  # the platform ended it, not the person
            action="resident.residence_ended",
            target_type="core.communitylink",
            target_id=str(link.pk),
            target_label=f"{link.community.name}: lives"[:200],
            before={"kind": "lives", "resident": str(link.resident_id)},
            after={"reason": "a newer residence elsewhere"},
        )
    CommunityLink.objects.filter(pk__in=[link.pk for link in ended]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_notification_address"),
    ]

    operations = [
        migrations.RunPython(end_second_residences, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="communitylink",
            constraint=models.UniqueConstraint(
                condition=models.Q(("kind", "lives")),
                fields=("resident",),
                name="communitylink_one_residence",
            ),
        ),
    ]
