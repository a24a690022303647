"""The offer: programmes, courses and sessions (office, or the institution's contacts)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from grappe.core.services import diff, log_action, save_versioned
from grappe.people.models import Person
from grappe.training.models import Course, FundedTrainee, LearnerProfile, TrainingProgramme, TrainingSession


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
    if session is None:
        created = True
        session = TrainingSession.objects.create(course=course, **changes)
    else:
        created = False
        save_versioned(session, changes, expected_version=expected_version)
    session.trainers.set(trainers)
    log_action(
        session,
        "training.session_created" if created else "training.session_updated",
        actor=actor,
        data={"changes": changes},
    )
    return session


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
