"""Story cards are cached (stories/cards.py); every change a card shows must reach the feed."""

import pytest
from django.contrib.auth.signals import user_logged_in
from django.urls import reverse

from accounts.models import Department
from stories import cards, services
from stories.models import Tag
from stories.templatetags.stories_extras import excerpt
from tests.conftest import make_user
from tests.stories.conftest import make_story, png


@pytest.fixture
def reader(client, db):
    person = make_user(full_name="Rita Reader")
    client.force_login(person)
    return person


def feed(client) -> str:
    response = client.get(reverse("stories:feed"))
    assert response.status_code == 200
    return response.content.decode()


def test_an_edited_story_shows_its_new_title_and_excerpt(client, reader, author):
    story = make_story(author, title="Old title", body="The old words.")
    assert "Old title" in feed(client) and "The old words." in feed(client)
    services.update_story(story=story, by=author, title="New title", body="The new words.")
    page = feed(client)
    assert "New title" in page and "The new words." in page
    assert "Old title" not in page and "The old words." not in page


def test_a_renamed_author_or_department_shows_on_every_card(client, reader, author):
    department = Department.objects.create(name="Billing", slug="billing-cards")
    story = make_story(author, department=department)
    assert "Alex Author" in feed(client) and "Billing" in feed(client)
    author.full_name = "Alexandra Author"
    author.save()
    department.name = "Invoicing"
    department.save()
    page = feed(client)
    assert "Alexandra Author" in page and "Invoicing" in page
    assert story.title in page


def test_new_tags_and_featured_colleagues_and_photos_show(client, reader, author):
    story = make_story(author)
    feed(client)
    colleague = make_user(full_name="Fay Featured")
    services.update_story(story=story, by=author, tags=["refunds"], featured=[colleague])
    services.add_image(story=story, by=author, upload=png(), alt_text="The new counter")
    page = feed(client)
    assert "#refunds" in page and "Fay Featured" in page and "The new counter" in page
    Tag.objects.filter(slug="refunds").update(name="refund")  # no signal: a bulk rename
    Tag.objects.get(slug="refunds").save()  # the admin's save does send one
    assert "#refund<" in feed(client)


def test_reaction_counts_and_the_readers_own_reactions_stay_live(client, reader, author):
    story = make_story(author)
    feed(client)
    services.toggle_reaction(story=story, user=reader, kind="applause")
    page = feed(client)
    assert 'aria-pressed="true"' in page
    assert '<span class="reaction-count">1</span>' in page
    # Another reader sees the count but not the first reader's pressed button.
    other = make_user()
    client.force_login(other)
    page = feed(client)
    assert 'aria-pressed="true"' not in page
    assert '<span class="reaction-count">1</span>' in page


def test_the_home_page_compact_cards_follow_the_counters(client, reader, author):
    story = make_story(author)
    assert "0 applause" in client.get(reverse("accounts:home")).content.decode()
    services.toggle_reaction(story=story, user=reader, kind="applause")
    assert "1 applause" in client.get(reverse("accounts:home")).content.decode()


def test_a_login_does_not_throw_every_card_away(db, rf):
    person = make_user()
    before = cards.version()
    request = rf.get("/")
    request.session = {}
    user_logged_in.send(sender=type(person), request=request, user=person)  # saves last_login
    assert cards.version() == before
    person.preferred_name = "Pat"
    person.save(update_fields=["preferred_name"])
    assert cards.version() != before


def test_a_lost_version_never_comes_back_as_an_old_one(db):
    from django.core.cache import cache

    first = cards.version()
    cache.delete(cards.VERSION_KEY)
    assert cards.version() != first


def test_the_excerpt_follows_the_text():
    class Story:
        body = "**Bold** words"
        plan = heard = quote = ""

    story = Story()
    assert excerpt(story) == "Bold words"
    story.body = "Other words"
    assert excerpt(story) == "Other words"
    story.body, story.heard = "", "What we heard"
    assert excerpt(story) == "What we heard"


def test_cached_cards_need_no_prefetch_and_still_show_everything(client, reader, author):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    feed(client)  # the first request of a session writes to it
    colleague = make_user(full_name="Fay Featured")
    for n in range(3):
        story = make_story(author, title=f"Story {n}", tags=["refunds"], featured=[colleague])
        services.add_image(story=story, by=author, upload=png(), alt_text=f"Photo {n}")
    with CaptureQueriesContext(connection) as cold:
        first = feed(client)
    with CaptureQueriesContext(connection) as warm:
        second = feed(client)
    # Featured colleagues, tags and photos: three prefetches, only for cards rendered afresh;
    # the filter's departments and tags: two queries, only after one of them changed.
    assert len(warm) == len(cold) - 5
    for page in (first, second):
        assert page.count("Fay Featured") == 3 and page.count("#refunds") == 3
        assert "Photo 2" in page


def test_the_filter_lists_new_departments_and_tags(client, reader, author):
    feed(client)
    Department.objects.create(name="Warranty desk", slug="warranty-desk")
    make_story(author, tags=["claims"])
    page = feed(client)
    assert "Warranty desk</option>" in page
    assert ">claims</option>" in page


def test_a_cached_comment_shows_its_edit_and_its_authors_new_name(client, reader, author):
    story = make_story(author)
    comment = services.add_comment(story=story, author=reader, body="First words")
    url = reverse("stories:detail", args=[story.pk])
    assert "First words" in client.get(url).content.decode()
    services.edit_comment(comment=comment, by=reader, body="Better words")
    reader.full_name = "Rita Renamed"
    reader.save()
    page = client.get(url).content.decode()
    assert "Better words" in page and "First words" not in page
    assert "Rita Renamed" in page and " · edited" in page
