"""The service centre's (ЦНАП) staff roles join the known roles."""

from django.db import migrations, models

KNOWN_ROLES = [
    "administrator",
    "moderator",
    "staff",
    "budget_operator",
    "cnap_head",
    "cnap_admin",
    "cnap_operator",
    "starosta",
]


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0007_privacy_and_support_points"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="staffrole", name="staffrole_role_known"),
        migrations.AlterField(
            model_name="staffrole",
            name="role",
            field=models.CharField(
                choices=[
                    ("administrator", "administrator"),
                    ("moderator", "moderator"),
                    ("staff", "department staff"),
                    ("budget_operator", "participatory budget operator"),
                    ("cnap_head", "head of the service centre (ЦНАП)"),
                    ("cnap_admin", "service centre administrator"),
                    ("cnap_operator", "service centre operator"),
                    ("starosta", "starosta"),
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
