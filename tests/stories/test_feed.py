import datetime as dt

import pytest
from django.core import signing
from django.core.exceptions import ValidationError
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from stories import services
from stories.feed import BAD_CURSOR, CURSOR_SALT, decode_cursor, encode_cursor, page
from stories.models import Story
from tests.conftest import make_department, make_user
from tests.stories.conftest import improvement_check, make_story, png

pytestmark = pytest.mark.django_db


def stories_published_at(*moments: dt.datetime, author=None) -> list[Story]:
    author = author or make_user()
    stories = []
    for n, moment in enumerate(moments):
        story = make_story(author, title=f"Story {n}")
        Story.objects.filter(pk=story.pk).update(published_at=moment)
        stories.append(Story.objects.get(pk=story.pk))
    return stories


def read_all(stories, size: int) -> list[Story]:
    seen, cursor = [], None
    while True:
        items, cursor = page(stories, cursor, size)
        seen.extend(items)
        if cursor is None:
            return seen


def test_the_feed_pages_through_every_published_story_once_newest_first(author):
    now = timezone.now()
    tie = now - dt.timedelta(hours=1)
    stories = stories_published_at(
        now - dt.timedelta(days=2), tie, tie, tie, now, tie, now - dt.timedelta(minutes=5)
    )
    make_story(author, publish=False)  # a draft never shows
    expected = sorted(stories, key=lambda s: (s.published_at, s.pk), reverse=True)
    for size in (1, 2, 3, 7, 50):
        assert read_all(Story.objects.for_feed(), size) == expected


def test_ties_on_the_publication_time_are_broken_by_id(author):
    moment = timezone.now()
    stories = stories_published_at(moment, moment, moment)
    first, cursor = page(Story.objects.for_feed(), None, 2)
    assert first == [stories[2], stories[1]]
    rest, cursor = page(Story.objects.for_feed(), cursor, 2)
    assert rest == [stories[0]] and cursor is None


def test_a_cursor_round_trips(story):
    assert decode_cursor(encode_cursor(story)) == (story.published_at, story.pk)


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "WyIyMDI2LTAxLTAxIiwgMV0:1abcde:forged",
        signing.dumps(["2026-01-01T00:00:00+00:00", 1], salt="another.salt"),
        signing.dumps(["not a date", 1], salt=CURSOR_SALT),
        signing.dumps(["2026-01-01T00:00:00+00:00", "1"], salt=CURSOR_SALT),
        signing.dumps({"a": 1}, salt=CURSOR_SALT),
    ],
)
def test_a_tampered_cursor_is_a_validation_error(story, cursor):
    with pytest.raises(ValidationError) as excinfo:
        page(Story.objects.for_feed(), cursor, 10)
    assert excinfo.value.message_dict == {"cursor": [BAD_CURSOR]}


def test_a_tampered_signed_cursor_is_refused(story):
    cursor = encode_cursor(story)
    forged = cursor[:-1] + ("A" if cursor[-1] != "A" else "B")
    with pytest.raises(ValidationError):
        decode_cursor(forged)


@pytest.mark.parametrize(
    ("q", "titles"),
    [
        ("invoices", {"Faster invoices"}),  # in a title
        ("parking", {"A quiet morning"}),  # in a body
        ("refund", set()),
        ("", {"Faster invoices", "A quiet morning"}),
    ],
)
def test_search_finds_stories_by_title_and_body(author, q, titles):
    make_story(author, title="Faster invoices", body="We changed the form.")
    make_story(author, title="A quiet morning", body="Customers asked about parking spaces.")
    assert {story.title for story in Story.objects.for_feed().search(q)} == titles


# A word told only outside the title and body: in the Plan-Do-Check-Act, what was heard, or
# the customer's own words.
TOLD_ELSEWHERE = [
    ("plan", "Customers lost every invoice we sent."),
    ("do", "We moved the invoice link to the top of the page."),
    ("check_metric", "Calls about an invoice"),
    ("check_unit", "invoice calls a week"),
    ("act", "Every invoice now carries the link."),
    ("heard", "Nobody finds the invoice page."),
    ("quote", "You sorted my invoice out in a day."),
]


@pytest.mark.parametrize(("field", "text"), TOLD_ELSEWHERE)
def test_search_finds_words_told_only_outside_the_title_and_body(author, field, text):
    fields = {"title": "A shorter wait", "body": "We changed the form.", **improvement_check()}
    story = make_story(author, kind=Story.Kind.IMPROVEMENT, **fields)
    Story.objects.filter(pk=story.pk).update(**{field: text})
    make_story(author, kind=Story.Kind.IMPROVEMENT, title="Parking", body="More spaces.")
    assert list(Story.objects.for_feed().search("invoice")) == [story]


def test_a_title_match_ranks_above_a_body_match_on_postgresql(author):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("ranking is a PostgreSQL feature; SQLite filters only")
    in_body = make_story(author, title="A quiet morning", body="We talked about invoices.")
    in_title = make_story(author, title="Invoices made simple", body="We changed the form.")
    assert list(Story.objects.published().search("invoice")) == [in_title, in_body]


def test_filters_combine(author):
    billing = make_department("Billing")
    colleague = make_user()
    match = make_story(author, department=billing, featured=[colleague], tags=["Lyon"])
    make_story(author, department=billing, tags=["Paris"])
    make_story(author, featured=[colleague], tags=["Lyon"])
    stories = Story.objects.for_feed().filtered(
        kind=Story.Kind.FRONT_LINE, department=billing.pk, tag="lyon", person=colleague.pk
    )
    assert list(stories) == [match]
    assert set(Story.objects.for_feed().filtered(person=author.pk)) == set(
        Story.objects.published()
    )


def fill(count: int) -> None:
    for _ in range(count):
        author = make_user(department=make_department())
        story = make_story(author, featured=[make_user(), make_user()], tags=["a", "b"])
        services.add_image(story=story, by=author, upload=png())
        services.toggle_reaction(story=story, user=make_user(), kind="applause")
        services.add_comment(story=story, author=make_user(), body="Well done")


def render_cards(stories: list[Story]) -> list[tuple]:
    """Everything a feed card shows, touched the way a template would."""
    return [
        (
            story.author.full_name,
            story.department.name if story.department else "",
            [user.full_name for user in story.featured.all()],
            [tag.name for tag in story.tags.all()],
            [image.thumbnail.name for image in story.images.all()],
            story.applause_count,
            story.comment_count,
        )
        for story in stories
    ]


@pytest.mark.parametrize("count", [2, 12])
def test_a_feed_page_costs_the_same_queries_at_any_size(db, django_assert_num_queries, count):
    fill(count)
    # One for the stories (with author and department), one per prefetched relation.
    with django_assert_num_queries(4):
        items, _ = page(Story.objects.for_feed(), None, 10)
        cards = render_cards(items)
    assert len(cards) == min(count, 10)
    # A ranked search (PostgreSQL) first reads the ids of its newest matches.
    from django.db import connection

    with django_assert_num_queries(4 + (connection.vendor == "postgresql")):
        render_cards(list(Story.objects.for_feed().search("Lyon")))


def test_postgresql_search_uses_the_gin_index(author):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the full-text index exists on PostgreSQL only")
    make_story(author, title="Faster invoices")
    with connection.cursor() as cursor:
        # As for a rare word in many stories: no table scan, nor a walk of the feed index.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        with CaptureQueriesContext(connection) as queries:
            Story.objects.search("invoices")  # reads the ids of the newest matches
        (candidates,) = queries.captured_queries
        cursor.execute("EXPLAIN " + candidates["sql"])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "story_search" in plan


def test_postgresql_search_ranks_only_the_newest_matches(author, monkeypatch):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("ranked search is PostgreSQL's")
    monkeypatch.setattr("stories.models.SEARCH_CANDIDATES", 3)
    now = timezone.now()
    matches = [make_story(author, title=f"Invoices, part {n}") for n in range(5)]
    for n, story in enumerate(matches):
        Story.objects.filter(pk=story.pk).update(published_at=now - dt.timedelta(days=n))
    make_story(author, title="Nothing to do with it", body="The coffee machine is fixed.")
    found = list(Story.objects.published().search("invoices"))
    assert {story.pk for story in found} == {story.pk for story in matches[:3]}
