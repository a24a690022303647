"""Sections that apps later in the dependency chain add to selection's pages ("consensus": the
user and the proposal; "ledger": the user and the call). The registry is ``core.sections``."""

from grappe.core.sections import Provider, register, sections_for

__all__ = ["Provider", "register", "sections_for"]
