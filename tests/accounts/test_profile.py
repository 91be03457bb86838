"""The profile page and edit-my-profile with an avatar upload."""

import io

from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import ExifTags, Image

from accounts.models import User
from tests.conftest import make_user

EDIT_URL = reverse("accounts:edit_profile")


def photo(size: tuple[int, int] = (600, 400), *, gps: bool = False) -> SimpleUploadedFile:
    exif = Image.Exif()
    if gps:
        exif[0x8825] = {
            ExifTags.GPS.GPSLatitudeRef: "N",
            ExifTags.GPS.GPSLatitude: (51.0, 1.0, 2.0),
        }
    out = io.BytesIO()
    Image.new("RGB", size, "tomato").save(out, format="JPEG", exif=exif)
    return SimpleUploadedFile("me.jpg", out.getvalue(), content_type="image/jpeg")


def profile_form(**changes) -> dict:
    return {"full_name": "Emma Employee", "preferred_name": "", "job_title": ""} | changes


def saved_image(field) -> Image.Image:
    with default_storage.open(field.name) as stored:
        image = Image.open(io.BytesIO(stored.read()))
        image.load()
    return image


def test_saving_a_photo_stores_a_square_webp_avatar_and_thumbnail(login, employee):
    response = login(employee).post(
        EDIT_URL, profile_form(job_title="Support lead", avatar_upload=photo(gps=True))
    )

    assert response.status_code == 302
    assert response.url == employee.get_absolute_url()
    employee.refresh_from_db()
    assert employee.job_title == "Support lead"
    avatar, thumbnail = saved_image(employee.avatar), saved_image(employee.avatar_thumbnail)
    assert (avatar.format, thumbnail.format) == ("WEBP", "WEBP")
    assert avatar.size == (400, 400)
    assert thumbnail.size == (320, 320)
    assert len(avatar.getexif()) == 0  # the GPS position went nowhere
    assert employee.avatar.name.startswith("avatars/")


def test_the_profile_page_shows_the_new_photo(login, employee):
    client = login(employee)
    client.post(EDIT_URL, profile_form(avatar_upload=photo()))
    employee.refresh_from_db()

    response = client.get(employee.get_absolute_url())

    assert employee.avatar.url.encode() in response.content


def test_a_file_that_is_not_an_image_shows_the_error_next_to_the_photo_field(login, employee):
    not_an_image = SimpleUploadedFile("cv.pdf", b"%PDF-1.4 not a photo", "application/pdf")

    response = login(employee).post(
        EDIT_URL,
        profile_form(
            full_name="Emma E. Typed", job_title="Typed title", avatar_upload=not_an_image
        ),
    )

    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.errors) == ["avatar_upload"]
    assert "not an image" in form.errors["avatar_upload"][0]
    html = response.content.decode()
    assert 'id="id_avatar_upload_error"' in html
    assert 'value="Emma E. Typed"' in html  # what was typed is kept
    assert 'value="Typed title"' in html


def test_a_bad_photo_loses_nothing_that_was_saved_before(login, employee):
    client = login(employee)
    client.post(EDIT_URL, profile_form(job_title="Saved title", avatar_upload=photo()))
    employee.refresh_from_db()
    avatar_before = employee.avatar.name

    client.post(
        EDIT_URL,
        profile_form(
            full_name="Changed Name",
            job_title="Changed title",
            avatar_upload=SimpleUploadedFile("a.jpg", b"\xff\xd8\xff\xe0 truncated", "image/jpeg"),
        ),
    )

    employee.refresh_from_db()
    assert employee.full_name == "Emma Employee"
    assert employee.job_title == "Saved title"
    assert employee.avatar.name == avatar_before
    assert default_storage.exists(avatar_before)


def test_replacing_the_photo_removes_the_old_files(
    login, employee, django_capture_on_commit_callbacks
):
    client = login(employee)
    client.post(EDIT_URL, profile_form(avatar_upload=photo()))
    employee.refresh_from_db()
    old = [employee.avatar.name, employee.avatar_thumbnail.name]

    with django_capture_on_commit_callbacks(execute=True):
        client.post(EDIT_URL, profile_form(avatar_upload=photo((300, 300))))

    employee.refresh_from_db()
    assert employee.avatar.name not in old
    assert default_storage.exists(employee.avatar.name)
    assert not any(default_storage.exists(name) for name in old)


def test_removing_the_photo(login, employee, django_capture_on_commit_callbacks):
    client = login(employee)
    client.post(EDIT_URL, profile_form(avatar_upload=photo()))
    employee.refresh_from_db()
    old = [employee.avatar.name, employee.avatar_thumbnail.name]
    assert b"Remove my photo" in client.get(EDIT_URL).content

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(EDIT_URL, profile_form(remove_avatar="on"))

    assert response.status_code == 302
    employee.refresh_from_db()
    assert not employee.avatar
    assert not employee.avatar_thumbnail
    assert not any(default_storage.exists(name) for name in old)


def test_saving_without_a_new_photo_keeps_the_current_one(login, employee):
    client = login(employee)
    client.post(EDIT_URL, profile_form(avatar_upload=photo()))
    employee.refresh_from_db()
    avatar = employee.avatar.name

    client.post(EDIT_URL, profile_form(preferred_name="Em"))

    employee.refresh_from_db()
    assert employee.preferred_name == "Em"
    assert employee.avatar.name == avatar


def test_a_required_field_left_empty_is_reported_next_to_it(login, employee):
    response = login(employee).post(EDIT_URL, profile_form(full_name="", job_title="Kept"))

    assert response.status_code == 200
    assert "full_name" in response.context["form"].errors
    assert 'value="Kept"' in response.content.decode()
    employee.refresh_from_db()
    assert employee.full_name == "Emma Employee"


def test_edit_my_profile_only_ever_edits_the_signed_in_person(login, employee):
    other = make_user(full_name="Olga Other")

    login(employee).post(EDIT_URL, profile_form(full_name="Hijack", id=other.pk, pk=other.pk))

    other.refresh_from_db()
    assert other.full_name == "Olga Other"
    assert User.objects.get(pk=employee.pk).full_name == "Hijack"


def test_there_is_no_page_to_edit_someone_elses_profile(login, employee):
    other = make_user(full_name="Olga Other")
    client = login(employee)

    assert client.get(f"/people/{other.pk}/edit/").status_code == 404
    assert client.post(f"/people/{other.pk}/edit/", profile_form()).status_code == 404
    page = client.get(other.get_absolute_url()).content.decode()
    assert EDIT_URL not in page.replace(  # the account menu links to *my* edit page only
        f'<li><a href="{EDIT_URL}">Edit profile</a></li>', ""
    )


def test_my_own_profile_offers_the_edit_button(login, employee):
    response = login(employee).get(employee.get_absolute_url())
    assert b"Edit my profile" in response.content


def test_a_deactivated_persons_profile_is_not_found_for_colleagues(login, employee):
    gone = make_user(full_name="Gone Person", is_active=False)
    response = login(employee).get(gone.get_absolute_url())
    assert response.status_code == 404


def test_hr_can_still_open_a_deactivated_persons_profile(login, hr_user):
    gone = make_user(full_name="Gone Person", is_active=False)
    response = login(hr_user).get(gone.get_absolute_url())
    assert response.status_code == 200
    assert b"Deactivated" in response.content


def test_an_unknown_profile_is_not_found(login, employee):
    assert login(employee).get(reverse("home:profile", args=[987654])).status_code == 404


def test_the_profile_shows_the_manager_and_the_active_direct_reports(login, employee):
    boss = make_user(full_name="Bea Boss", job_title="Head of Support")
    person = make_user(full_name="Paul Person", manager=boss)
    make_user(full_name="Rita Report", manager=person, job_title="Agent")
    make_user(full_name="Ivan Inactive", manager=person, is_active=False)

    html = login(employee).get(person.get_absolute_url()).content.decode()

    assert "Bea Boss" in html
    assert boss.get_absolute_url() in html
    assert "Direct reports" in html
    assert "Rita Report" in html
    assert "Ivan Inactive" not in html
