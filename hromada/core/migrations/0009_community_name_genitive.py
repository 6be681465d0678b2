from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0008_cnap_roles"),
    ]

    operations = [
        migrations.AddField(
            model_name="community",
            name="name_genitive",
            field=models.CharField(
                blank=True,
                help_text="Whose: for example, “Чорноморської міської територіальної громади”.",
                max_length=200,
                verbose_name="name in the genitive case",
            ),
        ),
    ]
