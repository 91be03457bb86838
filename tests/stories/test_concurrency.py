import pytest
from django.test import Client
from django.urls import reverse

from core.errors import ConflictError
from stories import services
from stories.models import Comment, Reaction, Story
from tests.concurrency import race, requires_postgres
from tests.conftest import make_user
from tests.stories.conftest import make_story
from tests.thanks.conftest import approved

pytestmark = [requires_postgres, pytest.mark.django_db(transaction=True)]


def test_a_double_click_on_a_reaction_makes_one_row_and_a_count_of_one():
    story = make_story(make_user())
    reader = make_user()

    results = race(
        lambda: services.set_reaction(story=story, user=reader, kind="applause", on=True),
        threads=4,
    )

    assert results == [1, 1, 1, 1]
    assert Reaction.objects.filter(story=story).count() == 1
    story.refresh_from_db()
    assert story.applause_count == 1


def test_many_people_reacting_at_once_are_all_counted():
    story = make_story(make_user())
    readers = iter([make_user() for _ in range(5)])
    people = {}

    def react():
        import threading

        user = people.setdefault(threading.get_ident(), next(readers))
        return services.toggle_reaction(story=story, user=user, kind="learned")

    results = race(react, threads=5)

    assert all(on is True for on, _ in results)
    story.refresh_from_db()
    assert story.learned_count == 5 == Reaction.objects.count()


def test_two_people_sharing_the_same_thank_you_at_once_make_one_story():
    hr = make_user(hr=True)
    employee = make_user()
    thank_you = approved(employee, by=hr)

    results = race(lambda: services.create_customer_voice(thank_you=thank_you, by=hr))

    assert sum(isinstance(result, Story) for result in results) == 1
    assert sum(isinstance(result, ConflictError) for result in results) == 1
    assert Story.objects.filter(thank_you=thank_you).count() == 1


def test_one_comment_form_posted_twice_at_once_makes_one_comment():
    story = make_story(make_user())
    reader = make_user()
    data = {"body": "Both at once", "submission_key": "one-form-0123456789abcdefghijklmno"}

    def post():
        client = Client()
        client.force_login(reader, backend="accounts.backends.ModelBackend")
        url = reverse("stories:comment", args=[story.pk])
        return client.post(url, data, headers={"HX-Request": "true"})

    results = race(post, threads=3)

    comment = Comment.objects.get(story=story)
    for response in results:
        assert response.status_code == 200
        assert f'id="comment-{comment.pk}"' in response.content.decode()
    story.refresh_from_db()
    assert story.comment_count == 1
