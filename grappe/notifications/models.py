"""The outbox of every email Grappe sends (but the decision letters' own, ``selection.Letter``) and
the in-app list: a notification per recipient and message, its email delivery, and each person's
choice per kind (immediate, daily digest, off — never off for the mandatory kinds)."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from django.db import models
from django.db.models import Q
from django.urls import Resolver404, resolve
from django.utils.translation import gettext_lazy as _

from grappe.people.models import Person


class Kind(models.TextChoices):
    DEADLINE = "deadline", _("Deadlines and reminders")
    DECISION = "decision", _("Decisions")
    RECEIPT = "receipt", _("Receipts and confirmations")
    SECURITY = "security", _("Account security")
    INVITATION = "invitation", _("Invitations")
    ASSIGNMENT = "assignment", _("Reviews assigned to me")
    MESSAGE = "message", _("Messages and contact requests")


#: Kinds a person cannot turn off (a deadline, a decision, a receipt, the account's security: the
#: cluster must be able to prove it told them). They can still be grouped in the daily digest.
MANDATORY = frozenset({Kind.DEADLINE, Kind.DECISION, Kind.RECEIPT, Kind.SECURITY})


class Mode(models.TextChoices):
    IMMEDIATE = "immediate", _("By email at once")
    DAILY = "daily", _("In a daily email digest")
    OFF = "off", _("No email (in Grappe only)")


class Notification(models.Model):
    """One message to one recipient: a person (it shows in their list) or, for someone without an
    account yet (a team invitation, a visitor's training registration), only an address."""

    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications")
    email = models.EmailField(_("email"), max_length=254, blank=True)
    language = models.CharField(max_length=8, default="fr")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("message"))
    link = models.URLField(_("link"), max_length=500, blank=True)
    # Where answers to the email go (a training session's organisers, the person who wrote).
    reply_to = models.JSONField(_("reply to"), default=list, blank=True)
    created_at = models.DateTimeField(_("sent"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["person", "-created_at"], name="notification_list_idx"),
            models.Index(fields=["person"], condition=Q(read_at__isnull=True), name="notification_unread_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.subject}"

    @property
    def site_link(self) -> str:
        """The link as a path on this site when it points to one of Grappe's pages, so it follows the
        address the reader uses, not the ``SITE_URL`` of the day it was written; other links as they are."""
        parts = urlsplit(self.link)
        try:
            resolve(parts.path)
        except Resolver404:
            return self.link
        return urlunsplit(("", "", parts.path, parts.query, parts.fragment))


class Attachment(models.Model):
    """A file sent with the email (a session's ``.ics``), kept until it is sent so a retry has it."""

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(max_length=200)
    content = models.BinaryField()
    mimetype = models.CharField(max_length=100)

    def __str__(self) -> str:
        return self.filename


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")


class DeliveryState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class Delivery(models.Model):
    """The email of a notification: sent at once (with retries) or grouped in the daily digest."""

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.EMAIL)
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.IMMEDIATE)
    address = models.EmailField(max_length=254)
    state = models.CharField(_("state"), max_length=10, choices=DeliveryState.choices, default=DeliveryState.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        indexes = [
            models.Index(fields=["mode", "next_attempt_at"], condition=Q(state="queued"), name="delivery_queued_idx")
        ]

    def __str__(self) -> str:
        return f"{self.channel} to {self.address}: {self.state}"


class Preference(models.Model):
    """A person's choice for one kind; no row means immediate."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="notification_preferences")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    mode = models.CharField(_("email"), max_length=10, choices=Mode.choices, default=Mode.IMMEDIATE)

    class Meta:
        verbose_name = _("notification preference")
        constraints = [
            models.UniqueConstraint(fields=["person", "kind"], name="notification_preference_once"),
            models.CheckConstraint(
                condition=~Q(mode="off") | ~Q(kind__in=sorted(MANDATORY)),
                name="notification_mandatory_not_off",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.kind}={self.mode}"
