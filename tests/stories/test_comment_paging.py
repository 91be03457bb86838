"""A story page shows its newest comments only, with a link to the earlier ones, so that its
cost does not grow with a popular story's conversation."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from stories import services
from stories.models import Comment, Story
from stories.views import COMMENTS_PAGE
from tests.conftest import make_user
from tests.stories.conftest import make_story

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def url(story: Story, **params: object) -> str:
    query = "&".join(f"{name}={value}" for name, value in params.items())
    return reverse("stories:detail", args=[story.pk]) + (f"?{query}" if query else "")


def converse(story: Story, count: int, *, start: int = 0) -> list[Comment]:
    """`count` comments by different people, a minute apart, oldest first."""
    comments = []
    first = timezone.now() - dt.timedelta(days=1)
    for n in range(start, start + count):
        comment = services.add_comment(story=story, author=make_user(), body=f"Remark {n}.")
        Comment.objects.filter(pk=comment.pk).update(created_at=first + dt.timedelta(minutes=n))
        comments.append(comment)
    return comments


def remarks(content: str) -> list[int]:
    return [int(n) for n in re.findall(r"Remark (\d+)\.", content)]


def earlier_link(content: str) -> str:
    return re.search(r'<p id="comments-earlier".*?href="([^"]+)"', content, re.S).group(1)


def test_the_page_shows_the_newest_comments_oldest_first_and_links_to_earlier_ones(
    login, story, reader
):
    total = COMMENTS_PAGE + 10
    comments = converse(story, total)
    client = login(reader)
    content = client.get(url(story)).content.decode()
    assert remarks(content) == list(range(10, total))
    assert "Show 10 earlier comments" in content
    assert f'<span id="comments-count">{total} comments</span>' in content
    link = earlier_link(content)
    assert link == url(story, before=comments[10].pk) + "#comments"

    older = client.get(link).content.decode()
    assert remarks(older) == list(range(10))
    assert "comments-earlier" not in older  # nothing before those
    assert f'<span id="comments-count">{total} comments</span>' in older
    assert f'href="{url(story)}#comments">Show the newest comments</a>' in older


def test_a_long_conversation_is_read_a_page_of_comments_at_a_time(login, story, reader):
    page = COMMENTS_PAGE
    converse(story, 2 * page + 5)
    client = login(reader)
    content = client.get(url(story)).content.decode()
    assert f"Show {page} earlier comments" in content
    assert f"({page + 5} earlier in all)" in content
    content = client.get(earlier_link(content)).content.decode()
    assert remarks(content) == list(range(5, page + 5))
    assert "Show 5 earlier comments" in content and "earlier in all" not in content
    assert remarks(client.get(earlier_link(content)).content.decode()) == list(range(5))


def test_htmx_prepends_the_earlier_comments_in_place(login, story, reader):
    comments = converse(story, 60)
    response = login(reader).get(
        url(story, before=comments[10].pk), headers=HTMX | {"HX-Target": "comments-earlier"}
    )
    content = response.content.decode()
    assert response.status_code == 200 and "<html" not in content
    assert '<ol hx-swap-oob="afterbegin:#comment-list">' in content
    assert remarks(content) == list(range(10))
    assert "10 earlier comments shown." in content


def test_hidden_and_deleted_comments_do_not_count_as_earlier_ones(login, story, reader, hr_user):
    total = COMMENTS_PAGE + 2
    comments = converse(story, total)
    services.hide_comment(comment=comments[0], by=hr_user, reason="Not kind")
    Comment.objects.filter(pk=comments[1].pk).update(status=Comment.Status.DELETED)
    content = login(reader).get(url(story)).content.decode()
    assert remarks(content) == list(range(2, total))
    assert "comments-earlier" not in content
    # HR sees the hidden one, with its reason, behind the link.
    content = login(hr_user).get(url(story)).content.decode()
    assert "Show 1 earlier comment<" in content
    older = login(hr_user).get(earlier_link(content)).content.decode()
    assert "Hidden by HR:</span> Not kind" in older and remarks(older) == [0]


@pytest.mark.parametrize("before", ["abc", "-3", "0", "99999999", "1e5", "%00", "9" * 40])
def test_a_bad_before_value_gives_the_newest_comments(login, story, reader, before):
    converse(story, 3)
    for headers in ({}, HTMX | {"HX-Target": "comments-earlier"}):
        response = login(reader).get(url(story, before=before), headers=headers)
        assert response.status_code == 200
        assert remarks(response.content.decode()) == [0, 1, 2]


def test_a_comment_of_another_story_is_no_anchor(login, author, story, reader):
    converse(story, 3)
    elsewhere = services.add_comment(story=make_story(author), author=reader, body="Elsewhere")
    content = login(reader).get(url(story, before=elsewhere.pk)).content.decode()
    assert remarks(content) == [0, 1, 2] and "Show the newest comments" not in content


def test_the_page_works_without_comments(login, story, reader):
    response = login(reader).get(url(story))
    content = response.content.decode()
    assert response.status_code == 200
    assert '<span id="comments-count">0 comments</span>' in content
    assert "comments-earlier" not in content and 'id="comment-form"' in content


def test_a_new_comment_still_appears_with_htmx_on_a_long_conversation(login, story, reader):
    converse(story, 60)
    response = login(reader).post(
        reverse("stories:comment", args=[story.pk]), {"body": "Remark 60."}, headers=HTMX
    )
    content = response.content.decode()
    assert '<ol hx-swap-oob="beforeend:#comment-list">' in content and "Remark 60." in content
    assert '<span id="comments-count" hx-swap-oob="true">61 comments</span>' in content
    page = login(reader).get(url(story)).content.decode()
    assert remarks(page)[-1] == 60 and len(remarks(page)) == COMMENTS_PAGE


def test_hiding_an_old_comment_without_javascript_shows_the_error_in_place(login, story, hr_user):
    comments = converse(story, 60)
    hide = reverse("stories:comment_hide", args=[comments[3].pk])
    response = login(hr_user).post(hide, {"reason": " "})
    content = response.content.decode()
    assert response.status_code == 200 and "<html" in content
    assert "Say why the comment is hidden." in content
    assert remarks(content)[-1] == 3  # the page that ends with that comment


@pytest.mark.parametrize("viewer", ["reader", "hr"])
def test_the_story_page_needs_the_same_queries_with_3_or_60_comments(
    login, story, reader, hr_user, django_assert_num_queries, viewer
):
    client = login(reader if viewer == "reader" else hr_user)
    converse(story, 3)
    client.get(url(story))  # the first request of a session writes to it
    with CaptureQueriesContext(connection) as small:
        client.get(url(story))
    comments = converse(story, 57, start=3)
    with django_assert_num_queries(len(small)):
        response = client.get(url(story))
    assert len(remarks(response.content.decode())) == COMMENTS_PAGE
    with CaptureQueriesContext(connection) as older:
        client.get(url(story, before=comments[-1].pk))
    assert len(older) == len(small) + 1  # where that comment is in the conversation
