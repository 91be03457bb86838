"""core.notify.muted(): the demo's seeding goes through the services without e-mailing its
made-up people. The mute is a context variable: it nests, it ends with its block whatever
happens in it, and it stays in the thread (and context) that set it."""

import threading

import pytest

from core import notify


def test_it_nests_and_ends_with_the_outer_block():
    assert not notify.is_muted()
    with notify.muted():
        with notify.muted():
            assert notify.is_muted()
        assert notify.is_muted()  # the inner block's end does not unmute the outer one
    assert not notify.is_muted()


def test_it_ends_when_its_block_raises():
    with pytest.raises(RuntimeError), notify.muted():
        raise RuntimeError("a step of the seeding failed")
    assert not notify.is_muted()


def test_another_thread_is_not_muted():
    seen = []
    with notify.muted():
        thread = threading.Thread(target=lambda: seen.append(notify.is_muted()))
        thread.start()
        thread.join()
    assert seen == [False]


def test_no_mail_is_queued_while_muted(db, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, notify.muted():
        notify.send_mail_on_commit(
            to="ada@example.com", subject="Hi", template="notice", context={"message": "Hi"}
        )
    assert callbacks == []
    assert mailoutbox == []
