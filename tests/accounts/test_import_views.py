import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts import directory_import
from accounts.forms import ImportConfirmForm
from accounts.models import Department, User
from core.audit import AuditEvent
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

URL = "/hr/people/import/"
HEADER = "email,full_name,department,manager_email,job_title"


def upload(*rows: str, header: str = HEADER, name: str = "people.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, "\n".join([header, *rows]).encode(), "text/csv")


def payload_of(html: str) -> str:
    return re.search(r'name="payload" value="([^"]+)"', html).group(1)


def test_the_import_page_has_its_url_and_a_labelled_file_input(login, hr_user):
    assert reverse("accounts:hr_import") == URL
    response = login(hr_user).get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<label for="id_file">CSV file</label>' in html
    assert 'type="file" name="file"' in html
    assert 'enctype="multipart/form-data"' in html
    assert "Preview import" in html
    assert "Apply import" not in html
    assert f'href="{URL}" aria-current="page"' in html  # the HR console's navigation


def test_the_import_page_has_no_inline_script_or_event_handler(login, hr_user):
    html = login(hr_user).post(URL, {"file": upload("a@example.com,A,,,")}).content.decode()
    assert not re.search(r"<script(?![^>]*\bnonce=)[^>]*>", html)
    assert not re.search(r"\son[a-z]+=", html)


def test_the_preview_says_what_will_happen_and_writes_nothing(login, hr_user):
    make_user("kwame@example.com", full_name="Kwame", job_title="Agent")

    response = login(hr_user).post(
        URL,
        {
            "file": upload(
                "kwame@example.com,Kwame,,,Senior Agent",
                "mei@example.com,Mei Lin,Support,,Head of Support",
            )
        },
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "What the import will do, row by row</caption>" in html
    assert '<th scope="col">What will happen</th>' in html
    assert "<strong>1</strong> person to add, <strong>1</strong> to update" in html
    assert "New departments: Support." in html
    assert "Job title: Agent → Senior Agent" in html
    assert "Apply import" in html
    assert not User.objects.filter(email="mei@example.com").exists()
    assert not Department.objects.exists()
    assert not AuditEvent.objects.exists()


def test_applying_the_preview_imports_and_goes_to_the_people_page(login, hr_user):
    client = login(hr_user)
    preview = client.post(
        URL,
        {
            "file": upload(
                "kwame@example.com,Kwame Asante,Support,mei@example.com,Agent",
                "mei@example.com,Mei Lin,Support,,Head of Support",
            )
        },
    )

    response = client.post(URL, {"payload": payload_of(preview.content.decode())}, follow=True)

    assert response.redirect_chain == [(reverse("accounts:hr_people"), 302)]
    assert (
        "Directory imported: 2 added, 0 updated, 0 already up to date. New departments: Support."
        in response.content.decode()
    )
    assert User.objects.get(email="kwame@example.com").manager.email == "mei@example.com"
    assert AuditEvent.objects.get(verb="directory.imported").actor == hr_user


def test_bad_rows_are_highlighted_with_their_error_and_nothing_can_be_applied(login, hr_user):
    response = login(hr_user).post(
        URL,
        {
            "file": upload(
                "good@example.com,Good,,,",
                "a@example.com,A,,ghost@example.com,",
            )
        },
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "Apply import" not in html
    assert 'name="payload"' not in html
    row = re.search(r'<tr class="row-error">(.*?)</tr>', html, re.S).group(1)
    assert '<th scope="row">3</th>' in row
    assert "The manager ghost@example.com is neither in this file nor in the directory." in row
    # The file field says so too, in words, next to it.
    assert re.search(r'id="id_file_error".*?1 row has a problem \(line 3\)', html, re.S)
    assert not User.objects.filter(email="good@example.com").exists()


def test_a_file_level_problem_is_shown_next_to_the_file_field(login, hr_user):
    response = login(hr_user).post(URL, {"file": upload("a@example.com,A", header="email,name")})

    html = response.content.decode()
    assert 'class="field field-invalid"' in html
    error = re.search(r'<ul class="errorlist" id="id_file_error">(.*?)</ul>', html, re.S).group(1)
    assert "Missing: full_name, department, manager_email, job_title." in error
    assert 'aria-invalid="true"' in html
    assert "What the import will do" not in html


def test_an_oversized_file_is_refused_next_to_the_file_field(login, hr_user, monkeypatch):
    monkeypatch.setattr(directory_import, "MAX_BYTES", 60)
    html = login(hr_user).post(URL, {"file": upload("a@example.com,A,,,")}).content.decode()
    assert re.search(r'id="id_file_error".*?This file is larger than 2 MB', html, re.S)


def test_sending_no_file_asks_for_one(login, hr_user):
    html = login(hr_user).post(URL, {}).content.decode()
    assert re.search(r'id="id_file_error".*?This field is required', html, re.S)


def test_a_tampered_preview_is_refused(login, hr_user):
    response = login(hr_user).post(URL, {"payload": "not-a-signed-value"})
    assert response.status_code == 200
    assert "This preview could not be read back. Upload the file again." in (
        response.content.decode()
    )
    assert not AuditEvent.objects.exists()


def test_a_preview_signed_for_another_hr_person_is_refused(login, hr_user):
    other = make_user(hr=True)
    form = ImportConfirmForm.for_file(
        csv_bytes=f"{HEADER}\nx@example.com,X,,,".encode(), user=other
    )

    login(hr_user).post(URL, {"payload": form.initial["payload"]})

    assert not User.objects.filter(email="x@example.com").exists()


def test_an_old_preview_is_refused(login, hr_user, monkeypatch):
    form = ImportConfirmForm.for_file(
        csv_bytes=f"{HEADER}\nx@example.com,X,,,".encode(), user=hr_user
    )
    monkeypatch.setattr(ImportConfirmForm, "MAX_AGE", -1)

    html = login(hr_user).post(URL, {"payload": form.initial["payload"]}).content.decode()

    assert "This preview is more than an hour old. Upload the file again." in html
    assert not User.objects.filter(email="x@example.com").exists()


def test_a_directory_change_between_preview_and_apply_is_caught(login, hr_user):
    client = login(hr_user)
    make_user("boss@example.com")
    preview = client.post(URL, {"file": upload("a@example.com,A,,boss@example.com,")})
    User.objects.filter(email="boss@example.com").delete()

    html = client.post(URL, {"payload": payload_of(preview.content.decode())}).content.decode()

    assert "The directory changed since the preview" in html
    assert "neither in this file nor in the directory" in html
    assert not User.objects.filter(email="a@example.com").exists()


def test_an_employee_gets_403_on_the_import_page(login, employee):
    assert login(employee).get(URL).status_code == 403
    assert login(employee).post(URL, {"file": upload("a@example.com,A,,,")}).status_code == 403
    assert not User.objects.filter(email="a@example.com").exists()


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_an_imported_person_chooses_a_password_through_forgot_password(login, hr_user, client):
    hr_client = login(hr_user)
    preview = hr_client.post(URL, {"file": upload("new@example.com,New Person,,,")})
    hr_client.post(URL, {"payload": payload_of(preview.content.decode())})
    client.logout()
    mail.outbox.clear()

    client.post(reverse("account_reset_password"), {"email": "new@example.com"})

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new@example.com"]
    assert "/accounts/password/reset/key/" in mail.outbox[0].body
