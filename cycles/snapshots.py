"""A cycle's standings in one shape. The JSON a decision keeps (its snapshot) and the live
scoreboard are the same rows: `Snapshot.of` makes them from the scoring, `to_json` writes the JSON
a decision stores, and `Snapshot.read` reads it back. Whatever shows standings (the scoreboard and
its cache, the results, the API and its CSV export, the awards) goes through these, so the shape
is written in one place and parsed in one place.

Decimals stay the strings the snapshot stores: exact, and what the API answers. A page makes
Decimals of the numbers it shows."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from cycles import scoring

PRECISION = {"subscore": 4, "panel_mean": 4, "composite": 2}


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


@dataclass(frozen=True, slots=True)
class RubricItem:
    id: int
    name: str
    kind: str
    weight: int
    half_point: str | None
    customer_focused: bool

    @classmethod
    def of(cls, criterion: scoring.CriterionSpec) -> "RubricItem":
        return cls(
            id=criterion.id,
            name=criterion.name,
            kind=criterion.kind,
            weight=criterion.weight,
            half_point=_text(criterion.half_point),
            customer_focused=criterion.customer_focused,
        )

    @classmethod
    def read(cls, data: dict[str, Any]) -> "RubricItem":
        return cls(
            id=data["id"],
            name=data["name"],
            kind=data.get("kind", ""),
            weight=data["weight"],
            half_point=data.get("half_point"),
            customer_focused=data.get("customer_focused", False),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "kind": self.kind,
            "weight": self.weight,
            "half_point": self.half_point,
            "customer_focused": self.customer_focused,
        }


# Lines and rows are named tuples: a decided board of a big cycle reads tens of thousands of
# them, and a tuple is made several times faster than a frozen dataclass.
class Line(NamedTuple):
    """One criterion of one candidate. No input: a panel criterion nobody scored."""

    criterion_id: int
    name: str
    kind: str
    input: str | None
    subscore: str
    weight: int
    points: str

    @classmethod
    def of(cls, line: scoring.Line) -> "Line":
        return cls(
            criterion_id=line.criterion_id,
            name=line.name,
            kind=line.kind,
            input=_text(line.input),
            subscore=str(line.subscore),
            weight=line.weight,
            points=str(line.points),
        )

    @classmethod
    def read(cls, data: dict[str, Any]) -> "Line":
        # Positional, in the order of the fields: a big decision has tens of thousands of lines.
        return cls(
            data["criterion_id"],
            data["name"],
            data["kind"],
            data["input"],
            data["subscore"],
            data["weight"],
            data["points"],
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "criterion_id": self.criterion_id,
            "name": self.name,
            "kind": self.kind,
            "input": self.input,
            "subscore": self.subscore,
            "weight": self.weight,
            "points": self.points,
        }


class Row(NamedTuple):
    """One candidate, with the raw inputs their lines were computed from (kept so that a
    decision can be re-checked by hand). `rank` is the computed rank."""

    candidate_id: int
    rank: int
    composite: str
    customer_evidence_subscore: str
    inputs: dict[str, Any]
    lines: tuple[Line, ...]

    @classmethod
    def read(cls, data: dict[str, Any]) -> "Row":
        return cls(
            candidate_id=int(data["candidate_id"]),
            rank=int(data["rank"]),
            composite=str(data["composite"]),
            customer_evidence_subscore=str(data["customer_evidence_subscore"]),
            inputs=data["inputs"],
            lines=tuple(Line.read(line) for line in data["lines"]),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "candidate_id": self.candidate_id,
            "rank": self.rank,
            "composite": self.composite,
            "customer_evidence_subscore": self.customer_evidence_subscore,
            "inputs": self.inputs,
            "lines": [line.to_json() for line in self.lines],
        }


def _inputs(row: scoring.Inputs) -> dict[str, Any]:
    return {
        "evidence": str(row.evidence),
        "thanks": row.thanks,
        "peer": str(row.peer),
        "panel": {str(pk): _text(mean) for pk, mean in row.panel.items()},
        "first_nominated_at": (
            row.first_nominated_at.isoformat() if row.first_nominated_at else None
        ),
    }


@dataclass(frozen=True)
class Snapshot:
    """The rubric and every candidate's row, in computed rank order."""

    formula_version: str
    rubric: tuple[RubricItem, ...]
    rows: tuple[Row, ...]

    @classmethod
    def of(
        cls,
        criteria: Sequence[scoring.CriterionSpec],
        inputs: Iterable[scoring.Inputs],
        standings: Sequence[scoring.Standing],
    ) -> "Snapshot":
        """The standings just scored (`scoring.score` of `criteria` and `inputs`)."""
        by_id = {row.candidate_id: row for row in inputs}
        # The scoring shares one Line between the candidates with the same input: each is
        # turned into text once.
        lines: dict[int, Line] = {}

        def line_of(line: scoring.Line) -> Line:
            found = lines.get(id(line))
            if found is None:
                found = lines[id(line)] = Line.of(line)
            return found

        rows = tuple(
            Row(
                candidate_id=standing.candidate_id,
                rank=standing.rank,
                composite=str(standing.composite),
                customer_evidence_subscore=str(standing.customer_evidence_subscore),
                inputs=_inputs(by_id[standing.candidate_id]),
                lines=tuple(line_of(line) for line in standing.lines),
            )
            for standing in sorted(standings, key=lambda s: s.rank)
        )
        return cls(
            formula_version=scoring.FORMULA_VERSION,
            rubric=tuple(RubricItem.of(c) for c in criteria),
            rows=rows,
        )

    @classmethod
    def read(cls, data: dict[str, Any]) -> "Snapshot":
        """A decision's stored snapshot (`to_json`)."""
        rows = sorted(data.get("candidates") or [], key=lambda row: int(row["rank"]))
        return cls(
            formula_version=data.get("formula_version", ""),
            rubric=tuple(RubricItem.read(item) for item in data.get("rubric") or []),
            rows=tuple(Row.read(row) for row in rows),
        )

    def to_json(self) -> dict[str, Any]:
        """Everything needed to show and re-check a decision later, as plain JSON: the
        rubric, each candidate's inputs, lines and composite in rank order, and the ranking.
        Decimals are strings (exact), datetimes ISO 8601."""
        return {
            "formula_version": self.formula_version,
            "precision": dict(PRECISION),
            "rubric": [item.to_json() for item in self.rubric],
            "candidates": [row.to_json() for row in self.rows],
            "ranking": self.ranking,
        }

    @property
    def ranking(self) -> list[int]:
        """Candidate ids in computed order."""
        return [row.candidate_id for row in self.rows]

    def standing_order(self, override: Sequence[int] | None) -> list[Row]:
        """The order that stands: HR's override (as far as it names this snapshot's
        candidates) when there is one, else the computed order."""
        if not override:
            return list(self.rows)
        by_id = {row.candidate_id: row for row in self.rows}
        return [by_id[pk] for pk in override if pk in by_id]
