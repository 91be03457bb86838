"""{% load stories_extras %}: what story cards and pages compute for display.

Nothing here decides a rule: reaction counts come from the story's counters, whether a Check
is an improvement from Story.shows_improvement.
"""

from decimal import Decimal

from django import template
from django.utils.safestring import SafeString

from accounts.models import User
from stories import links, rendering
from stories.models import Story

register = template.Library()

# The Check chart, in SVG user units (it scales with its container).
CHART_WIDTH = 480
CHART_LABEL = 70
CHART_BAR_MAX = 260
CHART_BAR_HEIGHT = 26
CHART_ROW = 40


@register.filter
def profile_url(person: User) -> str:
    """`person.get_absolute_url`, without resolving the URLconf again for every person of a
    page (stories/links.py)."""
    return links.person(person.pk)


register.filter("tag_url", rendering.tag_url)
excerpt = register.filter("excerpt", rendering.excerpt)


@register.simple_tag(takes_context=True)
def story_card(
    context: template.Context,
    story: Story,
    *,
    compact: bool = False,
    heading: str = "",
    focus: bool = False,
) -> SafeString:
    """A story card (stories/rendering.py); its reaction buttons when `reactable` is in the
    context, with the page's CSRF token."""
    return rendering.card_html(
        story,
        compact=bool(compact),
        heading=heading or "",
        focus=bool(focus),
        reactable=bool(context.get("reactable")),
        csrf_token=context.get("csrf_token", ""),
    )


@register.simple_tag(takes_context=True)
def story_reactions(context: template.Context, story: Story) -> SafeString:
    """The reactions group of a story, as on its card; htmx swaps it after a reaction."""
    return rendering.reactions_html(
        story,
        reactable=bool(context.get("reactable")),
        csrf_token=context.get("csrf_token", ""),
        problem=context.get("problem") or "",
    )


@register.simple_tag
def kind_badge(story: Story) -> SafeString:
    return rendering.kind_badge_html(story)


@register.simple_tag
def award_banner(story: Story) -> SafeString:
    return rendering.award_banner_html(story)


@register.filter
def metric(value: Decimal | None) -> str:
    """A measurement without trailing zeros: 20.0000 → 20, 4.5000 → 4.5."""
    if value is None:
        return ""
    text = f"{Decimal(value).normalize():f}"
    return "0" if text in ("-0", "0") else text


@register.inclusion_tag("stories/check_chart.html")
def check_chart(story: Story) -> dict:
    """A before/after bar chart of an improvement's Check, drawn on the server."""
    before, after = story.check_before, story.check_after
    if before is None or after is None:
        return {"chart": None}
    largest = max(abs(before), abs(after))

    def bar(value: Decimal) -> int:
        if not largest:
            return 0
        return max(2, round(CHART_BAR_MAX * abs(value) / largest)) if value else 0

    better = story.shows_improvement
    unit = f" {story.check_unit}" if story.check_unit else ""
    direction = "Higher" if story.check_higher_is_better else "Lower"
    verdict = "a genuine improvement" if better else "no improvement yet"
    label = (
        f"{story.check_metric}: {metric(before)}{unit} before, {metric(after)}{unit} after. "
        f"{direction} is better, so this is {verdict}."
    )
    rows = []
    for n, (name, value, css) in enumerate(
        (
            ("Before", before, "bar-before"),
            ("After", after, "bar-better" if better else "bar-worse"),
        )
    ):
        width = bar(value)
        y = 8 + n * CHART_ROW
        rows.append(
            {
                "name": name,
                "value": f"{metric(value)}{unit}",
                "css": css,
                "y": y,
                "width": width,
                "text_y": y + CHART_BAR_HEIGHT * 0.7,
                "value_x": CHART_LABEL + width + 8,
            }
        )
    return {
        "chart": {
            "id": f"check-chart-{story.pk}",
            "label": label,
            "better": better,
            "rows": rows,
            "width": CHART_WIDTH,
            "height": 8 + 2 * CHART_ROW,
            "bar_x": CHART_LABEL,
            "bar_height": CHART_BAR_HEIGHT,
        }
    }
