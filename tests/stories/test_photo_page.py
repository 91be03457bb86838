"""A story's photo opened larger (stories:photo): a page of ours around the full photo, for
exactly the readers of the story page that shows it."""

from django.urls import reverse

from stories import services
from stories.models import StoryImage
from tests.conftest import make_user
from tests.stories.conftest import make_story, png


def photo_of(story, author, alt_text="The new counter sign") -> StoryImage:
    return services.add_image(story=story, by=author, upload=png((900, 600)), alt_text=alt_text)


def url(photo: StoryImage) -> str:
    return reverse("stories:photo", args=[photo.story_id, photo.pk])


def test_a_reader_opens_a_photo_larger_from_the_story_page(client, author, reader, story):
    photo = photo_of(story, author)
    client.force_login(reader)
    page = client.get(story.get_absolute_url()).content.decode()
    assert f'<a href="{url(photo)}"><img src="{photo.image.url}"' in page
    response = client.get(url(photo))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'src="{photo.image.url}"' in html
    assert 'alt="The new counter sign"' in html
    assert f'href="{story.get_absolute_url()}#photo-{photo.pk}"' in html


def test_a_photo_of_a_draft_is_404_to_everyone_but_its_author(client, author, reader):
    draft = make_story(author, publish=False)
    photo = photo_of(draft, author)
    client.force_login(reader)
    assert client.get(url(photo)).status_code == 404
    client.force_login(author)
    assert client.get(url(photo)).status_code == 200


def test_a_photo_is_404_under_another_storys_address(client, author, reader, story):
    photo = photo_of(make_story(author), author)
    client.force_login(reader)
    response = client.get(reverse("stories:photo", args=[story.pk, photo.pk]))
    assert response.status_code == 404


def test_a_former_employee_cannot_open_a_photo(client, author, story):
    photo = photo_of(story, author)
    leaver = make_user(full_name="Lee Leaver")
    client.force_login(leaver)
    leaver.is_active = False
    leaver.save()
    response = client.get(url(photo))
    # Leaving ends every session: they are a visitor again, sent to sign in (which refuses them).
    assert response.status_code == 302
    assert response["Location"] == reverse("account_login") + f"?next={url(photo)}"
