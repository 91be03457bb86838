from collections import defaultdict
from decimal import Decimal
from itertools import batched

import django.core.validators
from django.db import migrations, models
from django.db.models import OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce

POINTS = models.DecimalField(max_digits=5, decimal_places=1)
TOO_LARGE = "This number is too large to be a real measurement."
HOURS_RANGE = "Hours must be more than 0 and at most 12 for one day."
CHUNK = 2000


# The rule as it stood when the column was added, frozen here: a later change to the model's
# rule must not change what this migration wrote.
BASE_POINTS = {
    "customer_words": Decimal(3),
    "measured_improvement": Decimal(4),
    "front_line_time": Decimal(2),
    "artifact": Decimal(1),
}
NO_IMPROVEMENT_POINTS = Decimal(1)
FACTORS = {"verified": Decimal("1.0"), "unverified": Decimal("0.5"), "disputed": Decimal(0)}


def points_then(kind, verification, before, after, higher_is_better) -> Decimal:
    base = BASE_POINTS[kind]
    if kind == "measured_improvement" and before is not None and after is not None:
        # An unanswered direction counted as "lower is better".
        improved = after > before if higher_is_better else after < before
        if not improved:
            base = NO_IMPROVEMENT_POINTS
    return base * FACTORS[verification]


def count_points(apps, schema_editor):
    """Store the points of the evidence already there, then each nomination's sum of them."""
    Evidence = apps.get_model("nominations", "Evidence")
    Nomination = apps.get_model("nominations", "Nomination")
    fields = ("kind", "verification", "before", "after", "higher_is_better")
    rows = Evidence.objects.order_by("pk").values_list("pk", *fields)
    for chunk in batched(rows.iterator(chunk_size=CHUNK), CHUNK):
        by_points = defaultdict(list)
        for pk, *values in chunk:
            by_points[points_then(*values)].append(pk)
        for points, pks in by_points.items():
            Evidence.objects.filter(pk__in=pks).update(points=points)
    total = (
        Evidence.objects.filter(nomination=OuterRef("pk"))
        .order_by()
        .values("nomination")
        .annotate(total=Sum("points", output_field=POINTS))
        .values("total")
    )
    Nomination.objects.update(
        evidence_points=Coalesce(Subquery(total), Value(Decimal(0)), output_field=POINTS)
    )


def _metric_field() -> models.DecimalField:
    return models.DecimalField(
        blank=True,
        decimal_places=4,
        max_digits=14,
        null=True,
        validators=[
            django.core.validators.MinValueValidator(Decimal("-999999999.9999"), message=TOO_LARGE),
            django.core.validators.MaxValueValidator(Decimal("999999999.9999"), message=TOO_LARGE),
        ],
    )


class Migration(migrations.Migration):
    dependencies = [
        ("nominations", "0006_withdrawn_endorsements"),
    ]

    operations = [
        migrations.AddField(
            model_name="evidence",
            name="points",
            field=models.DecimalField(
                decimal_places=1, default=Decimal("0"), editable=False, max_digits=3
            ),
        ),
        migrations.AlterField(model_name="evidence", name="after", field=_metric_field()),
        migrations.AlterField(model_name="evidence", name="before", field=_metric_field()),
        migrations.AlterField(
            model_name="evidence",
            name="hours",
            field=models.DecimalField(
                blank=True,
                decimal_places=2,
                max_digits=4,
                null=True,
                validators=[
                    django.core.validators.MinValueValidator(Decimal("0.01"), message=HOURS_RANGE),
                    django.core.validators.MaxValueValidator(Decimal("12"), message=HOURS_RANGE),
                ],
            ),
        ),
        migrations.RunPython(count_points, migrations.RunPython.noop),
    ]
