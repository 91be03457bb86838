"""The foundation in a real browser: signing in, the directory, avatars, the CSV import, and
every page accessible (axe-core, light and dark), readable at 320 px, and working under our
Content-Security-Policy. Every page visited is checked with axe-core (see browsing.py)."""

import io
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image
from playwright.sync_api import Page, expect

from accounts import services
from accounts.models import User
from core.images import process_upload
from tests.conftest import PASSWORD, make_department, make_user
from tests.e2e.browsing import accessibility_problems, assert_accessible, log_of, visit

pytestmark = pytest.mark.browser


@dataclass
class Organisation:
    hr: User
    agent: User
    leaver: User


def png_bytes(size: tuple[int, int] = (240, 180), colour=(214, 120, 74)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


def small_organisation() -> Organisation:
    """An HR partner who manages two support agents (one with a photo) and a leaver, so that
    the pages show a team, avatars, a deactivated person and audit events."""
    support = make_department("Support", faces_customers=True)
    billing = make_department("Billing")
    hr = make_user(
        "hana@example.com",
        full_name="Hana Hughes",
        department=billing,
        job_title="People partner",
        hr=True,
    )
    agent = make_user(
        "ravi@example.com",
        full_name="Ravindra Rao",
        preferred_name="Ravi",
        department=support,
        manager=hr,
        job_title="Support agent",
    )
    services.update_profile(
        person=agent,
        by=agent,
        full_name=agent.full_name,
        preferred_name=agent.preferred_name,
        job_title=agent.job_title,
        avatar=process_upload(
            SimpleUploadedFile("ravi.png", png_bytes(), content_type="image/png"), square=True
        ),
    )
    make_user(full_name="Sam Okafor", department=support, manager=hr, job_title="Field engineer")
    leaver = make_user(full_name="Lee Leaver", department=billing, job_title="Invoicing")
    services.deactivate(person=leaver, by=hr)
    return Organisation(hr=hr, agent=agent, leaver=leaver)


def result_cards(page: Page):
    return page.locator("#directory-results .person-card")


# --- Signing in ----------------------------------------------------------------------------


def test_a_demo_user_signs_in_on_the_login_page_and_lands_on_home(open_page, live_server):
    make_user("dana@example.com", full_name="Dana Demo", job_title="Billing specialist")
    page = open_page()

    visit(page, "/accounts/login/")
    page.get_by_label("Email").fill("dana@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Dana")
    assert_accessible(page)


# --- The directory -------------------------------------------------------------------------


def test_directory_search_narrows_the_results_as_you_type(open_page):
    viewer = make_user(full_name="Dana Demo")
    for name in ("Zed Zebra", "Zoe Zimmer", "Adam Apple"):
        make_user(full_name=name)
    page = open_page(viewer)
    visit(page, reverse("accounts:directory"))
    expect(result_cards(page)).to_have_count(4)
    page.evaluate("window.stillTheSameDocument = true")
    search = page.get_by_role("searchbox", name="Search people")

    with page.expect_response(lambda r: r.url.endswith("/people/?q=Z")) as first:
        search.press_sequentially("Z")
    expect(result_cards(page)).to_have_count(2)
    with page.expect_response(lambda r: r.url.endswith("/people/?q=Ze")):
        search.press_sequentially("e", delay=50)
    expect(result_cards(page)).to_have_count(1)

    expect(result_cards(page)).to_contain_text("Zed Zebra")
    assert first.value.request.headers.get("hx-request") == "true"
    assert page.evaluate("window.stillTheSameDocument") is True  # swapped, not reloaded
    expect(page).to_have_url(re.compile(r"/people/\?q=Ze$"))  # the address can be shared
    assert_accessible(page)


def test_directory_search_works_as_a_plain_form_without_javascript(open_page):
    viewer = make_user(full_name="Dana Demo")
    for name in ("Zed Zebra", "Zoe Zimmer", "Adam Apple"):
        make_user(full_name=name)
    page = open_page(viewer, javascript=False)
    visit(page, reverse("accounts:directory"))

    page.get_by_role("searchbox", name="Search people").fill("zebra")
    page.get_by_role("button", name="Search").click()

    expect(page).to_have_url(re.compile(r"/people/\?q=zebra$"))
    assert_accessible(page)
    expect(result_cards(page)).to_have_count(1)
    expect(result_cards(page)).to_contain_text("Zed Zebra")
    expect(page.get_by_role("searchbox", name="Search people")).to_have_value("zebra")


# --- The profile ---------------------------------------------------------------------------


def test_an_uploaded_avatar_shows_on_the_profile_page(open_page, tmp_path):
    person = make_user(full_name="Priya Patel", job_title="Support agent")
    photo_file = tmp_path / "priya.png"
    photo_file.write_bytes(png_bytes((640, 480)))
    page = open_page(person)
    visit(page, reverse("accounts:edit_profile"))

    page.get_by_label(re.compile(r"^Photo")).set_input_files(photo_file)
    page.get_by_role("button", name="Save profile").click()

    expect(page).to_have_url(re.compile(re.escape(person.get_absolute_url()) + "$"))
    assert_accessible(page)
    photo = page.get_by_role("img", name="Photo of Priya Patel")
    expect(photo).to_have_attribute("src", re.compile(r"\.webp$"))
    displayed = "img => img.complete && img.naturalWidth > 0"  # served, decoded, shown
    page.wait_for_function(displayed, arg=photo.element_handle())


# --- HR ------------------------------------------------------------------------------------


def test_hr_imports_a_csv_and_the_new_people_appear_in_the_directory(open_page, tmp_path):
    hr = make_user(full_name="Hana Hughes", hr=True)
    csv_file = tmp_path / "people.csv"
    # The manager comes after her report: links are resolved in any row order.
    csv_file.write_text(
        "email,full_name,department,manager_email,job_title\n"
        "nia.newcomer@example.com,Nia Newcomer,Field Service,omar.owusu@example.com,Engineer\n"
        "omar.owusu@example.com,Omar Owusu,Field Service,,Field service lead\n"
    )
    page = open_page(hr)
    visit(page, reverse("accounts:hr_import"))

    page.get_by_label("CSV file").set_input_files(csv_file)
    page.get_by_role("button", name="Preview import").click()
    preview = page.get_by_role("table")
    expect(preview).to_contain_text("Nia Newcomer")
    expect(preview).to_contain_text("Omar Owusu")
    assert_accessible(page)
    assert not User.objects.filter(email="nia.newcomer@example.com").exists()  # a dry run

    page.get_by_role("button", name="Apply import").click()

    expect(page).to_have_url(re.compile(r"/hr/people/$"))
    assert_accessible(page)
    expect(page.locator(".messages .message-success")).to_be_visible()
    people = page.get_by_role("table")
    expect(people).to_contain_text("Nia Newcomer")
    expect(people).to_contain_text("Omar Owusu")


# --- Every page: accessible, readable at 320 px, under the CSP ------------------------------


def signed_out_pages() -> list[tuple[str, str]]:
    return [
        ("login", reverse("account_login")),
        ("sign-up", reverse("account_signup")),
        ("password reset", reverse("account_reset_password")),
    ]


def signed_in_pages(org: Organisation) -> list[tuple[str, str]]:
    return [
        ("home", reverse("home:home")),
        ("directory", reverse("accounts:directory")),
        ("profile", org.agent.get_absolute_url()),
        ("edit profile", reverse("accounts:edit_profile")),
        ("HR console", reverse("home:hr_console")),
        ("HR people", reverse("accounts:hr_people")),
        ("HR import", reverse("accounts:hr_import")),
        ("audit log", reverse("accounts:hr_audit")),
        ("two-factor authentication", reverse("mfa_index")),
        ("not found", "/this-page-does-not-exist/"),
    ]


def screenshot(page: Page, name: str) -> None:
    """With PLAUDIT_SCREENSHOTS=<folder>, keep a full-page screenshot for a design review."""
    if folder := os.environ.get("PLAUDIT_SCREENSHOTS"):
        Path(folder).mkdir(parents=True, exist_ok=True)
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        page.screenshot(path=Path(folder) / f"{slug}.png", full_page=True)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_page_passes_axe_in_light_and_dark(open_page, scheme):
    org = small_organisation()
    problems = []

    def check(page: Page, name: str) -> None:
        problems.append(accessibility_problems(page, label=f"{name}, {scheme}"))
        screenshot(page, f"{scheme} {name}")

    signed_out = open_page(color_scheme=scheme)
    for name, path in signed_out_pages():
        signed_out.goto(path)
        check(signed_out, name)
    # Errors are shown next to the fields: they must be as legible as the rest.
    signed_out.goto(reverse("account_login"))
    signed_out.get_by_label("Email").fill(org.hr.email)
    signed_out.get_by_label("Password").fill("not the password")
    signed_out.get_by_role("button", name="Sign in").click()
    expect(signed_out.locator(".form-errors, .errorlist").first).to_be_visible()
    check(signed_out, "login with an error")

    signed_in = open_page(org.hr, color_scheme=scheme)
    for name, path in signed_in_pages(org):
        signed_in.goto(path)
        check(signed_in, name)
    signed_in.goto(reverse("accounts:edit_profile"))
    signed_in.get_by_label(re.compile(r"^Photo")).set_input_files(
        {"name": "notes.png", "mimeType": "image/png", "buffer": b"not an image"}
    )
    signed_in.get_by_role("button", name="Save profile").click()
    expect(signed_in.locator(".errorlist")).to_be_visible()
    check(signed_in, "edit profile with an error")

    problems = [p for p in problems if p]
    assert not problems, "\n\n".join(problems)


def test_pages_fit_a_320_pixel_wide_screen(open_page):
    org = small_organisation()
    too_wide = {}
    page = open_page(org.hr, width=320, height=640)
    for name, path in signed_in_pages(org):
        visit(page, path)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 320:
            too_wide[name] = width
    signed_out = open_page(width=320, height=640)
    visit(signed_out, reverse("account_login"))
    width = signed_out.evaluate("document.documentElement.scrollWidth")
    if width > 320:
        too_wide["login"] = width

    assert "home" not in too_wide, f"the home page scrolls sideways at 320 px: {too_wide}"
    assert not too_wide, f"pages wider than a 320 px screen (px): {too_wide}"


def test_pages_and_htmx_work_under_the_content_security_policy(open_page):
    org = small_organisation()
    page = open_page(org.hr)

    response = visit(page, reverse("accounts:hr_people"))
    policy = response.headers["content-security-policy"]
    assert "'nonce-" in policy
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert page.evaluate("typeof window.htmx") == "object"
    with page.expect_response(lambda r: "q=leaver" in r.url):
        page.get_by_role("searchbox", name="Search people").fill("leaver")
    expect(page.locator("#people-results tbody tr")).to_have_count(1)
    assert_accessible(page)
    for path in (reverse("home:home"), reverse("accounts:directory")):
        visit(page, path)

    # The policy is enforced and the guard in open_page hears about it: a script without
    # our nonce is refused.
    with page.expect_console_message(lambda m: "Content Security Policy" in m.text):
        page.evaluate(
            """() => { const s = document.createElement("script");
                       s.textContent = "window.injected = true"; document.body.append(s); }"""
        )
    assert page.evaluate("window.injected") is None
    assert log_of(page).csp_violations
    log_of(page).csp_violations.clear()  # caused on purpose; any other one fails the test
