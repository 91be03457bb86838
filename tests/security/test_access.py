"""The access matrix: who may open which URL. Walks the whole URLconf, so a page or an API
operation added later is covered (and has to be classified here if it is meant to be public).
"""

from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.urls import reverse
from rest_framework.test import APIClient

from tests.api.conftest import our_schema
from tests.conftest import make_user
from tests.security.conftest import Route, all_routes

LOGIN_PATH = reverse("account_login")

# The only pages an anonymous visitor may open. Static and media files are public as well.
PUBLIC_PAGES = {
    "account_login",
    "account_signup",
    "account_reset_password",
    "healthz",
    "schema",
    "api-docs",
    # Customers have no account: the thank-you forms and the page after sending (issue 4).
    "thanks:form",
    "thanks:sent",
}
# Public pages about one thing, reached through an unguessable token: a customer's personal
# thank-you link, the signed confirmation link from their e-mail, a digest's unsubscribe link.
# A sample token is not valid, so they answer 400/404, never a login redirect.
PUBLIC_TOKEN_PAGES = {
    "thanks:personal",
    "thanks:confirm",
    "thanks:resend",
    # The weekly digest's unsubscribe link works without signing in (RFC 8058 one-click).
    "stories:digest_unsubscribe",
}

# allauth's own steps of signing in, out and up, reached from e-mails or other providers.
# They must answer anonymous visitors (they are how one becomes signed in) and show no data.
ALLAUTH_FLOW_STEPS = {
    "account_logout",
    "account_inactive",
    "account_email_verification_sent",
    "account_confirm_email",
    "account_confirm_login_code",
    "account_reset_password_done",
    "account_reset_password_from_key",
    "account_reset_password_from_key_done",
    "mfa_authenticate",
    "socialaccount_login_cancelled",
    "socialaccount_login_error",
    "socialaccount_signup",
    "openid_connect_login",
    "openid_connect_callback",
}
# allauth keeps these unnamed redirects from its old URLs to the 3rdparty/ ones.
ALLAUTH_LEGACY_REDIRECTS = {"accounts/social/"}

# Operations anyone may call without credentials (checked against the OpenAPI schema).
PUBLIC_API_OPERATIONS = {
    ("post", "/api/v1/auth/token"),
    # Customers and helpdesks have no account (DESIGN §4): the e-mail link and the
    # signature prove who they are.
    ("post", "/api/v1/thanks"),
    ("post", "/api/v1/thanks/confirm"),
    ("post", "/api/v1/integrations/{slug}/feedback"),
}

# Operations only HR may call. Those another part of the work has not routed yet are skipped.
HR_API_OPERATIONS = [
    ("post", "/api/v1/employees/import"),
    ("post", "/api/v1/cycles"),
    ("patch", "/api/v1/cycles/1"),
    ("put", "/api/v1/cycles/1/criteria"),
    ("post", "/api/v1/cycles/1/transition"),
    ("put", "/api/v1/cycles/1/judges"),
    ("post", "/api/v1/cycles/1/override"),
    ("get", "/api/v1/cycles/1/export.csv"),
]

ROUTES = [r for r in all_routes() if not r.route.startswith(("admin/", "media/"))]
PAGES = [r for r in ROUTES if not r.route.startswith("api/v1/")]
PRIVATE_PAGES = [
    r
    for r in PAGES
    if r.name not in PUBLIC_PAGES | PUBLIC_TOKEN_PAGES | ALLAUTH_FLOW_STEPS
    and not r.route.startswith(tuple(ALLAUTH_LEGACY_REDIRECTS))
]
# The moderation queue is for HR and managers; acting on one thank-you is for its moderators,
# and one you may not moderate is a 404 (its existence stays secret), for employees too.
MODERATION_ACTIONS = {"thanks:moderate", "thanks:assign"}
# The queue's "Approve selected" (POST only) is for whoever has a queue: HR and managers.
MODERATION_BULK = {"thanks:approve_selected"}
HR_PAGES = [
    r
    for r in PAGES
    if r.route.startswith("hr/") and r.name not in MODERATION_ACTIONS | MODERATION_BULK
]


def assert_sent_to_login(response, url: str) -> None:
    assert response.status_code == 302, f"{url}: {response.status_code}"
    target = urlsplit(response["Location"])
    assert target.path == LOGIN_PATH, f"{url} → {response['Location']}"
    assert "next=" in target.query


def get_or_post(client, url: str):
    """GET the page; a POST-only page answers GET with 405, so POST to it instead."""
    response = client.get(url)
    if response.status_code == 405:
        response = client.post(url)
    return response


def test_every_route_is_classified_and_reachable():
    names = {r.name for r in ROUTES}
    assert names >= PUBLIC_PAGES
    assert names >= ALLAUTH_FLOW_STEPS  # a rename in allauth would silently widen access
    assert names >= PUBLIC_TOKEN_PAGES
    assert len(PRIVATE_PAGES) > 20
    assert all(r.url for r in PRIVATE_PAGES), [str(r) for r in PRIVATE_PAGES if not r.url]


@pytest.mark.parametrize("route", PRIVATE_PAGES, ids=str)
def test_anonymous_visitors_are_sent_to_the_login_page(client, db, route: Route):
    assert_sent_to_login(get_or_post(client, route.url), route.url)


@pytest.mark.parametrize("name", sorted(PUBLIC_PAGES))
def test_public_pages_open_for_anonymous_visitors(client, db, name: str):
    assert client.get(reverse(name)).status_code == 200


@pytest.mark.parametrize("route", [r for r in ROUTES if r.name in PUBLIC_TOKEN_PAGES], ids=str)
def test_token_pages_answer_anonymous_visitors_without_a_login(client, db, route: Route):
    response = get_or_post(client, route.url)
    assert response.status_code in (400, 404), f"{route.url}: {response.status_code}"


@pytest.mark.parametrize(
    "url", ["/static/css/plaudit.css", "/static/img/favicon.svg", "/favicon.ico.missing"]
)
def test_static_files_are_public(client, db, url):
    response = client.get(url)
    assert response.status_code in (200, 404)  # a file or nothing, never a login redirect
    assert response.status_code == 404 or url.startswith("/static/")


def test_uploaded_media_needs_no_sign_in(client, db):
    # Served by the web server or object storage in production; by name, never by session.
    assert client.get(f"{settings.MEDIA_URL}avatars/missing.webp").status_code == 404


@pytest.mark.parametrize("url", ["/admin/", "/admin/accounts/user/", "/admin/core/auditevent/"])
def test_the_admin_sends_anonymous_visitors_to_login(client, db, url):
    response = client.get(url, follow=True)
    assert response.redirect_chain
    assert urlsplit(response.redirect_chain[-1][0]).path == LOGIN_PATH
    assert response.status_code == 200


def test_the_admin_login_is_allauths_login(client, db):
    response = client.get("/admin/login/")
    assert_sent_to_login(response, "/admin/login/")


def test_the_admin_is_closed_to_employees_who_are_not_staff(login, employee):
    response = login(employee).get("/admin/")
    assert response.status_code == 302
    assert "/admin/accounts/" not in response["Location"]


# --- HR pages --------------------------------------------------------------------------------


@pytest.mark.parametrize("route", HR_PAGES, ids=str)
def test_hr_pages_are_403_for_employees(login, employee, route: Route):
    response = get_or_post(login(employee), route.url)
    assert response.status_code == 403, f"{route.url}: {response.status_code}"
    assert b"This page is not for you" in response.content


@pytest.mark.parametrize("route", [r for r in HR_PAGES if "<" not in r.route], ids=str)
def test_hr_pages_open_for_hr(login, hr_user, route: Route):
    response = login(hr_user).get(route.url)
    assert response.status_code == 200, f"{route.url}: {response.status_code}"


@pytest.mark.parametrize("route", [r for r in HR_PAGES if "<" in r.route], ids=str)
def test_hr_pages_about_one_thing_let_hr_through(login, hr_user, route: Route):
    # Sample id 1 may not exist: 404 (or 405 for POST-only pages) shows HR got past the guard.
    response = login(hr_user).get(route.url)
    assert response.status_code in (200, 302, 404, 405), f"{route.url}: {response.status_code}"


@pytest.mark.parametrize("route", [r for r in PAGES if r.name in MODERATION_ACTIONS], ids=str)
def test_moderation_actions_are_404_for_employees(login, employee, route: Route):
    response = login(employee).post(route.url)
    assert response.status_code == 404, f"{route.url}: {response.status_code}"


@pytest.mark.parametrize("route", [r for r in PAGES if r.name in MODERATION_BULK], ids=str)
def test_bulk_moderation_is_403_for_employees(login, employee, route: Route):
    response = login(employee).post(route.url)
    assert response.status_code == 403, f"{route.url}: {response.status_code}"
    assert b"This page is not for you" in response.content


@pytest.mark.parametrize("role", ["manager", "hr"])
@pytest.mark.parametrize("route", [r for r in PAGES if r.name in MODERATION_BULK], ids=str)
def test_bulk_moderation_lets_moderators_through(login, db, route: Route, role: str):
    # Nothing selected: back to the queue, told what to do; never a 405 or a 500.
    moderator = make_user(hr=True) if role == "hr" else make_user()
    if role == "manager":
        make_user(manager=moderator)
    response = login(moderator).post(route.url, follow=True)
    assert response.redirect_chain[0] == (reverse("thanks:queue") + "?status=confirmed", 302)
    assert [str(m) for m in response.context["messages"]] == [
        "Select the thank-yous to approve first."
    ]


def test_a_manager_is_not_hr(login, db):
    boss = make_user()
    make_user(manager=boss)
    assert login(boss).get(reverse("home:hr_console")).status_code == 403


def test_a_superuser_counts_as_hr(login, db):
    admin = make_user(is_superuser=True, is_staff=True)
    assert login(admin).get(reverse("home:hr_console")).status_code == 200


def test_hr_deactivation_by_an_employee_changes_nothing(login, employee):
    colleague = make_user()
    login(employee).post(reverse("accounts:hr_deactivate", args=[colleague.pk]))
    colleague.refresh_from_db()
    assert colleague.is_active


# --- API -------------------------------------------------------------------------------------


def _operations() -> list[tuple[str, str, bool]]:
    ops = []
    for path, methods in our_schema()["paths"].items():
        for method, operation in methods.items():
            ops.append((method, path, bool(operation.get("security"))))
    return ops


OPERATIONS = _operations()


def test_only_the_known_public_operations_need_no_credentials():
    public = {(method, path) for method, path, secured in OPERATIONS if not secured}
    assert public == PUBLIC_API_OPERATIONS


@pytest.mark.parametrize(
    ("method", "path"),
    [(m, p) for m, p, secured in OPERATIONS if secured],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_api_operations_refuse_anonymous_callers_with_401(db, method, path):
    url = path.replace("{id}", "1").replace("{pk}", "1")
    response = getattr(APIClient(), method)(url, {}, format="json")
    assert response.status_code == 401, f"{method.upper()} {url}: {response.status_code}"
    assert "detail" in response.json()


@pytest.mark.parametrize(("method", "path"), HR_API_OPERATIONS)
def test_hr_api_operations_are_403_for_employees(api, employee, method, path):
    client = api(employee)
    response = getattr(client, method)(path, {}, format="json")
    if response.status_code == 404 and response.json().get("detail") == "Not found.":
        from django.urls import Resolver404, resolve

        try:
            resolve(path)
        except Resolver404:
            pytest.skip(f"{path} is not routed yet")
    assert response.status_code == 403, f"{method.upper()} {path}: {response.status_code}"


def test_the_api_never_redirects_to_the_login_page(db):
    response = APIClient().get(reverse("api-employees"))
    assert response.status_code == 401
    assert "Location" not in response


def test_the_session_cookie_is_not_readable_by_scripts():
    assert settings.SESSION_COOKIE_HTTPONLY
