"""Every persona walks every page it can reach: axe-core (vendored) finds no serious or critical
WCAG 2.1 AA violation, and no page scrolls sideways on a 390 px phone.

The walk starts from each persona's home page on a small demo cluster (the demo seed, scaled
down) and follows the links of each page, one page per route and persona kind, so a new page is
walked as soon as a link leads to it. One browser, one context per persona, one load per URL.
"""

import random
from collections import deque
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.urls import Resolver404, resolve
from playwright.sync_api import Error as PlaywrightError

from grappe.demo.calls import seed_calls
from grappe.demo.people import DEMO_DOMAIN, seed_people
from grappe.demo.projects import seed_projects
from grappe.demo.reporting import seed_reporting
from grappe.demo.review import seed_review
from grappe.demo.selection import seed_selection
from grappe.demo.training import seed_training
from grappe.people.models import Person, User
from grappe.review.services import ReviewError, add_assignment
from grappe.submissions.models import Proposal, ProposalState

pytestmark = pytest.mark.django_db(transaction=True)

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
PHONE = {"width": 390, "height": 844}
PERSONAS = ["office", "board", "reviewer", "applicant", "partner", "institution", None]
# Links not to follow: they log out, download files or belong to Django's admin.
SKIP_PREFIXES = ("/admin/", "/accounts/logout/", "/i18n/", "/static/", "/jsi18n/")
SKIP_SUFFIXES = (".csv", ".xlsx", ".pdf")
SKIP_ROUTES = {"submissions:attachment", "people:verify_email", "privacy:mine_download", "privacy:person_download"}
# Pages whose content depends on who looks: walked once per persona, the others once in all.
PER_PERSONA_ROUTES = {
    "home",
    "submissions:detail",
    "submissions:mine",
    "review:mine",
    "calls:detail",
    "selection:ranking",
}
MAX_PAGES = 90  # the walk covers every route with room to spare; a bound keeps it fast


@pytest.fixture
def demo_cluster(db):
    rng = random.Random(2026)
    people = seed_people(rng, partner_count=6, people_count=60)
    calls = seed_calls(rng, people, proposal_count=12)
    seed_review(rng, people, calls["closed"], experts=30)  # enough experts for a feasible assignment
    seed_selection(rng, calls["closed"])
    # The demo reviewer gets one review to write (the small seed may give them none).
    reviewer = Person.objects.get(email=f"reviewer@{DEMO_DOMAIN}")
    for proposal in Proposal.objects.filter(call=calls["closed"], state=ProposalState.SUBMITTED).order_by("code"):
        try:
            add_assignment(calls["closed"], reviewer=reviewer, proposal=proposal, reason="walk", actor=None)
        except ReviewError:
            continue
        break
    # Funded projects, trainings and the impact reporting (indicators, targets, two annual
    # reports), so the dashboards, drill-downs, reports and the public impact page have content.
    seed_projects(rng, people, calls["programme"])
    seed_training(random.Random(2041))
    seed_reporting(random.Random(2042), calls["programme"])
    return calls


def _session_cookie(user, live_server):
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "grappe.people.backends.EmailBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    host = urlsplit(live_server.url).hostname
    return {"name": django_settings.SESSION_COOKIE_NAME, "value": session.session_key, "domain": host, "path": "/"}


def _route(path):
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match.view_name


def _follow(href, base):
    parts = urlsplit(href)
    if parts.netloc and parts.netloc != urlsplit(base).netloc:
        return None
    path = parts.path
    if not path.startswith("/") or path.startswith(SKIP_PREFIXES) or path.endswith(SKIP_SUFFIXES):
        return None
    return path + (f"?{parts.query}" if parts.query else "")


def _goto(page, path):
    """Open ``path``; None for a file served as a download (a grant's document, an evidence…)."""
    try:
        return page.goto(path)
    except PlaywrightError as exc:
        if "Download is starting" in str(exc):
            return None
        raise


AXE_RUN = """async () => {
  const result = await axe.run(document, {
    runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    resultTypes: ["violations"],
  });
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => ({id: v.id, impact: v.impact, help: v.help,
                  targets: v.nodes.slice(0, 3).map((n) => n.target.join(" "))}));
}"""

OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [];
  if (document.documentElement.scrollWidth > width + 1) {
    for (const el of document.querySelectorAll("body *")) {
      const box = el.getBoundingClientRect();
      if (box.right > width + 1 && !el.closest(".table-wrap, .scroll-x, pre")) {
        wide.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (el.className && typeof el.className === "string" ? "." + el.className.split(" ").join(".") : ""));
        if (wide.length > 4) break;
      }
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth, width, wide};
}"""


def _page_problems(page):
    """What axe-core finds serious or critical on the open page, and whether it is wider than a phone."""
    problems = [str(violation) for violation in page.evaluate(AXE_RUN)]
    size = page.evaluate(OVERFLOW)
    if size["scrollWidth"] > size["width"] + 1:
        problems.append(f"{size['scrollWidth']} px wide on a 390 px phone, {size['wide']}")
    return problems


def test_every_page_of_every_persona_is_accessible_and_fits_a_phone(browser, live_server, demo_cluster, shot):
    seen_routes = set()
    problems = []
    walked = []
    for persona in PERSONAS:
        context = browser.new_context(viewport=PHONE, base_url=live_server.url, locale="fr-FR")
        context.add_init_script(path=str(AXE))  # axe-core in every page, before its own scripts
        if persona:
            user = User.objects.get(email=f"{persona}@{DEMO_DOMAIN}")
            context.add_cookies([_session_cookie(user, live_server)])
        page = context.new_page()
        errors = []
        # Each error with the page it came from, so a failure names the page to fix.
        page.on(
            "console",
            lambda m, errors=errors, page=page: (
                errors.append(f"{urlsplit(page.url).path}: {m.text}") if m.type == "error" else None
            ),
        )
        # One page per route: the closed call's pages come first, as they hold runs, reviews and decisions.
        closed = demo_cluster["closed"].code
        reporting = f"/office/reporting/{demo_cluster['programme'].code}/"
        start = {
            "office": [f"/office/calls/{closed}/review/", f"/office/calls/{closed}/selection/", f"{reporting}quality/"],
            "board": [f"/office/calls/{closed}/selection/", reporting, f"{reporting}reports/"],
            None: ["/accounts/login/", "/accounts/register/", "/impact/"],
        }
        queue = deque(["/", *start.get(persona, [])])
        queued = set(queue)
        while queue and len(walked) < MAX_PAGES * len(PERSONAS):
            path = queue.popleft()
            route = _route(urlsplit(path).path)
            if route is None or route in SKIP_ROUTES:
                continue
            key = (route, persona) if route in PER_PERSONA_ROUTES else route
            if key in seen_routes:
                continue
            seen_routes.add(key)
            response = _goto(page, path)
            if response is None:
                continue
            walked.append((persona, path))
            if response.status >= 500:
                problems.append(f"{persona} {path}: HTTP {response.status}")
                continue
            if not response.headers.get("content-type", "").startswith("text/html"):
                continue  # a JSON schema, a calendar file…: the browser shows it, no page to check
            problems.extend(f"{persona} {path}: {problem}" for problem in _page_problems(page))
            for href in page.eval_on_selector_all("a[href]", "links => links.map((a) => a.getAttribute('href'))"):
                target = _follow(href, live_server.url)
                if target and target not in queued:
                    queued.add(target)
                    queue.append(target)
        errors = [e for e in errors if "404" not in e and "403" not in e]
        if errors:
            problems.append(f"{persona}: console errors {errors[:3]}")
        context.close()

    routes = {key if isinstance(key, str) else key[0] for key in seen_routes}
    print(f"walked {len(walked)} pages ({len(routes)} routes)")
    assert problems == [], "\n".join(problems)
    # The walk reached the pages of every stage: directory, calls, proposals, review, selection.
    assert {
        "home",
        "people:directory",
        "calls:detail",
        "calls:configure",
        "submissions:detail",
        "submissions:office_list",
        "review:desk",
        "review:run",
        "review:review",
        "selection:ranking",
        "selection:portfolio",
        "selection:consensus",
        "selection:decision",
        "activity",
        "reporting:index",
        "reporting:dashboard",
        "reporting:drill",
        "reporting:catalogue",
        "reporting:indicator",
        "reporting:reports",
        "reporting:report",
        "reporting:quality",
        "reporting:impact",
    } <= routes, " ".join(sorted(routes))
