# ruff: noqa: F811 - pytest fixtures imported from other conftests
"""Garbage in every form, as every persona allowed to use it: never a server error.

The test crawls the site as each persona (links from the pages it may see), finds every POST
form, and posts garbage into it: NUL bytes, NaN, Infinity, huge and negative integers, CR/LF
(email header injection), over-long text. All fields get each value at once, and each field
alone (the others keeping their page values) gets two of four values, in turn; a form with no
fields is posted once, and a page whose form the view does not take by POST (405) is left. A
form error, a message, a redirect or a 404 are all fine; a 5xx is a defect. The URL names posted to are checked against the list of POST
views, so a new form view that the crawl cannot reach shows up here.
"""

from __future__ import annotations

import zlib
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.test import Client
from django.urls import Resolver404, resolve
from django.utils import timezone

from grappe.review.models import ReviewAssignment
from tests.review.conftest import pool, proposals, review_call  # noqa: F401 - fixtures
from tests.selection.conftest import decided, priced, reviewed  # noqa: F401 - fixtures
from tests.submissions.conftest import call, complete_draft, document_question, draft, impact_question  # noqa: F401

pytestmark = pytest.mark.django_db

GARBAGE = [
    "\x00",
    "ab\x00cd",
    "NaN",
    "Infinity",
    "-Infinity",
    "1e999999",
    str(2**31),
    str(-(2**63) - 1),
    "-1",
    "x\r\nBcc: victim@example.org",
    "=cmd|' /C calc'!A0",
    "9" * 60,
]
ONE_FIELD_GARBAGE = ["ab\x00cd", "NaN", str(2**31), "x\r\nBcc: victim@example.org"]
CHOICE_GARBAGE = ["Infinity", "-1"]
SKIP_PREFIXES = ("/admin/", "/static/", "/i18n/", "/jsi18n/", "/accounts/logout/", "/favicon")
SKIP_SUFFIXES = (".csv", ".xlsx", ".pdf")
MAX_PAGES = 250
PAGES_PER_VIEW = 2
MAX_POSTS_PER_FORM = 32


class _Forms(HTMLParser):
    """Links and POST forms (fields with their page values) of one HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):  # noqa: PLR0912 - one branch per tag
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            if (a.get("method") or "get").lower() == "post" or a.get("hx-post"):
                self._form = {"action": a.get("action") or a.get("hx-post") or "", "fields": {}, "choices": {}}
                self.forms.append(self._form)
            elif a.get("action"):
                self.links.append(a["action"])
        elif self._form is None:
            if a.get("hx-post"):
                self.forms.append({"action": a["hx-post"], "fields": {}, "choices": {}})
            return
        elif tag == "input" and a.get("name"):
            kind = (a.get("type") or "text").lower()
            if kind in {"checkbox", "radio"}:
                self._form["choices"].setdefault(a["name"], []).append(a.get("value", "on"))
                if "checked" in a or kind == "checkbox":
                    self._form["fields"][a["name"]] = a.get("value", "on")
            elif kind == "submit":
                self._form["fields"].setdefault(a["name"], a.get("value", ""))
            elif kind != "file":
                self._form["fields"][a["name"]] = a.get("value", "")
        elif tag == "button" and a.get("name"):
            self._form["fields"].setdefault(a["name"], a.get("value", ""))
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
            self._form["fields"].setdefault(a["name"], "")
            self._form["choices"][a["name"]] = []
        elif tag == "option" and self._select:
            value = a.get("value", "")
            self._form["choices"][self._select].append(value)
            if "selected" in a or not self._form["fields"][self._select]:
                self._form["fields"][self._select] = value
        elif tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            self._form["fields"][a["name"]] = ""

    def handle_data(self, data):
        if self._form is not None and self._textarea:
            self._form["fields"][self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def _variants(form: dict) -> list[dict]:
    fields = {k: v for k, v in form["fields"].items() if k != "csrfmiddlewaretoken"}
    out = [dict.fromkeys(fields, value) for value in GARBAGE]
    for i, name in enumerate(fields):  # each field alone gets two of the four, in turn
        out.extend({**fields, name: ONE_FIELD_GARBAGE[(i + k) % len(ONE_FIELD_GARBAGE)]} for k in (0, 2))
    for name, options in form["choices"].items():  # each choice (e.g. "reserve") with garbage beside it
        for option in options[:6]:
            out.extend({**dict.fromkeys(fields, value), name: option} for value in CHOICE_GARBAGE)
    unique = {tuple(sorted(data.items())): data for data in out}  # a form without fields: one post, not twelve
    return list(unique.values())[:MAX_POSTS_PER_FORM]


def _local(base: str, href: str) -> str | None:
    url = urljoin(base, href)
    parts = urlsplit(url)
    if parts.scheme not in {"", "http"} or parts.netloc not in {"", "testserver"}:
        return None
    path = parts.path
    if path.startswith(SKIP_PREFIXES) or path.endswith(SKIP_SUFFIXES):
        return None
    return path + (f"?{parts.query}" if parts.query and "page=" not in parts.query else "")


def _crawl_and_post(  # noqa: PLR0912 - a crawler
    client: Client, starts: list[str], posted: dict[str, int], failures: list[str], shard: tuple[int, int] = (0, 1)
) -> None:
    """Crawl from ``starts`` and post garbage into the forms whose view falls in ``shard`` (its
    number, of how many): the office's forms are split so that the test workers share them."""
    seen: set[str] = set()
    pages_per_view: dict[str, int] = {}
    queue = deque(starts)
    done_forms: set[str] = set()
    while queue and len(seen) < MAX_PAGES:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        try:
            view = resolve(url.split("?")[0]).view_name
        except Resolver404:
            continue
        pages_per_view[view] = pages_per_view.get(view, 0) + 1
        if pages_per_view[view] > PAGES_PER_VIEW:
            continue
        response = client.get(url)
        if response.status_code >= 500:
            failures.append(f"GET {url}: {response.status_code}")
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        page = _Forms()
        page.feed(response.content.decode())
        for href in page.links:
            target = _local(url, href)
            if target and target not in seen:
                queue.append(target)
        for form in page.forms:
            action = _local(url, form["action"]) or url.split("?")[0]
            try:
                name = resolve(action.split("?")[0]).view_name
            except Resolver404:
                continue
            key = name + "|" + ",".join(sorted(form["fields"]))
            if key in done_forms or zlib.crc32(name.encode()) % shard[1] != shard[0]:
                continue
            done_forms.add(key)
            for data in _variants(form):
                answer = client.post(action, data)
                posted[name] = posted.get(name, 0) + 1
                if answer.status_code >= 500:
                    failures.append(f"POST {action} ({name}) {sorted(data.items())}: {answer.status_code}")
                    break
                if answer.status_code == 405:  # a page whose form posts elsewhere by script: nothing to try
                    break


@pytest.fixture
def world(decided, complete_draft, pool, review_call, office):
    """A call in selection (reviews, consensus, decisions), an open call with a complete draft,
    the reviewer persona assigned and confirmed."""
    ReviewAssignment.objects.filter(reviewer=pool[0].person).update(confirmed_at=timezone.now())
    return decided


# persona -> where its crawl starts
STARTS = {
    "applicant": ["/", "/proposals/", "/calls/", "/accounts/profile/"],
    "reviewer": ["/", "/reviews/", "/reviews/publications/", "/accounts/profile/"],
    "board": ["/", "/office/calls/", "/office/programmes/"],
    "office": [
        "/",
        "/office/calls/",
        "/office/people/",
        "/office/organisations/",
        "/office/programmes/",
        "/office/people/new/",
        "/office/organisations/new/",
        "/office/calls/new/",
        "/office/programmes/new/",
    ],
    "anonymous": ["/", "/accounts/register/", "/accounts/login/", "/accounts/password-reset/"],
}


# The office reaches the most forms: its posts are split in shards, run as separate tests.
SHARDS = {"office": 4}


@pytest.mark.parametrize(
    ("persona", "shard"),
    [
        pytest.param(persona, (i, SHARDS.get(persona, 1)), id=f"{persona}-{i + 1}/{SHARDS.get(persona, 1)}")
        for persona in STARTS
        for i in range(SHARDS.get(persona, 1))
    ],
)
def test_garbage_never_answers_5xx(as_persona, world, persona, shard, settings):
    settings.DEBUG_PROPAGATE_EXCEPTIONS = False
    client = as_persona(persona)
    client.raise_request_exception = False
    posted: dict[str, int] = {}
    failures: list[str] = []

    _crawl_and_post(client, STARTS[persona], posted, failures, shard)

    print(persona, sorted(posted))
    print("\n".join(failures))
    assert failures == []
