"""The employee's personal thank-you link and QR code, and the wall of approved thank-yous on
their profile and home page."""

import io
import itertools

import pytest
import segno
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from awards.models import AwardCycle
from nominations.models import ThankYou
from tests.awards.conftest import make_cycle
from tests.conftest import make_user
from tests.security.test_csp import assert_strict_policy

Status = ThankYou.Status
pytestmark = pytest.mark.django_db
HOME = reverse("home:home")
QR_PNG = reverse("thanks:qr_png")
QR_SVG = reverse("thanks:qr_svg")
ROTATE = reverse("thanks:rotate_link")
_numbers = itertools.count(1)


def make_thanks(employee, *, status: str = Status.APPROVED, **fields) -> ThankYou:
    n = next(_numbers)
    values = {
        "employee": employee,
        "customer_name": f"Customer {n}",
        "customer_email": f"customer{n}@customer.example",
        "organisation": "Acme Bakeries",
        "message": f"Thank you for your patience on the phone, call number {n}.",
        "source": ThankYou.Source.PERSONAL_LINK,
        "submitted_on": timezone.localdate(),
        "status": status,
        "moderated_at": timezone.now() if status == Status.APPROVED else None,
    }
    return ThankYou.objects.create(**values | fields)


@pytest.fixture
def boss():
    return make_user(full_name="Bea Boss")


@pytest.fixture
def agent(boss):
    return make_user(full_name="Maria Santos", manager=boss, preferred_name="Maria")


def profile(person) -> str:
    return person.get_absolute_url()


# --- the personal link and its QR code --------------------------------------------------------


def test_my_profile_shows_my_thank_you_link_and_qr_code(login, agent):
    content = login(agent).get(profile(agent)).content.decode()
    link = settings.SITE_URL + reverse("thanks:personal", args=[agent.thanks_token])
    assert link in content
    assert f'src="{QR_SVG}"' in content
    assert f"{QR_PNG}?download=1" in content
    assert f"{QR_SVG}?download=1" in content
    assert "e-mail signature" in content
    assert f'action="{ROTATE}"' in content


def test_nobody_else_sees_my_link(login, agent, boss):
    content = login(boss).get(profile(agent)).content.decode()
    assert agent.thanks_token not in content
    assert 'id="thank-you-link"' not in content


def test_the_qr_code_comes_as_png(login, agent):
    response = login(agent).get(QR_PNG)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response.content.startswith(b"\x89PNG")
    assert response["Cache-Control"] == "private, no-store"
    assert "Content-Disposition" not in response


def test_the_qr_code_comes_as_an_accessible_svg(login, agent):
    response = login(agent).get(QR_SVG)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    svg = response.content.decode()
    assert svg.startswith('<svg role="img" ')
    assert "<title>QR code: thank Maria Santos on Plaudit</title>" in svg
    assert response["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize(("url", "extension"), [(QR_PNG, "png"), (QR_SVG, "svg")])
def test_the_qr_code_downloads_as_a_file(login, agent, url, extension):
    response = login(agent).get(url, {"download": "1"})
    assert response["Content-Disposition"] == (
        f'attachment; filename="plaudit-thank-you-link.{extension}"'
    )


def qr_modules(png: bytes) -> list[list[bool]]:
    """The dark modules of our PNG QR code (10 px a module, a border of 4 modules)."""
    image = Image.open(io.BytesIO(png)).convert("L")
    size = image.width // 10 - 8
    return [
        [image.getpixel(((4 + x) * 10 + 5, (4 + y) * 10 + 5)) < 128 for x in range(size)]
        for y in range(size)
    ]


def expected_modules(person) -> list[list[bool]]:
    link = settings.SITE_URL + reverse("thanks:personal", args=[person.thanks_token])
    return [[bool(m) for m in row] for row in segno.make(link, error="m").matrix]


def test_the_qr_code_encodes_my_current_link(login, agent):
    client = login(agent)
    assert qr_modules(client.get(QR_PNG).content) == expected_modules(agent)
    client.post(ROTATE)
    agent.refresh_from_db()
    assert qr_modules(client.get(QR_PNG).content) == expected_modules(agent)


@pytest.mark.parametrize("url", [QR_PNG, QR_SVG, ROTATE])
def test_anonymous_visitors_are_sent_to_sign_in(client, db, url):
    response = client.get(url) if url != ROTATE else client.post(url)
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_getting_a_new_link_replaces_the_old_one(login, agent):
    old = agent.thanks_token
    client = login(agent)
    response = client.post(ROTATE, follow=True)
    agent.refresh_from_db()
    assert agent.thanks_token != old
    assert response.redirect_chain[0][0] == profile(agent) + "#thank-you-link"
    content = response.content.decode()
    assert "Your new thank-you link is ready" in content
    assert agent.thanks_token in content
    # The old link no longer leads a customer to Maria; the new one does.
    customer = Client()
    old_page = customer.get(reverse("thanks:personal", args=[old]))
    assert old_page.status_code == 404
    assert "Maria" not in old_page.content.decode()
    new_page = customer.get(reverse("thanks:personal", args=[agent.thanks_token]))
    assert new_page.status_code == 200
    assert "Maria" in new_page.content.decode()


def test_getting_a_new_link_needs_a_post(login, agent):
    old = agent.thanks_token
    assert login(agent).get(ROTATE).status_code == 405
    agent.refresh_from_db()
    assert agent.thanks_token == old


def test_the_new_link_warns_that_printed_codes_stop_working(login, agent):
    content = login(agent).get(profile(agent)).content.decode()
    assert "stop working at once" in content


# --- the wall on the profile ------------------------------------------------------------------


def test_i_see_what_customers_said_about_me(login, agent):
    cycle = make_cycle(status=AwardCycle.Status.OPEN)
    thank_you = make_thanks(agent, cycle=cycle)
    content = login(agent).get(profile(agent)).content.decode()
    assert 'id="thanks"' in content
    assert "What customers said about Maria" in content
    assert thank_you.message in content
    assert thank_you.customer_name in content
    assert "Acme Bakeries" in content
    assert f"counted for {cycle}" in content


def test_my_manager_sees_my_wall(login, agent, boss):
    thank_you = make_thanks(agent)
    content = login(boss).get(profile(agent)).content.decode()
    assert "What customers said about Maria" in content
    assert thank_you.message in content


def test_hr_sees_the_wall(login, agent, hr_user):
    thank_you = make_thanks(agent)
    assert thank_you.message in login(hr_user).get(profile(agent)).content.decode()


def test_a_colleague_does_not_see_the_wall(login, agent):
    thank_you = make_thanks(agent)
    content = login(make_user()).get(profile(agent)).content.decode()
    assert 'id="thanks"' not in content
    assert thank_you.message not in content


@pytest.mark.parametrize("viewer", ["agent", "boss", "hr_user"])
def test_the_wall_never_shows_the_customers_email(login, agent, boss, hr_user, viewer):
    thank_you = make_thanks(agent)
    person = {"agent": agent, "boss": boss, "hr_user": hr_user}[viewer]
    content = login(person).get(profile(agent)).content.decode()
    assert thank_you.message in content
    assert thank_you.customer_email not in content


def test_the_wall_shows_only_approved_thank_yous(login, agent, boss):
    waiting = make_thanks(agent, status=Status.CONFIRMED)
    rejected = make_thanks(agent, status=Status.REJECTED)
    content = login(boss).get(profile(agent)).content.decode()
    assert waiting.message not in content
    assert rejected.message not in content


def test_the_wall_shows_the_newest_20_and_counts_the_rest(login, agent):
    for _ in range(23):
        make_thanks(agent)
    response = login(agent).get(profile(agent))
    assert len(response.context["wall"]) == 20
    assert "And 3 earlier thank-yous." in response.content.decode()


def test_the_customers_words_are_escaped_on_the_wall(login, agent):
    make_thanks(agent, message="<img src=x>Thanks!\nReally.", customer_name="<i>Ann</i>")
    content = login(agent).get(profile(agent)).content.decode()
    assert "<img src=x>" not in content
    assert "&lt;img src=x&gt;Thanks!<br>Really." in content
    assert "<i>Ann</i>" not in content


def test_with_no_thank_you_yet_my_wall_invites_me_to_share_my_link(login, agent):
    content = login(agent).get(profile(agent)).content.decode()
    assert "No thank-you yet. Share" in content


@pytest.mark.parametrize("viewer", ["agent", "boss"])
def test_the_profile_needs_the_same_queries_whatever_the_wall(
    login, agent, boss, django_assert_num_queries, viewer
):
    cycle = make_cycle(status=AwardCycle.Status.OPEN)
    client = login({"agent": agent, "boss": boss}[viewer])
    make_thanks(agent, cycle=cycle)
    client.get(profile(agent))  # the first request of a session writes to it
    with CaptureQueriesContext(connection) as small:
        client.get(profile(agent))
    for _ in range(25):
        make_thanks(agent, cycle=make_cycle(month=cycle.month.replace(year=2031 + _)))
    with django_assert_num_queries(len(small)):
        response = client.get(profile(agent))
    assert len(response.context["wall"]) == 20


# --- the home page ----------------------------------------------------------------------------


def test_home_shows_my_latest_three_thank_yous(login, agent):
    older = [make_thanks(agent, moderated_at=timezone.now().replace(year=2020)) for _ in range(2)]
    latest = [make_thanks(agent) for _ in range(3)]
    content = login(agent).get(HOME).content.decode()
    assert "What customers said about you" in content
    for thank_you in latest:
        assert thank_you.message in content
    for thank_you in older:
        assert thank_you.message not in content
    assert f"{profile(agent)}#thanks" in content
    assert all(t.customer_email not in content for t in latest)


def test_home_invites_me_to_share_my_link_when_nobody_thanked_me_yet(login, agent):
    content = login(agent).get(HOME).content.decode()
    assert "Get your thank-you link" in content
    assert f"{profile(agent)}#thank-you-link" in content


def test_home_tells_a_manager_how_many_thank_yous_wait(login, agent, boss):
    make_thanks(agent, status=Status.CONFIRMED)
    make_thanks(agent, status=Status.CONFIRMED)
    content = login(boss).get(HOME).content.decode()
    assert "2 thank-yous wait for your review" in content
    assert reverse("thanks:queue") in content


def test_home_tells_hr_how_many_thank_yous_wait(login, hr_user):
    make_thanks(None, status=Status.CONFIRMED, employee_hint="The man at the desk")
    assert "1 thank-you waits for your review" in login(hr_user).get(HOME).content.decode()


def test_home_says_nothing_about_reviews_to_an_employee(login, agent):
    make_thanks(agent, status=Status.CONFIRMED)
    assert "for your review" not in login(agent).get(HOME).content.decode()


def test_home_says_nothing_when_nothing_waits(login, agent, boss):
    make_thanks(agent)
    assert "for your review" not in login(boss).get(HOME).content.decode()


@pytest.mark.parametrize("viewer", ["agent", "boss"])
def test_home_needs_the_same_queries_whatever_the_thank_yous(
    login, agent, boss, django_assert_num_queries, viewer
):
    client = login({"agent": agent, "boss": boss}[viewer])
    make_thanks(agent)
    make_thanks(agent, status=Status.CONFIRMED)
    client.get(HOME)  # the first request of a session writes to it
    with CaptureQueriesContext(connection) as small:
        client.get(HOME)
    for _ in range(10):
        make_thanks(agent)
        make_thanks(agent, status=Status.CONFIRMED)
    with django_assert_num_queries(len(small)):
        client.get(HOME)


# --- the HR console ---------------------------------------------------------------------------


def test_the_hr_console_links_to_the_queue_with_the_number_waiting(login, agent, hr_user):
    make_thanks(agent, status=Status.CONFIRMED)
    content = login(hr_user).get(reverse("home:hr_console")).content.decode()
    assert "1</span> thank-you waits for moderation" in content
    assert reverse("thanks:queue") in content
    assert reverse("thanks:integrations") in content


def test_the_profile_and_home_need_no_inline_code(login, agent):
    make_thanks(agent)
    client = login(agent)
    assert_strict_policy(client.get(profile(agent)))
    assert_strict_policy(client.get(HOME))
