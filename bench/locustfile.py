"""The HTTP load test's users (run by bench/load.py; locust imports this file itself).

`Floor` requests only the floor page; `Colleague` is the realistic mix: reading the feed and
its later pages, opening stories, applauding, opening the nomination form, and a customer's
thank-you through a personal link (the form, then the post). Both run without think time, so
the requests per second measure what the server can take.

The fixture (BENCH_LOAD_FIXTURE, written by load.py) holds session cookies of seeded employees,
story ids, feed cursors, personal-link tokens and a form-start token signed for this run.
"""

import json
import os
import random
import uuid

from locust import HttpUser, constant, task

FIXTURE = json.loads(open(os.environ["BENCH_LOAD_FIXTURE"]).read())  # noqa: SIM115
_sessions = iter(FIXTURE["sessions"] * 100)


class _Signed(HttpUser):
    abstract = True
    wait_time = constant(0)

    def on_start(self) -> None:
        self.client.cookies.set("sessionid", next(_sessions))


class Floor(_Signed):
    @task
    def floor(self) -> None:
        self.client.get("/bench/floor/", name="floor")


class Colleague(_Signed):
    def on_start(self) -> None:
        super().on_start()
        self.client.get("/stories/", name="feed, first page")  # also sets the CSRF cookie

    @task(5)
    def feed(self) -> None:
        self.client.get("/stories/", name="feed, first page")

    @task(2)
    def feed_later_page(self) -> None:
        cursor = random.choice(FIXTURE["cursors"])
        self.client.get(f"/stories/?cursor={cursor}", name="feed, later page")

    @task(5)
    def story(self) -> None:
        self.client.get(f"/stories/{random.choice(FIXTURE['stories'])}/", name="story")

    @task(2)
    def react(self) -> None:
        story = random.choice(FIXTURE["stories"])
        self.client.post(
            f"/stories/{story}/reactions/applause/",
            headers={"HX-Request": "true", "X-CSRFToken": self.client.cookies.get("csrftoken", "")},
            name="reaction (toggle)",
        )

    @task(2)
    def nomination_form(self) -> None:
        self.client.get("/nominations/new/", name="nomination form")

    @task(1)
    def thank_you(self) -> None:
        link = f"/thanks/{random.choice(FIXTURE['thanks_tokens'])}/"
        self.client.get(link, name="thank-you form")
        # A customer behind the company's proxy, from an address of their own.
        # (198.18.0.0/15, the range set aside for benchmarks: only ever a header, never dialled.)
        address = f"198.{random.randint(18, 19)}.{random.randint(0, 255)}.{random.randint(1, 254)}"
        with self.client.post(
            link,
            data={
                "customer_name": "Load Tester",
                "customer_email": f"load-{uuid.uuid4().hex}@customers.example",
                "organisation": "Northwind",
                "message": "Thank you for sorting out my invoice so quickly and so kindly.",
                "started": FIXTURE["started"],
                "website": "",
            },
            headers={
                "X-CSRFToken": self.client.cookies.get("csrftoken", ""),
                "X-Forwarded-For": address,
            },
            allow_redirects=False,
            name="thank-you (submit)",
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"expected a redirect, got {response.status_code}")
