"""The offer: programmes, courses and sessions (office, or the institution's contacts)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from grappe.core.services import diff, log_action, save_versioned
from grappe.people.models import Person
from grappe.training.models import (
    Course,
    FundedTrainee,
    LearnerProfile,
    Registration,
    TrainingProgramme,
    TrainingSession,
    refresh_search,
)


class TrainingError(Exception):
    """A refusal of a training rule, with a message for the person."""


@transaction.atomic
def save_programme(
    programme: TrainingProgramme | None, changes: dict[str, Any], *, expected_version: int = 0, actor: Any
) -> TrainingProgramme:
    if programme is None:
        programme = TrainingProgramme.objects.create(**changes)
        log_action(programme, "training.programme_created", actor=actor)
        return programme
    changed = diff(programme, changes)
    save_versioned(programme, changes, expected_version=expected_version)
    refresh_search([programme.pk])  # save_versioned writes by UPDATE, past the model's save()
    log_action(programme, "training.programme_updated", actor=actor, data={"changes": changed})
    return programme


@transaction.atomic
def save_course(course: Course | None, changes: dict[str, Any], *, programme: TrainingProgramme, actor: Any) -> Course:
    if course is None:
        course = Course.objects.create(programme=programme, **changes)
    else:
        for name, value in changes.items():
            setattr(course, name, value)
        course.save()
    log_action(programme, "training.course_saved", actor=actor, data={"course": course.title})
    return course


@transaction.atomic
def save_session(
    session: TrainingSession | None,
    changes: dict[str, Any],
    *,
    course: Course,
    trainers: list[Person],
    expected_version: int = 0,
    actor: Any,
) -> TrainingSession:
    starts_at = changes.get("starts_at")
    moved = session is None or (starts_at is not None and starts_at != session.starts_at)
    if moved and starts_at is not None and starts_at <= timezone.now():
        raise TrainingError(_("A session cannot start in the past: choose a date and time still to come."))
    if session is None:
        if course.archived_at is not None:
            raise TrainingError(_("This course is archived: it takes no new session."))
        created = True
        session = TrainingSession.objects.create(course=course, **changes)
    else:
        created = False
        if session.cancelled_at is not None:
            raise TrainingError(_("This session is cancelled: it can no longer be changed."))
        save_versioned(session, changes, expected_version=expected_version)
    session.trainers.set(trainers)
    log_action(
        session,
        "training.session_created" if created else "training.session_updated",
        actor=actor,
        data={"changes": changes},
    )
    return session


def session_deletable(session: TrainingSession) -> bool:
    """A session may be deleted while nobody ever registered for it (else it is cancelled)."""
    return not Registration.objects.filter(session=session).exists()


@transaction.atomic
def delete_session(session: TrainingSession, *, actor: Any) -> None:
    """Delete a session nobody registered for; one with registrations is cancelled instead."""
    session = TrainingSession.objects.select_for_update().select_related("course__programme").get(pk=session.pk)
    if not session_deletable(session):
        raise TrainingError(
            _("People registered for this session: it cannot be deleted. Cancel it instead (they are told).")
        )
    log_action(
        session.course.programme,
        "training.session_deleted",
        actor=actor,
        data={"session": session.code, "course": session.course.title, "starts_at": session.starts_at},
    )
    session.delete()


def course_registrations(course: Course) -> int:
    return Registration.objects.filter(session__course=course).count()


@transaction.atomic
def delete_course(course: Course, *, actor: Any) -> int:
    """Delete a course (and its sessions) when nobody ever registered for any of its sessions;
    returns how many sessions went with it. A course with registrations is archived instead."""
    course = Course.objects.select_for_update().select_related("programme").get(pk=course.pk)
    if course_registrations(course):
        raise TrainingError(
            _("People registered for sessions of this course: it cannot be deleted. Archive it instead.")
        )
    sessions = list(course.sessions.values_list("code", flat=True))
    log_action(
        course.programme, "training.course_deleted", actor=actor, data={"course": course.title, "sessions": sessions}
    )
    course.delete()
    return len(sessions)


@transaction.atomic
def archive_course(course: Course, *, actor: Any) -> None:
    """Archive a course that has a history: it keeps its sessions and registrations, leaves the
    catalogue and takes no new session. Its sessions to come must be cancelled first."""
    course = Course.objects.select_for_update().select_related("programme").get(pk=course.pk)
    if course.archived_at is not None:
        raise TrainingError(_("This course is already archived."))
    upcoming = course.sessions.filter(starts_at__gt=timezone.now(), cancelled_at=None).count()
    if upcoming:
        raise TrainingError(
            ngettext(
                "%(n)s session of this course is still to come: cancel it first.",
                "%(n)s sessions of this course are still to come: cancel them first.",
                upcoming,
            )
            % {"n": upcoming}
        )
    Course.objects.filter(pk=course.pk).update(archived_at=timezone.now())
    log_action(course.programme, "training.course_archived", actor=actor, data={"course": course.title})


@transaction.atomic
def set_registration_open(session: TrainingSession, is_open: bool, *, actor: Any) -> None:
    TrainingSession.objects.filter(pk=session.pk).update(registration_open=is_open)
    session.registration_open = is_open
    log_action(session, "training.registration_opened" if is_open else "training.registration_closed", actor=actor)


@transaction.atomic
def set_gender(person: Person, gender: str, *, actor: Any) -> None:
    LearnerProfile.objects.update_or_create(person=person, defaults={"gender": gender})


@transaction.atomic
def save_trainee(
    trainee: FundedTrainee | None, changes: dict[str, Any], *, required: list[TrainingProgramme], actor: Any
) -> FundedTrainee:
    if trainee is None:
        trainee = FundedTrainee.objects.create(**changes)
    else:
        for name, value in changes.items():
            setattr(trainee, name, value)
        trainee.save()
    trainee.required.set(required)
    log_action(trainee, "training.trainee_saved", actor=actor, data={"required": [p.code for p in required]})
    return trainee
