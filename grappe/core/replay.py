"""Replaying a suggestion from the exact inputs it used.

Every algorithmic suggestion (an affinity or assignment run, a portfolio run…) stores its
inputs as canonical JSON in :class:`StoredInput` (content-addressed) and its hash on the run. An
app registers, per kind of run, a :class:`Replayer` that knows how to load a run, gather today's
inputs, and recompute the suggestion from stored inputs with today's engine; :func:`replay`
then answers in one line whether the suggestion is reproduced bit for bit, what differs if not,
whether the stored inputs are intact, and how today's data differ from them
(docs/accountability.md).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _

from grappe.core.models import StoredInput


def canonical(payload: Any) -> bytes:
    """The one byte string of ``payload``: sorted keys, no spaces, floats as their shortest exact
    representation (so a float64 comes back bit for bit), NaN refused."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def digest_of(payload: Any) -> str:
    return hashlib.sha256(canonical(payload)).hexdigest()


def store_inputs(payload: Any) -> StoredInput:
    """Keep ``payload`` once (its hash is its key) and return the row."""
    raw = canonical(payload)
    key = hashlib.sha256(raw).hexdigest()
    found = StoredInput.objects.filter(pk=key).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return StoredInput.objects.create(digest=key, data=zlib.compress(raw, 6), size=len(raw))
    except IntegrityError:  # stored by another process meanwhile: the same bytes
        return StoredInput.objects.get(pk=key)


@dataclass(frozen=True)
class Loaded:
    payload: Any
    intact: bool  # the bytes still hash to the key they were stored under


def load_inputs(stored: StoredInput) -> Loaded:
    raw = zlib.decompress(bytes(stored.data))
    return Loaded(payload=json.loads(raw), intact=hashlib.sha256(raw).hexdigest() == stored.digest)


REFERENCE = "stored_input"  # {"stored_input": digest}: a part of the inputs stored on its own


def reference(stored: StoredInput | str) -> dict[str, str]:
    """A pointer to inputs stored on their own (the row or its key), to put inside another run's
    inputs: a large part shared by many runs (a matchmaking index's profiles) is stored once."""
    return {REFERENCE: stored if isinstance(stored, str) else stored.digest}


def resolve(payload: Any) -> tuple[Any, bool, bool]:
    """``payload`` with every :func:`reference` replaced by the inputs it points to; whether all
    of them are intact, and whether all are still kept."""
    if isinstance(payload, dict):
        if set(payload) == {REFERENCE}:
            stored = StoredInput.objects.filter(pk=payload[REFERENCE]).first()
            if stored is None:
                return None, True, False
            loaded = load_inputs(stored)
            inner, intact, kept = resolve(loaded.payload)
            return inner, intact and loaded.intact, kept
        items = {key: resolve(value) for key, value in payload.items()}
        return (
            {key: item[0] for key, item in items.items()},
            all(item[1] for item in items.values()),
            all(item[2] for item in items.values()),
        )
    if isinstance(payload, list):
        resolved = [resolve(value) for value in payload]
        return [r[0] for r in resolved], all(r[1] for r in resolved), all(r[2] for r in resolved)
    return payload, True, True


def purge_inputs(*, now: dt.datetime | None = None) -> int:
    """Drop the stored inputs older than ``GRAPPE_INPUT_RETENTION_DAYS`` (none when unset); runs
    that used them keep their hash (their foreign key is set to null)."""
    days = getattr(settings, "GRAPPE_INPUT_RETENTION_DAYS", None)
    if not days:
        return 0
    limit = (now or timezone.now()) - dt.timedelta(days=int(days))
    deleted, _detail = StoredInput.objects.filter(created_at__lt=limit).delete()
    return deleted


# The names of the stored inputs' parts, for people (a part not named here shows its key).
PART_NAMES = {
    "proposals": gettext_lazy("proposals"),
    "experts": gettext_lazy("experts"),
    "profiles": gettext_lazy("profiles"),
    "members": gettext_lazy("panel members"),
    "sides": gettext_lazy("sides"),
    "researchers": gettext_lazy("researchers"),
    "partners": gettext_lazy("partners"),
    "rows": gettext_lazy("rows"),
    "reviews": gettext_lazy("reviews"),
    "hearings": gettext_lazy("hearings"),
    "indicators": gettext_lazy("indicators"),
    "conflicts": gettext_lazy("conflicts"),
    "rules": gettext_lazy("rules"),
    "parameters": gettext_lazy("parameters"),
    "query": gettext_lazy("query"),
    "times": gettext_lazy("times"),
    "candidates": gettext_lazy("candidates"),
    "themes": gettext_lazy("themes"),
    "budget": gettext_lazy("budget"),
    "constraints": gettext_lazy("constraints"),
}


def part_name(name: str) -> str:
    """``sides.researchers.profiles`` in the reader's language, part by part."""
    return ".".join(str(PART_NAMES.get(piece, piece)) for piece in name.split("."))


def _fields(before: Any, after: Any) -> list[str]:
    """The fields of a record that changed, when the record has named fields."""
    if not (isinstance(before, dict) and isinstance(after, dict)):
        return []
    return [k for k in sorted(set(before) | set(after)) if canonical(before.get(k)) != canonical(after.get(k))]


def diff_records(then: Any, now: Any, *, name: str, limit: int = 5) -> list[str]:
    """How a list of records changed, in words: records are lists (or dicts) whose first item
    (or ``"id"``, or ``"code"``) identifies them; a dict of parts is compared part by part.
    Anything else compares as a whole."""

    if isinstance(then, dict) and isinstance(now, dict):  # a group of inputs: each part by its name
        return [
            line
            for key in sorted(set(then) | set(now))
            for line in diff_records(then.get(key), now.get(key), name=f"{name}.{key}", limit=limit)
        ]
    if not (isinstance(then, list) and isinstance(now, list)):
        return [] if canonical(then) == canonical(now) else [_("%(name)s changed") % {"name": part_name(name)}]
    for width in (1, 2):  # records identified by their first item, else by their first two
        before, after = _keyed(then, width), _keyed(now, width)
        if before is not None and after is not None:
            break
    else:  # no identifier: compare as multisets
        same = sorted(map(canonical, then)) == sorted(map(canonical, now))
        return [] if same else [_("%(name)s changed") % {"name": part_name(name)}]
    lines = []
    added = [k for k in after if k not in before]
    removed = [k for k in before if k not in after]
    changed = [k for k in before if k in after and canonical(before[k]) != canonical(after[k])]
    colon = "\u00a0:" if get_language() == "fr" else ":"
    # Counted per language (French writes a noun, "2 modifications": a participle would have to
    # agree with the part's name).
    counts = (
        (lambda n: ngettext("%(n)d added", "%(n)d added", n), added),
        (lambda n: ngettext("%(n)d removed", "%(n)d removed", n), removed),
        (lambda n: ngettext("%(n)d changed", "%(n)d changed", n), changed),
    )
    for counted, keys in counts:
        if keys:
            shown = ", ".join(
                f"{key}{colon} {', '.join(fields)}" if (fields := _fields(before.get(key), after.get(key))) else key
                for key in keys[:limit]
            )
            more = _(" and %(n)d more") % {"n": len(keys) - limit} if len(keys) > limit else ""
            lines.append(f"{part_name(name)}{colon} {counted(len(keys)) % {'n': len(keys)}} ({shown}{more})")
    return lines


def _keyed(records: list[Any], width: int) -> dict[str, Any] | None:
    """``records`` by their identifier (the first ``width`` items, or ``"id"``), or None when two
    records share one."""
    keyed: dict[str, Any] = {}
    for record in records:
        if isinstance(record, dict) and ("id" in record or "code" in record):
            ident: Any = record["id"] if "id" in record else record["code"]
        elif isinstance(record, list | tuple) and len(record) > width:
            ident = record[:width]
        else:
            return None
        key = " × ".join(map(str, ident)) if isinstance(ident, list | tuple) else str(ident)
        if key in keyed:
            return None
        keyed[key] = record
    return keyed


def diff_inputs(then: dict[str, Any], now: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    for name in sorted(set(then) | set(now)):
        lines += diff_records(then.get(name), now.get(name), name=name)
    return lines


@dataclass
class Replay:
    """What a replay found; ``line`` is the one-line answer."""

    kind: str
    run_id: int
    reproduced: bool | None  # None: could not replay (no inputs kept)
    line: str
    differences: list[str] = field(default_factory=list)
    inputs_intact: bool | None = None
    data_changes: list[str] = field(default_factory=list)
    engine_then: str = ""
    engine_now: str = ""

    @property
    def method_then(self) -> bool:
        """The run recorded its method's own version (shortlist-1), not an engine release (0.4.0):
        the page names it so instead of setting it against today's engine version."""
        return bool(self.engine_then) and self.engine_then != "?" and not self.engine_then[:1].isdigit()


@dataclass(frozen=True)
class Replayer:
    """How to replay one kind of run.

    ``get(pk)`` returns the run (or raises ``DoesNotExist``); ``stored(run)`` its
    :class:`StoredInput` or None; ``gather(run)`` today's inputs for the same question (None when
    they cannot be gathered any more); ``recompute(payload)`` the suggestion from inputs;
    ``kept(run)`` the suggestion the run stored, in the form ``recompute`` returns;
    ``compare(kept, new)`` the differences in words; ``version(run)`` its engine version; ``label``
    the kind's name for people; ``call_of(run)`` the object the audit entry is attached to.
    ``recompute_as(payload, version)``, when given, replaces ``recompute``: the suggestion as the
    engine ``version`` the run used computed it, for the changes the engine can still undo (engine
    0.4's phrases per segment, recomputed as 0.3's for a 0.3 run)."""

    label: Callable[[], str]
    get: Callable[[int], Any]
    stored: Callable[[Any], StoredInput | None]
    gather: Callable[[Any], Any]
    recompute: Callable[[Any], Any]
    kept: Callable[[Any], Any]
    compare: Callable[[Any, Any], list[str]]
    version: Callable[[Any], str]
    call_of: Callable[[Any], Any]
    all: Callable[[], list[int]] = lambda: []  # the runs that kept their inputs, for ``replay --all``
    recompute_as: Callable[[Any, str], Any] | None = None


REPLAYERS: dict[str, Replayer] = {}


def register(kind: str, replayer: Replayer) -> None:
    REPLAYERS[kind] = replayer


def engine_before(version: str | None, release: tuple[int, int]) -> bool:
    """Whether the engine ``version`` ("0.3.0") is older than ``release`` ((0, 4)); unknown: no.
    Replayers use it to recompute a run as the engine it names computed it."""
    try:
        major, minor = (int(part) for part in (version or "").split(".")[:2])
    except ValueError:
        return False
    return (major, minor) < release


def engine_version() -> str:
    from grappe.engine import ENGINE_VERSION

    return ENGINE_VERSION


def _by(then: str, now: str) -> str:
    """What computed the replay, worded for the run's kind of version: an engine release (0.4.0)
    is compared with today's; a method's own version (shortlist-1) is named as the run's."""
    if not then[:1].isdigit():
        return _("today's code for method %(then)s, as the run used") % {"then": then}
    if then == now:
        return _("engine %(now)s, as the run") % {"now": now}
    return _("engine %(now)s (the run used engine %(then)s)") % {"now": now, "then": then}


def replay(kind: str, run_id: int, *, actor: Any = None) -> Replay:
    """Recompute run ``run_id`` of ``kind`` from its stored inputs and say what came out.

    Raises ``KeyError`` for an unknown kind and the model's ``DoesNotExist`` for an unknown run."""
    from grappe.core.services import log_action

    replayer = REPLAYERS[kind]
    run = replayer.get(run_id)
    then, now = replayer.version(run) or "?", engine_version()
    result = Replay(kind=kind, run_id=run_id, reproduced=None, line="", engine_then=then, engine_now=now)
    stored = replayer.stored(run)
    if stored is None:
        result.line = _(
            "Cannot replay: the inputs of this run are not kept (run made before inputs were stored, "
            "or removed after the retention period)."
        )
        return result
    loaded = load_inputs(stored)
    payload, parts_intact, complete = resolve(loaded.payload)
    if not complete:
        result.line = _(
            "Cannot replay: part of the inputs of this run is no longer kept (removed after the retention period)."
        )
        return result
    intact = loaded.intact and parts_intact
    result.inputs_intact = intact
    today = replayer.gather(run)
    if today is not None:
        result.data_changes = diff_inputs(payload, today)
    new = replayer.recompute_as(payload, then) if replayer.recompute_as else replayer.recompute(payload)
    result.differences = replayer.compare(replayer.kept(run), new)
    result.reproduced = intact and not result.differences
    if not intact:
        result.line = _(
            "Inputs differ: the stored inputs no longer match the hash the run recorded; "
            "the replay cannot vouch for the run."
        )
    elif result.reproduced:
        result.line = _("Reproduced bit for bit from the stored inputs with %(by)s.") % {"by": _by(then, now)}
    else:
        result.line = _("Not reproduced: %(count)d difference(s) with %(by)s.") % {
            "count": len(result.differences),
            "by": _by(then, now),
        }
    log_action(
        replayer.call_of(run),
        "core.replayed",
        actor=actor,
        data={"kind": kind, "run": run_id, "reproduced": result.reproduced, "intact": intact},
    )
    return result
