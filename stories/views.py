"""Story pages: the feed, a story, its reactions and its comments.

Every view is thin: `access` decides what a reader may see (404 otherwise), the services do
the work and word the rules, `feed.page` pages. htmx requests get the named partial that
they swap; errors re-render with status 200 because htmx does not swap 4xx answers.
"""

import re
from dataclasses import dataclass, fields, replace
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.http import AuthedRequest
from accounts.models import Department, User
from core.errors import ConflictError
from core.forms import service_errors
from stories import access, services
from stories.feed import page as feed_page
from stories.forms import CommentForm, HideCommentForm, NewCommentForm
from stories.models import CARD_PREFETCH, Comment, Reaction, Story, StoryImage, Tag

FEED = "stories/feed.html"
DETAIL = "stories/detail.html"
COMMENTS = "stories/_comments.html"
REACTIONS = "stories/_reactions.html"
EARLIER_TARGET = "comments-earlier"  # the id the "Show earlier comments" link swaps
MAX_QUERY = 200
COMMENTS_PAGE = 20  # a story page shows its newest comments; older ones are a link away
TAG_CHOICES = 200
SLUG = re.compile(r"[-\w]{1,40}", re.ASCII)


def _edit_form(comment: Comment, data: QueryDict | None = None) -> CommentForm:
    # Its own ids: the page also carries the form for a new comment.
    return CommentForm(data, initial={"body": comment.body}, auto_id=f"id_comment_{comment.pk}_%s")


def _hide_form(comment: Comment, data: QueryDict | None = None) -> HideCommentForm:
    return HideCommentForm(data, auto_id=f"id_hide_{comment.pk}_%s")


# --- the feed ---------------------------------------------------------------------------------


def _positive_int(value: str | None) -> int | None:
    value = value or ""
    if value.isascii() and value.isdigit() and len(value) < 12 and int(value) > 0:
        return int(value)
    return None


@dataclass(frozen=True)
class FeedFilters:
    """The feed's filters as they live in the URL; anything malformed is ignored."""

    kind: str = ""
    department: int | None = None
    tag: str = ""
    person: int | None = None
    q: str = ""

    @classmethod
    def from_query(cls, params: QueryDict) -> "FeedFilters":
        kind = params.get("kind", "")
        tag = params.get("tag", "").strip().lower()
        q = " ".join(params.get("q", "").replace("\x00", "").split())[:MAX_QUERY]
        return cls(
            kind=kind if kind in Story.Kind.values else "",
            department=_positive_int(params.get("department")),
            tag=tag if SLUG.fullmatch(tag) else "",
            person=_positive_int(params.get("person")),
            q=q,
        )

    def folded_count(self) -> int:
        """How many of the filters the feed folds under "More filters" are set."""
        return sum(1 for value in (self.kind, self.department, self.tag) if value)

    def params(self) -> dict[str, str]:
        return {f.name: str(getattr(self, f.name)) for f in fields(self) if getattr(self, f.name)}

    def url(self, **extra: str) -> str:
        query = urlencode(self.params() | extra)
        return reverse("stories:feed") + (f"?{query}" if query else "")

    def without(self, name: str) -> str:
        return replace(self, **{name: FeedFilters.__dataclass_fields__[name].default}).url()


def _feed_stories(request: AuthedRequest, filters: FeedFilters):
    return (
        access.feed_stories(request.user)
        .for_feed()
        .filtered(
            kind=filters.kind,
            department=filters.department,
            tag=filters.tag,
            person=filters.person,
        )
        .search(filters.q)
    )


def _attach_my_reactions(user: User, stories: list[Story]) -> None:
    """Which reactions the reader gave, for aria-pressed: one query for the whole page."""
    mine: dict[int, set[str]] = {story.pk: set() for story in stories}
    if mine:
        given = Reaction.objects.filter(user=user, story_id__in=mine).values_list(
            "story_id", "kind"
        )
        for story_id, kind in given:
            mine[story_id].add(kind)
    for story in stories:
        story.my_reactions = mine[story.pk]


def _filter_choices(filters: FeedFilters) -> dict:
    """The filter form's options and the current filters as removable chips (a fixed number
    of queries: departments, tags, and the chosen tag and person when there are any)."""
    departments = list(Department.objects.order_by("name").only("pk", "name"))
    tags = list(Tag.objects.order_by("name")[:TAG_CHOICES])
    chosen_tag = None
    if filters.tag:
        chosen_tag = Tag.objects.filter(slug=filters.tag).first()
        if chosen_tag and chosen_tag not in tags:
            tags.append(chosen_tag)
    person = User.objects.filter(pk=filters.person).first() if filters.person else None
    chips = []
    if filters.q:
        chips.append(("q", f"Search: {filters.q}"))
    if filters.kind:
        chips.append(("kind", f"Kind: {Story.Kind(filters.kind).label}"))
    if filters.department:
        name = next((d.name for d in departments if d.pk == filters.department), "unknown")
        chips.append(("department", f"Department: {name}"))
    if filters.tag:
        chips.append(("tag", f"Tag: {chosen_tag.name if chosen_tag else filters.tag}"))
    if filters.person:
        chips.append(("person", f"Person: {person.full_name if person else 'unknown'}"))
    return {
        "kinds": Story.Kind.choices,
        "departments": departments,
        "tags": tags,
        "person": person,
        "chips": [{"label": label, "remove_url": filters.without(name)} for name, label in chips],
    }


@login_required
@require_GET
def feed(request: AuthedRequest) -> HttpResponse:
    """Newest stories first (by relevance when searching on PostgreSQL), 20 at a time; the
    "More stories" button sends a signed cursor and the filters."""
    filters = FeedFilters.from_query(request.GET)
    context: dict = {"filters": filters, "reactable": True}
    try:
        stories, cursor = feed_page(
            _feed_stories(request, filters), request.GET.get("cursor") or None
        )
    except ValidationError as error:
        context |= _filter_choices(filters)
        context |= {"stories": [], "bad_cursor": " ".join(error.messages)}
        return render(request, FEED, context, status=400)
    _attach_my_reactions(request.user, stories)
    next_page = filters.params() | {"cursor": cursor} if cursor else {}
    context |= {"stories": stories, "next_page": next_page}
    if request.htmx and not request.htmx.history_restore_request:
        # The cards htmx adds: the first takes the focus. Never on a whole page, which a
        # history restore also asks for with htmx.
        return render(request, FEED + "#page", context | {"focus_first": True})
    context |= _filter_choices(filters)
    return render(request, FEED, context)


# --- a story ----------------------------------------------------------------------------------


def _visible_story(request: AuthedRequest, pk: int) -> Story:
    """The story if this reader may see it; 404 otherwise (its existence stays secret)."""
    return get_object_or_404(access.visible_stories(request.user), pk=pk)


def _story_for_page(request: AuthedRequest, pk: int) -> Story:
    stories = (
        access.visible_stories(request.user)
        .select_related("author", "department", "award_cycle")
        .prefetch_related(*CARD_PREFETCH)
    )
    return get_object_or_404(stories, pk=pk)


def _decorate(
    comment: Comment,
    user: User,
    *,
    now=None,
    edit_form: CommentForm | None = None,
    hide_form: HideCommentForm | None = None,
) -> Comment:
    """What the reader may see of a comment and do with it (stories.access, which the
    services ask again)."""
    comment.can_change = access.can_change_comment(user, comment, now=now)
    comment.shows_moderation = access.can_moderate(user)  # what HR hid, and why
    comment.edit_form = edit_form
    if hide_form is None and access.can_hide_comment(user, comment):
        hide_form = _hide_form(comment)
    comment.hide_form = hide_form
    return comment


@dataclass(frozen=True)
class CommentPage:
    """Part of a conversation, oldest first: at most COMMENTS_PAGE comments, how many visible
    ones come before them (for the "Show earlier comments" link), and whether it is an older
    page rather than the newest one."""

    comments: list[Comment]
    earlier: int
    older: bool = False

    @property
    def earlier_shown(self) -> int:
        return min(self.earlier, COMMENTS_PAGE)

    @property
    def before(self) -> int | None:
        return self.comments[0].pk if self.earlier and self.comments else None


def _earlier_than(created_at, pk: int) -> Q:
    # The `<=` bound lets the database seek the index to the boundary (see feed.older_than).
    return Q(created_at__lte=created_at) & (
        Q(created_at__lt=created_at) | Q(created_at=created_at, pk__lt=pk)
    )


def _comment_page(
    user: User, story: Story, *, before: int | None = None, through: int | None = None
) -> CommentPage:
    """Keyset paging on (created_at, id), the comments' own order, so that a story's page costs
    the same queries and time with 5 comments or 5,000: the newest page, the page just older
    than comment `before` (the "earlier" link), or the page ending with comment `through` (a
    form shown again with its errors). An id that is not one of this story's comments gives
    the newest page."""
    comments = access.visible_comments(user, story)
    window, older = comments, False
    anchor = before or through
    if anchor:
        # Any status: the oldest comment on screen may have been deleted since the page loaded.
        # Only its time is used, as a boundary; it is never shown.
        created = story.comments.filter(pk=anchor).values_list("created_at", flat=True).first()
        if created is not None:
            rule = _earlier_than(created, anchor)
            window = comments.filter(rule | Q(pk=anchor) if through else rule)
            older = True
    shown = list(window.order_by("-created_at", "-id")[:COMMENTS_PAGE])
    shown.reverse()
    # Always one count, even when it is obviously 0: the page's queries stay the same.
    earlier = comments.filter(_earlier_than(shown[0].created_at, shown[0].pk)) if shown else window
    return CommentPage(comments=shown, earlier=earlier.count(), older=older)


def _detail_context(
    request: AuthedRequest,
    story: Story,
    *,
    before: int | None = None,
    comment_form: CommentForm | None = None,
    edit: tuple[int, CommentForm] | None = None,
    hide: tuple[int, HideCommentForm] | None = None,
) -> dict:
    user = request.user
    _attach_my_reactions(user, [story])
    page = _comment_page(user, story, before=before)
    focus = edit[0] if edit else hide[0] if hide else None
    if focus and all(comment.pk != focus for comment in page.comments):
        page = _comment_page(user, story, through=focus)  # an older comment's form, in place
    now = timezone.now()
    for comment in page.comments:
        _decorate(
            comment,
            user,
            now=now,
            edit_form=edit[1] if edit and edit[0] == comment.pk else None,
            hide_form=hide[1] if hide and hide[0] == comment.pk else None,
        )
    return {
        "story": story,
        "can_edit": access.can_edit(user, story),
        "can_hide": access.can_hide(user, story),
        "reactable": access.can_react(user, story),
        "comments": page.comments,
        "comment_page": page,
        "comment_form": comment_form or NewCommentForm(),
        "share_url": request.build_absolute_uri(story.get_absolute_url()),
    }


@login_required
@require_GET
def detail(request: AuthedRequest, pk: int) -> HttpResponse:
    """The story and its newest comments; `?before=<comment id>` shows the ones before it,
    which the "Show earlier comments" link asks for (htmx prepends them in place)."""
    before = _positive_int(request.GET.get("before"))
    if before and request.htmx and request.htmx.target == EARLIER_TARGET:
        story = _visible_story(request, pk)
        page = _comment_page(request.user, story, before=before)
        if page.older:
            now = timezone.now()
            for comment in page.comments:
                _decorate(comment, request.user, now=now)
            context = {"story": story, "comment_page": page}
            return render(request, COMMENTS + "#earlier_added", context)
    story = _story_for_page(request, pk)
    return render(request, DETAIL, _detail_context(request, story, before=before))


def _detail_again(request: AuthedRequest, story: Story, **forms_: object) -> HttpResponse:
    """The story page again (no JavaScript) with a form's errors in place; 200 like htmx."""
    story = _story_for_page(request, story.pk)
    return render(request, DETAIL, _detail_context(request, story, **forms_))


# --- reactions --------------------------------------------------------------------------------


@login_required
@require_POST
def react(request: AuthedRequest, pk: int, kind: str) -> HttpResponse:
    """Toggle one of the reader's reactions; htmx swaps the reactions group in place."""
    if kind not in Reaction.Kind.values:
        return render(request, "errors/400.html", status=400)
    story = _visible_story(request, pk)
    try:
        services.toggle_reaction(story=story, user=request.user, kind=kind)
    except ConflictError as error:
        if not request.htmx:
            messages.error(request, error.message)
            return redirect(story)
        problem = error.message
    else:
        problem = ""
    if request.htmx:
        story = Story.objects.get(pk=story.pk)  # the counters as they are now
        _attach_my_reactions(request.user, [story])
        context = {"story": story, "reactable": access.can_react(request.user, story)}
        return render(request, REACTIONS, context | {"problem": problem})
    return redirect(story.get_absolute_url() + f"#reactions-{story.pk}")


# --- comments ---------------------------------------------------------------------------------


def _visible_comment(request: AuthedRequest, pk: int) -> Comment:
    """A comment on a story the reader may see, that they may see themselves; 404 otherwise."""
    comment = get_object_or_404(Comment.objects.select_related("story", "author"), pk=pk)
    story = comment.story
    if not access.can_view(request.user, story):
        raise Http404
    if not access.visible_comments(request.user, story).filter(pk=pk).exists():
        raise Http404
    return comment


def _own_comment(request: AuthedRequest, pk: int) -> Comment:
    comment = _visible_comment(request, pk)
    if not access.owns_comment(request.user, comment):
        raise Http404  # someone else's comment: as if it were not there to change
    return comment


def _item(request: AuthedRequest, comment: Comment, **extra: object) -> HttpResponse:
    context = {"comment": comment, "story": comment.story, **extra}
    return render(request, COMMENTS + "#comment_item", context)


def _comment_url(comment: Comment) -> str:
    return reverse("stories:detail", args=[comment.story_id]) + f"#comment-{comment.pk}"


@login_required
@require_POST
def comment(request: AuthedRequest, pk: int) -> HttpResponse:
    """Add a comment; htmx appends it to the list and gives back an empty form. The same form
    posted again answers as the first time did, with the comment that one made."""
    story = _visible_story(request, pk)
    form = NewCommentForm(request.POST)
    if form.is_valid():
        with service_errors(form):
            new = services.add_comment(
                story=story,
                author=request.user,
                body=form.cleaned_data["body"],
                submission_key=form.cleaned_data["submission_key"],
            )
            if not request.htmx:
                messages.success(request, "Your comment is posted.")
                return redirect(_comment_url(new))
            story = Story.objects.get(pk=story.pk)  # the comment count as it is now
            new.story = story
            context = {
                "story": story,
                "comment": _decorate(new, request.user),
                "comment_form": NewCommentForm(),
                "reactable": True,
            }
            return render(request, COMMENTS + "#comment_added", context)
    if request.htmx:
        context = {"story": story, "comment_form": form, "reactable": True}
        return render(request, COMMENTS + "#comment_form", context)
    return _detail_again(request, story, comment_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def comment_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    """Edit your own comment (the service allows it for 15 minutes). Without JavaScript the
    form appears in place on the story page."""
    comment = _own_comment(request, pk)
    form = _edit_form(comment, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        with service_errors(form):
            comment = services.edit_comment(
                comment=comment, by=request.user, body=form.cleaned_data["body"]
            )
            if request.htmx:
                return _item(request, _decorate(comment, request.user), notice="Comment saved.")
            messages.success(request, "Your comment is saved.")
            return redirect(_comment_url(comment))
    if request.htmx:
        return _item(request, _decorate(comment, request.user, edit_form=form))
    return _detail_again(request, comment.story, edit=(comment.pk, form))


@login_required
@require_POST
def comment_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    """Take back your own comment (within 15 minutes)."""
    comment = _own_comment(request, pk)
    try:
        services.delete_comment(comment=comment, by=request.user)
    except ConflictError as error:
        if request.htmx:
            return _item(request, _decorate(comment, request.user), problem=error.message)
        messages.error(request, error.message)
        return redirect(_comment_url(comment))
    if request.htmx:
        story = Story.objects.get(pk=comment.story_id)
        return render(request, COMMENTS + "#comment_removed", {"comment": comment, "story": story})
    messages.success(request, "Your comment is deleted.")
    return redirect(reverse("stories:detail", args=[comment.story_id]) + "#comments")


@login_required
@require_POST
def comment_hide(request: AuthedRequest, pk: int) -> HttpResponse:
    """HR hides a comment, saying why (the service audits it)."""
    comment = _visible_comment(request, pk)
    if not access.can_moderate(request.user):
        raise PermissionDenied
    form = _hide_form(comment, request.POST)
    if form.is_valid():
        with service_errors(form):
            comment = services.hide_comment(
                comment=comment, by=request.user, reason=form.cleaned_data["reason"]
            )
            if request.htmx:
                story = Story.objects.get(pk=comment.story_id)
                context = {"comment": _decorate(comment, request.user), "story": story}
                return render(request, COMMENTS + "#comment_hidden", context)
            messages.success(request, "The comment is hidden.")
            return redirect(_comment_url(comment))
    if request.htmx:
        return _item(request, _decorate(comment, request.user, hide_form=form))
    return _detail_again(request, comment.story, hide=(comment.pk, form))


@login_required
@require_GET
def photo(request: AuthedRequest, pk: int, photo_pk: int) -> HttpResponse:
    """A story's photo opened larger: whoever may read the story, as on the story page."""
    story = _visible_story(request, pk)
    image = get_object_or_404(StoryImage, story=story, pk=photo_pk)
    context = {
        "image": image.image,
        "width": image.width,
        "height": image.height,
        "alt": image.alt_text or gettext("A photo from the story"),
        "caption": image.alt_text,
        "heading": gettext("A photo from “%(title)s”") % {"title": story.title},
        "back_url": story.get_absolute_url() + f"#photo-{image.pk}",
        "back_label": gettext("Back to the story"),
    }
    return render(request, "components/photo_page.html", context)
