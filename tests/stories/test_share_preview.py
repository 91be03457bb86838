"""Sharing a thank-you as a story shows the story first, as it will appear, with a title to
change; nothing is published until Publish is pressed."""

from django.urls import reverse

from stories.models import Story
from tests.conftest import make_user
from tests.stories.test_write_views import PUBLISH, from_thanks, profile, shared_thanks


def test_the_wall_links_to_the_preview_rather_than_publishing(login, employee, hr_user):
    thank_you = shared_thanks(employee, hr_user)
    content = login(employee).get(profile(employee)).content.decode()
    assert f'href="{from_thanks(thank_you)}">Share as a story…</a>' in content
    assert f'action="{from_thanks(thank_you)}"' not in content
    assert not Story.objects.exists()


def test_the_preview_shows_the_story_with_its_proposed_title(login, employee, hr_user):
    thank_you = shared_thanks(employee, hr_user)
    content = login(employee).get(from_thanks(thank_you)).content.decode()
    title = f"Ann thanks {employee} (Acme Lyon)"
    assert f'value="{title}"' in content
    assert f'<h3 id="preview-title" class="story-preview-title">{title}</h3>' in content
    assert 'name="action" value="publish"' in content
    assert not Story.objects.exists()


def test_updating_the_preview_shows_the_new_title_and_publishes_nothing(login, employee, hr_user):
    thank_you = shared_thanks(employee, hr_user)
    response = login(employee).post(
        from_thanks(thank_you), {"title": "Our refund letter, read aloud", "action": "preview"}
    )
    assert response.status_code == 200
    assert "Our refund letter, read aloud</h3>" in response.content.decode()
    assert not Story.objects.exists()


def test_publish_uses_the_title_as_changed(login, employee, hr_user):
    thank_you = shared_thanks(employee, hr_user)
    sent = {"title": "  Our refund letter,   read aloud ", "action": "publish"}
    response = login(employee).post(from_thanks(thank_you), sent)
    story = Story.objects.get()
    assert response.url == reverse("stories:detail", args=[story.pk])
    assert story.title == "Our refund letter, read aloud"
    assert story.status == Story.Status.PUBLISHED


def test_an_empty_title_is_an_error_next_to_the_field(login, employee, hr_user):
    thank_you = shared_thanks(employee, hr_user)
    response = login(employee).post(from_thanks(thank_you), {"title": " ", "action": "publish"})
    assert response.status_code == 200
    assert 'id="id_title_error"' in response.content.decode()
    assert not Story.objects.exists()


def test_the_managers_publish_is_refused_they_may_read_it_not_share_it(login, employee, hr_user):
    manager = make_user(full_name="Mona Manager")
    employee.manager = manager
    employee.save(update_fields=["manager"])
    thank_you = shared_thanks(employee, hr_user)
    response = login(manager).post(from_thanks(thank_you), PUBLISH)
    assert response.status_code == 200
    assert "Only HR or the thanked employee can share this thank-you." in response.content.decode()
    assert not Story.objects.exists()
