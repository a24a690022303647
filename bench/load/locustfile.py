"""Locust scenarios: Grappe's busy day on the demo data (bench/README.md, "Load").

- Applicants (the peak): an open call, many drafts; each applicant opens their draft, saves its
  sections (details, answers, budget) and submits, reopens to fix something, submits again.
- Reviewers: their list of reviews, the review page with the proposal, draft saves, submissions.
- The office: the proposal list (pages), the review desk, assignments, the assignment run, the
  ranking, the portfolio, the decision ledger.
- The board: the ranking, the portfolio, the ledger, a decision page.

Accounts and their objects come from ``bench/load/accounts.py`` (``LOAD_ACCOUNTS``, a JSON file).
Every simulated user logs in once. Traffic goes to the ``--host`` given, which ``python -m
bench.load`` sets to 127.0.0.1; the run is bounded by ``--run-time``.

The server runs with production settings behind a pretend TLS proxy: each request says
``X-Forwarded-Proto: https`` (Django then sees a secure request) and the client keeps the
``Secure`` cookies over plain HTTP on the loopback.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
from html.parser import HTMLParser
from http.cookiejar import DefaultCookiePolicy
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from locust import HttpUser, between, events, task

ACCOUNTS: dict[str, Any] = json.loads(Path(os.environ["LOAD_ACCOUNTS"]).read_text(encoding="utf-8"))
_counters = {kind: itertools.count() for kind in ("applicants", "reviewers")}
WAIT = between(float(os.environ.get("LOAD_WAIT_MIN", "2")), float(os.environ.get("LOAD_WAIT_MAX", "8")))


class _Forms(HTMLParser):
    """Every form of a page: its action and the values a browser would post as they are."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict[str, Any]] = []
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append({"action": a.get("action", ""), "method": a.get("method", "get").lower(), "data": {}})
            return
        if not self.forms:
            return
        data = self.forms[-1]["data"]
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    data.setdefault(name, a.get("value", "on"))
            elif kind not in ("submit", "button", "file"):
                data[name] = a.get("value", "")
        elif tag == "select" and name:
            self._select = name
            data.setdefault(name, None)
        elif tag == "option" and self._select:
            if data.get(self._select) is None or "selected" in a:
                data[self._select] = a.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            data[name] = ""

    def handle_data(self, text: str) -> None:
        if self._textarea and self.forms:
            self.forms[-1]["data"][self._textarea] += text

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def forms_of(html: str) -> list[dict[str, Any]]:
    parser = _Forms()
    parser.feed(html)
    for form in parser.forms:
        form["data"] = {k: ("" if v is None else v) for k, v in form["data"].items()}
    return parser.forms


def form_posting_to(html: str, pattern: str) -> dict[str, Any] | None:
    return next((f for f in forms_of(html) if f["method"] == "post" and re.search(pattern, f["action"])), None)


# Send ``Secure`` cookies over HTTP: the load client stands behind the pretend TLS proxy. requests
# copies the session's cookies into jars of its own (default policy) for each request and redirect,
# so the policy is changed for this process (the locust process only).
DefaultCookiePolicy.return_ok_secure = lambda self, cookie, request: True  # type: ignore[method-assign]


class GrappeUser(HttpUser):
    abstract = True
    wait_time = WAIT

    def on_start(self) -> None:
        self.client.headers.update({"X-Forwarded-Proto": "https", "Accept-Language": random.choice(["fr", "en"])})
        self.email, password = self.account()
        page = self.client.get("/accounts/login/", name="login page")
        data = (form_posting_to(page.text, "") or {"data": {}})["data"]
        data.update(username=self.email, password=password)
        with self.client.post(
            "/accounts/login/", data=data, name="login", headers=self._referer("/accounts/login/"), catch_response=True
        ) as response:
            if "/accounts/login/" in response.url:
                response.failure(f"login refused for {self.email}")

    def account(self) -> tuple[str, str]:
        raise NotImplementedError

    def _referer(self, path: str) -> dict[str, str]:
        return {"Referer": urljoin(self.host.replace("http://", "https://"), path)}

    def page(self, path: str, name: str) -> Any:
        with self.client.get(path, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code} on {path}")
            elif "/accounts/login/" in response.url:
                response.failure(f"logged out on {path}")
        return response

    def post_form(self, page: Any, pattern: str, name: str, change: Any = None) -> Any:
        """Post the form of ``page`` whose action matches ``pattern``, its values as shown, after
        ``change(data)``; a redirect to a page that answers 200 is a success."""
        form = form_posting_to(page.text, pattern)
        if form is None:
            return None
        data = dict(form["data"])
        if change:
            change(data)
        action = urljoin(page.url, form["action"]) if form["action"] else page.url
        path = re.sub(r"^https?://[^/]+", "", action)
        with self.client.post(path, data=data, name=name, headers=self._referer(path), catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code} on {path}")
            elif "/accounts/login/" in response.url:
                response.failure(f"logged out on {path}")
        return response


class Applicant(GrappeUser):
    """Near the deadline: save sections, submit, reopen, submit again."""

    weight = 30

    def account(self) -> tuple[str, str]:
        rows = ACCOUNTS["applicants"]
        me = rows[next(_counters["applicants"]) % len(rows)]
        self.code = me["proposal"]
        return me["email"], ACCOUNTS["password"]

    @task(2)
    def my_proposals(self) -> None:
        self.page("/proposals/", "applicant: my proposals")

    @task(6)
    def save_sections(self) -> None:
        detail = self.page(f"/proposals/{self.code}/", "applicant: proposal (draft)")
        if "/reopen/" in detail.text:  # submitted: reopen it to change something
            detail = self.post_form(detail, r"/reopen/$", "applicant: reopen") or detail
        stamp = random.randint(1, 10**6)
        detail = (
            self.post_form(
                detail,
                r"/details/$",
                "applicant: save details",
                lambda d: d.update(
                    abstract=re.sub(r"( \[rev \d+\])?$", f" [rev {stamp}]", d.get("abstract", ""), count=1)
                ),
            )
            or detail
        )
        detail = self.post_form(detail, r"/answers/$", "applicant: save answers") or detail
        self.post_form(detail, r"/budget/$", "applicant: save budget")

    @task(2)
    def submit(self) -> None:
        detail = self.page(f"/proposals/{self.code}/", "applicant: proposal (draft)")
        self.post_form(detail, r"/submit/$", "applicant: submit")


class Reviewer(GrappeUser):
    """Their list, the proposal in the review page, draft saves, then a submission."""

    weight = 10

    def account(self) -> tuple[str, str]:
        rows = ACCOUNTS["reviewers"]
        me = rows[next(_counters["reviewers"]) % len(rows)]
        self.pending = list(me["pending"])
        return me["email"], ACCOUNTS["password"]

    @task(3)
    def my_reviews(self) -> None:
        page = self.page("/reviews/", "reviewer: my reviews")
        self.assignments = sorted(set(re.findall(r'href="/reviews/(\d+)/"', page.text)))

    @task(5)
    def write(self) -> None:
        if not self.pending:
            if getattr(self, "assignments", None):
                self.page(f"/reviews/{random.choice(self.assignments)}/", "reviewer: review (read)")
            return
        pk = self.pending[0]
        page = self.page(f"/reviews/{pk}/", "reviewer: review (write)")
        if form_posting_to(page.text, rf"/reviews/{pk}/confirm/$"):  # first visit: no conflict, confidentiality
            page = (
                self.post_form(
                    page,
                    rf"/reviews/{pk}/confirm/$",
                    "reviewer: confirm no conflict",
                    lambda d: d.update(no_conflict="on", confidential="on"),
                )
                or page
            )

        def fill(data: dict[str, Any]) -> None:
            for key in list(data):
                if key.startswith("score_"):
                    data[key] = random.choice(["2.5", "3.0", "3.5", "4.0", "4.5"])
                elif key.startswith("comment_"):
                    data[key] = "Clear objectives; the work plan could detail the risks."
            data["applicant_comment"] = "A sound project; the impact section needs measurable targets."
            data["recommendation"] = data.get("recommendation") or "fund_if"

        read = re.search(r'href="(/proposals/\w+/)"', page.text)
        if read and random.random() < 0.3:  # the whole proposal, now and then, before writing
            self.page(read.group(1), "reviewer: proposal (read)")
        submit = random.random() < 0.1  # a review is saved as a draft several times, submitted once
        done = self.post_form(
            page,
            rf"^(/reviews/{pk}/)?$",  # the review form posts to its own page (no action)
            "reviewer: submit review" if submit else "reviewer: save draft",
            lambda d: (fill(d), d.update(submit="1") if submit else None),
        )
        if submit and done is not None:
            self.pending.pop(0)


class Office(GrappeUser):
    """Lists: proposals (pages), review desk, assignments, the assignment run; ranking, portfolio."""

    weight = 7

    def account(self) -> tuple[str, str]:
        return random.choice(ACCOUNTS["office"]), ACCOUNTS["office_password"]

    @task(4)
    def proposals(self) -> None:
        call = random.choice([ACCOUNTS["closed_call"], ACCOUNTS["closed_call"], ACCOUNTS["open_call"]])
        self.page(f"/office/calls/{call}/proposals/?page={random.randint(1, 8)}", "office: proposal list")

    @task(3)
    def desk(self) -> None:
        page = self.page(f"/office/calls/{ACCOUNTS['closed_call']}/review/", "office: review desk")
        runs = re.findall(r'href="/office/review/runs/(\d+)/"', page.text)
        if runs:
            self.page(f"/office/review/runs/{random.choice(runs)}/", "office: engine run")

    @task(2)
    def assignments(self) -> None:
        self.page(f"/office/calls/{ACCOUNTS['closed_call']}/review/assignments/", "office: assignments")

    @task(3)
    def ranking(self) -> None:
        self.page(f"/office/calls/{ACCOUNTS['closed_call']}/selection/", "ranking")

    @task(2)
    def portfolio(self) -> None:
        self.page(f"/office/calls/{ACCOUNTS['closed_call']}/selection/portfolio/", "portfolio")

    @task(1)
    def calls(self) -> None:
        self.page("/office/calls/", "office: calls")


class Board(GrappeUser):
    """The ranking, the portfolio, the ledger and a proposal's decision page."""

    weight = 3

    def account(self) -> tuple[str, str]:
        return random.choice(ACCOUNTS["board"]), ACCOUNTS["board_password"]

    @task(4)
    def ranking(self) -> None:
        page = self.page(f"/office/calls/{ACCOUNTS['closed_call']}/selection/", "ranking")
        self.codes = re.findall(r'href="/selection/proposals/(\w+)/decision/"', page.text)

    @task(2)
    def portfolio(self) -> None:
        self.page(f"/office/calls/{ACCOUNTS['closed_call']}/selection/portfolio/", "portfolio")

    @task(1)
    def ledger(self) -> None:
        self.page(f"/office/calls/{ACCOUNTS['closed_call']}/selection/decisions/", "board: decision ledger")

    @task(1)
    def decision(self) -> None:
        if getattr(self, "codes", None):
            self.page(f"/selection/proposals/{random.choice(self.codes)}/decision/", "board: decision page")


# Logins happen while users are started; with ``--reset-stats`` the table shows the steady state
# after that, so the logins' own times are kept here and written to LOAD_LOGINS at the end.
_logins: dict[str, list[float]] = {}


@events.request.add_listener
def _login_times(name: str, response_time: float, exception: Any, **kwargs: Any) -> None:
    if name in ("login", "login page"):
        _logins.setdefault(name, []).append(response_time if exception is None else float("inf"))


@events.quitting.add_listener
def _write_logins(environment: Any, **kwargs: Any) -> None:
    target = os.environ.get("LOAD_LOGINS")
    if target:
        Path(target).write_text(json.dumps(_logins), encoding="utf-8")
