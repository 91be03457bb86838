"""Months, the unit of an award cycle: a cycle is named by the first day of its month."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Dates far outside this range are typing mistakes, and near the ends of the calendar the
# default dates (the next month, a week of judging) would overflow Python's date type.
FIRST_YEAR, LAST_YEAR = 2000, 2200


def check_year(value: dt.date | dt.datetime | None) -> None:
    """Refuse a date outside FIRST_YEAR..LAST_YEAR (the web form and the API both call it)."""
    if value is not None and not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValidationError(
            _("Choose a date between the years %(first)s and %(last)s.")
            % {"first": FIRST_YEAR, "last": LAST_YEAR}
        )


def first_of_month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)
