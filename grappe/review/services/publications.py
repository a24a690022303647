"""Experts' publications, imported from BibTeX (HAL, ORCID) and OpenReview archives."""

from __future__ import annotations

import json
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from grappe.core.services import log_action
from grappe.people.models import Person
from grappe.review.models import (
    Publication,
    PublicationSource,
)
from grappe.review.services.common import ReviewError


def _text(value: Any) -> str:
    if isinstance(value, dict):
        value = value.get("value", "")
    return " ".join(str(value or "").replace("{", "").replace("}", "").split())


def _year(value: Any) -> int | None:
    digits = "".join(ch for ch in _text(value) if ch.isdigit())[:4]
    return int(digits) if len(digits) == 4 and 1900 <= int(digits) <= 2100 else None


def parse_publications(content: str, fmt: str) -> list[dict[str, Any]]:
    """Publications from a BibTeX file (HAL and ORCID export BibTeX) or an OpenReview ``.jsonl``
    archive. Raises :class:`ReviewError` when nothing can be read."""
    found: list[dict[str, Any]] = []
    if fmt == PublicationSource.BIBTEX:
        import bibtexparser
        from bibtexparser.bparser import BibTexParser

        parser = BibTexParser(common_strings=True, ignore_nonstandard_types=False)
        try:
            database = bibtexparser.loads(content, parser=parser)
        except Exception as exc:
            raise ReviewError(_("This file is not readable BibTeX.")) from exc
        for entry in database.entries:
            title = _text(entry.get("title"))
            if not title:
                continue
            authors = [a.strip() for a in _text(entry.get("author")).split(" and ") if a.strip()]
            found.append(
                {
                    "title": title[:500],
                    "abstract": _text(entry.get("abstract"))[:10000],
                    "year": _year(entry.get("year")),
                    "authors": authors,
                    "external_id": (_text(entry.get("doi")) or entry.get("ID", ""))[:200],
                }
            )
    elif fmt == PublicationSource.JSONL:
        for number, line in enumerate(content.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                body = item.get("content", item)
            except (json.JSONDecodeError, AttributeError) as exc:
                raise ReviewError(_("Line %(line)d is not a JSON object.") % {"line": number}) from exc
            title = _text(body.get("title"))
            if not title:
                continue
            authors = body.get("authors") or []
            authors = authors.get("value", []) if isinstance(authors, dict) else authors
            found.append(
                {
                    "title": title[:500],
                    "abstract": _text(body.get("abstract"))[:10000],
                    "year": _year(body.get("year") or item.get("year") or ""),
                    "authors": [str(a) for a in authors][:200],
                    "external_id": str(item.get("id", ""))[:200],
                }
            )
    else:
        raise ReviewError(_("Unknown format."))
    if not found:
        raise ReviewError(_("No publication with a title was found in this file."))
    return found


@transaction.atomic
def import_publications(person: Person, *, content: str, fmt: str, actor: Any) -> int:
    """Add the file's publications to ``person``'s profile, skipping those already there."""
    rows = parse_publications(content, fmt)
    existing = {(p.title.casefold(), p.year) for p in person.publications.all()}
    new = [
        Publication(person=person, source=fmt, **row)
        for row in rows
        if (row["title"].casefold(), row["year"]) not in existing
    ]
    unique = {(p.title.casefold(), p.year): p for p in new}
    Publication.objects.bulk_create(unique.values())
    log_action(person, "review.publications_imported", actor=actor, data={"format": fmt, "added": len(unique)})
    return len(unique)
