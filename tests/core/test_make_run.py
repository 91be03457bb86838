"""`make run` serves the site where HOST and PORT say, and the links it writes (e-mails, QR
codes) point there too, unless SITE_URL is given."""

import os
import shutil
import subprocess

import pytest
from django.conf import settings

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def runserver_line(*args: str, **env: str) -> str:
    environ = {k: v for k, v in os.environ.items() if k != "SITE_URL"} | env
    dry_run = subprocess.run(
        ["make", "--no-print-directory", "-n", "run", *args],
        cwd=settings.BASE_DIR,
        env=environ,
        capture_output=True,
        text=True,
        check=True,
    )
    [line] = [line for line in dry_run.stdout.splitlines() if "manage.py runserver" in line]
    return line


def test_make_run_points_links_at_the_port_it_serves():
    line = runserver_line("PORT=8765")
    assert line.startswith("SITE_URL='http://127.0.0.1:8765' ")
    assert line.endswith("runserver 127.0.0.1:8765")


def test_make_run_keeps_a_site_url_that_is_given():
    assert runserver_line("PORT=8765", SITE_URL="https://plaudit.example").startswith(
        "SITE_URL='https://plaudit.example' "
    )
    assert runserver_line("PORT=8765", "SITE_URL=https://thanks.example").startswith(
        "SITE_URL='https://thanks.example' "
    )
