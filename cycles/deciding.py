"""Deciding and announcing a cycle (DESIGN §4): the decision freezes the scoreboard in a
snapshot and names the winners; HR may reorder them only with a written justification; the
announcement tells the company, the winners, their managers and every other nominee.

`decide` and `announce` are called by cycles.services.transition, inside its transaction and
with the cycle row locked."""

import calendar
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import HR_GROUP, User
from awards import tasks
from awards.models import Award, AwardCycle, Decision, standings_changed
from core import audit, notify
from core.errors import ConflictError
from core.tasks import enqueue_on_commit
from cycles import notices, scoring, snapshots
from nominations.models import Evidence, Nomination, ThankYou
from stories.models import Story

Status = AwardCycle.Status
MAX_CITATION = 4000
MAX_STORY_BODY = 10000
MAX_TITLE = 140
MIN_JUSTIFICATION = 20
MAX_JUSTIFICATION = 4000
MAX_HEADLINES = 5
JUSTIFICATION_NEEDED = _(
    "Explain why the order changes, in 20 characters at least. Its first sentence is shown "
    "on the public results; the whole text is kept in the audit log."
)
ORDER_CHANGED_MEANWHILE = _("The order was changed by someone else meanwhile.")
NOBODY = "Nobody was a candidate"


def month_label(cycle: AwardCycle) -> str:
    return f"{calendar.month_name[cycle.month.month]} {cycle.month.year}"


def _lock(cycle: AwardCycle) -> AwardCycle:
    return AwardCycle.objects.select_for_update().get(pk=cycle.pk)


# --- Reading a snapshot -----------------------------------------------------------------------


@dataclass(frozen=True)
class Ranked:
    candidate_id: int
    composite: Decimal


def _ranked(rows: Iterable[snapshots.Row]) -> list[Ranked]:
    return [Ranked(row.candidate_id, Decimal(row.composite)) for row in rows]


def snapshot_ranking(snapshot: dict) -> list[Ranked]:
    """The computed order stored in a decision's snapshot (cycles/snapshots.py)."""
    return _ranked(snapshots.Snapshot.read(snapshot).rows)


def effective_ranking(decision: Decision) -> list[Ranked]:
    """The order that stands: HR's override when there is one, else the computed ranking."""
    snapshot = snapshots.Snapshot.read(decision.snapshot)
    return _ranked(snapshot.standing_order(decision.override_ranking))


def order_changed(decision: Decision, winners: list[int], winner_count: int) -> bool:
    """Whether the winners (user ids, in award order) differ from the top `winner_count` of
    the computed standings. An override that kept the winning places as computed (saved
    unchanged, or changed only below them) changed nothing anyone is told about."""
    computed = [row.candidate_id for row in snapshots.Snapshot.read(decision.snapshot).rows]
    return list(winners) != computed[:winner_count]


def override_version(decision: Decision) -> str:
    """A fingerprint of HR's stored override, for a page to say which order it was built
    from: empty before any override, else when the last one was saved (to the microsecond)."""
    if decision.overridden_at is None:
        return ""
    return str(int(decision.overridden_at.timestamp() * 1_000_000))


def decided_winners(cycle: AwardCycle) -> list[Award]:
    """The winners of a decided or announced cycle, in the order that stands (HR's override
    included), with their departments: none before the decision."""
    if cycle.status not in (Status.DECIDED, Status.ANNOUNCED):
        return []
    return list(cycle.awards.select_related("recipient__department").order_by("rank"))


# --- Citations --------------------------------------------------------------------------------


@dataclass
class Citation:
    """What a winner is recognised for, from their nominations and their customers' words."""

    name: str
    headlines: list[str] = field(default_factory=list)
    impact: str = ""
    quote: str = ""
    attribution: str = ""
    thanks: int = 0

    def plain(self) -> str:
        parts = []
        if self.headlines:
            parts.append("Nominated for: " + "; ".join(f"“{h}”" for h in self.headlines) + ".")
        if self.impact:
            parts.append(f"What changed for customers: {self.impact}")
        if self.thanks and not self.headlines:
            parts.append(_thanked(self.name, self.thanks))
        if self.quote:
            parts.append(f"“{self.quote}” — {self.attribution}")
        return _clip("\n\n".join(parts), MAX_CITATION)

    def markdown(self) -> str:
        parts = []
        if self.headlines:
            parts.append("Nominated for:\n\n" + "\n".join(f"- {_md(h)}" for h in self.headlines))
        if self.impact:
            parts.append(f"**What changed for customers:** {_md(self.impact)}")
        if self.thanks and not self.headlines:
            parts.append(_md(_thanked(self.name, self.thanks)))
        if self.quote:
            quoted = "\n".join(f"> {_md(line)}" for line in self.quote.splitlines() if line)
            parts.append(f"{quoted}\n>\n> — {_md(self.attribution)}")
        return "\n\n".join(parts)


def _thanked(name: str, count: int) -> str:
    return f"Customers thanked {name} {count} time{'s' if count != 1 else ''} this month."


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _md(text: str) -> str:
    """User text inside our markdown: its own markup characters are shown, not interpreted."""
    for char in "\\`*_[]<>#|":
        text = text.replace(char, "\\" + char)
    return text


def _customer_words(evidence: list[dict], thanks: list[dict]) -> tuple[str, str]:
    """The best customer quote: verified evidence first, then a thank-you the customer agreed
    to share, then unverified evidence (disputed evidence never)."""
    verified = [e for e in evidence if e["verification"] == Evidence.Verification.VERIFIED]
    shared = [t for t in thanks if t["consent_to_share"]]
    unverified = [e for e in evidence if e["verification"] == Evidence.Verification.UNVERIFIED]
    for item in verified[:1]:
        return item["quote"], _evidence_by(item)
    for item in shared[:1]:
        first = (item["customer_name"].split() or ["A customer"])[0]
        by = f"{first}, a customer" + (
            f" at {item['organisation']}" if item["organisation"] else ""
        )
        return item["message"], by
    for item in unverified[:1]:
        return item["quote"], _evidence_by(item)
    return "", ""


def _evidence_by(item: dict) -> str:
    source = item["quote_source"].strip()
    return f"a customer, via {source}" if source else "a customer"


def citations(cycle: AwardCycle, recipients: list[User]) -> dict[int, Citation]:
    """A citation for each recipient, in three queries whatever their number."""
    ids = [user.pk for user in recipients]
    result = {user.pk: Citation(name=user.full_name) for user in recipients}
    nominations = (
        Nomination.objects.active()
        .filter(cycle=cycle, nominee_id__in=ids)
        .order_by("created_at", "id")
        .values("nominee_id", "headline", "customer_impact")
    )
    for row in nominations:
        citation = result[row["nominee_id"]]
        if len(citation.headlines) < MAX_HEADLINES and row["headline"] not in citation.headlines:
            citation.headlines.append(row["headline"])
        if not citation.impact and row["customer_impact"].strip():
            citation.impact = row["customer_impact"].strip()
    evidence = defaultdict(list)
    rows = (
        Evidence.objects.filter(
            nomination__cycle=cycle,
            nomination__status=Nomination.Status.ACTIVE,
            nomination__nominee_id__in=ids,
            kind=Evidence.Kind.CUSTOMER_WORDS,
        )
        .exclude(quote="")
        .order_by("created_at", "id")
        .values("nomination__nominee_id", "quote", "quote_source", "verification")
    )
    for row in rows:
        evidence[row["nomination__nominee_id"]].append(row)
    thanks = defaultdict(list)
    rows = (
        ThankYou.objects.approved()
        .filter(cycle=cycle, employee_id__in=ids)
        .order_by("moderated_at", "id")
        .values("employee_id", "message", "customer_name", "organisation", "consent_to_share")
    )
    for row in rows:
        thanks[row["employee_id"]].append(row)
    for pk, citation in result.items():
        citation.thanks = len(thanks[pk])
        quote, by = _customer_words(evidence[pk], thanks[pk])
        citation.quote, citation.attribution = quote.strip(), by
    return result


@dataclass(frozen=True)
class Measure:
    """A measured before/after from a winner's evidence, for the celebration."""

    metric: str
    before: Decimal
    after: Decimal
    unit: str
    period: str


MAX_MEASURES = 3


def measures(cycle: AwardCycle, recipients: list[User]) -> dict[int, list[Measure]]:
    """Each recipient's measured improvements (never disputed ones), oldest first, in one
    query whatever their number."""
    result: dict[int, list[Measure]] = {user.pk: [] for user in recipients}
    rows = (
        Evidence.objects.filter(
            nomination__cycle=cycle,
            nomination__status=Nomination.Status.ACTIVE,
            nomination__nominee_id__in=list(result),
            kind=Evidence.Kind.MEASURED_IMPROVEMENT,
            before__isnull=False,
            after__isnull=False,
        )
        .exclude(verification=Evidence.Verification.DISPUTED)
        .order_by("created_at", "id")
        .values_list("nomination__nominee_id", "metric", "before", "after", "unit", "period")
    )
    for nominee_id, *fields in rows:
        if len(result[nominee_id]) < MAX_MEASURES:
            result[nominee_id].append(Measure(*fields))
    return result


def _write_awards(cycle: AwardCycle, ranking: list[Ranked]) -> list[Award]:
    winners = ranking[: cycle.winner_count]
    people = User.objects.in_bulk([row.candidate_id for row in winners])
    cited = citations(cycle, [people[row.candidate_id] for row in winners])
    return Award.objects.bulk_create(
        Award(
            cycle=cycle,
            recipient=people[row.candidate_id],
            rank=rank,
            composite=row.composite,
            citation=cited[row.candidate_id].plain(),
        )
        for rank, row in enumerate(winners, start=1)
    )


# --- Decide -----------------------------------------------------------------------------------


@transaction.atomic
def decide(*, cycle: AwardCycle, by: User | None) -> Decision:
    """Freeze the scoreboard: store the snapshot (rubric, inputs, subscores, ranking, formula
    version) and create an Award for each of the top `winner_count` candidates. A cycle with no
    candidates is decided all the same, with an empty ranking and no award.

    The caller (transition) holds the cycle's row lock; a twin call that gets past it anyway
    meets the one-decision-per-cycle constraint and answers a ConflictError."""
    cycle = _lock(cycle)
    if Decision.objects.filter(cycle=cycle).exists():
        raise ConflictError("This cycle is decided already.", status=cycle.status)
    criteria, inputs = scoring.gather(cycle)
    standings = scoring.score(criteria, inputs)
    snapshot = snapshots.Snapshot.of(criteria, inputs, standings).to_json()
    try:
        with transaction.atomic():
            decision = Decision.objects.create(
                cycle=cycle,
                formula_version=scoring.FORMULA_VERSION,
                snapshot=snapshot,
                decided_by=by if getattr(by, "pk", None) else None,
            )
    except IntegrityError:
        raise ConflictError("This cycle was decided at the same moment by someone else.") from None
    ranking = [Ranked(s.candidate_id, s.composite) for s in standings]
    _write_awards(cycle, ranking)
    standings_changed(cycle.pk)
    return decision


def decision_summary(decision: Decision) -> dict:
    """What the transition's audit event says about a decision."""
    ranking = snapshot_ranking(decision.snapshot)
    winners = list(
        Award.objects.filter(cycle_id=decision.cycle_id)
        .order_by("rank")
        .values_list("recipient_id", flat=True)
    )
    summary: dict = {"candidates": len(ranking), "winners": winners}
    if not ranking:
        summary["note"] = NOBODY
    return summary


# --- Override ---------------------------------------------------------------------------------


def _check_ranking(ids: list[int], computed: list[Ranked]) -> list[int]:
    """HR's order: distinct candidate ids of the snapshot, all of them or the first few (the
    others keep their computed order after them)."""
    known = [row.candidate_id for row in computed]
    if not known:
        raise ValidationError({"ranking": "Nobody was a candidate: there is no order to change."})
    if not ids:
        raise ValidationError({"ranking": "Give the candidates in the order you want."})
    if len(set(ids)) != len(ids):
        raise ValidationError({"ranking": "A candidate appears twice in the ranking."})
    strangers = [pk for pk in ids if pk not in set(known)]
    if strangers:
        raise ValidationError(
            {"ranking": f"Not candidates of this cycle: {', '.join(map(str, strangers))}."}
        )
    named = set(ids)
    return ids + [pk for pk in known if pk not in named]


@transaction.atomic
def override_ranking(
    *,
    cycle: AwardCycle,
    by: User,
    ranking: list[int],
    justification: str,
    expected_version: str | None = None,
) -> Decision:
    """HR changes the order of a decided (not yet announced) cycle, with a written reason. The
    snapshot stays as computed; the awards follow the new order; the audit log keeps both.
    The reason is written knowing its first sentence is public (`justification_public`).

    `expected_version` is the `override_version` of the order HR started from (a page): when
    someone saved another order since, nothing changes and a ConflictError says so."""
    if not by.is_hr:
        raise PermissionDenied("Only HR can change the order of the winners.")
    cycle = _lock(cycle)
    if cycle.status == Status.ANNOUNCED:
        raise ConflictError(
            "The winners are announced: the order can no longer change.", status=cycle.status
        )
    if cycle.status != Status.DECIDED:
        raise ConflictError(
            "The order can be changed only once the cycle is decided.", status=cycle.status
        )
    decision = Decision.objects.select_for_update().get(cycle=cycle)
    if expected_version is not None and expected_version != override_version(decision):
        raise ConflictError(str(ORDER_CHANGED_MEANWHILE), order_changed=True)
    justification = (justification or "").strip()
    if len(justification) < MIN_JUSTIFICATION:
        raise ValidationError({"justification": JUSTIFICATION_NEEDED})
    if len(justification) > MAX_JUSTIFICATION:
        raise ValidationError(
            {"justification": f"Keep the justification under {MAX_JUSTIFICATION} characters."}
        )
    snapshot = snapshots.Snapshot.read(decision.snapshot)
    computed = _ranked(snapshot.rows)
    order = _check_ranking(ranking, computed)
    before = [row.candidate_id for row in snapshot.standing_order(decision.override_ranking)]
    by_id = {row.candidate_id: row for row in computed}
    cycle.awards.all().delete()
    _write_awards(cycle, [by_id[pk] for pk in order])
    decision.override_ranking = order
    decision.override_justification = justification
    decision.overridden_by = by
    decision.overridden_at = timezone.now()
    decision.justification_public = True
    decision.save(
        update_fields=[
            "override_ranking",
            "override_justification",
            "overridden_by",
            "overridden_at",
            "justification_public",
        ]
    )
    standings_changed(cycle.pk)
    audit.record(
        "cycle.ranking_overridden",
        actor=by,
        target=cycle,
        before=before,
        after=order,
        justification=justification,
    )
    return decision


# --- Announce ---------------------------------------------------------------------------------


def _story_author(by: User | None, decision: Decision, winner: User) -> User:
    """Whoever announces; when a scheduled job does it, the HR user who decided (or overrode),
    else any HR user, else the winner (a story needs an author)."""
    for person in (by, decision.decided_by, decision.overridden_by):
        if person is not None and person.pk and person.is_active:
            return person
    hr = (
        User.objects.active()
        .filter(Q(groups__name=HR_GROUP) | Q(is_superuser=True))
        .order_by("pk")
        .first()
    )
    return hr or winner


def _names(names: list[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def _create_story(
    cycle: AwardCycle, awards: list[Award], cited: dict[int, Citation], author: User
) -> Story:
    existing = Story.objects.filter(kind=Story.Kind.AWARD, award_cycle=cycle).first()
    if existing is not None:
        return existing
    winners = [award.recipient for award in awards]
    title = (
        f"Employee of the Month: {_names([w.full_name for w in winners])} — {month_label(cycle)}"
    )
    if len(awards) == 1:
        body = cited[winners[0].pk].markdown()
    else:
        body = "\n\n".join(
            f"## {award.rank}. {_md(award.recipient.full_name)}\n\n"
            + cited[award.recipient_id].markdown()
            for award in awards
        )
    story = Story.objects.create(
        kind=Story.Kind.AWARD,
        author=author,
        title=_clip(title, MAX_TITLE),
        body=_clip(body, MAX_STORY_BODY),
        department=winners[0].department,
        award_cycle=cycle,
        status=Story.Status.PUBLISHED,
        published_at=timezone.now(),
    )
    story.featured.set(winners)
    return story


def _tell_winners(cycle: AwardCycle, awards: list[Award], cited: dict, story_url: str) -> None:
    month = month_label(cycle)
    for award in awards:
        winner = award.recipient
        citation = cited[winner.pk]
        title = "Employee of the Month" if award.rank == 1 else f"an award winner (#{award.rank})"
        notify.send_mail_on_commit(
            to=winner.email,
            subject=f"You are Employee of the Month · {month}"
            if award.rank == 1
            else f"You are among this month's award winners · {month}",
            template="notice",
            context={
                "greeting": f"Congratulations, {winner.display_name}!",
                "message": f"You are {title} for {month}.\n\n{_without_quote(citation)}",
                "quote": citation.quote,
                "quote_by": citation.attribution,
                "action_url": story_url,
                "action_label": "Read your award story",
            },
        )
        manager = winner.manager
        if manager is not None and manager.is_active and manager.pk != winner.pk:
            notify.send_mail_on_commit(
                to=manager.email,
                subject=f"{winner.full_name} is {title} · {month}",
                template="notice",
                context={
                    "greeting": f"Hello {manager.display_name},",
                    "message": (
                        f"{winner.full_name}, who reports to you, is {title} for {month}. "
                        "A word from you will mean a lot."
                    ),
                    "quote": citation.quote,
                    "quote_by": citation.attribution,
                    "action_url": story_url,
                    "action_label": "Read the award story",
                },
            )


def _without_quote(citation: Citation) -> str:
    return Citation(
        name=citation.name,
        headlines=citation.headlines,
        impact=citation.impact,
        thanks=citation.thanks,
    ).plain()


def _tell_nominees(cycle: AwardCycle, winner_ids: set[int], winners: str, url: str) -> None:
    """One e-mail per other nominee: nominated, by whom (a customer when no colleague), for
    what. Recognition for everyone, not only the winner."""
    nominations = (
        Nomination.objects.active()
        .filter(cycle=cycle, nominee__is_active=True)
        .exclude(nominee_id__in=winner_ids)
        .select_related("nominee", "nominator")
        .order_by("nominee_id", "created_at", "id")
    )
    by_nominee: dict[int, list[Nomination]] = defaultdict(list)
    for nomination in nominations:
        by_nominee[nomination.nominee_id].append(nomination)
    month = month_label(cycle)
    for items in by_nominee.values():
        nominee = items[0].nominee
        nominators: list[str] = []
        headlines: list[str] = []
        for item in items:
            who = item.nominator.full_name if item.nominator else "a customer"
            if who not in nominators:
                nominators.append(who)
            if item.headline not in headlines:
                headlines.append(item.headline)
        won = f" {winners} won this time; " if winners else " "
        notify.send_mail_on_commit(
            to=nominee.email,
            subject=f"You were nominated for Employee of the Month · {month}",
            template="notice",
            context={
                "greeting": f"Hello {nominee.display_name},",
                "message": (
                    f"You were nominated for Employee of the Month in {month} by "
                    f"{_names(nominators)}, for "
                    f"{_names([f'“{h}”' for h in headlines])}.{won}"
                    "what you did for customers was noticed, and it is worth saying thank you."
                ),
                "action_url": url,
                "action_label": "Open Plaudit",
            },
        )


def _slack(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def announcement_payload(cycle: AwardCycle, awards: list[Award], story_url: str) -> dict:
    """Slack-compatible JSON (`text` alone is also what Teams' incoming webhooks read)."""
    month = month_label(cycle)
    winners = _names(
        [
            award.recipient.full_name
            + (f" ({award.recipient.department.name})" if award.recipient.department else "")
            for award in awards
        ]
    )
    text = f"🏆 Employee of the Month · {month}: {winners}. Read the story: {story_url}"
    lines = [f"*🏆 Employee of the Month · {_slack(month)}*", _slack(winners)]
    headline = awards[0].citation.split("\n\n")[0] if awards[0].citation else ""
    if headline:
        lines.append(_slack(headline))
    lines.append(f"<{story_url}|Read the story>")
    return {
        "text": text,
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)}}],
    }


@transaction.atomic
def announce(*, cycle: AwardCycle, by: User | None) -> None:
    """Tell everyone: publish the award story, e-mail the winners and their managers, tell
    every other nominee they were nominated, and post to ANNOUNCE_WEBHOOK_URL (a task, after
    the commit). Idempotent: an announced decision is left alone, nothing is sent twice."""
    cycle = _lock(cycle)
    decision = Decision.objects.select_for_update().filter(cycle=cycle).first()
    if decision is None:
        # A cycle decided before decisions were stored: decide it now, then announce.
        decision = decide(cycle=cycle, by=by)
    if decision.announced_at is not None:
        return
    awards = list(
        cycle.awards.select_related("recipient__department", "recipient__manager").order_by("rank")
    )
    url = settings.SITE_URL + "/"
    winners = ""
    if awards:
        cited = citations(cycle, [award.recipient for award in awards])
        author = _story_author(by, decision, awards[0].recipient)
        story = _create_story(cycle, awards, cited, author)
        url = settings.SITE_URL + story.get_absolute_url()
        winners = _names([award.recipient.full_name for award in awards])
        _tell_winners(cycle, awards, cited, url)
    _tell_nominees(cycle, {award.recipient_id for award in awards}, winners, url)
    notices.winners_announced(cycle, awards)
    # Seeding the demo (notify.muted) announces made-up winners: not to the real chat.
    if awards and settings.ANNOUNCE_WEBHOOK_URL and not notify.is_muted():
        payload = announcement_payload(cycle, awards, url)
        json.dumps(payload)  # fail here, not in the worker
        enqueue_on_commit(
            tasks.post_announcement, url=settings.ANNOUNCE_WEBHOOK_URL, payload=payload
        )
    decision.announced_at = timezone.now()
    decision.save(update_fields=["announced_at"])
