"""The admin shows cycles, their rubric and their judges, and changes none of them: the phase,
the settings, the rubric and the panel change through cycles.services and cycles.judging (the
HR console or the API), which check, lock and audit."""

import pytest
from django.urls import reverse

from awards.models import AwardCycle, Criterion, JudgeAssignment
from core.audit import AuditEvent
from cycles import judging
from tests.awards.conftest import make_cycle
from tests.conftest import make_user

Status = AwardCycle.Status


@pytest.fixture
def admin_client(client, db):
    superuser = make_user(full_name="Ada Admin", is_staff=True, is_superuser=True)
    client.force_login(superuser, backend="accounts.backends.ModelBackend")
    return client


@pytest.fixture
def cycle(db) -> AwardCycle:
    return make_cycle(status=Status.OPEN)


@pytest.fixture
def judge(cycle, hr_user):
    judge = make_user(full_name="Jude Judge")
    judging.assign_judges(cycle=cycle, judges=[judge], by=hr_user)
    return judge


def cycle_url(cycle: AwardCycle) -> str:
    return reverse("admin:awards_awardcycle_change", args=[cycle.pk])


def cycle_form(cycle: AwardCycle, **changes) -> dict:
    """What the admin's change form of a cycle would post, inlines included."""
    data = {
        "title": cycle.title,
        "status": cycle.status,
        "winner_count": cycle.winner_count,
        "criteria-TOTAL_FORMS": "0",
        "criteria-INITIAL_FORMS": "0",
        "judges-TOTAL_FORMS": "0",
        "judges-INITIAL_FORMS": "0",
        "_save": "Save",
    }
    return data | changes


def test_the_admin_shows_a_cycle_read_only_with_its_rubric_and_judges(admin_client, judge):
    cycle = judge.judge_assignments.get().cycle
    assert admin_client.get(reverse("admin:awards_awardcycle_changelist")).status_code == 200
    page = admin_client.get(cycle_url(cycle))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Customer-awareness evidence" in html  # the criteria inline
    assert "Jude Judge" in html  # the judges inline
    assert 'name="status"' not in html  # the phase changes only through the service
    assert 'name="judges-0-judge"' not in html and 'name="judges-0-DELETE"' not in html
    assert cycle.get_absolute_url() in html
    assert admin_client.get(reverse("admin:awards_awardcycle_add")).status_code == 403


def test_an_admin_post_cannot_change_a_cycles_phase_or_settings(admin_client, cycle):
    response = admin_client.post(
        cycle_url(cycle), cycle_form(cycle, status=Status.DECIDED, winner_count="5")
    )
    assert response.status_code == 403
    cycle.refresh_from_db()
    assert (cycle.status, cycle.winner_count) == (Status.OPEN, 1)
    assert not AuditEvent.objects.filter(verb="cycle.transitioned", data__to="decided").exists()


def test_an_admin_post_cannot_add_a_judge_to_a_cycle(admin_client, cycle):
    newcomer = make_user(full_name="Nora Newcomer")
    data = cycle_form(cycle) | {"judges-TOTAL_FORMS": "1", "judges-0-judge": str(newcomer.pk)}
    response = admin_client.post(cycle_url(cycle), data)
    assert response.status_code == 403
    assert not JudgeAssignment.objects.filter(cycle=cycle).exists()


def test_an_admin_post_cannot_change_the_rubric(admin_client, cycle):
    criterion = cycle.criteria.order_by("position").first()
    data = cycle_form(cycle) | {
        "criteria-TOTAL_FORMS": "1",
        "criteria-INITIAL_FORMS": "1",
        "criteria-0-id": str(criterion.pk),
        "criteria-0-cycle": str(cycle.pk),
        "criteria-0-weight": "99",
        "criteria-0-DELETE": "on",
    }
    response = admin_client.post(cycle_url(cycle), data)
    assert response.status_code == 403
    assert Criterion.objects.get(pk=criterion.pk).weight == criterion.weight


def test_the_judge_assignments_are_listed_and_shown_for_a_superuser(admin_client, judge):
    assignment = JudgeAssignment.objects.get(judge=judge)
    listing = admin_client.get(reverse("admin:awards_judgeassignment_changelist"))
    assert listing.status_code == 200
    assert "Jude Judge" in listing.content.decode()
    page = admin_client.get(reverse("admin:awards_judgeassignment_change", args=[assignment.pk]))
    assert page.status_code == 200
    assert 'name="judge"' not in page.content.decode()


def test_an_admin_post_cannot_add_a_judge_assignment(admin_client, cycle):
    newcomer = make_user(full_name="Nora Newcomer")
    url = reverse("admin:awards_judgeassignment_add")
    assert admin_client.get(url).status_code == 403
    response = admin_client.post(url, {"cycle": cycle.pk, "judge": newcomer.pk})
    assert response.status_code == 403
    assert not JudgeAssignment.objects.filter(judge=newcomer).exists()


def test_an_admin_post_cannot_swap_a_judge(admin_client, judge):
    assignment = JudgeAssignment.objects.get(judge=judge)
    other = make_user(full_name="Olga Other")
    url = reverse("admin:awards_judgeassignment_change", args=[assignment.pk])
    response = admin_client.post(url, {"cycle": assignment.cycle_id, "judge": other.pk})
    assert response.status_code == 403
    assert JudgeAssignment.objects.get(pk=assignment.pk).judge_id == judge.pk


def test_an_admin_post_cannot_remove_a_judge(admin_client, judge):
    # Removing a judge here would leave their panel scores counting (judging.assign_judges
    # takes them away): neither the delete page nor the bulk action removes one.
    assignment = JudgeAssignment.objects.get(judge=judge)
    url = reverse("admin:awards_judgeassignment_delete", args=[assignment.pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == 403
    admin_client.post(
        reverse("admin:awards_judgeassignment_changelist"),
        {"action": "delete_selected", "_selected_action": [assignment.pk], "post": "yes"},
    )
    assert JudgeAssignment.objects.filter(pk=assignment.pk).exists()
