"""Shared fixtures: small factory functions, no framework."""

import itertools

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from accounts.models import HR_GROUP, Department, User

PASSWORD = "correct horse battery staple"
_counter = itertools.count(1)


def pytest_make_parametrize_id(config: pytest.Config, val: object, argname: str) -> str | None:
    """Parameters signed or stamped at collection (cursors, tokens, times) change from one
    collection to the next: name them by their argument, so that pytest-xdist's workers, which
    collect separately, see the same tests (pytest numbers the repeats)."""
    signed = isinstance(val, str) and len(val) > 40 and ":" in val
    stamped = isinstance(val, float) and val > 1e9
    return argname if signed or stamped else None


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The browser tests last. They run against a live server on a transactional database,
    which is emptied after each of them, data migrations' rows included (the nomination
    categories): a test that relies on those must not run after them. pytest-django puts
    transactional tests after the others, but pytest's grouping of the browser's session-wide
    parameter can move them back among the rest."""
    items.sort(key=lambda item: "/tests/e2e/" in str(item.path).replace("\\", "/"))


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    from cycles.scoreboard_cache import forget_recent

    cache.clear()
    forget_recent()
    yield
    cache.clear()
    forget_recent()


def make_department(name: str | None = None, *, faces_customers: bool = False) -> Department:
    n = next(_counter)
    name = name or f"Department {n}"
    department, _ = Department.objects.get_or_create(
        name=name, defaults={"slug": f"dept-{n}", "faces_customers": faces_customers}
    )
    return department


def make_user(
    email: str | None = None,
    *,
    full_name: str | None = None,
    department: Department | None = None,
    manager: User | None = None,
    hr: bool = False,
    password: str = PASSWORD,
    **extra,
) -> User:
    n = next(_counter)
    user = User.objects.create_user(
        email=email or f"person{n}@example.com",
        password=password,
        full_name=full_name or f"Person {n}",
        department=department,
        manager=manager,
        **extra,
    )
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    if hr:
        user.groups.add(Group.objects.get_or_create(name=HR_GROUP)[0])
    return user


@pytest.fixture
def employee(db) -> User:
    return make_user(full_name="Emma Employee")


@pytest.fixture
def hr_user(db) -> User:
    return make_user(full_name="Hana HR", hr=True)


@pytest.fixture
def api():
    """api(user) → an APIClient authenticated as that user (or anonymous with None)."""

    def build(user: User | None = None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return build


@pytest.fixture
def login(client):
    """login(user) → the test client with a real session for that user."""

    def do(user: User):
        client.force_login(user, backend="accounts.backends.ModelBackend")
        return client

    return do
