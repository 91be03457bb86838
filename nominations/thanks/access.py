"""Who may see or moderate a customer thank-you (DESIGN §7).

- HR sees every thank-you, in every state, with the customer's e-mail address;
- a manager sees those addressed to their direct reports, in every state, and moderates them;
- nobody moderates a thank-you about themselves (an HR member's own go to another HR member);
- an employee sees their own approved thank-yous;
- the public sees nothing but the form.
A thank-you you may not see answers 404, never 403. The services call these too (nobody
moderates, nor assigns, a thank-you about themselves), so the pages and the API cannot
disagree.
"""

from django.db.models import Q, QuerySet

from accounts.models import User
from nominations.models import ThankYou


def visible_thanks(user: User) -> QuerySet[ThankYou]:
    thanks = ThankYou.objects.all()
    if not user.is_authenticated or not user.is_active:
        return thanks.none()
    if user.is_hr:
        return thanks
    return thanks.filter(
        Q(employee__manager=user) | Q(employee=user, status=ThankYou.Status.APPROVED)
    )


def moderation_queue(user: User) -> QuerySet[ThankYou]:
    """What this user moderates: everything for HR, their direct reports' for a manager;
    never a thank-you about themselves."""
    thanks = ThankYou.objects.exclude(employee=user)
    if user.is_hr:
        return thanks
    return thanks.filter(employee__manager=user, employee__isnull=False)


def can_moderate(user: User, thank_you: ThankYou) -> bool:
    if thank_you.employee_id == user.pk:
        return False
    if user.is_hr:
        return True
    return thank_you.employee_id is not None and thank_you.employee.manager_id == user.pk


def may_moderate_anything(user: User) -> bool:
    """HR, or a manager with at least one active direct report: the queue page is theirs."""
    return user.is_hr or user.is_manager


def can_assign(user: User) -> bool:
    """Only HR picks or changes the employee a thank-you is about."""
    return user.is_hr


def can_see_customer_email(user: User) -> bool:
    return user.is_hr


def sees_wall(user: User, person: User) -> bool:
    """The person themself, their manager and HR: the people who may see a thank-you to them
    (access.visible_thanks), whether or not there is one yet."""
    return user.pk == person.pk or can_moderate(user, ThankYou(employee=person))
