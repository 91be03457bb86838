"""/api/v1/nominations…, evidence and endorsements: the same services as the web, over JSON."""

import datetime as dt
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from awards.models import AwardCycle, JudgeAssignment
from core.audit import AuditEvent
from nominations import services
from nominations.models import MAX_EVIDENCE, Category, Endorsement, Evidence, Nomination
from tests.awards.conftest import make_cycle
from tests.conftest import make_department, make_user
from tests.nominations.conftest import People, category, make_nomination, move

Status = AwardCycle.Status
NOMINATIONS = reverse("api-nominations")

CUSTOMER_WORDS = {
    "kind": "customer_words",
    "quote": "Finally a letter I understand without calling you.",
    "quote_source": "Support ticket 4411",
}
MEASURED = {
    "kind": "measured_improvement",
    "metric": "Calls asking what the refund letter means",
    "before": 120,
    "after": 30,
    "unit": "calls a week",
    "higher_is_better": False,
    "period": "Four weeks before and after",
}


def front_line(**changes) -> dict:
    return {
        "kind": "front_line_time",
        "date": (timezone.localdate() - dt.timedelta(days=3)).isoformat(),
        "hours": 4,
        "heard": "Customers read the letter twice and still call.",
    } | changes


def url(name: str, pk: int) -> str:
    return reverse(name, args=[pk])


def detail_url(nomination: Nomination | int) -> str:
    return url("api-nomination", getattr(nomination, "pk", nomination))


def evidence_url(nomination: Nomination) -> str:
    return url("api-nomination-evidence", nomination.pk)


def endorsements_url(nomination: Nomination) -> str:
    return url("api-nomination-endorsements", nomination.pk)


def my_endorsement_url(nomination: Nomination) -> str:
    return url("api-nomination-my-endorsement", nomination.pk)


def verify_url(evidence: Evidence | int) -> str:
    return url("api-evidence-verify", getattr(evidence, "pk", evidence))


def png(size: tuple[int, int] = (60, 40)) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", size, "orange").save(out, format="PNG")
    return SimpleUploadedFile("whiteboard.png", out.getvalue(), content_type="image/png")


def add_words(nomination: Nomination, by) -> Evidence:
    fields = {k: v for k, v in CUSTOMER_WORDS.items() if k != "kind"}
    return services.add_evidence(
        nomination=nomination, by=by, kind=Evidence.Kind.CUSTOMER_WORDS, **fields
    )


@pytest.fixture
def people(db) -> People:
    return People()


@pytest.fixture
def cycle(db) -> AwardCycle:
    return make_cycle(status=Status.OPEN)


@pytest.fixture
def nomination(people, cycle) -> Nomination:
    JudgeAssignment.objects.create(cycle=cycle, judge=people.judge)
    return make_nomination(nominator=people.nominator, nominee=people.nominee)


def nomination_payload(person, **changes) -> dict:
    return {
        "nominee": person.pk,
        "category": category().slug,
        "headline": "Rewrote the refund letter with customers",
        "story": "She sat with support for a week and **rewrote** the letter.",
        "customer_impact": "Customers stopped calling to ask what the letter meant.",
    } | changes


# --- The happy path ---------------------------------------------------------------------------


def test_a_nomination_from_first_word_to_announcement(api, people, cycle):
    JudgeAssignment.objects.create(cycle=cycle, judge=people.judge)
    nominator = api(people.nominator)

    # The nominator nominates a colleague and adds evidence.
    response = nominator.post(NOMINATIONS, nomination_payload(people.nominee))
    assert response.status_code == 201, response.json()
    created = response.json()
    assert created["nominee"]["id"] == people.nominee.pk
    assert created["nominator"]["id"] == people.nominator.pk
    assert created["cycle"] == cycle.pk
    assert created["category"]["slug"] == "heard-the-customer"
    assert (created["status"], created["source"]) == ("active", "peer")
    assert (created["evidence"], created["endorsements"]) == ([], [])
    nomination = Nomination.objects.get(pk=created["id"])

    words = nominator.post(evidence_url(nomination), CUSTOMER_WORDS)
    measured = nominator.post(evidence_url(nomination), MEASURED)
    assert (words.status_code, measured.status_code) == (201, 201)
    assert words.json()["quote"] == CUSTOMER_WORDS["quote"]
    assert words.json()["metric"] is None  # another kind's field
    assert words.json()["points"] == 1.5  # 3 points, halved until verified
    assert measured.json()["before"] == 120 and measured.json()["after"] == 30

    # A colleague is invited and endorses it.
    invited = nominator.post(
        url("api-nomination-invitations", nomination.pk), {"user_ids": [people.colleague.pk]}
    )
    assert invited.status_code == 200
    assert [p["id"] for p in invited.json()["invited"]] == [people.colleague.pk]
    endorsed = api(people.colleague).post(
        endorsements_url(nomination), {"comment": "I saw the calls drop."}
    )
    assert endorsed.status_code == 201
    assert endorsed.json()["author"]["id"] == people.colleague.pk

    # The nominee's manager verifies one item and disputes the other.
    manager = api(people.manager)
    verified = manager.post(verify_url(words.json()["id"]), {"status": "verified"})
    assert verified.status_code == 200
    assert verified.json()["points"] == 3.0
    assert verified.json()["verified_by"]["id"] == people.manager.pk
    disputed = manager.post(
        verify_url(measured.json()["id"]),
        {"status": "disputed", "note": "The drop came from the new phone menu."},
    )
    assert disputed.status_code == 200
    assert disputed.json()["points"] == 0.0

    body = nominator.get(detail_url(nomination)).json()
    assert [e["verification"] for e in body["evidence"]] == ["verified", "disputed"]
    assert [e["points"] for e in body["evidence"]] == [3.0, 0.0]
    assert [e["author"]["id"] for e in body["endorsements"]] == [people.colleague.pk]
    assert (body["evidence_count"], body["endorsement_count"]) == (2, 1)

    # HR closes nominations: the blind judge reads it without the nominator's name.
    closed = api(people.hr).post(
        reverse("api-cycle-transition", args=[cycle.pk]), {"to": "judging"}
    )
    assert closed.status_code == 200
    as_judge = api(people.judge).get(detail_url(nomination)).json()
    assert as_judge["nominator"] is None
    assert as_judge["evidence"][0]["points"] == 3.0

    # After the announcement the nominee reads it, with the nominator but without points.
    move(AwardCycle.objects.get(pk=cycle.pk), Status.ANNOUNCED)
    as_nominee = api(people.nominee).get(detail_url(nomination)).json()
    assert as_nominee["nominator"]["id"] == people.nominator.pk
    assert [e["points"] for e in as_nominee["evidence"]] == [None, None]


# --- Nominating -------------------------------------------------------------------------------


def test_nominating_yourself_is_a_400_on_nominee(api, people, cycle):
    response = api(people.nominator).post(NOMINATIONS, nomination_payload(people.nominator))

    assert response.status_code == 400
    assert response.json() == {"nominee": ["You cannot nominate yourself. Nominate a colleague."]}


def test_a_second_nomination_of_the_same_person_is_a_409_pointing_at_the_first(
    api, people, nomination
):
    response = api(people.nominator).post(NOMINATIONS, nomination_payload(people.nominee))

    assert response.status_code == 409
    body = response.json()
    assert body["existing"] == nomination.pk
    assert body["url"] == nomination.get_absolute_url()
    assert "already nominated" in body["detail"]
    assert Nomination.objects.count() == 1


def test_nominating_when_no_cycle_is_open_is_a_409(api, people, db):
    make_cycle(status=Status.JUDGING)

    response = api(people.nominator).post(NOMINATIONS, nomination_payload(people.nominee))

    assert response.status_code == 409
    assert response.json() == {"detail": "No award cycle is open for nominations right now."}


def test_nominating_in_a_closed_cycle_is_a_409(api, people, cycle):
    closed = make_cycle(month=dt.date(2029, 12, 1), status=Status.JUDGING)

    response = api(people.nominator).post(
        NOMINATIONS, nomination_payload(people.nominee, cycle=closed.pk)
    )

    assert response.status_code == 409
    assert "closed" in response.json()["detail"]


def test_a_draft_cycle_is_unknown_to_employees(api, people, cycle):
    draft = make_cycle(month=dt.date(2030, 2, 1))

    response = api(people.nominator).post(
        NOMINATIONS, nomination_payload(people.nominee, cycle=draft.pk)
    )

    assert response.status_code == 400
    assert response.json() == {"cycle": ["There is no award cycle with this id."]}


def test_a_deactivated_nominee_is_a_400_on_nominee(api, people, cycle):
    people.nominee.is_active = False
    people.nominee.save()

    response = api(people.nominator).post(NOMINATIONS, nomination_payload(people.nominee))

    assert response.status_code == 400
    assert response.json() == {"nominee": ["Nina Nominee is no longer with the company."]}


def test_a_nominee_outside_the_eligible_departments_is_a_400(api, people, db):
    make_cycle(status=Status.OPEN, eligible_departments=[make_department("Support")])

    response = api(people.nominator).post(NOMINATIONS, nomination_payload(people.nominee))

    assert response.status_code == 400
    assert response.json() == {"nominee": ["This cycle is open to Support only."]}


def test_a_retired_category_is_a_400(api, people, cycle):
    old = Category.objects.create(name="Old", slug="old", is_active=False)

    response = api(people.nominator).post(
        NOMINATIONS, nomination_payload(people.nominee, category=old.slug)
    )

    assert response.status_code == 400
    assert list(response.json()) == ["category"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"nominee": 10**9}, "nominee"),
        ({"nominee": 10**30}, "nominee"),
        ({"nominee": "Nina"}, "nominee"),
        ({"nominee": None}, "nominee"),
        ({"category": "no-such-category"}, "category"),
        ({"category": 1}, "category"),
        ({"category": "heard\x00"}, "category"),
        ({"headline": ""}, "headline"),
        ({"headline": "   "}, "headline"),
        ({"headline": "x" * 121}, "headline"),
        ({"story": "x" * 5001}, "story"),
        ({"customer_impact": "nul \x00 byte"}, "customer_impact"),
        ({"customer_impact": "lone \ud800 surrogate"}, "customer_impact"),
        ({"cycle": -1}, "cycle"),
        ({"cycle": 10**20}, "cycle"),
    ],
)
def test_bad_nomination_input_is_a_400_naming_the_field(api, people, cycle, changes, field):
    # Sent as raw JSON: the test client's encoder refuses lone surrogates, real clients don't.
    body = json.dumps(nomination_payload(people.nominee, **changes))
    response = api(people.nominator).post(NOMINATIONS, body, content_type="application/json")

    assert response.status_code == 400
    assert field in response.json()
    assert Nomination.objects.count() == 0


def test_an_empty_body_names_every_required_field(api, people, cycle):
    response = api(people.nominator).post(NOMINATIONS, {}, format="json")

    assert response.status_code == 400
    assert set(response.json()) == {"nominee", "category", "headline", "story", "customer_impact"}


@pytest.mark.parametrize("body", ["[1, 2]", '"text"', "{broken", ""])
def test_a_body_that_is_not_an_object_is_a_400(api, people, cycle, body):
    response = api(people.nominator).post(NOMINATIONS, body, content_type="application/json")

    assert response.status_code == 400


def test_a_non_json_content_type_is_a_415(api, people, cycle):
    response = api(people.nominator).post(NOMINATIONS, "hello", content_type="text/plain")

    assert response.status_code == 415


def test_categories_lists_the_active_ones(api, employee):
    Category.objects.create(name="Retired", slug="retired", is_active=False)

    body = api(employee).get(reverse("api-categories")).json()

    assert "heard-the-customer" in [c["slug"] for c in body]
    assert "retired" not in [c["slug"] for c in body]


# --- Editing and withdrawing ------------------------------------------------------------------


def test_the_nominator_edits_while_the_cycle_is_open(api, people, nomination):
    response = api(people.nominator).patch(
        detail_url(nomination), {"headline": "  A clearer refund letter  "}
    )

    assert response.status_code == 200
    assert response.json()["headline"] == "A clearer refund letter"
    assert response.json()["story"] == nomination.story


def test_someone_who_sees_it_but_did_not_write_it_cannot_edit_it(api, people, nomination):
    response = api(people.hr).patch(detail_url(nomination), {"headline": "HR's version"})

    assert response.status_code == 403
    nomination.refresh_from_db()
    assert nomination.headline != "HR's version"


def test_editing_after_nominations_close_is_a_409(api, people, nomination):
    move(nomination.cycle, Status.JUDGING)

    response = api(people.nominator).patch(detail_url(nomination), {"headline": "Too late"})

    assert response.status_code == 409


def test_edits_are_checked_like_new_nominations(api, people, nomination):
    response = api(people.nominator).patch(
        detail_url(nomination), {"headline": "", "category": "nope"}, format="json"
    )

    assert response.status_code == 400
    assert set(response.json()) == {"headline", "category"}


def test_the_nominator_withdraws_it(api, people, nomination):
    response = api(people.nominator).post(url("api-nomination-withdraw", nomination.pk))

    assert response.status_code == 200
    assert response.json()["status"] == "withdrawn"
    again = api(people.nominator).post(url("api-nomination-withdraw", nomination.pk))
    assert again.status_code == 409


def test_hr_withdraws_it_and_the_audit_log_says_who(api, people, nomination):
    response = api(people.hr).post(url("api-nomination-withdraw", nomination.pk))

    assert response.status_code == 200
    assert response.json()["status"] == "withdrawn"
    [event] = AuditEvent.objects.filter(verb="nomination.withdrawn")
    assert (event.actor, event.target) == (people.hr, nomination)


@pytest.mark.parametrize(("who", "status"), [("colleague", 403), ("stranger", 404)])
def test_nobody_else_withdraws_it(api, people, nomination, who, status):
    services.invite_endorsers(nomination=nomination, by=people.nominator, people=[people.colleague])

    response = api(getattr(people, who)).post(url("api-nomination-withdraw", nomination.pk))

    assert response.status_code == status
    nomination.refresh_from_db()
    assert nomination.is_active


# --- Evidence ---------------------------------------------------------------------------------


@pytest.mark.parametrize("payload", [CUSTOMER_WORDS, MEASURED, front_line()])
def test_each_kind_of_evidence_is_added_as_json(api, people, nomination, payload):
    response = api(people.nominator).post(evidence_url(nomination), payload, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["kind"] == payload["kind"]
    assert body["verification"] == "unverified"
    assert body["nomination"] == nomination.pk


def test_an_artifact_is_uploaded_as_multipart(api, people, nomination):
    response = api(people.nominator).post(
        evidence_url(nomination),
        {"kind": "artifact", "caption": "The new letter on the team's board", "image": png()},
        format="multipart",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["image_url"].endswith(".webp")
    assert body["thumbnail_url"].endswith(".webp")
    assert body["caption"] == "The new letter on the team's board"
    assert body["quote"] is None
    assert body["points"] == 0.5


def test_other_kinds_can_be_sent_as_multipart_too(api, people, nomination):
    response = api(people.nominator).post(
        evidence_url(nomination), {**MEASURED, "higher_is_better": "false"}, format="multipart"
    )

    assert response.status_code == 201, response.json()
    assert response.json()["higher_is_better"] is False


@pytest.mark.parametrize(
    "upload",
    [
        SimpleUploadedFile("notes.txt", b"not an image", content_type="text/plain"),
        SimpleUploadedFile("empty.png", b"", content_type="image/png"),
    ],
)
def test_an_artifact_that_is_not_an_image_is_a_400_on_image(api, people, nomination, upload):
    response = api(people.nominator).post(
        evidence_url(nomination),
        {"kind": "artifact", "caption": "A file", "image": upload},
        format="multipart",
    )

    assert response.status_code == 400
    assert list(response.json()) == ["image"]


def test_an_artifact_sent_as_json_needs_its_image(api, people, nomination):
    response = api(people.nominator).post(
        evidence_url(nomination), {"kind": "artifact", "caption": "The board"}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"image": ["Choose an image."]}


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({"kind": "customer_words"}, {"quote", "quote_source"}),
        ({"kind": "measured_improvement"}, set(Evidence.KIND_FIELDS["measured_improvement"])),
        ({"kind": "front_line_time"}, {"date", "hours", "heard"}),
        ({"kind": "gossip"}, {"kind"}),
        ({}, {"kind"}),
        (front_line(hours=-2), {"hours"}),
        (front_line(hours=0), {"hours"}),
        (front_line(hours=13), {"hours"}),
        (front_line(hours=1e308), {"hours"}),
        (front_line(hours=1.234), {"hours"}),
        (front_line(hours="four"), {"hours"}),
        (front_line(date="2999-01-01"), {"date"}),
        (front_line(date=(timezone.localdate() + dt.timedelta(days=1)).isoformat()), {"date"}),
        (front_line(date="1999-01-01"), {"date"}),
        (front_line(date="yesterday"), {"date"}),
        ({**MEASURED, "before": 10**12}, {"before"}),
        ({**MEASURED, "after": -(10**15)}, {"after"}),
        ({**MEASURED, "before": "lots"}, {"before"}),
        ({**MEASURED, "after": "1e999999"}, {"after"}),
        ({**MEASURED, "higher_is_better": "maybe"}, {"higher_is_better"}),
        ({**MEASURED, "higher_is_better": "higher"}, {"higher_is_better"}),
        ({**MEASURED, "higher_is_better": None}, {"higher_is_better"}),
        ({**CUSTOMER_WORDS, "quote": "x" * 2001}, {"quote"}),
    ],
)
def test_bad_evidence_is_a_400_with_field_errors(api, people, nomination, payload, fields):
    response = api(people.nominator).post(evidence_url(nomination), payload, format="json")

    assert response.status_code == 400
    assert set(response.json()) == fields
    assert nomination.evidence.count() == 0


def test_evidence_that_is_not_an_object_is_a_400(api, people, nomination):
    response = api(people.nominator).post(evidence_url(nomination), [CUSTOMER_WORDS], format="json")

    assert response.status_code == 400
    assert nomination.evidence.count() == 0


def test_evidence_numbers_come_back_as_stored(api, people, nomination):
    response = api(people.nominator).post(evidence_url(nomination), front_line(hours=1.5))

    assert response.status_code == 201
    assert (response.json()["hours"], response.json()["points"]) == (1.5, 1.0)


def test_input_with_a_lone_surrogate_is_a_400_not_a_500(api, people, nomination):
    evidence = add_words(nomination, people.nominator)
    client = api(people.hr)
    posts = [
        (evidence_url(nomination), {"kind": "\ud800"}),
        (evidence_url(nomination), {**CUSTOMER_WORDS, "quote": "\ud800"}),
        (verify_url(evidence), {"status": "\udfff", "note": "\ud800"}),
        (endorsements_url(nomination), {"comment": "\ud800"}),
    ]
    for path, payload in posts:
        response = client.post(path, json.dumps(payload), content_type="application/json")
        assert response.status_code == 400, path


def test_a_negative_measurement_is_fine_when_the_metric_can_be_negative(api, people, nomination):
    payload = {**MEASURED, "metric": "Net promoter score", "before": -20, "after": 15}
    payload["higher_is_better"] = True

    response = api(people.nominator).post(evidence_url(nomination), payload, format="json")

    assert response.status_code == 201
    assert (response.json()["before"], response.json()["after"]) == (-20, 15)


def test_the_eleventh_item_of_evidence_is_a_409(api, people, nomination):
    for _ in range(MAX_EVIDENCE):
        add_words(nomination, people.nominator)

    response = api(people.nominator).post(evidence_url(nomination), CUSTOMER_WORDS)

    assert response.status_code == 409
    assert response.json() == {"detail": "A nomination can carry at most 10 items of evidence."}
    assert nomination.evidence.count() == MAX_EVIDENCE


def test_evidence_cannot_be_added_after_nominations_close(api, people, nomination):
    move(nomination.cycle, Status.JUDGING)

    response = api(people.nominator).post(evidence_url(nomination), CUSTOMER_WORDS)

    assert response.status_code == 409


@pytest.mark.parametrize(
    "payload",
    [
        front_line(date=20260314),
        front_line(date=["2026-03-14"]),
        CUSTOMER_WORDS | {"quote": {"text": "Finally a letter I understand."}},
        MEASURED | {"before": [120]},
    ],
)
def test_a_list_an_object_or_a_number_where_the_form_wants_text_is_a_400(
    api, people, nomination, payload
):
    response = api(people.nominator).post(evidence_url(nomination), payload)

    assert response.status_code == 400
    assert set(response.json()) <= {"date", "quote", "before"}
    assert not nomination.evidence.exists()


def test_who_may_not_add_evidence_is_refused_before_their_input_is_read(api, people, nomination):
    # The nominee's manager may see the nomination but not add to it: 403, not the form's 400.
    response = api(people.manager).post(evidence_url(nomination), {"kind": "customer_words"})

    assert response.status_code == 403


def test_a_closed_nomination_is_a_409_whatever_the_input(api, people, nomination):
    move(nomination.cycle, Status.JUDGING)

    response = api(people.nominator).post(evidence_url(nomination), {"kind": "customer_words"})

    assert response.status_code == 409


def test_hr_nominated_in_the_same_cycle_cannot_withdraw_a_rivals_nomination(
    api, people, nomination
):
    make_nomination(nominator=people.colleague, nominee=people.hr, cycle=nomination.cycle)

    response = api(people.hr).post(url("api-nomination-withdraw", nomination.pk))

    assert response.status_code == 403
    nomination.refresh_from_db()
    assert nomination.is_active


def test_a_dispute_needs_a_note(api, people, nomination):
    evidence = add_words(nomination, people.nominator)

    response = api(people.manager).post(verify_url(evidence), {"status": "disputed"})

    assert response.status_code == 400
    assert list(response.json()) == ["note"]


@pytest.mark.parametrize(
    "payload", [{"status": "approved"}, {}, {"status": "verified", "note": "x" * 501}]
)
def test_bad_verification_input_is_a_400(api, people, nomination, payload):
    evidence = add_words(nomination, people.nominator)

    assert api(people.manager).post(verify_url(evidence), payload).status_code == 400


def test_the_nominator_cannot_verify_their_own_evidence(api, people, nomination):
    evidence = add_words(nomination, people.nominator)

    response = api(people.nominator).post(verify_url(evidence), {"status": "verified"})

    assert response.status_code == 403


def test_evidence_on_a_nomination_you_cannot_see_is_a_404(api, people, nomination):
    evidence = add_words(nomination, people.nominator)

    assert (
        api(people.stranger).post(verify_url(evidence), {"status": "verified"}).status_code == 404
    )
    assert api(people.hr).post(verify_url(10**30), {"status": "verified"}).status_code == 404


# --- Endorsements -----------------------------------------------------------------------------


def test_endorsing_your_own_nomination_is_a_400(api, people, nomination):
    response = api(people.nominator).post(endorsements_url(nomination), {"comment": "Me too"})

    assert response.status_code == 400
    assert response.json() == {"detail": "You cannot endorse a nomination you are part of."}


def test_endorsing_twice_is_a_409(api, people, nomination):
    client = api(people.manager)
    assert client.post(endorsements_url(nomination), {"comment": "Yes!"}).status_code == 201

    response = client.post(endorsements_url(nomination), {"comment": "Yes again!"})

    assert response.status_code == 409
    assert response.json() == {"detail": "You already endorsed this nomination."}
    assert Endorsement.objects.count() == 1


@pytest.mark.parametrize("payload", [{}, {"comment": "   "}, {"comment": "x" * 501}])
def test_an_endorsement_needs_a_short_comment(api, people, nomination, payload):
    response = api(people.manager).post(endorsements_url(nomination), payload, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["comment"]


def test_an_endorsement_is_withdrawn_while_the_cycle_is_open(api, people, nomination):
    client = api(people.manager)
    client.post(endorsements_url(nomination), {"comment": "Yes!"})

    assert client.delete(my_endorsement_url(nomination)).status_code == 204
    assert Endorsement.objects.count() == 0
    again = client.delete(my_endorsement_url(nomination))
    assert again.status_code == 409
    assert again.json() == {"detail": "You have not endorsed this nomination."}


def test_an_endorsement_cannot_be_withdrawn_once_nominations_close(api, people, nomination):
    services.endorse(nomination=nomination, by=people.manager, comment="Yes!")
    move(nomination.cycle, Status.JUDGING)

    response = api(people.manager).delete(my_endorsement_url(nomination))

    assert response.status_code == 409
    assert Endorsement.objects.count() == 1


# --- Invitations ------------------------------------------------------------------------------


def test_the_nominee_cannot_be_invited_to_endorse(api, people, nomination):
    response = api(people.nominator).post(
        url("api-nomination-invitations", nomination.pk), {"user_ids": [people.nominee.pk]}
    )

    assert response.status_code == 400
    assert response.json() == {"user_ids": ["The nominee and the nominator cannot endorse."]}


@pytest.mark.parametrize("user_ids", [[], [10**9], ["x"], 5, [10**30]])
def test_bad_invitation_input_is_a_400(api, people, nomination, user_ids):
    response = api(people.nominator).post(
        url("api-nomination-invitations", nomination.pk), {"user_ids": user_ids}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()) == ["user_ids"]


def test_only_the_nominator_invites(api, people, nomination):
    response = api(people.hr).post(
        url("api-nomination-invitations", nomination.pk), {"user_ids": [people.colleague.pk]}
    )

    assert response.status_code == 403


# --- The list ---------------------------------------------------------------------------------


def test_the_list_holds_only_what_you_may_see(api, people, nomination):
    other = make_nomination(nominator=people.colleague, nominee=people.stranger)

    mine = api(people.nominator).get(NOMINATIONS).json()
    everything = api(people.hr).get(NOMINATIONS).json()

    assert [n["id"] for n in mine["results"]] == [nomination.pk]
    assert [n["id"] for n in everything["results"]] == [other.pk, nomination.pk]
    assert mine["results"][0]["evidence_count"] == 0


def test_the_list_filters_by_cycle_status_and_mine(api, people, nomination):
    other = make_nomination(nominator=people.hr, nominee=people.stranger)
    services.withdraw(nomination=other, by=people.hr)
    hr = api(people.hr)

    def ids(query: str) -> list[int]:
        return [n["id"] for n in hr.get(f"{NOMINATIONS}?{query}").json()["results"]]

    assert ids("status=withdrawn") == [other.pk]
    assert ids("mine=1") == [other.pk]
    assert ids("mine=0") == [other.pk, nomination.pk]
    assert ids(f"cycle={nomination.cycle_id}&status=active") == [nomination.pk]
    assert ids(f"cycle={nomination.cycle_id + 1}") == []


@pytest.mark.parametrize(
    "query", ["cycle=abc", "cycle=0", f"cycle={10**30}", "status=lost", "mine=perhaps", "page=0"]
)
def test_bad_list_filters_are_a_400_or_404_never_a_500(api, people, nomination, query):
    response = api(people.hr).get(f"{NOMINATIONS}?{query}")

    assert response.status_code in (400, 404)
    assert "detail" in response.json() or query.split("=")[0] in response.json()


def test_the_list_hides_the_nominator_from_blind_judges(api, people, nomination):
    move(nomination.cycle, Status.JUDGING)

    judge = api(people.judge).get(NOMINATIONS).json()["results"]
    hr = api(people.hr).get(NOMINATIONS).json()["results"]

    assert judge[0]["nominator"] is None
    assert hr[0]["nominator"]["id"] == people.nominator.pk


@pytest.mark.parametrize("pk", [0, 10**6, 10**30])
def test_unknown_nominations_are_a_404(api, people, pk):
    assert api(people.hr).get(detail_url(pk)).status_code == 404
    assert api(people.hr).post(url("api-nomination-withdraw", pk)).status_code == 404


# --- Query counts -----------------------------------------------------------------------------


def populate(cycle: AwardCycle, judge, count: int) -> None:
    """`count` more nominations in the cycle, each with evidence and an endorsement."""
    for _ in range(count):
        nominator, nominee, endorser = make_user(), make_user(), make_user()
        nomination = make_nomination(nominator=nominator, nominee=nominee, cycle=cycle)
        add_words(nomination, nominator)
        services.endorse(nomination=nomination, by=endorser, comment="Seconded.")


@pytest.mark.parametrize("role", ["hr", "judge"])
def test_the_list_costs_the_same_queries_for_two_and_for_eight_nominations(
    api, people, cycle, role, django_assert_num_queries
):
    JudgeAssignment.objects.create(cycle=cycle, judge=people.judge)
    populate(cycle, people.judge, 2)
    move(cycle, Status.JUDGING)
    client = api(getattr(people, role))
    client.get(NOMINATIONS)  # warm the caller's cached roles

    # The count and the page; for a judge also their assignments (to hide nominators).
    with django_assert_num_queries(2 if role == "hr" else 3) as small:
        assert client.get(NOMINATIONS).json()["count"] == 2
    AwardCycle.objects.filter(pk=cycle.pk).update(status=Status.OPEN)
    populate(AwardCycle.objects.get(pk=cycle.pk), people.judge, 6)
    AwardCycle.objects.filter(pk=cycle.pk).update(status=Status.JUDGING)
    with django_assert_num_queries(len(small.captured_queries)):
        body = client.get(NOMINATIONS).json()
    assert body["count"] == 8
    assert {n["evidence_count"] for n in body["results"]} == {1}
    assert {n["endorsement_count"] for n in body["results"]} == {1}


def test_the_detail_costs_the_same_queries_whatever_its_evidence(
    api, people, nomination, django_assert_num_queries
):
    client = api(people.manager)
    add_words(nomination, people.nominator)
    client.get(detail_url(nomination))

    with django_assert_num_queries(4) as small:
        client.get(detail_url(nomination))
    for _ in range(5):
        evidence = add_words(nomination, people.nominator)
        services.verify_evidence(evidence=evidence, by=people.hr, status="verified")
    for _ in range(3):
        services.endorse(nomination=nomination, by=make_user(), comment="Seconded.")
    with django_assert_num_queries(len(small.captured_queries)):
        body = client.get(detail_url(nomination)).json()
    assert len(body["evidence"]) == 6
    assert len(body["endorsements"]) == 3
