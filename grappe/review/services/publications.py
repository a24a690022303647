"""Experts' publications, imported from BibTeX (HAL, ORCID) and OpenReview archives.

LaTeX is decoded to Unicode; a publication already in the profile (same DOI, or same title once
normalised) is completed with what it lacked rather than duplicated; every entry not imported is
reported with its reason. Big files are imported by the task worker (``start_import``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grappe.core.services import log_action
from grappe.people.models import Person
from grappe.review.models import (
    ImportState,
    Publication,
    PublicationImport,
    PublicationSource,
)
from grappe.review.names import decode_latex, normalise_doi, normalise_orcid, title_key
from grappe.review.services.common import ReviewError

# At most this many entries in one file (a researcher's whole profile fits well below it).
MAX_ENTRIES = 2000
# Files above this size are imported by the task worker, with progress, not in the request.
INLINE_BYTES = 200 * 1024
BIBTEX_ENTRY = re.compile(r"^[ \t]*@[ \t]*([A-Za-z]+)[ \t]*[{(][ \t]*([^,\s{}()]*)", re.MULTILINE)
NOT_ENTRIES = {"comment", "string", "preamble"}


@dataclass
class Parsed:
    rows: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)  # {"entry": …, "reason": …}
    notes: list[dict[str, str]] = field(default_factory=list)  # imported, with a remark

    def skip(self, entry: str, reason: str) -> None:
        self.skipped.append({"entry": entry, "reason": reason})


def _text(value: Any) -> str:
    if isinstance(value, dict):
        value = value.get("value", "")
    if isinstance(value, list):
        value = " ".join(str(v) for v in value)
    return decode_latex(str(value or "")).replace("\x00", "")


def _year(value: Any, parsed: Parsed, entry: str) -> int | None:
    """A year from 1900 to 2100 (ASCII digits); anything else is reported and left empty."""
    raw = str(value.get("value", "") if isinstance(value, dict) else value or "").strip()
    if not raw:
        return None
    digits = re.search(r"(?<![0-9])([0-9]{4})(?![0-9])", raw)
    if digits and 1900 <= int(digits.group(1)) <= 2100:
        return int(digits.group(1))
    parsed.notes.append(
        {
            "entry": entry,
            "reason": _("the year “%(value)s” is not a year from 1900 to 2100: imported without a year")
            % {"value": raw[:20]},
        }
    )
    return None


def _row(
    *, title: str, abstract: str, year: int | None, authors: list[str], orcids: list[str], doi: str, external_id: str
) -> dict[str, Any]:
    return {
        "title": title[:500],
        "abstract": abstract[:10000],
        "year": year,
        "authors": authors[:200],
        "author_orcids": orcids[:200] if any(orcids) else [],
        "doi": doi[:200],
        "external_id": external_id[:200],
    }


def _bibtex(content: str, parsed: Parsed) -> None:
    import bibtexparser
    from bibtexparser.bparser import BibTexParser

    scanned = [
        (match.group(2), content.count("\n", 0, match.start()) + 1)
        for match in BIBTEX_ENTRY.finditer(content)
        if match.group(1).lower() not in NOT_ENTRIES
    ]
    if len(scanned) > MAX_ENTRIES:
        raise ReviewError(
            _("This file holds %(count)d entries; at most %(max)d are imported at once: export the most recent ones.")
            % {"count": len(scanned), "max": MAX_ENTRIES}
        )
    parser = BibTexParser(common_strings=True, ignore_nonstandard_types=False)
    try:
        database = bibtexparser.loads(content, parser=parser)
    except Exception as exc:
        raise ReviewError(_("This file is not readable BibTeX.")) from exc
    read = {entry.get("ID", "") for entry in database.entries}
    for key, line in scanned:
        if key not in read:
            parsed.skip(
                _("%(key)s (line %(line)d)") % {"key": key or "?", "line": line},
                _("could not be read: check its braces (an escaped \\} or \\{ leaves one unbalanced) and commas"),
            )
    for entry in database.entries:
        name = entry.get("ID", "") or "?"
        title = _text(entry.get("title"))
        if not title:
            parsed.skip(name, _("no title"))
            continue
        authors = [_text(a) for a in re.split(r"\s+and\s+", entry.get("author", "")) if a.strip()]
        parsed.rows.append(
            _row(
                title=title,
                abstract=_text(entry.get("abstract")),
                year=_year(entry.get("year"), parsed, name),
                authors=[a for a in authors if a],
                orcids=[],
                doi=normalise_doi(entry.get("doi", "")),
                external_id=entry.get("ID", ""),
            )
            | {"entry": name}
        )


def _jsonl(content: str, parsed: Parsed) -> None:
    lines = [(number, line) for number, line in enumerate(content.splitlines(), start=1) if line.strip()]
    if len(lines) > MAX_ENTRIES:
        raise ReviewError(
            _("This file holds %(count)d entries; at most %(max)d are imported at once: export the most recent ones.")
            % {"count": len(lines), "max": MAX_ENTRIES}
        )
    for number, line in lines:
        name = _("line %(line)d") % {"line": number}
        try:
            item = json.loads(line)
        except (json.JSONDecodeError, RecursionError) as exc:
            parsed.skip(name, _("not valid JSON (%(error)s)") % {"error": getattr(exc, "msg", str(exc))[:80]})
            continue
        body = item.get("content", item) if isinstance(item, dict) else None
        if not isinstance(body, dict):
            parsed.skip(name, _("not a publication: a JSON object with a title is expected"))
            continue
        title = _text(body.get("title"))
        if not title:
            parsed.skip(name, _("no title"))
            continue
        authors = body.get("authors") or []
        authors = authors.get("value", []) if isinstance(authors, dict) else authors
        ids = body.get("authorids") or []
        ids = ids.get("value", []) if isinstance(ids, dict) else ids
        if not isinstance(authors, list) or not isinstance(ids, list):
            parsed.skip(name, _("the authors are not a list"))
            continue
        names = [_text(a) for a in authors]
        orcids = [normalise_orcid(str(i)) for i in ids][: len(names)]
        parsed.rows.append(
            _row(
                title=title,
                abstract=_text(body.get("abstract")),
                year=_year(body.get("year") or item.get("year") or "", parsed, name),
                authors=[a for a in names if a],
                orcids=orcids + [""] * (len(names) - len(orcids)),
                doi=normalise_doi(_text(body.get("doi") or item.get("doi") or "")),
                external_id=str(item.get("id", "")),
            )
            | {"entry": name}
        )


def read_publications(content: str, fmt: str) -> Parsed:
    """Publications from a BibTeX file (HAL and ORCID export BibTeX) or an OpenReview ``.jsonl``
    archive, with every entry not read and why. Raises :class:`ReviewError` when the file itself
    cannot be used (unknown format, too many entries, nothing with a title)."""
    parsed = Parsed()
    if fmt == PublicationSource.BIBTEX:
        _bibtex(content, parsed)
    elif fmt == PublicationSource.JSONL:
        _jsonl(content, parsed)
    else:
        raise ReviewError(_("Unknown format."))
    if not parsed.rows:
        first = "; ".join(f"{s['entry']}: {s['reason']}" for s in parsed.skipped[:3])
        message = _("No publication with a title was found in this file.")
        raise ReviewError(f"{message} {first}" if first else message)
    return parsed


def parse_publications(content: str, fmt: str) -> list[dict[str, Any]]:
    """The publications of a file, without the report (see :func:`read_publications`)."""
    return [{k: v for k, v in row.items() if k != "entry"} for row in read_publications(content, fmt).rows]


def _keys(publication: Any) -> list[tuple[str, str]]:
    doi = publication["doi"] if isinstance(publication, dict) else publication.doi
    title = publication["title"] if isinstance(publication, dict) else publication.title
    return ([("doi", doi)] if doi else []) + [("title", title_key(title))]


COMPLETABLE = ("authors", "author_orcids", "abstract", "year", "doi")


@transaction.atomic
def _merge(person: Person, fmt: str, parsed: Parsed, progress: Any = None) -> tuple[int, int]:
    """Add new publications; complete those already there (same DOI or normalised title) with
    what they lacked; report the rest. Returns (added, completed)."""
    known: dict[tuple[str, str], Any] = {}
    for existing in person.publications.select_for_update():
        for key in _keys(existing):
            known.setdefault(key, existing)
    added: list[Publication] = []
    changed: dict[int, Publication] = {}
    total = len(parsed.rows)
    for index, row in enumerate(parsed.rows):
        entry = row.pop("entry")
        match = next((known[k] for k in _keys(row) if k in known), None)
        if match is None:
            publication = Publication(person=person, source=fmt, **row)
            added.append(publication)
            for key in _keys(publication):
                known.setdefault(key, publication)
            continue
        filled = [name for name in COMPLETABLE if row[name] and not getattr(match, name)]
        for name in filled:
            setattr(match, name, row[name])
        if filled and match.pk:
            changed[match.pk] = match
        same = _("same publication as another entry of this file") if match.pk is None else _("already in the profile")
        parsed.skip(entry, f"{same}{_(', completed with: ') + ', '.join(filled) if filled else ''}")
        if progress and index % 200 == 0:
            progress(int(90 * index / max(total, 1)))
    Publication.objects.bulk_create(added, batch_size=500)
    if changed:
        Publication.objects.bulk_update(list(changed.values()), list(COMPLETABLE), batch_size=500)
    return len(added), len(changed)


def import_publications(person: Person, *, content: str, fmt: str, actor: Any) -> int:
    """Add the file's publications to ``person``'s profile in this request; returns how many were
    added (the report is on :class:`PublicationImport`, see :func:`start_import`)."""
    record = start_import(person, content=content, fmt=fmt, actor=actor, inline=True)
    if record.state == ImportState.FAILED:
        raise ReviewError(record.error)
    return record.added


def start_import(
    person: Person, *, content: str, fmt: str, actor: Any, inline: bool | None = None
) -> PublicationImport:
    """Record an import and run it: in the request for a small file, in the task worker above
    ``INLINE_BYTES`` (the page follows its progress). Refuses an unknown format at once."""
    if fmt not in (PublicationSource.BIBTEX, PublicationSource.JSONL):
        raise ReviewError(_("Unknown format."))
    content = content.replace("\x00", "")  # PostgreSQL text holds no NUL byte; no entry needs one
    size = len(content.encode("utf-8"))
    record = PublicationImport.objects.create(
        person=person,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        fmt=fmt,
        content=content,
        size=size,
    )
    if inline if inline is not None else size <= INLINE_BYTES:
        execute_import(record)
        record.refresh_from_db()
    else:
        from grappe.review.tasks import import_publications as task

        transaction.on_commit(lambda: task.enqueue(record.pk))
    return record


def execute_import(record: PublicationImport) -> None:
    """Run a recorded import (in the request or the worker): parse, merge, report."""
    PublicationImport.objects.filter(pk=record.pk).update(state=ImportState.RUNNING, progress=5)

    def progress(value: int) -> None:
        PublicationImport.objects.filter(pk=record.pk).update(progress=max(5, value))

    try:
        parsed = read_publications(record.content, record.fmt)
        progress(30)
        added, completed = _merge(record.person, record.fmt, parsed, progress)
    except ReviewError as exc:
        PublicationImport.objects.filter(pk=record.pk).update(
            state=ImportState.FAILED, error=" ".join(exc.messages)[:2000], content="", finished_at=timezone.now()
        )
        return
    PublicationImport.objects.filter(pk=record.pk).update(
        state=ImportState.DONE,
        progress=100,
        added=added,
        completed=completed,
        skipped=parsed.notes + parsed.skipped,
        content="",
        finished_at=timezone.now(),
    )
    log_action(
        record.person,
        "review.publications_imported",
        actor=record.created_by,
        data={"format": record.fmt, "added": added, "completed": completed, "not_imported": len(parsed.skipped)},
    )
