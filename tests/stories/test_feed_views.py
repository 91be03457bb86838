"""The story feed page: newest first, filters in the URL, search, cursor pages that the
"More stories" button adds with htmx, and a query count that does not grow with the page or
the data."""

import datetime as dt
import html
import re
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.core import signing
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from stories import services
from stories.feed import BAD_CURSOR, CURSOR_SALT, encode_cursor
from stories.models import Story
from tests.awards.conftest import make_cycle
from tests.conftest import make_department, make_user
from tests.stories.conftest import make_story, png

pytestmark = pytest.mark.django_db

FEED = reverse("stories:feed")
HTMX = {"HX-Request": "true"}
CARD_TITLE = re.compile(r'class="story-card-title" id="story-(\d+)-title"')


def card_ids(response) -> list[int]:
    return [int(pk) for pk in CARD_TITLE.findall(response.content.decode())]


MORE_FORM = re.compile(r'<form class="more-stories" method="get" action="([^"]+)".*?</form>', re.S)
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


def more_url(response) -> str | None:
    """Where the "More stories" button goes: its form's action with its hidden fields."""
    match = MORE_FORM.search(response.content.decode())
    if not match:
        return None
    fields = [(name, html.unescape(value)) for name, value in HIDDEN.findall(match.group(0))]
    return f"{match.group(1)}?{urlencode(fields)}"


def published_at(story: Story, moment: dt.datetime) -> Story:
    Story.objects.filter(pk=story.pk).update(published_at=moment)
    return Story.objects.get(pk=story.pk)


def many_stories(count: int, author=None, **fields) -> list[Story]:
    """`count` published stories, one minute apart (the last is the newest), some tied."""
    author = author or make_user()
    start = timezone.now() - dt.timedelta(days=1)
    stories = []
    for n in range(count):
        story = make_story(author, title=f"Story number {n}", **fields)
        stories.append(published_at(story, start + dt.timedelta(minutes=n // 2)))
    return stories


def read_feed(client, url: str) -> list[int]:
    """Every story id through the More links, as a reader scrolling to the end would see."""
    seen = []
    while url:
        response = client.get(url, headers=HTMX)
        assert response.status_code == 200
        seen += card_ids(response)
        url = more_url(response)
    return seen


def newest_first(stories: list[Story]) -> list[int]:
    return [s.pk for s in sorted(stories, key=lambda s: (s.published_at, s.pk), reverse=True)]


# --- reading the feed -------------------------------------------------------------------------


def test_the_feed_lists_published_stories_newest_first(login, reader, author):
    older = published_at(make_story(author, title="Older"), timezone.now() - dt.timedelta(days=2))
    newer = make_story(author, title="Newer")
    response = login(reader).get(FEED)
    assert response.status_code == 200
    assert card_ids(response) == [newer.pk, older.pk]
    assert more_url(response) is None


def test_drafts_and_hidden_stories_never_appear_in_the_feed(login, author, hr_user):
    shown = make_story(author, title="Published and shown")
    draft = make_story(author, title="Still a draft", publish=False)
    hidden = make_story(author, title="Hidden by HR")
    services.hide_story(story=hidden, by=hr_user, reason="Names a customer")
    for viewer in (author, hr_user, make_user()):
        response = login(viewer).get(FEED)
        assert card_ids(response) == [shown.pk]
        assert draft.title not in response.content.decode()
        assert hidden.title not in response.content.decode()


def test_the_feed_needs_a_sign_in(client):
    response = client.get(FEED)
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_a_card_shows_author_featured_people_kind_tags_photo_and_counts(login, author, reader):
    colleague = make_user(full_name="Chloé Colleague")
    billing = make_department("Billing")
    story = make_story(
        author,
        kind=Story.Kind.IMPROVEMENT,
        title="Call-backs instead of waiting",
        body="We added a **call-back** button.",
        department=billing,
        featured=[colleague],
        tags=["Phone"],
    )
    services.add_image(story=story, by=author, upload=png(), alt_text="The new button")
    services.toggle_reaction(story=story, user=reader, kind="applause")
    services.toggle_reaction(story=story, user=colleague, kind="applause")
    services.add_comment(story=story, author=reader, body="Brilliant")
    content = login(reader).get(FEED).content.decode()
    assert "Alex Author" in content
    assert "Chloé Colleague" in content
    assert "kind-badge kind-improvement" in content and "Improvement" in content
    assert "Billing" in content
    assert "#Phone" in content and "?tag=phone" in content
    assert 'class="story-thumb"' in content and 'alt="The new button"' in content
    assert "We added a call-back button." in content  # the excerpt, markdown stripped
    assert re.search(
        r'aria-pressed="true">.*?Applause</span> <span class="reaction-count">2<', content, re.S
    )
    assert "1 comment<" in content


def test_an_award_card_shows_the_trophy_and_the_month(login, reader, author):
    cycle = make_cycle(month=dt.date(2030, 3, 1))
    Story.objects.create(
        kind=Story.Kind.AWARD,
        author=author,
        title="Alex is Employee of the Month",
        award_cycle=cycle,
        status=Story.Status.PUBLISHED,
        published_at=timezone.now(),
    )
    content = login(reader).get(FEED).content.decode()
    assert "icon-trophy" in content
    assert "Employee of the Month</span> · March 2030" in content
    assert "kind-badge kind-award" in content


# --- filters and search -----------------------------------------------------------------------


def test_filters_combine_and_live_in_the_url(login, reader, author):
    billing = make_department("Billing")
    colleague = make_user(full_name="Chloé Colleague")
    match = make_story(
        author, title="The match", department=billing, featured=[colleague], tags=["Lyon"]
    )
    make_story(author, title="Wrong tag", department=billing, featured=[colleague], tags=["Paris"])
    make_story(author, title="Wrong department", featured=[colleague], tags=["Lyon"])
    make_story(author, title="Wrong person", department=billing, tags=["Lyon"])
    make_story(
        author,
        kind=Story.Kind.IMPROVEMENT,
        title="Wrong kind",
        department=billing,
        featured=[colleague],
        tags=["Lyon"],
    )
    query = f"?kind=front_line&department={billing.pk}&tag=lyon&person={colleague.pk}"
    response = login(reader).get(FEED + query)
    assert card_ids(response) == [match.pk]
    content = response.content.decode()
    # The form shows what is chosen, and every filter is a chip that removes only itself.
    assert '<option value="front_line" selected>' in content
    assert f'<option value="{billing.pk}" selected>' in content
    assert '<option value="lyon" selected>' in content
    assert f'name="person" value="{colleague.pk}"' in content
    assert "Person: Chloé Colleague" in content and "Department: Billing" in content
    chips = re.findall(r'class="chip" href="([^"]+)"', content)
    assert len(chips) == 4
    without_tag = next(c.replace("&amp;", "&") for c in chips if "tag=" not in c)
    assert parse_qs(urlsplit(without_tag).query) == {
        "kind": ["front_line"],
        "department": [str(billing.pk)],
        "person": [str(colleague.pk)],
    }


def test_the_filter_form_labels_every_field(login, reader):
    content = login(reader).get(FEED).content.decode()
    for name in ("q", "kind", "department", "tag"):
        assert f'<label for="feed-{name}">' in content
        assert f'id="feed-{name}" name="{name}"' in content
    assert 'role="search"' in content and '<button type="submit"' in content


@pytest.mark.parametrize("query", ["kind=poem", "department=abc", "tag=%00", "person=-1", "q=%00"])
def test_malformed_filters_are_ignored(login, reader, story, query):
    response = login(reader).get(f"{FEED}?{query}")
    assert response.status_code == 200
    assert card_ids(response) == [story.pk]


@pytest.mark.parametrize(
    ("q", "title"), [("invoices", "Faster invoices"), ("parking", "A quiet morning")]
)
def test_search_finds_stories_by_title_and_body(login, reader, author, q, title):
    make_story(author, title="Faster invoices", body="We changed the form.")
    make_story(author, title="A quiet morning", body="Customers asked about parking spaces.")
    response = login(reader).get(FEED, {"q": q})
    assert [Story.objects.get(pk=pk).title for pk in card_ids(response)] == [title]
    assert f"Search: {q}" in response.content.decode()


def test_search_finds_a_word_told_only_in_what_was_done(login, reader, author):
    story = make_story(
        author,
        kind=Story.Kind.IMPROVEMENT,
        title="A shorter wait",
        body="We changed the form.",
        do="We moved the invoice link to the top of the page.",
    )
    make_story(author, kind=Story.Kind.IMPROVEMENT, title="Parking", body="More spaces.")
    response = login(reader).get(FEED, {"q": "invoice"})
    assert card_ids(response) == [story.pk]


def test_search_combines_with_the_filters(login, reader, author):
    billing = make_department("Billing")
    match = make_story(author, title="Faster invoices", department=billing)
    make_story(author, title="Invoices in Lyon")
    response = login(reader).get(FEED, {"q": "invoices", "department": billing.pk})
    assert card_ids(response) == [match.pk]


def test_nothing_found_says_so(login, reader, story):
    content = login(reader).get(FEED, {"q": "zeppelin"}).content.decode()
    assert "No stories match these filters yet" in content


# --- pages ------------------------------------------------------------------------------------


def test_the_second_page_continues_exactly_where_the_first_ended(login, reader):
    stories = many_stories(45)
    client = login(reader)
    first = client.get(FEED)
    assert len(card_ids(first)) == 20
    assert more_url(first)
    seen = card_ids(first) + read_feed(client, more_url(first))
    assert seen == newest_first(stories)  # no duplicates, nothing missed, in order


def test_more_stories_is_a_button_that_htmx_loads_on_demand_not_when_revealed(login, reader):
    many_stories(21)
    content = login(reader).get(FEED).content.decode()
    form = MORE_FORM.search(content).group(0)
    assert f'action="{FEED}"' in form and f'hx-get="{FEED}"' in form
    assert 'hx-swap="outerHTML"' in form and "revealed" not in content
    assert '<button type="submit" class="button button-secondary">More stories</button>' in form
    assert '<input type="hidden" name="cursor" value="' in form


def test_the_more_link_works_without_javascript(login, reader):
    stories = many_stories(21)
    client = login(reader)
    second = client.get(more_url(client.get(FEED)))
    assert second.status_code == 200
    assert "<html" in second.content.decode()
    assert card_ids(second) == [newest_first(stories)[-1]]


def test_an_htmx_request_gets_only_the_next_cards_and_link(login, reader):
    many_stories(45)
    client = login(reader)
    response = client.get(more_url(client.get(FEED)), headers=HTMX)
    content = response.content.decode()
    assert "<html" not in content and "story-filters" not in content
    assert content.strip().startswith("<article")
    assert len(card_ids(response)) == 20
    assert content.strip().endswith("</form>") and "More stories</button>" in content


def test_a_page_added_by_htmx_gives_its_first_story_the_focus(login, reader):
    many_stories(45)
    client = login(reader)
    first = client.get(FEED).content.decode()
    added = client.get(more_url(client.get(FEED)), headers=HTMX).content.decode()
    assert "autofocus" not in first
    assert added.count("autofocus") == 1
    assert re.match(r'<article class="story-card[^>]* tabindex="-1" autofocus>', added.strip())


def test_a_history_restore_gets_the_whole_page_with_no_story_taking_the_focus(login, reader):
    # htmx asks for the whole page with HX-Request when its history cache misses: the page
    # must not read as a page of added cards (whose first story takes the focus).
    many_stories(45)
    client = login(reader)
    restore = HTMX | {"HX-History-Restore-Request": "true"}
    content = client.get(more_url(client.get(FEED)), headers=restore).content.decode()
    assert "<html" in content and len(CARD_TITLE.findall(content)) == 20
    assert "autofocus" not in content


@pytest.mark.parametrize(
    ("query", "summary"),
    [
        ({}, "More filters</summary>"),
        ({"q": "invoices"}, "More filters</summary>"),
        ({"kind": "front_line", "tag": "lyon"}, '<span class="muted">(2 active)</span>'),
    ],
)
def test_the_folded_filters_say_how_many_of_them_are_set(login, reader, query, summary):
    content = login(reader).get(FEED, query).content.decode()
    assert '<details class="story-filters-more">' in content  # folded: never "open"
    assert summary in content


def test_the_more_link_keeps_the_filters(login, reader, author):
    billing = make_department("Billing")
    many_stories(25, author=author, department=billing, tags=["Lyon"])
    many_stories(5, author=author)
    query = {"department": billing.pk, "tag": "lyon", "kind": "front_line", "q": "number"}
    client = login(reader)
    first = client.get(FEED, query)
    params = parse_qs(urlsplit(more_url(first)).query)
    assert params.pop("cursor")
    assert params == {k: [str(v)] for k, v in query.items()}
    seen = card_ids(first) + read_feed(client, more_url(first))
    assert len(seen) == len(set(seen)) == 25


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        signing.dumps(["2026-01-01T00:00:00+00:00", 1], salt="another.salt"),
        signing.dumps(["not a date", 1], salt=CURSOR_SALT),
        signing.dumps([0.5, "2026-01-01T00:00:00+00:00", 1], salt=CURSOR_SALT),
    ],
)
def test_a_tampered_cursor_answers_400_with_a_clear_message(login, reader, story, cursor):
    for headers in ({}, HTMX):
        response = login(reader).get(FEED, {"cursor": cursor}, headers=headers)
        assert response.status_code == 400
        content = response.content.decode()
        assert BAD_CURSOR in content
        assert "Back to the newest stories" in content


def test_a_cursor_from_a_search_is_refused_by_the_plain_feed_and_back(login, reader, author):
    many_stories(25, author=author)
    client = login(reader)
    search_next = more_url(client.get(FEED, {"q": "number"}))
    plain_next = more_url(client.get(FEED))
    search_cursor = parse_qs(urlsplit(search_next).query)["cursor"][0]
    plain_cursor = parse_qs(urlsplit(plain_next).query)["cursor"][0]
    ranked = connection.vendor == "postgresql"
    # On PostgreSQL a search pages by relevance, so its cursor carries the rank too.
    assert client.get(FEED, {"cursor": search_cursor}).status_code == (400 if ranked else 200)
    assert client.get(FEED, {"q": "number", "cursor": plain_cursor}).status_code == (
        400 if ranked else 200
    )


def test_search_pages_continue_exactly_by_relevance(login, reader, author):
    """Different ranks and ties on the rank: every match once, the best first (PostgreSQL)."""
    strong = [
        make_story(author, title=f"Invoices, invoices {n}", body="invoices again")
        for n in range(12)
    ]
    weak = [make_story(author, title=f"Tuesday {n}", body="About invoices.") for n in range(12)]
    for n, story in enumerate(strong + weak):
        published_at(story, timezone.now() - dt.timedelta(minutes=n % 3))
    client = login(reader)
    first = client.get(FEED, {"q": "invoices"})
    seen = card_ids(first) + read_feed(client, more_url(first))
    assert sorted(seen) == sorted(s.pk for s in strong + weak)
    assert len(seen) == len(set(seen))
    if connection.vendor == "postgresql":
        assert set(seen[:12]) == {s.pk for s in strong}


def test_without_a_search_the_feed_stays_newest_first(login, reader, author):
    stories = many_stories(25, author=author)
    client = login(reader)
    first = client.get(FEED, {"q": ""})
    assert card_ids(first) + read_feed(client, more_url(first)) == newest_first(stories)


# --- queries ----------------------------------------------------------------------------------


def fill(count: int, reader) -> None:
    """`count` stories with everything a card shows: department, featured colleagues, tags,
    a photo, reactions (one by the reader) and a comment."""
    billing = make_department("Billing")
    for n in range(count):
        author = make_user(department=billing)
        story = make_story(
            author,
            title=f"Invoices story {n}",
            featured=[reader, make_user()],
            tags=["lyon", f"tag-{n}"],
        )
        services.add_image(story=story, by=author, upload=png())
        services.toggle_reaction(story=story, user=reader, kind="applause")
        services.toggle_reaction(story=story, user=make_user(), kind="learned")
        services.add_comment(story=story, author=make_user(), body="Well done")


def feed_requests(reader) -> dict[str, dict]:
    billing = make_department("Billing")
    newest = Story.objects.for_feed().first()
    return {
        "first page": {},
        "cursor page": {"cursor": encode_cursor(newest)},
        "filtered page": {"department": billing.pk, "tag": "lyon", "kind": "front_line"},
        "search page": {"q": "invoices"},
        "everything": {"q": "invoices", "tag": "lyon", "person": reader.pk},
    }


@pytest.mark.parametrize(
    "which", ["first page", "cursor page", "filtered page", "search page", "everything"]
)
def test_a_feed_page_needs_the_same_queries_at_any_size(
    login, reader, django_assert_num_queries, which
):
    client = login(reader)
    fill(3, reader)
    client.get(FEED)  # the first request of a session writes to it
    query = feed_requests(reader)[which]
    with CaptureQueriesContext(connection) as small:
        response = client.get(FEED, query)
    assert card_ids(response)
    fill(22, reader)
    query = feed_requests(reader)[which]
    with django_assert_num_queries(len(small)):
        response = client.get(FEED, query)
    assert len(card_ids(response)) >= 20 - (which == "cursor page")


def test_an_htmx_page_needs_the_same_queries_at_any_size(login, reader, django_assert_num_queries):
    client = login(reader)
    fill(3, reader)
    client.get(FEED)
    cursor = {"cursor": encode_cursor(Story.objects.for_feed().first())}
    with CaptureQueriesContext(connection) as small:
        client.get(FEED, cursor, headers=HTMX)
    fill(22, reader)
    cursor = {"cursor": encode_cursor(Story.objects.for_feed().first())}
    with django_assert_num_queries(len(small)):
        client.get(FEED, cursor, headers=HTMX)


# --- the home page ----------------------------------------------------------------------------


def test_home_shows_the_five_newest_stories(login, reader, author):
    stories = many_stories(7, author=author)
    draft = make_story(author, title="A draft on home", publish=False)
    content = login(reader).get(reverse("home:home")).content.decode()
    assert "Latest stories" in content
    assert card_ids_from(content) == newest_first(stories)[:5]
    assert draft.title not in content
    assert f'href="{FEED}"' in content


def card_ids_from(content: str) -> list[int]:
    return [int(pk) for pk in CARD_TITLE.findall(content)]


def test_home_needs_the_same_queries_whatever_the_stories(login, reader, django_assert_num_queries):
    client = login(reader)
    fill(1, reader)
    client.get(reverse("home:home"))
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("home:home"))
    fill(8, reader)
    with django_assert_num_queries(len(small)):
        client.get(reverse("home:home"))
