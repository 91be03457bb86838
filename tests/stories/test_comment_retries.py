"""A comment is posted once per form, however often the form is sent: each form carries a
one-time submission key, and a post repeated with it (a retry after an answer was lost, a
double click) answers as the first one did, with the comment that one made. The API takes the
same key as an optional Idempotency-Key header."""

import re

import pytest
from django.urls import reverse

from stories.models import Comment, Story
from tests.conftest import make_user
from tests.stories.conftest import make_story

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
KEY = re.compile(r'<input type="hidden" name="submission_key" value="([^"]+)"')


def comment_url(story: Story) -> str:
    return reverse("stories:comment", args=[story.pk])


def api_url(story: Story) -> str:
    return reverse("api-story-comments", args=[story.pk])


def form_key(content: str) -> str:
    form = re.search(r'<form id="comment-form".*?</form>', content, re.S).group(0)
    return KEY.search(form).group(1)


def test_each_comment_form_carries_a_new_key(login, story, reader):
    client = login(reader)
    page = client.get(story.get_absolute_url()).content.decode()
    again = client.get(story.get_absolute_url()).content.decode()

    assert len(form_key(page)) >= 32
    assert form_key(page) != form_key(again)


def test_a_form_sent_twice_with_htmx_makes_one_comment_and_the_same_answer(login, story, reader):
    client = login(reader)
    key = form_key(client.get(story.get_absolute_url()).content.decode())
    data = {"body": "Great **idea**", "submission_key": key}

    first = client.post(comment_url(story), data, headers=HTMX)
    second = client.post(comment_url(story), data, headers=HTMX)

    comment = Comment.objects.get()
    assert comment.submission_key == key
    assert Story.objects.get(pk=story.pk).comment_count == 1
    for response in (first, second):
        content = response.content.decode()
        assert response.status_code == 200
        assert f'id="comment-{comment.pk}"' in content and "Your comment is posted." in content
        assert '<span id="comments-count" hx-swap-oob="true">1 comment</span>' in content
        assert form_key(content) != key  # the fresh form is ready for the next comment


def test_a_form_sent_twice_without_javascript_leads_to_the_one_comment(login, story, reader):
    client = login(reader)
    data = {"body": "Well done", "submission_key": "a-key-from-the-form-0123456789abcd"}

    first = client.post(comment_url(story), data)
    second = client.post(comment_url(story), data)

    comment = Comment.objects.get()
    assert first.status_code == second.status_code == 302
    location = f"{story.get_absolute_url()}#comment-{comment.pk}"
    assert first["Location"] == second["Location"] == location


def test_a_form_shown_again_with_its_errors_keeps_its_key(login, story, reader):
    data = {"body": " ", "submission_key": "the-same-form-0123456789abcdefghij"}
    response = login(reader).post(comment_url(story), data, headers=HTMX)
    assert form_key(response.content.decode()) == data["submission_key"]
    assert not Comment.objects.exists()


def test_new_forms_make_new_comments(login, story, reader):
    client = login(reader)
    for body in ("First", "Second"):
        key = form_key(client.get(story.get_absolute_url()).content.decode())
        client.post(comment_url(story), {"body": body, "submission_key": key}, headers=HTMX)
    assert [c.body for c in Comment.objects.all()] == ["First", "Second"]


def test_the_same_key_from_someone_else_is_their_own_comment(login, story, reader):
    data = {"body": "Agreed", "submission_key": "a-key-someone-guessed-0123456789ab"}
    login(reader).post(comment_url(story), data)
    login(make_user()).post(comment_url(story), data)
    assert Comment.objects.count() == 2


def test_a_form_without_a_key_still_posts(login, story, reader):
    response = login(reader).post(comment_url(story), {"body": "From an old page"})
    assert response.status_code == 302
    assert Comment.objects.get().submission_key == ""


def test_a_malformed_key_is_refused_with_a_message_on_the_form(login, story, reader):
    data = {"body": "Hi", "submission_key": "x" * 65}
    response = login(reader).post(comment_url(story), data, headers=HTMX)
    assert response.status_code == 200
    assert "This form is out of date: reload the page" in response.content.decode()
    assert not Comment.objects.exists()


def test_a_draft_still_takes_no_comment_whatever_the_key(login, reader):
    draft = make_story(make_user(), publish=False)
    data = {"body": "Hi", "submission_key": "a-key-0123456789abcdefghijklmnopq"}
    assert login(reader).post(comment_url(draft), data).status_code == 404


# --- the API ------------------------------------------------------------------------------


def test_an_api_retry_with_the_same_idempotency_key_makes_one_comment(api, story, reader):
    client = api(reader)
    headers = {"Idempotency-Key": "6f1c2b52-8f7e-4d0c-9a51-1f0c3f9e2b7d"}

    first = client.post(api_url(story), {"body": "Nice"}, format="json", headers=headers)
    second = client.post(api_url(story), {"body": "Nice"}, format="json", headers=headers)

    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert Comment.objects.count() == 1


def test_api_posts_without_a_key_are_separate_comments(api, story, reader):
    client = api(reader)
    client.post(api_url(story), {"body": "One"}, format="json")
    client.post(api_url(story), {"body": "One"}, format="json")
    assert Comment.objects.count() == 2


def test_a_malformed_idempotency_key_is_a_400(api, story, reader):
    response = api(reader).post(
        api_url(story), {"body": "Nice"}, format="json", headers={"Idempotency-Key": "é" * 3}
    )
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["detail"]
    assert not Comment.objects.exists()
