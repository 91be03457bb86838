"""Measured improvements: the Check of Plan-Do-Check-Act, shared by nomination evidence and
improvement stories."""

from decimal import Decimal


def improved(*, before: Decimal, after: Decimal, higher_is_better: bool) -> bool:
    """Whether a before/after measure got better: higher when higher is better, else lower.
    No change is not an improvement."""
    return after > before if higher_is_better else after < before
