"""Periodic reports: scheduled by the office with the programme's sections, written and submitted
by the lead, accepted or returned; outputs declared, publications imported from BibTeX or DOIs."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from grappe.projects import services
from grappe.projects.models import Output, Report, ReportTemplate
from tests.conftest import PERSONAS
from tests.projects.conftest import dates

pytestmark = pytest.mark.django_db
BIBTEX = """@article{a1, title={Pressing grapes with transformers}, author={Dupont, Ana and Martin, Léo}, year={2026}, doi={10.1234/grapes.1}}
@inproceedings{a2, title={Fermentation forecasts}, author={Martin, Léo}, year={2027}}"""


@pytest.fixture
def report(project, office):
    return services.schedule_report(project, title="Annual report 2026", due_date=dt.date(2026, 12, 31), actor=office)


def _post(client, report, data):
    return client.post(reverse("projects:report", args=[report.project.code, report.code]), data)


def test_office_schedules_a_report_with_the_programme_sections(as_persona, project):
    ReportTemplate.objects.create(programme=project.call.programme, sections=[{"fr": "Résultats", "en": "Results"}])

    as_persona("office").post(
        reverse("projects:reports", args=[project.code]), {"title": "Year 1", "due_date": "2026-12-31"}
    )
    refused = as_persona("office").post(
        reverse("projects:reports", args=[project.code]), {"title": "Late", "due_date": "2028-03-01"}
    )

    assert [(r.title, r.sections) for r in Report.objects.all()] == [("Year 1", [{"fr": "Résultats", "en": "Results"}])]
    assert refused.context["form"].non_field_errors() == [
        dates("The date must be inside the project: from <2026-01-01> to <2027-12-31>.")
    ]


def test_lead_writes_submits_and_office_returns_then_accepts(as_persona, report):
    lead, office = as_persona("applicant"), as_persona("office")

    incomplete = _post(lead, report, {"action": "submit", "version": "1", "s0": "Good progress."})
    assert incomplete.context["report_form"].non_field_errors() == [
        "Answer every section before submitting the report."
    ]
    _post(lead, report, {"action": "submit", "version": "1", "s0": "Good progress.", "s1": "None.", "s2": "Scale up."})
    report.refresh_from_db()
    assert (report.state, report.answers) == ("submitted", {"0": "Good progress.", "1": "None.", "2": "Scale up."})

    _post(
        office, report, {"action": "review", "version": "2", "decision": "return", "comment": "Detail the deviations."}
    )
    _post(
        lead,
        report,
        {"action": "submit", "version": "3", "s0": "Good progress.", "s1": "WP2 slipped by 2 months.", "s2": "x"},
    )
    _post(office, report, {"action": "review", "version": "4", "decision": "approve", "comment": ""})

    assert Report.objects.get().state == "accepted"


def test_outputs_declared_and_imported_without_duplicates(as_persona, report):
    lead = as_persona("applicant")

    _post(
        lead,
        report,
        {
            "action": "output",
            "kind": "software",
            "title": "grape-lm",
            "year": "2026",
            "identifier": "https://example.org/grape-lm",
        },
    )
    _post(lead, report, {"action": "import", "fmt": "bibtex", "content": BIBTEX})
    _post(
        lead,
        report,
        {"action": "import", "fmt": "doi", "content": "https://doi.org/10.1234/grapes.1\n10.5555/other.2."},
    )
    bad = _post(lead, report, {"action": "import", "fmt": "doi", "content": "no identifiers here"})

    got = sorted((o.kind, o.title, o.identifier) for o in Output.objects.all())
    assert got == [
        ("publication", "10.5555/other.2", "10.5555/other.2"),
        ("publication", "Fermentation forecasts", "a2"),
        ("publication", "Pressing grapes with transformers", "10.1234/grapes.1"),
        ("software", "grape-lm", "https://example.org/grape-lm"),
    ]
    assert bad.context["import_form"].non_field_errors() == [
        "Line 1 has no valid DOI (10.NNNN/…): “no identifiers here”."
    ]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("doi:10.1234/ABC.1\n\n10.1234/abc.1 https://dx.doi.org/10.99999/x(y)z", ["10.1234/abc.1", "10.99999/x(y)z"]),
        ("10.1234/ok\nsee the appendix", "Line 2 has no valid DOI"),
        ("10.1234/bad{brace}", "Line 1: “10.1234/bad{brace}” is not a valid DOI."),
        ("  \n", "No DOI (10.xxxx/…) was found in this list."),
    ],
)
def test_doi_lists_are_parsed_and_checked_without_network(content, expected):
    if isinstance(expected, list):
        assert services.parse_dois(content) == expected
    else:
        with pytest.raises(services.ProjectError, match=re.escape(expected)):
            services.parse_dois(content)


@pytest.mark.parametrize("persona", PERSONAS)
def test_report_pages_access(as_persona, report, persona):
    client = as_persona(persona)
    expected = {"office": 200, "board": 200, "institution_contact": 200, "applicant": 200, "anonymous": 302}

    for url in (
        reverse("projects:reports", args=[report.project.code]),
        reverse("projects:report", args=[report.project.code, report.code]),
    ):
        assert client.get(url).status_code == expected.get(persona, 404)


@pytest.mark.parametrize("persona", ["board", "institution_contact", "partner_contact"])
def test_only_the_lead_writes_and_only_the_office_reviews(as_persona, report, persona):
    client = as_persona(persona)

    written = _post(client, report, {"action": "save", "version": "1", "s0": "Hijacked"})
    scheduled = client.post(
        reverse("projects:reports", args=[report.project.code]), {"title": "X", "due_date": "2026-06-30"}
    )

    assert (written.status_code, scheduled.status_code) == (404, 404)
    assert Report.objects.get().answers == {}


def test_adding_an_output_or_importing_dois_saves_the_text_typed(as_persona, report):
    """The lead typed a section, then added an output: the page reloaded with the section empty
    (outside walk-through). The sections travel with the output's button and are saved with it."""
    lead = as_persona("applicant")
    text = {"version": "1", "s0": "Corpus built.", "s1": "", "s2": ""}

    added = _post(lead, report, text | {"action": "output", "kind": "patent", "title": "FR 26 01234", "year": ""})
    assert added.status_code == 302
    report.refresh_from_db()
    assert (report.answers["0"], report.version) == ("Corpus built.", 2)
    page = lead.get(added.url)
    assert [str(m) for m in page.context["messages"]] == ["Output added; the text of the report is saved too."]
    assert "Corpus built." in page.content.decode()

    _post(lead, report, text | {"version": "2", "s0": "Corpus built; model trained.", "action": "import"} | DOIS)
    report.refresh_from_db()
    assert report.answers["0"] == "Corpus built; model trained."
    assert Output.objects.filter(report=report).count() == 3

    # The output refused: nothing saved, the text typed stays on the page.
    bad = _post(lead, report, {"version": "3", "s0": "Rewritten.", "action": "import", "fmt": "doi", "content": "x"})
    assert bad.status_code == 200 and "Rewritten." in bad.content.decode()
    report.refresh_from_db()
    assert (report.answers["0"], report.version) == ("Corpus built; model trained.", 3)


DOIS = {"fmt": "doi", "content": "10.1234/one\n10.1234/two"}


def test_an_accepted_reports_outputs_are_frozen(as_persona, report, office):
    """The lead added a patent to a report the office had accepted (outside walk-through)."""
    lead = as_persona("applicant")
    _post(lead, report, {"action": "output", "kind": "publication", "title": "A paper"})
    report = services.save_report(
        report, answers=dict.fromkeys("012", "x"), submit=True, expected_version=1, actor=None
    )

    # Submitted: the lead no longer declares; the office still may until it decides.
    page = lead.get(reverse("projects:report", args=[report.project.code, report.code]))
    assert page.context["output_form"] is None
    assert _post(lead, report, {"action": "output", "kind": "patent", "title": "FR1"}).status_code == 404
    services.review_report(report, accept=True, comment="", expected_version=report.version, actor=office)

    for persona in ("applicant", "office"):
        client = as_persona(persona)
        page = client.get(reverse("projects:report", args=[report.project.code, report.code]))
        assert page.context["output_form"] is None and page.context["import_form"] is None
        assert "its outputs are frozen" in page.content.decode()
        assert _post(client, report, {"action": "output", "kind": "patent", "title": "FR1"}).status_code == 404
        assert _post(client, report, {"action": "import"} | DOIS).status_code == 404
    assert list(Output.objects.values_list("title", flat=True)) == ["A paper"]
    report.refresh_from_db()
    assert report.accepted_at is not None
