"""`manage.py seed_demo`: the demo organisation `make run` serves. Seeding it takes seconds, so
the tests that only read it share one seeding: the module's fixture seeds inside a transaction
that is rolled back after the last test, and each test runs in a savepoint within it."""

import datetime as dt
from io import StringIO
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import authenticate
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, Q
from django.test import override_settings
from django.utils import timezone

from accounts.demo import DEMO_PASSWORD, HR_EMAIL, PEOPLE
from accounts.models import HR_GROUP, Department, User
from awards.models import Award, AwardCycle, JudgeAssignment
from nominations.models import Endorsement, Evidence, Integration, Nomination, ThankYou
from stories.models import Comment, Reaction, Story, StoryImage


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", "--force", stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def demo_media(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("demo-media")


@pytest.fixture(autouse=True)
def _media_root(settings, demo_media):
    """The photos the module's seeding stored stay where every test of the module looks."""
    settings.MEDIA_ROOT = demo_media


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, demo_media):
    """The demo, seeded once for this module; what the command printed. Every test that uses
    it asks for `db` too, so that pytest-django runs it before the transactional tests, which
    empty the tables the demo needs (the categories a data migration seeded)."""
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=demo_media),
        transaction.atomic(),
    ):
        output = seed()
        yield output
        transaction.set_rollback(True)


def snapshot() -> dict:
    return {
        "departments": list(Department.objects.values_list("slug", "faces_customers")),
        "people": list(
            User.objects.order_by("pk").values_list(
                "email", "manager_id", "job_title", "password", "avatar", "avatar_thumbnail"
            )
        ),
        "addresses": list(EmailAddress.objects.values_list("email", "verified", "primary")),
        "hr": list(Group.objects.get(name=HR_GROUP).user_set.values_list("pk", flat=True)),
        "counts": [
            model.objects.count()
            for model in (
                AwardCycle,
                Nomination,
                Evidence,
                ThankYou,
                Story,
                StoryImage,
                Reaction,
                Comment,
            )
        ],
    }


def test_seeds_six_departments_split_into_front_line_and_back_office(seeded, db):
    departments = dict(Department.objects.values_list("name", "faces_customers"))
    assert departments == {
        "Support": True,
        "Sales": True,
        "Field Service": True,
        "Billing": False,
        "Engineering": False,
        "Operations": False,
    }


def test_seeds_about_forty_people_in_one_management_tree(seeded, db):
    people = list(User.objects.select_related("manager", "department"))
    assert 36 <= len(people) <= 45
    [chief] = [p for p in people if p.manager is None]
    heads = [p for p in people if p.manager == chief and p.job_title.startswith("Head of")]
    assert {h.department.name for h in heads} == {
        "Support", "Sales", "Field Service", "Billing", "Engineering", "Operations"
    }  # fmt: skip
    assert all(p.department is not None and p.job_title for p in people)
    team_leads = [p for p in people if p.manager in heads and p.reports.exists()]
    assert len(team_leads) >= 4


def test_seeds_one_hr_partner_with_admin_access(seeded, db):
    hr = User.objects.get(email=HR_EMAIL)
    assert hr.is_hr and hr.is_staff and not hr.is_superuser
    assert list(Group.objects.get(name=HR_GROUP).user_set.all()) == [hr]
    assert hr.has_perm("accounts.change_user")


def test_every_demo_person_has_a_verified_primary_address_and_an_avatar(seeded, db):
    for person in User.objects.all():
        assert EmailAddress.objects.filter(
            user=person, email=person.email, verified=True, primary=True
        ).exists()
        assert person.avatar.name.endswith(".webp")
        assert person.avatar.storage.exists(person.avatar.name)
        assert person.avatar_thumbnail.storage.exists(person.avatar_thumbnail.name)


def test_every_demo_person_can_sign_in_with_the_demo_password(seeded, db):
    for person in User.objects.all():
        assert authenticate(email=person.email, password=DEMO_PASSWORD) == person


def test_running_it_twice_changes_nothing(seeded, db):
    before = snapshot()
    output = seed()
    assert snapshot() == before
    assert "nothing new" in output


def test_a_rerun_keeps_edits_and_fills_in_what_is_missing(seeded, db):
    priya = User.objects.get(email="priya.natarajan@plaudit.example")
    priya.job_title = "Customer Advocate"
    priya.save()
    User.objects.filter(email="liam.murphy@plaudit.example").delete()
    seed()
    priya.refresh_from_db()
    assert priya.job_title == "Customer Advocate"
    assert User.objects.filter(email="liam.murphy@plaudit.example").exists()
    assert User.objects.count() == len(PEOPLE)


def test_prints_the_password_and_the_demo_logins(seeded, db):
    assert DEMO_PASSWORD in seeded
    for email in (HR_EMAIL, "leo.martin@plaudit.example", "maria.santos@plaudit.example"):
        assert email in seeded


# --- What the other apps add to it -------------------------------------------------------------


def test_the_demo_has_a_cycle_in_every_phase_with_evidence_of_every_kind_and_state(seeded, db):
    assert set(AwardCycle.objects.values_list("status", flat=True)) == set(AwardCycle.Status.values)
    assert set(Evidence.objects.values_list("kind", flat=True)) == set(Evidence.Kind.values)
    assert set(Evidence.objects.values_list("verification", flat=True)) == set(
        Evidence.Verification.values
    )
    assert Endorsement.objects.exists()


def test_the_demo_has_an_announced_winner_with_a_story_and_a_cycle_in_judging(seeded, db):
    announced = AwardCycle.objects.get(status=AwardCycle.Status.ANNOUNCED)
    assert announced.decision.announced_at is not None
    assert Award.objects.filter(cycle=announced, rank=1).exists()
    assert Story.objects.filter(kind=Story.Kind.AWARD, award_cycle=announced).count() == 1
    judging = AwardCycle.objects.get(status=AwardCycle.Status.JUDGING)
    assert JudgeAssignment.objects.filter(cycle=judging).count() >= 2


def test_the_demo_has_thank_yous_in_every_state_and_a_helpdesk(seeded, db):
    assert set(ThankYou.objects.values_list("status", flat=True)) == set(ThankYou.Status.values)
    assert set(ThankYou.objects.values_list("source", flat=True)) == set(ThankYou.Source.values)
    assert ThankYou.objects.filter(employee__isnull=True, status="confirmed").exists()
    assert ThankYou.objects.filter(status="approved", cycle__isnull=False).exists()
    assert Integration.objects.count() == 1


def test_the_demo_has_stories_of_every_kind_with_photos_reactions_and_comments(seeded, db):
    kinds = set(Story.objects.values_list("kind", flat=True))
    # The award story comes from announcing the demo's announced cycle.
    assert kinds == set(Story.Kind.values)
    assert 50 <= Story.objects.published().count() <= 70
    assert StoryImage.objects.values("story").distinct().count() >= 15
    assert {r.kind for r in Reaction.objects.all()} == set(Reaction.Kind.values)
    assert Comment.objects.values("story").distinct().count() >= 25
    improvements = Story.objects.filter(kind=Story.Kind.IMPROVEMENT)
    assert {story.shows_improvement for story in improvements} == {True, False}
    assert (
        not Story.objects.filter(kind=Story.Kind.FRONT_LINE)
        .exclude(author__department__slug__in=["billing", "engineering", "operations"])
        .exists()
    )
    oldest = Story.objects.order_by("published_at").first().published_at
    assert timezone.now() - oldest > dt.timedelta(weeks=8)
    counted = Story.objects.annotate(
        n_applause=Count("reactions", filter=Q(reactions__kind="applause"), distinct=True),
        n_love=Count("reactions", filter=Q(reactions__kind="customer_love"), distinct=True),
        n_learned=Count("reactions", filter=Q(reactions__kind="learned"), distinct=True),
        n_comments=Count("comments", filter=Q(comments__status="visible"), distinct=True),
    )
    for story in counted:
        assert story.applause_count == story.n_applause, story
        assert story.customer_love_count == story.n_love, story
        assert story.learned_count == story.n_learned, story
        assert story.comment_count == story.n_comments, story
