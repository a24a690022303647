"""Affinity between reviewers and proposals, with explanations.

The TF-IDF backend (scikit-learn) is the default: instant and deterministic. Each reviewer is
represented by their keywords (one pseudo-document) and their publications; the affinity of a
reviewer to a proposal aggregates the cosine similarities of the proposal to each of the
reviewer's documents.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from grappe.engine.types import Document, Profile

Aggregate = Literal["max", "mean_top_k", "recency"]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Explanation:
    """Why a reviewer scored what they did on a proposal."""

    score: float
    terms: tuple[str, ...]
    document_id: str | None
    document_title: str | None
    document_score: float


@dataclass(frozen=True)
class AffinityResult:
    """Scores ``(n_reviewers, n_proposals)`` in [0, 1], plus what is needed to explain them."""

    scores: FloatArray
    reviewer_ids: tuple[str, ...]
    proposal_ids: tuple[str, ...]
    parameters: dict[str, object]
    _proposal_vectors: sparse.csr_matrix
    _document_vectors: sparse.csr_matrix
    _document_owner: npt.NDArray[np.int64]
    _documents: tuple[Document, ...]
    _terms: npt.NDArray[np.str_]

    def explain(self, reviewer: int, proposal: int, *, n_terms: int = 5) -> Explanation:
        """The terms shared by the proposal and the reviewer's closest document, and that document."""
        rows = np.flatnonzero(self._document_owner == reviewer)
        p = self._proposal_vectors[proposal]
        if rows.size == 0:
            return Explanation(float(self.scores[reviewer, proposal]), (), None, None, 0.0)
        sims = (self._document_vectors[rows] @ p.T).toarray().ravel()
        best = int(rows[int(np.argmax(sims))])
        weights = self._document_vectors[best].multiply(p).toarray().ravel()
        order = np.argsort(-weights, kind="stable")[:n_terms]
        terms = tuple(str(self._terms[i]) for i in order if weights[i] > 0)
        document = self._documents[best]
        return Explanation(
            score=float(self.scores[reviewer, proposal]),
            terms=terms,
            document_id=document.id,
            document_title=document.title or None,
            document_score=float(sims.max()),
        )


def tfidf_affinity(
    proposals: Sequence[Document],
    reviewers: Sequence[Profile],
    *,
    aggregate: Aggregate = "mean_top_k",
    top_k: int = 3,
    half_life_years: float = 8.0,
    reference_year: int | None = None,
    min_df: int = 1,
    max_features: int | None = 200_000,
) -> AffinityResult:
    r"""Reviewer × proposal affinity from TF-IDF cosine similarity.

    For proposal :math:`p` and reviewer :math:`r` with documents :math:`d_1..d_m` (their keyword
    list counts as one document), with :math:`c_i = \cos(p, d_i)`:

    - ``max``: :math:`\max_i c_i`;
    - ``mean_top_k``: the mean of the ``top_k`` largest :math:`c_i` (fewer if the reviewer has
      fewer documents);
    - ``recency``: :math:`\max_i c_i \cdot 2^{-(Y - y_i)/h}`, where :math:`Y` is
      ``reference_year`` (the newest year seen by default), :math:`y_i` the document's year and
      :math:`h` ``half_life_years``; undated documents and keywords are not discounted.

    Unigrams and bigrams, sublinear term frequency, English and French stop words removed by
    the token pattern's length (two letters at least) rather than a list, so both languages are
    treated alike.

    >>> p = [Document("p1", "Graph neural networks for molecules")]
    >>> r = [Profile("r1", ("graph neural networks",)), Profile("r2", ("medieval history",))]
    >>> result = tfidf_affinity(p, r)
    >>> bool(result.scores[0, 0] > result.scores[1, 0])
    True
    """
    if top_k < 1:
        raise ValueError("top_k must be at least 1")
    documents: list[Document] = []
    owner: list[int] = []
    for index, reviewer in enumerate(reviewers):
        if reviewer.keywords:
            documents.append(Document(id=f"{reviewer.id}:keywords", title=", ".join(reviewer.keywords)))
            owner.append(index)
        for document in reviewer.documents:
            documents.append(document)
            owner.append(index)
    texts = [d.text for d in proposals] + [d.text for d in documents]
    vectorizer = TfidfVectorizer(
        ngram_range=(1, 2),
        sublinear_tf=True,
        min_df=min_df,
        max_features=max_features,
        token_pattern=r"(?u)\b[^\W\d_][^\W_]+\b",  # noqa: S106 - a regular expression, not a secret
        strip_accents="unicode",
        lowercase=True,
        dtype=np.float64,
    )
    if not any(t.strip() for t in texts):
        matrix = sparse.csr_matrix((len(texts), 1))
        terms: npt.NDArray[np.str_] = np.array([""])
    else:
        matrix = vectorizer.fit_transform(texts).tocsr()
        terms = vectorizer.get_feature_names_out()
    proposal_vectors = matrix[: len(proposals)]
    document_vectors = matrix[len(proposals) :]
    owner_array = np.asarray(owner, dtype=np.int64)
    similarities = (document_vectors @ proposal_vectors.T).toarray() if documents else np.zeros((0, len(proposals)))
    if aggregate == "recency":
        years = [d.year for d in documents]
        known = [y for y in years if y is not None]
        newest = reference_year if reference_year is not None else (max(known) if known else 0)
        factors = np.array([1.0 if y is None else 2.0 ** (-max(newest - y, 0) / half_life_years) for y in years])
        similarities = similarities * factors[:, None]
    scores = np.zeros((len(reviewers), len(proposals)), dtype=np.float64)
    for index in range(len(reviewers)):
        rows = similarities[owner_array == index]
        if rows.shape[0] == 0:
            continue
        if aggregate in ("max", "recency"):
            scores[index] = rows.max(axis=0)
        else:
            k = min(top_k, rows.shape[0])
            scores[index] = np.sort(rows, axis=0)[-k:].mean(axis=0)
    np.clip(scores, 0.0, 1.0, out=scores)
    return AffinityResult(
        scores=scores,
        reviewer_ids=tuple(r.id for r in reviewers),
        proposal_ids=tuple(p.id for p in proposals),
        parameters={"backend": "tfidf", "aggregate": aggregate, "top_k": top_k, "half_life_years": half_life_years},
        _proposal_vectors=proposal_vectors,
        _document_vectors=document_vectors,
        _document_owner=owner_array,
        _documents=tuple(documents),
        _terms=terms,
    )


def top_k_per_proposal(scores: FloatArray, k: int) -> list[tuple[int, int, float]]:
    """The ``k`` best reviewers of each proposal as sparse ``(reviewer, proposal, score)`` triples."""
    n_reviewers = scores.shape[0]
    k = min(k, n_reviewers)
    best = (
        np.argpartition(-scores, k - 1, axis=0)[:k]
        if k < n_reviewers
        else np.tile(np.arange(n_reviewers)[:, None], (1, scores.shape[1]))
    )
    return [(int(r), int(p), float(scores[r, p])) for p in range(scores.shape[1]) for r in best[:, p]]
