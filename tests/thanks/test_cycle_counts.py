from django.urls import reverse

from tests.awards.conftest import make_cycle
from tests.conftest import make_user
from tests.thanks.conftest import approved


def test_the_cycle_page_counts_the_thank_yous_approved_while_it_was_open(login, db):
    hr = make_user(hr=True)
    cycle = make_cycle(status="open")
    approved(make_user(), by=hr)
    approved(make_user(), by=hr, email="bob@customer.example")
    response = login(hr).get(reverse("awards:hr_cycle", args=[cycle.pk]))
    assert "2 customer thank-yous counted" in response.content.decode()
