from decimal import Decimal

from django.db import migrations, models
from django.db.models import Case, F, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce

POINTS = models.DecimalField(max_digits=5, decimal_places=1)


def count_points(apps, schema_editor):
    """Fill the counter from the evidence already there (the rule as it stands today:
    base points × verification factor, 1 base point for a measurement that did not improve)."""
    Nomination = apps.get_model("nominations", "Nomination")
    Evidence = apps.get_model("nominations", "Evidence")
    no_improvement = Q(kind="measured_improvement", before__isnull=False, after__isnull=False) & (
        Q(higher_is_better=True, after__lte=F("before"))
        | (
            (Q(higher_is_better=False) | Q(higher_is_better__isnull=True))
            & Q(after__gte=F("before"))
        )
    )
    bases = {"customer_words": 3, "measured_improvement": 4, "front_line_time": 2, "artifact": 1}
    whens = []
    for verification, factor in (("verified", Decimal("1.0")), ("unverified", Decimal("0.5"))):
        whens.append(When(no_improvement & Q(verification=verification), then=Value(factor)))
        whens += [
            When(Q(kind=kind, verification=verification), then=Value(base * factor))
            for kind, base in bases.items()
        ]
    total = (
        Evidence.objects.filter(nomination=OuterRef("pk"))
        .order_by()
        .values("nomination")
        .annotate(total=Sum(Case(*whens, default=Value(Decimal(0)), output_field=POINTS)))
        .values("total")
    )
    Nomination.objects.update(
        evidence_points=Coalesce(Subquery(total), Value(Decimal(0)), output_field=POINTS)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("nominations", "0004_thank_you_tab_counts_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="nomination",
            name="evidence_points",
            field=models.DecimalField(
                decimal_places=1, default=Decimal("0"), editable=False, max_digits=5
            ),
        ),
        migrations.RunPython(count_points, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="nomination",
            index=models.Index(
                fields=["cycle", "status", "nominee", "nominator", "created_at", "evidence_points"],
                name="nomination_scoring",
            ),
        ),
    ]
