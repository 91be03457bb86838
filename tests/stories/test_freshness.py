"""Nothing about a story is cached: whatever changes it, and however the change is made (a
service, the admin, or a bulk write that sends no signal, like a CSV directory import), the
feed, the story page, its comments and the API show it on the very next request."""

import pytest
from django.urls import reverse

from accounts.models import Department, User
from stories import services
from stories.models import Comment, Story, StoryImage, Tag
from tests.conftest import make_department, make_user
from tests.stories.conftest import make_story, png

pytestmark = pytest.mark.django_db

FEED = reverse("stories:feed")
API_STORIES = reverse("api-stories")


def story_url(story: Story) -> str:
    return reverse("stories:detail", args=[story.pk])


def api_story_url(story: Story) -> str:
    return reverse("api-story", args=[story.pk])


@pytest.fixture
def world(reader):
    """A published story with a department, a featured colleague, a tag, a photo and a comment,
    each read once (on every page) before the change under test."""
    billing = make_department("Billing")
    author = make_user(full_name="Alex Author", job_title="Clerk", department=billing)
    colleague = make_user(full_name="Fay Featured", job_title="Agent")
    commenter = make_user(full_name="Cole Commenter")
    story = make_story(
        author, title="The invoice page", featured=[colleague], tags=["refunds"], department=billing
    )
    services.add_image(story=story, by=author, upload=png(), alt_text="The old counter")
    services.add_comment(story=story, author=commenter, body="Well done")
    return {
        "story": story,
        "author": author,
        "colleague": colleague,
        "commenter": commenter,
        "department": billing,
    }


@pytest.fixture
def pages(login, api, reader):
    """pages() → the feed, the story page, the API list and the API story, as text, each read
    now (a fresh request every time)."""
    web = login(reader)
    client = api(reader)

    def read(story: Story) -> dict[str, str]:
        answers = {
            "feed": web.get(FEED),
            "story": web.get(story_url(story)),
            "api list": client.get(API_STORIES),
            "api story": client.get(api_story_url(story)),
        }
        assert {name: r.status_code for name, r in answers.items()} == dict.fromkeys(answers, 200)
        return {name: r.content.decode() for name, r in answers.items()}

    return read


def test_a_bulk_rename_of_people_shows_everywhere_at_once(world, pages):
    story = world["story"]
    before = pages(story)
    assert all("Alex Author" in page for page in before.values())
    assert "Cole Commenter" in before["story"]
    people = [world["author"].pk, world["colleague"].pk, world["commenter"].pk]
    # A directory import: one UPDATE, no save(), no signal.
    User.objects.filter(pk__in=people).update(
        full_name="Renamed Person", preferred_name="Ren", job_title="Invoice specialist"
    )
    after = pages(story)
    for name, page in after.items():
        assert "Alex Author" not in page and "Fay Featured" not in page, name
        assert "Renamed Person" in page, name
    assert "Cole Commenter" not in after["story"]
    assert after["story"].count("Invoice specialist") == 2  # the author and the colleague
    assert '"display_name":"Ren"' in after["api list"]
    assert '"display_name":"Ren"' in after["api story"]


def test_a_bulk_avatar_change_shows_on_cards_the_story_and_its_comments(world, pages):
    story = world["story"]
    assert "avatars/thumbs/new" not in pages(story)["story"]
    people = [world["author"].pk, world["colleague"].pk, world["commenter"].pk]
    User.objects.filter(pk__in=people).update(avatar_thumbnail="avatars/thumbs/new.jpg")
    after = pages(story)
    assert after["feed"].count("avatars/thumbs/new.jpg") == 2  # the author and the colleague
    assert after["story"].count("avatars/thumbs/new.jpg") == 3  # and the commenter


def test_a_bulk_department_rename_and_a_new_department_show_at_once(world, pages):
    story = world["story"]
    assert all("Billing" in page for page in pages(story).values())
    Department.objects.filter(pk=world["department"].pk).update(name="Invoicing")
    Department.objects.bulk_create([Department(name="Warranty desk", slug="warranty-desk")])
    after = pages(story)
    for name, page in after.items():
        assert "Invoicing" in page and "Billing" not in page, name
    assert "Warranty desk</option>" in after["feed"]


def test_a_bulk_tag_rename_and_a_new_tag_show_at_once(world, pages):
    story = world["story"]
    assert all("refunds" in page for page in pages(story).values())
    Tag.objects.filter(slug="refunds").update(name="Money back")
    Tag.objects.bulk_create([Tag(name="Claims", slug="claims")])
    after = pages(story)
    for name, page in after.items():
        assert "Money back" in page and ">#refunds<" not in page, name
    assert ">Claims</option>" in after["feed"]


def test_a_changed_photo_shows_at_once(world, pages):
    story = world["story"]
    assert all("stories/" in page for page in pages(story).values())
    StoryImage.objects.filter(story=story).update(
        alt_text="The new counter", image="stories/new.jpg", thumbnail="stories/thumbs/new.jpg"
    )
    after = pages(story)
    assert "stories/thumbs/new.jpg" in after["feed"]
    assert "stories/new.jpg" in after["story"] and "The new counter" in after["story"]
    assert "stories/thumbs/new.jpg" in after["api list"]
    assert "stories/new.jpg" in after["api story"] and "The new counter" in after["api story"]


def test_a_photo_added_or_removed_shows_at_once(world, pages):
    story, author = world["story"], world["author"]
    services.add_image(story=story, by=author, upload=png(), alt_text="A second photo")
    assert "A second photo" in pages(story)["story"]
    for image in StoryImage.objects.filter(story=story):
        services.remove_image(image=image, by=author)
    after = pages(story)
    assert 'class="story-thumb"' not in after["feed"]
    assert 'class="story-photo"' not in after["story"]
    assert '"thumbnail_url":null' in after["api list"]


def test_an_edited_story_shows_its_new_words_at_once(world, pages):
    story, author = world["story"], world["author"]
    pages(story)
    services.update_story(story=story, by=author, title="The new invoice page", body="New words.")
    after = pages(story)
    for name, page in after.items():
        assert "The new invoice page" in page and "New words." in page, name
    Story.objects.filter(pk=story.pk).update(title="Retitled in bulk")
    assert all("Retitled in bulk" in page for page in pages(story).values())


def test_an_edited_hidden_or_deleted_comment_shows_at_once(world, pages, reader, hr_user):
    story = world["story"]
    mine = services.add_comment(story=story, author=reader, body="First words")
    assert "First words" in pages(story)["story"]
    services.edit_comment(comment=mine, by=reader, body="Better words")
    page = pages(story)["story"]
    assert "Better words" in page and "First words" not in page and " · edited" in page
    services.delete_comment(comment=mine, by=reader)
    hidden = Comment.objects.get(body="Well done")
    services.hide_comment(comment=hidden, by=hr_user, reason="Off topic")
    after = pages(story)
    assert "Better words" not in after["story"] and "Well done" not in after["story"]
    assert "0 comments" in after["feed"] and '"comments":0' in after["api list"]


def test_reactions_show_their_counts_and_each_readers_own_at_once(world, pages, reader):
    story = world["story"]
    pages(story)
    services.toggle_reaction(story=story, user=reader, kind="applause")
    after = pages(story)
    for name in ("feed", "story"):
        assert 'aria-pressed="true"' in after[name], name
        assert '<span class="reaction-count">1</span>' in after[name], name
    assert '"my_reactions":["applause"]' in after["api list"]
    assert '"applause":1' in after["api list"]


def test_the_home_pages_compact_cards_follow_the_counters(login, reader, world):
    client = login(reader)
    assert "0 applause" in client.get(reverse("home:home")).content.decode()
    services.toggle_reaction(story=world["story"], user=reader, kind="applause")
    assert "1 applause" in client.get(reverse("home:home")).content.decode()
