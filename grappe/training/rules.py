"""Who may see and do what in training.

- Everyone reads the published catalogue, session pages and certificate verification.
- The office edits every programme; an institution contact edits their institution's offer only.
- Organisers of a session (those who may edit its programme, and the session's trainers) see its
  registrants, mark attendance, close registration, message and export registrants.
- The office and the board read the funder's counts; the office follows funded trainees and imports
  enrolments (institution contacts import for their institution).
"""

from __future__ import annotations

from typing import Any

import rules

from grappe.people.models import RoleKind
from grappe.people.rules import is_board, is_office, roles_of


def institution_ids(user: Any) -> frozenset[int]:
    return frozenset(org for org, kinds in roles_of(user).by_org.items() if RoleKind.INSTITUTION_CONTACT in kinds)


def _programme(obj: Any) -> Any:
    if obj is None:
        return None
    if hasattr(obj, "course"):
        return obj.course.programme
    return getattr(obj, "programme", obj)


@rules.predicate
def is_institution_contact(user: Any) -> bool:
    return bool(institution_ids(user))


@rules.predicate
def is_contact_of_programme(user: Any, obj: Any) -> bool:
    programme = _programme(obj)
    return programme is not None and programme.institution_id in institution_ids(user)


@rules.predicate
def is_trainer(user: Any, session: Any) -> bool:
    person_id = roles_of(user).person_id
    if session is None or person_id is None or not hasattr(session, "trainers"):
        return False
    return any(person.pk == person_id for person in session.trainers.all())


@rules.predicate
def is_published(user: Any, obj: Any) -> bool:
    programme = _programme(obj)
    return programme is not None and programme.is_published


can_edit = is_office | is_contact_of_programme

rules.add_perm("training.view_programme", is_published | can_edit)
rules.add_perm("training.manage_offer", is_office | is_institution_contact)
rules.add_perm("training.change_programme", can_edit)
rules.add_perm("training.organise_session", can_edit | is_trainer)
rules.add_perm("training.view_counts", is_office | is_board)
rules.add_perm("training.follow_trainees", is_office)
rules.add_perm("training.import_enrolments", is_office | is_institution_contact)
