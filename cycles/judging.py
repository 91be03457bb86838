"""Judges and their panel scores (DESIGN §4): HR assigns a cycle's judges; during judging each
judge scores the candidates on the rubric's panel criteria, 1 to 5, never a candidate where
they have a conflict of interest."""

from collections.abc import Collection

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils.text import get_text_list
from django.utils.translation import gettext, ngettext

from accounts.models import User
from awards.models import AwardCycle, Criterion, JudgeAssignment, PanelScore, standings_changed
from core import audit
from core.errors import ConflictError
from cycles import access, notices, scoring

Status = AwardCycle.Status
ASSIGNABLE = (Status.DRAFT, Status.OPEN, Status.JUDGING)
MIN_SCORE, MAX_SCORE = 1, 5
MAX_NOTE = 1000
SCORE_OUT_OF_RANGE = f"Give a score from {MIN_SCORE} to {MAX_SCORE}."


def _lock(cycle: AwardCycle) -> AwardCycle:
    return AwardCycle.objects.select_for_update().get(pk=cycle.pk)


# --- Judges -----------------------------------------------------------------------------------


class CandidatesOnPanel(ConflictError):
    """HR is putting candidates of the cycle on its panel without having confirmed it."""

    def __init__(self, people: list[User]) -> None:
        names = get_text_list([p.full_name for p in people], gettext("and"))
        message = ngettext(
            "%(names)s is a candidate in this cycle: as a judge, they would score the "
            "people they compete with. Confirm to put them on the panel anyway.",
            "%(names)s are candidates in this cycle: as judges, they would score the "
            "people they compete with. Confirm to put them on the panel anyway.",
            len(people),
        ) % {"names": names}
        super().__init__(
            message, candidates=[{"id": p.pk, "full_name": p.full_name} for p in people]
        )
        self.people = people


@transaction.atomic
def assign_judges(
    *,
    cycle: AwardCycle,
    judges: list[User],
    by: User,
    confirmed_candidates: Collection[int] = (),
) -> list[JudgeAssignment]:
    """Replace the cycle's judges (HR, until the cycle is decided). A judge taken off the panel
    during judging takes their scores with them: they no longer count.

    HR is warned before putting a candidate of the cycle on its panel: CandidatesOnPanel,
    unless `confirmed_candidates` names them. Judges already on the panel are not asked
    about again (HR's page marks those who became candidates since)."""
    if not by.is_hr:
        raise PermissionDenied("Only HR assigns judges.")
    cycle = _lock(cycle)
    if cycle.status not in ASSIGNABLE:
        raise ConflictError(
            "Judges can change only until the cycle is decided; "
            f"this one is {cycle.get_status_display().lower()}."
        )
    chosen = {judge.pk: judge for judge in judges}
    inactive = [judge for judge in chosen.values() if not judge.is_active]
    if inactive:
        raise ValidationError({"judges": f"{inactive[0]} is no longer with the company."})
    current = set(cycle.judges.values_list("judge_id", flat=True))
    removed = current - set(chosen)
    added = [pk for pk in chosen if pk not in current]
    # The cycle's row lock keeps a nomination from making someone a candidate meanwhile.
    competing = set(scoring.candidates(cycle).filter(pk__in=added).values_list("pk", flat=True))
    unconfirmed = [chosen[pk] for pk in added if pk in competing - set(confirmed_candidates)]
    if unconfirmed:
        raise CandidatesOnPanel(unconfirmed)
    removed_scores = 0
    if removed:
        cycle.judges.filter(judge_id__in=removed).delete()
        removed_scores, _ = PanelScore.objects.filter(cycle=cycle, judge_id__in=removed).delete()
        standings_changed(cycle.pk)
    JudgeAssignment.objects.bulk_create(JudgeAssignment(cycle=cycle, judge_id=pk) for pk in added)
    notices.judges_assigned(cycle, added)
    audit.record(
        "cycle.judges_assigned",
        actor=by,
        target=cycle,
        before=sorted(current),
        after=sorted(chosen),
        removed_scores=removed_scores,
        candidates_confirmed=sorted(competing),
    )
    return list(cycle.judges.select_related("judge"))


# --- Panel scores -----------------------------------------------------------------------------


def _check_score(score: int | None, note: str) -> tuple[int, str]:
    errors: dict[str, str] = {}
    if score is None or not MIN_SCORE <= score <= MAX_SCORE:
        errors["score"] = SCORE_OUT_OF_RANGE
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        errors["note"] = f"Keep the note under {MAX_NOTE} characters (it has {len(note)})."
    if errors:
        raise ValidationError(errors)
    return score, note


@transaction.atomic
def score_candidate(
    *,
    cycle: AwardCycle,
    judge: User,
    candidate: User,
    criterion: Criterion,
    score: int | None,
    note: str = "",
) -> PanelScore:
    """Record (or change) a judge's 1–5 score of a candidate on one panel criterion. The score
    comes parsed (None: the judge gave none, only a note, which is refused too).

    The phase is the rule: scores can be given and changed while the cycle is in judging, and
    judging closes when HR decides the cycle. `judging_close_at` is the date judges are asked
    to finish by, not a hard stop, so that HR can give a late judge a few more hours without
    editing dates. The cycle row is locked, so no score slips in after the decision's snapshot.
    """
    if not judge.is_active or not access.is_judge(judge, cycle):
        raise PermissionDenied("Only the judges of this cycle score its candidates.")
    cycle = _lock(cycle)
    if cycle.status != Status.JUDGING:
        raise ConflictError(
            f"Judging is closed: this cycle is {cycle.get_status_display().lower()}.",
            status=cycle.status,
        )
    if criterion.cycle_id != cycle.pk or criterion.kind != Criterion.Kind.PANEL:
        raise ValidationError({"criterion": "Choose one of this cycle's panel criteria."})
    score, note = _check_score(score, note)
    # The conflict first: whether someone the judge may not score (themself, above all) is a
    # candidate is not the judge's to learn.
    if candidate.pk in access.conflicted_candidate_ids(judge, cycle):
        raise PermissionDenied("You have a conflict of interest with this candidate.")
    if not scoring.candidates(cycle).filter(pk=candidate.pk).exists():
        raise ValidationError({"candidate": f"{candidate} is not a candidate in this cycle."})
    values = {"cycle": cycle, "score": score, "note": note}
    key = {"judge": judge, "candidate": candidate, "criterion": criterion}
    try:
        with transaction.atomic():
            panel_score, _ = PanelScore.objects.update_or_create(**key, defaults=values)
    except IntegrityError:
        # The same judge saved the same score from two tabs at once: the other insert won.
        panel_score, _ = PanelScore.objects.update_or_create(**key, defaults=values)
    standings_changed(cycle.pk)
    return panel_score


def judging_progress(cycle: AwardCycle, judge: User | None = None) -> dict:
    """How far the judging has got, as (candidate, panel criterion) pairs scored against the
    pairs to score (`to_score` is the total expected, conflicts excluded).

    With a judge: {"scored", "to_score"} for that judge. Without: the same totals over all the
    cycle's judges, plus "judges": {judge id: {"scored", "to_score"}}. A constant number of
    queries, whatever the number of judges and candidates."""
    if judge is not None:
        judge_ids = [judge.pk]
    else:
        judge_ids = list(cycle.judges.values_list("judge_id", flat=True))
    competing = scoring.candidates(cycle)
    candidate_ids = set(competing.values_list("pk", flat=True))
    criterion_count = cycle.criteria.filter(kind=Criterion.Kind.PANEL).count()
    conflicts = access.conflicts_by_judge(cycle, judge_ids)
    scored = dict.fromkeys(judge_ids, 0)
    rows = (
        PanelScore.objects.filter(
            Q(cycle=cycle, judge_id__in=judge_ids, candidate_id__in=competing.values("pk"))
            & Q(criterion__cycle=cycle, criterion__kind=Criterion.Kind.PANEL)
        )
        .values("judge_id", "candidate_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in rows:
        if row["candidate_id"] not in conflicts[row["judge_id"]]:
            scored[row["judge_id"]] += row["n"]
    per_judge = {
        pk: {
            "scored": scored[pk],
            "to_score": len(candidate_ids - conflicts[pk]) * criterion_count,
        }
        for pk in judge_ids
    }
    if judge is not None:
        return per_judge[judge.pk]
    return {
        "scored": sum(p["scored"] for p in per_judge.values()),
        "to_score": sum(p["to_score"] for p in per_judge.values()),
        "judges": per_judge,
    }
