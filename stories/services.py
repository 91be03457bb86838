"""Every change to stories, their photos, reactions and comments: typed, keyword-only, atomic.

The service gives the friendly message; database constraints make the rule true under
concurrency (one reaction of a kind per person, one story per thank-you). Reaction and comment
counters on the story move with F() in the same transaction as the row they count, so they
stay exact.
"""

import datetime as dt
import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import Department, User
from core import audit
from core.errors import ConflictError
from core.images import process_upload
from nominations.models import ThankYou
from stories import access
from stories.models import MAX_PHOTOS, Comment, Reaction, Story, StoryImage, Tag

Kind = Story.Kind
Status = Story.Status

MAX_TITLE = 140
MAX_BODY = 10000
MAX_TEXT = 2000
MAX_COMMENT = 2000
MAX_REASON = 500
MAX_TAGS = 5
MAX_FEATURED = 10
MAX_METRIC = Decimal("1000000000")
MAX_SHIFT_AGE = dt.timedelta(days=366)
COMMENT_WINDOW = dt.timedelta(minutes=15)
# A comment's one-time submission key (the form's hidden field, the API's Idempotency-Key):
# visible ASCII, so that a client's UUIDs and our own random tokens both fit.
SUBMISSION_KEY = re.compile(r"[!-~]{1,64}")

IMPROVEMENT_FIELDS = (
    "plan",
    "do",
    "act",
    "check_metric",
    "check_before",
    "check_after",
    "check_unit",
    "check_higher_is_better",
)
CHECK_FIELDS = IMPROVEMENT_FIELDS[3:]
FRONT_LINE_FIELDS = ("shift_date", "shift_hours", "heard")
KIND_FIELDS = {Kind.IMPROVEMENT: IMPROVEMENT_FIELDS, Kind.FRONT_LINE: FRONT_LINE_FIELDS}
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
TEXT_LIMITS = {
    "plan": MAX_TEXT,
    "do": MAX_TEXT,
    "act": MAX_TEXT,
    "heard": MAX_TEXT,
    "check_metric": 120,
    "check_unit": 30,
}


# --- Validation ---------------------------------------------------------------------------


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _decimal(value: Any, field: str, errors: dict) -> Decimal | None:
    if isinstance(value, bool):
        errors[field] = "Enter a number."
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        errors[field] = "Enter a number."
        return None
    if not number.is_finite():
        errors[field] = "Enter a number."
        return None
    return number


def _boolean(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes", "on", "higher"):
        return True
    if text in ("false", "0", "no", "off", "lower"):
        return False
    return None


def _clean_text(values: dict, errors: dict) -> None:
    title = (values.get("title") or "").strip()
    if not title:
        errors["title"] = "Give the story a title."
    elif len(title) > MAX_TITLE:
        errors["title"] = f"Keep the title under {MAX_TITLE} characters."
    values["title"] = title
    body = (values.get("body") or "").strip()
    if len(body) > MAX_BODY:
        errors["body"] = f"Keep the story under {MAX_BODY} characters."
    values["body"] = body
    for field, limit in TEXT_LIMITS.items():
        text = str(values.get(field) or "").strip()
        if len(text) > limit:
            errors[field] = f"Keep this under {limit} characters."
        values[field] = text


def _clean_improvement(values: dict, errors: dict) -> None:
    if _blank(values.get("plan")):
        errors["plan"] = "Describe the customer's problem (Plan), ideally in their words."
    if _blank(values.get("do")):
        errors["do"] = "Say what was changed (Do)."
    for field in ("check_before", "check_after"):
        if not _blank(values.get(field)):
            number = _decimal(values[field], field, errors)
            if number is not None and abs(number) >= MAX_METRIC:
                errors[field] = "This number is too large to be a real measurement."
            elif number is not None and number != number.quantize(Decimal("0.0001")):
                errors[field] = "Use at most four decimals."
            values[field] = number
        else:
            values[field] = None
    direction = values.get("check_higher_is_better")
    if not _blank(direction):
        values["check_higher_is_better"] = _boolean(direction)
        if values["check_higher_is_better"] is None:
            errors["check_higher_is_better"] = CHECK_MESSAGES["check_higher_is_better"]
    else:
        values["check_higher_is_better"] = None
    # The Check is all or nothing: a number without its metric, unit or direction means nothing.
    if any(not _blank(values.get(field)) for field in CHECK_FIELDS):
        for field in CHECK_FIELDS:
            if _blank(values.get(field)) and field not in errors:
                errors[field] = CHECK_MESSAGES[field]


def _clean_front_line(values: dict, errors: dict, today: dt.date) -> None:
    date = values.get("shift_date")
    if _blank(date):
        errors["shift_date"] = "Give the date you spent on the front line."
        date = None
    elif isinstance(date, str):
        try:
            date = dt.date.fromisoformat(date.strip())
        except ValueError:
            errors["shift_date"] = "Enter a date like 2026-03-14."
            date = None
    elif isinstance(date, dt.datetime) or not isinstance(date, dt.date):
        errors["shift_date"] = "Enter a date like 2026-03-14."
        date = None
    if date is not None and date > today:
        errors["shift_date"] = "The date cannot be in the future."
    elif date is not None and today - date > MAX_SHIFT_AGE:
        errors["shift_date"] = "The date is more than a year ago."
    values["shift_date"] = date
    hours = values.get("shift_hours")
    if _blank(hours):
        errors["shift_hours"] = "Give the hours you spent there."
        values["shift_hours"] = None
        return
    hours = _decimal(hours, "shift_hours", errors)
    if hours is not None and not (0 < hours <= 12):
        errors["shift_hours"] = "Hours must be more than 0 and at most 12 for one day."
    elif hours is not None and hours != hours.quantize(Decimal("0.01")):
        errors["shift_hours"] = "Use at most two decimals (e.g. 1.5)."
    values["shift_hours"] = hours


def clean_story(*, kind: str, values: dict, today: dt.date | None = None) -> dict:
    """Validate a story's own fields for its kind; return them cleaned (ValidationError by field).

    Fields of another kind must be empty: a front-line story has no Plan-Do-Check-Act."""
    values = dict(values)
    errors: dict[str, str] = {}
    own = KIND_FIELDS.get(kind, ())
    for kind_, fields in KIND_FIELDS.items():
        for field in fields:
            if kind_ != kind and field not in own and not _blank(values.get(field)):
                errors[field] = f"This does not belong in a {Kind(kind).label.lower()} story."
    _clean_text(values, errors)
    if kind == Kind.IMPROVEMENT:
        _clean_improvement(values, errors)
    elif kind == Kind.FRONT_LINE:
        _clean_front_line(values, errors, today or timezone.localdate())
    if errors:
        raise ValidationError(errors)
    return {field: values[field] for field in ("title", "body", *own)}


def _featured(users: Iterable[User], errors: dict) -> list[User]:
    users = list({user.pk: user for user in users}.values())
    if len(users) > MAX_FEATURED:
        errors["featured"] = f"Feature at most {MAX_FEATURED} colleagues."
    elif any(not user.is_active for user in users):
        errors["featured"] = "Feature only colleagues who are still with the company."
    return users


def _tags(tags: Iterable[Tag | str], errors: dict) -> list[Tag]:
    found: dict[str, Tag] = {}
    for tag in tags:
        if isinstance(tag, Tag):
            found[tag.slug] = tag
            continue
        name = " ".join(str(tag).split())[:40]
        slug = slugify(name)[:40]
        if not slug:
            errors["tags"] = "Use letters or numbers in tags."
            continue
        found.setdefault(slug, Tag(name=name, slug=slug))
    if len(found) > MAX_TAGS:
        errors["tags"] = f"Use at most {MAX_TAGS} tags."
    return list(found.values())


def _save_tags(tags: list[Tag]) -> list[Tag]:
    saved = []
    for tag in tags:
        if tag.pk is None:
            tag, _ = Tag.objects.get_or_create(slug=tag.slug, defaults={"name": tag.name})
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
    tags: Iterable[Tag | str] = (),
    publish: bool = False,
    **kind_fields: Any,
) -> Story:
    """An improvement or front-line story, as a draft or published at once."""
    if kind == Kind.AWARD:
        raise ValidationError({"kind": "Award stories are written when an award is announced."})
    if kind == Kind.CUSTOMER_VOICE:
        raise ValidationError(
            {"kind": "A customer's words come from an approved thank-you: start from it."}
        )
    if kind not in KIND_FIELDS:
        raise ValidationError({"kind": "Choose an improvement or a front-line story."})
    unknown = set(kind_fields) - set(IMPROVEMENT_FIELDS) - set(FRONT_LINE_FIELDS)
    if unknown:
        raise TypeError(f"create_story() got unexpected fields: {', '.join(sorted(unknown))}")
    if not author.is_active:
        raise PermissionDenied("Only current employees write stories.")
    cleaned = clean_story(kind=kind, values={"title": title, "body": body, **kind_fields})
    errors: dict[str, str] = {}
    featured_users = _featured(featured, errors)
    tag_list = _tags(tags, errors)
    if errors:
        raise ValidationError(errors)
    story = Story.objects.create(
        kind=kind,
        author=author,
        department=department if department is not None else author.department,
        **cleaned,
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
    if story.author_id != by.pk or not by.is_active:
        raise PermissionDenied("Only the author can change this story.")
    if story.status == Status.HIDDEN:
        raise ConflictError("HR hid this story, so it can no longer be changed.")


@transaction.atomic
def update_story(*, story: Story, by: User, **changes: Any) -> Story:
    """The author edits their own story (not once HR hid it). Only the given fields change."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise TypeError(f"update_story() got unexpected fields: {', '.join(sorted(unknown))}")
    story = _lock(story)
    _require_author(story, by)
    own = ("title", "body", *KIND_FIELDS.get(story.kind, ()))
    values = {field: getattr(story, field) for field in own}
    values.update({k: v for k, v in changes.items() if k not in ("department", "featured", "tags")})
    cleaned = clean_story(kind=story.kind, values=values)
    errors: dict[str, str] = {}
    featured = _featured(changes["featured"], errors) if "featured" in changes else None
    tags = _tags(changes["tags"], errors) if "tags" in changes else None
    if errors:
        raise ValidationError(errors)
    for field, value in cleaned.items():
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
    """HR takes a story out of the feed, saying why (audited)."""
    if not access.can_hide(by):
        raise PermissionDenied("Only HR can hide a story.")
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": "Say why the story is hidden: the author will see it."})
    if len(reason) > MAX_REASON:
        raise ValidationError({"reason": f"Keep the reason under {MAX_REASON} characters."})
    story = _lock(story)
    if story.status != Status.PUBLISHED:
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


@transaction.atomic
def create_customer_voice(*, thank_you: ThankYou, by: User, publish: bool = True) -> Story:
    """A customer-voice story from an approved thank-you whose customer agreed to share it,
    by HR or the thanked employee. Only the words, the first name and the organisation travel:
    never the customer's e-mail address or full name."""
    thank_you = (
        ThankYou.objects.select_for_update(of=("self",))
        .select_related("employee")
        .get(pk=thank_you.pk)
    )
    if not by.is_active or not (by.is_hr or thank_you.employee_id == by.pk):
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
    title = f"{first_name or 'A customer'} thanks {employee}"
    if organisation:
        title += f" ({organisation})"
    try:
        with transaction.atomic():
            story = Story.objects.create(
                kind=Kind.CUSTOMER_VOICE,
                author=by,
                title=title[:MAX_TITLE],
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
    alt_text = " ".join((alt_text or "").split())
    if len(alt_text) > 200:
        raise ValidationError({"alt_text": "Keep the description under 200 characters."})
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
        alt_text=alt_text,
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
    deleted, _ = Reaction.objects.filter(story=story, user=user, kind=kind).delete()
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


def _clean_comment(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": "Write a comment first."})
    if len(body) > MAX_COMMENT:
        raise ValidationError({"body": f"Keep the comment under {MAX_COMMENT} characters."})
    return body


def _submitted(story: Story, author: User, submission_key: str) -> Comment | None:
    if not submission_key:
        return None
    found = Comment.objects.filter(story=story, author=author, submission_key=submission_key)
    return found.first()


@transaction.atomic
def add_comment(*, story: Story, author: User, body: str, submission_key: str = "") -> Comment:
    """Comment on a published story. The same post again with the same `submission_key` (a
    retry after an answer was lost, a double click) returns the comment it made the first time."""
    body = _clean_comment(body)
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
    return comment


def _lock_comment(comment: Comment) -> Comment:
    return Comment.objects.select_for_update().get(pk=comment.pk)


def _require_own_recent(comment: Comment, by: User, now: dt.datetime | None) -> None:
    if comment.author_id != by.pk:
        raise PermissionDenied("You can change your own comments only.")
    if not comment.is_visible:
        raise ConflictError("This comment was removed.")
    if (now or timezone.now()) - comment.created_at > COMMENT_WINDOW:
        raise ConflictError("Comments can be changed for 15 minutes.")


@transaction.atomic
def edit_comment(
    *, comment: Comment, by: User, body: str, now: dt.datetime | None = None
) -> Comment:
    comment = _lock_comment(comment)
    _require_own_recent(comment, by, now)
    comment.body = _clean_comment(body)
    comment.edited_at = now or timezone.now()
    comment.save(update_fields=["body", "edited_at"])
    return comment


@transaction.atomic
def delete_comment(*, comment: Comment, by: User, now: dt.datetime | None = None) -> Comment:
    """The author takes back their comment (within 15 minutes); the row stays, marked deleted."""
    comment = _lock_comment(comment)
    _require_own_recent(comment, by, now)
    comment.status = Comment.Status.DELETED
    comment.save(update_fields=["status"])
    Story.objects.filter(pk=comment.story_id).update(comment_count=F("comment_count") - 1)
    return comment


@transaction.atomic
def hide_comment(*, comment: Comment, by: User, reason: str) -> Comment:
    """HR hides a comment, saying why (audited)."""
    if not access.can_hide(by):
        raise PermissionDenied("Only HR can hide a comment.")
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": "Say why the comment is hidden."})
    if len(reason) > MAX_REASON:
        raise ValidationError({"reason": f"Keep the reason under {MAX_REASON} characters."})
    comment = _lock_comment(comment)
    if not comment.is_visible:
        raise ConflictError("This comment was removed already.")
    comment.status = Comment.Status.HIDDEN
    comment.hidden_reason = reason
    comment.hidden_by = by
    comment.save(update_fields=["status", "hidden_reason", "hidden_by"])
    Story.objects.filter(pk=comment.story_id).update(comment_count=F("comment_count") - 1)
    audit.record("comment.hidden", actor=by, target=comment, story=comment.story_id, reason=reason)
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
