"""Apart from tests/home/test_seed_demo.py, whose tests share one seeded demo: this one needs
an empty site."""

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User


def test_refuses_to_run_on_a_production_site_without_force(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="published password"):
        call_command("seed_demo")
    assert not User.objects.exists()
