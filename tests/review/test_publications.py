"""Real researchers' publications through the desk: LaTeX decoded, every entry not imported
reported with its reason, duplicates merged (a later import completes an earlier one), bad years
and malformed JSON Lines reported by entry, co-authorship conflicts by ORCID or full given name
with the shared publication as evidence, likely authorship flagged."""

import json

import pytest
from django.utils import timezone

from grappe.review import services
from grappe.review.models import Conflict, ImportState, PublicationImport
from grappe.review.names import author_match, decode_latex, title_key
from grappe.submissions.models import InvitationState, TeamMember
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

YEAR = timezone.now().year - 1

# 5 entries: one with an escaped unbalanced brace (unreadable), one without a title, one the
# same as the first but for "&" written "\&", one with a year that is no year.
BIBTEX = rf"""
@article{{bells,
  title = {{Bells \& Whistles: 50\% Faster}},
  author = {{M{{\"u}}ller, J{{\"o}}rg and Le Roux, Jonathan}},
  year = {{{YEAR}}},
  doi = {{10.1000/BELLS}}
}}
@inproceedings{{fnews,
  title = {{A dataset (MCG-FNeWS\}})}},
  author = {{Doe, Jane}},
  year = {{2022}}
}}
@misc{{notitle, author = {{Nobody}}, year = {{2020}}}}
@article{{bells2,
  title = {{Bells & Whistles: 50% faster}},
  author = {{Müller, Jörg}},
  year = {{{YEAR}}}
}}
@article{{odd,
  title = {{Superscript years}},
  author = {{Roe, Rick}},
  year = {{2²²²}}
}}
"""


def test_latex_is_decoded_and_titles_compare_as_people_read_them():
    assert decode_latex(r"M{\"u}ller, J{\"o}rg") == "Müller, Jörg"
    assert decode_latex(r"Bells \& Whistles, 50\%") == "Bells & Whistles, 50%"
    assert title_key("Bells & Whistles: 50% Faster") == title_key(r"Bells and whistles - 50% faster")


@pytest.mark.parametrize(
    ("author", "first", "last", "expected"),
    [
        ("Jonathan Le Roux", "Jade", "Roux", None),  # the false conflict of the issue
        ("Jonathan Le Roux", "Jonathan", "Le Roux", "full name"),
        ("Le Roux, J.", "Jonathan", "Le Roux", "initials"),
        ("Roux, Jonathan", "Jade", "Roux", None),
        ("Müller, Jörg", "Jorg", "Muller", "full name"),
        ("J. Müller", "Jörg", "Müller", "initials"),
        ("Müller", "Jörg", "Müller", None),  # no given name: no conflict on a surname alone
    ],
)
def test_author_match(author, first, last, expected):
    assert author_match(author, first_name=first, last_name=last) == expected


def test_every_entry_not_imported_is_reported_with_its_reason(reviewer):
    record = services.start_import(reviewer.person, content=BIBTEX, fmt="bibtex", actor=reviewer)

    assert (record.state, record.added, record.completed) == (ImportState.DONE, 2, 0)
    reasons = {item["entry"]: item["reason"] for item in record.skipped}
    assert set(reasons) == {"fnews (line 8)", "notitle", "bells2", "odd"}
    assert "braces" in reasons["fnews (line 8)"]
    assert reasons["notitle"] == "no title"
    assert reasons["bells2"] == "same publication as another entry of this file"
    assert reasons["odd"] == "the year “2²²²” is not a year from 1900 to 2100: imported without a year"
    bells = reviewer.person.publications.get(doi="10.1000/bells")
    assert bells.title == "Bells & Whistles: 50% Faster"
    assert bells.authors == ["Müller, Jörg", "Le Roux, Jonathan"]
    assert reviewer.person.publications.get(title="Superscript years").year is None
    assert record.content == ""  # the file is not kept once imported


def test_a_later_import_completes_what_the_first_lacked(reviewer):
    person = reviewer.person
    services.start_import(
        person, content="@article{a, title={Bells \\& Whistles}, year={2020}}", fmt="bibtex", actor=reviewer
    )
    line = {"id": "x", "content": {"title": "Bells & Whistles", "authors": ["Jörg Müller"], "abstract": "Sound."}}

    record = services.start_import(person, content=json.dumps(line) + "\n", fmt="jsonl", actor=reviewer)

    assert (record.added, record.completed) == (0, 1)
    assert [i["reason"] for i in record.skipped] == ["already in the profile, completed with: authors, abstract"]
    publication = person.publications.get()
    assert (publication.authors, publication.abstract, publication.year) == (["Jörg Müller"], "Sound.", 2020)


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("{not json", "line 1: not valid JSON"),
        ("[1, 2]", "line 1: not a publication"),
        ('{"content": "a string"}', "line 1: not a publication"),
        ('{"content": {"title": "T", "authors": "Ada"}}', "line 1: the authors are not a list"),
        ('{"content": {"title": ""}}', "line 1: no title"),
    ],
)
def test_malformed_json_lines_are_named_by_line(reviewer, line, reason):
    record = services.start_import(reviewer.person, content=line + "\n", fmt="jsonl", actor=reviewer)

    assert record.state == ImportState.FAILED and reason in record.error
    assert not reviewer.person.publications.exists()


def test_jsonl_mixes_good_and_bad_lines(reviewer):
    content = '{"content": {"title": "Good", "year": "2²²²"}}\n[]\n{"content": {"title": "Also good", "year": 2021}}\n'

    record = services.start_import(reviewer.person, content=content, fmt="jsonl", actor=reviewer)

    assert record.added == 2
    assert [(i["entry"], i["reason"][:30]) for i in record.skipped] == [
        ("line 1", "the year “2²²²” is not a year "),
        ("line 2", "not a publication: a JSON obje"),
    ]


def test_too_many_entries_are_refused_before_parsing(reviewer):
    content = "".join(f"@misc{{k{i}, title={{T{i}}}}}\n" for i in range(services.publications.MAX_ENTRIES + 1))

    record = services.start_import(reviewer.person, content=content, fmt="bibtex", actor=reviewer)

    assert record.state == ImportState.FAILED and "at most 2000" in record.error


def test_big_files_go_to_the_worker(reviewer, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(services.publications, "INLINE_BYTES", 10)

    with django_capture_on_commit_callbacks(execute=True):
        record = services.start_import(reviewer.person, content=BIBTEX, fmt="bibtex", actor=reviewer)

    assert record.state == ImportState.QUEUED  # returned before the work; the (immediate) worker then ran it
    assert PublicationImport.objects.get(pk=record.pk).state == ImportState.DONE
    assert reviewer.person.publications.count() == 2


# --- Conflicts ------------------------------------------------------------------------------


@pytest.fixture
def roux_team(proposals):
    """Jade Roux (no ORCID) on proposal 0's team; Jörg Müller on proposal 1's."""
    jade = PersonFactory(first_name="Jade", last_name="Roux")
    jorg = PersonFactory(first_name="Jörg", last_name="Müller")
    for proposal, person in ((proposals[0], jade), (proposals[1], jorg)):
        TeamMember.objects.create(proposal=proposal, person=person, email=person.email, state=InvitationState.ACCEPTED)
    return jade, jorg


def test_coauthor_conflicts_use_full_given_names_and_show_the_evidence(review_call, proposals, pool, roux_team, office):
    expert = pool[2].person
    services.start_import(expert, content=BIBTEX, fmt="bibtex", actor=office)

    services.compute_conflicts(review_call, actor=office)

    conflicts = {c.proposal_id: c for c in Conflict.objects.filter(reviewer=expert)}
    assert proposals[0].pk not in conflicts  # "Jonathan Le Roux" is not Jade Roux
    assert conflicts[proposals[1].pk].evidence == [
        {
            "kind": "coauthor",
            "member": "Jörg Müller",
            "author": "Müller, Jörg",
            "publication": "Bells & Whistles: 50% Faster",
            "year": YEAR,
            "match": "full name",
        }
    ]


def test_orcid_decides_when_both_sides_have_one(review_call, proposals, pool, roux_team, office):
    jade, _jorg = roux_team
    jade.orcid = "0000-0002-1825-0097"
    jade.save()
    expert = pool[2].person
    lines = [
        {
            "content": {
                "title": "Same name, other person",
                "year": YEAR,
                "authors": ["Jade Roux"],
                "authorids": ["https://orcid.org/0000-0001-5109-3700"],
            }
        },
        {
            "content": {
                "title": "Her paper",
                "year": YEAR,
                "authors": ["J. R. Smith-Roux"],
                "authorids": ["0000-0002-1825-0097"],
            }
        },
    ]
    services.start_import(expert, content="\n".join(json.dumps(x) for x in lines), fmt="jsonl", actor=office)

    services.compute_conflicts(review_call, actor=office)

    conflict = Conflict.objects.get(reviewer=expert, proposal=proposals[0])
    assert [(e["publication"], e["match"]) for e in conflict.evidence] == [("Her paper", "ORCID")]


def test_a_proposal_matching_an_expert_publication_is_a_likely_authorship(review_call, proposals, pool, office):
    expert = pool[1].person
    expert.publications.create(title="Graph neural networks for molecules!", year=2020, source="manual")
    expert.publications.create(title="Unrelated", year=2020, source="manual", doi="10.5555/legal")
    proposals[2].abstract += " We build on doi:10.5555/legal."
    proposals[2].save()

    services.compute_conflicts(review_call, actor=office)

    by_proposal = {c.proposal_id: c for c in Conflict.objects.filter(reviewer=expert)}
    assert [e["match"] for e in by_proposal[proposals[0].pk].evidence] == ["title"]
    assert [e["match"] for e in by_proposal[proposals[2].pk].evidence] == ["DOI"]
    assert by_proposal[proposals[0].pk].reason_texts == [
        "likely author: the proposal matches one of their publications"
    ]


def test_nul_bytes_in_a_file_are_dropped(reviewer):
    content = '{"id": "a\x00b", "content": {"title": "Nul\x00 title", "authors": ["Ada\x00 Lovelace"]}}\n'

    record = services.start_import(reviewer.person, content=content, fmt="jsonl", actor=reviewer)

    publication = reviewer.person.publications.get()
    assert record.added == 1 and (publication.title, publication.authors) == ("Nul title", ["Ada Lovelace"])
