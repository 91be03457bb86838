import datetime as dt
import re
from io import StringIO

import pytest
from django.core import signing
from django.core.management import CommandError, call_command
from django.test import Client

from stories import digest
from stories.digest import Week
from stories.models import DigestDelivery, DigestPreference, Story
from stories.services import hide_story
from stories.tasks import send_weekly_digest
from tests.concurrency import race, requires_postgres
from tests.conftest import make_user
from tests.stories.conftest import make_story

WEEK = Week.parse("2026-W10")  # Monday 2 March 2026 → Monday 9 March
UNSUBSCRIBE = re.compile(r"https?://[^/\s]+(/stories/digest/unsubscribe/[^/\s]+/)")


def published_in(week: Week, *, day: int = 2, applause: int = 0, **fields) -> Story:
    """A published story dated `day` days into the week, with that much applause."""
    story = make_story(**fields)
    when = week.start + dt.timedelta(days=day, hours=10)
    Story.objects.filter(pk=story.pk).update(published_at=when, applause_count=applause)
    story.refresh_from_db()
    return story


def send(captured, **kwargs) -> digest.DigestRun:
    with captured(execute=True):
        return digest.send_digest(week=WEEK, **kwargs)


@pytest.fixture
def captured(django_capture_on_commit_callbacks):
    return django_capture_on_commit_callbacks


# --- The week and the selection ---------------------------------------------------------


def test_the_default_week_is_the_last_complete_iso_week():
    assert Week.before(dt.date(2026, 3, 9)).label == "2026-W10"  # a Monday
    assert Week.before(dt.date(2026, 3, 15)).label == "2026-W10"  # the Sunday after
    assert Week.before(dt.date(2026, 1, 2)).label == "2025-W52"


@pytest.mark.parametrize("text", ["2026-47", "2026-W60", "W47", "", "2026-W4"])
def test_a_week_that_is_not_an_iso_week_is_refused(text):
    with pytest.raises(ValueError):
        Week.parse(text)


def test_the_week_runs_from_monday_midnight_in_the_site_time_zone(settings):
    settings.TIME_ZONE = "Europe/Paris"
    week = Week.parse("2026-W10")

    assert week.start.isoformat() == "2026-03-02T00:00:00+01:00"
    assert week.end.isoformat() == "2026-03-09T00:00:00+01:00"


def test_the_digest_has_the_weeks_published_stories_most_applauded_first_top_five(db):
    ranked = [published_in(WEEK, applause=n, title=f"Story {n}") for n in (3, 9, 1, 7, 5, 0)]
    published_in(Week.parse("2026-W09"), applause=50, title="The week before")
    published_in(Week.parse("2026-W11"), applause=50, title="The week after")
    make_story(title="A draft", publish=False)
    hidden = published_in(WEEK, applause=40, title="Hidden by HR")
    hide_story(story=hidden, by=make_user(hr=True), reason="Names a customer in full.")

    titles = [story.title for story in digest.top_stories(WEEK)]

    assert titles == ["Story 9", "Story 7", "Story 5", "Story 3", "Story 1"]
    assert len(ranked) == 6


def test_equal_applause_puts_the_newest_first(db):
    published_in(WEEK, day=1, applause=4, title="Older")
    published_in(WEEK, day=5, applause=4, title="Newer")

    assert [s.title for s in digest.top_stories(WEEK)] == ["Newer", "Older"]


def test_the_week_includes_monday_midnight_and_excludes_the_next(db):
    first = make_story(title="Monday 00:00")
    last = make_story(title="Next Monday 00:00")
    Story.objects.filter(pk=first.pk).update(published_at=WEEK.start)
    Story.objects.filter(pk=last.pk).update(published_at=WEEK.end)

    assert [s.title for s in digest.top_stories(WEEK)] == ["Monday 00:00"]


# --- Sending ------------------------------------------------------------------------------


def test_every_active_subscriber_gets_one_mail_with_both_parts(db, mailoutbox, captured):
    story = published_in(WEEK, applause=6, title="Refunds explained in one line")
    ann, ben = make_user(full_name="Ann Able"), make_user(full_name="Ben Baker")

    run = send(captured)

    assert run.sent == 3  # Ann, Ben and the author
    assert sorted(m.to[0] for m in mailoutbox) == sorted([ann.email, ben.email, story.author.email])
    mail = next(m for m in mailoutbox if m.to == [ann.email])
    html = {mimetype: content for content, mimetype in mail.alternatives}["text/html"]
    assert "Refunds explained in one line" in mail.body
    assert "Refunds explained in one line" in html
    assert "Hello Ann," in mail.body
    assert f"/stories/{story.pk}/" in mail.body
    assert "2026-W10" in mail.subject


def test_each_mail_carries_its_own_unsubscribe_link_and_one_click_headers(db, mailoutbox, captured):
    published_in(WEEK)
    ann = make_user()

    send(captured)

    mail = next(m for m in mailoutbox if m.to == [ann.email])
    [path] = UNSUBSCRIBE.findall(mail.body)
    token = path.split("/")[-2]
    assert signing.loads(token, salt=digest.UNSUBSCRIBE_SALT) == ann.pk
    assert mail.extra_headers["List-Unsubscribe"].endswith(f"{path}>")
    assert mail.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_title_with_a_script_is_inert_in_the_html_part(db, mailoutbox, captured):
    published_in(WEEK, title='<script>alert("hi")</script> Faster refunds')

    send(captured)

    html = mailoutbox[0].alternatives[0][0]
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&quot;hi&quot;)&lt;/script&gt; Faster refunds" in html
    assert '<script>alert("hi")</script> Faster refunds' in mailoutbox[0].body  # plain text


def test_a_week_without_stories_sends_nothing(db, mailoutbox, captured):
    make_user()
    published_in(Week.parse("2026-W09"), applause=9)

    run = send(captured)

    assert (run.sent, mailoutbox, DigestDelivery.objects.count()) == (0, [], 0)


def test_running_twice_sends_nothing_the_second_time(db, mailoutbox, captured):
    published_in(WEEK)
    make_user()

    first = send(captured)
    second = send(captured)

    assert (first.sent, first.skipped) == (2, 0)
    assert (second.sent, second.skipped) == (0, 2)
    assert len(mailoutbox) == 2
    assert DigestDelivery.objects.filter(week="2026-W10").count() == 2


def test_someone_new_still_gets_the_week_on_a_second_run(db, mailoutbox, captured):
    published_in(WEEK)
    send(captured)
    newcomer = make_user()

    run = send(captured)

    assert run.sent == 1
    assert mailoutbox[-1].to == [newcomer.email]


def test_inactive_and_unsubscribed_people_get_nothing(db, mailoutbox, captured):
    story = published_in(WEEK)
    make_user(is_active=False)
    stopped = make_user()
    digest.set_subscription(user=stopped, subscribed=False)

    run = send(captured)

    assert [m.to for m in mailoutbox] == [[story.author.email]]
    assert run.sent == 1


def test_a_dry_run_counts_the_recipients_and_sends_nothing(db, mailoutbox, captured):
    published_in(WEEK)
    make_user()

    run = send(captured, dry_run=True)

    assert run.sent == 2
    assert (mailoutbox, DigestDelivery.objects.count()) == ([], 0)


@pytest.mark.parametrize(("people", "batch_size", "batches"), [(3, 10, 1), (9, 10, 1), (9, 4, 3)])
def test_the_queries_depend_on_the_batches_not_on_the_people(
    db, django_assert_num_queries, people, batch_size, batches
):
    for _ in range(people - 1):
        make_user()
    published_in(WEEK)  # its author is the last person

    # stories, already sent, then per batch: people, savepoint, insert, ours, release; the end.
    with django_assert_num_queries(2 + 5 * batches + 1):
        run = digest.send_digest(week=WEEK, batch_size=batch_size)

    assert run.sent == people


# --- The command and the task -----------------------------------------------------------


def test_the_command_says_how_many_were_sent_and_skipped(db, mailoutbox, captured):
    published_in(WEEK, title="Refunds explained")
    make_user()
    out = StringIO()

    with captured(execute=True):
        call_command("send_digest", "--week", "2026-W10", stdout=out)
        call_command("send_digest", "--week", "2026-W10", stdout=out)

    assert "Sent 2, skipped 0" in out.getvalue()
    assert "Sent 0, skipped 2" in out.getvalue()
    assert "Refunds explained" in out.getvalue()
    assert len(mailoutbox) == 2


def test_the_command_dry_run_sends_nothing(db, mailoutbox, captured):
    published_in(WEEK)
    out = StringIO()

    with captured(execute=True):
        call_command("send_digest", "--week", "2026-W10", "--dry-run", stdout=out)

    assert "would send 1" in out.getvalue()
    assert mailoutbox == []


def test_the_command_refuses_a_malformed_week(db):
    with pytest.raises(CommandError, match="YYYY-Www"):
        call_command("send_digest", "--week", "last week", stdout=StringIO())


def test_the_task_sends_the_digest(db, mailoutbox, captured):
    published_in(WEEK)

    with captured(execute=True):
        result = send_weekly_digest.enqueue(week="2026-W10")

    assert result.return_value == {"week": "2026-W10", "stories": 1, "sent": 1, "skipped": 0}
    assert len(mailoutbox) == 1


# --- Unsubscribing ------------------------------------------------------------------------


def unsubscribe_path(user) -> str:
    return digest.unsubscribe_url(user).removeprefix(digest.settings.SITE_URL)


def test_opening_the_unsubscribe_link_changes_nothing(client, db):
    person = make_user()

    response = client.get(unsubscribe_path(person))

    assert response.status_code == 200
    assert b"Stop the weekly digest" in response.content
    assert digest.is_subscribed(person)
    assert not DigestPreference.objects.exists()


def test_the_button_unsubscribes_and_the_next_run_skips_them(client, db, mailoutbox, captured):
    published_in(WEEK)
    person = make_user()

    response = client.post(unsubscribe_path(person), {"action": "unsubscribe"})
    send(captured)

    assert response.status_code == 200
    assert b"The weekly digest is stopped" in response.content
    assert b"Send me the weekly digest again" in response.content
    assert not digest.is_subscribed(person)
    assert person.email not in [m.to[0] for m in mailoutbox]


def test_the_page_offers_to_resubscribe(client, db):
    person = make_user()
    digest.set_subscription(user=person, subscribed=False)

    response = client.post(unsubscribe_path(person), {"action": "subscribe"})

    assert b"Stop the weekly digest" in response.content
    assert digest.is_subscribed(person)


def test_a_mail_clients_one_click_unsubscribe_needs_no_csrf_token(db):
    person = make_user()
    strict = Client(enforce_csrf_checks=True)

    response = strict.post(unsubscribe_path(person), {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    assert not digest.is_subscribed(person)


def test_the_link_from_the_mail_unsubscribes(client, db, mailoutbox, captured):
    published_in(WEEK)
    person = make_user()
    send(captured)
    [path] = UNSUBSCRIBE.findall(next(m for m in mailoutbox if m.to == [person.email]).body)

    client.post(path)

    assert not digest.is_subscribed(person)


@pytest.mark.parametrize(
    "token",
    [
        "not-a-token",
        signing.dumps(1, salt="another.salt"),
        signing.dumps("1", salt=digest.UNSUBSCRIBE_SALT),
    ],
)
def test_a_tampered_link_is_a_400_page(client, db, token):
    make_user()

    response = client.post(f"/stories/digest/unsubscribe/{token}/")

    assert response.status_code == 400
    assert b"This link does not work" in response.content
    assert not DigestPreference.objects.exists()


def test_a_link_with_a_changed_signature_is_refused(client, db):
    person = make_user()
    path = unsubscribe_path(person)
    tampered = path[:-3] + ("A" if path[-3] != "A" else "B") + path[-2:]

    assert client.get(tampered).status_code == 400


# --- Concurrency --------------------------------------------------------------------------


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_send_each_person_one_digest(mailoutbox):
    published_in(WEEK)
    for _ in range(5):
        make_user()

    runs = race(lambda: digest.send_digest(week=WEEK, batch_size=2), threads=3)

    assert all(isinstance(run, digest.DigestRun) for run in runs), runs
    assert sum(run.sent for run in runs) == 6
    assert len(mailoutbox) == 6
    assert len({m.to[0] for m in mailoutbox}) == 6
    assert DigestDelivery.objects.count() == 6
