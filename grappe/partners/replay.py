"""Matchmaking runs registered for replay (``core.replay``, docs/accountability.md).

A run's inputs are the query (the challenge, the researcher or the draft, as one document) and,
per side, the profiles it was matched against with the codes left out (consent withdrawn, the
partner's own staff). A challenge is matched against the stored indexes: their profiles are
stored once, when the index is built, and the run's inputs point to them
(``core.replay.reference``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _

from grappe.core.replay import Replayer, register
from grappe.partners.models import RunTarget, SuggestionRun


def document_json(document: Any) -> list[Any]:
    return [document.id, document.title, document.abstract, list(document.keywords), document.year]


def profiles_json(profiles: Sequence[Any]) -> list[Any]:
    return [[p.id, list(p.keywords), [document_json(d) for d in p.documents]] for p in profiles]


def _document(item: list[Any]) -> Any:
    from grappe.engine.types import Document

    ident, title, abstract, keywords, year = item
    return Document(id=ident, title=title, abstract=abstract, keywords=tuple(keywords), year=year)


def _profiles(items: list[Any]) -> list[Any]:
    from grappe.engine.types import Profile

    return [
        Profile(id=ident, keywords=tuple(keywords), documents=tuple(_document(d) for d in documents))
        for ident, keywords, documents in items
    ]


def side_matches(
    result: Any,
    profile_ids: Sequence[str],
    excluded: Sequence[str],
    kept: int,
    *,
    common: Sequence[str] = (),
    common_phrases: bool = False,
    informative_only: bool = False,
) -> list[Any]:
    """The engine's ranked matches of one side, the ``excluded`` profiles scored 0 (left out), the
    ``common`` words kept out of the explanations (a match explained by nothing else is dropped),
    with ``common_phrases`` the phrases made of them alone and those beginning or ending with a
    genre word too, and with ``informative_only`` a match explained by one single word dropped too."""
    from grappe.engine.matching import ranked

    if common:
        from grappe.engine.matching import genre_stems

        edges = genre_stems() if common_phrases else frozenset()
        result = result.also_common(frozenset(common), phrases=common_phrases, edges=edges)
    left_out = set(excluded)
    for i, code in enumerate(profile_ids):
        if code in left_out:
            result.scores[i, 0] = 0.0
    return ranked(result, limit=kept, minimum=0.0, explained_only=True, informative_only=informative_only)


def ranked_json(matches: Sequence[Any], profile_ids: Sequence[str]) -> list[list[Any]]:
    """What a side concluded, as a replay compares it: profile codes and scores, best first."""
    return [[profile_ids[m.profile], m.score] for m in matches]


def matchmaking_outcome(payload: dict[str, Any], version: str | None = None) -> dict[str, Any]:
    """The ranked suggestions recomputed from stored inputs (references resolved), as the engine
    ``version`` the run used computed them when given (before 0.5, French words were not brought
    into English terms; before 0.4, phrases crossed segments)."""
    from grappe.core.replay import engine_before
    from grappe.engine.matching import AffinityIndex
    from grappe.partners import index

    as_then = {"segmented": not engine_before(version, (0, 4)), "bilingual": not engine_before(version, (0, 5))}

    query = _document(payload["query"])
    out = {}
    for name, side in payload["sides"].items():
        if not query.text and payload["target"] != RunTarget.CHALLENGE:
            out[name] = []
            continue
        engine_index = AffinityIndex.build(
            _profiles(side["profiles"]), **index.engine_options(side["backend"]), **as_then
        )
        matches = side_matches(
            engine_index.query([query]),
            engine_index.profile_ids,
            side["excluded"],
            payload["kept"],
            common=side.get("common", ()),
            common_phrases=side.get("common_phrases", False),
            informative_only=side.get("informative_only", False),
        )
        out[name] = ranked_json(matches, engine_index.profile_ids)
    return out


def compare_matchmaking(kept: dict[str, Any], new: dict[str, Any]) -> list[str]:
    lines = []
    for name in sorted(set(kept) | set(new)):
        before = {code: (n, score) for n, (code, score) in enumerate(kept.get(name) or [], start=1)}
        after = {code: (n, score) for n, (code, score) in enumerate(new.get(name) or [], start=1)}
        if before == after:
            continue
        gone, added = sorted(set(before) - set(after)), sorted(set(after) - set(before))
        if gone:
            lines.append(_("%(side)s: no longer suggested: %(codes)s") % {"side": name, "codes": ", ".join(gone)})
        if added:
            lines.append(_("%(side)s: newly suggested: %(codes)s") % {"side": name, "codes": ", ".join(added)})
        for code in [c for c in after if c in before]:
            if before[code][0] != after[code][0]:
                lines.append(
                    _("%(side)s: %(code)s ranked %(then)d, now %(now)d")
                    % {"side": name, "code": code, "then": before[code][0], "now": after[code][0]}
                )
        gap = max((abs(before[c][1] - after[c][1]) for c in after if c in before), default=0.0)
        if gap:
            lines.append(_("%(side)s: scores differ by up to %(gap).6f") % {"side": name, "gap": gap})
    return lines


def _today(run: SuggestionRun) -> dict[str, Any] | None:
    from grappe.partners import services

    return services.matchmaking_inputs_today(run)


def register_replayers() -> None:
    register(
        "matchmaking",
        Replayer(
            label=lambda: _("matchmaking run"),
            get=lambda pk: SuggestionRun.objects.select_related("inputs", "challenge", "person", "proposal").get(pk=pk),
            stored=lambda run: run.inputs,
            gather=_today,
            recompute=matchmaking_outcome,
            recompute_as=matchmaking_outcome,
            kept=lambda run: run.ranked,
            compare=compare_matchmaking,
            version=lambda run: run.engine_version,
            call_of=lambda run: run,
            all=lambda: list(
                SuggestionRun.objects.filter(inputs__isnull=False).order_by("pk").values_list("pk", flat=True)
            ),
        ),
    )
