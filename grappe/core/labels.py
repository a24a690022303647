"""Labels of the keys the audit log stores most (shown on the activity page)."""

from django.utils.translation import gettext_lazy as _

from grappe.core.actions import ACTIONS
from grappe.core.display import register_labels, register_values

LABELS = {
    "amount": _("amount"),
    "state": _("state"),
    "reason": _("reason"),
    "email": _("email"),
    "changed": _("changed"),
    "reviewer": _("expert"),
    "organisation": _("organisation"),
    "from": _("from"),
    "to": _("to"),
    "role": _("role"),
    "fields": _("fields"),
    "question": _("question"),
    "start": _("start"),
    "end": _("end"),
    "cells": _("cells"),
    "via": _("via"),
    "total": _("total"),
    "title": _("title"),
    "template": _("template"),
    "submitted_at": _("submitted at"),
    "review": _("review"),
    "replaces": _("replaces"),
    "questions": _("questions"),
    "programme": _("programme"),
    "position": _("position"),
    "person": _("person"),
    "overall_threshold": _("overall threshold"),
    "origin": _("origin"),
    "old": _("before"),
    "new": _("after"),
    "justification": _("justification"),
    "format": _("format"),
    "direct": _("direct costs"),
    "criteria": _("criteria"),
    "computed": _("computed"),
    "call": _("call"),
    "added": _("added"),
    "accept": _("accepted"),
    "outcome": _("decision"),
    "recommended": _("recommendation"),
    "kind": _("kind"),
}


def register() -> None:
    register_labels(LABELS)
    register_values("action", ACTIONS)
