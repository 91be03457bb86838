"""allauth's tables (templates/allauth/elements/table.html): each scrolls in a box named after
what it lists, which the keyboard can reach."""

import re
from pathlib import Path

import allauth
import pytest
from django.template import Context, Template
from django.template.base import Origin

ALLAUTH_TEMPLATES = Path(allauth.__file__).parent / "templates"
NAMES = {
    "usersessions/usersession_list.html": "Your sessions",
    "mfa/webauthn/authenticator_list.html": "Your security keys",
}


def pages_with_a_table() -> list[str]:
    return sorted(
        str(path.relative_to(ALLAUTH_TEMPLATES))
        for path in ALLAUTH_TEMPLATES.rglob("*.html")
        if "{% element table" in path.read_text()
    )


def test_every_table_of_allauth_is_named_here():
    """An allauth upgrade that adds a table fails this: give it a name in table.html."""
    assert pages_with_a_table() == sorted(NAMES)


@pytest.mark.parametrize("page", sorted(NAMES))
def test_each_table_scrolls_in_a_box_named_after_what_it_lists(page):
    source = "{% load allauth %}{% element table %}<tr><td>A row</td></tr>{% endelement %}"
    # The element tag tells the page it is used on by that template's name, as on the site.
    template = Template(source, origin=Origin(name=page, template_name=page))
    html = template.render(Context({}))
    region = re.search(r'<div class="table-scroll"([^>]*)>\s*<table>', html)
    assert region, html
    assert f'aria-label="{NAMES[page]}"' in region[1]
    assert 'tabindex="0" role="region"' in region[1]
