"""Who may see or change a story, its photos and its comments (DESIGN §7). The web views, the
API and stories.services all ask these, so that a page, an API call and a service cannot
disagree.

- published stories: every signed-in, active employee;
- drafts: their author only;
- hidden stories: HR and the author (who learns why it was hidden).
A story you may not see answers 404, never 403.
"""

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import User
from nominations.models import ThankYou
from stories.models import Comment, Story

Status = Story.Status

# How long the author of a comment may still edit or delete it.
COMMENT_WINDOW = dt.timedelta(minutes=15)


def _current(user: User) -> bool:
    return user.is_authenticated and user.is_active


def visible_stories(user: User) -> QuerySet[Story]:
    stories = Story.objects.all()
    if not _current(user):
        return stories.none()
    rule = Q(status=Status.PUBLISHED) | Q(author=user)
    if can_moderate(user):
        rule |= Q(status=Status.HIDDEN)
    return stories.filter(rule)


def feed_stories(user: User) -> QuerySet[Story]:
    """What the feed and other listings show: published stories only, to every signed-in,
    active employee (a draft or a hidden story is never listed, even for its author or HR).
    The same as visible_stories(user).published(), without its "or mine" rule, which made the
    feed's keyset query read far more of its index than the page it returns."""
    if not _current(user):
        return Story.objects.none()
    return Story.objects.published()


def can_view(user: User, story: Story) -> bool:
    if not _current(user):
        return False
    return (
        story.status == Status.PUBLISHED
        or story.author_id == user.pk
        or (story.status == Status.HIDDEN and can_moderate(user))
    )


def can_write(user: User) -> bool:
    """Writing a story: current employees."""
    return _current(user)


def is_author(user: User, story: Story) -> bool:
    return _current(user) and story.author_id == user.pk


def can_edit(user: User, story: Story) -> bool:
    """Editing, publishing and its photos: the author, until HR hides the story."""
    return is_author(user, story) and story.status != Status.HIDDEN


def can_react(user: User, story: Story) -> bool:
    """Reactions and comments: on published stories, by anyone who can read them."""
    return _current(user) and story.status == Status.PUBLISHED


def can_moderate(user: User) -> bool:
    """HR hides stories and comments, and sees what it hid."""
    return _current(user) and user.is_hr


def can_hide(user: User, story: Story) -> bool:
    """Hiding a story: HR, once it is published (a draft is nobody else's business)."""
    return can_moderate(user) and story.status == Status.PUBLISHED


def visible_comments(user: User, story: Story) -> QuerySet[Comment]:
    """What is left of a conversation: HR also sees hidden comments (to review them)."""
    comments = story.comments.select_related("author")
    if can_moderate(user):
        return comments.exclude(status=Comment.Status.DELETED)
    return comments.filter(status=Comment.Status.VISIBLE)


def owns_comment(user: User, comment: Comment) -> bool:
    return _current(user) and comment.author_id == user.pk


def can_change_comment(user: User, comment: Comment, *, now: dt.datetime | None = None) -> bool:
    """Editing or deleting a comment: its author, while it shows, within COMMENT_WINDOW."""
    return (
        owns_comment(user, comment)
        and comment.is_visible
        and (now or timezone.now()) - comment.created_at <= COMMENT_WINDOW
    )


def can_hide_comment(user: User, comment: Comment) -> bool:
    return can_moderate(user) and comment.is_visible


def may_share_thanks(user: User, thank_you: ThankYou) -> bool:
    """Who may turn a thank-you into a customer-voice story: HR or the thanked employee."""
    return _current(user) and (user.is_hr or thank_you.employee_id == user.pk)


def can_share_thanks(user: User, thank_you: ThankYou) -> bool:
    """Whether the "Share as a story" button shows: may_share_thanks, on an approved thank-you
    whose customer agreed to share it (services.create_customer_voice words each refusal)."""
    return (
        may_share_thanks(user, thank_you)
        and thank_you.status == ThankYou.Status.APPROVED
        and thank_you.consent_to_share
    )
