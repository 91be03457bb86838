"""Employee of the Month over the API (DESIGN §6, issue 6): judges, panel scores, the
scoreboard, HR's override, the results and the CSV export.

Every rule lives in cycles/judging.py, cycles/deciding.py and cycles/access.py; these views
check the shape of the input, call them, and shape the answer. Decimals (inputs, subscores,
points, composites) are strings, exactly as the decision's snapshot stores them."""

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import JSONParser
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api import PersonSerializer
from accounts.models import User
from awards.models import Award, AwardCycle, Criterion, Decision, PanelScore
from core.exports import csv_response
from core.models import MAX_ID
from cycles import access, deciding, judging, scoreboard_cache, scoring
from cycles.api import IsHRToChange, criterion_kind_field
from cycles.snapshots import Line, Snapshot

MAX_JUDGES = 50
MAX_RANKING = 500


class IsHR(BasePermission):
    """HR only, for reading too; checked before the cycle is looked up."""

    message = "Only HR may do this."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return request.user.is_hr


def _cycle(request: Request, pk: int) -> AwardCycle:
    return get_object_or_404(AwardCycle.objects.visible_to(request.user), pk=pk)


def _id_field(**kwargs) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


def _person(user: User | None, pk: int | None = None) -> dict | None:
    if user is None:
        return None if pk is None else {"id": pk, "full_name": "", "display_name": ""}
    return {"id": user.pk, "full_name": user.full_name, "display_name": user.display_name}


# --- Documentation of the answers -------------------------------------------------------------

DECIMAL_TEXT = 'A decimal number as a string (exact), e.g. "12.50".'


class LineSerializer(serializers.Serializer):
    criterion = serializers.IntegerField(help_text="The criterion's id.")
    name = serializers.CharField()
    kind = criterion_kind_field()
    input = serializers.CharField(
        allow_null=True, help_text=DECIMAL_TEXT + " Null for a panel criterion nobody scored."
    )
    subscore = serializers.CharField(help_text=DECIMAL_TEXT + " 0 to 1.")
    weight = serializers.IntegerField(help_text="Percent.")
    points = serializers.CharField(help_text=DECIMAL_TEXT + " weight × subscore.")


class RubricItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = criterion_kind_field()
    weight = serializers.IntegerField()
    half_point = serializers.CharField(allow_null=True, help_text=DECIMAL_TEXT)
    customer_focused = serializers.BooleanField()


class StandingSerializer(serializers.Serializer):
    candidate = PersonSerializer()
    rank = serializers.IntegerField(help_text="The computed rank (1 is first).")
    composite = serializers.CharField(help_text=DECIMAL_TEXT + " 0 to 100.")
    lines = LineSerializer(many=True)


class OverrideSerializer(serializers.Serializer):
    ranking = serializers.ListField(child=serializers.IntegerField(), help_text="User ids.")
    justification = serializers.CharField()
    by = PersonSerializer(allow_null=True)
    at = serializers.DateTimeField(allow_null=True)


class ScoreboardSerializer(serializers.Serializer):
    cycle = serializers.IntegerField()
    formula_version = serializers.CharField()
    decided = serializers.BooleanField(
        help_text="True: the decision's frozen snapshot; false: computed live from the data now."
    )
    criteria = RubricItemSerializer(many=True)
    candidates = StandingSerializer(many=True)
    override = OverrideSerializer(
        allow_null=True, help_text="HR's change of the award order, if any."
    )


class AwardOrderSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    person = PersonSerializer()
    composite = serializers.CharField(help_text=DECIMAL_TEXT)


class WinnerSerializer(AwardOrderSerializer):
    citation = serializers.CharField()
    breakdown = LineSerializer(many=True)


class OrderChangeSerializer(serializers.Serializer):
    justification_summary = serializers.CharField(
        allow_null=True,
        help_text="The first sentence of HR's justification, at most 200 characters; null "
        "when the justification was written before HR was told this sentence is public.",
    )


class ResultsSerializer(serializers.Serializer):
    cycle = serializers.IntegerField()
    winners = WinnerSerializer(many=True)
    announced_at = serializers.DateTimeField(allow_null=True)
    order_changed = OrderChangeSerializer(
        allow_null=True,
        help_text="Set when HR changed the computed order of the winners (null otherwise).",
    )


class PanelScoreSerializer(serializers.Serializer):
    candidate = serializers.IntegerField()
    criterion = serializers.IntegerField()
    score = serializers.IntegerField()
    note = serializers.CharField(allow_blank=True)
    updated_at = serializers.DateTimeField()


Error = inline_serializer("AwardError", {"detail": serializers.CharField()})
NOT_VISIBLE = OpenApiResponse(Error, description="Unknown cycle, or a draft you may not see.")


# --- Input ------------------------------------------------------------------------------------


class JudgesInputSerializer(serializers.Serializer):
    user_ids = serializers.ListField(
        child=_id_field(), max_length=MAX_JUDGES, allow_empty=True, help_text="Active people."
    )
    confirm_candidates = serializers.BooleanField(
        required=False,
        default=False,
        help_text="True to put candidates of the cycle on its panel: without it, adding one "
        "answers 409 and names them.",
    )


class PanelScoreInputSerializer(serializers.Serializer):
    candidate = _id_field(help_text="The candidate's user id.")
    criterion = _id_field(help_text="One of the cycle's panel criteria.")
    score = serializers.IntegerField(
        min_value=-(2**31), max_value=2**31 - 1, help_text="1 (weak) to 5 (outstanding)."
    )
    note = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="For the panel; at most 1000."
    )


class OverrideInputSerializer(serializers.Serializer):
    ranking = serializers.ListField(
        child=_id_field(), max_length=MAX_RANKING, help_text="Candidate user ids, first first."
    )
    justification = serializers.CharField(
        allow_blank=True,
        help_text="Why the order changes (at least 20 characters). Its first sentence is shown "
        "on the public results; the whole text is kept in the audit log.",
    )


# --- Judges -----------------------------------------------------------------------------------


class CycleJudgesView(APIView):
    permission_classes = [IsAuthenticated, IsHRToChange]
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="cycles_judges_replace",
        request=JudgesInputSerializer,
        responses={
            200: inline_serializer("CycleJudges", {"judges": PersonSerializer(many=True)}),
            409: OpenApiResponse(
                inline_serializer(
                    "CycleJudgesConflict",
                    {
                        "detail": serializers.CharField(),
                        "candidates": inline_serializer(
                            "CandidateOnPanel",
                            {
                                "id": serializers.IntegerField(),
                                "full_name": serializers.CharField(),
                            },
                            many=True,
                            required=False,
                        ),
                    },
                ),
                description="The cycle is decided: judges are final. Or people added to the "
                "panel are candidates of the cycle (listed in `candidates`) and "
                "`confirm_candidates` was not true: nothing changed.",
            ),
        },
        description="HR replaces the cycle's judges (until the cycle is decided). A judge "
        "taken off the panel takes their scores with them. Unknown or inactive people: 400. "
        "Adding a candidate of the cycle needs `confirm_candidates: true`; judges already on "
        "the panel are not asked about again.",
    )
    def put(self, request: Request, pk: int) -> Response:
        cycle = _cycle(request, pk)
        data = JudgesInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ids = list(dict.fromkeys(data.validated_data["user_ids"]))
        people = User.objects.in_bulk(ids)
        unknown = [str(pk) for pk in ids if pk not in people]
        if unknown:
            raise ValidationError({"user_ids": f"Unknown people: {', '.join(unknown)}."})
        assignments = judging.assign_judges(
            cycle=cycle,
            judges=[people[pk] for pk in ids],
            by=request.user,
            confirmed_candidates=ids if data.validated_data["confirm_candidates"] else (),
        )
        return Response({"judges": [_person(a.judge) for a in assignments]})


# --- Panel scores -----------------------------------------------------------------------------


def _score_data(score: PanelScore) -> dict:
    return {
        "candidate": score.candidate_id,
        "criterion": score.criterion_id,
        "score": score.score,
        "note": score.note,
        "updated_at": serializers.DateTimeField().to_representation(score.updated_at),
    }


class PanelScoresView(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="cycles_panel_scores_list",
        responses={200: PanelScoreSerializer(many=True), 404: NOT_VISIBLE},
        description="Your own panel scores in the cycle (empty unless you judge it).",
    )
    def get(self, request: Request, pk: int) -> Response:
        cycle = _cycle(request, pk)
        scores = PanelScore.objects.filter(cycle=cycle, judge=request.user).order_by(
            "candidate_id", "criterion_id"
        )
        return Response([_score_data(score) for score in scores])

    @extend_schema(
        operation_id="cycles_panel_scores_create",
        request=PanelScoreInputSerializer,
        responses={
            200: OpenApiResponse(PanelScoreSerializer, description="Your score, changed."),
            201: OpenApiResponse(PanelScoreSerializer, description="Your score, recorded."),
            403: OpenApiResponse(
                Error,
                description="Not a judge of this cycle, or a conflict of interest with the "
                "person (you are them, manage them, or nominated them, were invited to "
                "endorse or endorsed a nomination of them in the cycle), whether or not "
                "they are a candidate.",
            ),
            404: NOT_VISIBLE,
            409: OpenApiResponse(Error, description="Judging is closed (or not yet open)."),
        },
        description="A judge scores a candidate 1–5 on one of the cycle's panel criteria, "
        "during judging; sending it again changes the score.",
    )
    def post(self, request: Request, pk: int) -> Response:
        cycle = _cycle(request, pk)
        data = PanelScoreInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        candidate = User.objects.filter(pk=values["candidate"]).first()
        if candidate is None:
            raise ValidationError({"candidate": "Unknown person."})
        criterion = Criterion.objects.filter(pk=values["criterion"], cycle=cycle).first()
        if criterion is None:
            raise ValidationError({"criterion": "Choose one of this cycle's panel criteria."})
        existed = PanelScore.objects.filter(
            judge=request.user, candidate=candidate, criterion=criterion
        ).exists()
        score = judging.score_candidate(
            cycle=cycle,
            judge=request.user,
            candidate=candidate,
            criterion=criterion,
            score=values["score"],
            note=values["note"],
        )
        code = status.HTTP_200_OK if existed else status.HTTP_201_CREATED
        return Response(_score_data(score), status=code)


# --- The scoreboard ---------------------------------------------------------------------------


def _line(line: Line) -> dict:
    """A line as the API answers it (LineSerializer): the snapshot's, with the criterion's id
    as `criterion`."""
    return {
        "criterion": line.criterion_id,
        "name": line.name,
        "kind": line.kind,
        "input": line.input,
        "subscore": line.subscore,
        "weight": line.weight,
        "points": line.points,
    }


def _override(decision: Decision | None) -> dict | None:
    if decision is None or not decision.override_ranking:
        return None
    return {
        "ranking": decision.override_ranking,
        "justification": decision.override_justification,
        "by": _person(decision.overridden_by),
        "at": serializers.DateTimeField().to_representation(decision.overridden_at)
        if decision.overridden_at
        else None,
    }


def _decision(cycle: AwardCycle) -> Decision | None:
    # The snapshot (megabytes at 10,000 nominations) is read only when it is not cached.
    return (
        Decision.objects.select_related("overridden_by")
        .defer("snapshot")
        .filter(cycle=cycle)
        .first()
    )


def scoreboard_data(cycle: AwardCycle) -> tuple[dict, dict[int, User]]:
    """The scoreboard of a cycle: the decision's snapshot once decided, else computed live
    (cycles.scoreboard_cache); with the candidates as people, as they are now. A constant
    number of queries."""
    decision = _decision(cycle)
    standings = scoreboard_cache.standings(cycle, decision)
    # Thousands of candidates share a few distinct lines: each is shaped once.
    shaped: dict[Line, dict] = {}

    def shape(line: Line) -> dict:
        found = shaped.get(line)
        if found is None:
            found = shaped[line] = _line(line)
        return found

    candidates = [
        {
            "candidate_id": entry.candidate_id,
            "rank": entry.computed_rank,
            "composite": entry.composite,
            "lines": [shape(line) for line in entry.lines],
        }
        for entry in map(standings.entry, standings.computed_order())
    ]
    board = {
        "formula_version": decision.formula_version if decision else scoring.FORMULA_VERSION,
        "criteria": standings.criteria,
        "candidates": candidates,
    }
    people = User.objects.in_bulk([row["candidate_id"] for row in candidates])
    board |= {"cycle": cycle.pk, "decided": decision is not None, "override": _override(decision)}
    return board, people


def _board_for(request: Request, pk: int) -> tuple[AwardCycle, dict, dict[int, User]]:
    cycle = _cycle(request, pk)
    if not access.can_see_scoreboard(request.user, cycle):
        raise PermissionDenied("The scoreboard is for HR, and for the judges once decided.")
    board, people = scoreboard_data(cycle)
    return cycle, board, people


class ScoreboardView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="cycles_scoreboard",
        responses={
            200: ScoreboardSerializer,
            403: OpenApiResponse(
                Error, description="Not HR, nor a judge of this cycle once it is decided."
            ),
            404: NOT_VISIBLE,
        },
        description="Every candidate's input, subscore, weight and points per criterion, and "
        "the composite, in computed rank order. Before the decision (HR only) it is computed "
        "from the data as it is now; after it, it is the decision's frozen snapshot, with HR's "
        "override of the award order, if any. Decimals are strings.",
    )
    def get(self, request: Request, pk: int) -> Response:
        _, board, people = _board_for(request, pk)
        candidates = [
            {
                "candidate": _person(people.get(row["candidate_id"]), row["candidate_id"]),
                "rank": row["rank"],
                "composite": row["composite"],
                "lines": row["lines"],
            }
            for row in board["candidates"]
        ]
        return Response(board | {"candidates": candidates})


# --- Override ---------------------------------------------------------------------------------


class OverrideView(APIView):
    permission_classes = [IsAuthenticated, IsHRToChange]
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="cycles_override",
        request=OverrideInputSerializer,
        responses={
            200: inline_serializer(
                "OverrideResult",
                {
                    "ranking": serializers.ListField(
                        child=serializers.IntegerField(),
                        help_text="Every candidate's user id, in the order that now stands.",
                    ),
                    "awards": AwardOrderSerializer(many=True),
                    "override": OverrideSerializer(),
                },
            ),
            409: OpenApiResponse(
                Error, description="The cycle is not decided yet, or already announced."
            ),
        },
        description="HR changes the order of the winners of a decided cycle, with a written "
        "justification (at least 20 characters), before the announcement. `ranking` names "
        "candidates first-first; those left out keep their computed order after them.",
    )
    def post(self, request: Request, pk: int) -> Response:
        cycle = _cycle(request, pk)
        data = OverrideInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        decision = deciding.override_ranking(
            cycle=cycle,
            by=request.user,
            ranking=data.validated_data["ranking"],
            justification=data.validated_data["justification"],
        )
        awards = Award.objects.filter(cycle=cycle).select_related("recipient").order_by("rank")
        return Response(
            {
                "ranking": [row.candidate_id for row in deciding.effective_ranking(decision)],
                "awards": [
                    {
                        "rank": award.rank,
                        "person": _person(award.recipient),
                        "composite": str(award.composite),
                    }
                    for award in awards
                ],
                "override": _override(decision),
            }
        )


# --- Results ----------------------------------------------------------------------------------


def _awards(cycle: AwardCycle) -> QuerySet[Award]:
    return Award.objects.filter(cycle=cycle).select_related("recipient").order_by("rank")


class ResultsView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="cycles_results",
        responses={
            200: ResultsSerializer,
            404: OpenApiResponse(Error, description="Unknown, or not announced yet."),
        },
        description="The winners of an announced cycle, for everyone signed in: rank, "
        "citation and the score breakdown of each winner (never the judges' notes).",
    )
    def get(self, request: Request, pk: int) -> Response:
        cycle = _cycle(request, pk)
        decision = Decision.objects.filter(cycle=cycle).first()
        if cycle.status != AwardCycle.Status.ANNOUNCED or decision is None:
            return Response({"detail": "Not announced yet."}, status=status.HTTP_404_NOT_FOUND)
        lines = {row.candidate_id: row.lines for row in Snapshot.read(decision.snapshot).rows}
        awards = list(_awards(cycle))
        winners = [
            {
                "rank": award.rank,
                "person": _person(award.recipient),
                "composite": str(award.composite),
                "citation": award.citation,
                "breakdown": [_line(line) for line in lines.get(award.recipient_id, ())],
            }
            for award in awards
        ]
        announced_at = (
            serializers.DateTimeField().to_representation(decision.announced_at)
            if decision.announced_at
            else None
        )
        order_changed = None
        if deciding.order_changed(
            decision, [award.recipient_id for award in awards], cycle.winner_count
        ):
            # A reason written before HR was told it is public stays private: null.
            public = decision.justification_public
            order_changed = {
                "justification_summary": decision.justification_summary if public else None
            }
        return Response(
            {
                "cycle": cycle.pk,
                "winners": winners,
                "announced_at": announced_at,
                "order_changed": order_changed,
            }
        )


# --- Export -----------------------------------------------------------------------------------


def scoreboard_rows(board: dict, people: dict[int, User]) -> list[list]:
    header = ["rank", "candidate", "email", "composite"]
    for criterion in board["criteria"]:
        name = criterion["name"]
        header += [f"{name} input", f"{name} subscore", f"{name} weight", f"{name} points"]
    rows = [header]
    for row in board["candidates"]:
        person = people.get(row["candidate_id"])
        cells = [
            row["rank"],
            person.full_name if person else "",
            person.email if person else "",
            row["composite"],
        ]
        by_criterion = {line["criterion"]: line for line in row["lines"]}
        for criterion in board["criteria"]:
            line = by_criterion.get(criterion["id"], {})
            cells += [line.get(k) for k in ("input", "subscore", "weight", "points")]
        rows.append(cells)
    return rows


class ExportView(APIView):
    permission_classes = [IsAuthenticated, IsHR]

    @extend_schema(
        operation_id="cycles_export_csv",
        responses={
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR,
                description="The scoreboard as CSV (UTF-8 with a byte-order mark): rank, "
                "candidate, email, composite, then input, subscore, weight and points per "
                "criterion (an attachment).",
            ),
            404: NOT_VISIBLE,
        },
        description="HR downloads the scoreboard (the snapshot once decided).",
    )
    def get(self, request: Request, pk: int) -> HttpResponse:
        cycle, board, people = _board_for(request, pk)
        return csv_response(
            scoreboard_rows(board, people), filename=f"scoreboard-{cycle.month:%Y-%m}.csv"
        )
