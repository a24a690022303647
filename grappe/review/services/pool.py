"""The reviewer pool: invitations and answers."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from grappe.calls.models import Call
from grappe.core import guards
from grappe.core.services import log_action
from grappe.notifications.models import Kind
from grappe.notifications.services import notify
from grappe.people.models import Person
from grappe.review.models import (
    PoolMember,
    PoolState,
)
from grappe.review.services.common import ReviewError, clean_reason


@transaction.atomic
def invite(
    call: Call,
    *,
    email: str,
    first_name: str = "",
    last_name: str = "",
    max_load: int = 6,
    is_external: bool = False,
    is_international: bool = False,
    actor: Any,
) -> PoolMember:
    """Invite an expert (an existing person by email, or a new one) to review for ``call``."""
    email = email.strip().lower()
    person = Person.objects.filter(email__iexact=email).first()
    if person is None:
        if not last_name.strip():
            raise ReviewError(_("Nobody has this email address yet: give the expert's first and last name."))
        person = Person.objects.create(first_name=first_name.strip(), last_name=last_name.strip(), email=email)
    if PoolMember.objects.filter(call=call, person=person).exists():
        raise ReviewError(_("%(name)s is already in this call's pool.") % {"name": person.full_name})
    refused = guards.refusal("review.join_pool", call, person)
    if refused:
        raise ReviewError(refused)
    member = PoolMember.objects.create(
        call=call, person=person, max_load=max_load, is_external=is_external, is_international=is_international
    )
    log_action(call, "review.expert_invited", actor=actor, data={"person": person.code, "max_load": max_load})
    transaction.on_commit(lambda: send_pool_invitation(member))
    return member


def send_pool_invitation(member: PoolMember) -> None:
    link = settings.SITE_URL + reverse("review:invitation", args=[member.token])
    notify(
        member.person,
        Kind.INVITATION,
        subject=lambda: _("Invitation to review for %(call)s") % {"call": member.call.title},
        template="review/email/invitation.txt",
        context={"member": member, "link": link},
        link=link,
    )


@transaction.atomic
def respond(member: PoolMember, *, accept: bool, reason: str = "", actor: Any) -> PoolMember:
    member = PoolMember.objects.select_for_update().get(pk=member.pk)
    reason = clean_reason(reason)
    if not accept and not reason.strip():
        raise ReviewError(_("Please say briefly why you decline."))
    member.state = PoolState.ACCEPTED if accept else PoolState.DECLINED
    member.decline_reason = "" if accept else reason.strip()
    member.responded_at = timezone.now()
    member.save(update_fields=["state", "decline_reason", "responded_at"])
    log_action(member.call, "review.invitation_answered", actor=actor, data={"accept": accept, "reason": reason})
    return member


@transaction.atomic
def set_max_loads(call: Call, *, members: list[int], max_load: int, actor: Any) -> int:
    """Set the maximum load of the given pool members (ids) of ``call`` — one expert or many at
    once, at any time after the invitation. Returns how many changed (each logged)."""
    if not 0 <= max_load <= 50:
        raise ReviewError(_("A maximum load is a whole number from 0 to 50."))
    chosen = list(PoolMember.objects.select_for_update().filter(call=call, pk__in=members).select_related("person"))
    if not chosen:
        raise ReviewError(_("Choose at least one expert."))
    changed = [m for m in chosen if m.max_load != max_load]
    for member in changed:
        log_action(
            call,
            "review.max_load_changed",
            actor=actor,
            data={"person": member.person.code, "from": member.max_load, "to": max_load},
        )
        member.max_load = max_load
    PoolMember.objects.bulk_update(changed, ["max_load"])
    return len(changed)


def capacity(call: Call, *, cap: int | None = None) -> int:
    """How many reviews the accepted experts can take: the sum of their maximum loads (each
    lowered to ``cap`` when a run caps loads)."""
    loads = PoolMember.objects.filter(call=call, state=PoolState.ACCEPTED).values_list("max_load", flat=True)
    return sum(min(load, cap) if cap else load for load in loads)
