"""The researchers' and teams' matchmaking indexes: built once (a background task, or in the
request while small), kept in a file with what they were built from, reused by every request and
process until their inputs change.

- :func:`fingerprint` is a cheap summary of the inputs (a few aggregate queries): who opted in
  and when, the publications, the people's keywords and affiliations, the running projects. An
  index whose fingerprint differs is *stale*.
- :func:`current` returns the freshest usable index: a fresh one; else, when the profiles are
  few (``GRAPPE_MATCHING_INLINE_MAX``), one rebuilt now; else the stale one while the worker
  builds the next (queued once).
- :func:`build` (the task ``partners.tasks.build_matching_index`` and ``grappe matching-index``)
  loads the profiles, hashes them, builds the engine's ``AffinityIndex`` and stores it.

Consent withdrawn and the challenge's own organisation are applied when a challenge is matched
(``services.suggest_for_challenges``), never baked into the index: a withdrawal takes effect at
once, before any rebuild.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count, Max, Sum
from django.utils import timezone

from grappe.core import jobs
from grappe.partners import queries
from grappe.partners.models import IndexKind, IndexState, MatchingConsent, MatchingIndex

logger = logging.getLogger(__name__)
_loaded: dict[str, tuple[int, Any]] = {}  # kind → (index id, AffinityIndex), per process
_lock = threading.Lock()


def backend() -> str:
    return str(getattr(settings, "GRAPPE_MATCHING_BACKEND", "tfidf"))


def engine_options(chosen: str) -> dict[str, Any]:
    options: dict[str, Any] = {"backend": chosen}
    if chosen != "tfidf":
        options["encoder"] = queries.shared_encoder()
    return options


def fingerprint(kind: str) -> str:
    """A summary of what the index of ``kind`` is built from, in a few aggregate queries (under
    0.1 s for 10,000 researchers): when it changes, the index is stale. It sees people opting in
    or out, publications added or removed, keywords changed, projects starting, ending or edited;
    not a publication's text edited in place (the nightly ``grappe matching-index`` compares the
    full hash of the inputs)."""
    from grappe.people.models import Person
    from grappe.projects.models import Project, ProjectState
    from grappe.review.models import Publication

    if kind == IndexKind.RESEARCHERS:
        parts: list[Any] = [
            MatchingConsent.objects.filter(opted_in=True).aggregate(n=Count("pk"), last=Max("consented_at")),
            Publication.objects.aggregate(n=Count("pk"), last=Max("pk")),
            Person.keywords.through.objects.aggregate(n=Count("pk"), last=Max("pk")),
        ]  # affiliations are not in the index: the employer filter reads them when matching
    else:
        parts = [
            Project.objects.filter(state=ProjectState.ACTIVE).aggregate(
                n=Count("pk"), last=Max("pk"), versions=Sum("version")
            )
        ]
    return hashlib.sha256(repr([str(kind), backend(), parts]).encode()).hexdigest()


def latest(kind: str) -> MatchingIndex | None:
    """The newest index of ``kind`` built with this engine version and backend."""
    from grappe.engine import ENGINE_VERSION

    return (
        MatchingIndex.objects.filter(kind=kind, state=IndexState.DONE, backend=backend(), engine_version=ENGINE_VERSION)
        .order_by("-built_at", "-pk")
        .first()
    )


def load(row: MatchingIndex) -> Any:
    """The engine's index stored by ``row`` (read once per process, its SHA-256 checked)."""
    from grappe.engine.matching import AffinityIndex

    with _lock:
        cached = _loaded.get(row.kind)
        if cached is not None and cached[0] == row.pk:
            return cached[1]
        with row.file.open("rb") as handle:
            data = handle.read()
        if hashlib.sha256(data).hexdigest() != row.file_hash:
            raise ValueError(f"matchmaking index {row.pk}: the file does not match its recorded hash")
        encoder = queries.shared_encoder() if row.backend != "tfidf" else None
        index = AffinityIndex.from_bytes(data, encoder=encoder)
        _loaded[row.kind] = (row.pk, index)  # one index per kind and process: the one replaced is dropped
        return index


def preload() -> list[str]:
    """Read the latest index of each kind into this process's memory (a web worker starting, see
    ``grappe/gunicorn_conf.py``): the first challenge it matches then does not wait for the file.
    Returns the kinds loaded; a missing or damaged file is left for the request to report."""
    loaded = []
    for kind in IndexKind.values:
        row = latest(kind)
        if row is None:
            continue
        try:
            load(row)
        except (OSError, ValueError, TypeError):
            logger.warning("matchmaking index %s could not be preloaded", row.pk, exc_info=True)
            continue
        loaded.append(kind)
    return loaded


def preload_in_background() -> threading.Thread:
    """:func:`preload` in a daemon thread (its own database connection, closed at the end)."""
    from django.db import connection

    def run() -> None:
        try:
            preload()
        except Exception:  # never take the worker down: the first request loads it instead
            logger.warning("matchmaking indexes not preloaded", exc_info=True)
        finally:
            connection.close()

    thread = threading.Thread(target=run, name="grappe-matching-preload", daemon=True)
    thread.start()
    return thread


def genre_stems() -> frozenset[str]:
    """The words of calls for collaboration, kept out of explanations (``engine.matching.genre_stems``)."""
    from grappe.engine.matching import genre_stems as stems

    return stems()


def common_stems() -> frozenset[str]:
    """The words too common among the researchers' publications to explain a match alone (from
    their latest index): the teams' and partners' corpora, a few dozen texts, cannot tell."""
    row = latest(IndexKind.RESEARCHERS)
    if row is None:
        return frozenset()
    try:
        return frozenset(load(row).common_stems)
    except (OSError, ValueError, TypeError):
        return frozenset()


def _profiles(kind: str) -> tuple[list[Any], list[Any]]:
    return queries.researcher_profiles() if kind == IndexKind.RESEARCHERS else queries.team_profiles()


def profiles_hash(profiles: list[Any]) -> str:
    """SHA-256 of every profile's id, keywords and documents (what the index is built from)."""
    from grappe.engine.matching import inputs_hash

    return inputs_hash([[p.id, p.keywords, [[d.title, d.abstract, d.year] for d in p.documents]] for p in profiles])


def request_build(kind: str) -> MatchingIndex:
    """Queue a build of ``kind`` for the worker, unless one is already queued or running."""
    from grappe.partners import tasks

    with transaction.atomic():
        pending = MatchingIndex.objects.filter(kind=kind, state__in=jobs.ACTIVE, backend=backend()).first()
        if pending is not None:
            return pending
        row = MatchingIndex.objects.create(kind=kind, backend=backend())
        transaction.on_commit(lambda: tasks.build_matching_index.enqueue(row.pk))
    return row


def build(row: MatchingIndex) -> MatchingIndex:
    """Load the profiles of ``row.kind``, build the engine's index, store it; the row becomes
    ``done`` with its hash, fingerprint, parameters and statistics. Older indexes of the kind
    are removed with their files."""
    from grappe.core.replay import store_inputs
    from grappe.engine import ENGINE_VERSION
    from grappe.engine.matching import AffinityIndex
    from grappe.partners.replay import profiles_json

    started = time.perf_counter()
    taken = row.fingerprint or fingerprint(row.kind)  # before loading: a change meanwhile leaves it stale
    _objects, profiles = _profiles(row.kind)
    loaded = time.perf_counter()
    chosen = row.backend or backend()
    index = AffinityIndex.build(profiles, **engine_options(chosen))
    data = index.to_bytes()
    built = time.perf_counter()
    n_profiles, n_documents = index.size
    row.backend = chosen
    row.fingerprint = taken
    row.inputs_hash = profiles_hash(profiles)
    row.inputs = store_inputs(profiles_json(profiles))
    row.engine_version = ENGINE_VERSION
    row.parameters = index.parameters
    row.file_hash = hashlib.sha256(data).hexdigest()
    row.file.save("index.pickle", ContentFile(data), save=False)
    row.statistics = {
        "profiles": n_profiles,
        "documents": n_documents,
        "bytes": len(data),
        "seconds": {"load": round(loaded - started, 3), "build": round(built - loaded, 3)},
    }
    row.state = IndexState.DONE
    row.built_at = row.finished_at = timezone.now()
    row.error = ""
    row.save()
    with _lock:
        _loaded[row.kind] = (row.pk, index)
    for old in MatchingIndex.objects.filter(kind=row.kind, state=IndexState.DONE).exclude(pk=row.pk):
        if old.file:
            old.file.delete(save=False)
        old.delete()
    return row


def build_now(kind: str) -> MatchingIndex:
    """Build ``kind``'s index in this process (a small one in the request, or the command)."""
    row = MatchingIndex.objects.create(kind=kind, backend=backend(), state=IndexState.RUNNING)
    try:
        return build(row)
    except Exception as exc:
        MatchingIndex.objects.filter(pk=row.pk).update(
            state=IndexState.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
        raise


def current(kind: str) -> tuple[MatchingIndex | None, Any, bool]:
    """``(row, index, fresh)`` to match against: a fresh index; else one rebuilt now when the
    profiles are few; else the stale one while the worker builds the next (``fresh`` False), or
    ``(None, None, False)`` when no index exists yet."""
    now_print = fingerprint(kind)
    row = latest(kind)
    if row is not None and row.fingerprint == now_print:
        try:
            return row, load(row), True
        except FileNotFoundError:  # replaced (and removed) by another process meanwhile: take the new one
            row = latest(kind)
            if row is not None:
                return row, load(row), row.fingerprint == now_print
    if _profile_count(kind) <= getattr(settings, "GRAPPE_MATCHING_INLINE_MAX", 500):
        row = build_now(kind)
        return row, load(row), True
    request_build(kind)
    if row is None:
        return None, None, False
    return row, load(row), False


def _profile_count(kind: str) -> int:
    from grappe.projects.models import Project, ProjectState

    if kind == IndexKind.RESEARCHERS:  # an upper bound (some have neither publications nor keywords), one cheap count
        return MatchingConsent.objects.filter(opted_in=True).count()
    return Project.objects.filter(state=ProjectState.ACTIVE).count()


def refresh(*, force: bool = False) -> list[MatchingIndex]:
    """Rebuild every index whose inputs changed (its full hash, not only the fingerprint), or all
    of them with ``force`` (``grappe matching-index``)."""
    built = []
    for kind in IndexKind.values:
        row = latest(kind)
        if not force and row is not None and row.fingerprint == fingerprint(kind):
            _objects, profiles = _profiles(kind)
            if profiles_hash(profiles) == row.inputs_hash:
                continue
        built.append(build_now(kind))
    return built
