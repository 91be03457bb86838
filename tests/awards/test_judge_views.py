"""Judging on the web: HR's panel page, the judge's list of cycles and the scoring page."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from awards.models import AwardCycle, Criterion, JudgeAssignment, PanelScore
from cycles import judging, scoring
from nominations import services as nominations
from nominations.models import Evidence
from tests.awards.conftest import make_cycle
from tests.awards.test_judging import Panel
from tests.conftest import make_user
from tests.nominations.conftest import make_nomination, move
from tests.thanks.conftest import approved

Status = AwardCycle.Status


@pytest.fixture
def panel(db) -> Panel:
    return Panel()


def judge_url(cycle: AwardCycle) -> str:
    return reverse("awards:judge_cycle", args=[cycle.pk])


def score_url(cycle: AwardCycle, candidate) -> str:
    return reverse("awards:judge_score", args=[cycle.pk, candidate.pk])


def judges_url(cycle: AwardCycle) -> str:
    return reverse("awards:hr_judges", args=[cycle.pk])


def scores(panel: Panel, impact="4", innovation="", note="") -> dict:
    return {
        f"score_{panel.impact.pk}": impact,
        f"note_{panel.impact.pk}": note,
        f"score_{panel.innovation.pk}": innovation,
        f"note_{panel.innovation.pk}": "",
    }


# --- Access -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["judge_home", "judge_cycle", "hr_judges"])
def test_anonymous_visitors_are_sent_to_log_in(client, panel, name):
    args = [] if name == "judge_home" else [panel.cycle.pk]
    response = client.get(reverse(f"awards:{name}", args=args))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_someone_who_judges_nothing_gets_a_friendly_page(login, panel):
    response = login(panel.bystander).get(reverse("awards:judge_home"))
    assert response.status_code == 200
    assert "You are not judging any cycle" in response.content.decode()


def test_a_judge_sees_their_cycle_and_progress(login, panel):
    response = login(panel.judge).get(reverse("awards:judge_home"))
    page = response.content.decode()
    assert panel.cycle.title in page
    assert "0 of 4 scores given" in page  # Nina and Tom, two panel criteria


def test_someone_who_is_not_a_judge_of_the_cycle_gets_404(login, panel):
    assert login(panel.bystander).get(judge_url(panel.cycle)).status_code == 404


def test_an_employee_cannot_open_the_judges_page(login, panel):
    assert login(panel.bystander).get(judges_url(panel.cycle)).status_code == 403


# --- The judging page -------------------------------------------------------------------------


def test_conflicted_candidates_are_hidden_and_counted(login, panel):
    page = login(panel.judge).get(judge_url(panel.cycle)).content.decode()
    assert "Nina Nominee" in page and "Tom Thanked" in page
    for hidden in ("Nick Nominated", "Eve Endorsed", "Rita Report"):
        assert hidden not in page
    # Nick, Eve and Rita; never the judge themself, who may be a candidate too.
    assert "3 candidates are hidden from you because of a conflict of interest" in page


def _judging_page_of_a_judge_with_no_other_conflict(login, *, nominated: bool) -> str:
    hr = make_user(hr=True)
    cycle = make_cycle(month=dt.date(2030, 2 if nominated else 3, 1), status=Status.OPEN)
    judge = make_user(full_name="Jude Judge")
    make_nomination(nominator=make_user(), nominee=make_user(full_name="Nina Nominee"))
    if nominated:
        make_nomination(nominator=make_user(), nominee=judge, headline="Judged fairly")
    judging.assign_judges(cycle=cycle, judges=[judge], by=hr, confirmed_candidates=[judge.pk])
    cycle = move(cycle, Status.JUDGING)
    page = login(judge).get(judge_url(cycle)).content.decode()
    # The page as the judge reads it, without what differs from one cycle or request to
    # another: the cycle's title, the ids and the CSRF tokens.
    page = page[page.index("<main") : page.index("</main>")].replace(cycle.title, "the cycle")
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)
    return re.sub(r"\d+", "#", page)


def test_a_judge_who_is_a_candidate_sees_the_same_page_as_if_they_were_not(login, db):
    as_candidate = _judging_page_of_a_judge_with_no_other_conflict(login, nominated=True)
    as_colleague = _judging_page_of_a_judge_with_no_other_conflict(login, nominated=False)
    assert "Nina Nominee" in as_candidate
    assert "conflict of interest" not in as_candidate
    assert as_candidate == as_colleague


def test_scoring_a_conflicted_candidate_is_forbidden(login, panel):
    response = login(panel.judge).post(score_url(panel.cycle, panel.nick), scores(panel))
    assert response.status_code == 403
    assert not PanelScore.objects.exists()


def test_blind_judging_hides_the_nominators(login, panel):
    page = login(panel.judge).get(judge_url(panel.cycle)).content.decode()
    assert "Rewrote the refund letter" in page
    assert "Omar Nominator" not in page
    assert "Nominator hidden" in page


def test_without_blind_judging_judges_see_the_nominators(login, panel):
    AwardCycle.objects.filter(pk=panel.cycle.pk).update(blind_judging=False)
    page = login(panel.judge).get(judge_url(panel.cycle)).content.decode()
    assert "Nominated by Omar Nominator" in page


def test_thank_yous_show_the_customers_first_name_never_their_address(login, panel):
    page = login(panel.judge).get(judge_url(panel.cycle)).content.decode()
    assert "Thank you for sorting out my invoice" in page
    assert "Ann" in page
    assert "ann@customer.example" not in page


def test_evidence_shows_its_verification_state(login, panel):
    nomination = panel.cycle.nominations.get(nominee=panel.nina)
    Evidence.objects.create(
        nomination=nomination, kind=Evidence.Kind.CUSTOMER_WORDS, quote="Best help ever."
    )
    page = login(panel.judge).get(judge_url(panel.cycle)).content.decode()
    assert "Best help ever." in page
    assert "Not yet verified" in page


@pytest.mark.parametrize("value", ["0", "6"])
def test_a_score_outside_1_to_5_is_refused_next_to_the_field(login, panel, value):
    response = login(panel.judge).post(
        score_url(panel.cycle, panel.nina), scores(panel, impact=value), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Give a score from 1 to 5." in page
    assert f'id="id_c{panel.nina.pk}_score_{panel.impact.pk}_error"' in page
    assert not PanelScore.objects.exists()


@pytest.mark.parametrize("value", ["five", "4.5", "1e3"])
def test_a_score_that_is_not_a_whole_number_is_refused_once_in_the_same_words(login, panel, value):
    response = login(panel.judge).post(
        score_url(panel.cycle, panel.nina),
        scores(panel, impact=value, innovation="5"),
        HTTP_HX_REQUEST="true",
    )
    page = response.content.decode()
    # Said once next to the score, and once in the error summary that links to it.
    assert page.count("Give a score from 1 to 5.") == 2
    assert f'id="id_c{panel.nina.pk}_score_{panel.impact.pk}_error"' in page
    assert f'href="#id_c{panel.nina.pk}_score_{panel.impact.pk}_0"' in page
    assert not PanelScore.objects.exists()  # nor the other criterion's


def test_a_note_without_a_score_asks_for_the_score(login, panel):
    response = login(panel.judge).post(
        score_url(panel.cycle, panel.nina),
        scores(panel, impact="", note="Kind to every caller."),
        HTTP_HX_REQUEST="true",
    )
    page = response.content.decode()
    # Said once next to the score, and once in the error summary that links to it.
    assert page.count("Give a score from 1 to 5.") == 2
    assert f'id="id_c{panel.nina.pk}_score_{panel.impact.pk}_error"' in page
    assert f'href="#id_c{panel.nina.pk}_score_{panel.impact.pk}_0"' in page
    assert not PanelScore.objects.exists()


def test_an_htmx_save_swaps_the_candidates_form(login, panel):
    response = login(panel.judge).post(
        score_url(panel.cycle, panel.nina),
        scores(panel, impact="4", innovation="5", note="Calm under pressure."),
        HTTP_HX_REQUEST="true",
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in page
    assert f'id="score-{panel.nina.pk}"' in page
    assert "Saved" in page
    saved = {s.criterion_id: (s.score, s.note) for s in PanelScore.objects.all()}
    assert saved == {panel.impact.pk: (4, "Calm under pressure."), panel.innovation.pk: (5, "")}


def test_an_htmx_save_also_updates_the_progress_line_out_of_band(login, panel):
    response = login(panel.judge).post(
        score_url(panel.cycle, panel.nina),
        scores(panel, impact="4", innovation="5"),
        HTTP_HX_REQUEST="true",
    )
    progress = re.search(
        r'<span id="judge-progress"[^>]*>([^<]*)</span>', response.content.decode()
    )
    assert progress is not None
    assert 'hx-swap-oob="innerHTML"' in progress.group(0)
    assert progress.group(1) == "You have given 2 of 4 scores."


def test_saving_without_javascript_redirects_back_to_the_candidate(login, panel):
    response = login(panel.judge).post(score_url(panel.cycle, panel.nina), scores(panel))
    assert response.status_code == 302
    assert response["Location"].endswith(f"#candidate-{panel.nina.pk}")
    assert PanelScore.objects.get().score == 4


def test_a_save_with_mistakes_without_javascript_comes_back_titled_error(login, panel):
    response = login(panel.judge).post(score_url(panel.cycle, panel.nina), scores(panel, "9"))
    page = response.content.decode()
    assert response.status_code == 200 and "data-error-summary" in page
    # The form sits in the candidate's entry, not at the top of the context: still seen.
    assert re.search(r"<title>\s*Error: ", page)
    page = login(panel.judge).get(judge_url(panel.cycle)).content.decode()
    assert not re.search(r"<title>\s*Error", page)


def test_saved_scores_are_shown_when_the_page_opens_again(login, panel):
    panel.score(panel.nina, 3, note="Good listener.")
    page = login(panel.judge).get(judge_url(panel.cycle)).content.decode()
    assert re.search(r'value="3" id="[^"]+" checked', page)
    assert "Good listener." in page


def test_scores_are_read_only_once_judging_is_closed(login, panel):
    panel.score(panel.nina, 3)
    move(panel.cycle, Status.DECIDED)
    client = login(panel.judge)
    page = client.get(judge_url(panel.cycle)).content.decode()
    assert "Judging is closed" in page
    assert 'type="radio"' not in page
    response = client.post(
        score_url(panel.cycle, panel.nina), scores(panel, impact="5"), HTTP_HX_REQUEST="true"
    )
    assert "Judging is closed" in response.content.decode()
    assert PanelScore.objects.get().score == 3


# --- HR: choosing the judges ------------------------------------------------------------------


def test_hr_sees_each_judges_progress(login, panel):
    panel.score(panel.nina, 3)
    page = login(panel.hr).get(judges_url(panel.cycle)).content.decode()
    assert "Jude Judge" in page and "Olga Other" in page
    assert "1 of 4 scores given" in page


def test_hr_chooses_the_judges_with_the_picker(login, panel):
    newcomer = make_user(full_name="Nora New")
    response = login(panel.hr).post(
        judges_url(panel.cycle), {"q": "", "people": [str(panel.judge.pk), str(newcomer.pk)]}
    )
    assert response.status_code == 302
    judges = set(JudgeAssignment.objects.filter(cycle=panel.cycle).values_list("judge", flat=True))
    assert judges == {panel.judge.pk, newcomer.pk}


def test_hr_is_warned_before_putting_a_candidate_on_the_panel(login, panel):
    chosen = [str(panel.judge.pk), str(panel.nina.pk)]
    response = login(panel.hr).post(judges_url(panel.cycle), {"q": "", "people": chosen})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Nina Nominee is a candidate in this cycle" in page
    assert f'name="confirmed" value="{panel.nina.pk}"' in page
    assert 'aria-describedby="people-error"' in page  # the warning is tied to the picker
    assert re.search(rf'value="{panel.nina.pk}" id="people-{panel.nina.pk}" checked', page)
    judges = set(JudgeAssignment.objects.filter(cycle=panel.cycle).values_list("judge", flat=True))
    assert judges == {panel.judge.pk, panel.other_judge.pk}


def test_hr_puts_a_candidate_on_the_panel_once_they_confirm(login, panel):
    response = login(panel.hr).post(
        judges_url(panel.cycle),
        {"people": [str(panel.judge.pk), str(panel.nina.pk)], "confirmed": [str(panel.nina.pk)]},
    )
    assert response.status_code == 302
    judges = set(JudgeAssignment.objects.filter(cycle=panel.cycle).values_list("judge", flat=True))
    assert judges == {panel.judge.pk, panel.nina.pk}


def test_confirming_one_candidate_does_not_confirm_another(login, panel):
    response = login(panel.hr).post(
        judges_url(panel.cycle),
        {"people": [str(panel.nina.pk), str(panel.nick.pk)], "confirmed": [str(panel.nina.pk)]},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Nick Nominated is a candidate in this cycle" in page
    assert "Nina Nominee is a candidate" not in page
    assert not JudgeAssignment.objects.filter(judge__in=[panel.nina, panel.nick]).exists()


def test_hr_sees_which_judges_are_also_candidates(login, panel):
    page = login(panel.hr).get(judges_url(panel.cycle)).content.decode()
    judge_row = page[page.index("Jude Judge") : page.index("Olga Other")]
    assert "Also a candidate" in judge_row
    assert page.count("Also a candidate") == 1


def test_finding_colleagues_without_javascript_lists_them_to_tick(login, panel):
    make_user(full_name="Zelda Zebra")
    response = login(panel.hr).post(judges_url(panel.cycle), {"q": "Zelda", "find": "1"})
    assert response.status_code == 200
    assert "Zelda Zebra" in response.content.decode()
    assert JudgeAssignment.objects.filter(cycle=panel.cycle).count() == 2


def test_judges_cannot_change_once_the_cycle_is_decided(login, panel):
    move(panel.cycle, Status.DECIDED)
    client = login(panel.hr)
    assert "can no longer change" in client.get(judges_url(panel.cycle)).content.decode()
    response = client.post(judges_url(panel.cycle), {"people": [str(panel.bystander.pk)]})
    assert response.status_code == 200
    assert "Judges can change only until the cycle is decided" in response.content.decode()


# --- Query counts -----------------------------------------------------------------------------


def _judging_cycle(size: int, month: dt.date):
    hr = make_user(hr=True)
    cycle = make_cycle(month=month, status=Status.OPEN)
    judge = make_user()
    for _ in range(size):
        nominator, nominee = make_user(), make_user()
        nomination = make_nomination(nominator=nominator, nominee=nominee, cycle=cycle)
        nominations.add_evidence(
            nomination=nomination,
            by=nominator,
            kind=Evidence.Kind.CUSTOMER_WORDS,
            quote="They listened.",
            quote_source="A call",
        )
        approved(nominee, by=hr, email=f"c{nominee.pk}@customer.example")
    judging.assign_judges(cycle=cycle, judges=[judge], by=hr)
    cycle = move(cycle, Status.JUDGING)
    criterion = cycle.criteria.filter(kind=Criterion.Kind.PANEL).first()
    for person in scoring.candidates(cycle)[:2]:
        judging.score_candidate(
            cycle=cycle, judge=judge, candidate=person, criterion=criterion, score=4
        )
    return cycle, judge


def test_the_judging_page_runs_the_same_queries_whatever_the_number_of_candidates(
    db, login, django_assert_num_queries
):
    small, small_judge = _judging_cycle(2, dt.date(2030, 1, 1))
    client = login(small_judge)
    client.get(judge_url(small))  # warm the session
    with CaptureQueriesContext(connection) as queries:
        assert client.get(judge_url(small)).status_code == 200
    small_count = len(queries)
    move(small, Status.DECIDED)
    large, large_judge = _judging_cycle(7, dt.date(2030, 2, 1))
    client = login(large_judge)
    client.get(judge_url(large))
    with django_assert_num_queries(small_count):
        response = client.get(judge_url(large))
    assert response.content.decode().count('class="card candidate"') == 7


def test_home_sends_a_judge_to_the_cycles_awaiting_their_scores(login, db):
    judge = make_user(full_name="Jude Judge")
    judging = make_cycle(status="judging")
    JudgeAssignment.objects.create(cycle=judging, judge=judge)
    page = login(judge).get("/").content.decode()
    assert f"/judge/{judging.pk}/" in page
    assert "/judge/" not in login(make_user()).get("/").content.decode()


def test_a_judge_reads_the_story_as_written_and_sees_image_evidence(login, panel):
    nomination = panel.cycle.nominations.get(nominee=panel.nina)
    Evidence.objects.create(
        nomination=nomination,
        kind=Evidence.Kind.ARTIFACT,
        image="evidence/letter.webp",
        image_thumbnail="evidence/thumbs/letter.webp",
        caption="The new refund letter",
    )
    page = login(panel.judge).get(judge_url(panel.cycle)).content.decode()
    # Markdown, through the sanitiser: never the raw asterisks.
    assert "<strong>rewrote</strong>" in page
    assert "**rewrote**" not in page
    assert re.search(
        r'<img src="[^"]*evidence/thumbs/letter\.webp" alt="The new refund letter"', page
    )
