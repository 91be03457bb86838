import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Department, User
from core.audit import AuditEvent
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

URL = "/api/v1/employees/import"
HEADER = "email,full_name,department,manager_email,job_title"


def csv_file(*rows: str, header: str = HEADER) -> bytes:
    return "\n".join([header, *rows]).encode()


def multipart(content: bytes) -> dict:
    return {"file": SimpleUploadedFile("people.csv", content, "text/csv")}


def test_the_import_route_is_named():
    assert reverse("api-employee-import") == URL


def test_hr_imports_a_multipart_upload(api, hr_user):
    response = api(hr_user).post(
        URL,
        multipart(
            csv_file(
                "kwame@example.com,Kwame Asante,Support,mei@example.com,Agent",
                "mei@example.com,Mei Lin,Support,,Head of Support",
            )
        ),
        format="multipart",
    )

    assert response.status_code == 200
    body = response.json()
    assert {k: body[k] for k in ("dry_run", "created", "updated", "unchanged")} == {
        "dry_run": False,
        "created": 2,
        "updated": 0,
        "unchanged": 0,
    }
    assert body["departments_created"] == ["Support"]
    assert body["rows"][0] == {
        "line": 2,
        "email": "kwame@example.com",
        "full_name": "Kwame Asante",
        "department": "Support",
        "manager_email": "mei@example.com",
        "job_title": "Agent",
        "action": "create",
        "changes": [],
        "warnings": [],
    }
    assert User.objects.get(email="kwame@example.com").manager.email == "mei@example.com"
    assert AuditEvent.objects.get(verb="directory.imported").actor == hr_user


def test_a_raw_text_csv_body_is_accepted(api, hr_user):
    make_user("kwame@example.com", full_name="Kwame", job_title="Agent")

    response = api(hr_user).post(
        URL,
        csv_file("kwame@example.com,Kwame,,,Senior Agent"),
        content_type="text/csv; charset=utf-8",
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["created"], body["updated"]) == (0, 1)
    assert body["rows"][0]["changes"] == [
        {"field": "job_title", "label": "Job title", "old": "Agent", "new": "Senior Agent"}
    ]
    assert User.objects.get(email="kwame@example.com").job_title == "Senior Agent"


def test_a_dry_run_returns_the_preview_and_writes_nothing(api, hr_user):
    response = api(hr_user).post(
        f"{URL}?dry_run=1", csv_file("new@example.com,New,Sales,,"), content_type="text/csv"
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["dry_run"], body["created"], body["departments_created"]) == (True, 1, ["Sales"])
    assert not User.objects.filter(email="new@example.com").exists()
    assert not Department.objects.exists()
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("dry_run", ["", "?dry_run=1"])
def test_bad_rows_answer_400_with_the_line_and_errors_of_each(api, hr_user, dry_run):
    response = api(hr_user).post(
        URL + dry_run,
        csv_file(
            "a@example.com,A,,b@example.com,",
            "b@example.com,B,,a@example.com,",
            "c@example.com,C,,ghost@example.com,",
            "good@example.com,Good,,,",
        ),
        content_type="text/csv",
    )

    assert response.status_code == 400
    body = response.json()
    assert body["detail"].startswith("3 rows have problems (lines 2, 3, 4).")
    assert [(row["line"], row["email"]) for row in body["rows"]] == [
        (2, "a@example.com"),
        (3, "b@example.com"),
        (4, "c@example.com"),
    ]
    assert body["rows"][0]["errors"][0].startswith(
        "Management loop: a@example.com → b@example.com → a@example.com."
    )
    assert body["rows"][2]["errors"] == [
        "The manager ghost@example.com is neither in this file nor in the directory."
    ]
    assert not User.objects.filter(email="good@example.com").exists()


def test_duplicate_e_mails_answer_400(api, hr_user):
    response = api(hr_user).post(
        URL, csv_file("a@example.com,A,,,", "A@example.com,A again,,,"), content_type="text/csv"
    )
    assert response.status_code == 400
    assert response.json()["rows"] == [
        {
            "line": 3,
            "email": "a@example.com",
            "errors": ["a@example.com is already on line 2: each person may appear only once."],
        }
    ]


def test_missing_columns_answer_400_with_a_detail(api, hr_user):
    response = api(hr_user).post(
        URL, multipart(csv_file("a@example.com", header="email")), format="multipart"
    )
    assert response.status_code == 400
    assert response.json() == {
        "detail": "The first line must name the columns email, full_name, department, "
        "manager_email, job_title. Missing: full_name, department, manager_email, job_title.",
        "rows": [],
    }


def test_a_file_that_is_not_utf8_answers_400(api, hr_user):
    response = api(hr_user).post(URL, b"\xff\xfe\x00garbage", content_type="text/csv")
    assert response.status_code == 400
    assert "not UTF-8" in response.json()["detail"]


def test_a_request_without_a_file_answers_400(api, hr_user):
    response = api(hr_user).post(URL, {"other": "x"}, format="multipart")
    assert response.status_code == 400
    assert "multipart field “file”" in response.json()["detail"]


def test_an_empty_text_csv_body_answers_400(api, hr_user):
    response = api(hr_user).post(URL, b"", content_type="text/csv")
    assert response.status_code == 400


def test_json_is_not_an_accepted_format(api, hr_user):
    response = api(hr_user).post(URL, {"file": "email"}, format="json")
    assert response.status_code == 415


def test_an_employee_gets_403(api, employee):
    response = api(employee).post(URL, csv_file("new@example.com,New,,,"), content_type="text/csv")
    assert response.status_code == 403
    assert not User.objects.filter(email="new@example.com").exists()


def test_anonymous_gets_401(api):
    response = api().post(URL, csv_file("new@example.com,New,,,"), content_type="text/csv")
    assert response.status_code == 401
    assert not User.objects.filter(email="new@example.com").exists()
