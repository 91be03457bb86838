"""What nomination evidence and stories share about the customer-facing work they describe: a
measured improvement (the Check of Plan-Do-Check-Act) and time on the front line."""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MAX_FRONT_LINE_HOURS = Decimal(12)
MAX_FRONT_LINE_AGE = dt.timedelta(days=366)
FRONT_LINE_HOURS_RANGE = _("Hours must be more than 0 and at most 12 for one day.")


def improved(*, before: Decimal, after: Decimal, higher_is_better: bool) -> bool:
    """Whether a before/after measure got better: higher when higher is better, else lower.
    No change is not an improvement."""
    return after > before if higher_is_better else after < before


def front_line_hours_validators() -> list:
    """The validators of a field of hours spent on the front line: more than 0 (in hundredths),
    at most one working day."""
    return [
        MinValueValidator(Decimal("0.01"), message=FRONT_LINE_HOURS_RANGE),
        MaxValueValidator(MAX_FRONT_LINE_HOURS, message=FRONT_LINE_HOURS_RANGE),
    ]


def check_front_line_day(day: dt.date) -> None:
    """Time on the front line happened, and recently enough to tell about it now: not in the
    future, at most a year ago (ValidationError). A rule of the moment it is told, not a
    validator of the stored date, which only grows older."""
    today = timezone.localdate()
    if day > today:
        raise ValidationError(_("The date cannot be in the future."), code="future")
    if today - day > MAX_FRONT_LINE_AGE:
        raise ValidationError(_("The date is more than a year ago."), code="too_old")
