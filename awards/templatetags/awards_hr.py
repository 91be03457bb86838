"""{% load awards_hr %}{% current_award_cycle as cycle %}: the cycle the HR console leads with."""

from django import template

from awards.models import AwardCycle

register = template.Library()


@register.simple_tag
def current_award_cycle() -> AwardCycle | None:
    """The cycle people act in now; before any has opened, the newest draft."""
    return AwardCycle.objects.current() or AwardCycle.objects.order_by("-month", "-id").first()
