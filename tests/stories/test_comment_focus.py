"""Where the focus lands after an in-place update of the comments (the fragment's `autofocus`;
the browser tests in tests/e2e/test_keyboard_focus.py follow the keyboard through the rest)."""

import re

import pytest
from django.urls import reverse

from stories import services
from tests.stories.test_comment_paging import HTMX, converse, url
from tests.stories.test_story_page import age, delete_url, edit_url

pytestmark = pytest.mark.django_db


def test_the_first_of_the_earlier_comments_takes_the_focus_when_they_are_shown(
    login, story, reader
):
    comments = converse(story, 60)
    response = login(reader).get(
        url(story, before=comments[10].pk), headers=HTMX | {"HX-Target": "comments-earlier"}
    )
    focused = re.findall(
        r'<li id="comment-(\d+)"[^>]*tabindex="-1" autofocus>', response.content.decode()
    )
    assert focused == [str(comments[0].pk)]


def test_the_story_page_itself_focuses_no_comment(login, story, reader):
    converse(story, 3)
    content = login(reader).get(reverse("stories:detail", args=[story.pk])).content.decode()
    assert "autofocus" not in content


def test_a_refused_delete_focuses_its_reason_which_is_not_also_an_alert(login, story, reader):
    comment = age(services.add_comment(story=story, author=reader, body="Old"), 20)
    response = login(reader).post(delete_url(comment), headers=HTMX)
    problem = re.search(r"<p [^>]*message-error[^>]*>", response.content.decode()).group(0)
    # Focus alone makes a screen reader say it; an alert on the focused element says it twice.
    assert "autofocus" in problem and 'role="alert"' not in problem


def test_a_comment_edit_with_mistakes_without_javascript_is_titled_error(login, story, reader):
    comment = services.add_comment(story=story, author=reader, body="Typo hree")
    response = login(reader).post(edit_url(comment), {"body": ""})
    html = response.content.decode()
    assert response.status_code == 200 and "data-error-summary" in html
    assert re.search(r"<title>\s*Error: ", html)
