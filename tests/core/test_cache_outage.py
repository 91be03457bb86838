"""The site keeps serving while Redis cannot be reached (docs/deployment.md, "When Redis is
down"): the cache misses, sessions come from the database, the capacity throttles let requests
through, the sign-in guards count in each process's memory, the public thank-you form answers
503 with a message, and /healthz reports the outage.

Each test points the cache, configured as production configures it, at a port where nothing
listens, with the sessions that production keeps in it."""

import logging
import socket

import pytest
from django.urls import reverse

from accounts.models import User
from awards.models import AwardCycle
from config.settings import redis_cache
from nominations.models import ThankYou
from stories.models import Comment, Story
from tests.awards.conftest import make_cycle
from tests.conftest import PASSWORD, make_user
from tests.stories.conftest import make_story
from tests.thanks.conftest import confirmed
from tests.thanks.test_public_pages import thanks_data

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
UNAVAILABLE = "cannot be sent just now"


def closed_port() -> int:
    """A local port nobody listens on: connecting to it is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def redis_down(settings) -> None:
    """From now on Redis cannot be reached (listed last, after the fixtures that make data)."""
    settings.CACHES = {"default": redis_cache(f"redis://127.0.0.1:{closed_port()}/0")}
    settings.SESSION_ENGINE = "accounts.sessions.cached_db"


@pytest.fixture
def reader(db) -> User:
    return make_user(full_name="Rita Reader")


@pytest.fixture
def story(db) -> Story:
    return make_story(make_user(full_name="Alex Author"))


def sign_in(client, email: str, password: str = PASSWORD):
    return client.post(reverse("account_login"), {"login": email, "password": password})


# --- reading and writing ------------------------------------------------------------------


def test_signing_in_and_out_works(client, reader, redis_down):
    response = sign_in(client, reader.email)
    assert response.status_code == 302

    home = client.get(reverse("home:home"))
    assert home.status_code == 200
    assert "Rita Reader" in home.content.decode()

    assert client.post(reverse("account_logout")).status_code == 302
    assert client.get(reverse("home:home")).status_code == 302  # to the sign-in page


@pytest.mark.parametrize(
    "page",
    ["home:home", "stories:feed", "story", "accounts:directory", "profile", "hall_of_fame"],
)
def test_an_employee_reads_every_page(login, reader, story, page, redis_down):
    urls = {
        "story": reverse("stories:detail", args=[story.pk]),
        "profile": reverse("home:profile", args=[story.author_id]),
        "hall_of_fame": reverse("awards:hall_of_fame"),
    }
    response = login(reader).get(urls.get(page) or reverse(page))
    assert response.status_code == 200


@pytest.fixture
def waiting_thanks(db) -> ThankYou:
    return confirmed(make_user())


def test_hr_opens_the_moderation_queue_and_the_scoreboard(
    login, hr_user, waiting_thanks, redis_down
):
    cycle = make_cycle(status=AwardCycle.Status.OPEN)
    client = login(hr_user)

    queue = client.get(reverse("thanks:queue"))
    board = client.get(reverse("awards:hr_scoreboard", args=[cycle.pk]))

    assert queue.status_code == 200
    assert board.status_code == 200


def test_a_comment_is_posted_with_htmx(login, reader, story, redis_down):
    response = login(reader).post(
        reverse("stories:comment", args=[story.pk]), {"body": "Well done"}, headers=HTMX
    )
    assert response.status_code == 200
    assert "Your comment is posted." in response.content.decode()
    assert Comment.objects.get().body == "Well done"


def test_a_comment_is_posted_without_javascript(login, reader, story, redis_down):
    client = login(reader)
    response = client.post(reverse("stories:comment", args=[story.pk]), {"body": "Well done"})
    assert response.status_code == 302
    assert "Your comment is posted." in client.get(response["Location"]).content.decode()


def test_the_profile_is_saved(login, reader, redis_down):
    response = login(reader).post(
        reverse("accounts:edit_profile"),
        {"full_name": "Rita Reader", "preferred_name": "Rita", "job_title": "Agent"},
    )
    assert response.status_code == 302
    reader.refresh_from_db()
    assert reader.preferred_name == "Rita"


# --- the API ------------------------------------------------------------------------------


def test_the_api_answers_its_general_throttles_let_requests_through(api, reader, story, redis_down):
    client = api(reader)
    comments = reverse("api-story-comments", args=[story.pk])

    assert client.get(reverse("api-me")).status_code == 200
    assert client.get(reverse("api-stories")).status_code == 200
    assert client.put(reverse("api-story-reaction", args=[story.pk, "applause"])).status_code == 200
    assert client.post(comments, {"body": "Nice"}, format="json").status_code == 201


def test_an_api_token_is_issued(api, reader, redis_down):
    response = api().post(
        reverse("api-token"), {"email": reader.email, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 201


# --- the guards of signing in still count, in this process --------------------------------


def test_guessing_passwords_on_the_sign_in_form_is_still_limited(client, reader, redis_down):
    for _ in range(5):
        assert sign_in(client, reader.email, "wrong").status_code == 200

    response = sign_in(client, reader.email)  # the right password, too late

    assert "Too many failed login attempts" in response.content.decode()
    assert client.get(reverse("home:home")).status_code == 302


def test_guessing_passwords_for_an_api_token_is_still_limited(api, reader, redis_down):
    client = api()
    guess = {"email": reader.email, "password": "guess"}
    answers = [client.post(reverse("api-token"), guess, format="json") for _ in range(10)]
    assert answers[0].status_code == 400

    right = {"email": reader.email, "password": PASSWORD}
    response = client.post(reverse("api-token"), right, format="json")

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0


# --- the public thank-you form refuses while it cannot count ------------------------------


def test_the_thank_you_form_answers_503_with_a_message_and_keeps_what_was_typed(client, redis_down):
    response = client.post(reverse("thanks:form"), thanks_data())

    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    page = response.content.decode()
    assert UNAVAILABLE in page
    assert 'value="ann@customer.example"' in page
    assert not ThankYou.objects.exists()


def test_the_thank_you_api_answers_503_in_json(api, reader, redis_down):
    body = {
        "token": reader.thanks_token,
        "customer_name": "Ann Customer",
        "customer_email": "ann@customer.example",
        "message": "Thank you for sorting out my invoice so quickly.",
        "consent_to_share": True,
    }
    response = api().post(reverse("api-thanks"), body, format="json")

    assert response.status_code == 503
    assert UNAVAILABLE in response.json()["detail"]
    assert int(response["Retry-After"]) > 0
    assert not ThankYou.objects.exists()


# --- watching it --------------------------------------------------------------------------


def test_healthz_reports_the_outage(client, redis_down):
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "ok", "cache": "down"}


def test_the_outage_is_logged_once_not_on_every_request(login, reader, story, caplog, redis_down):
    client = login(reader)
    with caplog.at_level(logging.WARNING, logger="core.cache_backends"):
        for _ in range(3):
            assert client.get(reverse("stories:detail", args=[story.pk])).status_code == 200
    warnings = [r for r in caplog.records if r.name == "core.cache_backends"]
    assert len(warnings) == 1
    assert "unavailable" in warnings[0].getMessage()
