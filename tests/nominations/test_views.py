"""The nomination pages: nominate, read, evidence, verification, endorsements, invitations."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from awards.models import AwardCycle
from core.audit import AuditEvent
from nominations import services
from nominations.forms import EvidenceForm
from nominations.models import MAX_EVIDENCE, Endorsement, Evidence, Nomination
from tests.conftest import make_department, make_user
from tests.nominations.conftest import category, make_nomination, move

Status = AwardCycle.Status
Kind = Evidence.Kind
HTMX = {"HX-Request": "true"}


def detail_url(nomination: Nomination) -> str:
    return reverse("nominations:detail", args=[nomination.pk])


def nomination_data(nominee, **kw) -> dict:
    return {
        "nominee": nominee.pk,
        "category": category().pk,
        "headline": "Rewrote the refund letter with customers",
        "story": "She sat with support for a week and **rewrote** the letter.",
        "customer_impact": "Customers stopped calling to ask what the letter meant.",
    } | kw


def png_upload() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "orange").save(out, "PNG")
    return SimpleUploadedFile("photo.png", out.getvalue(), content_type="image/png")


EVIDENCE = {
    Kind.CUSTOMER_WORDS: {"quote": "You finally explained it in plain words.",
                          "quote_source": "Survey comment"},
    Kind.MEASURED_IMPROVEMENT: {"metric": "Calls about refunds", "before": "120", "after": "45",
                                "unit": "calls a week", "higher_is_better": "false",
                                "period": "four weeks before and after"},
    Kind.FRONT_LINE_TIME: {"date": "2029-12-30", "hours": "3.5",
                           "heard": "Customers could not find the refund form."},
}  # fmt: skip


def add(nomination, by, kind=Kind.CUSTOMER_WORDS, **kw) -> Evidence:
    """Evidence as the page adds it: the form's typed values, then the service."""
    data = {**EVIDENCE.get(kind, {}), **kw}
    form = EvidenceForm(data, {"image": data.pop("image", None)}, kind=kind)
    assert form.is_valid(), form.errors
    return services.add_evidence(nomination=nomination, by=by, kind=kind, **form.cleaned_data)


@pytest.fixture(autouse=True)
def _today_in_the_cycle(monkeypatch):
    # The test cycles are in 2030; front-line dates must be in the past but within a year.
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: dt.date(2030, 1, 15))


# --- Nominating -------------------------------------------------------------------------------


def test_the_nominate_page_shows_the_open_cycle_and_the_categories(login, people, cycle):
    response = login(people.nominator).get(reverse("nominations:new"))
    assert response.status_code == 200
    html = response.content.decode()
    assert str(cycle) in html
    assert "Who are you nominating?" in html
    assert 'name="category"' in html
    assert "Heard the customer" in html
    assert 'hx-get="/nominations/nominees/"' in html


def test_the_nominate_page_explains_when_nominations_are_closed(login, people, db):
    response = login(people.nominator).get(reverse("nominations:new"))
    assert response.status_code == 200
    assert b"Nominations are closed right now" in response.content
    assert b'name="headline"' not in response.content


def test_a_post_when_no_cycle_is_open_explains_and_creates_nothing(login, people, cycle):
    move(cycle, Status.JUDGING)
    response = login(people.nominator).post(
        reverse("nominations:new"), nomination_data(people.nominee)
    )
    assert response.status_code == 200
    assert b"Nominations are closed right now" in response.content
    assert not Nomination.objects.exists()


def test_a_profile_link_preselects_the_nominee(login, people, cycle):
    response = login(people.nominator).get(
        reverse("nominations:new"), {"nominee": people.nominee.pk}
    )
    html = response.content.decode()
    assert f'value="{people.nominee.pk}" id="nominee-{people.nominee.pk}" checked' in html


def test_nominating_a_colleague_leads_to_the_nomination_with_next_steps(login, people, cycle):
    client = login(people.nominator)
    response = client.post(reverse("nominations:new"), nomination_data(people.nominee))
    nomination = Nomination.objects.get()
    assert response.status_code == 302
    assert response["Location"] == detail_url(nomination)
    assert nomination.nominator == people.nominator
    assert nomination.cycle == cycle
    page = client.get(response["Location"]).content.decode()
    assert "add evidence" in page
    assert "invite colleagues" in page


def test_the_nominee_search_lists_matching_active_colleagues_except_me(login, people, cycle):
    make_user(full_name="Nina Gone", is_active=False)
    response = login(people.nominee).get(
        reverse("nominations:nominee_search"), {"q": "nina"}, headers=HTMX
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert "Nina Gone" not in html
    assert "Nina Nominee" not in html  # that is me
    response = login(people.nominator).get(reverse("nominations:nominee_search"), {"q": "nina"})
    html = response.content.decode()
    assert f'type="radio" name="nominee" value="{people.nominee.pk}"' in html


def test_the_nominee_search_keeps_the_picked_colleague(login, people, cycle):
    response = login(people.nominator).get(
        reverse("nominations:nominee_search"), {"q": "carl", "nominee": people.nominee.pk}
    )
    html = response.content.decode()
    assert f'value="{people.nominee.pk}" id="nominee-{people.nominee.pk}" checked' in html
    assert "Carl Colleague" in html


def test_the_nominee_search_puts_the_count_into_the_live_region(login, people, cycle):
    # Nina is picked and matches "nomi": she counts (Omar, who searches, is never offered).
    response = login(people.nominator).get(
        reverse("nominations:nominee_search"),
        {"q": "nomi", "nominee": people.nominee.pk},
        headers=HTMX,
    )
    html = response.content.decode()
    assert '<span hx-swap-oob="innerHTML:#nominee-count">1 colleague found</span>' in html
    nobody = login(people.nominator).get(
        reverse("nominations:nominee_search"), {"q": "zebra"}, headers=HTMX
    )
    assert b'#nominee-count">No colleague found</span>' in nobody.content


def test_the_picker_box_replaces_only_its_list_and_keeps_whoever_is_ticked(login, people, cycle):
    # Inside an htmx form the box would inherit the form's outerHTML swap and lose its
    # target after one search; a selector for ticked boxes alone matches nothing at first.
    html = login(people.nominator).get(reverse("nominations:new")).content.decode()
    assert 'hx-target="#nominee-options"' in html and 'hx-swap="innerHTML"' in html
    assert 'hx-include="#nominee-options"' in html and ":checked" not in html
    assert 'id="nominee-count" aria-live="polite"' in html


def test_the_nominee_search_shows_team_and_job(login, people, cycle):
    make_user(full_name="Tara Teamed", department=make_department("Billing"), job_title="Clerk")
    response = login(people.nominator).get(reverse("nominations:nominee_search"), {"q": "tara"})
    assert b"Clerk \xc2\xb7 Billing" in response.content


def test_the_invite_search_offers_check_boxes_without_the_nominee(login, nomination, people):
    response = login(people.nominator).get(
        reverse("nominations:nominee_search"),
        {"q": "n", "field": "people", "nomination": nomination.pk},
        headers=HTMX,
    )
    html = response.content.decode()
    assert 'type="checkbox" name="people"' in html
    assert "Nina Nominee" not in html
    assert "Omar Nominator" not in html
    assert "Mona Manager" in html


def test_searching_without_javascript_lists_the_colleagues_to_pick(login, people, cycle):
    response = login(people.nominator).post(
        reverse("nominations:new"), {"q": "nina", "find": "1", "headline": "Kept"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert f'type="radio" name="nominee" value="{people.nominee.pk}"' in html
    assert "Pick the colleague you mean from the list below." in html
    assert 'value="Kept"' in html
    assert "Give your nomination a headline." not in html
    assert not Nomination.objects.exists()


def test_submitting_without_picking_asks_to_pick_from_the_matches(login, people, cycle):
    data = nomination_data(people.nominee, q="nina")
    del data["nominee"]
    html = login(people.nominator).post(reverse("nominations:new"), data).content.decode()
    assert 'id="nominee-error"' in html
    assert "Pick the colleague you mean from the list below." in html
    assert f'name="nominee" value="{people.nominee.pk}"' in html


def test_nobody_can_nominate_themselves(login, people, cycle):
    response = login(people.nominator).post(
        reverse("nominations:new"), nomination_data(people.nominator)
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "You cannot nominate yourself" in html
    assert 'id="nominee-error"' in html
    assert not Nomination.objects.exists()


def test_a_duplicate_nomination_links_to_the_first(login, people, cycle):
    first = make_nomination(nominator=people.nominator, nominee=people.nominee)
    response = login(people.nominator).post(
        reverse("nominations:new"), nomination_data(people.nominee, headline="Again")
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "You already nominated Nina Nominee in this cycle." in html
    assert f'href="{detail_url(first)}"' in html
    assert 'value="Again"' in html
    assert Nomination.objects.count() == 1


def test_missing_fields_are_reported_next_to_each_field(login, people, cycle):
    response = login(people.nominator).post(
        reverse("nominations:new"), {"nominee": people.nominee.pk, "headline": "Kept"}
    )
    html = response.content.decode()
    assert 'id="id_category_error"' in html
    assert 'id="id_story_error"' in html
    assert "Say what changed for the customer" in html
    assert 'value="Kept"' in html


@pytest.mark.parametrize("nominee", ["abc", "999999", "-1", ""])
def test_a_tampered_nominee_is_an_error_not_a_crash(login, people, cycle, nominee):
    data = nomination_data(people.nominee) | {"nominee": nominee}
    response = login(people.nominator).post(reverse("nominations:new"), data)
    assert response.status_code == 200
    assert 'id="nominee-error"' in response.content.decode()


def test_the_story_preview_renders_safe_markdown(login, people, cycle):
    response = login(people.nominator).post(
        reverse("nominations:preview"),
        {"story": "She **listened**.<script>alert(1)</script>"},
        headers=HTMX,
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert "<strong>listened</strong>" in html
    assert "<script>" not in html


def test_the_preview_works_without_javascript(login, people, cycle):
    data = nomination_data(people.nominee, story="A *careful* fix", preview="1")
    response = login(people.nominator).post(reverse("nominations:new"), data)
    html = response.content.decode()
    assert "<em>careful</em>" in html
    assert "A *careful* fix</textarea>" in html
    assert not Nomination.objects.exists()


# --- Reading ----------------------------------------------------------------------------------


def test_the_nomination_page_shows_story_and_every_kind_of_evidence(login, nomination, people):
    for kind in EVIDENCE:
        add(nomination, people.nominator, kind)
    add(nomination, people.nominator, Kind.ARTIFACT, image=png_upload(), caption="The new form")
    response = login(people.nominator).get(detail_url(nomination))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<strong>rewrote</strong>" in html
    assert "Customers stopped calling" in html
    assert "You finally explained it in plain words." in html and "Survey comment" in html
    assert "120 → 45 calls a week" in html and "An improvement: lower is better" in html
    assert "3.50 hours on the front line" in html and "30 December 2029" in html
    assert 'alt="The new form"' in html and "/evidence/thumbs/" in html
    assert "Omar Nominator" in html


def test_points_are_explained_to_the_nominator(login, nomination, people):
    add(nomination, people.nominator)
    add(nomination, people.nominator, Kind.MEASURED_IMPROVEMENT, after="130")
    html = login(people.nominator).get(detail_url(nomination)).content.decode()
    assert "Counts 1.5 points now" in html and "(3 \N{MULTIPLICATION SIGN} 0.5)" in html
    assert "No improvement: lower is better" in html
    assert "(1 \N{MULTIPLICATION SIGN} 0.5)" in html
    assert "How evidence counts" in html
    assert '<span id="evidence-total">2 points</span>' in html


def test_how_evidence_counts_is_told_from_the_tables_it_is_counted_with(login, nomination, people):
    html = login(people.nominator).get(detail_url(nomination)).content.decode()
    for line in (
        "The customer&#x27;s own words: 3 points",
        "A measured improvement: 4 points (1 when the numbers show no improvement)",
        "Time on the front line: 2 points",
        "An image: 1 point",
    ):
        assert f"<li>{line}</li>" in html
    assert "verifies them (×1), half while not yet verified (×0.5)" in html
    assert "not at all when disputed (×0)." in html


def test_the_nominee_sees_no_points_after_the_announcement(login, nomination, people):
    add(nomination, people.nominator)
    move(nomination.cycle, Status.ANNOUNCED)
    html = login(people.nominee).get(detail_url(nomination)).content.decode()
    assert "You finally explained it" in html
    assert "points now" not in html
    assert "How evidence counts" not in html


def test_blind_judges_see_that_the_nominator_is_hidden(login, nomination, people):
    move(nomination.cycle, Status.JUDGING)
    html = login(people.judge).get(detail_url(nomination)).content.decode()
    assert "Nominator hidden: blind judging" in html
    assert "Omar Nominator" not in html


def test_someone_who_may_not_see_it_gets_a_404(login, nomination, people):
    assert login(people.stranger).get(detail_url(nomination)).status_code == 404


# --- Evidence ---------------------------------------------------------------------------------


def evidence_url(nomination) -> str:
    return reverse("nominations:add_evidence", args=[nomination.pk])


@pytest.mark.parametrize("kind", list(EVIDENCE))
def test_each_kind_of_evidence_is_added_from_the_page(login, nomination, people, kind):
    response = login(people.nominator).post(
        evidence_url(nomination), {"kind": kind, **EVIDENCE[kind]}
    )
    assert response.status_code == 302
    assert response["Location"] == detail_url(nomination) + "#evidence"
    assert nomination.evidence.get().kind == kind


def test_evidence_added_with_htmx_appears_and_the_form_resets(login, nomination, people):
    response = login(people.nominator).post(
        evidence_url(nomination),
        {"kind": Kind.CUSTOMER_WORDS, **EVIDENCE[Kind.CUSTOMER_WORDS]},
        headers=HTMX,
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert html.lstrip().startswith('<section id="evidence"')
    assert "You finally explained it in plain words.</p>" in html
    assert "Added: the customer&#x27;s own words." in html
    assert "You finally explained it in plain words.</textarea>" not in html


def test_an_image_is_uploaded_as_evidence(login, nomination, people):
    response = login(people.nominator).post(
        evidence_url(nomination),
        {"kind": Kind.ARTIFACT, "image": png_upload(), "caption": "The new refund form"},
        headers=HTMX,
    )
    item = nomination.evidence.get()
    assert response.status_code == 200
    assert item.image.name.endswith(".webp")
    assert item.image_thumbnail.url in response.content.decode()
    # The thumbnail opens the image larger on a page of ours (nominations:evidence_image).
    assert f'href="{reverse("nominations:evidence_image", args=[item.pk])}"' in (
        response.content.decode()
    )


def test_a_file_that_is_not_an_image_is_refused_next_to_the_image_field(login, nomination, people):
    upload = SimpleUploadedFile("notes.txt", b"hello", content_type="text/plain")
    response = login(people.nominator).post(
        evidence_url(nomination),
        {"kind": Kind.ARTIFACT, "image": upload, "caption": "Kept caption"},
        headers=HTMX,
    )
    html = response.content.decode()
    assert 'id="id_artifact_image_error"' in html
    assert 'value="Kept caption"' in html
    assert not nomination.evidence.exists()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"hours": "-2"}, "hours", "Hours must be more than 0 and at most 12"),
        ({"hours": "13"}, "hours", "Hours must be more than 0 and at most 12"),
        ({"hours": "lots"}, "hours", "Enter a number."),
        ({"date": "2030-02-01"}, "date", "The date cannot be in the future."),
        ({"date": "yesterday"}, "date", "Enter a date like"),
        ({"heard": ""}, "heard", "Write what you heard from customers."),
    ],
)
def test_front_line_errors_are_shown_next_to_the_field(
    login, nomination, people, data, field, message
):
    post = {"kind": Kind.FRONT_LINE_TIME, **EVIDENCE[Kind.FRONT_LINE_TIME], **data}
    response = login(people.nominator).post(evidence_url(nomination), post, headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    error = html.index(f'id="id_front_line_time_{field}_error"')
    assert message in html[error : error + 300]
    assert '<details class="evidence-add" open>' in html
    assert not nomination.evidence.exists()


@pytest.mark.parametrize("value", ["higher", "yes", ""])
def test_which_way_is_better_is_chosen_from_the_list_not_guessed(login, nomination, people, value):
    kind = Kind.MEASURED_IMPROVEMENT
    post = {"kind": kind, **EVIDENCE[kind], "higher_is_better": value}
    response = login(people.nominator).post(evidence_url(nomination), post, headers=HTMX)
    html = response.content.decode()
    error = html.index('id="id_measured_improvement_higher_is_better_error"')
    assert "Say whether a higher value is better." in html[error : error + 300]
    assert not nomination.evidence.exists()


def test_a_measured_improvement_reports_every_missing_field_at_once(login, nomination, people):
    response = login(people.nominator).post(
        evidence_url(nomination), {"kind": Kind.MEASURED_IMPROVEMENT, "metric": "Calls"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    for field in ("before", "after", "unit", "higher_is_better", "period"):
        assert f'id="id_measured_improvement_{field}_error"' in html
    assert 'value="Calls"' in html


def test_evidence_over_the_limit_is_refused_with_the_reason(login, nomination, people):
    for _ in range(MAX_EVIDENCE):
        add(nomination, people.nominator)
    response = login(people.nominator).post(
        evidence_url(nomination), {"kind": Kind.CUSTOMER_WORDS, **EVIDENCE[Kind.CUSTOMER_WORDS]}
    )
    assert response.status_code == 200
    assert b"at most 10 items of evidence" in response.content
    assert nomination.evidence.count() == MAX_EVIDENCE


def test_an_unknown_kind_of_evidence_is_a_bad_request(login, nomination, people):
    response = login(people.nominator).post(evidence_url(nomination), {"kind": "gossip"})
    assert response.status_code == 400


def test_the_nominator_removes_evidence(login, nomination, people):
    item = add(nomination, people.nominator)
    response = login(people.nominator).post(
        reverse("nominations:delete_evidence", args=[item.pk]), headers=HTMX
    )
    assert response.status_code == 200
    assert b"The evidence is removed." in response.content
    assert not nomination.evidence.exists()


def verify_url(item) -> str:
    return reverse("nominations:verify_evidence", args=[item.pk])


def test_the_manager_verifies_an_item_and_only_it_is_swapped(login, nomination, people):
    item = add(nomination, people.nominator)
    response = login(people.manager).post(
        verify_url(item), {"status": "verified", "note": ""}, headers=HTMX
    )
    html = response.content.decode()
    item.refresh_from_db()
    assert item.verification == Evidence.Verification.VERIFIED
    assert item.verified_by == people.manager
    assert html.lstrip().startswith(f'<li id="evidence-{item.pk}"')
    assert "Verified by Mona Manager" in html
    assert "Counts 3 points now" in html
    assert '<span id="evidence-total" hx-swap-oob="true">3 points</span>' in html


def test_verified_evidence_shows_its_state_and_offers_only_a_change(login, nomination, people):
    item = add(nomination, people.nominator)
    response = login(people.manager).post(
        verify_url(item), {"status": "verified", "note": ""}, headers=HTMX
    )
    html = response.content.decode()
    assert "Verified by Mona Manager" in html
    assert 'value="verified"' not in html  # no second "Verify"
    assert "<summary>Change the verification" in html
    assert 'value="disputed"' in html and 'value="unverified"' in html


def test_disputed_evidence_offers_to_verify_it_after_all(login, nomination, people):
    item = add(nomination, people.nominator)
    client = login(people.manager)
    client.post(verify_url(item), {"status": "disputed", "note": "Not in the survey."})
    html = client.get(detail_url(nomination)).content.decode()
    assert "Disputed by Mona Manager" in html
    assert 'value="disputed"' not in html
    assert 'value="verified"' in html and 'value="unverified"' in html


def test_verification_cannot_be_changed_once_judging_is_over(login, nomination, people):
    item = add(nomination, people.nominator)
    login(people.manager).post(verify_url(item), {"status": "verified"})
    move(nomination.cycle, Status.DECIDED)
    html = login(people.manager).get(detail_url(nomination)).content.decode()
    assert "Verified by Mona Manager" in html
    assert "Change the verification" not in html and 'name="status"' not in html


def test_the_note_says_it_is_required_to_dispute_not_optional(login, nomination, people):
    item = add(nomination, people.nominator)
    html = login(people.manager).get(detail_url(nomination)).content.decode()
    label = html[html.index(f'<label for="id_ev{item.pk}_note"') :]
    label = label[: label.index("</label>")]
    assert "(required to dispute)" in label
    assert "(optional)" not in label


def test_a_dispute_without_a_note_shows_the_error_next_to_the_note(login, nomination, people):
    item = add(nomination, people.nominator)
    response = login(people.manager).post(
        verify_url(item), {"status": "disputed", "note": " "}, headers=HTMX
    )
    html = response.content.decode()
    assert f'id="id_ev{item.pk}_note_error"' in html
    assert "Say why you dispute it" in html
    item.refresh_from_db()
    assert item.verification == Evidence.Verification.UNVERIFIED


def test_a_dispute_with_a_note_counts_nothing(login, nomination, people):
    item = add(nomination, people.nominator)
    response = login(people.hr).post(
        verify_url(item), {"status": "disputed", "note": "Not in the survey data"}
    )
    assert response.status_code == 302
    assert response["Location"] == detail_url(nomination) + f"#evidence-{item.pk}"
    item.refresh_from_db()
    assert item.verification == Evidence.Verification.DISPUTED
    assert item.points == 0


def test_a_tampered_verification_status_is_an_error(login, nomination, people):
    item = add(nomination, people.nominator)
    response = login(people.manager).post(verify_url(item), {"status": "approved"})
    assert response.status_code == 200
    item.refresh_from_db()
    assert item.verification == Evidence.Verification.UNVERIFIED


def test_the_nominator_cannot_verify_their_own_evidence(login, nomination, people):
    item = add(nomination, people.nominator)
    response = login(people.nominator).post(verify_url(item), {"status": "verified"})
    assert response.status_code == 403


def test_unknown_evidence_is_a_404(login, nomination, people):
    response = login(people.hr).post(
        reverse("nominations:verify_evidence", args=[999999]), {"status": "verified"}
    )
    assert response.status_code == 404


# --- Endorsements -----------------------------------------------------------------------------


def invite(nomination, people, *who):
    services.invite_endorsers(nomination=nomination, by=people.nominator, people=list(who))


def test_an_invited_colleague_endorses_with_htmx(login, nomination, people):
    invite(nomination, people, people.colleague)
    response = login(people.colleague).post(
        reverse("nominations:endorse", args=[nomination.pk]),
        {"comment": "I saw the calls drop."},
        headers=HTMX,
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="endorsements"')
    assert "I saw the calls drop." in html
    assert "Withdraw my endorsement" in html
    assert 'name="comment"' not in html
    assert Endorsement.objects.filter(author=people.colleague).exists()


def test_an_endorsement_needs_a_comment(login, nomination, people):
    invite(nomination, people, people.colleague)
    response = login(people.colleague).post(
        reverse("nominations:endorse", args=[nomination.pk]), {"comment": ""}, headers=HTMX
    )
    assert b'id="id_endorse_comment_error"' in response.content
    assert not Endorsement.objects.exists()


def test_endorsing_twice_says_so(login, nomination, people):
    invite(nomination, people, people.colleague)
    services.endorse(nomination=nomination, by=people.colleague, comment="Yes")
    response = login(people.colleague).post(
        reverse("nominations:endorse", args=[nomination.pk]), {"comment": "Again"}
    )
    assert response.status_code == 200
    assert b"You already endorsed this nomination." in response.content
    assert Endorsement.objects.count() == 1


def test_the_nominator_cannot_endorse_their_own_nomination(login, nomination, people):
    response = login(people.nominator).post(
        reverse("nominations:endorse", args=[nomination.pk]), {"comment": "Me too"}
    )
    assert response.status_code == 403
    assert not Endorsement.objects.exists()


def test_an_endorsement_is_withdrawn(login, nomination, people):
    invite(nomination, people, people.colleague)
    services.endorse(nomination=nomination, by=people.colleague, comment="Yes")
    response = login(people.colleague).post(
        reverse("nominations:withdraw_endorsement", args=[nomination.pk])
    )
    assert response.status_code == 302
    assert not Endorsement.objects.exists()


def test_withdrawing_an_endorsement_you_never_made_explains(login, nomination, people):
    invite(nomination, people, people.colleague)
    response = login(people.colleague).post(
        reverse("nominations:withdraw_endorsement", args=[nomination.pk]), headers=HTMX
    )
    assert response.status_code == 200
    assert b"You have not endorsed this nomination." in response.content


# --- Invitations ------------------------------------------------------------------------------


def invite_url(nomination) -> str:
    return reverse("nominations:invite", args=[nomination.pk])


def test_the_nominator_invites_colleagues_who_then_see_it(login, nomination, people):
    response = login(people.nominator).post(
        invite_url(nomination), {"people": [people.colleague.pk]}, headers=HTMX
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="invite"')
    assert "Invited Carl Colleague" in html
    assert list(nomination.invited_endorsers.all()) == [people.colleague]
    assert login(people.colleague).get(detail_url(nomination)).status_code == 200


def test_inviting_without_javascript_lists_the_matches_to_tick(login, nomination, people):
    response = login(people.nominator).post(invite_url(nomination), {"q": "carl", "find": "1"})
    html = response.content.decode()
    assert response.status_code == 200
    assert f'type="checkbox" name="people" value="{people.colleague.pk}"' in html
    assert "Tick the colleagues you mean" in html
    assert not nomination.invited_endorsers.exists()


def test_the_nominee_cannot_be_invited(login, nomination, people):
    response = login(people.nominator).post(invite_url(nomination), {"people": [people.nominee.pk]})
    assert response.status_code == 200
    assert b"The nominee and the nominator cannot endorse." in response.content
    assert not nomination.invited_endorsers.exists()


def test_inviting_nobody_asks_for_someone(login, nomination, people):
    response = login(people.nominator).post(invite_url(nomination), {}, headers=HTMX)
    assert b"Choose at least one colleague." in response.content


# --- Edit and withdraw ------------------------------------------------------------------------


def test_the_nominator_edits_the_nomination(login, nomination, people):
    url = reverse("nominations:edit", args=[nomination.pk])
    client = login(people.nominator)
    assert b"Rewrote the refund letter" in client.get(url).content
    data = nomination_data(people.nominee, headline="A clearer refund letter")
    del data["nominee"]
    response = client.post(url, data)
    assert response.status_code == 302
    nomination.refresh_from_db()
    assert nomination.headline == "A clearer refund letter"


def test_an_edit_with_an_empty_headline_is_refused_next_to_the_field(login, nomination, people):
    response = login(people.nominator).post(
        reverse("nominations:edit", args=[nomination.pk]),
        {"category": category().pk, "headline": "", "story": "x", "customer_impact": "y"},
    )
    assert b'id="id_headline_error"' in response.content
    nomination.refresh_from_db()
    assert nomination.headline == "Rewrote the refund letter with customers"


def test_the_nominator_is_told_why_an_announced_nomination_cannot_be_edited(
    login, nomination, people
):
    move(nomination.cycle, Status.ANNOUNCED)
    url = reverse("nominations:edit", args=[nomination.pk])
    client = login(people.nominator)
    response = client.get(url)
    assert response.status_code == 409
    html = response.content.decode()
    assert "The cycle is closed: you can no longer edit it." in html
    assert "This page is not for you" not in html
    data = nomination_data(people.nominee, headline="A clearer refund letter")
    assert client.post(url, data).status_code == 409
    nomination.refresh_from_db()
    assert nomination.headline == "Rewrote the refund letter with customers"


def test_the_nominator_is_told_a_withdrawn_nomination_cannot_be_edited(login, nomination, people):
    services.withdraw(nomination=nomination, by=people.nominator)
    response = login(people.nominator).get(reverse("nominations:edit", args=[nomination.pk]))
    assert response.status_code == 409
    html = response.content.decode()
    assert "This nomination is withdrawn." in html
    assert "when the cycle closed" not in html  # it is still open


@pytest.mark.parametrize(("who", "status"), [("hr", 403), ("colleague", 403), ("nominee", 403)])
def test_the_edit_page_of_an_announced_nomination_stays_closed_to_others(
    login, nomination, people, who, status
):
    move(nomination.cycle, Status.ANNOUNCED)
    url = reverse("nominations:edit", args=[nomination.pk])
    assert login(getattr(people, who)).get(url).status_code == status


def test_the_edit_page_of_a_closed_nomination_stays_secret_from_those_who_cannot_see_it(
    login, nomination, people
):
    move(nomination.cycle, Status.JUDGING)
    url = reverse("nominations:edit", args=[nomination.pk])
    assert login(people.stranger).get(url).status_code == 404


def test_withdrawing_asks_for_confirmation_first(login, nomination, people):
    url = reverse("nominations:withdraw", args=[nomination.pk])
    client = login(people.nominator)
    page = client.get(url)
    assert page.status_code == 200
    assert b"Withdraw your nomination?" in page.content
    nomination.refresh_from_db()
    assert nomination.is_active
    response = client.post(url)
    assert response.status_code == 302
    nomination.refresh_from_db()
    assert nomination.status == Nomination.Status.WITHDRAWN


def test_hr_withdraws_a_nomination_on_the_page_and_it_is_audited(login, nomination, people):
    client = login(people.hr)
    url = reverse("nominations:withdraw", args=[nomination.pk])
    assert f'href="{url}"' in client.get(detail_url(nomination)).content.decode()

    page = client.get(url)
    assert page.status_code == 200
    assert b"Withdraw this nomination?" in page.content
    assert b"your nomination" not in page.content
    nomination.refresh_from_db()
    assert nomination.is_active

    response = client.post(url, follow=True)
    assert response.redirect_chain == [(detail_url(nomination), 302)]
    assert b"The nomination is withdrawn: it no longer counts." in response.content
    nomination.refresh_from_db()
    assert nomination.status == Nomination.Status.WITHDRAWN
    [event] = AuditEvent.objects.filter(verb="nomination.withdrawn")
    assert (event.actor, event.target) == (people.hr, nomination)


@pytest.mark.parametrize(("who", "status"), [("colleague", 403), ("stranger", 404)])
def test_others_cannot_withdraw_a_nomination_on_the_page(login, nomination, people, who, status):
    services.invite_endorsers(nomination=nomination, by=people.nominator, people=[people.colleague])
    client = login(getattr(people, who))
    url = reverse("nominations:withdraw", args=[nomination.pk])

    assert client.get(url).status_code == status
    assert client.post(url).status_code == status
    nomination.refresh_from_db()
    assert nomination.is_active
    if who == "colleague":
        assert f'href="{url}"' not in client.get(detail_url(nomination)).content.decode()


def test_hr_nominated_in_the_same_cycle_is_not_offered_to_withdraw_a_rivals_nomination(
    login, nomination, people
):
    make_nomination(nominator=people.colleague, nominee=people.hr, cycle=nomination.cycle)
    client = login(people.hr)
    url = reverse("nominations:withdraw", args=[nomination.pk])

    assert f'href="{url}"' not in client.get(detail_url(nomination)).content.decode()
    assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403
    nomination.refresh_from_db()
    assert nomination.is_active


def test_the_withdraw_page_is_gone_once_the_cycle_closes(login, nomination, people):
    move(nomination.cycle, Status.JUDGING)
    url = reverse("nominations:withdraw", args=[nomination.pk])
    for who in (people.nominator, people.hr):
        client = login(who)
        assert client.get(url).status_code == 403
        assert f'href="{url}"' not in client.get(detail_url(nomination)).content.decode()


# --- My nominations ---------------------------------------------------------------------------


def test_my_nominations_lists_what_i_made_with_counts(login, nomination, people):
    add(nomination, people.nominator)
    invite(nomination, people, people.colleague)
    services.endorse(nomination=nomination, by=people.colleague, comment="Yes")
    html = login(people.nominator).get(reverse("nominations:mine")).content.decode()
    assert "Rewrote the refund letter with customers" in html
    assert "1 evidence item" in html
    assert "1 endorsement" in html
    assert "To verify" not in html


def test_a_manager_sees_what_to_verify_about_their_reports(login, nomination, people):
    add(nomination, people.nominator)
    add(nomination, people.nominator)
    html = login(people.manager).get(reverse("nominations:mine")).content.decode()
    assert "To verify" in html
    assert "2 of 2 items not verified" in html


def test_hr_sees_every_nomination_waiting_for_verification(login, nomination, people):
    add(nomination, people.nominator)
    html = login(people.hr).get(reverse("nominations:mine")).content.decode()
    assert "1 of 1 item not verified" in html


def test_invitations_to_endorse_are_listed(login, nomination, people):
    invite(nomination, people, people.colleague)
    html = login(people.colleague).get(reverse("nominations:mine")).content.decode()
    assert "Rewrote the refund letter with customers" in html
    assert "Waiting for your endorsement" in html


def make_many(people, n: int) -> None:
    """n nominations by the nominator (each with evidence and an endorsement) about reports of
    the manager, who was also invited to endorse each one."""
    for i in range(n):
        nominee = make_user(full_name=f"Report {i}", manager=people.manager)
        nomination = make_nomination(nominator=people.nominator, nominee=nominee)
        add(nomination, people.nominator)
        invite(nomination, people, people.colleague)
        services.endorse(nomination=nomination, by=people.colleague, comment="Yes")


@pytest.mark.parametrize("role", ["nominator", "manager", "colleague", "hr"])
def test_my_nominations_costs_the_same_queries_at_any_size(
    login, people, cycle, django_assert_num_queries, role
):
    client = login(getattr(people, role))
    url = reverse("nominations:mine")
    make_many(people, 2)
    client.get(url)  # the first request of a session writes to it; measure the next ones
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    make_many(people, 10)
    with django_assert_num_queries(len(small)):
        response = client.get(url)
    assert response.content.count(b'class="strong" href="/nominations/') >= 12


def test_the_nominee_search_costs_the_same_queries_at_any_size(
    login, people, cycle, django_assert_num_queries
):
    client = login(people.nominator)
    url = reverse("nominations:nominee_search")
    for i in range(2):
        make_user(full_name=f"Zara {i}", department=make_department(f"Team {i}"))
    client.get(url)  # the first request of a session writes to it; measure the next ones
    with CaptureQueriesContext(connection) as small:
        client.get(url, {"q": "zara", "nominee": people.nominee.pk})
    for i in range(2, 12):
        make_user(full_name=f"Zara {i}", department=make_department(f"Team {i}"))
    with django_assert_num_queries(len(small)):
        response = client.get(url, {"q": "zara", "nominee": people.nominee.pk})
    assert response.content.count(b'name="nominee"') == 9  # the picked one and 8 matches


# --- Anonymous visitors -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("new", []), ("nominee_search", []), ("preview", []), ("mine", []),
        ("detail", [1]), ("edit", [1]), ("withdraw", [1]), ("add_evidence", [1]),
        ("endorse", [1]), ("withdraw_endorsement", [1]), ("invite", [1]),
        ("verify_evidence", [1]), ("delete_evidence", [1]),
    ],
)  # fmt: skip
@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_visitors_are_sent_to_sign_in(client, db, name, args, method):
    url = reverse(f"nominations:{name}", args=args)
    response = getattr(client, method)(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_hours_are_shown_as_typed(login, nomination, people):
    add(nomination, people.nominator, Kind.FRONT_LINE_TIME, hours=Decimal("2"))
    html = login(people.nominator).get(detail_url(nomination)).content.decode()
    assert "2 hours on the front line" in html


HUGE_ID = "99999999999999999999"


def test_ids_too_large_for_the_database_are_not_found(login, nomination, people):
    client = login(people.hr)
    assert client.get(f"/nominations/{HUGE_ID}/").status_code == 404
    assert client.post(f"/nominations/evidence/{HUGE_ID}/verify/").status_code == 404


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("new", {"nominee": HUGE_ID}),
        ("new", {"category": HUGE_ID}),
        ("new", {"headline": "nul\x00byte"}),
        ("invite", {"people": [HUGE_ID]}),
        ("invite", {"people": ["²"]}),
    ],
)
def test_tampered_form_values_are_errors_not_crashes(login, nomination, people, url, data):
    client = login(people.nominator)
    if url == "new":
        response = client.post(reverse("nominations:new"), nomination_data(people.colleague) | data)
    else:
        response = client.post(invite_url(nomination), data)
    assert response.status_code == 200
    assert b"errorlist" in response.content


def test_tampered_search_parameters_are_ignored(login, nomination, people):
    response = login(people.nominator).get(
        reverse("nominations:nominee_search"),
        {"q": "x" * 500, "nominee": ["²", HUGE_ID], "field": "bogus", "nomination": HUGE_ID},
    )
    assert response.status_code == 200


def test_every_evidence_problem_is_shown_at_once(login, nomination, people):
    response = login(people.nominator).post(
        evidence_url(nomination), {"kind": Kind.FRONT_LINE_TIME, "hours": "-1"}
    )
    html = response.content.decode()
    assert "Hours must be more than 0" in html
    assert "Give the date you spent on the front line." in html
    assert "Write what you heard from customers." in html
