from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("awards", "0002_panel_scores_decisions_awards"),
    ]

    operations = [
        migrations.AddField(
            model_name="awardcycle",
            name="scoring_version",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
    ]
