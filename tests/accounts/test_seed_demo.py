from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import authenticate
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command

from accounts.demo import DEMO_PASSWORD, HR_EMAIL, PEOPLE
from accounts.models import HR_GROUP, Department, User


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", "--force", stdout=out)
    return out.getvalue()


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
    }


def test_seeds_six_departments_split_into_front_line_and_back_office(db):
    seed()
    departments = dict(Department.objects.values_list("name", "faces_customers"))
    assert departments == {
        "Support": True,
        "Sales": True,
        "Field Service": True,
        "Billing": False,
        "Engineering": False,
        "Operations": False,
    }


def test_seeds_about_forty_people_in_one_management_tree(db):
    seed()
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


def test_seeds_one_hr_partner_with_admin_access(db):
    seed()
    hr = User.objects.get(email=HR_EMAIL)
    assert hr.is_hr and hr.is_staff and not hr.is_superuser
    assert list(Group.objects.get(name=HR_GROUP).user_set.all()) == [hr]
    assert hr.has_perm("accounts.change_user")


def test_every_demo_person_has_a_verified_primary_address_and_an_avatar(db):
    seed()
    for person in User.objects.all():
        assert EmailAddress.objects.filter(
            user=person, email=person.email, verified=True, primary=True
        ).exists()
        assert person.avatar.name.endswith(".webp")
        assert person.avatar.storage.exists(person.avatar.name)
        assert person.avatar_thumbnail.storage.exists(person.avatar_thumbnail.name)


def test_every_demo_person_can_sign_in_with_the_demo_password(db):
    seed()
    for person in User.objects.all():
        assert authenticate(email=person.email, password=DEMO_PASSWORD) == person


def test_running_it_twice_changes_nothing(db):
    seed()
    before = snapshot()
    output = seed()
    assert snapshot() == before
    assert "nothing new" in output


def test_a_rerun_keeps_edits_and_fills_in_what_is_missing(db):
    seed()
    priya = User.objects.get(email="priya.natarajan@plaudit.example")
    priya.job_title = "Customer Advocate"
    priya.save()
    User.objects.filter(email="liam.murphy@plaudit.example").delete()
    seed()
    priya.refresh_from_db()
    assert priya.job_title == "Customer Advocate"
    assert User.objects.filter(email="liam.murphy@plaudit.example").exists()
    assert User.objects.count() == len(PEOPLE)


def test_prints_the_password_and_the_demo_logins(db):
    output = seed()
    assert DEMO_PASSWORD in output
    for email in (HR_EMAIL, "leo.martin@plaudit.example", "maria.santos@plaudit.example"):
        assert email in output


def test_refuses_to_run_on_a_production_site_without_force(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="published password"):
        call_command("seed_demo")
    assert not User.objects.exists()
