import datetime as dt
import io

from django.core.management import call_command
from django.db.models import Count, Q
from django.utils import timezone

from accounts.demo import Demo
from stories.demo import seed_stories
from stories.models import Comment, Reaction, Story, StoryImage
from tests.stories.conftest import make_story


def _counts() -> tuple[int, ...]:
    return tuple(model.objects.count() for model in (Story, StoryImage, Reaction, Comment))


def test_the_demo_has_stories_of_every_kind_with_photos_reactions_and_comments(db):
    call_command("seed_demo", "--force", stdout=io.StringIO())

    kinds = set(Story.objects.values_list("kind", flat=True))
    # The award story comes from announcing the demo's announced cycle.
    assert kinds == set(Story.Kind.values)
    assert 50 <= Story.objects.published().count() <= 70
    assert StoryImage.objects.values("story").distinct().count() >= 15
    assert {r.kind for r in Reaction.objects.all()} == set(Reaction.Kind.values)
    assert Comment.objects.values("story").distinct().count() >= 25
    improvements = Story.objects.filter(kind=Story.Kind.IMPROVEMENT)
    assert {story.shows_improvement for story in improvements} == {True, False}
    assert (
        not Story.objects.filter(kind=Story.Kind.FRONT_LINE)
        .exclude(author__department__slug__in=["billing", "engineering", "operations"])
        .exists()
    )
    oldest = Story.objects.order_by("published_at").first().published_at
    assert timezone.now() - oldest > dt.timedelta(weeks=8)
    counted = Story.objects.annotate(
        n_applause=Count("reactions", filter=Q(reactions__kind="applause"), distinct=True),
        n_love=Count("reactions", filter=Q(reactions__kind="customer_love"), distinct=True),
        n_learned=Count("reactions", filter=Q(reactions__kind="learned"), distinct=True),
        n_comments=Count("comments", filter=Q(comments__status="visible"), distinct=True),
    )
    for story in counted:
        assert story.applause_count == story.n_applause, story
        assert story.customer_love_count == story.n_love, story
        assert story.learned_count == story.n_learned, story
        assert story.comment_count == story.n_comments, story
    counts = _counts()

    call_command("seed_demo", "--force", stdout=io.StringIO())

    assert _counts() == counts


def test_the_story_step_leaves_a_site_with_stories_alone(db):
    make_story()
    counts = _counts()

    seed_stories(Demo(write=lambda line: None))

    assert _counts() == counts
