"""{% load stories_extras %}: what story cards and pages compute for display.

Nothing here decides a rule: reaction counts come from the story's counters, whether a Check
is an improvement from Story.shows_improvement.
"""

import functools
import html
from decimal import Decimal
from urllib.parse import quote

from django import template
from django.utils.html import strip_tags
from django.utils.text import Truncator

from accounts.models import User
from core.markdown import render as render_markdown
from stories import links
from stories.models import Reaction, Story, Tag

register = template.Library()

EXCERPT_CHARS = 220
REACTIONS = (
    (Reaction.Kind.APPLAUSE, "applause_count"),
    (Reaction.Kind.CUSTOMER_LOVE, "customer_love_count"),
    (Reaction.Kind.LEARNED, "learned_count"),
)
# The Check chart, in SVG user units (it scales with its container).
CHART_WIDTH = 480
CHART_LABEL = 70
CHART_BAR_MAX = 260
CHART_BAR_HEIGHT = 26
CHART_ROW = 40


@register.filter
def reaction_buttons(story: Story) -> list[dict]:
    """The three reactions of a story: kind, label, count (from the counters) and whether the
    reader gave it (`story.my_reactions`, a set of kinds the view attaches), with the URL that
    toggles it."""
    mine = getattr(story, "my_reactions", set())
    return [
        {
            "kind": kind.value,
            "label": kind.label,
            "count": getattr(story, counter),
            "pressed": kind.value in mine,
            "url": links.url("stories:react", story.pk, kind.value),
        }
        for kind, counter in REACTIONS
    ]


@register.filter
def profile_url(person: User) -> str:
    """`person.get_absolute_url`, without resolving the URLconf again for every person of a
    page (stories/links.py)."""
    return links.person(person.pk)


@register.filter
def tag_url(tag: Tag) -> str:
    """The feed filtered by this tag."""
    return f"{links.feed()}?tag={quote(tag.slug, safe='/')}"


@register.filter
def metric(value: Decimal | None) -> str:
    """A measurement without trailing zeros: 20.0000 → 20, 4.5000 → 4.5."""
    if value is None:
        return ""
    text = f"{Decimal(value).normalize():f}"
    return "0" if text in ("-0", "0") else text


@register.filter
def excerpt(story: Story) -> str:
    """A short plain-text taste of the story for its card (markdown rendered, then stripped)."""
    return _excerpt(story.body, story.plan or story.heard or story.quote or "")


@functools.lru_cache(maxsize=4096)
def _excerpt(body: str, fallback: str) -> str:
    # Memoised on the texts themselves, so an edited story is never served a stale excerpt:
    # rendering markdown was an eighth of a feed page's time (docs/benchmarks.md).
    text = html.unescape(strip_tags(render_markdown(body))) if body else fallback
    return Truncator(" ".join(text.split())).chars(EXCERPT_CHARS)


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
