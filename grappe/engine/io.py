"""Files in and out of the engine, in the formats of OpenReview's expertise and matcher tools.

- submissions: a JSON object ``{id: {"content": …}}``, a JSON list, or JSON Lines of
  ``{"id", "content": {"title", "abstract"}}`` (values may be wrapped as ``{"value": …}``);
- reviewer archives: a directory of ``<reviewer_id>.jsonl``, one publication a line, same shape;
- scores: JSON ``{reviewer_id: {submission_id: score}}`` or CSV ``submission,reviewer,score``;
- constraints: CSV ``paper,reviewer,-1|1`` (-1 forbids, 1 forces a pair).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from grappe.engine.types import Document, Profile


def _value(field: Any) -> str:
    if isinstance(field, dict):
        field = field.get("value", "")
    if isinstance(field, list):
        return ", ".join(str(v) for v in field)
    return "" if field is None else str(field)


def _document(record: dict[str, Any], fallback_id: str = "") -> Document:
    content = record.get("content", record)
    year = record.get("year") or _value(content.get("year")) or None
    keywords = content.get("keywords", [])
    if isinstance(keywords, dict):
        keywords = keywords.get("value", [])
    return Document(
        id=str(record.get("id", fallback_id)),
        title=_value(content.get("title")),
        abstract=_value(content.get("abstract")),
        keywords=tuple(str(k) for k in keywords) if isinstance(keywords, list) else (),
        year=int(year) if year and str(year).isdigit() else None,
    )


def _records(path: Path) -> Iterator[dict[str, Any]]:
    text = path.read_text(encoding="utf-8").strip()
    if not text:
        return
    try:
        data = json.loads(text)  # one JSON document (a list or an object)…
    except json.JSONDecodeError:
        data = None  # …or JSON Lines
    if isinstance(data, list):
        yield from data
        return
    if isinstance(data, dict):
        if "id" in data and "content" in data:
            yield data
        else:
            for key, value in data.items():
                yield {"id": key, **value} if isinstance(value, dict) else {"id": key}
        return
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            try:
                yield json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}: line {number} is not valid JSON") from exc


def read_submissions(path: str | Path) -> list[Document]:
    return [_document(r, str(i)) for i, r in enumerate(_records(Path(path)))]


def read_archives(directory: str | Path) -> list[Profile]:
    """One reviewer per ``<reviewer_id>.jsonl`` file, in file-name order."""
    profiles = []
    for file in sorted(Path(directory).glob("*.jsonl")):
        documents = tuple(_document(r, f"{file.stem}:{i}") for i, r in enumerate(_records(file)))
        profiles.append(Profile(id=file.stem, documents=documents))
    return profiles


def write_scores_json(path: str | Path, scores: Iterable[tuple[str, str, float]]) -> None:
    nested: dict[str, dict[str, float]] = {}
    for submission, reviewer, score in scores:
        nested.setdefault(reviewer, {})[submission] = round(score, 6)
    Path(path).write_text(json.dumps(nested, indent=1, sort_keys=True), encoding="utf-8")


def write_scores_csv(path: str | Path, scores: Iterable[tuple[str, str, float]]) -> None:
    with Path(path).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        for submission, reviewer, score in scores:
            writer.writerow([submission, reviewer, f"{score:.6f}"])


def _csv_rows(path: str | Path) -> Iterator[tuple[int, list[str]]]:
    """Numbered rows of a CSV file, without blank lines and without a header line."""
    with Path(path).open(newline="", encoding="utf-8") as handle:
        for number, row in enumerate(csv.reader(handle), start=1):
            if row and row[0].strip().lower() not in {"paper", "submission"}:
                yield number, row


def read_scores_csv(path: str | Path) -> list[tuple[str, str, float]]:
    rows = []
    for number, row in _csv_rows(path):
        if len(row) < 3:
            raise ValueError(f"{path}: line {number} needs paper,reviewer,score")
        try:
            rows.append((row[0].strip(), row[1].strip(), float(row[2])))
        except ValueError as exc:
            raise ValueError(f"{path}: line {number}: score {row[2]!r} is not a number") from exc
    return rows


def read_constraints_csv(path: str | Path) -> list[tuple[str, str, int]]:
    rows = []
    for number, row in _csv_rows(path):
        value = row[2].strip() if len(row) > 2 else ""
        if value not in {"-1", "1"}:
            raise ValueError(f"{path}: line {number}: the constraint must be -1 (forbid) or 1 (force)")
        rows.append((row[0].strip(), row[1].strip(), int(value)))
    return rows
