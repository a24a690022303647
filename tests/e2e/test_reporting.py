"""Impact reporting in the browser: the board opens the dashboard, drills down from a figure to the
records it counts, generates the annual report and downloads its PDF and Excel (read back here)."""

import io
import os
from pathlib import Path

import pytest

from grappe.calls.models import Call, CallState
from grappe.reporting.models import Indicator
from tests.e2e.test_submission import _login
from tests.factories import CallFactory, ProgrammeFactory
from tests.projects.conftest import make_award, open_from
from tests.reporting.conftest import at, set_time

pytestmark = pytest.mark.django_db(transaction=True)
SHOTS = Path(os.environ.get("GRAPPE_SHOTS", "/tmp/shots-r16"))  # noqa: S108 - where the helpers keep screenshots


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _shoot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_board_drills_down_and_downloads_the_annual_report(
    english, browser, live_server, board, office, applicant, university, other_university, company
):
    from openpyxl import load_workbook
    from pypdf import PdfReader

    programme = ProgrammeFactory(name="IA-Cluster Exemple", start_year=2024, end_year=2028)
    call = CallFactory(programme=programme, title_en="Acceleration projects")
    award = make_award(applicant, university, other_university, company, call=call)
    set_time(award.proposal, submitted_at=at(2026, 1))
    set_time(award, created_at=at(2026, 1, 20))
    open_from(award, office, university)
    # Its call has closed (the board reads a proposal only then: the drill-down links it).
    Call.objects.filter(pk=call.pk).update(state=CallState.CLOSED)

    page = english()
    _login(page, board.email)
    page.goto(f"/office/reporting/{programme.code}/?year=2026")
    page.wait_for_selector("canvas#chart-funnel")
    _shoot(page, "dashboard-1280")
    # The funded proposals of 2026: a figure of the indicator table, opened.
    funded = Indicator.objects.get(programme=programme, code="CAL-2")
    row = page.locator("tr", has_text=funded.name_en)
    row.locator("td.num a").first.click()
    page.wait_for_selector("h1:has-text('Proposals funded')")
    assert page.locator("[data-testid=count]").inner_text() == "1"
    assert page.get_by_role("link", name=award.proposal.code).is_visible()
    _shoot(page, "drill-1280")

    page.goto(f"/office/reporting/{programme.code}/reports/")
    page.select_option("#id_year", "2026")
    page.get_by_role("button", name="Generate the report").click()
    page.wait_for_selector("[data-testid=pdf]", timeout=60000)
    _shoot(page, "report-1280")
    with page.expect_download() as pdf_download:
        page.locator("[data-testid=pdf]").click()
    pdf = Path(pdf_download.value.path()).read_bytes()
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "2026" in text and "CAL-2" in text and programme.name in text
    with page.expect_download() as xlsx_download:
        page.locator("[data-testid=xlsx]").click()
    book = load_workbook(io.BytesIO(Path(xlsx_download.value.path()).read_bytes()))
    rows = {r[0]: r for r in book.worksheets[0].iter_rows(values_only=True)}
    assert rows["CAL-2"][7] == 1 and rows["FIN-1"][7] == 150000
    assert page.console_errors == []

    narrow = browser.new_context(viewport={"width": 390, "height": 800}, base_url=live_server.url, locale="en-GB")
    small = narrow.new_page()
    _login(small, office.email)
    for path, name in (
        (f"/office/reporting/{programme.code}/?year=2026", "dashboard-390"),
        (f"/office/reporting/{programme.code}/indicators/", "catalogue-390"),
        (f"/office/reporting/{programme.code}/quality/?year=2026", "quality-390"),
        ("/impact/", "impact-390"),
    ):
        small.goto(path)
        _shoot(small, name)
    narrow.close()
    wide = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url, locale="en-GB")
    page = wide.new_page()
    _login(page, office.email)
    for path, name in (
        (f"/office/reporting/{programme.code}/indicators/", "catalogue-1280"),
        (f"/office/reporting/{programme.code}/indicators/{funded.pk}/", "indicator-1280"),
        (f"/office/reporting/{programme.code}/quality/?year=2026", "quality-1280"),
        ("/impact/", "impact-1280"),
    ):
        page.goto(path)
        _shoot(page, name)
    wide.close()
