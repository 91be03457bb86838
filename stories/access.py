"""Who may see or change a story (DESIGN §7). The web views and the API both use these.

- published stories: every signed-in, active employee;
- drafts: their author only;
- hidden stories: HR and the author (who learns why it was hidden).
A story you may not see answers 404, never 403.
"""

from django.db.models import Q, QuerySet

from accounts.models import User
from stories.models import Comment, Story

Status = Story.Status


def visible_stories(user: User) -> QuerySet[Story]:
    stories = Story.objects.all()
    if not user.is_authenticated or not user.is_active:
        return stories.none()
    rule = Q(status=Status.PUBLISHED) | Q(author=user)
    if user.is_hr:
        rule |= Q(status=Status.HIDDEN)
    return stories.filter(rule)


def feed_stories(user: User) -> QuerySet[Story]:
    """What the feed and other listings show: published stories only, to every signed-in,
    active employee (a draft or a hidden story is never listed, even for its author or HR).
    The same as visible_stories(user).published(), without its "or mine" rule, which made the
    feed's keyset query read far more of its index than the page it returns."""
    if not user.is_authenticated or not user.is_active:
        return Story.objects.none()
    return Story.objects.published()


def can_view(user: User, story: Story) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return (
        story.status == Status.PUBLISHED
        or story.author_id == user.pk
        or (story.status == Status.HIDDEN and user.is_hr)
    )


def can_edit(user: User, story: Story) -> bool:
    return (
        user.is_authenticated
        and user.is_active
        and story.author_id == user.pk
        and story.status != Status.HIDDEN
    )


def can_react(user: User, story: Story) -> bool:
    """Reactions and comments: on published stories, by anyone who can read them."""
    return user.is_authenticated and user.is_active and story.status == Status.PUBLISHED


def can_hide(user: User) -> bool:
    return user.is_hr


def visible_comments(user: User, story: Story) -> QuerySet[Comment]:
    """What is left of a conversation: HR also sees hidden comments (to review them)."""
    comments = story.comments.select_related("author")
    if user.is_hr:
        return comments.exclude(status=Comment.Status.DELETED)
    return comments.filter(status=Comment.Status.VISIBLE)


def can_share_thanks(user: User, thank_you) -> bool:
    """Whether `user` may turn a thank-you into a customer-voice story (the button on a wall):
    HR or the thanked employee, from an approved thank-you whose customer agreed to share it.
    services.create_customer_voice enforces the same rule and words the refusal."""
    return (
        user.is_authenticated
        and user.is_active
        and (user.is_hr or thank_you.employee_id == user.pk)
        and thank_you.status == thank_you.Status.APPROVED
        and thank_you.consent_to_share
    )
