"""A story card's markup, proven identical to the markup the template engine produced before
cards were written in Python (stories/rendering.py): the expected HTML in tests/stories/cards/
was captured from the old templates/stories/card.html, with the ids replaced by placeholders.
Whitespace may differ; elements, attributes and text may not."""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from stories import rendering
from stories.models import Reaction, Story, StoryImage, Tag
from tests.awards.conftest import make_cycle
from tests.conftest import make_department, make_user
from tests.stories.conftest import make_story

pytestmark = pytest.mark.django_db

CARDS = Path(__file__).parent / "cards"
TOKEN = "csrf-token-for-the-page"
MOMENT = dt.datetime(2026, 3, 5, 23, 30, tzinfo=dt.UTC)
NASTY = "<script>alert('x')</script> & \"quoted\""


def normalise(markup: str) -> str:
    return re.sub(r"\s+", " ", markup).strip()


def _published(story: Story) -> Story:
    Story.objects.filter(pk=story.pk).update(published_at=MOMENT)
    return story


def _with_avatar(user: User, name: str) -> User:
    User.objects.filter(pk=user.pk).update(avatar_thumbnail=f"avatars/thumbs/{name}.png")
    return user


def _counts(story: Story, applause: int, love: int, learned: int, comments: int) -> None:
    Story.objects.filter(pk=story.pk).update(
        applause_count=applause,
        customer_love_count=love,
        learned_count=learned,
        comment_count=comments,
    )


@pytest.fixture
def world(db) -> dict:
    """Stories of every kind and shape a card shows, and the ids the expected markup names."""
    sales = make_department("Sales & Service")
    author = make_user(full_name="Alex Author", department=sales)
    pictured = _with_avatar(make_user(full_name="Pia Pictured"), "pia")
    plain = make_user(full_name="Noah Plain")
    nasty_person = make_user(full_name=NASTY)
    plain_story = _published(make_story(author, title="A morning at the Lyon counter"))
    rich = _published(
        make_story(
            pictured,
            kind=Story.Kind.IMPROVEMENT,
            title="A call-back button",
            body="We added a **call-back** button.",
            featured=[author, pictured],
            tags=["phone", "waiting"],
        )
    )
    StoryImage.objects.create(
        story=rich,
        image="stories/photo.png",
        thumbnail="stories/thumbs/photo.png",
        width=60,
        height=40,
        alt_text="The new button",
    )
    _counts(rich, 2, 1, 3, 1)
    Reaction.objects.create(story=rich, user=plain, kind="applause")
    Reaction.objects.create(story=rich, user=plain, kind="learned")
    voice = Story.objects.create(
        kind=Story.Kind.CUSTOMER_VOICE,
        author=plain,
        title="Thank you from Lyon",
        quote="Anna answered the phone at once.",
        status=Story.Status.PUBLISHED,
        published_at=MOMENT,
    )
    voice.featured.set([pictured])
    _counts(voice, 0, 4, 0, 7)
    cycle = make_cycle(month=dt.date(2030, 3, 1))
    award = Story.objects.create(
        kind=Story.Kind.AWARD,
        author=author,
        title="Alex is Employee of the Month",
        award_cycle=cycle,
        status=Story.Status.PUBLISHED,
        published_at=MOMENT,
    )
    award_alone = Story.objects.create(
        kind=Story.Kind.AWARD,
        author=plain,
        title="An award without its cycle",
        status=Story.Status.PUBLISHED,
        published_at=MOMENT,
    )
    draft = make_story(author, title="Not yet out", publish=False)
    nasty = _published(
        make_story(
            nasty_person,
            title=NASTY,
            body=f"Body {NASTY}",
            department=make_department(NASTY),
            featured=[nasty_person],
        )
    )
    nasty.tags.add(Tag.objects.create(name=NASTY, slug="nasty-tag"))
    StoryImage.objects.create(
        story=nasty,
        image="stories/nasty.png",
        thumbnail="stories/thumbs/nasty.png",
        width=60,
        height=40,
        alt_text=NASTY,
    )
    stories = {
        "plain": plain_story,
        "rich": rich,
        "voice": voice,
        "award": award,
        "award_alone": award_alone,
        "draft": draft,
        "nasty": nasty,
    }
    loaded = Story.objects.for_feed().in_bulk([s.pk for s in stories.values()])
    loaded[draft.pk] = (
        Story.objects.select_related("author", "department", "award_cycle")
        .prefetch_related("featured", "tags", "images")
        .get(pk=draft.pk)
    )
    people = {"alex": author, "pia": pictured, "noah": plain, "nasty": nasty_person}
    ids = {key: str(person.pk) for key, person in people.items()}
    for name, story in stories.items():
        story = loaded[story.pk]
        story.my_reactions = {"applause", "learned"} if name == "rich" else set()
        stories[name] = story
    return {"stories": stories, "ids": ids}


# (case, story, context): every shape a card takes on the feed, home, a profile and a story page.
CASES = [
    ("plain_full", "plain", {"reactable": True}),
    ("rich_full", "rich", {"reactable": True}),
    ("rich_profile", "rich", {"heading": "h3"}),
    ("voice_full", "voice", {"reactable": True}),
    ("award_full", "award", {"reactable": True}),
    ("award_alone_full", "award_alone", {}),
    ("draft_full", "draft", {"reactable": True}),
    ("nasty_full", "nasty", {"reactable": True}),
    ("plain_compact", "plain", {"compact": True, "heading": "h3"}),
    ("rich_compact", "rich", {"compact": True, "heading": "h3"}),
    ("voice_compact", "voice", {"compact": True, "heading": "h3"}),
    ("award_compact", "award", {"compact": True, "heading": "h3"}),
    ("nasty_compact", "nasty", {"compact": True, "heading": "h3"}),
]


STORY_ID = re.compile(
    r"(?<=story-)\d+(?=-title)|(?<=/stories/)\d+(?=/)|(?<=react-)\d+(?=-)"
    r'|(?<=reactions-)\d+(?=")'
)
PERSON_ID = re.compile(r"(?<=/people/)\d+(?=/)")


def expected(case: str, story: Story, ids: dict) -> str:
    """The captured markup of `case`, with this run's ids in place of its placeholders."""
    markup = (CARDS / f"{case}.html").read_text()
    ids = ids | {"story": str(story.pk)}
    return normalise(re.sub(r"\{(\w+)\}", lambda m: ids[m.group(1)], markup))


REACTION_CASES = [
    (
        "rich_reactions",
        "rich",
        {"reactable": True, "problem": "Closed <b>now</b> & done"},
    ),
    ("voice_reactions", "voice", {"reactable": False}),
]


def _render(template: str, story: Story, context: dict) -> str:
    return render_to_string(template, {"story": story, "csrf_token": TOKEN, **context})


@pytest.mark.parametrize(("case", "name", "context"), CASES)
def test_a_card_is_the_markup_the_template_engine_made(world, case, name, context):
    story = world["stories"][name]
    card = rendering.card_html(story, csrf_token=TOKEN, **context)
    assert normalise(card) == expected(case, story, world["ids"])


@pytest.mark.parametrize(("case", "name", "context"), CASES)
def test_the_card_template_renders_the_same_card(world, case, name, context):
    story = world["stories"][name]
    card = _render("stories/card.html", story, context)
    assert normalise(card) == expected(case, story, world["ids"])


@pytest.mark.parametrize(("case", "name", "context"), REACTION_CASES)
def test_the_reactions_group_is_the_markup_the_template_engine_made(world, case, name, context):
    story = world["stories"][name]
    group = _render("stories/_reactions.html", story, context)
    assert normalise(group) == expected(case, story, world["ids"])


def test_a_card_shows_the_date_in_the_readers_time_zone(world):
    story = world["stories"]["plain"]
    with timezone.override("Europe/Paris"):
        card = rendering.card_html(story, reactable=True, csrf_token=TOKEN)
    assert normalise(card) == expected("plain_full_in_paris", story, world["ids"])


def test_a_card_without_a_csrf_token_has_no_token_input(world):
    story = world["stories"]["rich"]
    for token in ("", None, "NOTPROVIDED"):
        assert "csrfmiddlewaretoken" not in rendering.card_html(
            story, reactable=True, csrf_token=token
        )


def test_user_text_is_escaped_on_the_feed(login, world):
    reader = make_user()
    content = login(reader).get(reverse("stories:feed")).content.decode()
    assert NASTY not in content and "<script>alert" not in content
    escaped = "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &quot;quoted&quot;"
    assert f">{escaped}</a></h2>" in content  # the title
    assert f"<span>{escaped}</span>" in content  # a featured colleague's name
    assert f">#{escaped}</a>" in content  # a tag
    assert f'alt="{escaped}"' in content  # a photo's description
    assert f"Reactions to “{escaped}”" in content


def test_a_card_costs_no_query_once_its_story_is_loaded(world, django_assert_num_queries):
    stories = list(world["stories"].values())
    with django_assert_num_queries(0):
        for story in stories:
            rendering.card_html(story, reactable=True, csrf_token=TOKEN)
            rendering.card_html(story, compact=True)
