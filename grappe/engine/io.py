"""Files in and out of the engine, in the formats of OpenReview's expertise and matcher tools.

- submissions: a JSON object ``{id: {"content": …}}``, a JSON list, or JSON Lines of
  ``{"id", "content": {"title", "abstract"}}`` (values may be wrapped as ``{"value": …}``);
- reviewer archives: a directory of ``<reviewer_id>.jsonl``, one publication a line, same shape;
- scores: CSV ``submission,reviewer,score`` (header optional), JSON ``{reviewer_id:
  {submission_id: score}}`` (what ``grappe affinity`` writes), Parquet with columns ``paper,
  reviewer, score`` (or the first three columns), or NPZ (arrays ``paper``, ``reviewer``,
  ``score`` of equal length, or a dense ``scores`` reviewer × paper matrix with ``reviewers`` and
  ``papers`` ids);
- constraints: CSV ``paper,reviewer,-1|1`` (-1 forbids, 1 forces a pair).

Scores are read in column blocks (pyarrow), identifiers factorised to integers as they come, so
80 million CSV rows take about 12 bytes each while reading and end as one dense float64 matrix
when every pair is present (a sparse matrix otherwise). Every problem raises :class:`InputError`
naming the file, the line when there is one, and the cause: a missing file, a malformed row, a
score that is not a finite number ≥ 0, a pair given twice (never summed), an empty file.
"""

from __future__ import annotations

import csv
import json
import math
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np
import numpy.typing as npt
from scipy import sparse

from grappe.engine.types import Document, Profile

FloatArray = npt.NDArray[np.float64]
HEADER_WORDS = {"paper", "submission", "note", "head", "forum", "id"}
SCORE_WORDS = {"score", "affinity", "weight", "value"}
BLOCK_BYTES = 64 << 20  # CSV read in blocks of 64 MB


class InputError(ValueError):
    """A bad input file. ``str()`` is one line: ``<file>: line <n>: <cause>`` (or without the line)."""

    def __init__(self, path: str | Path, cause: str, line: int | None = None) -> None:
        self.path, self.cause, self.line = str(path), cause, line
        super().__init__(f"{path}: line {line}: {cause}" if line is not None else f"{path}: {cause}")


def _value(field: Any) -> str:
    if isinstance(field, dict):
        field = field.get("value", "")
    if isinstance(field, list):
        return ", ".join(str(v) for v in field)
    return "" if field is None else str(field)


def _document(record: dict[str, Any], fallback_id: str = "") -> Document:
    content = record.get("content", record)
    if not isinstance(content, dict):
        content = {}
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


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(path, "no such file") from None
    except IsADirectoryError:
        raise InputError(path, "is a directory, a file was expected") from None
    except UnicodeDecodeError as exc:
        raise InputError(path, f"not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise InputError(path, exc.strerror or str(exc)) from None


def _records(path: Path) -> Iterator[tuple[int | None, dict[str, Any]]]:  # noqa: PLR0912 - one branch per shape
    """``(line, record)`` of a JSON list, a JSON object of records or JSON Lines (line None when unknown)."""
    text = _read_text(path).strip()
    if not text:
        return
    try:
        data = json.loads(text)  # one JSON document (a list or an object)…
    except json.JSONDecodeError as exc:
        if text.startswith("[") or "\n" not in text:
            raise InputError(path, f"not valid JSON ({exc.msg})", exc.lineno) from None
        data = None  # …or JSON Lines
    if isinstance(data, list):
        for item in data:
            if not isinstance(item, dict):
                raise InputError(path, f"each item must be a JSON object, found {type(item).__name__}")
            yield None, item
        return
    if isinstance(data, dict):
        if "id" in data and "content" in data:
            yield None, data
        else:
            for key, value in data.items():
                yield None, {"id": key, **value} if isinstance(value, dict) else {"id": key}
        return
    if data is not None:
        raise InputError(path, f"expected a JSON object, a JSON list or JSON Lines, found {type(data).__name__}")
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            try:
                item = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(path, f"not valid JSON ({exc.msg})", number) from None
            if not isinstance(item, dict):
                raise InputError(path, f"expected a JSON object, found {type(item).__name__}", number)
            yield number, item


def read_submissions(path: str | Path) -> list[Document]:
    """Submissions, each id once (a repeated id is refused)."""
    documents: list[Document] = []
    seen: dict[str, int | None] = {}
    for index, (line, record) in enumerate(_records(Path(path))):
        document = _document(record, str(index))
        if document.id in seen:
            where = f" (first at line {seen[document.id]})" if seen[document.id] is not None else ""
            raise InputError(path, f"submission id {document.id!r} appears twice{where}", line)
        seen[document.id] = line
        documents.append(document)
    return documents


def read_archives(directory: str | Path) -> list[Profile]:
    """One reviewer per ``<reviewer_id>.jsonl`` file, in file-name order."""
    folder = Path(directory)
    if not folder.is_dir():
        raise InputError(folder, "no such directory" if not folder.exists() else "not a directory")
    profiles = []
    for file in sorted(folder.glob("*.jsonl")):
        documents = tuple(_document(r, f"{file.stem}:{i}") for i, (_line, r) in enumerate(_records(file)))
        profiles.append(Profile(id=file.stem, documents=documents))
    return profiles


# --- scores -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScoreTable:
    """Scores as a reviewer × paper matrix: dense when every pair was given, sparse otherwise."""

    papers: tuple[str, ...]
    reviewers: tuple[str, ...]
    matrix: FloatArray | sparse.csr_array

    @property
    def pairs(self) -> int:
        return int(self.matrix.size) if isinstance(self.matrix, np.ndarray) else int(self.matrix.nnz)


class _Factorizer:
    """Identifiers to consecutive integers, in order of first appearance."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}

    def codes(self, values: Sequence[str]) -> npt.NDArray[np.int64]:
        index = self.index
        out = np.empty(len(values), dtype=np.int64)
        for i, value in enumerate(values):
            out[i] = index.setdefault(value, len(index))
        return out

    def names(self) -> tuple[str, ...]:
        return tuple(self.index)


class _Triples:
    """Rows ``(paper, reviewer, score)`` gathered block by block as small integer codes."""

    def __init__(self, path: Path, locate: Callable[[str], tuple[int | None, str]]) -> None:
        self.path = path
        self.locate = locate  # finds the first bad row's line for a cause ("finite", "duplicate …")
        self.papers, self.reviewers = _Factorizer(), _Factorizer()
        self.blocks: list[tuple[npt.NDArray[Any], npt.NDArray[Any], FloatArray]] = []
        self.rows = 0

    def add(
        self,
        paper_codes: npt.NDArray[np.integer[Any]],
        paper_names: Sequence[str],
        reviewer_codes: npt.NDArray[np.integer[Any]],
        reviewer_names: Sequence[str],
        scores: FloatArray,
    ) -> None:
        """One block: codes into the block's own dictionaries ``*_names`` (mapped to global codes here)."""
        if scores.size == 0:
            return
        if not (np.isfinite(scores).all() and scores.min() >= 0):
            line, cause = self.locate("score")
            raise InputError(self.path, cause, line)
        paper_names = [name.strip() for name in paper_names]
        reviewer_names = [name.strip() for name in reviewer_names]
        if not all(paper_names) or not all(reviewer_names):
            line, cause = self.locate("id")
            raise InputError(self.path, cause, line)
        p = self.papers.codes(paper_names)[paper_codes]
        r = self.reviewers.codes(reviewer_names)[reviewer_codes]
        small = np.uint16 if max(len(self.papers.index), len(self.reviewers.index)) < 65_536 else np.int32
        self.blocks.append((p.astype(small), r.astype(small), np.asarray(scores, dtype=np.float64)))
        self.rows += int(scores.size)

    def table(self) -> ScoreTable:
        if self.rows == 0:
            raise InputError(self.path, "no scores (the file is empty)")
        papers, reviewers = self.papers.names(), self.reviewers.names()
        n_r, n_p = len(reviewers), len(papers)
        if self.rows == n_r * n_p:  # every pair given once, or some twice and others missing
            dense = np.full((n_r, n_p), np.nan)
            for p, r, s in self.blocks:
                dense[r, p] = s
            if not np.isnan(dense).any():
                self.blocks.clear()
                return ScoreTable(papers, reviewers, dense)
            del dense
        p = np.concatenate([b[0] for b in self.blocks]).astype(np.int64)
        r = np.concatenate([b[1] for b in self.blocks]).astype(np.int64)
        s = np.concatenate([b[2] for b in self.blocks])
        self.blocks.clear()
        key = r * n_p + p
        order = np.argsort(key, kind="stable")
        repeated = np.flatnonzero(np.diff(key[order]) == 0)
        if repeated.size:
            first, second = sorted(int(i) for i in order[repeated[0] : repeated[0] + 2])
            line, cause = self.locate(f"duplicate {first} {second}")
            raise InputError(self.path, cause, line)
        matrix = sparse.csr_array((s, (r, p)), shape=(n_r, n_p))
        return ScoreTable(papers, reviewers, matrix)


def _is_header(fields: list[str]) -> bool:
    """A first line of names (``paper,reviewer,score``), not a data row with a bad score."""
    if not fields or len(fields) < 3:
        return bool(fields) and fields[0].strip().lower() in HEADER_WORDS
    try:
        float(fields[2])
    except ValueError:
        return fields[0].strip().lower() in HEADER_WORDS or fields[2].strip().lower() in SCORE_WORDS
    return False


def _score_problem(text: str) -> str | None:
    try:
        value = float(text)
    except ValueError:
        return f"score {text.strip()!r} is not a number" if text.strip() else "the score is missing"
    if not math.isfinite(value):
        return f"score {text.strip()!r} is not a finite number"
    if value < 0:
        return f"score {text.strip()} is negative (scores must be ≥ 0)"
    return None


def _csv_locate(path: Path, header: bool) -> Callable[[str], tuple[int | None, str]]:
    """The slow, exact path: re-read the CSV line by line to name the first bad row (errors only)."""

    def locate(what: str) -> tuple[int | None, str]:
        wanted: tuple[int, int] | None = None
        if what.startswith("duplicate"):
            _word, a, b = what.split()
            wanted = (int(a), int(b))
        rows: dict[int, tuple[int, str, str]] = {}
        with path.open(newline="", encoding="utf-8", errors="replace") as handle:
            index = -1
            for number, fields in enumerate(csv.reader(handle), start=1):
                if (number == 1 and header) or not fields or fields == [""]:
                    continue
                index += 1
                if len(fields) != 3:
                    return number, f"expected 3 fields paper,reviewer,score, found {len(fields)}"
                if not fields[0].strip() or not fields[1].strip():
                    return number, "the paper or reviewer id is empty"
                problem = _score_problem(fields[2])
                if problem:
                    return number, problem
                if wanted is not None and index in wanted:
                    rows[index] = (number, fields[0].strip(), fields[1].strip())
                    if len(rows) == 2:
                        (n1, paper, reviewer), (n2, _p, _r) = rows[wanted[0]], rows[wanted[1]]
                        return (
                            n2,
                            f"pair ({paper}, {reviewer}) given twice (first at line {n1}); scores are never summed",
                        )
        return None, "malformed CSV"

    return locate


def _read_scores_csv(path: Path) -> ScoreTable:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    try:
        with path.open(newline="", encoding="utf-8") as handle:
            first = next(csv.reader([handle.readline()]), [])
    except FileNotFoundError:
        raise InputError(path, "no such file") from None
    except (UnicodeDecodeError, OSError) as exc:
        raise InputError(path, f"cannot be read as UTF-8 text ({exc})") from None
    header = _is_header(first)
    locate = _csv_locate(path, header)
    triples = _Triples(path, locate)
    category = pa.dictionary(pa.int32(), pa.string())
    try:
        reader = pacsv.open_csv(
            path,
            read_options=pacsv.ReadOptions(
                column_names=["paper", "reviewer", "score"], skip_rows=int(header), block_size=BLOCK_BYTES
            ),
            parse_options=pacsv.ParseOptions(newlines_in_values=False),
            convert_options=pacsv.ConvertOptions(
                column_types={"paper": category, "reviewer": category, "score": pa.float64()},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
        for batch in reader:
            score = batch.column(2)
            if score.null_count:
                line, cause = locate("score")
                raise InputError(path, cause, line)
            paper, reviewer = batch.column(0), batch.column(1)
            triples.add(
                paper.indices.to_numpy(),
                paper.dictionary.to_pylist(),
                reviewer.indices.to_numpy(),
                reviewer.dictionary.to_pylist(),
                score.to_numpy(),
            )
    except pa.ArrowInvalid as exc:
        if "Empty CSV file" in str(exc):
            raise InputError(path, "no scores (the file is empty)") from None
        line, cause = locate("parse")
        raise InputError(path, cause if line is not None else f"malformed CSV ({exc})", line) from None
    return triples.table()


def _read_scores_json(path: Path) -> ScoreTable:
    def pairs_hook(items: list[tuple[str, Any]]) -> dict[str, Any]:
        seen: set[str] = set()
        for key, _value in items:
            if key in seen:
                raise InputError(path, f"key {key!r} appears twice in one object; scores are never summed")
            seen.add(key)
        return dict(items)

    text = _read_text(path)
    if not text.strip():
        raise InputError(path, "no scores (the file is empty)")
    try:
        data = json.loads(text, object_pairs_hook=pairs_hook)
    except json.JSONDecodeError as exc:
        raise InputError(path, f"not valid JSON ({exc.msg})", exc.lineno) from None
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise InputError(path, "expected a JSON object {reviewer: {submission: score}}")

    def locate(what: str) -> tuple[int | None, str]:
        for reviewer, row in data.items():
            if not reviewer.strip():
                return None, "a reviewer id is empty"
            for paper, score in row.items():
                if not paper.strip():
                    return None, f"a submission id of reviewer {reviewer} is empty"
                if isinstance(score, bool) or not isinstance(score, int | float):
                    return None, f"score of ({paper}, {reviewer}) is {score!r}, not a number"
                problem = _score_problem(str(score))
                if problem:
                    return None, f"({paper}, {reviewer}): {problem}"
        return None, f"bad {what}"

    triples = _Triples(path, locate)
    reviewer_names = list(data)
    papers_seen = _Factorizer()
    p_codes: list[int] = []
    r_codes: list[int] = []
    values: list[float] = []
    for r, reviewer in enumerate(reviewer_names):
        row = data[reviewer]
        for paper, score in row.items():
            if isinstance(score, bool) or not isinstance(score, int | float):
                _line, cause = locate("score")
                raise InputError(path, cause)
            p_codes.append(papers_seen.index.setdefault(paper, len(papers_seen.index)))
            r_codes.append(r)
            values.append(float(score))
    triples.add(
        np.asarray(p_codes, dtype=np.int64),
        list(papers_seen.index),
        np.asarray(r_codes, dtype=np.int64),
        reviewer_names,
        np.asarray(values, dtype=np.float64),
    )
    return triples.table()


def _read_scores_parquet(path: Path) -> ScoreTable:
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    try:
        source = pq.ParquetFile(path)
    except FileNotFoundError:
        raise InputError(path, "no such file") from None
    except (pa.ArrowException, OSError) as exc:
        raise InputError(path, f"not a Parquet file ({exc})") from None
    names = source.schema_arrow.names
    columns = ["paper", "reviewer", "score"] if {"paper", "reviewer", "score"} <= set(names) else names[:3]
    if len(columns) < 3:
        raise InputError(path, "needs the columns paper, reviewer, score")

    def locate(what: str) -> tuple[int | None, str]:
        return None, {
            "score": "a score is missing, not finite, or negative",
            "id": "a paper or reviewer id is empty",
        }.get(what.split(maxsplit=1)[0], "a (paper, reviewer) pair appears twice; scores are never summed")

    triples = _Triples(path, locate)
    for batch in source.iter_batches(batch_size=2_000_000, columns=columns):
        paper = pc.dictionary_encode(batch.column(0).cast(pa.string()))
        reviewer = pc.dictionary_encode(batch.column(1).cast(pa.string()))
        try:
            score = batch.column(2).cast(pa.float64())
        except pa.ArrowInvalid:
            raise InputError(path, "the score column is not numeric") from None
        if score.null_count or paper.null_count or reviewer.null_count:
            raise InputError(path, "a value is missing (null)")
        triples.add(
            np.asarray(paper.indices, dtype=np.int64),
            paper.dictionary.to_pylist(),
            np.asarray(reviewer.indices, dtype=np.int64),
            reviewer.dictionary.to_pylist(),
            score.to_numpy(zero_copy_only=False),
        )
    return triples.table()


def _read_scores_npz(path: Path) -> ScoreTable:
    try:
        data = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise InputError(path, "no such file") from None
    except (OSError, ValueError) as exc:
        raise InputError(path, f"not an NPZ file ({exc})") from None
    with data:
        keys = set(data.files)
        if {"scores", "reviewers", "papers"} <= keys:
            matrix = np.asarray(data["scores"], dtype=np.float64)
            reviewers = tuple(str(x) for x in data["reviewers"])
            papers = tuple(str(x) for x in data["papers"])
            if matrix.shape != (len(reviewers), len(papers)):
                raise InputError(path, f"scores is {matrix.shape}, expected reviewers × papers")
            for kind, ids in (("reviewer", reviewers), ("paper", papers)):
                if len(set(ids)) != len(ids):
                    raise InputError(path, f"a {kind} id appears twice")
            if not np.isfinite(matrix).all() or (matrix < 0).any():
                raise InputError(path, "a score is not finite or is negative")
            return ScoreTable(papers, reviewers, matrix)
        if not {"paper", "reviewer", "score"} <= keys:
            raise InputError(path, "needs arrays paper, reviewer, score (or scores, reviewers, papers)")
        paper, reviewer, score = data["paper"], data["reviewer"], data["score"]

    def locate(what: str) -> tuple[int | None, str]:
        if what.startswith("duplicate"):
            _w, _a, b = what.split()
            return None, f"row {b}: pair ({paper[int(b)]}, {reviewer[int(b)]}) given twice; scores are never summed"
        return None, {"score": "a score is not finite or is negative", "id": "an id is empty"}[what]

    if not (paper.shape == reviewer.shape == score.shape) or paper.ndim != 1:
        raise InputError(path, "paper, reviewer and score must be 1-D arrays of one length")
    triples = _Triples(path, locate)
    p_names, p_codes = np.unique(paper.astype(str), return_inverse=True)
    r_names, r_codes = np.unique(reviewer.astype(str), return_inverse=True)
    try:
        values = np.asarray(score, dtype=np.float64)
    except ValueError:
        raise InputError(path, "score is not numeric") from None
    triples.add(p_codes, p_names.tolist(), r_codes, r_names.tolist(), values)
    return triples.table()


SCORE_READERS: dict[str, Callable[[Path], ScoreTable]] = {
    ".csv": _read_scores_csv,
    ".json": _read_scores_json,
    ".parquet": _read_scores_parquet,
    ".pq": _read_scores_parquet,
    ".npz": _read_scores_npz,
}


def read_scores(path: str | Path) -> ScoreTable:
    """Scores from CSV, JSON, Parquet or NPZ (by the file's extension); see the module docstring."""
    file = Path(path)
    reader = SCORE_READERS.get(file.suffix.lower())
    if reader is None:
        raise InputError(file, f"unknown scores format {file.suffix!r} (use .csv, .json, .parquet or .npz)")
    if file.is_dir():
        raise InputError(file, "is a directory, a file was expected")
    if not file.exists():
        raise InputError(file, "no such file")
    return reader(file)


def read_scores_csv(path: str | Path) -> list[tuple[str, str, float]]:
    """Small CSV files as ``(paper, reviewer, score)`` tuples (tests and scripts; commands use :func:`read_scores`)."""
    table = _read_scores_csv(Path(path))
    coo = sparse.coo_array(table.matrix)
    return [(table.papers[p], table.reviewers[r], float(s)) for r, p, s in zip(coo.row, coo.col, coo.data, strict=True)]


# --- constraints --------------------------------------------------------------------------------


def read_constraints_csv(path: str | Path) -> list[tuple[str, str, int, int]]:
    """``(paper, reviewer, ±1, line)`` rows; a pair listed twice is refused."""
    file = Path(path)
    text = _read_text(file)
    rows: list[tuple[str, str, int, int]] = []
    seen: dict[tuple[str, str], int] = {}
    for number, fields in enumerate(csv.reader(text.splitlines()), start=1):
        if not fields or fields == [""]:
            continue
        if number == 1 and fields[0].strip().lower() in HEADER_WORDS:
            continue
        if len(fields) != 3:
            raise InputError(file, f"expected 3 fields paper,reviewer,-1|1, found {len(fields)}", number)
        paper, reviewer, value = (f.strip() for f in fields)
        if not paper or not reviewer:
            raise InputError(file, "the paper or reviewer id is empty", number)
        if value not in {"-1", "1"}:
            raise InputError(file, f"the constraint must be -1 (forbid) or 1 (force), found {value!r}", number)
        if (paper, reviewer) in seen:
            first = seen[(paper, reviewer)]
            raise InputError(file, f"pair ({paper}, {reviewer}) listed twice (first at line {first})", number)
        seen[(paper, reviewer)] = number
        rows.append((paper, reviewer, int(value), number))
    return rows


# --- writing, streamed --------------------------------------------------------------------------


def _open_out(path: str | Path) -> IO[str]:
    try:
        return Path(path).open("w", encoding="utf-8", newline="")
    except OSError as exc:
        raise InputError(path, f"cannot be written ({exc.strerror or exc})") from None


def write_scores_csv(path: str | Path, scores: Iterable[tuple[str, str, float]]) -> None:
    with _open_out(path) as handle:
        writer = csv.writer(handle)
        for submission, reviewer, score in scores:
            writer.writerow([submission, reviewer, f"{score:.6f}"])


def write_scores_json(path: str | Path, scores: Iterable[tuple[str, str, float]]) -> None:
    nested: dict[str, dict[str, float]] = {}
    for submission, reviewer, score in scores:
        nested.setdefault(reviewer, {})[submission] = round(score, 6)
    with _open_out(path) as handle:
        json.dump(nested, handle, indent=1, sort_keys=True)


def write_score_matrix(
    path: str | Path, matrix: FloatArray, *, reviewers: Sequence[str], papers: Sequence[str], block: int = 2_000_000
) -> None:
    """A reviewer × paper matrix streamed to ``.csv`` (``paper,reviewer,score``, paper by paper) or
    ``.json`` (``{reviewer: {paper: score}}``, reviewer by reviewer), 6 decimals, in bounded memory."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    n_r, n_p = matrix.shape
    if Path(path).suffix.lower() == ".json":
        keys = [json.dumps(p) for p in papers]
        with _open_out(path) as handle:
            handle.write("{")
            for r, reviewer in enumerate(reviewers):
                cells = ",".join(f"{k}:{round(v, 6)}" for k, v in zip(keys, matrix[r].tolist(), strict=True))
                handle.write(f"{',' if r else ''}\n{json.dumps(reviewer)}:{{{cells}}}")
            handle.write("\n}\n")
        return
    special = re.compile(r'[,"\r\n]')
    plain = not any(special.search(name) for name in (*papers, *reviewers))
    options = pacsv.WriteOptions(include_header=False, quoting_style="none" if plain else "needed")
    paper_names, reviewer_names = pa.array(list(papers), pa.string()), pa.array(list(reviewers), pa.string())
    step = max(1, block // max(n_r, 1))
    _open_out(path).close()
    with Path(path).open("wb") as binary:
        for start in range(0, n_p, step):
            stop = min(start + step, n_p)
            paper_rows = np.repeat(np.arange(start, stop, dtype=np.int64), n_r)
            reviewer_rows = np.tile(np.arange(n_r, dtype=np.int64), stop - start)
            columns = {
                "paper": paper_names.take(pa.array(paper_rows)),
                "reviewer": reviewer_names.take(pa.array(reviewer_rows)),
                "score": pa.array(np.round(matrix[:, start:stop].T.ravel(), 6)),
            }
            pacsv.write_csv(pa.table(columns), binary, write_options=options)
