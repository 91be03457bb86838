"""Authentication backends that load the signed-in person with their roles (HR, manager) in
the one query every request makes for them: the layout and most pages ask for both.

The query is written once as SQL: it runs on every request, and building it through the ORM
(two EXISTS subqueries) cost more than running it."""

import functools

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.contrib.auth.models import Group
from django.db import connection

from accounts.models import HR_GROUP, User


@functools.cache
def _sql(vendor: str) -> str:
    quote = connection.ops.quote_name
    people = quote(User._meta.db_table)
    members = quote(User.groups.through._meta.db_table)
    groups = quote(Group._meta.db_table)
    # Only table names from the models are formatted in; the values are parameters.
    return (
        f"SELECT u.*,"  # noqa: S608
        f" EXISTS (SELECT 1 FROM {members} m JOIN {groups} g ON g.id = m.group_id"
        f"  WHERE m.user_id = u.id AND g.name = %s) AS in_hr_group,"
        f" EXISTS (SELECT 1 FROM {people} r WHERE r.manager_id = u.id AND r.is_active)"
        f"  AS has_reports"
        f" FROM {people} u WHERE u.id = %s"
    )


def user_with_roles(user_id: int) -> User | None:
    """The person with `in_hr_group` and `has_reports` set (see User.is_hr, User.is_manager)."""
    found = list(User.objects.raw(_sql(connection.vendor), [HR_GROUP, user_id]))
    if not found:
        return None
    user = found[0]
    user.in_hr_group, user.has_reports = bool(user.in_hr_group), bool(user.has_reports)
    return user


class _WithRoles:
    def get_user(self, user_id):
        try:
            user = user_with_roles(int(user_id))
        except (TypeError, ValueError):
            return None
        return user if user is not None and self.user_can_authenticate(user) else None


class ModelBackend(_WithRoles, DjangoModelBackend):
    pass


class AuthenticationBackend(_WithRoles, AllauthBackend):
    pass
