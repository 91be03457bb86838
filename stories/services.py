"""Every change to stories, their photos, reactions and comments: typed, keyword-only, atomic.

The services take typed values (a Decimal, a date, a bool, users and tags), parsed by the web
forms and the API serializers from the model's own fields (stories/inputs.py); they check the
rules beyond the shape of the input (ranges, dates, what each kind needs, the state of the
story) and ask stories.access who may act. The service gives the friendly message; database
constraints make the rule true under concurrency (one reaction of a kind per person, one
story per thank-you). Reaction and comment counters on the story move with F() in the same
transaction as the row they count, so they stay exact.
"""

import datetime as dt
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Department, User
from core import audit, metrics
from core.errors import ConflictError
from core.images import process_upload
from nominations.models import ThankYou
from stories import access, notices
from stories.models import (
    CHECK_FIELDS,
    FRONT_LINE_FIELDS,
    IMPROVEMENT_FIELDS,
    KIND_FIELDS,
    MAX_PHOTOS,
    Comment,
    Reaction,
    Story,
    StoryImage,
    Tag,
)

Kind = Story.Kind
Status = Story.Status

MAX_TAGS = 5
MAX_FEATURED = 10
# A comment's one-time submission key (the form's hidden field, the API's Idempotency-Key):
# visible ASCII, so that a client's UUIDs and our own random tokens both fit.
SUBMISSION_KEY = re.compile(r"[!-~]{1,64}")

EDITABLE = ("title", "body", "department", "featured", "tags", *IMPROVEMENT_FIELDS)
EDITABLE += FRONT_LINE_FIELDS
COUNTERS = {
    Reaction.Kind.APPLAUSE: "applause_count",
    Reaction.Kind.CUSTOMER_LOVE: "customer_love_count",
    Reaction.Kind.LEARNED: "learned_count",
}
CHECK_MESSAGES = {
    "check_metric": "Say what you measured (e.g. average wait).",
    "check_before": "Give the value before the change.",
    "check_after": "Give the value after the change.",
    "check_unit": "Give the unit (e.g. minutes).",
    "check_higher_is_better": "Say whether a higher or a lower value is better.",
}
NO_STORY_REASON = _("Say why the story is hidden: the author will see it.")
NO_COMMENT_REASON = _("Say why the comment is hidden.")


# --- Rules on a story's own fields --------------------------------------------------------


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _check_improvement(values: dict[str, Any], errors: dict[str, str]) -> None:
    if _missing(values.get("plan")):
        errors["plan"] = "Describe the customer's problem (Plan), ideally in their words."
    if _missing(values.get("do")):
        errors["do"] = "Say what was changed (Do)."
    # The Check is all or nothing: a number without its metric, unit or direction means nothing.
    if any(not _missing(values.get(field)) for field in CHECK_FIELDS):
        for field in CHECK_FIELDS:
            if _missing(values.get(field)):
                errors[field] = CHECK_MESSAGES[field]


def _check_front_line(values: dict[str, Any], errors: dict[str, str]) -> None:
    date = values.get("shift_date")
    hours = values.get("shift_hours")
    if date is None:
        errors["shift_date"] = "Give the date you spent on the front line."
    if hours is None:
        errors["shift_hours"] = "Give the hours you spent there."
    # The same rules as time on the front line given as nomination evidence (core/metrics.py).
    checks = [("shift_date", metrics.check_front_line_day, date)]
    checks += [("shift_hours", check, hours) for check in metrics.front_line_hours_validators()]
    for field, check, value in checks:
        if value is None or field in errors:
            continue
        try:
            check(value)
        except ValidationError as error:
            errors[field] = error.messages[0]


def _check_story(*, kind: str, values: dict[str, Any]) -> None:
    """What a story of `kind` needs of its own fields (ValidationError by field): an
    improvement a Plan and a Do, and a Check that is all or nothing; a front-line story a date
    within the last year and its hours. Fields of another kind must be empty: a front-line
    story has no Plan-Do-Check-Act."""
    errors: dict[str, str] = {}
    own = KIND_FIELDS.get(kind, ())
    for field in (*IMPROVEMENT_FIELDS, *FRONT_LINE_FIELDS):
        if field not in own and not _missing(values.get(field)):
            errors[field] = f"This does not belong in a {Kind(kind).label.lower()} story."
    if kind == Kind.IMPROVEMENT:
        _check_improvement(values, errors)
    elif kind == Kind.FRONT_LINE:
        _check_front_line(values, errors)
    if errors:
        raise ValidationError(errors)


def _featured(users: Iterable[User], errors: dict[str, str]) -> list[User]:
    users = list({user.pk: user for user in users}.values())
    if len(users) > MAX_FEATURED:
        errors["featured"] = f"Feature at most {MAX_FEATURED} colleagues."
    elif any(not user.is_active for user in users):
        errors["featured"] = "Feature only colleagues who are still with the company."
    return users


def _tags(tags: Iterable[Tag], errors: dict[str, str]) -> list[Tag]:
    found: dict[str, Tag] = {}
    for tag in tags:
        found.setdefault(tag.slug, tag)
    if len(found) > MAX_TAGS:
        errors["tags"] = f"Use at most {MAX_TAGS} tags."
    return list(found.values())


def _save_tags(tags: list[Tag]) -> list[Tag]:
    """New tags (Tag.named, not saved) become the saved tag of their slug, created if needed."""
    saved = []
    for tag in tags:
        if tag.pk is None:
            tag, _created = Tag.objects.get_or_create(slug=tag.slug, defaults={"name": tag.name})
        saved.append(tag)
    return saved


# --- Stories ------------------------------------------------------------------------------


@transaction.atomic
def create_story(
    *,
    author: User,
    kind: str,
    title: str,
    body: str = "",
    department: Department | None = None,
    featured: Iterable[User] = (),
    tags: Iterable[Tag] = (),
    publish: bool = False,
    plan: str = "",
    do: str = "",
    act: str = "",
    check_metric: str = "",
    check_before: Decimal | None = None,
    check_after: Decimal | None = None,
    check_unit: str = "",
    check_higher_is_better: bool | None = None,
    shift_date: dt.date | None = None,
    shift_hours: Decimal | None = None,
    heard: str = "",
) -> Story:
    """An improvement or front-line story, as a draft or published at once. New tags (from
    Tag.named) are created."""
    if kind == Kind.AWARD:
        raise ValidationError({"kind": "Award stories are written when an award is announced."})
    if kind == Kind.CUSTOMER_VOICE:
        raise ValidationError(
            {"kind": "A customer's words come from an approved thank-you: start from it."}
        )
    if kind not in KIND_FIELDS:
        raise ValidationError({"kind": "Choose an improvement or a front-line story."})
    if not access.can_write(author):
        raise PermissionDenied("Only current employees write stories.")
    values = {
        "plan": plan,
        "do": do,
        "act": act,
        "check_metric": check_metric,
        "check_before": check_before,
        "check_after": check_after,
        "check_unit": check_unit,
        "check_higher_is_better": check_higher_is_better,
        "shift_date": shift_date,
        "shift_hours": shift_hours,
        "heard": heard,
    }
    _check_story(kind=kind, values=values)
    errors: dict[str, str] = {}
    featured_users = _featured(featured, errors)
    tag_list = _tags(tags, errors)
    if errors:
        raise ValidationError(errors)
    story = Story.objects.create(
        kind=kind,
        author=author,
        title=title,
        body=body,
        department=department if department is not None else author.department,
        **{field: values[field] for field in KIND_FIELDS[kind]},
    )
    story.featured.set(featured_users)
    story.tags.set(_save_tags(tag_list))
    if publish:
        _publish(story)
    return story


def _publish(story: Story) -> None:
    story.status = Status.PUBLISHED
    story.published_at = timezone.now()
    story.save(update_fields=["status", "published_at", "updated_at"])


def _lock(story: Story) -> Story:
    return Story.objects.select_for_update().get(pk=story.pk)


def _require_author(story: Story, by: User) -> None:
    if not access.is_author(by, story):
        raise PermissionDenied("Only the author can change this story.")
    if not access.can_edit(by, story):
        raise ConflictError("HR hid this story, so it can no longer be changed.")


@transaction.atomic
def update_story(*, story: Story, by: User, **changes: Any) -> Story:
    """The author edits their own story (not once HR hid it). Only the given fields change;
    they take the types create_story takes."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise TypeError(f"update_story() got unexpected fields: {', '.join(sorted(unknown))}")
    story = _lock(story)
    _require_author(story, by)
    own = KIND_FIELDS.get(story.kind, ())
    fields = {k: v for k, v in changes.items() if k not in ("department", "featured", "tags")}
    _check_story(kind=story.kind, values={**{f: getattr(story, f) for f in own}, **fields})
    errors: dict[str, str] = {}
    featured = _featured(changes["featured"], errors) if "featured" in changes else None
    tags = _tags(changes["tags"], errors) if "tags" in changes else None
    if errors:
        raise ValidationError(errors)
    for field, value in fields.items():
        setattr(story, field, value)
    if "department" in changes:
        story.department = changes["department"]
    story.save()
    if featured is not None:
        story.featured.set(featured)
    if tags is not None:
        story.tags.set(_save_tags(tags))
    return story


@transaction.atomic
def publish_story(*, story: Story, by: User) -> Story:
    """The author publishes a draft; publishing twice changes nothing."""
    story = _lock(story)
    _require_author(story, by)
    if story.status == Status.DRAFT:
        _publish(story)
    return story


@transaction.atomic
def hide_story(*, story: Story, by: User, reason: str) -> Story:
    """HR takes a published story out of the feed, saying why (audited)."""
    if not access.can_moderate(by):
        raise PermissionDenied("Only HR can hide a story.")
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError({"reason": NO_STORY_REASON})
    story = _lock(story)
    if not access.can_hide(by, story):
        raise ConflictError(f"Only a published story can be hidden; this one is {story.status}.")
    story.status = Status.HIDDEN
    story.hidden_reason = reason
    story.hidden_by = by
    story.hidden_at = timezone.now()
    story.save()
    audit.record("story.hidden", actor=by, target=story, reason=reason)
    return story


# --- Customer voice -----------------------------------------------------------------------


def _duplicate_voice(thank_you: ThankYou) -> ConflictError:
    existing = Story.objects.filter(thank_you=thank_you).values_list("pk", flat=True).first()
    return ConflictError("This thank-you is already a story.", existing=existing)


def customer_voice_title(thank_you: ThankYou) -> str:
    """The title a customer-voice story gets unless the person sharing it writes another."""
    customer = thank_you.customer_first_name[:60] or gettext("A customer")
    title = gettext("%(customer)s thanks %(employee)s") % {
        "customer": customer,
        "employee": thank_you.employee,
    }
    if organisation := thank_you.organisation.strip():
        title += f" ({organisation})"
    return title[: Story._meta.get_field("title").max_length]


@transaction.atomic
def create_customer_voice(
    *, thank_you: ThankYou, by: User, title: str = "", publish: bool = True
) -> Story:
    """A customer-voice story from an approved thank-you whose customer agreed to share it,
    by HR or the thanked employee. Only the words, the first name and the organisation travel:
    never the customer's e-mail address or full name. `title` replaces the usual one
    (customer_voice_title) when given."""
    thank_you = (
        ThankYou.objects.select_for_update(of=("self",))
        .select_related("employee")
        .get(pk=thank_you.pk)
    )
    if not access.may_share_thanks(by, thank_you):
        raise PermissionDenied("Only HR or the thanked employee can share a thank-you.")
    if thank_you.status != ThankYou.Status.APPROVED:
        raise ValidationError({"thank_you": "Only an approved thank-you can become a story."})
    if not thank_you.consent_to_share:
        raise ValidationError({"thank_you": "The customer did not agree to share their words."})
    if Story.objects.filter(thank_you=thank_you).exists():
        raise _duplicate_voice(thank_you)
    employee = thank_you.employee
    first_name = thank_you.customer_first_name[:60]
    organisation = thank_you.organisation.strip()
    title = " ".join(title.split()) or customer_voice_title(thank_you)
    try:
        with transaction.atomic():
            story = Story.objects.create(
                kind=Kind.CUSTOMER_VOICE,
                author=by,
                title=title[: Story._meta.get_field("title").max_length],
                department=employee.department,
                thank_you=thank_you,
                quote=thank_you.message,
                customer_first_name=first_name,
                customer_organisation=organisation,
            )
    except IntegrityError:
        raise _duplicate_voice(thank_you) from None
    story.featured.set([employee])
    if publish:
        _publish(story)
    return story


# --- Photos -------------------------------------------------------------------------------


@transaction.atomic
def add_image(*, story: Story, by: User, upload: Any, alt_text: str = "") -> StoryImage:
    """A photo (through core.images: re-encoded, metadata stripped); at most four a story."""
    story = _lock(story)  # two uploads at once must not make a fifth photo
    _require_author(story, by)
    count = story.images.count()
    if count >= MAX_PHOTOS:
        raise ValidationError({"image": f"A story has at most {MAX_PHOTOS} photos."})
    try:
        processed = process_upload(upload)
    except ValidationError as error:
        raise ValidationError({"image": error.messages}) from None
    return StoryImage.objects.create(
        story=story,
        image=processed.display,
        thumbnail=processed.thumbnail,
        width=processed.width,
        height=processed.height,
        alt_text=" ".join(alt_text.split()),  # one line, under the photo and in its alt text
        position=count,
    )


# --- Reactions ----------------------------------------------------------------------------


def _reaction_target(story: Story, user: User, kind: str) -> tuple[Story, str]:
    if kind not in COUNTERS:
        raise ValidationError({"kind": "React with applause, customer love or learned."})
    story = Story.objects.get(pk=story.pk)
    if not access.can_react(user, story):
        raise ConflictError("You can react to published stories only.")
    return story, COUNTERS[kind]


def _count(story: Story, counter: str) -> int:
    return Story.objects.filter(pk=story.pk).values_list(counter, flat=True).get()


def _add_reaction(story: Story, user: User, kind: str, counter: str) -> None:
    try:
        with transaction.atomic():
            Reaction.objects.create(story=story, user=user, kind=kind)
    except IntegrityError:
        return  # a twin request added it first: the count already includes it
    Story.objects.filter(pk=story.pk).update(**{counter: F(counter) + 1})


def _remove_reaction(story: Story, user: User, kind: str, counter: str) -> None:
    deleted, _by_model = Reaction.objects.filter(story=story, user=user, kind=kind).delete()
    if deleted:
        Story.objects.filter(pk=story.pk).update(**{counter: F(counter) - 1})


@transaction.atomic
def set_reaction(*, story: Story, user: User, kind: str, on: bool) -> int:
    """Put a reaction on or take it off (idempotent); returns the story's count of that kind."""
    story, counter = _reaction_target(story, user, kind)
    if on:
        _add_reaction(story, user, kind, counter)
    else:
        _remove_reaction(story, user, kind, counter)
    return _count(story, counter)


@transaction.atomic
def toggle_reaction(*, story: Story, user: User, kind: str) -> tuple[bool, int]:
    """Flip one reaction; returns (whether it is now on, the story's count of that kind)."""
    story, counter = _reaction_target(story, user, kind)
    on = not Reaction.objects.filter(story=story, user=user, kind=kind).exists()
    if on:
        _add_reaction(story, user, kind, counter)
    else:
        _remove_reaction(story, user, kind, counter)
    return on, _count(story, counter)


# --- Comments -----------------------------------------------------------------------------


def _submitted(story: Story, author: User, submission_key: str) -> Comment | None:
    if not submission_key:
        return None
    found = Comment.objects.filter(story=story, author=author, submission_key=submission_key)
    return found.first()


@transaction.atomic
@transaction.atomic
def add_comment(*, story: Story, author: User, body: str, submission_key: str = "") -> Comment:
    """Comment on a published story. The same post again with the same `submission_key` (a
    retry after an answer was lost, a double click) returns the comment it made the first time."""
    if twin := _submitted(story, author, submission_key):
        return twin
    story = Story.objects.get(pk=story.pk)
    if not access.can_react(author, story):
        raise ConflictError("You can comment on published stories only.")
    try:
        with transaction.atomic():
            comment = Comment.objects.create(
                story=story, author=author, body=body, submission_key=submission_key
            )
    except IntegrityError:
        # A twin request with the same key won the race: its comment is this one.
        if twin := _submitted(story, author, submission_key):
            return twin
        raise
    Story.objects.filter(pk=story.pk).update(comment_count=F("comment_count") + 1)
    notices.commented(comment)
    return comment


def _lock_comment(comment: Comment) -> Comment:
    return Comment.objects.select_for_update().get(pk=comment.pk)


def _require_change(comment: Comment, by: User, now: dt.datetime | None) -> None:
    if not access.owns_comment(by, comment):
        raise PermissionDenied("You can change your own comments only.")
    if not comment.is_visible:
        raise ConflictError("This comment was removed.")
    if not access.can_change_comment(by, comment, now=now):
        raise ConflictError("Comments can be changed for 15 minutes.")


@transaction.atomic
def edit_comment(
    *, comment: Comment, by: User, body: str, now: dt.datetime | None = None
) -> Comment:
    comment = _lock_comment(comment)
    _require_change(comment, by, now)
    comment.body = body
    comment.edited_at = now or timezone.now()
    comment.save(update_fields=["body", "edited_at"])
    return comment


@transaction.atomic
def delete_comment(*, comment: Comment, by: User, now: dt.datetime | None = None) -> Comment:
    """The author takes back their comment (within 15 minutes); the row stays, marked deleted."""
    comment = _lock_comment(comment)
    _require_change(comment, by, now)
    comment.status = Comment.Status.DELETED
    comment.save(update_fields=["status"])
    Story.objects.filter(pk=comment.story_id).update(comment_count=F("comment_count") - 1)
    notices.comment_gone(comment)
    return comment


@transaction.atomic
def hide_comment(*, comment: Comment, by: User, reason: str) -> Comment:
    """HR hides a comment, saying why (audited)."""
    if not access.can_moderate(by):
        raise PermissionDenied("Only HR can hide a comment.")
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError({"reason": NO_COMMENT_REASON})
    comment = _lock_comment(comment)
    if not access.can_hide_comment(by, comment):
        raise ConflictError("This comment was removed already.")
    comment.status = Comment.Status.HIDDEN
    comment.hidden_reason = reason
    comment.hidden_by = by
    comment.save(update_fields=["status", "hidden_reason", "hidden_by"])
    Story.objects.filter(pk=comment.story_id).update(comment_count=F("comment_count") - 1)
    audit.record("comment.hidden", actor=by, target=comment, story=comment.story_id, reason=reason)
    notices.comment_gone(comment)
    return comment


@transaction.atomic
def remove_image(*, image: StoryImage, by: User) -> None:
    """The author takes a photo off their story; the others close up. The files go once the
    transaction commits (a rolled-back edit keeps them)."""
    story = _lock(image.story)
    _require_author(story, by)
    image = StoryImage.objects.get(pk=image.pk, story=story)
    files = [image.image, image.thumbnail]
    image.delete()
    for position, remaining in enumerate(story.images.order_by("position", "id")):
        if remaining.position != position:
            StoryImage.objects.filter(pk=remaining.pk).update(position=position)
    for file in files:
        if file.name:
            transaction.on_commit(lambda f=file: f.storage.delete(f.name))
