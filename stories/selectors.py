"""What other pages show of stories: the home page's latest ones, a person's on their
profile, and which of a wall's thank-yous are, or may become, stories."""

from accounts.models import User
from nominations.models import ThankYou
from stories import access
from stories.models import Story

PROFILE_STORIES = 6


def latest_stories(user: User, count: int = 5) -> list[Story]:
    """The newest stories this person may read, for a compact list (the home page): one query,
    whatever the number of stories (compact cards need no prefetch)."""
    return list(
        access.feed_stories(user)
        .select_related("author", "department", "award_cycle")
        .order_by("-published_at", "-id")[:count]
    )


def mark_shareable(user: User, thanks: list[ThankYou]) -> None:
    """For the "Share as a story" button of a wall (templates/thanks/wall_item.html): sets
    `voice_story` (the story made from it, when `user` may read it) and `can_share_as_story`
    on each thank-you, in one query whatever their number."""
    if not thanks:
        return
    stories = {
        story.thank_you_id: story
        for story in Story.objects.filter(thank_you__in=[t.pk for t in thanks]).only(
            "pk", "status", "author_id", "thank_you_id"
        )
    }
    for thank_you in thanks:
        story = stories.get(thank_you.pk)
        thank_you.voice_story = story if story and access.can_view(user, story) else None
        thank_you.can_share_as_story = story is None and access.can_share_thanks(user, thank_you)


def person_stories(person: User) -> list[Story]:
    """The newest published stories a person wrote or is featured in, for their profile
    (a fixed number of queries, whatever their number)."""
    stories = Story.objects.for_feed().filtered(person=person.pk)
    return list(stories[:PROFILE_STORIES])
