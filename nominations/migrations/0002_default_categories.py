from django.db import migrations

CATEGORIES = [
    ("Heard the customer", "heard-the-customer", "Listened, and acted on what customers said."),
    ("Attention to detail", "attention-to-detail", "Got the small things right for customers."),
    ("Found a better way", "found-a-better-way", "Changed how we work so customers feel it."),
    ("Went to the front line", "went-to-the-front-line", "Spent time where customers are."),
    ("Fixed the root cause", "fixed-the-root-cause", "Stopped a customer problem coming back."),
]


def seed(apps, schema_editor):
    Category = apps.get_model("nominations", "Category")
    for position, (name, slug, description) in enumerate(CATEGORIES):
        Category.objects.get_or_create(
            slug=slug, defaults={"name": name, "description": description, "position": position}
        )


class Migration(migrations.Migration):
    dependencies = [("nominations", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
