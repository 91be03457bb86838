"""Single sign-on end to end: Chromium goes from Plaudit's sign-in page to a real OpenID
Connect provider (django-oauth-toolkit in a second process, tests/sso/) and back, under the
site's own Content-Security-Policy, whose form-action is built from the configuration exactly
as in production (config.settings.single_sign_on)."""

from collections.abc import Iterator

import environ
import pytest
from allauth.socialaccount.models import SocialAccount
from django.utils.csp import CSP
from playwright.sync_api import Page, expect

from accounts.models import User
from config.settings import single_sign_on
from tests.conftest import make_user
from tests.e2e.browsing import assert_accessible, visit
from tests.sso.identity_provider import CLIENT_ID, CLIENT_SECRET, PASSWORD, IdentityProvider

pytestmark = pytest.mark.browser

CALLBACK = "/accounts/oidc/sso/login/callback/"


@pytest.fixture(scope="session")
def identity_provider(tmp_path_factory) -> Iterator[IdentityProvider]:
    with IdentityProvider.start(tmp_path_factory.mktemp("identity-provider")) as provider:
        yield provider


@pytest.fixture
def configure_sso(identity_provider, live_server, settings):
    """configure_sso(**variables) → Plaudit configured as production would be with these
    OIDC_* environment variables, against the test provider. Called once by `sso`; a test
    calls it again to change a variable."""
    identity_provider.register_client(
        redirect_uri=f"{live_server.url}{CALLBACK}",
        post_logout_redirect_uri=f"{live_server.url}/",
    )

    def configure(**variables: str) -> IdentityProvider:
        env = environ.Env()
        env.ENVIRON = {
            "OIDC_CLIENT_ID": CLIENT_ID,
            "OIDC_CLIENT_SECRET": CLIENT_SECRET,
            "OIDC_SERVER_URL": identity_provider.issuer,
            **variables,
        }
        for name, value in single_sign_on(env).items():
            setattr(settings, name, value)
        settings.SECURE_CSP = {
            **settings.SECURE_CSP,
            "form-action": [CSP.SELF, *settings.OIDC_FORM_ACTION],
        }
        return identity_provider

    return configure


@pytest.fixture
def sso(configure_sso) -> IdentityProvider:
    return configure_sso()


def sign_in_by_sso(page: Page, email: str, *, password: str = PASSWORD) -> None:
    """From Plaudit's sign-in page through the provider's, as a person would."""
    visit(page, "/accounts/login/")
    page.get_by_role("link", name="Company single sign-on").click()
    assert_accessible(page)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Test identity provider")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in at the provider").click()


def test_an_existing_person_signs_in_by_sso_and_is_linked_without_a_duplicate(
    open_page, sso, live_server
):
    person = make_user("ada@example.com", full_name="Ada Lovelace")
    sso.add_person("ada@example.com", name="Ada L.", email_verified=True)
    page = open_page()

    sign_in_by_sso(page, "ada@example.com")

    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Ada")
    assert_accessible(page)
    assert User.objects.filter(email__iexact="ada@example.com").count() == 1
    assert SocialAccount.objects.get(provider="sso").user == person


def sso_warnings(caplog) -> str:
    return "\n".join(
        r.getMessage()
        for r in caplog.records
        if r.name == "accounts.sso" and r.levelname == "WARNING"
    )


def refusal_heading(page: Page):
    return page.get_by_role("heading", level=1)


def test_pkce_is_on_by_default_and_a_provider_that_requires_it_explains_on_our_page(
    open_page, configure_sso, caplog
):
    provider = configure_sso(OIDC_PKCE="0")
    make_user("ada@example.com")
    provider.add_person("ada@example.com")
    page = open_page()

    sign_in_by_sso(page, "ada@example.com")

    expect(refusal_heading(page)).to_have_text("Single sign-on did not complete")
    expect(page.locator("main code")).to_have_text("invalid_request")
    assert_accessible(page)
    assert not SocialAccount.objects.exists()
    warning = next(r for r in caplog.records if r.name == "accounts.sso")
    assert warning.levelname == "WARNING"
    assert "provider_error" in warning.getMessage()
    assert "invalid_request: Code challenge required" in warning.getMessage()


def test_a_new_person_in_an_allowed_domain_gets_an_account_with_department_and_job_title(
    open_page, configure_sso, live_server, settings
):
    settings.ALLOWED_SIGNUP_DOMAINS = ["newco.example"]
    provider = configure_sso(OIDC_DEPARTMENT_CLAIM="department", OIDC_JOB_TITLE_CLAIM="job_title")
    provider.add_person(
        "nia@newco.example", name="Nia Newton", department="Support", job_title="Support agent"
    )
    page = open_page()

    sign_in_by_sso(page, "nia@newco.example")

    expect(page).to_have_url(f"{live_server.url}/")
    assert_accessible(page)
    person = User.objects.select_related("department").get(email="nia@newco.example")
    assert (person.full_name, person.job_title) == ("Nia Newton", "Support agent")
    assert person.department.name == "Support"
    assert person.emailaddress_set.get().verified


def test_someone_outside_the_directory_and_the_domains_is_refused_on_our_page(
    open_page, sso, settings, caplog
):
    settings.ALLOWED_SIGNUP_DOMAINS = ["newco.example"]
    sso.add_person("stranger@elsewhere.example")
    page = open_page()

    sign_in_by_sso(page, "stranger@elsewhere.example")

    expect(refusal_heading(page)).to_have_text("You are not in Plaudit's directory yet")
    expect(page.get_by_text("Ask HR to add you to the directory")).to_be_visible()
    assert_accessible(page)
    assert not User.objects.filter(email="stranger@elsewhere.example").exists()
    assert any(
        "not_in_directory" in r.getMessage() for r in caplog.records if r.name == "accounts.sso"
    )


def test_a_deactivated_person_is_refused_even_with_a_linked_account(open_page, sso, caplog):
    from accounts import services

    leaver = make_user("lee@example.com")
    sso.add_person("lee@example.com")
    page = open_page()
    sign_in_by_sso(page, "lee@example.com")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hello")
    assert_accessible(page)
    services.deactivate(person=leaver, by=None)
    page = open_page()

    sign_in_by_sso(page, "lee@example.com")

    expect(refusal_heading(page)).to_have_text("This account is deactivated")
    assert_accessible(page)
    assert "inactive" in sso_warnings(caplog)


@pytest.mark.parametrize(
    ("email_verified", "variables"),
    [(False, {}), (None, {"OIDC_TRUST_EMAIL": "0"}), (True, {"OIDC_TRUST_EMAIL": "0"})],
    ids=["provider-says-unverified", "no-claim-and-trust-off", "trust-off"],
)
def test_an_unverified_address_never_reaches_an_existing_person(
    open_page, configure_sso, email_verified, variables
):
    provider = configure_sso(
        OIDC_HR_GROUPS="plaudit-hr", OIDC_SCOPES="openid,profile,email,groups", **variables
    )
    hr = make_user("hr@example.com", full_name="Hana HR", hr=True)
    provider.add_person("hr@example.com", email_verified=email_verified, groups=["plaudit-hr"])
    page = open_page()

    sign_in_by_sso(page, "hr@example.com")

    expect(refusal_heading(page)).to_have_text(
        "Your e-mail address was not confirmed by single sign-on"
    )
    expect(page.get_by_text("connect single sign-on under Connected accounts")).to_be_visible()
    assert_accessible(page)
    assert not SocialAccount.objects.exists()
    assert User.objects.count() == 1
    hr.refresh_from_db()
    assert hr.is_hr


def test_a_signed_in_person_connects_sso_from_the_account_menu_whatever_the_claim_says(
    open_page, configure_sso, live_server
):
    provider = configure_sso(OIDC_TRUST_EMAIL="0")
    person = make_user("ada@example.com", full_name="Ada Lovelace")
    provider.add_person("ada@example.com", email_verified=None)
    page = open_page(person)
    visit(page, "/")

    page.locator(".account-menu summary").click()
    page.get_by_role("link", name="Connected accounts").click()
    assert_accessible(page)
    page.get_by_role("link", name="Company single sign-on").click()
    assert_accessible(page)
    page.get_by_role("button", name="Continue").click()
    assert_accessible(page)
    page.get_by_label("E-mail").fill("ada@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in at the provider").click()

    expect(page).to_have_url(f"{live_server.url}/accounts/3rdparty/")
    assert_accessible(page)
    assert SocialAccount.objects.get().user == person
    # From now on the provider's subject finds the person, e-mail claim or not.
    page = open_page()
    sign_in_by_sso(page, "ada@example.com")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Ada")
    assert_accessible(page)


def test_hr_follows_the_group_claim_at_each_sign_in_and_is_audited(
    open_page, configure_sso, live_server
):
    from core.audit import AuditEvent

    provider = configure_sso(
        OIDC_HR_GROUPS="plaudit-hr,people-team", OIDC_SCOPES="openid,profile,email,groups"
    )
    person = make_user("pat@example.com", full_name="Pat Partner")
    provider.add_person("pat@example.com", groups=["staff", "people-team"])
    page = open_page()

    sign_in_by_sso(page, "pat@example.com")

    expect(page.get_by_role("link", name="HR console")).to_be_visible()
    assert_accessible(page)
    assert person.groups.filter(name="HR").exists()

    provider.add_person("pat@example.com", groups=["staff"])
    page = open_page()
    sign_in_by_sso(page, "pat@example.com")

    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Pat")
    assert_accessible(page)
    expect(page.get_by_role("link", name="HR console")).to_have_count(0)
    assert not person.groups.filter(name="HR").exists()
    verbs = list(
        AuditEvent.objects.filter(target_id=str(person.pk))
        .values_list("verb", flat=True)
        .order_by("id")
    )
    assert verbs == ["user.hr_granted", "user.hr_revoked"]


def test_signing_out_ends_the_session_at_the_provider_too(open_page, sso, live_server):
    make_user("ada@example.com", full_name="Ada Lovelace")
    sso.add_person("ada@example.com")
    page = open_page()
    sign_in_by_sso(page, "ada@example.com")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Ada")
    assert_accessible(page)

    page.locator(".account-menu summary").click()
    page.get_by_role("button", name="Sign out").click()

    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/")
    assert_accessible(page)
    visit(page, sso.url + "/")
    expect(page.get_by_text("Not signed in at the provider.")).to_be_visible()


def test_two_factor_is_still_asked_after_sso(open_page, sso, live_server):
    from allauth.mfa.totp.internal.auth import TOTP

    from tests.api.conftest import TOTP_SECRET, totp_code

    person = make_user("ada@example.com", full_name="Ada Lovelace")
    TOTP.activate(person, TOTP_SECRET)
    sso.add_person("ada@example.com")
    page = open_page()

    sign_in_by_sso(page, "ada@example.com")

    expect(page.get_by_role("heading", name="Two-Factor Authentication")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Code").fill(totp_code())
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Ada")
    assert_accessible(page)


def test_sso_only_hides_the_password_form_and_keeps_it_for_the_break_glass_list(
    open_page, configure_sso, live_server
):
    from tests.conftest import PASSWORD as PLAUDIT_PASSWORD

    configure_sso(OIDC_ONLY="1", OIDC_BREAK_GLASS="Hana@example.com")
    make_user("ravi@example.com", full_name="Ravi Rao")
    make_user("hana@example.com", full_name="Hana Hughes", hr=True)
    page = open_page()
    visit(page, "/accounts/login/")

    expect(page.get_by_role("link", name="Company single sign-on")).to_be_visible()
    expect(page.get_by_label("Password")).to_be_hidden()
    page.get_by_text("Emergency sign-in for administrators").click()
    page.get_by_label("Email").fill("ravi@example.com")
    page.get_by_label("Password").fill(PLAUDIT_PASSWORD)
    page.get_by_role("button", name="Sign in with a password").click()

    expect(page.get_by_text("Plaudit signs you in with your company account: use")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Email").fill("hana@example.com")
    page.get_by_label("Password").fill(PLAUDIT_PASSWORD)
    page.get_by_role("button", name="Sign in with a password").click()

    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Hana")
    assert_accessible(page)
