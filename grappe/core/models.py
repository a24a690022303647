"""The audit log: one row per write, made by ``core.services.log_action``."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditLog(models.Model):
    timestamp = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Kept even if the actor's account is deleted, so the trail stays readable.
    actor_repr = models.CharField(_("actor"), max_length=255, blank=True)
    action = models.CharField(_("action"), max_length=100, db_index=True)
    content_type = models.ForeignKey(
        ContentType, verbose_name=_("object type"), on_delete=models.PROTECT, related_name="+"
    )
    object_id = models.CharField(_("object id"), max_length=64)
    object_repr = models.CharField(_("object"), max_length=255)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")
        ordering = ["-timestamp", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="auditlog_object_idx")]

    def __str__(self) -> str:
        return f"{self.timestamp:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"


class Generation(models.Model):
    """A generation per key (a random number), renewed inside the transaction of each change that makes what is stored
    under that key stale (``core.generations``): caches shared by every web process are keyed by
    it, so a change committed by one process is seen by all, and a rolled-back change bumps nothing."""

    key = models.CharField(max_length=100, unique=True)
    value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.key} = {self.value}"


class StoredInput(models.Model):
    """The exact inputs of an algorithmic suggestion (an engine run, a portfolio run…), kept so it
    can be replayed (``core.replay``). Content-addressed: the key is the SHA-256 of the canonical
    JSON, so identical inputs are stored once, whatever the number of runs that used them; the
    JSON is kept compressed (zlib). Old inputs are dropped after ``GRAPPE_INPUT_RETENTION_DAYS``
    (the runs keep their hash and say that their inputs are no longer kept)."""

    digest = models.CharField(_("SHA-256"), max_length=64, primary_key=True)
    data = models.BinaryField(_("compressed JSON"))
    size = models.PositiveBigIntegerField(_("size before compression (bytes)"))
    created_at = models.DateTimeField(_("first stored"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("stored input")

    def __str__(self) -> str:
        return self.digest[:12]
