"""A notice made while core.notify is muted (the demo's seeding) stays in Plaudit and carries
no e-mail: neither now nor later in a daily digest."""

from core import notify
from notifications import services
from notifications.models import Notification
from tests.notifications.conftest import make_notice

Mail = Notification.Mail


def test_a_notice_made_while_muted_is_never_mailed(
    ana, mailoutbox, django_capture_on_commit_callbacks
):
    services.set_preferences(user=ana, channels={}, daily_digest=True)
    with notify.muted():
        notice = make_notice(ana)
    assert notice.mail == Mail.NONE
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_digest().people == 0
    assert mailoutbox == []
    assert Notification.objects.get(pk=notice.pk).read_at is None  # still there to read


def test_a_notice_made_while_muted_sends_no_email_to_one_who_wants_them_at_once(
    ana, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), notify.muted():
        notice = make_notice(ana)
    assert notice.mail == Mail.NONE
    assert mailoutbox == []
