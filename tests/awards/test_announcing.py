import http.server
import logging
import threading
from unittest import mock

import pytest
from django.core import mail

from awards import tasks
from awards.models import AwardCycle, Decision
from cycles import deciding, services
from nominations.models import Nomination
from stories.models import Story
from tests.awards.conftest import make_cycle
from tests.awards.test_deciding import Contest
from tests.nominations.conftest import category

Status = AwardCycle.Status


# --- A local webhook endpoint -----------------------------------------------------------------


class Endpoint:
    """An HTTP server in a thread that answers the first `failures` posts with 503."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.bodies: list[bytes] = []
        endpoint = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                endpoint.bodies.append(self.rfile.read(int(self.headers["Content-Length"])))
                status = 503 if len(endpoint.bodies) <= endpoint.failures else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def calls(self) -> int:
        return len(self.bodies)

    def __enter__(self) -> "Endpoint":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def closed_port_url() -> str:
    """A URL nobody listens on: connections are refused."""
    server = http.server.HTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    port = server.server_port
    server.server_close()
    return f"http://127.0.0.1:{port}/hook"


@pytest.fixture(autouse=True)
def no_backoff():
    with mock.patch.object(tasks, "sleep") as sleep:
        yield sleep


@pytest.fixture
def decided(db, settings) -> Contest:
    settings.ANNOUNCE_WEBHOOK_URL = ""
    contest = Contest()
    # A customer nominated Bob too.
    Nomination.objects.create(
        cycle=contest.cycle,
        nominee=contest.bob,
        nominator=None,
        source=Nomination.Source.CUSTOMER,
        category=category(),
        headline="Drove my parcel to me on a Sunday",
        story="…",
        customer_impact="…",
    )
    contest.decide()
    return contest


def announce(contest, capture) -> None:
    with capture(execute=True):
        contest.cycle = services.transition(cycle=contest.cycle, to=Status.ANNOUNCED, by=contest.hr)


def mail_to(user) -> list:
    return [m for m in mail.outbox if user.email in m.to]


# --- The story --------------------------------------------------------------------------------


def test_announcing_publishes_an_award_story(decided, django_capture_on_commit_callbacks):
    announce(decided, django_capture_on_commit_callbacks)
    story = Story.objects.get(kind=Story.Kind.AWARD)
    month = deciding.month_label(decided.cycle)
    assert story.title == f"Employee of the Month: Alice Archer — {month}"
    assert story.author == decided.hr
    assert list(story.featured.all()) == [decided.alice]
    assert story.department == decided.alice.department
    assert story.award_cycle == decided.cycle
    assert story.status == Story.Status.PUBLISHED and story.published_at is not None
    assert "Rewrote the refund letter with customers" in story.body
    assert "> For the first time I understood my refund." in story.body
    assert story in Story.objects.for_feed()
    assert Decision.objects.get(cycle=decided.cycle).announced_at is not None


def test_the_story_follows_an_override(decided, django_capture_on_commit_callbacks):
    decided.override([decided.bob.pk])
    announce(decided, django_capture_on_commit_callbacks)
    story = Story.objects.get(kind=Story.Kind.AWARD)
    assert story.title.startswith("Employee of the Month: Bob Baker — ")
    assert list(story.featured.all()) == [decided.bob]


def test_a_scheduled_announcement_is_written_by_whoever_decided(
    decided, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.transition(cycle=decided.cycle, to=Status.ANNOUNCED, by=None)
    assert Story.objects.get(kind=Story.Kind.AWARD).author == decided.hr


# --- The e-mails ------------------------------------------------------------------------------


def test_the_winner_and_their_manager_are_told(decided, django_capture_on_commit_callbacks):
    announce(decided, django_capture_on_commit_callbacks)
    month = deciding.month_label(decided.cycle)
    [to_winner] = mail_to(decided.alice)
    assert to_winner.subject == f"You are Employee of the Month · {month}"
    assert "Congratulations, Alice!" in to_winner.body
    assert "For the first time I understood my refund." in to_winner.body
    story = Story.objects.get(kind=Story.Kind.AWARD)
    assert story.get_absolute_url() in to_winner.body
    [to_manager] = mail_to(decided.boss)
    assert to_manager.subject == f"Alice Archer is Employee of the Month · {month}"
    assert "who reports to you" in to_manager.body


def test_every_other_nominee_hears_they_were_nominated_by_whom_and_for_what(
    decided, django_capture_on_commit_callbacks
):
    announce(decided, django_capture_on_commit_callbacks)
    [to_bob] = mail_to(decided.bob)  # one e-mail, for two nominations
    assert to_bob.subject.startswith("You were nominated for Employee of the Month")
    body = " ".join(to_bob.body.split())
    assert "by Omar Okafor and a customer" in body
    assert "“Tidied the returns shelf” and “Drove my parcel to me on a Sunday”" in body
    assert "Alice Archer won this time" in body


def test_nobody_else_is_emailed(decided, django_capture_on_commit_callbacks):
    announce(decided, django_capture_on_commit_callbacks)
    recipients = sorted(address for m in mail.outbox for address in m.to)
    # Omar and Pia nominated Alice: their notification (notifications) is an e-mail too.
    expected = [decided.alice, decided.boss, decided.bob, decided.omar, decided.pia]
    assert recipients == sorted(person.email for person in expected)
    # Cara was thanked, not nominated; the judges learn it from the story.
    assert not mail_to(decided.cara) and not any(mail_to(judge) for judge in decided.judges)


# --- Idempotence ------------------------------------------------------------------------------


def test_announcing_twice_makes_one_story_one_set_of_emails_and_one_webhook_call(
    decided, settings, django_capture_on_commit_callbacks
):
    with Endpoint() as endpoint:
        settings.ANNOUNCE_WEBHOOK_URL = endpoint.url
        announce(decided, django_capture_on_commit_callbacks)
        sent = len(mail.outbox)
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            deciding.announce(cycle=decided.cycle, by=decided.hr)
        assert callbacks == []
        with pytest.raises(Exception, match="cannot move"):
            services.transition(cycle=decided.cycle, to=Status.ANNOUNCED, by=decided.hr)
    assert Story.objects.filter(kind=Story.Kind.AWARD).count() == 1
    assert len(mail.outbox) == sent == 5  # and two to Alice's nominators
    assert endpoint.calls == 1


def test_a_cycle_with_no_candidates_is_announced_quietly(
    db, hr_user, settings, django_capture_on_commit_callbacks
):
    settings.ANNOUNCE_WEBHOOK_URL = closed_port_url()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        cycle = make_cycle(status=Status.ANNOUNCED)
    assert cycle.status == Status.ANNOUNCED
    assert Decision.objects.get(cycle=cycle).announced_at is not None
    assert not Story.objects.exists()
    assert mail.outbox == []
    assert callbacks == []


# --- The webhook ------------------------------------------------------------------------------


def test_the_webhook_gets_slack_compatible_json(
    decided, settings, django_capture_on_commit_callbacks
):
    import json

    with Endpoint() as endpoint:
        settings.ANNOUNCE_WEBHOOK_URL = endpoint.url
        announce(decided, django_capture_on_commit_callbacks)
    payload = json.loads(endpoint.bodies[0])
    assert "Alice Archer (Support)" in payload["text"]
    assert Story.objects.get().get_absolute_url() in payload["text"]
    assert payload["blocks"][0]["type"] == "section"
    assert payload["blocks"][0]["text"]["type"] == "mrkdwn"


def test_the_webhook_is_retried_until_it_accepts(no_backoff):
    with Endpoint(failures=2) as endpoint:
        delivered = tasks.post_announcement.call(url=endpoint.url, payload={"text": "Hi"})
    assert delivered is True
    assert endpoint.calls == 3
    assert [c.args[0] for c in no_backoff.call_args_list] == list(tasks.BACKOFF[:2])


def test_a_webhook_that_stays_down_is_logged_after_the_last_attempt(no_backoff, caplog):
    with Endpoint(failures=99) as endpoint, caplog.at_level(logging.ERROR, "awards.tasks"):
        delivered = tasks.post_announcement.call(url=endpoint.url, payload={"text": "Hi"})
    assert delivered is False
    assert endpoint.calls == len(tasks.BACKOFF) + 1 == 4
    assert "failed after 4 attempts" in caplog.text


def test_a_refused_connection_is_retried_then_logged(no_backoff, caplog):
    with caplog.at_level(logging.ERROR, "awards.tasks"):
        assert not tasks.post_announcement.call(url=closed_port_url(), payload={"text": "Hi"})
    assert no_backoff.call_count == 3
    assert "failed after 4 attempts" in caplog.text


def test_a_client_error_is_not_retried(no_backoff, caplog):
    class Gone(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Gone)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/"
        assert not tasks.post_announcement.call(url=url, payload={"text": "Hi"})
    finally:
        server.shutdown()
        server.server_close()
    assert no_backoff.call_count == 0
    assert "HTTP 404" in caplog.text


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.invalid/", "http://"])
def test_only_http_urls_are_posted_to(url, caplog):
    assert not tasks.post_announcement.call(url=url, payload={"text": "Hi"})
    assert "not posted" in caplog.text or "failed" in caplog.text


def test_the_announcement_completes_when_the_webhook_is_down(
    decided, settings, django_capture_on_commit_callbacks
):
    with Endpoint(failures=99) as endpoint:
        settings.ANNOUNCE_WEBHOOK_URL = endpoint.url
        announce(decided, django_capture_on_commit_callbacks)
    assert endpoint.calls == 4
    decided.cycle.refresh_from_db()
    assert decided.cycle.status == Status.ANNOUNCED
    assert Story.objects.filter(kind=Story.Kind.AWARD, award_cycle=decided.cycle).exists()
    assert mail_to(decided.alice) and mail_to(decided.bob)
    assert Decision.objects.get(cycle=decided.cycle).announced_at is not None


def test_no_webhook_without_a_url(decided, settings, django_capture_on_commit_callbacks):
    settings.ANNOUNCE_WEBHOOK_URL = ""
    with django_capture_on_commit_callbacks() as callbacks:
        services.transition(cycle=decided.cycle, to=Status.ANNOUNCED, by=decided.hr)
    assert len(callbacks) == 5  # the five e-mails (two to Alice's nominators), no webhook
