"""A story card and its reactions group, as HTML written in Python.

A feed page shows twenty cards, each with a badge, a byline, avatars, tags, a photo and three
reaction buttons; through the template engine (includes, partials, filters) they were most of
the page's time. The markup is the one the templates produced (tests/stories/cards/ holds it)
and this module is its only source: templates/stories/card.html and _reactions.html call the
tags in stories_extras. Every piece of user text goes through `escape`; every user-facing word
through gettext.
"""

import functools
import html
from dataclasses import dataclass
from urllib.parse import quote

from django.urls import get_script_prefix, get_urlconf
from django.utils import dateformat
from django.utils.dates import MONTHS_3
from django.utils.html import strip_tags
from django.utils.safestring import SafeString
from django.utils.text import Truncator
from django.utils.timezone import template_localtime
from django.utils.translation import get_language, gettext, ngettext

from accounts.models import User
from core.markdown import render as render_markdown
from stories import links
from stories.models import Reaction, Story, Tag

EXCERPT_CHARS = 220
REACTIONS = (
    (Reaction.Kind.APPLAUSE, "applause_count"),
    (Reaction.Kind.CUSTOMER_LOVE, "customer_love_count"),
    (Reaction.Kind.LEARNED, "learned_count"),
)
NOT_PROVIDED = "NOTPROVIDED"  # the csrf context processor's token without a request
SLOT = str(links.SLOT)


def escape(value: object) -> str:
    # What django.utils.html.escape does, without its lazy-string wrapper (a card escapes
    # some twenty values).
    return html.escape(str(value))


def _icon(size: int, path: str, css: str = "icon") -> str:
    return (
        f'<svg class="{css}" viewBox="0 0 24 24" width="{size}" height="{size}" '
        f'aria-hidden="true" focusable="false"><path d="{path}"/></svg>'
    )


TROPHY = "M8 21h8M12 17v4M7 4h10v5a5 5 0 0 1-10 0V4zM7 6H4a3 3 0 0 0 3 4M17 6h3a3 3 0 0 1-3 4"
KIND_ICONS = {
    Story.Kind.IMPROVEMENT: _icon(16, "M3 17l6-6 4 4 8-8M14 7h7v7"),
    Story.Kind.FRONT_LINE: _icon(16, "M21 12a8 8 0 0 1-11.6 7.1L3 21l1.9-6.4A8 8 0 1 1 21 12z"),
    Story.Kind.CUSTOMER_VOICE: _icon(16, "M6 7h5v5c0 3-1.5 5-4.5 6M14 7h5v5c0 3-1.5 5-4.5 6"),
}
AWARD_ICON = _icon(16, TROPHY)
TROPHY_ICON = _icon(28, TROPHY, "icon icon-trophy")
REACTION_ICONS = {
    Reaction.Kind.APPLAUSE: _icon(
        18, "M12 3l2.6 5.6 6 .7-4.5 4.1 1.2 6-5.3-3-5.3 3 1.2-6L3.4 9.3l6-.7z"
    ),
    Reaction.Kind.CUSTOMER_LOVE: _icon(
        18,
        "M12 20s-7.5-4.6-7.5-10.2A4.2 4.2 0 0 1 12 7.2a4.2 4.2 0 0 1 7.5 2.6C19.5 15.4 12 20 "
        "12 20z",
    ),
    Reaction.Kind.LEARNED: _icon(
        18,
        "M9 18h6M10 21h4M12 3a6 6 0 0 0-3.5 10.9c.6.5 1 1.2 1 2.1h5c0-.9.4-1.6 1-2.1A6 6 0 0 0 "
        "12 3z",
    ),
}


@dataclass(frozen=True)
class _Shared:
    """What every card of a page repeats: its words in the reader's language and its links
    with a placeholder for the id (stories/links.py)."""

    story: str
    person: str
    react: dict[str, str]
    kinds: dict[str, str]
    reactions: dict[str, str]
    employee_of_the_month: str
    featuring: str
    tags: str
    reactions_to: str  # "%(title)s" in these three is filled in per card
    on_story: str
    counts: str


@functools.lru_cache(maxsize=64)
def _shared_for(language: str | None, script_prefix: str, urlconf: str | None) -> _Shared:
    return _Shared(
        story=links.story(links.SLOT),
        person=links.person(links.SLOT),
        react={
            kind.value: links.url("stories:react", links.SLOT, kind.value) for kind, _ in REACTIONS
        },
        kinds={kind.value: escape(kind.label) for kind in Story.Kind},
        reactions={kind.value: escape(kind.label) for kind, _ in REACTIONS},
        employee_of_the_month=escape(gettext("Employee of the Month")),
        featuring=escape(gettext("Featuring")),
        tags=escape(gettext("Tags")),
        reactions_to=gettext("Reactions to “%(title)s”"),
        on_story=gettext(" on “%(title)s”"),
        counts=gettext(
            "%(applause)s applause · %(customer_love)s customer love · %(learned)s learned · "
        ),
    )


def _shared() -> _Shared:
    # Keyed on everything its words and links depend on, so it is never an old value.
    return _shared_for(get_language(), get_script_prefix(), get_urlconf())


def _with_id(pattern: str, pk: int) -> str:
    return pattern.replace(SLOT, str(int(pk)), 1)


# --- pieces other pages use too -----------------------------------------------------------------


def tag_url(tag: Tag) -> str:
    """The feed filtered by this tag."""
    return f"{links.feed()}?tag={quote(tag.slug, safe='/')}"


def excerpt(story: Story) -> str:
    """A short plain-text taste of the story for its card (markdown rendered, then stripped)."""
    return _excerpt(story.body, story.plan or story.heard or story.quote or "")


@functools.lru_cache(maxsize=4096)
def _excerpt(body: str, fallback: str) -> str:
    # Memoised on the texts themselves, so an edited story is never served a stale excerpt:
    # rendering markdown was an eighth of a feed page's time (docs/benchmarks.md).
    text = html.unescape(strip_tags(render_markdown(body))) if body else fallback
    return Truncator(" ".join(text.split())).chars(EXCERPT_CHARS)


def avatar_html(person: User, size: str = "md") -> str:
    """components/avatar.html: the person's thumbnail, or their initials."""
    if person.avatar_thumbnail:
        return (
            f'<img class="avatar avatar-{size}" src="{escape(person.avatar_thumbnail.url)}" '
            f'alt="" width="64" height="64" loading="lazy">'
        )
    return (
        f'<span class="avatar avatar-{size} avatar-initials" aria-hidden="true">'
        f"{escape(person.initials)}</span>"
    )


def kind_badge_html(story: Story, shared: _Shared | None = None) -> SafeString:
    """The kind of a story, with its icon."""
    shared = shared or _shared()
    kind = story.kind
    label = shared.kinds.get(kind) or escape(story.get_kind_display())
    icon = KIND_ICONS.get(kind, AWARD_ICON)
    return SafeString(f'<span class="kind-badge kind-{escape(kind)}">{icon}{label}</span>')


def award_banner_html(story: Story, shared: _Shared | None = None) -> SafeString:
    """The trophy and the month over an award story; nothing for other kinds."""
    if story.kind != Story.Kind.AWARD:
        return SafeString("")
    shared = shared or _shared()
    month = ""
    if story.award_cycle:
        month = f" · {escape(dateformat.format(story.award_cycle.month, 'F Y'))}"
    return SafeString(
        f'<p class="award-banner">{TROPHY_ICON}<span><span class="strong">'
        f"{shared.employee_of_the_month}</span>{month}</span></p>"
    )


def _csrf_input(csrf_token: object) -> str:
    # As {% csrf_token %} renders it: nothing when there is no token.
    token = str(csrf_token or "")
    if not token or token == NOT_PROVIDED:
        return ""
    return f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(token)}">'


def reactions_html(
    story: Story,
    *,
    reactable: bool,
    csrf_token: object = "",
    problem: str = "",
    shared: _Shared | None = None,
) -> SafeString:
    """The three reactions of a story (counts from its counters; pressed when in
    `story.my_reactions`, which the view attaches). When `reactable`, one form with one CSRF
    input whose buttons each post to their own URL; htmx swaps the whole group in place."""
    shared = shared or _shared()
    pk = int(story.pk)
    mine = getattr(story, "my_reactions", ())
    buttons = []
    for kind, counter in REACTIONS:
        inner = (
            f'{REACTION_ICONS[kind]}<span class="reaction-label">{shared.reactions[kind]}</span> '
            f'<span class="reaction-count">{int(getattr(story, counter))}</span>'
        )
        if reactable:
            url = escape(_with_id(shared.react[kind], pk))
            pressed = "true" if kind.value in mine else "false"
            buttons.append(
                f'<button type="submit" formaction="{url}" hx-post="{url}" '
                f'id="react-{pk}-{kind.value}" class="reaction reaction-{kind.value}" '
                f'aria-pressed="{pressed}">\n{inner}\n</button>\n'
            )
        else:
            buttons.append(
                f'<span class="reaction reaction-{kind.value} reaction-static">{inner}</span>\n'
            )
    body = "".join(buttons)
    if reactable:
        body = (
            f'<form method="post" class="reaction-form" hx-target="#reactions-{pk}" '
            f'hx-swap="outerHTML">\n{_csrf_input(csrf_token)}\n{body}</form>\n'
        )
    if problem:
        body += f'<p class="reaction-problem" role="alert">{escape(problem)}</p>\n'
    label = escape(shared.reactions_to % {"title": story.title})
    return SafeString(
        f'<div class="reactions" id="reactions-{pk}" role="group" aria-label="{label}">\n'
        f"{body}</div>\n"
    )


# --- the card -----------------------------------------------------------------------------------


def _published_at(story: Story) -> str:
    moment = story.published_at
    if not moment:
        return ""
    moment = template_localtime(moment)  # in the reader's time zone, as `date` shows it
    # dateformat's "j M Y", without parsing the format for every card.
    day = f"{moment.day} {str(MONTHS_3[moment.month]).title()} {moment.year:04d}"
    return (
        f'<span class="muted">· <time datetime="{moment.isoformat()}">{escape(day)}</time></span>\n'
    )


def _comments(count: int) -> str:
    return escape(ngettext("%(count)s comment", "%(count)s comments", count) % {"count": count})


def _details(story: Story, shared: _Shared) -> str:
    """What a full card shows beyond the byline: featured colleagues, excerpt and tags."""
    parts = []
    featured = story.featured.all()
    if featured:
        people = "".join(
            f'<li><a class="person-link" href="{_with_id(shared.person, person.pk)}">'
            f"{avatar_html(person, 'sm')} <span>{escape(person.full_name)}</span></a></li>"
            for person in featured
        )
        parts.append(
            f'<div class="story-featured"><span class="muted">{shared.featuring}'
            f'</span>\n<ul class="featured-list">{people}</ul>\n</div>\n'
        )
    parts.append(f'<p class="story-excerpt">{escape(excerpt(story))}</p>\n')
    tags = story.tags.all()
    if tags:
        items = "".join(
            f'<li><a class="tag" href="{escape(tag_url(tag))}">#{escape(tag.name)}</a></li>'
            for tag in tags
        )
        parts.append(f'<ul class="tag-list" aria-label="{shared.tags}">{items}</ul>\n')
    return "".join(parts)


def card_html(
    story: Story,
    *,
    compact: bool = False,
    heading: str = "",
    reactable: bool = False,
    csrf_token: object = "",
    focus: bool = False,
) -> SafeString:
    """A story card (templates/stories/card.html). `story` comes from StoryQuerySet.for_feed
    (or with author, department and award cycle selected when `compact`: a compact card shows
    no photo, excerpt, tags or buttons and reads no prefetched relation). With `focus`, the
    card takes the focus when htmx adds it to the page (its `autofocus`)."""
    shared = _shared()
    pk = int(story.pk)
    kind = escape(story.kind)
    url = _with_id(shared.story, pk)
    title = escape(story.title)
    heading = escape(heading or "h2")
    author = story.author
    department = story.department
    byline = (
        f'<p class="story-byline">\n{avatar_html(author, "sm")}\n'
        f'<a href="{_with_id(shared.person, author.pk)}">{escape(author.full_name)}</a>\n'
        f"{_published_at(story)}"
        + (f'<span class="muted">· {escape(department.name)}</span>\n' if department else "")
        + "</p>\n"
    )
    if compact:
        counts = shared.counts % {
            "applause": int(story.applause_count),
            "customer_love": int(story.customer_love_count),
            "learned": int(story.learned_count),
        }
        main = (
            f'<p class="story-counts muted">{escape(counts)}{_comments(story.comment_count)}</p>\n'
        )
        rest = ""
    else:
        main = _details(story, shared)
        photo = next(iter(story.images.all()), None)
        rest = ""
        if photo:
            rest = (
                f'<img class="story-thumb" src="{escape(photo.thumbnail.url)}" '
                f'alt="{escape(photo.alt_text)}" loading="lazy">\n'
            )
        reactions = reactions_html(story, reactable=reactable, csrf_token=csrf_token, shared=shared)
        on_story = escape(shared.on_story % {"title": story.title})
        rest += (
            f'<footer class="story-card-foot">\n{reactions}'
            f'<a class="story-comments-link" href="{url}#comments">'
            f"{_comments(story.comment_count)}"
            f'<span class="visually-hidden">{on_story}</span></a>\n</footer>\n'
        )
    focusable = ' tabindex="-1" autofocus' if focus else ""
    return SafeString(
        f'<article class="story-card story-card-{kind}'
        f'{" story-card-compact" if compact else ""}" aria-labelledby="story-{pk}-title"'
        f"{focusable}>\n"
        f'<div class="story-card-main">\n'
        f'<p class="story-card-kind">{kind_badge_html(story, shared)}</p>\n'
        f"{award_banner_html(story, shared)}\n"
        f'<{heading} class="story-card-title" id="story-{pk}-title"><a href="{url}">{title}</a>'
        f"</{heading}>\n"
        f"{byline}{main}</div>\n{rest}</article>\n"
    )
