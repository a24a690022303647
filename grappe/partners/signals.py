"""Signals of partners, for the apps above it (``privacy`` keeps the history of consents)."""

from django.dispatch import Signal

# Sent inside the transaction that changes a person's matchmaking consent, with ``person``,
# ``given`` (bool), ``text_version`` and ``actor``: a receiver that fails undoes the change.
matching_consent_changed = Signal()
