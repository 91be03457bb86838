"""DESIGN §7 over the API: every role, every nomination action, in each phase of a cycle;
every role, for a customer thank-you in each state; and every role, every story action, for a
draft, a published and a hidden story.

A nomination you may not see is a 404 for every action (its existence is not revealed); one you
may see but not change is a 403; one you may change once the cycle has moved on is a 409.
The expectations agree with nominations/access.py, which the web views use too.
"""

import pytest
from django.db import transaction
from django.urls import reverse

from awards.models import AwardCycle, JudgeAssignment
from nominations import access, services
from nominations.models import Evidence, Nomination
from nominations.thanks import access as thanks_access
from nominations.thanks import services as thanks_services
from stories import access as story_access
from stories import services as story_services
from tests.awards.conftest import make_cycle
from tests.conftest import make_user
from tests.nominations.conftest import People, make_nomination, move
from tests.stories.conftest import make_story, png
from tests.thanks.conftest import confirmed, send

Status = AwardCycle.Status
ROLES = ("nominator", "nominee", "manager", "colleague", "judge", "hr", "stranger")
PHASES = (Status.OPEN, Status.JUDGING, Status.ANNOUNCED)

# The colleague was invited by the nominator to endorse; the judge judges this cycle.
# fmt: off
EXPECTED: dict[str, dict[str, tuple[int, ...]]] = {
    #                nominator nominee manager colleague judge  hr  stranger
    Status.OPEN: {
        "detail":       (200,    404,    200,     200,    404,  200,  404),
        "patch":        (200,    404,    403,     403,    404,  403,  404),
        "withdraw":     (200,    404,    403,     403,    404,  200,  404),
        "add_evidence": (201,    404,    403,     403,    404,  201,  404),
        "verify":       (403,    404,    200,     403,    404,  200,  404),
        "endorse":      (400,    404,    201,     201,    404,  201,  404),
    },
    Status.JUDGING: {
        "detail":       (200,    404,    200,     200,    200,  200,  404),
        "patch":        (409,    404,    403,     403,    403,  403,  404),
        "withdraw":     (409,    404,    403,     403,    403,  409,  404),
        "add_evidence": (409,    404,    403,     403,    403,  409,  404),
        "verify":       (403,    404,    200,     403,    403,  200,  404),
        "endorse":      (400,    404,    409,     409,    409,  409,  404),
    },
    Status.ANNOUNCED: {
        "detail":       (200,    200,    200,     200,    200,  200,  200),
        "patch":        (409,    403,    403,     403,    403,  403,  403),
        "withdraw":     (409,    403,    403,     403,    403,  409,  403),
        "add_evidence": (409,    403,    403,     403,    403,  409,  403),
        "verify":       (403,    403,    403,     403,    403,  403,  403),
        "endorse":      (400,    400,    409,     409,    409,  409,  409),
    },
}
IN_LIST: dict[str, tuple[bool, ...]] = {
    Status.OPEN:      (True,     False,  True,    True,   False, True, False),
    Status.JUDGING:   (True,     False,  True,    True,   True,  True, False),
    Status.ANNOUNCED: (True,     True,   True,    True,   True,  True, True),
}
# fmt: on
ACTIONS = tuple(EXPECTED[Status.OPEN])


class Scene:
    """A nomination with one item of evidence, a judge and an invited colleague, in a phase."""

    def __init__(self, phase: str, *, blind_judging: bool = True) -> None:
        self.people = People()
        cycle = make_cycle(status=Status.OPEN, blind_judging=blind_judging)
        JudgeAssignment.objects.create(cycle=cycle, judge=self.people.judge)
        nomination = make_nomination(nominator=self.people.nominator, nominee=self.people.nominee)
        services.invite_endorsers(
            nomination=nomination, by=self.people.nominator, people=[self.people.colleague]
        )
        self.evidence = services.add_evidence(
            nomination=nomination,
            by=self.people.nominator,
            kind=Evidence.Kind.CUSTOMER_WORDS,
            quote="Finally a letter I understand.",
            quote_source="Support ticket 4411",
        )
        move(cycle, phase)
        self.nomination = Nomination.objects.select_related("cycle", "nominee").get(
            pk=nomination.pk
        )

    def perform(self, action: str, client):
        pk = self.nomination.pk
        match action:
            case "detail":
                return client.get(reverse("api-nomination", args=[pk]))
            case "patch":
                return client.patch(reverse("api-nomination", args=[pk]), {"headline": "Edited"})
            case "withdraw":
                return client.post(reverse("api-nomination-withdraw", args=[pk]))
            case "add_evidence":
                return client.post(
                    reverse("api-nomination-evidence", args=[pk]),
                    {"kind": "customer_words", "quote": "Thank you!", "quote_source": "A call"},
                )
            case "verify":
                return client.post(
                    reverse("api-evidence-verify", args=[self.evidence.pk]), {"status": "verified"}
                )
            case "endorse":
                return client.post(
                    reverse("api-nomination-endorsements", args=[pk]), {"comment": "Seconded."}
                )
        raise AssertionError(action)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("phase", PHASES)
def test_each_role_gets_the_expected_status_for_each_action(api, db, phase, role):
    scene = Scene(phase)
    client = api(getattr(scene.people, role))

    codes = {}
    for action in ACTIONS:
        # Each action starts from the same scene: its changes are rolled back afterwards.
        with transaction.atomic():
            response = scene.perform(action, client)
            transaction.set_rollback(True)
        codes[action] = response.status_code
        if response.status_code == 404:
            assert response.json() == {"detail": "Not found."}  # nothing about the nomination

    expected = {action: EXPECTED[phase][action][ROLES.index(role)] for action in ACTIONS}
    assert codes == expected


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("phase", PHASES)
def test_the_list_holds_a_nomination_exactly_for_those_who_may_see_it(api, db, phase, role):
    scene = Scene(phase)
    user = getattr(scene.people, role)

    body = api(user).get(reverse("api-nominations")).json()

    listed = scene.nomination.pk in [n["id"] for n in body["results"]]
    assert listed == IN_LIST[phase][ROLES.index(role)]
    # The matrix agrees with the helpers the web views use.
    assert listed == access.can_view(user, scene.nomination)
    verifies = EXPECTED[phase]["verify"][ROLES.index(role)] == 200
    assert verifies == access.can_verify(user, scene.nomination)


def visible_cases() -> list:
    """(phase, role, blind judging) for every role that sees the nomination in that phase;
    blind judging changes something only while judges judge."""
    cases = []
    for phase in PHASES:
        for role, listed in zip(ROLES, IN_LIST[phase], strict=True):
            if listed:
                cases.append(pytest.param(phase, role, True, id=f"{phase}-{role}-blind"))
                if phase == Status.JUDGING:
                    cases.append(pytest.param(phase, role, False, id=f"{phase}-{role}-named"))
    return cases


@pytest.mark.parametrize(("phase", "role", "blind"), visible_cases())
def test_the_nominator_and_the_points_show_exactly_as_access_allows(api, db, phase, role, blind):
    scene = Scene(phase, blind_judging=blind)
    user = getattr(scene.people, role)
    client = api(user)

    detail = client.get(reverse("api-nomination", args=[scene.nomination.pk])).json()
    listed = client.get(reverse("api-nominations")).json()["results"]
    item = next(n for n in listed if n["id"] == scene.nomination.pk)

    shows_nominator = access.can_see_nominator(user, scene.nomination)
    assert (detail["nominator"] is not None) == shows_nominator
    assert (item["nominator"] is not None) == shows_nominator
    shows_points = access.can_see_evidence_points(user, scene.nomination)
    assert (detail["evidence"][0]["points"] is not None) == shows_points


def test_a_blind_judge_never_learns_the_nominator(api, db):
    scene = Scene(Status.JUDGING)
    client = api(scene.people.judge)

    detail = client.get(reverse("api-nomination", args=[scene.nomination.pk])).json()

    assert detail["nominator"] is None
    assert scene.people.nominator.full_name not in str(detail)  # nor anywhere else in it


def test_a_withdrawn_nomination_stays_a_404_for_others_after_the_announcement(api, db):
    scene = Scene(Status.OPEN)
    services.withdraw(nomination=scene.nomination, by=scene.people.nominator)
    move(scene.nomination.cycle, Status.ANNOUNCED)
    url = reverse("api-nomination", args=[scene.nomination.pk])

    assert api(scene.people.stranger).get(url).status_code == 404
    assert api(scene.people.nominee).get(url).status_code == 404
    assert api(scene.people.nominator).get(url).status_code == 200


# --- Customer thank-yous (DESIGN §7) ----------------------------------------------------------

THANKS_ROLES = ("employee", "manager", "colleague", "other_manager", "hr")
# The employee is the one thanked; the colleague shares their manager; the other manager is
# someone else's manager. A thank-you you do not moderate is a 404, never a 403.
# fmt: off
THANKS_LISTED: dict[str, tuple[bool, ...]] = {
    #                      employee manager colleague other  hr
    "pending_confirmation": (False,  True,   False,   False, True),
    "confirmed":            (False,  True,   False,   False, True),
    "approved":             (True,   True,   False,   False, True),
    "rejected":             (False,  True,   False,   False, True),
}
THANKS_APPROVE: dict[str, tuple[int, ...]] = {
    "pending_confirmation": (404,    409,    404,     404,   409),
    "confirmed":            (404,    200,    404,     404,   200),
    "approved":             (404,    409,    404,     404,   409),
    "rejected":             (404,    409,    404,     404,   409),
}
# fmt: on


class ThanksScene:
    def __init__(self, state: str) -> None:
        self.hr = make_user(hr=True)
        self.manager = make_user()
        self.employee = make_user(manager=self.manager)
        self.colleague = make_user(manager=self.manager)
        self.other_manager = make_user()
        make_user(manager=self.other_manager)
        if state == "pending_confirmation":
            self.thank_you = send(self.employee)
        else:
            self.thank_you = confirmed(self.employee)
        if state in ("approved", "rejected"):
            decision = "approve" if state == "approved" else "reject"
            self.thank_you = thanks_services.moderate_thanks(
                thank_you=self.thank_you, by=self.hr, decision=decision
            )


@pytest.mark.parametrize("role", THANKS_ROLES)
@pytest.mark.parametrize("state", tuple(THANKS_LISTED))
def test_each_role_sees_and_moderates_a_thank_you_exactly_as_design_says(api, db, state, role):
    scene = ThanksScene(state)
    user = getattr(scene, role)
    client = api(user)

    listed = scene.thank_you.pk in [
        t["id"] for t in client.get(reverse("api-thanks")).json()["results"]
    ]
    response = client.post(
        reverse("api-thanks-moderate", args=[scene.thank_you.pk]), {"decision": "approve"}
    )

    index = THANKS_ROLES.index(role)
    assert listed == THANKS_LISTED[state][index]
    assert response.status_code == THANKS_APPROVE[state][index]
    if response.status_code == 404:
        assert response.json() == {"detail": "Not found."}
    # The matrix agrees with the helpers the web pages use.
    assert listed == thanks_access.visible_thanks(user).filter(pk=scene.thank_you.pk).exists()


# --- Stories (DESIGN §7, stories/access.py) ---------------------------------------------------

STORY_ROLES = ("author", "colleague", "hr")
# A story you may not see is a 404; one you may see but not change is a 403; reactions and
# comments need a published story (409 otherwise), photos a story HR has not hidden.
# fmt: off
STORY_EXPECTED: dict[str, dict[str, tuple[int, ...]]] = {
    #                       author colleague  hr
    "draft": {
        "detail":           (200,    404,    404),
        "react":            (409,    404,    404),
        "comment":          (409,    404,    404),
        "add_photo":        (201,    404,    404),
    },
    "published": {
        "detail":           (200,    200,    200),
        "react":            (200,    200,    200),
        "comment":          (201,    201,    201),
        "add_photo":        (201,    403,    403),
    },
    "hidden": {
        "detail":           (200,    404,    200),
        "react":            (409,    404,    409),
        "comment":          (409,    404,    409),
        "add_photo":        (409,    404,    403),
    },
}
# fmt: on
STORY_ACTIONS = tuple(STORY_EXPECTED["draft"])


class StoryScene:
    def __init__(self, state: str) -> None:
        self.author = make_user()
        self.colleague = make_user()
        self.hr = make_user(hr=True)
        self.story = make_story(self.author, publish=state != "draft")
        if state == "hidden":
            self.story = story_services.hide_story(
                story=self.story, by=self.hr, reason="It names a customer."
            )

    def perform(self, action: str, client):
        pk = self.story.pk
        match action:
            case "detail":
                return client.get(reverse("api-story", args=[pk]))
            case "react":
                return client.put(reverse("api-story-reaction", args=[pk, "applause"]))
            case "comment":
                return client.post(reverse("api-story-comments", args=[pk]), {"body": "Bravo"})
            case "add_photo":
                return client.post(
                    reverse("api-story-images", args=[pk]), {"image": png()}, format="multipart"
                )
        raise AssertionError(action)


@pytest.mark.parametrize("role", STORY_ROLES)
@pytest.mark.parametrize("state", tuple(STORY_EXPECTED))
def test_each_role_gets_the_expected_status_for_each_story_action(api, db, state, role):
    scene = StoryScene(state)
    user = getattr(scene, role)
    client = api(user)

    codes = {}
    for action in STORY_ACTIONS:
        with transaction.atomic():
            response = scene.perform(action, client)
            transaction.set_rollback(True)
        codes[action] = response.status_code
        if response.status_code == 404:
            assert response.json() == {"detail": "Not found."}  # nothing about the story

    index = STORY_ROLES.index(role)
    assert codes == {action: STORY_EXPECTED[state][action][index] for action in STORY_ACTIONS}
    # The matrix agrees with the helpers the web pages use; the feed lists published ones only.
    assert (codes["detail"] == 200) == story_access.can_view(user, scene.story)
    listed = [s["id"] for s in client.get(reverse("api-stories")).json()["results"]]
    assert (scene.story.pk in listed) == (state == "published")
