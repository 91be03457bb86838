from django.urls import reverse

from tests.conftest import make_user


def test_directory_lists_active_colleagues(login, employee):
    make_user(full_name="Aisha Active")
    make_user(full_name="Ian Inactive", is_active=False)
    response = login(employee).get(reverse("accounts:directory"))
    assert response.status_code == 200
    assert b"Aisha Active" in response.content
    assert b"Ian Inactive" not in response.content


def test_directory_search_renders_only_the_results_for_htmx(login, employee):
    make_user(full_name="Zed Zebra")
    response = login(employee).get(
        reverse("accounts:directory"),
        {"q": "zebra"},
        headers={"HX-Request": "true", "HX-Target": "directory-results"},
    )
    assert response.status_code == 200
    assert b"Zed Zebra" in response.content
    assert b"<html" not in response.content


def test_home_greets_the_signed_in_person(login, employee):
    response = login(employee).get(reverse("home:home"))
    assert b"Hello, Emma" in response.content
