"""Background work of the awards (django.tasks, JSON arguments, enqueued on commit)."""

import json
import logging
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from django.tasks import task

logger = logging.getLogger(__name__)

TIMEOUT = 10  # seconds per attempt
BACKOFF = (1.0, 3.0, 9.0)  # seconds between attempts: four attempts in all
sleep = time.sleep  # tests patch this to lose no time


class _Retry(Exception):
    """A failure worth another attempt (the endpoint is down or answered 5xx)."""


def _post(url: str, body: bytes) -> int:
    request = urllib.request.Request(  # noqa: S310 (the caller checked the scheme)
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": "Plaudit"},
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310 (scheme checked)
            return response.status
    except urllib.error.HTTPError as error:
        if error.code >= 500 or error.code == 429:
            raise _Retry(f"HTTP {error.code}") from error
        return error.code
    except (urllib.error.URLError, OSError) as error:  # refused, reset, DNS, timeout
        raise _Retry(str(getattr(error, "reason", error))) from error


@task
def post_announcement(*, url: str, payload: dict) -> bool:
    """Post the announcement to the chat webhook (Slack/Teams JSON). Retries with backoff when
    the endpoint is down or answers 5xx; after the last attempt it logs and gives up instead of
    raising: the announcement committed already and must not fail because chat is down.
    Returns whether the endpoint accepted it."""
    if urlsplit(url).scheme not in ("http", "https"):
        logger.error("Announcement webhook not posted: %r is not an http(s) URL.", url)
        return False
    body = json.dumps(payload).encode()
    attempts = len(BACKOFF) + 1
    for attempt in range(1, attempts + 1):
        try:
            status = _post(url, body)
        except ValueError as error:  # a malformed URL: no attempt will do better
            logger.error("Announcement webhook not posted: %s", error)
            return False
        except _Retry as error:
            if attempt == attempts:
                logger.error("Announcement webhook failed after %d attempts: %s", attempts, error)
                return False
            logger.warning("Announcement webhook attempt %d failed: %s", attempt, error)
            sleep(BACKOFF[attempt - 1])
            continue
        if 200 <= status < 300:
            return True
        # A 4xx will not get better by trying again (a revoked or mistyped webhook URL).
        logger.error("Announcement webhook refused the message: HTTP %d", status)
        return False
    return False
