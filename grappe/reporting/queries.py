"""Reads of the reporting app: actuals against targets, the dashboard's sections, the snapshot of
an annual report and its comparison with a fresh computation, the data-quality panel."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, Sum, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from grappe.calls.models import Call
from grappe.programmes.models import Programme
from grappe.reporting import computations
from grappe.reporting.computations import Scope, Window, as_of_day, window
from grappe.reporting.models import Indicator, ManualValue, ManualValueVersion, Method, Target, Unit
from grappe.stages.models import TwoStageCall
from grappe.submissions.models import Proposal, ProposalState

ZERO = Decimal("0")


def _sums(unit: str) -> bool:
    """Whether yearly values add up over the years (counts, people, euros; not ratios)."""
    return unit != Unit.RATIO


@dataclass
class Actual:
    """One indicator's figures for a year: the year's and the cumulated, each against its target."""

    indicator: Indicator
    year: int
    value: Decimal | None
    cumulative: Decimal | None
    target: Decimal | None
    target_cumulative: Decimal | None
    drill: str = ""
    drill_cumulative: str = ""
    # The dashboard is narrowed (a call, an institution, a partner): the targets are the
    # programme's, so no gap is drawn against them.
    filtered: bool = False
    # The narrowing does not apply to this figure (a manual value, a cluster-wide count): it is
    # the programme's, said beside it.
    programme_wide: bool = False

    @property
    def gap(self) -> Decimal | None:
        if self.filtered or self.value is None or self.target is None:
            return None
        return self.value - self.target

    @property
    def gap_cumulative(self) -> Decimal | None:
        if self.filtered or self.cumulative is None or self.target_cumulative is None:
            return None
        return self.cumulative - self.target_cumulative


Memo = dict[tuple[str, Window], tuple[Decimal, Any]]


def figure_of(computation: Any, scope: Scope, win: Window, memo: Memo | None = None) -> tuple[Decimal, Any]:
    """``computation.figure``, computed once per request when a ``memo`` is shared (the dashboard's
    indicator table and its charts ask for the same cumulated figures); with a memo, a computation
    of a family (proposals, outputs, people) gets its siblings' figures from the same query."""
    if memo is None:
        return computation.figure(scope, win)
    key = (computation.name, win)
    if key not in memo:
        if computation.family is not None:
            for name, value in computation.family(scope, win).items():
                memo[(name, win)] = (value, computations.named(name).records(scope, win))
        else:
            memo[key] = computation.figure(scope, win)
    return memo[key]


def drill_url(programme: Programme, name: str, year: int, *, cumulative: bool, as_of: str = "", **scope: Any) -> str:
    params = [f"year={year}"]
    if cumulative:
        params.append("cumulative=1")
    if as_of:
        params.append(f"as_of={as_of}")
    params += [f"{k}={v}" for k, v in scope.items() if v]
    return reverse("reporting:drill", args=[programme.code, name]) + "?" + "&".join(params)


def targets_of(indicators: list[Indicator]) -> dict[tuple[int, int], Decimal]:
    rows = Target.objects.filter(indicator__in=indicators).values_list("indicator_id", "year", "value")
    return {(i, y): v for i, y, v in rows}


def manual_values_of(indicators: list[Indicator]) -> dict[tuple[int, int], Decimal]:
    rows = ManualValue.objects.filter(indicator__in=indicators).values_list("indicator_id", "year", "value")
    return {(i, y): v for i, y, v in rows}


def cumulated_target(targets: dict[tuple[int, int], Decimal], indicator: Indicator, year: int) -> Decimal | None:
    years = [y for (i, y) in targets if i == indicator.pk and y <= year]
    if not years:
        return None
    if not _sums(indicator.unit):
        return targets[(indicator.pk, max(years))]
    return sum((targets[(indicator.pk, y)] for y in years), ZERO)


def manual_figures(
    manual: dict[tuple[int, int], Decimal], indicator: Indicator, year: int
) -> tuple[Decimal | None, Decimal | None]:
    value = manual.get((indicator.pk, year))
    years = [y for (i, y) in manual if i == indicator.pk and y <= year]
    if not years:
        return value, None
    if not _sums(indicator.unit):
        return value, manual[(indicator.pk, max(years))]
    return value, sum((manual[(indicator.pk, y)] for y in years), ZERO)


def actuals(
    programme: Programme,
    year: int,
    *,
    scope: Scope | None = None,
    as_of: dt.datetime | None = None,
    indicators: list[Indicator] | None = None,
    scope_params: dict[str, Any] | None = None,
    memo: Memo | None = None,
) -> list[Actual]:
    """Every indicator of ``programme`` for ``year``: two aggregate queries per computed indicator
    (the year, the cumulated), whatever the number of records."""
    scope = scope or Scope(programme)
    indicators = indicators if indicators is not None else list(Indicator.objects.filter(programme=programme))
    targets = targets_of(indicators)
    manual = manual_values_of(indicators)
    as_of_text = as_of_day(as_of).isoformat() if as_of else ""
    filtered = bool(scope.filters())
    out = []
    for indicator in indicators:
        target = targets.get((indicator.pk, year))
        target_cum = cumulated_target(targets, indicator, year)
        computation = computations.get(indicator.computation) if indicator.is_computed else None
        if computation is not None:
            yearly, _r = figure_of(computation, scope, window(year, as_of=as_of), memo)
            cumulated, _r = figure_of(computation, scope, window(year, cumulative=True, as_of=as_of), memo)
            params = scope_params or {}
            out.append(
                Actual(
                    indicator,
                    year,
                    yearly,
                    cumulated,
                    target,
                    target_cum,
                    drill_url(programme, computation.name, year, cumulative=False, as_of=as_of_text, **params),
                    drill_url(programme, computation.name, year, cumulative=True, as_of=as_of_text, **params),
                    filtered=filtered,
                    programme_wide=not computation.follows(scope),
                )
            )
        elif indicator.method == Method.MANUAL:
            value, cumulated = manual_figures(manual, indicator, year)
            out.append(
                Actual(
                    indicator, year, value, cumulated, target, target_cum, filtered=filtered, programme_wide=filtered
                )
            )
        else:
            out.append(Actual(indicator, year, None, None, target, target_cum, filtered=filtered))
    return out


def series(indicator: Indicator, *, as_of: dt.datetime | None = None) -> list[Actual]:
    """The indicator over every year of its programme."""
    programme = indicator.programme
    return [
        actuals(programme, year, as_of=as_of, indicators=[indicator])[0]
        for year in programme.years
        if dt.date(year, 1, 1) <= as_of_day(as_of or timezone.now())
    ]


# --- the dashboard ----------------------------------------------------------------------------


@dataclass
class Chart:
    """A chart and the same numbers as a table (``rows``: label, values)."""

    id: str
    title: str
    kind: str
    columns: list[str]
    rows: list[tuple[str, list[Any], str]] = field(default_factory=list)  # label, values, drill-down link

    def data(self) -> dict[str, Any]:
        return {
            "type": self.kind,
            "labels": [label for label, _v, _l in self.rows],
            "datasets": [
                {"label": column, "data": [float(values[i] or 0) for _l, values, _u in self.rows]}
                for i, column in enumerate(self.columns)
            ],
        }


def _rate(part: Decimal | int, whole: Decimal | int) -> Decimal | None:
    return (Decimal(part) / Decimal(whole) * 100).quantize(Decimal("0.1")) if whole else None


def funnel_by_call(programme: Programme, scope: Scope, as_of: dt.datetime) -> list[dict[str, Any]]:
    """Per call, each stage among the previous one: submitted, eligible, reviewed (eligible with a
    submitted review), funded (and how many of those have no review recorded in Grappe), the
    success rate and what was committed; one grouped query for the proposals and one for the awards."""
    win = window(programme.end_year, cumulative=True, as_of=as_of)
    submitted = computations.named("proposals_submitted").records(scope, win)
    counts = {
        row["call_id"]: row
        for row in submitted.annotate(reviewed_=computations.review_done(win))
        .order_by()
        .values("call_id")
        .annotate(  # keys apart from the fields: "eligible" is one, which ELIGIBLE reads
            n_submitted=Count("pk"),
            n_eligible=Count("pk", filter=computations.ELIGIBLE),
            n_reviewed=Count("pk", filter=computations.ELIGIBLE & Q(reviewed_=True)),
        )
    }
    awards = {
        row["call_id"]: row
        for row in computations.named("proposals_funded")
        .records(scope, win)
        .annotate(reviewed_=computations.review_done(win, "proposal_id"))
        .order_by()
        .values("call_id")
        .annotate(funded=Count("pk"), committed=Sum("amount"), unreviewed=Count("pk", filter=Q(reviewed_=False)))
    }
    calls = (
        Call.objects.filter(programme=programme)
        .annotate(letters=Exists(TwoStageCall.objects.filter(stage1=OuterRef("pk"))))
        .order_by("opens_at", "code")
    )
    if scope.call is not None:
        calls = calls.filter(pk=scope.call.pk)
    rows = []
    for call in calls:
        c, a = counts.get(call.pk, {}), awards.get(call.pk, {})
        row = {
            "call": call,
            "submitted": c.get("n_submitted", 0),
            "eligible": c.get("n_eligible", 0),
            "reviewed": c.get("n_reviewed", 0),
            "funded": a.get("funded", 0),
            # Funded without a review recorded in Grappe (a call decided before it, imported).
            "unreviewed": a.get("unreviewed", 0),
            "committed": a.get("committed") or ZERO,
            # Letters of intent (stage 1 of a two-stage call) fund nothing themselves: they are
            # listed, but left out of the success and eligibility rates.
            "letters": call.letters,
        }
        row["success"] = None if call.letters else _rate(row["funded"], row["submitted"])
        rows.append(row)
    return rows


def dashboard(
    programme: Programme,
    year: int,
    *,
    scope: Scope,
    as_of: dt.datetime,
    params: dict[str, Any],
    memo: Memo | None = None,
) -> dict[str, Any]:
    """The sections of the dashboard for ``scope`` at ``as_of``: a fixed number of queries."""
    as_text = as_of_day(as_of).isoformat()
    cumulative = window(year, cumulative=True, as_of=as_of)

    def figure(name: str) -> tuple[Decimal, str]:
        value, _records = figure_of(computations.named(name), scope, cumulative, memo)
        return value, drill_url(programme, name, year, cumulative=True, as_of=as_of_text, **params)

    as_of_text = as_text
    funnel_rows = funnel_by_call(programme, scope, as_of)
    totals = {k: sum(r[k] for r in funnel_rows) for k in ("submitted", "eligible", "reviewed", "funded")}
    full = [r for r in funnel_rows if not r["letters"]]  # the rates leave letters of intent out
    rated = {k: sum(r[k] for r in full) for k in ("submitted", "eligible", "funded")}
    funnel = Chart("funnel", _("Funnel of the calls, all years"), "bar", [pgettext("funnel", "Proposals")])
    for key, label in (
        ("proposals_submitted", pgettext("funnel", "Submitted")),
        ("proposals_eligible", pgettext("funnel", "Eligible")),
        ("proposals_reviewed", pgettext("funnel", "Reviewed")),
        ("proposals_funded", pgettext("funnel", "Funded")),
    ):
        funnel.rows.append((label, [totals[key.split("_")[1]]], figure_link(programme, key, year, as_of_text, params)))

    money = Chart("money", _("Money (EUR)"), "bar", [_("EUR")])
    money.rows.append((_("Envelope"), [programme.total_amount], ""))
    money_values = {}
    for key, label in (
        ("amount_committed", _("Committed")),
        ("amount_paid", _("Paid")),
        ("amount_spent", _("Spent")),
        ("cofunding_realised", _("Co-funding realised")),
    ):
        value, link = figure(key)
        money_values[key] = value
        money.rows.append((label, [value], link))
    leverage, leverage_link = figure("leverage")

    training = Chart("training", _("Training per calendar year"), "bar", [_("Trained"), _("Made aware")])
    years = [y for y in programme.years if y <= year]
    for y, (trained, aware) in training_by_year(scope, years, as_of).items():
        training.rows.append(
            (
                str(y),
                [trained, aware],
                drill_url(programme, "people_trained", y, cumulative=False, as_of=as_text, **params),
            )
        )

    outputs = Chart("outputs", _("Outputs of the funded projects"), "bar", [_("Number")])
    for key in ("outputs_publication", "outputs_software", "outputs_dataset", "outputs_patent", "outputs_startup"):
        value, link = figure(key)
        outputs.rows.append((str(computations.named(key).label), [value], link))

    return {
        "funnel": funnel,
        "funnel_rows": funnel_rows,
        "success": _rate(rated["funded"], rated["submitted"]),
        "eligible_rate": _rate(rated["eligible"], rated["submitted"]),
        "money": money,
        "leverage": leverage,
        "leverage_link": leverage_link,
        "training": training,
        "outputs": outputs,
        "charts": [funnel, money, training, outputs],
    }


def training_by_year(scope: Scope, years: list[int], as_of: dt.datetime) -> dict[int, tuple[int, int]]:
    """People trained and made aware in each calendar year of ``years``, each person once per year
    at their best outcome, in one grouped query (the same rule as the two computations, which the
    tests check): per year, those made aware only are everyone with either outcome less those
    trained. The year is a CASE over date ranges, not a date function (SQLite calls Python for those)."""
    from grappe.training.models import Enrolment
    from grappe.training.models import Outcome as TrainingOutcome

    if not years:
        return {}
    rows = Enrolment.objects.filter(
        outcome__in=[TrainingOutcome.TRAINED, TrainingOutcome.AWARE],
        completed_on__gte=dt.date(min(years), 1, 1),
        completed_on__lte=min(dt.date(max(years), 12, 31), as_of_day(as_of)),
        created_at__lt=as_of,
    )
    if scope.institution is not None:
        rows = rows.filter(programme__institution=scope.institution)
    bucket = Case(
        *(When(completed_on__gte=dt.date(y, 1, 1), completed_on__lte=dt.date(y, 12, 31), then=Value(y)) for y in years),
        output_field=IntegerField(),
    )
    grouped = (
        rows.annotate(bucket=bucket)
        .order_by()
        .values("bucket")
        .annotate(
            anyone=Count("person_id", distinct=True),
            trained=Count("person_id", distinct=True, filter=Q(outcome=TrainingOutcome.TRAINED)),
        )
    )
    counts = dict.fromkeys(years, (0, 0))
    for row in grouped:
        if row["bucket"] in counts:
            counts[row["bucket"]] = (row["trained"], row["anyone"] - row["trained"])
    return counts


def figure_link(programme: Programme, name: str, year: int, as_of: str, params: dict[str, Any]) -> str:
    return drill_url(programme, name, year, cumulative=True, as_of=as_of, **params)


# --- the annual report's snapshot ---------------------------------------------------------------


def _plain(value: Decimal | None) -> str | None:
    """A decimal as text, the same on every database (150000.00 and 150000 are both "150000")."""
    return None if value is None else format(Decimal(value).normalize(), "f")


def _number(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def _window_inputs(computation: computations.Computation, scope: Scope, win: Window) -> dict[str, Any]:
    """What one computed figure reads in one window: the records counted (with the amount summed,
    when the figure is a sum) and the denominator of a ratio."""
    rows = computation.records(scope, win).order_by()
    base = None
    if computation.ratio is not None and computation.counter is None:
        # A ratio's denominator is stored whether its numerator is a count or a sum of amounts
        # (leverage sums the co-funding over the awards committed): without it the snapshot
        # would keep the numerator as the figure.
        base = _plain(computation.ratio(scope, win))
    if computation.amount and computation.counter is None:
        amounts = sorted([pk, _plain(amount or ZERO)] for pk, amount in rows.values_list("pk", computation.amount))
        return {"ids": [pk for pk, _amount in amounts], "amounts": [a for _pk, a in amounts], "base": base}
    return {"ids": sorted(rows.values_list("pk", flat=True)), "amounts": None, "base": base}


def _window_value(read: dict[str, Any]) -> Decimal:
    """A computed figure from what it read: the records' count or their amounts' sum, over the
    ratio's denominator when there is one (as ``Computation.value_of``)."""
    amounts = read["amounts"]
    value = sum((Decimal(a) for a in amounts), ZERO) if amounts is not None else Decimal(len(read["ids"]))
    if read["base"] is not None:
        base = Decimal(read["base"])
        return (value / base).quantize(Decimal("0.01")) if base else ZERO
    return value


def evidence_of(indicators: list[Indicator], year: int, as_of: dt.datetime) -> dict[int, int]:
    """For each indicator entered by hand, the version of ``year``'s value known at ``as_of`` (the
    latest recorded before it): the evidence a report links to."""
    rows = (
        ManualValueVersion.objects.filter(
            manual_value__indicator__in=indicators, manual_value__year=year, recorded_at__lt=as_of
        )
        .order_by("manual_value__indicator_id", "recorded_at", "pk")
        .values_list("manual_value__indicator_id", "pk")
    )
    return dict(rows)  # the last of each indicator wins


def snapshot_inputs(
    programme: Programme,
    year: int,
    *,
    as_of: dt.datetime,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Everything the annual report's figures are computed from, as plain JSON (stored for replay,
    ``core.replay``): each indicator's definition, baseline and targets, and for a computed one
    the records it counted in the year and cumulated (ids, amounts summed, ratio's denominator),
    for a manual one the values entered."""
    indicators = list(Indicator.objects.filter(programme=programme))
    targets = targets_of(indicators)
    manual = manual_values_of(indicators)
    evidence = evidence_of(indicators, year, as_of)
    scope = Scope(programme)
    out = []
    for n, indicator in enumerate(indicators):
        computation = computations.get(indicator.computation) if indicator.is_computed else None
        item: dict[str, Any] = {
            "code": indicator.code,
            "name_fr": indicator.name_fr,
            "name_en": indicator.name_en,
            "definition_fr": indicator.definition_fr,
            "definition_en": indicator.definition_en,
            "unit": indicator.unit,
            "method": indicator.method,
            "computation": indicator.computation,
            "baseline": _plain(indicator.baseline),
            "target": _plain(targets.get((indicator.pk, year))),
            "target_cumulative": _plain(cumulated_target(targets, indicator, year)),
        }
        if computation is not None:
            item["computed"] = {
                key: _window_inputs(computation, scope, win)
                for key, win in (
                    ("year", window(year, as_of=as_of)),
                    ("cumulative", window(year, cumulative=True, as_of=as_of)),
                )
            }
        else:
            item["manual"] = [_plain(v) for v in manual_figures(manual, indicator, year)]
            if indicator.pk in evidence:
                item["evidence"] = evidence[indicator.pk]
        out.append(item)
        if progress is not None:
            progress(n + 1, len(indicators))
    return {"year": year, "as_of": as_of.astimezone(dt.UTC).isoformat(), "indicators": out}


def figures_from_inputs(payload: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, dict[str, list[int]]]]:
    """Every indicator's figures (the year and cumulated, targets, gaps, as text decimals) and the
    ids of the records each computed figure counted, from :func:`snapshot_inputs`: what a report
    stores and what its replay recomputes."""
    figures: list[dict[str, Any]] = []
    records: dict[str, dict[str, list[int]]] = {}
    for item in payload["indicators"]:
        computed = item.get("computed")
        if computed is not None:
            value, cumulated = _window_value(computed["year"]), _window_value(computed["cumulative"])
            records[item["code"]] = {key: computed[key]["ids"] for key in ("year", "cumulative")}
        else:
            value, cumulated = (_number(v) for v in item["manual"])
        target, target_cum = _number(item["target"]), _number(item["target_cumulative"])
        figures.append(
            {
                **{key: item[key] for key in ("code", "name_fr", "name_en", "definition_fr", "definition_en")},
                **{key: item[key] for key in ("unit", "method", "computation", "baseline")},
                "target": item["target"],
                "target_cumulative": item["target_cumulative"],
                "value": _plain(value),
                "cumulative": _plain(cumulated),
                "gap": _plain(None if value is None or target is None else value - target),
                "gap_cumulative": _plain(None if cumulated is None or target_cum is None else cumulated - target_cum),
                # The version of the value entered by hand (its evidence file), when there is one.
                **({"evidence": item["evidence"]} if "evidence" in item else {}),
            }
        )
    return figures, records


def snapshot(
    programme: Programme,
    year: int,
    *,
    as_of: dt.datetime,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[list[dict[str, Any]], dict[str, dict[str, list[int]]]]:
    """Every indicator's figures for ``year`` (the year and cumulated, targets, gaps, as text
    decimals) and the ids of the records each computed figure counted."""
    return figures_from_inputs(snapshot_inputs(programme, year, as_of=as_of, progress=progress))


def lacks_a_denominator(report: Any) -> bool:
    """Whether a stored snapshot kept a ratio without its denominator (taken before the fix of
    issue 16: leverage then showed the co-funding amount): such a snapshot is to be taken again."""
    from grappe.core.replay import load_inputs

    if report.inputs is None:
        return False
    payload = load_inputs(report.inputs).payload
    for item in payload.get("indicators", []):
        computation = computations.get(item.get("computation") or "")
        computed = item.get("computed")
        ratio = computation is not None and computation.ratio is not None and computation.counter is None
        if ratio and computed and any(computed[key].get("base") is None for key in ("year", "cumulative")):
            return True
    return False


FIGURES_COMPARED = ("value", "cumulative", "target", "target_cumulative", "baseline")


def compare_figures(kept: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """A report's stored figures and counted records against those recomputed, in words."""
    before = {f["code"]: f for f in kept.get("figures") or []}
    after = {f["code"]: f for f in new["figures"]}
    lines = []
    if set(before) != set(after):
        lines.append(_("Not the same indicators."))
    for code in [c for c in after if c in before]:
        for name in FIGURES_COMPARED:
            if before[code].get(name) != after[code].get(name):
                lines.append(
                    _("%(code)s, %(what)s: %(then)s then, %(now)s now")
                    % {
                        "code": code,
                        "what": name.replace("_", " "),
                        "then": before[code].get(name) or "—",
                        "now": after[code].get(name) or "—",
                    }
                )
        for key in ("year", "cumulative"):
            then = set((kept.get("records") or {}).get(code, {}).get(key, []))
            now = set(new["records"].get(code, {}).get(key, []))
            if then != now:
                counted = {"code": code, "window": key, "added": len(now - then), "removed": len(then - now)}
                lines.append(
                    _(
                        "%(code)s (%(window)s): %(added)d record(s) counted now and not then, "
                        "%(removed)d then and not now"
                    )
                    % counted
                )
    return lines


@dataclass
class Difference:
    code: str
    name: str
    stored: str | None
    fresh: str | None
    added: int
    removed: int

    @property
    def changed(self) -> bool:
        return self.stored != self.fresh or bool(self.added or self.removed)


def compare(report: Any) -> list[Difference]:
    """The stored snapshot against a computation made now: each indicator's yearly figure, stored
    and fresh, and how many records were added or left out since."""
    from django.utils.translation import get_language

    english = (get_language() or "fr").startswith("en")
    fresh_figures, fresh_records = snapshot(report.programme, report.year, as_of=timezone.now())
    fresh = {f["code"]: f for f in fresh_figures}
    out = []
    for f in report.figures:
        now = fresh.get(f["code"], {})
        stored_ids = set(report.records.get(f["code"], {}).get("year", []))
        fresh_ids = set(fresh_records.get(f["code"], {}).get("year", []))
        out.append(
            Difference(
                f["code"],
                f["name_en"] if english else f["name_fr"],
                f["value"],
                now.get("value"),
                len(fresh_ids - stored_ids),
                len(stored_ids - fresh_ids),
            )
        )
    return out


# --- data quality -------------------------------------------------------------------------------


@dataclass
class Gap:
    """One kind of missing data: how many, the first ones with a link to fix each."""

    label: str
    count: int
    items: list[tuple[str, str]]


QUALITY_LIMIT = 20


def data_quality(programme: Programme, year: int) -> list[Gap]:
    """What the annual report lacks: a fixed number of queries, each list cut at QUALITY_LIMIT."""
    from grappe.funding.models import Contribution, ContributionState
    from grappe.partners.models import PartnerProfile
    from grappe.projects.models import Output, Project, ProjectMember, Report, ReportState
    from grappe.training.models import FundedTrainee

    projects = Project.objects.filter(call__programme=programme)
    gaps = []

    def add(label: str, queryset: Any, text: Callable[[Any], str], url: Callable[[Any], str]) -> None:
        count = queryset.count()
        items = [(text(o), url(o)) for o in queryset[:QUALITY_LIMIT]] if count else []
        gaps.append(Gap(label, count, items))

    indicators = Indicator.objects.filter(programme=programme)
    add(
        _("Indicators without a target for %(year)s") % {"year": year},
        indicators.exclude(targets__year=year).order_by("position", "code"),
        lambda i: f"{i.code} — {i.name}",
        lambda i: reverse("reporting:indicator", args=[programme.code, i.pk]),
    )
    add(
        _("Indicators entered by hand without a value for %(year)s") % {"year": year},
        indicators.filter(method=Method.MANUAL).exclude(manual_values__year=year).order_by("position", "code"),
        lambda i: f"{i.code} — {i.name}",
        lambda i: reverse("reporting:indicator", args=[programme.code, i.pk]),
    )
    with_statement = Report.objects.filter(
        project=OuterRef("pk"), state__in=[ReportState.SUBMITTED, ReportState.ACCEPTED]
    )
    add(
        _("Projects without a submitted report"),
        projects.filter(~Exists(with_statement)).order_by("code"),
        lambda p: f"{p.acronym or p.title} ({p.code})",
        lambda p: reverse("projects:reports", args=[p.code]),
    )
    add(
        _("Outputs without evidence (no DOI, HAL, URL or number)"),
        Output.objects.filter(project__call__programme=programme, identifier="")
        .select_related("project")
        .order_by("project__code", "pk"),
        lambda o: f"{o.title} — {o.project.acronym or o.project.title}",
        lambda o: reverse("projects:reports", args=[o.project.code]),
    )
    add(
        _("Project members without an institution"),
        ProjectMember.objects.filter(project__call__programme=programme, organisation=None)
        .select_related("person", "project")
        .order_by("project__code", "pk"),
        lambda m: f"{m.person} — {m.project.acronym or m.project.title}",
        lambda m: reverse("people:person_edit", args=[m.person.code]),
    )
    add(
        _("Co-funding recorded without evidence"),
        Contribution.objects.filter(project__call__programme=programme, file="")
        .exclude(state=ContributionState.REJECTED)
        .select_related("organisation", "project")
        .order_by("project__code", "pk"),
        lambda c: f"{c.organisation} — {c.project.acronym or c.project.title} ({c.year})",
        lambda c: reverse("funding:cofunding", args=[c.project.code]),
    )
    add(
        _("Funded PhD students and postdocs not linked to a project"),
        FundedTrainee.objects.filter(membership=None).select_related("person").order_by("pk"),
        lambda t: str(t.person),
        lambda t: reverse("training:trainees"),
    )
    add(
        _("Industrial partners without a membership date"),
        PartnerProfile.objects.filter(member_since=None).select_related("organisation").order_by("pk"),
        lambda p: str(p.organisation),
        lambda p: reverse("partners:detail", args=[p.organisation.code]),
    )
    return gaps


def scope_choices(programme: Programme) -> dict[str, Any]:
    """The calls, institutions (lead organisations) and partners a dashboard can be narrowed to."""
    from grappe.people.models import Organisation

    calls = list(Call.objects.filter(programme=programme).order_by("opens_at", "code"))
    leading = Proposal.objects.filter(call__programme=programme, state=ProposalState.SUBMITTED).values(
        "lead_organisation"
    )
    institutions = list(Organisation.objects.filter(pk__in=leading).order_by("name"))
    partnering = Proposal.objects.filter(call__programme=programme).values("partners__organisation")
    partners = list(Organisation.objects.filter(pk__in=partnering).order_by("name"))
    return {"calls": calls, "institutions": institutions, "partners": partners}


__all__ = ["Window", "actuals", "compare", "dashboard", "data_quality", "series", "snapshot"]
