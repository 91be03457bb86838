from django.db import migrations, models


class Migration(migrations.Migration):
    """The moderation queue's tab counts for HR, answered from this index alone."""

    dependencies = [
        ("nominations", "0003_thank_yous_and_integrations"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="thankyou",
            index=models.Index(fields=["status", "employee"], name="nominations_status_4b8557_idx"),
        ),
    ]
