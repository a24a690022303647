"""``notify``: the one way Grappe emails someone (but the decision letters, which have their own
outbox, and the account's verification and password mails, sent by ``people`` directly).

A notification is written in its recipient's language and kept (the in-app list); its email is a
:class:`~grappe.notifications.models.Delivery` sent at once by a task (retried with backoff, then
marked failed), grouped in the daily digest, or not sent at all, as the person chose for the kind.
Sending is idempotent: a delivery is sent under its row's lock and only while queued, so a task run
twice, a retry racing the sweep, or two workers never mail it twice.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from grappe.core.services import log_action
from grappe.core.validation import one_line
from grappe.notifications.models import (
    MANDATORY,
    Attachment,
    Delivery,
    DeliveryState,
    Kind,
    Mode,
    Notification,
    Preference,
)
from grappe.people.models import Person

logger = logging.getLogger(__name__)

#: An immediate delivery is tried this many times (the first, then retries after 1, 4, 16, 64 minutes).
MAX_ATTEMPTS = 5
UNREAD_CACHE_SECONDS = 60

Text = str | Callable[[], str]


class NotificationError(Exception):
    """A refused change (a mandatory kind turned off, an unknown kind or mode)."""


def backoff(attempts: int) -> dt.timedelta:
    """The wait before the next try after ``attempts`` failed ones: 1, 4, 16, 64 minutes."""
    return dt.timedelta(minutes=4 ** max(attempts - 1, 0))


# --- Preferences --------------------------------------------------------------------------------


def preferences(person: Person) -> dict[str, str]:
    """Every kind with the person's mode (immediate where they chose nothing)."""
    chosen = dict(Preference.objects.filter(person=person).values_list("kind", "mode"))
    return {kind: chosen.get(kind, Mode.IMMEDIATE) for kind in Kind.values}


def mode_for(person: Person, kind: str) -> str:
    mode = Preference.objects.filter(person=person, kind=kind).values_list("mode", flat=True).first()
    return mode or Mode.IMMEDIATE


@transaction.atomic
def set_preference(person: Person, kind: str, mode: str, *, actor: Any) -> Preference:
    """Record the person's choice for ``kind``; ``off`` is refused for the mandatory kinds."""
    if kind not in Kind.values:
        raise NotificationError(_("Unknown kind of notification."))
    if mode not in Mode.values:
        raise NotificationError(_("Unknown choice."))
    if mode == Mode.OFF and kind in MANDATORY:
        raise NotificationError(
            _("“%(kind)s” cannot be turned off: Grappe must be able to tell you.") % {"kind": Kind(kind).label}
        )
    preference, created = Preference.objects.get_or_create(person=person, kind=kind, defaults={"mode": mode})
    if not created and preference.mode != mode:
        preference.mode = mode
        preference.save(update_fields=["mode"])
    log_action(person, "notifications.preference_set", actor=actor, data={"kind": kind, "mode": mode})
    return preference


# --- Writing a notification -------------------------------------------------------------------------


def _text(value: Text) -> str:
    return value() if callable(value) else str(value)


def notify(
    person: Person | None,
    kind: str,
    *,
    subject: Text,
    body: Text | None = None,
    template: str | None = None,
    context: dict[str, Any] | None = None,
    link: str = "",
    attachments: Sequence[tuple[str, bytes, str]] = (),
    email: str | None = None,
    language: str | None = None,
    send_email: bool = True,
    reply_to: Sequence[str] = (),
) -> Notification:
    """Write a notification to ``person`` (or, with ``person=None``, to the address ``email``) and
    queue its email as the person chose for ``kind``.

    The subject and the body (``body``, or ``template`` rendered with ``context`` and ``person``)
    are produced in the recipient's language: ``language``, else the person's preferred one, else
    French — pass callables or a template, not strings already translated. ``attachments`` are
    ``(filename, content, mimetype)``. ``send_email=False`` writes the in-app notification only (a
    decision letter mailed by its own outbox). ``reply_to``: where answers to the email go. The
    delivery is queued in the caller's transaction: its email leaves only if that commits.
    """
    if kind not in Kind.values:
        raise ValueError(f"unknown notification kind {kind!r}")
    address = (email if email is not None else (person.email if person else "")).strip()
    lang = language or (person.preferred_language if person else "") or "fr"
    with translation.override(lang):
        subject_text = one_line(_text(subject))[:300]
        body_text = render_to_string(template, {**(context or {}), "person": person}) if template else _text(body or "")
    with transaction.atomic():
        notification = Notification.objects.create(
            person=person,
            email=address,
            language=lang,
            kind=kind,
            subject=subject_text,
            body=body_text,
            link=link,
            reply_to=[one_line(a) for a in reply_to if a],
        )
        Attachment.objects.bulk_create(
            Attachment(notification=notification, filename=name, content=content, mimetype=mimetype)
            for name, content, mimetype in attachments
        )
        mode = mode_for(person, kind) if person else Mode.IMMEDIATE
        if mode == Mode.OFF and kind in MANDATORY:
            mode = Mode.IMMEDIATE  # a row written before the rule (or by hand) never silences these
        delivery = None
        if send_email and address and mode != Mode.OFF:
            delivery = Delivery.objects.create(notification=notification, mode=mode, address=address)
        if person is not None:
            forget_unread(person.pk)
        if delivery is not None and mode == Mode.IMMEDIATE:
            _enqueue(delivery.pk)
    return notification


def _enqueue(delivery_id: int, *, run_after: dt.datetime | None = None) -> None:
    from grappe.notifications import tasks

    task = tasks.send_delivery
    if run_after is not None:
        if not task.get_backend().supports_defer:
            return  # the sweep (`grappe send-notifications`) retries it when it is due
        task = task.using(run_after=run_after)
    task.enqueue(delivery_id)


# --- Sending --------------------------------------------------------------------------------------


def _message(
    subject: str, body: str, address: str, attachments: Iterable[Attachment], reply_to: Sequence[str] = ()
) -> EmailMessage:
    message = EmailMessage(one_line(subject), body, settings.DEFAULT_FROM_EMAIL, [address], reply_to=list(reply_to))
    for attachment in attachments:
        message.attach(attachment.filename, bytes(attachment.content), attachment.mimetype)
    return message


def _failed(delivery: Delivery, exc: Exception, now: dt.datetime) -> None:
    delivery.last_error = f"{type(exc).__name__}: {exc}"[:2000]
    if delivery.attempts >= MAX_ATTEMPTS:
        delivery.state = DeliveryState.FAILED
        delivery.next_attempt_at = None
    else:
        delivery.next_attempt_at = now + backoff(delivery.attempts)
    logger.warning("notification delivery %s failed (attempt %s): %s", delivery.pk, delivery.attempts, exc)


def send_delivery(delivery_id: int) -> bool:
    """Send one immediate delivery if it is still queued; returns whether it was sent now. A failure
    is recorded (attempts, last error, the next try) and retried later; after MAX_ATTEMPTS the
    delivery is failed and stays visible in the admin."""
    now = timezone.now()
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(of=("self",))
            .select_related("notification")
            .filter(pk=delivery_id, state=DeliveryState.QUEUED, mode=Mode.IMMEDIATE)
            .first()
        )
        if delivery is None:
            return False  # sent already, failed for good, or grouped in a digest
        notification = delivery.notification
        delivery.attempts += 1
        try:
            _message(
                notification.subject,
                notification.body,
                delivery.address,
                notification.attachments.all(),
                notification.reply_to,
            ).send()
        except Exception as exc:  # SMTP refusals, a lost connection: all recorded, none lost
            _failed(delivery, exc, now)
            sent = False
        else:
            delivery.state = DeliveryState.SENT
            delivery.sent_at = now
            delivery.next_attempt_at = None
            sent = True
        delivery.save(update_fields=["attempts", "state", "sent_at", "last_error", "next_attempt_at"])
        retry_at = delivery.next_attempt_at if delivery.state == DeliveryState.QUEUED else None
    if retry_at is not None:
        _enqueue(delivery_id, run_after=retry_at)
    return sent


def send_due(*, now: dt.datetime | None = None) -> int:
    """The sweep: every queued immediate delivery whose time has come (a retry due, a task lost).
    Returns how many were sent."""
    now = now or timezone.now()
    ids = list(
        Delivery.objects.filter(state=DeliveryState.QUEUED, mode=Mode.IMMEDIATE)
        .exclude(next_attempt_at__gt=now)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return sum(send_delivery(pk) for pk in ids)


def send_digests(*, now: dt.datetime | None = None) -> int:
    """One email per address grouping its queued daily deliveries (written before ``now``), in the
    person's language; the deliveries are marked sent together. Returns how many digests were sent."""
    now = now or timezone.now()
    addresses = (
        Delivery.objects.filter(state=DeliveryState.QUEUED, mode=Mode.DAILY, notification__created_at__lte=now)
        .values_list("address", flat=True)
        .distinct()
    )
    return sum(_send_digest(address, now) for address in sorted(set(addresses)))


def _send_digest(address: str, now: dt.datetime) -> int:
    with transaction.atomic():
        deliveries = list(
            Delivery.objects.select_for_update(of=("self",))
            .filter(address=address, state=DeliveryState.QUEUED, mode=Mode.DAILY, notification__created_at__lte=now)
            .select_related("notification__person")
            .order_by("notification__created_at", "pk")
        )
        if not deliveries:
            return 0
        notifications = [d.notification for d in deliveries]
        person = notifications[0].person
        language = (person.preferred_language if person else "") or notifications[0].language or "fr"
        with translation.override(language):
            subject = _("%(site)s: %(count)d notifications") % {"site": settings.SITE_NAME, "count": len(notifications)}
            body = render_to_string(
                "notifications/email/digest.txt",
                {
                    "person": person,
                    "notifications": notifications,
                    "link": settings.SITE_URL + reverse("notifications:list"),
                    "preferences": settings.SITE_URL + reverse("notifications:preferences"),
                },
            )
        attachments = Attachment.objects.filter(notification__in=notifications).order_by("pk")
        ids = [d.pk for d in deliveries]
        try:
            _message(subject, body, address, attachments).send()
        except Exception as exc:
            Delivery.objects.filter(pk__in=ids).update(
                attempts=F("attempts") + 1, last_error=f"{type(exc).__name__}: {exc}"[:2000]
            )
            logger.warning("notification digest to %s failed: %s", address, exc)
            return 0  # still queued: tomorrow's digest (or a run of the command) sends them
        Delivery.objects.filter(pk__in=ids).update(state=DeliveryState.SENT, sent_at=now, attempts=F("attempts") + 1)
    return 1


# --- The in-app list ----------------------------------------------------------------------------------


def _unread_key(person_id: int) -> str:
    return f"notifications:unread:{person_id}"


def forget_unread(person_id: int) -> None:
    cache.delete(_unread_key(person_id))


def unread_count(person_id: int) -> int:
    """The header's count: one indexed COUNT, cached a minute per person (forgotten on every change)."""
    key = _unread_key(person_id)
    count = cache.get(key)
    if count is None:
        count = Notification.objects.filter(person_id=person_id, read_at__isnull=True).count()
        cache.set(key, count, UNREAD_CACHE_SECONDS)
    return int(count)


def mark_read(person: Person, notification_ids: Iterable[int] | None = None) -> int:
    """Mark the person's notifications read (all of them when ``notification_ids`` is None); another
    person's ids are ignored. Returns how many changed."""
    unread = Notification.objects.filter(person=person, read_at__isnull=True)
    if notification_ids is not None:
        unread = unread.filter(pk__in=list(notification_ids))
    changed = unread.update(read_at=timezone.now())
    forget_unread(person.pk)
    return changed
