"""POST /api/v1/integrations/{slug}/feedback: the signed helpdesk webhook (DESIGN §4), exactly
as docs/api.md tells a helpdesk administrator to call it."""

import hashlib
import hmac
import io
import json
import re
import shutil
import subprocess
from pathlib import Path
from unittest import mock
from urllib.parse import urlsplit

import pytest
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from nominations.models import Integration, ThankYou
from nominations.thanks import integrations
from tests.conftest import make_user

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"
OPENSSL = shutil.which("openssl")


def worked_example() -> dict[str, str]:
    """The shell lines of docs/api.md's worked example: SECRET, BODY and SIG."""
    block = re.search(r"```sh\n(SECRET=.*?)```", DOC.read_text(), re.S)
    assert block, "docs/api.md has no worked curl example"
    lines = {}
    for line in block.group(1).splitlines():
        if match := re.match(r"(SECRET|BODY|SIG)=(.*)$", line):
            lines[match.group(1)] = match.group(0)
    assert set(lines) == {"SECRET", "BODY", "SIG"}
    return lines


def documented_body() -> bytes:
    body = re.fullmatch(r"BODY='(.*)'", worked_example()["BODY"]).group(1)
    return body.encode()


def documented_slug() -> str:
    return re.search(r"/api/v1/integrations/([\w-]+)/feedback", DOC.read_text()).group(1)


def sign_like_the_doc_with_openssl(secret: str) -> str:
    """Runs the documented shell lines, with the real secret, and returns $SIG."""
    lines = worked_example()
    script = "\n".join([f"SECRET='{secret}'", lines["BODY"], lines["SIG"], "printf '%s' \"$SIG\""])
    result = subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, check=True, timeout=10
    )
    return result.stdout


def sign_like_the_doc_with_python(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def url(slug: str) -> str:
    return reverse("api-integration-feedback", args=[slug])


@pytest.fixture
def hr(db):
    return make_user(full_name="Hana HR", hr=True)


@pytest.fixture
def helpdesk(hr) -> tuple[Integration, str]:
    return integrations.create_integration(name="Helpdesk", slug=documented_slug(), by=hr)


@pytest.fixture
def agent(db):
    return make_user("sam.rivera@example.com", full_name="Sam Rivera")


def feedback(**changes) -> dict:
    return json.loads(documented_body()) | changes


def post(client, slug: str, body: bytes, signature: str | None):
    headers = {} if signature is None else {"HTTP_X_PLAUDIT_SIGNATURE": signature}
    return client.post(url(slug), body, content_type="application/json", **headers)


def deliver(client, integration_and_secret, payload: dict | bytes):
    integration, secret = integration_and_secret
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return post(client, integration.slug, body, integrations.sign(body, secret))


# --- The worked example -----------------------------------------------------------------------


@pytest.mark.skipif(OPENSSL is None, reason="openssl is not installed")
def test_the_documented_openssl_pipeline_signs_like_python(helpdesk):
    _, secret = helpdesk
    body = documented_body()

    signature = sign_like_the_doc_with_openssl(secret)

    assert re.fullmatch(r"[0-9a-f]{64}", signature), signature
    assert signature == sign_like_the_doc_with_python(secret, body)
    assert "sha256=" + signature == integrations.sign(body, secret)


def test_the_worked_example_becomes_a_confirmed_thank_you_waiting_for_moderation(
    api, helpdesk, agent
):
    integration, secret = helpdesk
    body = documented_body()
    if OPENSSL:
        signature = sign_like_the_doc_with_openssl(secret)
    else:
        signature = sign_like_the_doc_with_python(secret, body)

    response = post(api(), integration.slug, body, f"sha256={signature}")

    assert response.status_code == 201, response.json()
    thank_you = ThankYou.objects.get()
    assert response.json() == {"status": "confirmed", "id": thank_you.pk, "employee_matched": True}
    assert thank_you.status == ThankYou.Status.CONFIRMED
    assert thank_you.source == ThankYou.Source.INTEGRATION
    assert thank_you.employee == agent
    assert thank_you.integration == integration
    assert thank_you.external_id == "T-1042"
    assert thank_you.customer_email == "ann@customer.example"
    assert (thank_you.score, thank_you.scale_max) == (5, 5)
    assert thank_you.occurred_at.isoformat() == "2026-03-02T14:05:00+00:00"
    assert thank_you in ThankYou.objects.filter(status=ThankYou.Status.CONFIRMED)


def python_example() -> str:
    block = re.search(r"```python\n(.*?)```", DOC.read_text(), re.S)
    assert block, "docs/api.md has no Python example"
    return block.group(1)


class FakeResponse(io.BytesIO):
    def __init__(self, status: int, content: bytes) -> None:
        super().__init__(content)
        self.status = status


def test_the_documented_python_example_delivers_the_feedback(helpdesk, agent, capsys):
    integration, secret = helpdesk
    sent = []

    def urlopen(request):  # the example's HTTP call, sent through Django in-process
        sent.append(request)
        response = APIClient().post(
            urlsplit(request.full_url).path,
            request.data,
            content_type=request.get_header("Content-type"),
            HTTP_X_PLAUDIT_SIGNATURE=request.get_header("X-plaudit-signature"),
        )
        return FakeResponse(response.status_code, response.content)

    code = python_example().replace(
        'SECRET = "paste-the-secret-HR-was-shown-here"', f"SECRET = {secret!r}"
    )
    assert secret in code
    with mock.patch("urllib.request.urlopen", urlopen):
        exec(code, {"__name__": "example"})  # noqa: S102 (our own documentation)

    assert urlsplit(sent[0].full_url).path == url(integration.slug)
    thank_you = ThankYou.objects.get()
    assert capsys.readouterr().out.strip() == (
        f"201 {{'status': 'confirmed', 'id': {thank_you.pk}, 'employee_matched': True}}"
    )
    assert (thank_you.employee, thank_you.external_id) == (agent, "T-1042")


def test_a_signed_in_session_changes_nothing_for_the_webhook(client, helpdesk, agent):
    # No authentication classes: a browser session (and its CSRF rule) plays no part.
    client.force_login(agent, backend="accounts.backends.ModelBackend")
    integration, secret = helpdesk
    body = documented_body()
    response = post(client, integration.slug, body, integrations.sign(body, secret))
    assert response.status_code == 201


# --- Refused deliveries -----------------------------------------------------------------------


def test_without_a_signature_it_is_a_401(api, helpdesk, agent):
    response = post(api(), helpdesk[0].slug, documented_body(), None)

    assert response.status_code == 401
    assert "X-Plaudit-Signature" in response.json()["detail"]
    assert not ThankYou.objects.exists()


@pytest.mark.parametrize(
    "signature",
    [
        "sha256=" + "0" * 64,
        "sha256=",
        "sha1=0123",
        "nonsense",
        "sha256=" + hmac.new(b"another secret", documented_body(), hashlib.sha256).hexdigest(),
    ],
)
def test_a_wrong_signature_is_a_401(api, helpdesk, agent, signature):
    response = post(api(), helpdesk[0].slug, documented_body(), signature)

    assert response.status_code == 401
    assert not ThankYou.objects.exists()


def test_a_body_changed_after_signing_is_a_401(api, helpdesk, agent):
    integration, secret = helpdesk
    signed = documented_body()
    changed = signed.replace(b'"score":5', b'"score":4')
    assert changed != signed

    response = post(api(), integration.slug, changed, integrations.sign(signed, secret))

    assert response.status_code == 401
    assert not ThankYou.objects.exists()


def test_the_same_json_serialised_differently_is_a_different_body(api, helpdesk, agent):
    integration, secret = helpdesk
    signed = documented_body()
    reformatted = json.dumps(json.loads(signed), indent=2).encode()

    response = post(api(), integration.slug, reformatted, integrations.sign(signed, secret))

    assert response.status_code == 401


def test_an_unknown_slug_is_a_404(api, helpdesk, agent):
    _, secret = helpdesk
    body = documented_body()

    response = post(api(), "no-such-tool", body, integrations.sign(body, secret))

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_an_inactive_integration_is_a_404_even_when_signed(api, hr, helpdesk, agent):
    integration, _ = helpdesk
    integrations.update_integration(
        integration=integration,
        by=hr,
        name=integration.name,
        min_score_ratio=integration.min_score_ratio,
        is_active=False,
    )

    response = deliver(api(), helpdesk, documented_body())

    assert response.status_code == 404
    assert not ThankYou.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        b'{"external_id": "T-1",',
        b"",
        b"[1, 2, 3]",
        b'"a string"',
        b"null",
        b"\xff\xfe not utf-8",
        b"[" * 100_000 + b"]" * 100_000,
        b'{"score": ' + b"9" * 5000 + b"}",
    ],
    ids=["truncated", "empty", "array", "string", "null", "not-utf8", "deep", "huge-number"],
)
def test_a_signed_body_that_is_not_a_json_object_is_a_400(api, helpdesk, agent, body):
    response = deliver(api(), helpdesk, body)

    assert response.status_code == 400
    assert "detail" in response.json()
    assert not ThankYou.objects.exists()


def test_a_score_above_the_scale_is_a_400_on_the_score(api, helpdesk, agent):
    response = deliver(api(), helpdesk, feedback(score=6, scale_max=5))

    assert response.status_code == 400
    assert list(response.json()) == ["score"]
    assert not ThankYou.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"external_id": ""}, "external_id"),
        ({"external_id": "x" * 201}, "external_id"),
        ({"employee_email": "sam"}, "employee_email"),
        ({"score": -1}, "score"),
        ({"score": "NaN"}, "score"),
        ({"score": True}, "score"),
        ({"scale_max": 0}, "scale_max"),
        ({"scale_max": 10**12}, "scale_max"),
        ({"comment": None}, "comment"),
        ({"comment": "Great \u0000 help, thanks!"}, "comment"),
        ({"comment": "Great \ud800 help, thanks!"}, "comment"),
        ({"customer_name": ""}, "customer_name"),
        ({"customer_name": "x" * 121}, "customer_name"),
        ({"customer_email": "nope"}, "customer_email"),
        ({"occurred_at": "yesterday"}, "occurred_at"),
        ({"occurred_at": "0001-01-01T00:00:00+01:00"}, "occurred_at"),
    ],
)
def test_a_bad_field_is_a_400_naming_it(api, helpdesk, agent, changes, field):
    response = deliver(api(), helpdesk, feedback(**changes))

    assert response.status_code == 400
    assert field in response.json()
    assert not ThankYou.objects.exists()


def test_missing_fields_are_named(api, helpdesk):
    response = deliver(api(), helpdesk, {"external_id": "T-1"})

    assert response.status_code == 400
    assert set(response.json()) == {
        "employee_email",
        "score",
        "scale_max",
        "comment",
        "customer_name",
        "occurred_at",
    }


# --- What becomes of the feedback -------------------------------------------------------------


def test_a_repeated_external_id_is_a_200_with_the_first_thank_you(api, helpdesk, agent):
    first = deliver(api(), helpdesk, documented_body())
    again = deliver(api(), helpdesk, feedback(comment="Different words, same ticket id."))

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert ThankYou.objects.count() == 1


def test_a_repeat_reports_the_thank_yous_state_now(api, hr, helpdesk, agent):
    from nominations.thanks import services

    first = deliver(api(), helpdesk, documented_body()).json()
    services.moderate_thanks(
        thank_you=ThankYou.objects.get(pk=first["id"]), by=hr, decision="approve"
    )

    again = deliver(api(), helpdesk, documented_body())

    assert again.status_code == 200
    assert again.json() == {"status": "approved", "id": first["id"], "employee_matched": True}


def test_a_score_below_the_threshold_is_ignored_with_a_reason(api, helpdesk, agent):
    response = deliver(api(), helpdesk, feedback(score=3, scale_max=5))

    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "ignored"
    assert "threshold" in body["reason"]
    assert not ThankYou.objects.exists()


def test_a_score_exactly_at_the_threshold_is_kept(api, helpdesk, agent):
    response = deliver(api(), helpdesk, feedback(score=8, scale_max=10))
    assert response.status_code == 201


def test_fractional_scores_are_compared_exactly(api, helpdesk, agent):
    body = documented_body().replace(b'"score":5,"scale_max":5', b'"score":4.5,"scale_max":5.0')

    response = deliver(api(), helpdesk, body)

    assert response.status_code == 201
    assert ThankYou.objects.get().score == pytest.approx(4.5)


@pytest.mark.parametrize("comment", ["", "Thanks!", "  great   "])
def test_a_comment_under_ten_characters_is_ignored(api, helpdesk, agent, comment):
    response = deliver(api(), helpdesk, feedback(comment=comment))

    assert response.status_code == 202
    assert response.json()["status"] == "ignored"
    assert "10 characters" in response.json()["reason"]
    assert not ThankYou.objects.exists()


def test_an_unknown_employee_is_kept_for_hr_to_assign(api, helpdesk):
    response = deliver(api(), helpdesk, feedback(employee_email="New.Agent@Example.com"))

    assert response.status_code == 201
    assert response.json()["employee_matched"] is False
    thank_you = ThankYou.objects.get()
    assert thank_you.employee is None
    assert thank_you.employee_hint == "new.agent@example.com"
    assert thank_you.status == ThankYou.Status.CONFIRMED


def test_a_deactivated_employee_is_not_matched(api, helpdesk, agent):
    agent.is_active = False
    agent.save(update_fields=["is_active"])

    response = deliver(api(), helpdesk, documented_body())

    assert response.status_code == 201
    assert response.json()["employee_matched"] is False


def test_the_customer_email_is_optional(api, helpdesk, agent):
    payload = feedback()
    del payload["customer_email"]

    response = deliver(api(), helpdesk, payload)

    assert response.status_code == 201
    assert ThankYou.objects.get().customer_email == ""


def test_a_long_comment_keeps_its_first_two_thousand_characters(api, helpdesk, agent):
    response = deliver(api(), helpdesk, feedback(comment="Wonderful. " * 400))

    assert response.status_code == 201
    assert len(ThankYou.objects.get().message) == ThankYou.MAX_MESSAGE


# --- The secret and SECRET_KEY ----------------------------------------------------------------


def test_a_secret_survives_a_secret_key_rotation_while_the_old_key_is_a_fallback(
    api, settings, helpdesk, agent
):
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY = "a-brand-new-secret-key-" + "x" * 40
    settings.SECRET_KEY_FALLBACKS = [old_key]

    response = deliver(api(), helpdesk, documented_body())

    assert response.status_code == 201


def test_a_secret_stops_working_once_the_old_key_is_dropped(api, settings, helpdesk, agent):
    settings.SECRET_KEY = "a-brand-new-secret-key-" + "x" * 40
    settings.SECRET_KEY_FALLBACKS = []

    response = deliver(api(), helpdesk, documented_body())

    assert response.status_code == 401
    assert not ThankYou.objects.exists()


# --- Whatever a signed body holds, the answer is documented -----------------------------------

VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=300),
    st.sampled_from(["sam.rivera@example.com", "2026-03-02T14:05:00Z", "5", "1e999", "-0"]),
    st.lists(st.integers(), max_size=2),
)
FIELDS = [*feedback()]


@hypothesis_settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(changes=st.dictionaries(st.sampled_from(FIELDS), VALUES, max_size=4))
def test_any_signed_payload_is_answered_as_documented(api, helpdesk, agent, changes):
    with transaction.atomic():
        response = deliver(api(), helpdesk, feedback(**changes))
        transaction.set_rollback(True)

    assert response.status_code in (200, 201, 202, 400), response.content
    assert isinstance(response.json(), dict)
