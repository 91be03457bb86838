"""The admin of people goes through the same services as the pages: photos through core.images,
(re)activation and the HR role audited; what it may not change it shows read-only."""

import io

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from accounts import services
from accounts.models import HR_GROUP, User
from core.audit import AuditEvent
from tests.accounts.test_profile import photo
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user() -> User:
    return make_user(full_name="Ada Admin", is_staff=True, is_superuser=True)


def change_url(person: User) -> str:
    return reverse("admin:accounts_user_change", args=[person.pk])


def change_form(client, person: User, **changes) -> dict:
    """What the admin's change form posts for `person` as it stands, with `changes`."""
    form = client.get(change_url(person)).context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and name in form.fields and name != "password"
    }
    data["groups"] = [group.pk for group in person.groups.all()]
    data["faces_customers"] = "unknown"
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)  # an unticked box
        else:
            data[name] = value
    return data


def stored(name: str) -> Image.Image:
    with default_storage.open(name) as file:
        image = Image.open(io.BytesIO(file.read()))
        image.load()
    return image


# --- photos -----------------------------------------------------------------------------------


def test_a_photo_uploaded_in_the_admin_loses_its_location_like_any_other(
    login, admin_user, employee
):
    client = login(admin_user)
    data = change_form(client, employee, avatar_upload=photo(gps=True))

    response = client.post(change_url(employee), data)

    assert response.status_code == 302
    employee.refresh_from_db()
    avatar = stored(employee.avatar.name)
    assert avatar.format == "WEBP"
    assert avatar.size[0] == avatar.size[1]  # a centred square
    assert len(avatar.getexif()) == 0
    assert stored(employee.avatar_thumbnail.name).format == "WEBP"
    assert AuditEvent.objects.filter(verb="profile.edited", actor=admin_user).exists()


def test_a_file_that_is_not_an_image_is_refused_next_to_the_photo_field(
    login, admin_user, employee
):
    client = login(admin_user)
    not_an_image = SimpleUploadedFile("cv.pdf", b"%PDF-1.4 not a photo", "application/pdf")
    data = change_form(client, employee, avatar_upload=not_an_image)

    response = client.post(change_url(employee), data)

    assert response.status_code == 200
    assert "not an image" in response.context["adminform"].form.errors["avatar_upload"][0]
    employee.refresh_from_db()
    assert not employee.avatar


def test_the_admin_removes_a_photo(login, admin_user, employee, django_capture_on_commit_callbacks):
    client = login(admin_user)
    client.post(change_url(employee), change_form(client, employee, avatar_upload=photo()))
    employee.refresh_from_db()
    old = [employee.avatar.name, employee.avatar_thumbnail.name]

    with django_capture_on_commit_callbacks(execute=True):
        client.post(change_url(employee), change_form(client, employee, remove_avatar="on"))

    employee.refresh_from_db()
    assert not employee.avatar and not employee.avatar_thumbnail
    assert not any(default_storage.exists(name) for name in old)


def test_the_stored_photo_fields_are_read_only(login, admin_user, employee):
    form = login(admin_user).get(change_url(employee)).context["adminform"].form
    assert "avatar" not in form.fields
    assert "avatar_thumbnail" not in form.fields


# --- active, HR, superuser --------------------------------------------------------------------


def test_reactivating_in_the_admin_goes_through_the_service(login, admin_user, employee):
    services.deactivate(person=employee, by=admin_user)
    client = login(admin_user)

    response = client.post(change_url(employee), change_form(client, employee, is_active="on"))

    assert response.status_code == 302
    employee.refresh_from_db()
    assert employee.is_active
    assert employee.deactivated_at is None
    assert AuditEvent.objects.filter(verb="user.reactivated", actor=admin_user).exists()


def test_nobody_deactivates_their_own_account_in_the_admin(login, admin_user):
    client = login(admin_user)
    form = client.get(change_url(admin_user)).context["adminform"].form
    assert "is_active" not in form.fields

    client.post(change_url(admin_user), change_form(client, admin_user, is_active=None))

    admin_user.refresh_from_db()
    assert admin_user.is_active


def test_nobody_deactivates_their_own_account_with_the_admin_action(login, admin_user):
    login(admin_user).post(
        reverse("admin:accounts_user_changelist"),
        {"action": "deactivate_people", "_selected_action": [admin_user.pk]},
    )
    admin_user.refresh_from_db()
    assert admin_user.is_active


def test_granting_and_withdrawing_hr_in_the_admin_is_audited(login, admin_user, employee):
    hr = Group.objects.get_or_create(name=HR_GROUP)[0]
    client = login(admin_user)

    client.post(change_url(employee), change_form(client, employee, groups=[hr.pk]))
    employee = User.objects.get(pk=employee.pk)
    assert employee.is_hr
    assert AuditEvent.objects.filter(
        verb="user.hr_granted", actor=admin_user, target_id=employee.pk
    ).exists()

    client.post(change_url(employee), change_form(client, employee, groups=[]))
    employee = User.objects.get(pk=employee.pk)
    assert not employee.is_hr
    assert AuditEvent.objects.filter(verb="user.hr_revoked", actor=admin_user).exists()


def test_other_groups_are_saved_as_ticked(login, admin_user, employee):
    editors = Group.objects.create(name="Editors")
    client = login(admin_user)

    client.post(change_url(employee), change_form(client, employee, groups=[editors.pk]))

    assert list(employee.groups.all()) == [editors]
    assert not AuditEvent.objects.filter(verb__startswith="user.hr_").exists()


def test_superuser_status_cannot_be_given_in_the_admin(login, employee):
    # An HR partner may change people in the admin, but not make anyone, themselves included,
    # a superuser: that is done on the command line.
    partner = make_user(is_staff=True, hr=True)
    partner.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="accounts", codename__in=["view_user", "change_user"]
        )
    )
    client = login(partner)
    for person in (employee, partner):
        client.post(change_url(person), change_form(client, person, is_superuser="on"))
        person.refresh_from_db()
        assert not person.is_superuser
