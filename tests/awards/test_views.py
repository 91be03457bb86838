"""The HR console's award cycles: list, create, settings, phases and the rubric editor."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from awards.models import AwardCycle, Criterion
from core.audit import AuditEvent
from cycles import deciding, judging, services
from nominations.models import Category, Nomination
from tests.awards.conftest import make_cycle
from tests.conftest import make_department, make_user
from tests.nominations.conftest import make_nomination, move

Status = AwardCycle.Status
Kind = Criterion.Kind


@pytest.fixture
def hr(login, hr_user):
    return login(hr_user)


def url(name: str, cycle: AwardCycle | None = None) -> str:
    return reverse(f"awards:{name}", args=[cycle.pk] if cycle else [])


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def new_cycle_data(**overrides) -> dict:
    data = {
        "month": "2031-03",
        "title": "",
        "opens_at": "",
        "nominations_close_at": "",
        "judging_close_at": "",
        "winner_count": "1",
        "cooldown_cycles": "3",
        "blind_judging": "on",
        "customer_share_floor": "50",
        "rubric_from": "",
    }
    return data | overrides


def settings_data(cycle: AwardCycle, **overrides) -> dict:
    local = timezone.localtime
    data = {
        "title": cycle.title,
        "opens_at": local(cycle.opens_at).strftime("%Y-%m-%dT%H:%M"),
        "nominations_close_at": local(cycle.nominations_close_at).strftime("%Y-%m-%dT%H:%M"),
        "judging_close_at": local(cycle.judging_close_at).strftime("%Y-%m-%dT%H:%M"),
        "winner_count": str(cycle.winner_count),
        "cooldown_cycles": str(cycle.cooldown_cycles),
        "customer_share_floor": str(cycle.customer_share_floor),
    }
    if cycle.blind_judging:
        data["blind_judging"] = "on"
    return data | overrides


def row(name: str, kind: str, weight, half_point="", focused: bool = False) -> dict:
    return {
        "name": name,
        "kind": kind,
        "weight": str(weight),
        "half_point": str(half_point),
        "customer_focused": focused,
    }


def rubric_data(rows: list[dict], *, action: str = "save", initial: int = 0, **extra) -> dict:
    data = {
        "form-TOTAL_FORMS": str(len(rows)),
        "form-INITIAL_FORMS": str(initial),
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "12",
        "action": action,
    }
    for i, r in enumerate(rows):
        for key, value in r.items():
            if key in ("customer_focused", "DELETE"):
                if value:
                    data[f"form-{i}-{key}"] = "on"
            else:
                data[f"form-{i}-{key}"] = value
    return data | extra


def good_rubric(evidence_weight: int = 40) -> list[dict]:
    return [
        row("Evidence", Kind.CUSTOMER_EVIDENCE, evidence_weight, "6"),
        row("Thanks", Kind.CUSTOMER_THANKS, 20, "2"),
        row("Peers", Kind.PEER_SUPPORT, 20, "3"),
        row("Panel", Kind.PANEL, 20),
    ]


# --- Access ------------------------------------------------------------------------------------

PAGES = ["hr_cycles", "hr_cycle_new", "hr_cycle", "hr_rubric"]


def page_url(name: str) -> str:
    cycle = make_cycle()
    return url(name, cycle if name in ("hr_cycle", "hr_rubric") else None)


@pytest.mark.parametrize("name", PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client, db, name):
    response = client.get(page_url(name))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


@pytest.mark.parametrize("name", PAGES)
def test_employees_are_forbidden(login, employee, name):
    assert login(employee).get(page_url(name)).status_code == 403


@pytest.mark.parametrize("name", PAGES)
def test_hr_sees_every_page(hr, name):
    response = hr.get(page_url(name))
    assert response.status_code == 200
    assert b"<html" in response.content


@pytest.mark.parametrize("name", ["hr_cycle_transition", "hr_rubric_summary", "hr_cycle"])
def test_employees_cannot_post_to_the_console(login, employee, name):
    cycle = make_cycle()
    data = {"to": Status.OPEN, "confirm": "yes", "title": "Mine"}
    response = login(employee).post(url(name, cycle), data)
    assert response.status_code == 403
    # Who may use the page is decided before which methods it takes.
    assert login(employee).get(url(name, cycle), {"to": Status.OPEN}).status_code == 403
    cycle.refresh_from_db()
    assert cycle.status == Status.DRAFT
    assert cycle.title != "Mine"


def test_the_hr_navigation_and_console_lead_to_the_cycles(hr):
    cycle = make_cycle(status=Status.OPEN)
    response = hr.get(reverse("home:hr_console"))
    assert url("hr_cycles").encode() in response.content
    assert cycle.get_absolute_url().encode() in response.content
    assert b"Open for nominations" in response.content


def test_an_unknown_cycle_is_404(hr, db):
    assert hr.get(reverse("awards:hr_cycle", args=[999999])).status_code == 404
    assert hr.get(reverse("awards:hr_rubric", args=[2**70])).status_code == 404


# --- List ---------------------------------------------------------------------------------------


def make_nominations(cycle: AwardCycle, count: int, *, status=Nomination.Status.ACTIVE) -> None:
    category = Category.objects.get_or_create(slug="heard", defaults={"name": "Heard"})[0]
    for _ in range(count):
        Nomination.objects.create(
            cycle=cycle,
            nominee=make_user(),
            nominator=make_user(),
            category=category,
            headline="Listened",
            story="Sat with support.",
            customer_impact="Fewer calls.",
            status=status,
        )


def test_the_list_shows_cycles_newest_first_with_phase_and_active_nominations(hr):
    old = make_cycle(month=dt.date(2030, 1, 1), status=Status.OPEN)
    new = make_cycle(month=dt.date(2030, 2, 1))
    make_nominations(old, 3)
    make_nominations(old, 2, status=Nomination.Status.WITHDRAWN)
    response = hr.get(url("hr_cycles"))
    assert list(response.context["page"].object_list) == [new, old]
    assert response.context["page"].object_list[1].active_nominations == 3
    html = response.content.decode()
    assert html.index("February 2030") < html.index("January 2030")
    assert 'class="badge badge-open">Open for nominations' in html
    assert url("hr_cycle_new") in html


def list_queries(client) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url("hr_cycles"))
    assert response.status_code == 200
    return [q["sql"] for q in queries.captured_queries]


def test_the_list_makes_the_same_number_of_queries_whatever_the_data(login, hr_user):
    client = login(hr_user)
    client.get(url("hr_cycles"))  # the first request of a session also records the session
    make_nominations(make_cycle(month=dt.date(2030, 1, 1)), 1)
    small = list_queries(client)
    for i in range(2, 8):
        make_nominations(make_cycle(month=dt.date(2030, i, 1)), 4)
    big = list_queries(client)
    assert len(big) == len(small)
    # The cycles and their counts of active nominations: one count, one page, at any size.
    assert sum("awards_awardcycle" in sql for sql in big) == 2


# --- Create -------------------------------------------------------------------------------------


def test_hr_creates_a_cycle_with_the_default_title_dates_and_rubric(hr, hr_user):
    response = hr.post(url("hr_cycle_new"), new_cycle_data())
    cycle = AwardCycle.objects.get(month=dt.date(2031, 3, 1))
    assert response.status_code == 302
    assert response["Location"] == cycle.get_absolute_url()
    assert cycle.title == "Employee of the Month · March 2031"
    assert cycle.status == Status.DRAFT
    defaults = services.default_dates(dt.date(2031, 3, 1))
    assert cycle.opens_at == defaults["opens_at"]
    assert cycle.nominations_close_at == defaults["nominations_close_at"]
    assert cycle.judging_close_at == defaults["judging_close_at"]
    assert cycle.criteria.count() == len(services.DEFAULT_RUBRIC)
    assert AuditEvent.objects.get(verb="cycle.created").actor == hr_user


def test_a_full_date_counts_as_its_month(hr):
    hr.post(url("hr_cycle_new"), new_cycle_data(month="2031-03-17"))
    assert AwardCycle.objects.filter(month=dt.date(2031, 3, 1)).exists()


def test_hr_creates_a_cycle_with_its_own_settings(hr):
    support, billing = make_department("Support"), make_department("Billing")
    source = make_cycle(month=dt.date(2030, 1, 1))
    services.replace_rubric(
        cycle=source,
        criteria=[
            {
                "name": "Only evidence",
                "kind": Kind.CUSTOMER_EVIDENCE,
                "weight": 100,
                "half_point": 5,
            }
        ],
        by=None,
    )
    data = new_cycle_data(
        title="Spring stars",
        opens_at="2031-03-02T09:00",
        nominations_close_at="2031-03-20T17:00",
        judging_close_at="2031-03-27T17:00",
        winner_count="2",
        cooldown_cycles="6",
        customer_share_floor="80",
        rubric_from=str(source.pk),
        eligible_departments=[support.pk, billing.pk],
    )
    del data["blind_judging"]
    response = hr.post(url("hr_cycle_new"), data)
    assert response.status_code == 302
    cycle = AwardCycle.objects.get(month=dt.date(2031, 3, 1))
    assert cycle.title == "Spring stars"
    assert timezone.localtime(cycle.opens_at).strftime("%d %H:%M") == "02 09:00"
    assert (cycle.winner_count, cycle.cooldown_cycles, cycle.customer_share_floor) == (2, 6, 80)
    assert cycle.blind_judging is False
    assert set(cycle.eligible_departments.all()) == {support, billing}
    assert [c.name for c in cycle.criteria.all()] == ["Only evidence"]


def test_the_new_cycle_form_suggests_the_next_month_and_the_latest_rubric(hr):
    latest = make_cycle(month=dt.date(2030, 5, 1))
    response = hr.get(url("hr_cycle_new"))
    html = response.content.decode()
    assert 'type="month" name="month" value="2030-06"' in html
    assert f'<option value="{latest.pk}" selected>' in html
    assert "Empty means 1 June 2030, 00:00." in html
    assert "Employee of the Month · June 2030" in html


def test_choosing_a_month_with_htmx_shows_its_default_dates(hr, db):
    response = hr.get(
        url("hr_cycle_new"),
        {"month": "2031-03", "title": "Kept", "opens_at": "2031-03-05T10:00"},
        headers={"HX-Request": "true", "HX-Target": "cycle-defaults"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert 'id="cycle-defaults"' in html
    assert "Empty means 1 April 2031, 00:00." in html  # nominations close
    assert 'value="Kept"' in html
    assert 'value="2031-03-05T10:00"' in html


def test_clearing_the_month_with_htmx_still_returns_only_the_fragment(hr, db):
    response = hr.get(
        url("hr_cycle_new"),
        {"month": "", "title": ""},
        headers={"HX-Request": "true", "HX-Target": "cycle-defaults"},
    )
    html = response.content.decode()
    assert "<html" not in html
    assert "Empty means" not in html


def test_a_duplicate_month_is_shown_next_to_the_month_with_a_link(hr):
    existing = make_cycle(month=dt.date(2031, 3, 1))
    response = hr.post(url("hr_cycle_new"), new_cycle_data(title="Second try"))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["month"] == [
        f'There is already a cycle for March 2031. <a href="{existing.get_absolute_url()}">'
        "Open the existing cycle</a>."
    ]
    html = response.content.decode()
    assert f'<a href="{existing.get_absolute_url()}">Open the existing cycle</a>' in html
    assert 'value="Second try"' in html
    assert AwardCycle.objects.count() == 1


def test_dates_out_of_order_are_shown_next_to_the_date(hr, db):
    response = hr.post(
        url("hr_cycle_new"),
        new_cycle_data(opens_at="2031-03-10T09:00", nominations_close_at="2031-03-05T09:00"),
    )
    form = response.context["form"]
    assert form.errors["nominations_close_at"] == ["Nominations must close after they open."]
    assert 'value="2031-03-05T09:00"' in response.content.decode()
    assert not AwardCycle.objects.exists()


def test_a_floor_above_the_rubrics_customer_share_is_refused(hr, db):
    response = hr.post(url("hr_cycle_new"), new_cycle_data(customer_share_floor="90"))
    assert "customer_share_floor" in response.context["form"].errors
    assert not AwardCycle.objects.exists()


def test_a_missing_month_is_explained(hr, db):
    response = hr.post(url("hr_cycle_new"), new_cycle_data(month=""))
    assert response.context["form"].errors["month"] == ["This field is required."]


# --- Settings ----------------------------------------------------------------------------------


def test_hr_edits_the_settings_of_a_draft(hr, hr_user):
    cycle = make_cycle()
    team = make_department("Support")
    data = settings_data(
        cycle,
        title="January heroes",
        winner_count="3",
        customer_share_floor="60",
        judging_close_at="2030-02-20T12:00",
        eligible_departments=[team.pk],
    )
    response = hr.post(url("hr_cycle", cycle), data)
    assert response.status_code == 302
    cycle.refresh_from_db()
    assert (cycle.title, cycle.winner_count, cycle.customer_share_floor) == (
        "January heroes",
        3,
        60,
    )
    assert timezone.localtime(cycle.judging_close_at).day == 20
    assert list(cycle.eligible_departments.all()) == [team]
    assert AuditEvent.objects.filter(verb="cycle.edited", actor=hr_user).exists()


def test_setting_errors_are_shown_next_to_the_field_and_input_is_kept(hr):
    cycle = make_cycle()
    response = hr.post(
        url("hr_cycle", cycle),
        settings_data(cycle, title="Typed", judging_close_at="2030-01-15T00:00"),
    )
    assert response.status_code == 200
    assert response.context["form"].errors["judging_close_at"] == [
        "Judging must close after nominations close."
    ]
    assert 'value="Typed"' in response.content.decode()
    cycle.refresh_from_db()
    assert cycle.title != "Typed"


def test_in_judging_the_competition_settings_are_disabled_and_explained(hr):
    cycle = make_cycle(status=Status.JUDGING)
    html = hr.get(url("hr_cycle", cycle)).content.decode()
    assert "Frozen since judging started" in html
    assert 'name="winner_count" value="1" min="1" max="10" required disabled' in html
    assert 'name="title"' in html
    assert 'name="title" value="' in html and "disabled" not in html.split('name="title"')[1][:80]


def test_in_judging_title_and_dates_change_but_frozen_settings_do_not(hr):
    cycle = make_cycle(status=Status.JUDGING)
    data = settings_data(cycle, title="Renamed", winner_count="5", customer_share_floor="10")
    data.pop("blind_judging", None)  # a disabled checkbox is not sent
    response = hr.post(url("hr_cycle", cycle), data)
    assert response.status_code == 302
    cycle.refresh_from_db()
    assert cycle.title == "Renamed"
    assert (cycle.winner_count, cycle.customer_share_floor, cycle.blind_judging) == (1, 50, True)


def test_a_decided_cycle_cannot_be_edited(hr):
    cycle = make_cycle(status=Status.DECIDED)
    page = hr.get(url("hr_cycle", cycle)).content.decode()
    assert "Save the settings" not in page
    response = hr.post(url("hr_cycle", cycle), settings_data(cycle, title="Late"), follow=True)
    assert "A decided cycle cannot be edited." in messages_of(response)
    cycle.refresh_from_db()
    assert cycle.title != "Late"


# --- Phases -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "status, offered, label",
    [
        (Status.DRAFT, Status.OPEN, "Open nominations"),
        (Status.OPEN, Status.JUDGING, "Close nominations and start judging"),
        (Status.JUDGING, Status.DECIDED, "Close judging and decide"),
        (Status.DECIDED, Status.ANNOUNCED, "Announce the winners"),
    ],
)
def test_the_page_offers_only_the_legal_next_phase(hr, status, offered, label):
    cycle = make_cycle(status=status)
    response = hr.get(url("hr_cycle", cycle))
    html = response.content.decode()
    assert [a["to"] for a in response.context["actions"]] == [offered]
    assert html.count('name="to"') == 1
    assert f'name="to" value="{offered}"' in html
    # The button leads to the confirmation (a GET form): no click moves the cycle at once.
    assert f'<form method="get" action="{url("hr_cycle_transition", cycle)}"' in html
    assert label in html
    assert 'aria-current="step"' in html


def test_an_announced_cycle_offers_no_transition(hr):
    cycle = make_cycle(status=Status.ANNOUNCED)
    html = hr.get(url("hr_cycle", cycle)).content.decode()
    assert 'name="to"' not in html
    assert "no further phase" in html


def test_a_transition_moves_the_cycle_and_is_audited(hr, hr_user):
    cycle = make_cycle()
    response = hr.post(url("hr_cycle_transition", cycle), confirmed(Status.OPEN), follow=True)
    cycle.refresh_from_db()
    assert cycle.status == Status.OPEN
    assert "Nominations are open." in messages_of(response)
    assert response.redirect_chain[-1][0] == cycle.get_absolute_url()
    assert AuditEvent.objects.filter(verb="cycle.transitioned", actor=hr_user).count() == 1


def test_a_cycle_opened_early_says_when_it_opened_not_the_planned_date(hr):
    cycle = make_cycle()  # planned to open on 1 January 2030
    hr.post(url("hr_cycle_transition", cycle), {"to": Status.OPEN, "confirm": "yes"})
    page = hr.get(url("hr_cycle", cycle)).content.decode()
    assert "1 Jan 2030" not in page
    today = timezone.localtime().strftime("%-d %b %Y")
    assert "Opened: <time" in page
    assert f">{today}," in page


def test_hr_is_told_that_opening_before_the_planned_date_moves_it_to_today(hr):
    cycle = make_cycle()
    page = hr.get(url("hr_cycle", cycle)).content.decode()
    assert "Opens: <time" in page
    assert "earlier than planned (1 Jan 2030): its opening date becomes today." in page
    opened_on_time = make_cycle(month=dt.date(2020, 1, 1))
    assert "earlier than planned" not in hr.get(url("hr_cycle", opened_on_time)).content.decode()


def test_an_illegal_transition_names_the_allowed_next_phase(hr):
    cycle = make_cycle()
    response = hr.post(url("hr_cycle_transition", cycle), confirmed(Status.ANNOUNCED), follow=True)
    assert response.status_code == 200
    [message] = messages_of(response)
    assert "cannot move to “announced”" in message
    assert "It can move only to: “Open for nominations”" in message
    cycle.refresh_from_db()
    assert cycle.status == Status.DRAFT


def test_a_transition_past_the_asked_phase_shows_the_real_state(hr):
    cycle = make_cycle()
    services.transition(cycle=cycle, to=Status.OPEN, by=None)  # another HR user, a moment ago
    services.transition(cycle=cycle, to=Status.JUDGING, by=None)
    response = hr.post(url("hr_cycle_transition", cycle), confirmed(Status.OPEN), follow=True)
    [message] = messages_of(response)
    assert "judging cannot move to “open”" in message
    assert "“Decided”" in message
    assert response.context["cycle"].status == Status.JUDGING
    assert 'name="to" value="decided"' in response.content.decode()


def test_a_second_yes_once_the_move_is_made_says_it_is_done(hr):
    cycle = make_cycle()
    hr.post(
        url("hr_cycle_transition", cycle), confirmed(Status.OPEN), follow=True
    )  # a double click
    response = hr.post(url("hr_cycle_transition", cycle), confirmed(Status.OPEN), follow=True)
    assert messages_of(response) == ["Nominations are open."]
    assert response.redirect_chain[-1][0] == cycle.get_absolute_url()
    assert (
        AuditEvent.objects.filter(verb="cycle.transitioned", target_id=str(cycle.pk)).count() == 1
    )


def test_opening_with_an_invalid_rubric_says_why(hr):
    cycle = make_cycle()
    Criterion.objects.filter(cycle=cycle, kind=Kind.PANEL).update(weight=1)  # a broken rubric
    page = hr.get(url("hr_cycle", cycle)).content.decode()
    assert "The rubric has problems" in page
    response = hr.post(url("hr_cycle_transition", cycle), confirmed(Status.OPEN), follow=True)
    [message] = messages_of(response)
    assert message.startswith("The rubric must be valid before the cycle opens.")
    assert "(28 short)" in message
    cycle.refresh_from_db()
    assert cycle.status == Status.DRAFT


@pytest.mark.parametrize("to", ["", "nonsense", "<script>alert(1)</script>", "x" * 5000, "\x00"])
def test_junk_transitions_are_refused_without_an_error_page(hr, to):
    cycle = make_cycle()
    for response in (
        hr.post(url("hr_cycle_transition", cycle), confirmed(to), follow=True),
        hr.get(url("hr_cycle_transition", cycle), {"to": to}, follow=True),
    ):
        assert response.status_code == 200
        assert "It can move only to" in messages_of(response)[0]
        assert b"<script>alert" not in response.content


def confirmed(to: str) -> dict:
    return {"to": to, "confirm": "yes"}


def confirmation(hr, cycle: AwardCycle, to: str) -> str:
    response = hr.get(url("hr_cycle_transition", cycle), {"to": to})
    assert response.status_code == 200
    cycle.refresh_from_db()
    return response.content.decode()


def test_opening_asks_first_saying_who_can_nominate(hr):
    cycle = make_cycle()
    make_user()
    page = confirmation(hr, cycle, Status.OPEN)
    assert "people can nominate colleagues until nominations close" in page
    assert "Yes, open nominations" in page
    assert 'name="confirm" value="yes"' in page
    assert cycle.status == Status.DRAFT


def test_opening_before_the_planned_date_says_the_date_becomes_today(hr):
    early = make_cycle()  # the factory plans cycles in 2030
    assert "its opening date becomes today" in confirmation(hr, early, Status.OPEN)
    due = make_cycle(month=dt.date(2030, 2, 1))
    AwardCycle.objects.filter(pk=due.pk).update(opens_at=timezone.now() - dt.timedelta(days=1))
    assert "its opening date becomes today" not in confirmation(hr, due, Status.OPEN)


def test_closing_nominations_asks_first_with_the_counts(hr, hr_user):
    cycle = make_cycle(status=Status.OPEN)
    judge = make_user()
    judging.assign_judges(cycle=cycle, judges=[judge], by=hr_user)
    nina, tom = make_user(), make_user()
    make_nomination(nominator=make_user(), nominee=nina, cycle=cycle)
    make_nomination(nominator=make_user(), nominee=nina, cycle=cycle)
    make_nomination(nominator=make_user(), nominee=tom, cycle=cycle)
    page = confirmation(hr, cycle, Status.JUDGING)
    assert "3 nominations will be frozen" in page
    assert "2 candidates will be scored" in page
    assert "1 judge can start scoring" in page
    assert "Yes, close nominations" in page
    assert cycle.status == Status.OPEN


def test_closing_nominations_counts_the_candidates_the_scoreboard_counts(hr):
    from tests.thanks.test_link_and_wall import make_thanks

    cycle = make_cycle(status=Status.OPEN)
    nina, gone = make_user(), make_user()
    make_nomination(nominator=make_user(), nominee=nina, cycle=cycle)
    make_nomination(nominator=make_user(), nominee=gone, cycle=cycle)
    gone.is_active = False  # left the company: not a candidate any more
    gone.save()
    for _ in range(2):
        make_thanks(make_user(), cycle=cycle)  # thanked by a customer, nominated by nobody
    page = confirmation(hr, cycle, Status.JUDGING)
    assert "3 candidates will be scored" in page  # Nina and the two thanked


def test_closing_nominations_without_judges_warns(hr):
    page = confirmation(hr, make_cycle(status=Status.OPEN), Status.JUDGING)
    assert "0 judges can start scoring" in page
    assert "No judge is assigned yet" in page


def test_deciding_asks_first_naming_who_would_win(hr):
    cycle = make_cycle(status=Status.OPEN)
    nina = make_user(full_name="Nina Nominee")
    make_nomination(nominator=make_user(), nominee=nina, cycle=cycle)
    cycle = move(cycle, Status.JUDGING)
    page = confirmation(hr, cycle, Status.DECIDED)
    assert "0 scores from 0 judges will be final" in page
    assert "1 candidate will be ranked" in page
    assert "the winner will be Nina Nominee" in page
    assert cycle.status == Status.JUDGING


def test_deciding_counts_only_the_judges_who_scored(hr, hr_user):
    cycle = make_cycle(status=Status.OPEN)
    nina = make_user()
    make_nomination(nominator=make_user(), nominee=nina, cycle=cycle)
    scorer, idle = make_user(), make_user()
    judging.assign_judges(cycle=cycle, judges=[scorer, idle], by=hr_user)
    cycle = move(cycle, Status.JUDGING)
    panel = cycle.criteria.filter(kind=Kind.PANEL).first()
    judging.score_candidate(cycle=cycle, judge=scorer, candidate=nina, criterion=panel, score=4)
    page = confirmation(hr, cycle, Status.DECIDED)
    assert "1 score from 1 judge will be final" in page


def test_opening_a_draft_with_an_invalid_rubric_says_so_and_offers_no_yes(hr):
    cycle = make_cycle()
    Criterion.objects.filter(cycle=cycle, kind=Kind.PANEL).update(weight=1)  # a broken rubric
    page = confirmation(hr, cycle, Status.OPEN)
    assert "The rubric must be valid before the cycle opens." in page
    assert "(28 short)" in page
    assert "Yes, open nominations" not in page
    assert 'name="confirm"' not in page
    assert url("hr_rubric", cycle) in page


def winners_shown(page: str) -> str:
    return re.search(r'name="shown" value="([\d,]*)"', page).group(1)


def test_announcing_winners_that_changed_since_the_look_asks_again(hr, hr_user):
    cycle = make_cycle(status=Status.OPEN)
    nina, tom = make_user(full_name="Nina First"), make_user(full_name="Tom Second")
    make_nomination(nominator=make_user(), nominee=nina, cycle=cycle)
    make_nomination(nominator=make_user(), nominee=nina, cycle=cycle)
    make_nomination(nominator=make_user(), nominee=tom, cycle=cycle)
    cycle = move(cycle, Status.DECIDED)
    looked = winners_shown(confirmation(hr, cycle, Status.ANNOUNCED))
    assert looked == str(nina.pk)
    # Another HR tab puts Tom first meanwhile.
    deciding.override_ranking(
        cycle=cycle, by=hr_user, ranking=[tom.pk], justification="Tom's customers wrote in."
    )
    data = confirmed(Status.ANNOUNCED) | {"shown": looked}
    response = hr.post(url("hr_cycle_transition", cycle), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "The winners changed since you looked" in page
    assert "1 winner will be announced: Tom Second." in page
    cycle.refresh_from_db()
    assert cycle.status == Status.DECIDED
    # Confirming what the page now shows announces.
    data["shown"] = winners_shown(page)
    hr.post(url("hr_cycle_transition", cycle), data)
    cycle.refresh_from_db()
    assert cycle.status == Status.ANNOUNCED


def test_deciding_after_the_leaders_changed_since_the_look_asks_again(hr):
    cycle = make_cycle(status=Status.OPEN)
    nina = make_user()
    make_nomination(nominator=make_user(), nominee=nina, cycle=cycle)
    cycle = move(cycle, Status.JUDGING)
    assert winners_shown(confirmation(hr, cycle, Status.DECIDED)) == str(nina.pk)
    data = confirmed(Status.DECIDED) | {"shown": "999999"}  # what a stale page named
    response = hr.post(url("hr_cycle_transition", cycle), data)
    assert "The standings changed since you looked" in response.content.decode()
    cycle.refresh_from_db()
    assert cycle.status == Status.JUDGING


def test_announcing_asks_first_saying_who_will_be_told(hr):
    cycle = make_cycle(status=Status.OPEN, winner_count=2)
    people = [make_user() for _ in range(4)]
    for person in people:
        make_nomination(nominator=make_user(), nominee=person, cycle=cycle)
    cycle = move(cycle, Status.DECIDED)
    winners = [a.recipient.full_name for a in cycle.awards.order_by("rank")]
    page = confirmation(hr, cycle, Status.ANNOUNCED)
    assert f"2 winners will be announced: {winners[0]}, {winners[1]}." in page
    assert "2 other nominees will be told they were nominated" in page
    assert "Yes, announce the winners" in page
    assert cycle.status == Status.DECIDED


@pytest.mark.parametrize(
    "status, to",
    [
        (Status.DRAFT, Status.OPEN),
        (Status.OPEN, Status.JUDGING),
        (Status.JUDGING, Status.DECIDED),
        (Status.DECIDED, Status.ANNOUNCED),
    ],
)
def test_a_one_click_post_without_the_confirmation_moves_nothing(hr, status, to):
    cycle = make_cycle(status=status)
    for data in ({"to": to}, {"to": to, "confirm": "no"}):
        response = hr.post(url("hr_cycle_transition", cycle), data)
        assert response.status_code == 200
        assert 'name="confirm" value="yes"' in response.content.decode()
        cycle.refresh_from_db()
        assert cycle.status == status
    assert not AuditEvent.objects.filter(verb="cycle.transitioned", actor__isnull=False).exists()


def test_the_confirmation_of_a_move_someone_made_meanwhile_shows_the_real_state(hr):
    cycle = make_cycle()
    services.transition(cycle=cycle, to=Status.OPEN, by=None)
    response = hr.get(url("hr_cycle_transition", cycle), {"to": Status.OPEN}, follow=True)
    assert response.redirect_chain[-1][0] == cycle.get_absolute_url()
    assert "It can move only to: “Judging”" in messages_of(response)[0]


def test_a_decided_cycle_names_its_winners_to_hr(hr):
    cycle = make_cycle(status=Status.OPEN)
    nina = make_user(full_name="Nina Nominee")
    make_nomination(nominator=make_user(), nominee=nina, cycle=cycle)
    page = hr.get(url("hr_cycle", cycle)).content.decode()
    assert "Winners" not in page
    cycle = move(cycle, Status.DECIDED)
    for name in ("hr_cycle", "hr_scoreboard"):
        page = hr.get(url(name, cycle)).content.decode()
        assert "Winners (not announced yet)" in page
        section = page[page.index('id="winners-heading"') :]
        assert "Nina Nominee" in section[: section.index("</section>")]
    move(cycle, Status.ANNOUNCED)
    assert 'id="winners-heading">Winners<' in hr.get(url("hr_cycle", cycle)).content.decode()


# --- Rubric editor ------------------------------------------------------------------------------


def test_the_editor_lists_the_rubric_with_its_meaning(hr):
    cycle = make_cycle()
    response = hr.get(url("hr_rubric", cycle))
    html = response.content.decode()
    assert response.context["formset"].total_form_count() == len(services.DEFAULT_RUBRIC) + 1
    assert 'value="Customer-awareness evidence"' in html
    assert "Save the rubric" in html
    assert "an input of 6 earns 20" in html
    assert "at the <strong>half point</strong> it earns half of them" in html
    assert 'hx-post="' + url("hr_rubric_summary", cycle) + '"' in html


def test_hr_saves_a_valid_rubric(hr, hr_user):
    cycle = make_cycle()
    rows = [*good_rubric(), row("", "", "")]  # the blank extra row is ignored
    response = hr.post(url("hr_rubric", cycle), rubric_data(rows))
    assert response.status_code == 302
    criteria = list(cycle.criteria.all())
    assert [(c.name, c.weight) for c in criteria] == [
        ("Evidence", 40),
        ("Thanks", 20),
        ("Peers", 20),
        ("Panel", 20),
    ]
    assert criteria[0].half_point == Decimal(6)
    assert AuditEvent.objects.filter(verb="cycle.rubric_changed", actor=hr_user).exists()


def test_the_service_decides_what_is_customer_focused(hr):
    cycle = make_cycle()
    rows = [
        row("Evidence", Kind.CUSTOMER_EVIDENCE, 40, "6", focused=False),
        row("Peers", Kind.PEER_SUPPORT, 20, "3", focused=True),
        row("Impact", Kind.PANEL, 20, "9", focused=True),
        row("Craft", Kind.PANEL, 20),
    ]
    hr.post(url("hr_rubric", cycle), rubric_data(rows))
    saved = {c.name: (c.customer_focused, c.half_point) for c in cycle.criteria.all()}
    assert saved == {
        "Evidence": (True, Decimal(6)),
        "Peers": (False, Decimal(3)),
        "Impact": (True, None),
        "Craft": (False, None),
    }


@pytest.mark.parametrize(
    "evidence_weight, message",
    [
        (39, "The weights add up to 99%; they must add up to exactly 100% (1 short)."),
        (41, "The weights add up to 101%; they must add up to exactly 100% (1 too many)."),
    ],
)
def test_weights_that_do_not_add_up_to_100_are_refused(hr, evidence_weight, message):
    cycle = make_cycle()
    before = list(cycle.criteria.values_list("name", flat=True))
    response = hr.post(url("hr_rubric", cycle), rubric_data(good_rubric(evidence_weight)))
    assert response.status_code == 200
    assert message in response.context["save_errors"]
    html = response.content.decode()
    assert "The rubric was not saved" in html
    assert message in html
    assert f'value="{evidence_weight}"' in html  # what HR typed is kept
    assert list(cycle.criteria.values_list("name", flat=True)) == before


def test_a_rubric_below_the_customer_floor_is_refused_saying_by_how_much(hr):
    cycle = make_cycle()
    rows = [
        row("Evidence", Kind.CUSTOMER_EVIDENCE, 30, "6"),
        row("Thanks", Kind.CUSTOMER_THANKS, 10, "2"),
        row("Peers", Kind.PEER_SUPPORT, 30, "3"),
        row("Panel", Kind.PANEL, 30),
    ]
    response = hr.post(url("hr_rubric", cycle), rubric_data(rows))
    assert (
        "Customer-focused criteria carry 40%, below this cycle's floor of 50% (10 short)."
        in response.context["save_errors"]
    )
    assert cycle.criteria.count() == len(services.DEFAULT_RUBRIC)


def test_row_mistakes_are_shown_in_the_row(hr):
    cycle = make_cycle()
    rows = good_rubric()
    rows[1]["weight"] = "lots"
    rows[2]["name"] = ""
    response = hr.post(url("hr_rubric", cycle), rubric_data(rows))
    formset = response.context["formset"]
    assert "weight" in formset.forms[1].errors
    assert "name" in formset.forms[2].errors
    html = response.content.decode()
    assert "There is a problem" in html  # the error summary links to each wrong field
    assert 'href="#id_form-1-weight"' in html and 'href="#id_form-2-name"' in html
    assert html.count('class="rubric-row row-invalid"') == 2
    assert 'value="lots"' in html


def test_removing_a_row_and_adding_one_without_javascript(hr):
    cycle = make_cycle()
    rows = [*good_rubric(), row("Extra", Kind.PANEL, 10)]
    rows[-1]["DELETE"] = True
    response = hr.post(url("hr_rubric", cycle), rubric_data(rows, action="add"))
    assert response.status_code == 200
    assert response.context["formset"].total_form_count() == len(rows) + 1
    assert "<html" in response.content.decode()
    response = hr.post(url("hr_rubric", cycle), rubric_data(rows))
    assert response.status_code == 302
    assert "Extra" not in set(cycle.criteria.values_list("name", flat=True))


def test_a_row_added_by_posting_back_stays_blank_and_is_ignored(hr):
    cycle = make_cycle()
    response = hr.post(url("hr_rubric", cycle), rubric_data(good_rubric(), action="add"))
    html = response.content.decode()
    new_row = html.split('name="form-4-kind"')[1].split("</select>")[0]
    assert '<option value="" selected>Choose a kind</option>' in new_row
    data = rubric_data(good_rubric()) | {"form-TOTAL_FORMS": "5"}  # the new row, left empty
    assert hr.post(url("hr_rubric", cycle), data).status_code == 302
    assert cycle.criteria.count() == 4


def test_adding_a_row_with_htmx_swaps_only_the_editor(hr):
    cycle = make_cycle()
    response = hr.post(
        url("hr_rubric", cycle),
        rubric_data(good_rubric(), action="add"),
        headers={"HX-Request": "true", "HX-Target": "rubric-editor"},
    )
    html = response.content.decode()
    assert "<html" not in html
    assert 'name="form-4-name"' in html
    assert 'name="form-TOTAL_FORMS" value="5"' in html


@pytest.mark.parametrize("action", ["save", "add", "check"])
def test_only_a_save_with_mistakes_says_the_rubric_was_not_saved(hr, action):
    cycle = make_cycle()
    rows = good_rubric()
    rows[1]["weight"] = "lots"
    html = hr.post(url("hr_rubric", cycle), rubric_data(rows, action=action)).content.decode()
    assert "There is a problem" in html
    assert ("The rubric was not saved." in html) == (action == "save")


def test_the_added_row_takes_the_focus(hr):
    cycle = make_cycle()
    html = hr.post(url("hr_rubric", cycle), rubric_data(good_rubric(), action="add")).content
    assert re.findall(r'<input [^>]*name="(form-\d+-\w+)"[^>]*autofocus', html.decode()) == [
        "form-4-name"
    ]


def test_adding_a_row_to_a_full_rubric_says_so_instead_of_focusing_an_old_row(hr):
    cycle = make_cycle()
    rows = [*good_rubric(), *[row("", "", "") for _ in range(8)]]  # 12, the most allowed
    response = hr.post(url("hr_rubric", cycle), rubric_data(rows, action="add"))
    html = response.content.decode()
    assert response.context["formset"].total_form_count() == 12
    assert not re.search(r'<input [^>]*name="form-\d+-name"[^>]*autofocus', html)
    message = re.search(r"<p [^>]*autofocus[^>]*>([^<]*)</p>", html)
    assert message and message.group(1) == "The rubric has the most rows allowed (12)."


def test_checking_without_saving_shows_the_totals(hr):
    cycle = make_cycle()
    response = hr.post(url("hr_rubric", cycle), rubric_data(good_rubric(39), action="check"))
    assert response.status_code == 200
    assert response.context["summary"].total == 99
    assert cycle.criteria.count() == len(services.DEFAULT_RUBRIC)


def test_the_live_summary_returns_the_running_totals_as_a_partial(hr):
    cycle = make_cycle()
    response = hr.post(
        url("hr_rubric_summary", cycle),
        rubric_data(good_rubric(39)),
        headers={"HX-Request": "true", "HX-Target": "rubric-summary"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert '<span class="figure">99%</span> allocated' in html
    assert '<span class="figure">59%</span> customer-focused, floor 50%' in html
    assert "(1 short)" in html
    assert 'id="rubric-points" hx-swap-oob="innerHTML"' in html
    assert "an input of 6 earns 19.5" in html


def test_the_live_summary_counts_half_typed_rows_as_zero(hr):
    cycle = make_cycle()
    rows = good_rubric()
    rows[3]["weight"] = "2x"
    response = hr.post(url("hr_rubric_summary", cycle), rubric_data(rows))
    assert response.context["summary"].total == 80
    assert "1 row is not complete yet" in response.content.decode()


def test_in_judging_the_rubric_is_read_only_and_explained(hr):
    cycle = make_cycle(status=Status.JUDGING)
    html = hr.get(url("hr_rubric", cycle)).content.decode()
    assert "The rubric is frozen: this cycle is judging." in html
    assert "Save the rubric" not in html
    assert "<input" not in html.split("</form>")[-1].split("<footer")[0]
    assert "Customer-awareness evidence" in html


def test_saving_a_rubric_in_judging_is_refused(hr):
    cycle = make_cycle(status=Status.JUDGING)
    response = hr.post(url("hr_rubric", cycle), rubric_data(good_rubric()), follow=True)
    [message] = messages_of(response)
    assert "can be changed only while the cycle is a draft or open" in message
    assert cycle.criteria.count() == len(services.DEFAULT_RUBRIC)
    assert not AuditEvent.objects.filter(verb="cycle.rubric_changed").exists()


def test_saving_a_broken_rubric_in_judging_is_refused_the_same_way(hr):
    cycle = make_cycle(status=Status.JUDGING)
    rows = good_rubric()
    rows[0]["weight"] = "junk"
    response = hr.post(url("hr_rubric", cycle), rubric_data(rows), follow=True)
    assert "can be changed only while" in messages_of(response)[0]


# --- No input produces a 500 ---------------------------------------------------------------------

JUNK = [
    "",
    "abc",
    "-1",
    "1e400",
    "99999999999999999999999",
    "9999-12",
    "9999-12-31T23:59",
    "<script>alert(1)</script>",
    "\x00",
    "x" * 10_000,
]


@pytest.mark.parametrize(
    "field",
    [
        "month",
        "title",
        "opens_at",
        "nominations_close_at",
        "judging_close_at",
        "winner_count",
        "cooldown_cycles",
        "customer_share_floor",
        "blind_judging",
        "rubric_from",
        "eligible_departments",
    ],
)
def test_junk_in_any_new_cycle_field_never_breaks_the_page(hr, db, field):
    for value in JUNK:
        response = hr.post(url("hr_cycle_new"), new_cycle_data(**{field: value}))
        assert response.status_code in (200, 302), value
        assert b"<script>alert" not in response.content
        AwardCycle.objects.all().delete()


@pytest.mark.parametrize(
    "field",
    [
        "title",
        "opens_at",
        "nominations_close_at",
        "judging_close_at",
        "winner_count",
        "cooldown_cycles",
        "customer_share_floor",
        "eligible_departments",
    ],
)
def test_junk_in_any_setting_never_breaks_the_page(hr, field):
    cycle = make_cycle()
    data = settings_data(cycle)
    for value in JUNK:
        response = hr.post(url("hr_cycle", cycle), data | {field: value})
        assert response.status_code in (200, 302), value
        assert b"<script>alert" not in response.content


@pytest.mark.parametrize(
    "key",
    [
        "form-0-name",
        "form-0-kind",
        "form-0-weight",
        "form-0-half_point",
        "form-0-customer_focused",
        "form-0-DELETE",
        "form-TOTAL_FORMS",
        "form-INITIAL_FORMS",
        "action",
    ],
)
@pytest.mark.parametrize("endpoint", ["hr_rubric", "hr_rubric_summary"])
def test_junk_in_any_rubric_input_never_breaks_the_editor(hr, endpoint, key):
    cycle = make_cycle()
    for value in JUNK:
        response = hr.post(url(endpoint, cycle), rubric_data(good_rubric()) | {key: value})
        assert response.status_code in (200, 302), value
        assert b"<script>alert" not in response.content


def test_a_huge_number_of_rows_is_refused_politely(hr):
    cycle = make_cycle()
    rows = [row(f"P{i}", Kind.PANEL, 1) for i in range(100)]
    for endpoint in ("hr_rubric", "hr_rubric_summary"):
        response = hr.post(url(endpoint, cycle), rubric_data(rows))
        assert response.status_code == 200
    assert cycle.criteria.count() == len(services.DEFAULT_RUBRIC)


def test_the_junk_checks_cover_every_new_cycle_field():
    from cycles.forms import NewCycleForm

    covered = {
        "month",
        "title",
        "opens_at",
        "nominations_close_at",
        "judging_close_at",
        "winner_count",
        "cooldown_cycles",
        "customer_share_floor",
        "blind_judging",
        "rubric_from",
        "eligible_departments",
    }
    assert set(NewCycleForm.base_fields) == covered


def test_queries_do_not_grow_with_the_rubric(hr):
    # The editor reads the rubric once: a bigger rubric costs no more queries.
    cycle = make_cycle()
    hr.get(url("hr_rubric", cycle))  # the first request of a session also records the session
    with CaptureQueriesContext(connection) as small:
        hr.get(url("hr_rubric", cycle))
    services.replace_rubric(
        cycle=cycle,
        criteria=[
            {"name": f"P{i}", "kind": Kind.PANEL, "weight": 10, "customer_focused": i < 5}
            for i in range(10)
        ],
        by=None,
    )
    with CaptureQueriesContext(connection) as big:
        hr.get(url("hr_rubric", cycle))
    assert len(big) == len(small)


def test_the_form_the_api_and_the_admin_take_the_editable_settings_from_the_service():
    from django.contrib import admin

    from cycles.api import CycleSerializer, CycleWriteSerializer
    from cycles.forms import CycleSettingsForm

    assert set(CycleSettingsForm.base_fields) == set(services.EDITABLE_FIELDS)
    assert tuple(CycleWriteSerializer().fields) == services.EDITABLE_FIELDS
    assert set(services.EDITABLE_FIELDS) <= set(CycleSerializer.Meta.fields)
    cycle_admin = admin.site._registry[AwardCycle]
    assert cycle_admin.fieldsets[-1][1]["fields"] == services.EDITABLE_FIELDS


LIMITS = [
    ("winner_count", 0, "Ensure this value is greater than or equal to 1."),
    ("winner_count", 11, "Ensure this value is less than or equal to 10."),
    ("cooldown_cycles", -1, "Ensure this value is greater than or equal to 0."),
    ("cooldown_cycles", 25, "Ensure this value is less than or equal to 24."),
    ("customer_share_floor", -1, "Ensure this value is greater than or equal to 0."),
    ("customer_share_floor", 101, "Ensure this value is less than or equal to 100."),
]


@pytest.mark.parametrize(("name", "value", "message"), LIMITS)
def test_the_page_and_the_api_take_a_settings_limits_from_the_model(db, name, value, message):
    from cycles.api import CycleCreateSerializer, CycleUpdateSerializer
    from cycles.forms import DATE_FIELDS, CycleSettingsForm, NewCycleForm

    with pytest.raises(ValidationError) as error:
        AwardCycle(**{name: value}).clean_fields(exclude=["title", "month", *DATE_FIELDS])
    assert error.value.message_dict == {name: [message]}
    for form in (CycleSettingsForm({name: value}), NewCycleForm({name: value})):
        assert form.errors[name] == [message]
    for serializer in (
        CycleUpdateSerializer(data={name: value}, partial=True),
        CycleCreateSerializer(data={name: value}),
    ):
        assert not serializer.is_valid()
        assert serializer.errors[name] == [message]


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("weight", 101, "Ensure this value is less than or equal to 100."),
        ("weight", -1, "Ensure this value is greater than or equal to 0."),
        ("half_point", "0", "Ensure this value is greater than or equal to 0.01."),
    ],
)
def test_the_page_and_the_api_take_a_rubric_rows_limits_from_the_model(name, value, message):
    from cycles.api import CriterionInputSerializer
    from cycles.forms import CriterionForm

    assert CriterionForm({name: value}).errors[name] == [message]
    serializer = CriterionInputSerializer(data={name: value}, partial=True)
    assert not serializer.is_valid()
    assert serializer.errors[name] == [message]


def test_employees_cannot_see_a_confirmation(login, employee):
    cycle = make_cycle()
    response = login(employee).get(url("hr_cycle_transition", cycle), {"to": Status.OPEN})
    assert response.status_code == 403


def test_the_transition_pages_words_are_marked_for_translation():
    from django.utils.functional import Promise

    from cycles.views import TRANSITION_ACTIONS, TRANSITION_DONE

    words = [text for pair in TRANSITION_ACTIONS.values() for text in pair]
    assert all(isinstance(text, Promise) for text in [*words, *TRANSITION_DONE.values()])
    assert isinstance(deciding.JUSTIFICATION_NEEDED, Promise)


def test_opening_names_no_winners_so_a_tampered_shown_is_ignored(hr):
    cycle = make_cycle()
    hr.post(url("hr_cycle_transition", cycle), confirmed(Status.OPEN) | {"shown": "1,2"})
    cycle.refresh_from_db()
    assert cycle.status == Status.OPEN
