# A migration of its own: on PostgreSQL the rows filled in 0004 must be
# committed before the column becomes NOT NULL in the same table.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_apitoken_expiry"),
    ]

    operations = [
        migrations.AlterField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(verbose_name="expires"),
        ),
    ]
