"""What a story's author hears about (notifications.services.notify), called by
stories/services.py right after the change, in its transaction."""

from django.utils.text import Truncator
from django.utils.translation import gettext

from notifications.models import Kind
from notifications.services import notify
from stories.models import Comment

QUOTED = 300


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
        link=f"{story.get_absolute_url()}#comment-{comment.pk}",
        email_message=f"{text}\n\n“{Truncator(comment.body).chars(QUOTED)}”",
    )
