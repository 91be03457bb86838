from accounts.demo import Demo
from stories.demo import seed_stories
from stories.models import Comment, Reaction, Story, StoryImage
from tests.stories.conftest import make_story


def _counts() -> tuple[int, ...]:
    return tuple(model.objects.count() for model in (Story, StoryImage, Reaction, Comment))


def test_the_story_step_leaves_a_site_with_stories_alone(db):
    make_story()
    counts = _counts()

    seed_stories(Demo(write=lambda line: None))

    assert _counts() == counts
