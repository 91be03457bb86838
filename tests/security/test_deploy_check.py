"""`manage.py check --deploy` is clean in production configuration (issue 2, "Done when")."""

import os
import secrets
import subprocess
import sys

from django.conf import settings


def test_check_deploy_reports_no_issues_with_debug_off(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        # A clean production-like environment: none of the test or developer settings.
        if not key.startswith(("DJANGO_", "PLAUDIT_", "DATABASE_", "REDIS_", "EMAIL_"))
    }
    env |= {
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50)[:50],
        "DJANGO_ALLOWED_HOSTS": "plaudit.example",
        "STATIC_ROOT": str(tmp_path / "static"),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PLAUDIT_"))}
    env |= {"DJANGO_DEBUG": "0", "DJANGO_ALLOWED_HOSTS": "plaudit.example"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr
