"""Helpers shared by the partners views."""

from __future__ import annotations

from typing import Any

from django import forms

from grappe.core.services import ConcurrentEditError
from grappe.partners.services import PartnerError


def run_write(form: forms.Form, write: Any) -> bool:
    """Call ``write()`` when ``form`` is valid; a refusal becomes a form error, nothing saved."""
    if not form.is_valid():
        return False
    try:
        write()
    except ConcurrentEditError:
        form.add_error(None, ConcurrentEditError.message)
    except PartnerError as exc:
        form.add_error(None, exc.messages[0])
    else:
        return True
    return False
