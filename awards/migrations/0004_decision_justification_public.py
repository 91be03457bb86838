from django.db import migrations, models


class Migration(migrations.Migration):
    """Overrides saved before this migration were written as private: they stay so."""

    dependencies = [
        ("awards", "0003_awardcycle_scoring_version"),
    ]

    operations = [
        migrations.AddField(
            model_name="decision",
            name="justification_public",
            field=models.BooleanField(default=False),
        ),
    ]
