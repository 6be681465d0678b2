"""
Staff roles become a choice, checked by the database.

Rows with a role the platform does not know (a typo typed into the back
office, which gave no access and no error) stop the migration with a list of
them, rather than being mapped or dropped: guessing "moderater" meant
"moderator" would hand out rights nobody confirmed, and deleting the row
would hide that someone expected access. The operator fixes or deletes the
listed rows in the database, then runs the migration again.
"""

from django.db import migrations, models

# The roles as of this migration; later ones add theirs in their own migration.
KNOWN_ROLES = ["administrator", "moderator", "staff", "budget_operator"]


def refuse_unknown_roles(apps, schema_editor):
    StaffRole = apps.get_model("core", "StaffRole")
    unknown = StaffRole.objects.exclude(role__in=KNOWN_ROLES).order_by("pk")
    rows = [
        f"  id {row.pk}: role {row.role!r}, community {row.community.slug}, "
        f"resident id {row.resident_id}"
        for row in unknown.select_related("community")
    ]
    if rows:
        raise RuntimeError(
            "core_staffrole has roles the platform does not know; these rows gave "
            "no access. Correct each role to one of "
            + ", ".join(KNOWN_ROLES)
            + " or delete the row, then migrate again:\n"
            + "\n".join(rows)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0005_apitoken_expires_at_required"),
    ]

    operations = [
        migrations.RunPython(refuse_unknown_roles, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="staffrole",
            name="role",
            field=models.CharField(
                choices=[
                    ("administrator", "administrator"),
                    ("moderator", "moderator"),
                    ("staff", "department staff"),
                    ("budget_operator", "participatory budget operator"),
                ],
                max_length=40,
                verbose_name="role",
            ),
        ),
        migrations.AddConstraint(
            model_name="staffrole",
            constraint=models.CheckConstraint(
                condition=models.Q(("role__in", KNOWN_ROLES)),
                name="staffrole_role_known",
            ),
        ),
    ]
