"""Reusable reads: the catalogue, the funder's counts, trainees behind."""

from __future__ import annotations

from typing import Any

from django.db.models import Case, Count, F, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value, When
from django.utils import timezone

from grappe.people.rules import roles_of
from grappe.training.models import (
    Enrolment,
    FundedTrainee,
    LearnerProfile,
    Outcome,
    Registration,
    RegistrationState,
    TrainingProgramme,
    TrainingSession,
    fold,
)

MIN_GROUP = 10  # a gender is shown only in groups of at least this many people (decision 0009)


def sessions_with_places() -> QuerySet[TrainingSession]:
    return TrainingSession.objects.annotate(
        taken=Count("registrations", filter=Q(registrations__state=RegistrationState.CONFIRMED)),
        waiting=Count("registrations", filter=Q(registrations__state=RegistrationState.WAITING)),
    ).annotate(free=F("capacity") - F("taken"))


def waiting_position() -> Case:
    """Annotation: a waiting registration's place in its session's queue (1 = next to get a
    place); None for any other state. One subquery, whatever the number of rows."""
    ahead = (
        Registration.objects.filter(
            session=OuterRef("session"), state=RegistrationState.WAITING, queued_at__lte=OuterRef("queued_at")
        )
        .order_by()
        .values("session")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Case(
        When(state=RegistrationState.WAITING, then=Subquery(ahead, output_field=IntegerField())),
        default=Value(None),
        output_field=IntegerField(),
    )


def catalogue(filters: dict[str, Any]) -> QuerySet[TrainingProgramme]:
    """Published programmes matching ``filters``, each with its upcoming sessions (places counted)."""
    programmes = TrainingProgramme.objects.filter(is_published=True).select_related("institution")
    # Every word of the query, folded as the stored search text (accents and case ignored), must
    # appear in the programme's title, description, courses or institution: one portable LIKE each.
    for word in fold(filters.get("q") or "").split():
        programmes = programmes.filter(search_text__contains=word)
    for name in ("kind", "language", "level", "audience"):
        if filters.get(name):
            programmes = programmes.filter(**{name: filters[name]})
    if filters.get("institution"):
        programmes = programmes.filter(institution=filters["institution"])
    # Only sessions one may still sign up for: not started, not cancelled, of a live course.
    sessions = (
        sessions_with_places()
        .filter(starts_at__gt=timezone.now(), cancelled_at=None, course__archived_at=None)
        .select_related("course")
    )
    if filters.get("start"):
        sessions = sessions.filter(starts_at__date__gte=filters["start"])
    if filters.get("end"):
        sessions = sessions.filter(starts_at__date__lte=filters["end"])
    if filters.get("start") or filters.get("end"):
        dated = sessions.values("course__programme_id")
        programmes = programmes.filter(pk__in=dated)
    return (
        programmes.distinct()
        .order_by("title", "id")
        .prefetch_related(
            Prefetch("courses__sessions", queryset=sessions.order_by("starts_at", "id"), to_attr="upcoming")
        )
    )


def manageable_programmes(user: Any) -> QuerySet[TrainingProgramme]:
    programmes = TrainingProgramme.objects.select_related("institution")
    roles = roles_of(user)
    if roles.is_office:
        return programmes
    from grappe.training.rules import institution_ids

    return programmes.filter(institution_id__in=institution_ids(user))


def organised_sessions(user: Any) -> QuerySet[TrainingSession]:
    """Sessions the user organises: of programmes they may edit, or where they are a trainer."""
    roles = roles_of(user)
    sessions = sessions_with_places().select_related("course__programme")
    if roles.is_office:
        return sessions
    from grappe.training.rules import institution_ids

    return sessions.filter(
        Q(course__programme__institution_id__in=institution_ids(user)) | Q(trainers__id=roles.person_id or 0)
    ).distinct()


DIMENSIONS = {
    "kind": "programme__kind",
    "audience": "programme__audience",
    "institution": "programme__institution__name",
    "gender": "gender",
}


def yearly_counts(dimension: str | None = None) -> list[dict[str, Any]]:
    """People trained and made aware per academic year (optionally split by ``dimension``).

    A person counts once per year and group, at their best outcome: trained if one completed
    enrolment of the group counts as trained, else made aware. Genders are shown only for groups
    of at least ``MIN_GROUP`` people; smaller groups are merged into "not shown".
    """
    rows = Enrolment.objects.exclude(outcome=Outcome.NONE)
    keys = ["academic_year", "person_id"]
    if dimension == "gender":
        genders = dict(LearnerProfile.objects.values_list("person_id", "gender"))
    elif dimension:
        keys.append(DIMENSIONS[dimension])
    best: dict[tuple[Any, ...], str] = {}
    for values in rows.values_list(*keys, "outcome").iterator(chunk_size=5000):
        *key, outcome = values
        if dimension == "gender":
            key.append(genders.get(key[1]) or "")
        k = tuple(key)
        if best.get(k) != Outcome.TRAINED:
            best[k] = outcome
    table: dict[tuple[int, Any], dict[str, int]] = {}
    for key, outcome in best.items():
        group = key[2] if dimension else ""
        cell = table.setdefault((key[0], group), {"trained": 0, "aware": 0})
        cell[outcome] += 1
    out = [
        {"year": year, "group": group, "trained": c["trained"], "aware": c["aware"]}
        for (year, group), c in sorted(table.items(), key=lambda item: (-item[0][0], str(item[0][1])))
    ]
    return _hide_small_genders(out) if dimension == "gender" else out


def _hide_small_genders(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each (year, gender) row with a count (trained or made aware) of fewer than MIN_GROUP people
    is merged into "not shown" (a row of 10 split 7 / 3 showed a group of 3);
    if "not shown" would then single out one small group, it still says only the merged total."""
    out: list[dict[str, Any]] = []
    hidden: dict[int, dict[str, Any]] = {}
    for row in rows:
        if row["group"] and all(n == 0 or n >= MIN_GROUP for n in (row["trained"], row["aware"])):
            out.append(row)
        else:
            merged = hidden.setdefault(row["year"], {"year": row["year"], "group": "", "trained": 0, "aware": 0})
            merged["trained"] += row["trained"]
            merged["aware"] += row["aware"]
    out.extend(hidden.values())
    return sorted(out, key=lambda r: (-r["year"], r["group"] == "", r["group"]))


def trainees_progress() -> list[tuple[FundedTrainee, list[tuple[TrainingProgramme, bool]], bool]]:
    """Every funded trainee, their required programmes (done or not) and whether they are behind."""
    trainees = list(FundedTrainee.objects.select_related("person", "membership__project").prefetch_related("required"))
    done = set(
        Enrolment.objects.filter(person_id__in=[t.person_id for t in trainees], outcome=Outcome.TRAINED).values_list(
            "person_id", "programme_id"
        )
    ) | set(
        Enrolment.objects.filter(
            person_id__in=[t.person_id for t in trainees], outcome=Outcome.AWARE, programme__trained_min_hours=None
        ).values_list("person_id", "programme_id")
    )
    today = timezone.localdate()
    out = []
    for trainee in trainees:
        items = [(p, (trainee.person_id, p.pk) in done) for p in trainee.required.all()]
        behind = trainee.due_on < today and not all(ok for _, ok in items)
        out.append((trainee, items, behind))
    out.sort(key=lambda t: (not t[2], t[0].due_on))
    return out
