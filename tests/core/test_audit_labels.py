"""The audit log reads as words: every verb the code records has a translatable label, the
pages show it with the code kept beside it, and an unknown verb shows as its code."""

import ast
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from core import audit
from core.audit import VERB_LABELS, AuditEvent
from nominations.models import Evidence, ThankYou
from tests.conftest import make_user

# Verbs built from a value, by their fixed start: the values each can take.
BUILT_VERBS = {
    "evidence.": [f"evidence.{status}" for status in Evidence.Verification.values],
    "thanks.": [f"thanks.{ThankYou.Status.APPROVED}", f"thanks.{ThankYou.Status.REJECTED}"],
}


def _is_audit_record(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "record"
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "audit"
        and bool(node.args)
    )


def _strings(node: ast.AST) -> list[str]:
    """The verbs an argument can be: a literal, or the literals a conditional picks from."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _strings(node.body) + _strings(node.orelse)
    return []


def recorded_verbs() -> tuple[set[str], set[str]]:
    """(the verbs the code records as text, the fixed starts of those it builds from a value).
    A verb held in a variable counts through what is assigned to that variable."""
    literal, built = set(), set()
    sources = [
        path
        for path in Path(settings.BASE_DIR).glob("*/**/*.py")
        if path.parts[len(Path(settings.BASE_DIR).parts)] not in {".venv", "tests", "bench"}
        and "migrations" not in path.parts
    ]
    for path in sources:
        tree = ast.parse(path.read_text())
        assigned: dict[str, list[str]] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        assigned.setdefault(target.id, []).extend(_strings(node.value))
        for node in ast.walk(tree):
            if not _is_audit_record(node):
                continue
            verb = node.args[0]
            if isinstance(verb, ast.JoinedStr):
                built.add(verb.values[0].value)
            elif isinstance(verb, ast.Name):
                literal.update(assigned.get(verb.id, []))
            else:
                literal.update(_strings(verb))
    return literal, built


def test_every_verb_the_code_records_has_a_label():
    literal, built = recorded_verbs()
    assert "user.deactivated" in literal and "user.hr_granted" in literal  # the scan works
    assert built <= set(BUILT_VERBS), "a verb built from a value: list what it can be above"
    verbs = literal | {verb for start in built for verb in BUILT_VERBS[start]}
    assert sorted(verbs - set(VERB_LABELS)) == []


def test_an_unknown_verb_shows_as_its_code():
    assert AuditEvent(verb="made.up").label == "made.up"
    assert AuditEvent(verb="evidence.disputed").label == "Disputed evidence"


@pytest.mark.django_db
def test_the_audit_log_page_shows_labels_with_the_code_kept(login):
    hr = make_user(hr=True)
    audit.record("evidence.disputed", actor=hr, target=hr)
    audit.record("made.up", actor=hr)
    client = login(hr)
    page = client.get(reverse("accounts:hr_audit")).content.decode()
    assert 'Disputed evidence <code class="small muted">evidence.disputed</code>' in page
    assert 'made.up <code class="small muted">made.up</code>' in page
    console = client.get(reverse("home:hr_console")).content.decode()
    assert '<span title="evidence.disputed">Disputed evidence</span>' in console
