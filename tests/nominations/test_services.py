import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from awards.models import AwardCycle
from core.audit import AuditEvent
from core.errors import ConflictError
from nominations import services
from nominations.models import Endorsement, Evidence, Nomination, WithdrawnEndorsement
from tests.awards.conftest import make_cycle
from tests.conftest import make_department, make_user
from tests.nominations.conftest import make_nomination, move

Status = AwardCycle.Status
Kind = Evidence.Kind


def words(**kw):
    return {"quote": "You finally explained it in plain words.", "quote_source": "Survey"} | kw


def measured(**kw):
    return {
        "metric": "Calls about refunds",
        "before": Decimal(120),
        "after": Decimal(45),
        "unit": "calls/week",
        "higher_is_better": False,
        "period": "4 weeks before and after",
    } | kw


def png_upload() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "orange").save(out, "PNG")
    return SimpleUploadedFile("photo.png", out.getvalue(), content_type="image/png")


# --- Nominating -------------------------------------------------------------------------------


def test_a_colleague_is_nominated_in_the_open_cycle(people, cycle):
    nomination = make_nomination(nominator=people.nominator, nominee=people.nominee)
    assert nomination.cycle == cycle
    assert nomination.source == Nomination.Source.PEER
    assert nomination.status == Nomination.Status.ACTIVE


def test_nobody_can_nominate_themselves(people, cycle):
    with pytest.raises(ValidationError) as error:
        make_nomination(nominator=people.nominee, nominee=people.nominee)
    assert "yourself" in error.value.message_dict["nominee"][0]


def test_a_second_nomination_of_the_same_person_points_at_the_first(people, cycle):
    first = make_nomination(nominator=people.nominator, nominee=people.nominee)
    with pytest.raises(ConflictError) as error:
        make_nomination(nominator=people.nominator, nominee=people.nominee)
    assert error.value.extra == {"existing": first.pk, "url": first.get_absolute_url()}
    assert Nomination.objects.count() == 1


def test_nominations_are_refused_when_no_cycle_is_open(people, db):
    make_cycle(status=Status.JUDGING)
    with pytest.raises(ConflictError, match="No award cycle is open"):
        make_nomination(nominator=people.nominator, nominee=people.nominee)


def test_a_closed_cycle_refuses_nominations(people, db):
    closed = make_cycle(status=Status.JUDGING)
    with pytest.raises(ConflictError, match="closed"):
        make_nomination(nominator=people.nominator, nominee=people.nominee, cycle=closed)


def test_a_deactivated_colleague_cannot_be_nominated(people, cycle):
    people.nominee.is_active = False
    people.nominee.save()
    with pytest.raises(ValidationError, match="no longer with the company"):
        make_nomination(nominator=people.nominator, nominee=people.nominee)


def test_only_eligible_departments_compete(people, cycle):
    billing = make_department("Billing")
    cycle.eligible_departments.set([billing])
    with pytest.raises(ValidationError, match="open to Billing only"):
        make_nomination(nominator=people.nominator, nominee=people.nominee)
    people.nominee.department = billing
    people.nominee.save()
    assert make_nomination(nominator=people.nominator, nominee=people.nominee)


def test_only_the_nominator_edits_and_only_while_open(nomination, people):
    services.update_nomination(nomination=nomination, by=people.nominator, headline="New")
    nomination.refresh_from_db()
    assert nomination.headline == "New"
    with pytest.raises(PermissionDenied):
        services.update_nomination(nomination=nomination, by=people.colleague, headline="X")
    move(nomination.cycle, Status.JUDGING)
    with pytest.raises(ConflictError, match="closed"):
        services.update_nomination(nomination=nomination, by=people.nominator, headline="Y")


def test_withdrawing_a_nomination_keeps_it_but_marks_it(nomination, people):
    services.withdraw(nomination=nomination, by=people.nominator)
    nomination.refresh_from_db()
    assert nomination.status == Nomination.Status.WITHDRAWN
    assert not AuditEvent.objects.filter(verb="nomination.withdrawn")  # their own decision
    with pytest.raises(ConflictError, match="withdrawn"):
        services.withdraw(nomination=nomination, by=people.nominator)


def test_hr_withdraws_anyones_nomination_and_the_audit_log_says_who(nomination, people):
    services.withdraw(nomination=nomination, by=people.hr)

    nomination.refresh_from_db()
    assert nomination.status == Nomination.Status.WITHDRAWN
    [event] = AuditEvent.objects.filter(verb="nomination.withdrawn")
    assert (event.verb, event.actor, event.target) == (
        "nomination.withdrawn",
        people.hr,
        nomination,
    )
    assert event.data == {"nominator": people.nominator.pk}


@pytest.mark.parametrize("who", ["colleague", "manager", "nominee", "judge", "stranger"])
def test_nobody_else_withdraws_a_nomination(nomination, people, who):
    with pytest.raises(PermissionDenied):
        services.withdraw(nomination=nomination, by=getattr(people, who))
    nomination.refresh_from_db()
    assert nomination.is_active


def test_a_nomination_cannot_be_withdrawn_once_the_cycle_closes(nomination, people):
    move(nomination.cycle, Status.JUDGING)
    for who in (people.nominator, people.hr):
        with pytest.raises(ConflictError, match="closed"):
            services.withdraw(nomination=nomination, by=who)


# --- Evidence ---------------------------------------------------------------------------------


def test_customer_words_count_three_points_half_until_verified(nomination, people):
    item = services.add_evidence(
        nomination=nomination, by=people.nominator, kind=Kind.CUSTOMER_WORDS, **words()
    )
    assert item.points == Decimal("1.5")
    services.verify_evidence(evidence=item, by=people.manager, status="verified")
    item.refresh_from_db()
    assert item.points == Decimal(3)


def test_a_nominations_evidence_points_are_the_sum_of_its_items_stored_points(nomination, people):
    services.add_evidence(
        nomination=nomination, by=people.nominator, kind=Kind.CUSTOMER_WORDS, **words()
    )
    services.add_evidence(
        nomination=nomination, by=people.nominator, kind=Kind.MEASURED_IMPROVEMENT, **measured()
    )
    nomination.refresh_from_db()
    assert nomination.evidence_points == Decimal("3.5")  # 1.5 + 2, both unverified
    assert list(nomination.evidence.values_list("points", flat=True)) == [
        Decimal("1.5"),
        Decimal("2.0"),
    ]


LOWER = {"before": 10, "after": 4}  # better when lower is better, the default
HIGHER = {"before": 4, "after": 10}


@pytest.mark.parametrize(
    ("kind", "verification", "numbers", "points"),
    [
        (Kind.CUSTOMER_WORDS, "verified", {}, "3"),
        (Kind.MEASURED_IMPROVEMENT, "unverified", LOWER, "2"),
        (Kind.MEASURED_IMPROVEMENT, "verified", HIGHER, "1"),
        (Kind.MEASURED_IMPROVEMENT, "verified", HIGHER | {"higher_is_better": True}, "4"),
        (Kind.ARTIFACT, "disputed", {"verification_note": "Not ours."}, "0"),
    ],
)
def test_evidence_written_in_bulk_counts_its_points_too(
    nomination, kind, verification, numbers, points
):
    Evidence.objects.bulk_create(
        [Evidence(nomination=nomination, kind=kind, verification=verification, **numbers)]
    )
    assert nomination.evidence.get().points == Decimal(points)


def test_a_measured_improvement_that_is_not_one_counts_one_point(nomination, people):
    item = services.add_evidence(
        nomination=nomination,
        by=people.nominator,
        kind=Kind.MEASURED_IMPROVEMENT,
        **measured(after=Decimal(130)),
    )
    assert item.shows_improvement is False
    assert item.base_points == Decimal(1)
    assert item.points == Decimal("0.5")


@pytest.mark.parametrize("value", [Decimal("1e12"), Decimal("-5e10"), Decimal("1e9")])
def test_absurd_measurements_are_refused(nomination, people, value):
    with pytest.raises(ValidationError) as error:
        services.add_evidence(
            nomination=nomination,
            by=people.nominator,
            kind=Kind.MEASURED_IMPROVEMENT,
            **measured(before=value),
        )
    assert list(error.value.message_dict) == ["before"]
    assert "This number is too large to be a real measurement." in error.value.messages


def test_negative_metrics_are_allowed_for_scores_like_nps(nomination, people):
    item = services.add_evidence(
        nomination=nomination,
        by=people.nominator,
        kind=Kind.MEASURED_IMPROVEMENT,
        **measured(before=Decimal(-12), after=Decimal(8), higher_is_better=True),
    )
    assert item.shows_improvement is True


@pytest.mark.parametrize(
    ("hours", "date_offset", "field"),
    [
        (Decimal(0), 1, "hours"),
        (Decimal(-2), 1, "hours"),
        (Decimal("12.5"), 1, "hours"),
        (Decimal(3), -1, "date"),
        (Decimal(3), 400, "date"),
        (Decimal("1.234"), 1, "hours"),
    ],
)
def test_front_line_time_is_in_the_past_and_at_most_twelve_hours(
    nomination, people, hours, date_offset, field
):
    day = dt.date.today() - dt.timedelta(days=date_offset)
    with pytest.raises(ValidationError) as error:
        services.add_evidence(
            nomination=nomination,
            by=people.nominator,
            kind=Kind.FRONT_LINE_TIME,
            date=day,
            hours=hours,
            heard="Long waits",
        )
    assert field in error.value.message_dict


def test_an_artifact_goes_through_the_image_pipeline(nomination, people):
    item = services.add_evidence(
        nomination=nomination,
        by=people.nominator,
        kind=Kind.ARTIFACT,
        image=png_upload(),
        caption="New letter",
    )
    assert item.image.name.endswith(".webp")
    assert item.image_thumbnail.name.endswith(".webp")


def test_an_artifact_that_is_not_an_image_is_refused_on_the_image_field(nomination, people):
    bad = SimpleUploadedFile("x.png", b"not an image", content_type="image/png")
    with pytest.raises(ValidationError) as error:
        services.add_evidence(
            nomination=nomination,
            by=people.nominator,
            kind=Kind.ARTIFACT,
            image=bad,
            caption="Oops",
        )
    assert "image" in error.value.message_dict


def test_at_most_ten_items_of_evidence(nomination, people):
    for _ in range(10):
        services.add_evidence(
            nomination=nomination, by=people.nominator, kind=Kind.CUSTOMER_WORDS, **words()
        )
    with pytest.raises(ConflictError, match="at most 10"):
        services.add_evidence(
            nomination=nomination, by=people.nominator, kind=Kind.CUSTOMER_WORDS, **words()
        )


def test_only_the_nominator_adds_evidence(nomination, people):
    with pytest.raises(PermissionDenied):
        services.add_evidence(
            nomination=nomination, by=people.colleague, kind=Kind.CUSTOMER_WORDS, **words()
        )


def test_a_dispute_needs_a_note_and_counts_nothing(nomination, people):
    item = services.add_evidence(
        nomination=nomination, by=people.nominator, kind=Kind.CUSTOMER_WORDS, **words()
    )
    with pytest.raises(ValidationError) as error:
        services.verify_evidence(evidence=item, by=people.manager, status="disputed")
    assert "note" in error.value.message_dict
    services.verify_evidence(
        evidence=item,
        by=people.manager,
        status="disputed",
        note="The customer said this about another team.",
    )
    item.refresh_from_db()
    assert item.points == 0


def test_the_audit_log_names_a_verification_a_dispute_and_an_undo_apart(nomination, people):
    item = services.add_evidence(
        nomination=nomination, by=people.nominator, kind=Kind.CUSTOMER_WORDS, **words()
    )
    services.verify_evidence(evidence=item, by=people.manager, status="verified")
    services.verify_evidence(evidence=item, by=people.manager, status="disputed", note="Not us.")
    services.verify_evidence(evidence=item, by=people.manager, status="unverified")
    events = AuditEvent.objects.filter(verb__startswith="evidence.").order_by("id")
    assert [(e.verb, e.data["frm"], e.data["to"]) for e in events] == [
        ("evidence.verified", "unverified", "verified"),
        ("evidence.disputed", "verified", "disputed"),
        ("evidence.unverified", "disputed", "unverified"),
    ]


@pytest.mark.parametrize("who", ["colleague", "nominator", "nominee", "judge", "stranger"])
def test_only_the_nominees_manager_or_hr_verify(nomination, people, who):
    item = services.add_evidence(
        nomination=nomination, by=people.nominator, kind=Kind.CUSTOMER_WORDS, **words()
    )
    with pytest.raises(PermissionDenied):
        services.verify_evidence(evidence=item, by=getattr(people, who), status="verified")


def test_hr_can_verify(nomination, people):
    item = services.add_evidence(
        nomination=nomination, by=people.nominator, kind=Kind.CUSTOMER_WORDS, **words()
    )
    services.verify_evidence(evidence=item, by=people.hr, status="verified")


def test_hr_nominated_in_the_same_cycle_does_not_verify_a_rivals_evidence(nomination, people):
    item = services.add_evidence(
        nomination=nomination, by=people.nominator, kind=Kind.CUSTOMER_WORDS, **words()
    )
    make_nomination(nominator=people.colleague, nominee=people.hr, cycle=nomination.cycle)
    with pytest.raises(PermissionDenied):
        services.verify_evidence(evidence=item, by=people.hr, status="disputed", note="Not so.")
    # Their own report's evidence is a manager's duty, not a rival's judgement.
    people.nominee.manager = people.hr
    people.nominee.save(update_fields=["manager"])
    nomination.refresh_from_db()
    services.verify_evidence(evidence=item, by=people.hr, status="verified")


def test_a_manager_who_nominated_their_report_cannot_verify_it(people, cycle):
    nomination = make_nomination(nominator=people.manager, nominee=people.nominee)
    item = services.add_evidence(
        nomination=nomination, by=people.manager, kind=Kind.CUSTOMER_WORDS, **words()
    )
    with pytest.raises(PermissionDenied):
        services.verify_evidence(evidence=item, by=people.manager, status="verified")


# --- Endorsements -----------------------------------------------------------------------------


def test_a_colleague_endorses_once(nomination, people):
    services.endorse(nomination=nomination, by=people.colleague, comment="She saved my week.")
    with pytest.raises(ConflictError, match="already endorsed"):
        services.endorse(nomination=nomination, by=people.colleague, comment="Again")
    assert Endorsement.objects.count() == 1


@pytest.mark.parametrize("who", ["nominee", "nominator"])
def test_the_people_in_a_nomination_cannot_endorse_it(nomination, people, who):
    with pytest.raises(ValidationError, match="part of"):
        services.endorse(nomination=nomination, by=getattr(people, who), comment="Me!")


def test_an_endorsement_needs_a_comment(nomination, people):
    with pytest.raises(ValidationError):
        services.endorse(nomination=nomination, by=people.colleague, comment="   ")


def test_an_endorsement_can_be_withdrawn_while_the_cycle_is_open(nomination, people):
    services.endorse(nomination=nomination, by=people.colleague, comment="Yes")
    services.withdraw_endorsement(nomination=nomination, by=people.colleague)
    assert not Endorsement.objects.exists()
    services.endorse(nomination=nomination, by=people.colleague, comment="Yes")
    move(nomination.cycle, Status.JUDGING)
    with pytest.raises(ConflictError, match="closed"):
        services.withdraw_endorsement(nomination=nomination, by=people.colleague)


def test_a_withdrawn_endorsement_no_longer_counts_but_is_remembered(nomination, people):
    services.endorse(nomination=nomination, by=people.colleague, comment="Yes")
    services.withdraw_endorsement(nomination=nomination, by=people.colleague)
    assert not nomination.endorsements.exists()
    [withdrawn] = WithdrawnEndorsement.objects.all()
    assert (withdrawn.nomination, withdrawn.author) == (nomination, people.colleague)
    # Endorsing and withdrawing again keeps one record, of the last withdrawal.
    services.endorse(nomination=nomination, by=people.colleague, comment="Yes, after all")
    services.withdraw_endorsement(nomination=nomination, by=people.colleague)
    assert WithdrawnEndorsement.objects.get().withdrawn_at > withdrawn.withdrawn_at


def test_endorsing_is_closed_with_the_cycle(nomination, people):
    move(nomination.cycle, Status.JUDGING)
    with pytest.raises(ConflictError, match="closed"):
        services.endorse(nomination=nomination, by=people.colleague, comment="Late")


def test_the_nominee_cannot_be_invited_to_endorse(nomination, people):
    with pytest.raises(ValidationError):
        services.invite_endorsers(
            nomination=nomination, by=people.nominator, people=[people.nominee]
        )
    services.invite_endorsers(nomination=nomination, by=people.nominator, people=[people.colleague])
    assert list(nomination.invited_endorsers.all()) == [people.colleague]


def test_only_the_nominator_invites(nomination, people):
    with pytest.raises(PermissionDenied):
        services.invite_endorsers(nomination=nomination, by=people.colleague, people=[make_user()])


def test_invited_colleagues_are_told_by_email_once(
    nomination, people, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.invite_endorsers(
            nomination=nomination, by=people.nominator, people=[people.colleague]
        )
    with django_capture_on_commit_callbacks(execute=True):
        services.invite_endorsers(
            nomination=nomination, by=people.nominator, people=[people.colleague]
        )
    assert [m.to for m in mailoutbox] == [[people.colleague.email]]
    assert nomination.get_absolute_url() in mailoutbox[0].body
