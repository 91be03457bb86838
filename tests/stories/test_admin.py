"""The admin changes nothing a rule guards: stories, their photos and comments are read-only
there (publishing, hiding and photos go through stories.services), and a tag's slug follows
its name by the rule a tag typed on a story follows."""

import pytest
from django.urls import NoReverseMatch, reverse

from stories import services
from stories.models import Comment, Story, StoryImage, Tag
from tests.conftest import make_user
from tests.stories.conftest import make_story, png

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(
        make_user(is_staff=True, is_superuser=True), backend="accounts.backends.ModelBackend"
    )
    return client


def test_a_story_is_shown_read_only(admin_client, story):
    page = admin_client.get(reverse("admin:stories_story_change", args=[story.pk]))

    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()


def test_hiding_a_story_in_the_admin_is_refused(admin_client, story):
    response = admin_client.post(
        reverse("admin:stories_story_change", args=[story.pk]),
        {"status": "hidden", "hidden_reason": "Behind the service's back"},
    )

    assert response.status_code == 403
    story.refresh_from_db()
    assert story.status == Story.Status.PUBLISHED and story.hidden_reason == ""


def test_adding_or_deleting_a_story_in_the_admin_is_refused(admin_client, story):
    assert admin_client.get(reverse("admin:stories_story_add")).status_code == 403
    delete = reverse("admin:stories_story_delete", args=[story.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    admin_client.post(
        reverse("admin:stories_story_changelist"),
        {"action": "delete_selected", "_selected_action": [story.pk], "post": "yes"},
    )
    assert Story.objects.filter(pk=story.pk).exists()


def test_hiding_or_deleting_a_comment_in_the_admin_is_refused(admin_client, story, reader):
    comment = services.add_comment(story=story, author=reader, body="Rude words")
    change = reverse("admin:stories_comment_change", args=[comment.pk])

    assert admin_client.get(change).status_code == 200
    response = admin_client.post(change, {"status": "hidden", "hidden_reason": "Rude"})
    assert response.status_code == 403
    delete = reverse("admin:stories_comment_delete", args=[comment.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    comment.refresh_from_db()
    assert comment.status == Comment.Status.VISIBLE
    story.refresh_from_db()
    assert story.comment_count == 1


def test_photos_are_not_changed_in_the_admin(admin_client, story, author):
    services.add_image(story=story, by=author, upload=png(), alt_text="The counter")

    with pytest.raises(NoReverseMatch):  # no page of their own: only the story's, read-only
        reverse("admin:stories_storyimage_changelist")
    page = admin_client.get(reverse("admin:stories_story_change", args=[story.pk]))
    assert "The counter" in page.content.decode()
    assert 'name="images-0-alt_text"' not in page.content.decode()
    assert StoryImage.objects.get().alt_text == "The counter"


def test_a_renamed_tag_takes_the_slug_of_its_new_name(admin_client):
    tag = Tag.objects.create(name="Invoices", slug="invoices")

    response = admin_client.post(
        reverse("admin:stories_tag_change", args=[tag.pk]),
        {"name": "Billing  letters", "slug": "something-else"},
    )

    assert response.status_code == 302
    tag.refresh_from_db()
    assert (tag.name, tag.slug) == ("Billing letters", "billing-letters")


def test_a_tag_whose_name_makes_another_tags_slug_is_refused(admin_client):
    Tag.objects.create(name="Call-backs", slug="call-backs")

    response = admin_client.post(reverse("admin:stories_tag_add"), {"name": "Call backs"})

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "name": ["Another tag already has this name."]
    }
    assert Tag.objects.count() == 1


def test_a_tag_without_a_letter_or_a_number_is_refused(admin_client):
    response = admin_client.post(reverse("admin:stories_tag_add"), {"name": "!!!"})

    assert response.context["adminform"].form.errors == {
        "name": ["Use letters or numbers in tags."]
    }
    assert not Tag.objects.exists()


def test_a_story_with_a_renamed_tag_finds_it_by_its_new_name(admin_client, author):
    story = make_story(author, tags=["Invoices"])
    tag = story.tags.get()
    admin_client.post(reverse("admin:stories_tag_change", args=[tag.pk]), {"name": "Billing"})

    again = make_story(author, tags=["billing"])

    assert list(again.tags.all()) == [tag]
