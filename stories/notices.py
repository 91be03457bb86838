"""What a story's author hears about (notifications.services.notify), called by
stories/services.py right after the change, in its transaction."""

from django.utils.translation import gettext

from notifications.models import Kind
from notifications.services import forget, notify
from stories.models import Comment


def commented(comment: Comment) -> None:
    """The author hears of each comment on their story, except their own."""
    story = comment.story
    if comment.author_id == story.author_id:
        return
    text = gettext("%(person)s commented on your story “%(title)s”.") % {
        "person": comment.author.full_name,
        "title": story.title,
    }
    notify(
        recipient=story.author,
        kind=Kind.STORY_COMMENTED,
        event_key=f"comment:{comment.pk}",
        text=text,
        # No quote of the comment: its author may still edit or delete it, HR may hide it.
        link=f"{story.get_absolute_url()}#comment-{comment.pk}",
    )


def comment_gone(comment: Comment) -> None:
    """A comment deleted or hidden takes its notice with it (and out of a waiting digest)."""
    forget(event_key=f"comment:{comment.pk}")
