"""Generations: the version of something derived and cached (a call's ranking…).

``bump`` runs in the caller's transaction: the new generation is visible exactly when the change
that caused it is committed, in every process, and not at all if the change rolls back. Readers
read the generation *before* the data, so what they cache under a generation is never older than
it. The generations live in the database (not in a process's memory), so several web processes
with per-process caches stay right.

A generation is a random number, not a count: a database restored from a backup, or a test's
rolled-back transaction, never brings back a generation that was since given to other data.
"""

from __future__ import annotations

import secrets

from django.db import IntegrityError, transaction

from grappe.core.models import Generation


def read(*keys: str) -> tuple[int, ...]:
    """The current generation of each key (0 for a key never bumped), in one query."""
    found = dict(Generation.objects.filter(key__in=keys).values_list("key", "value"))
    return tuple(found.get(key, 0) for key in keys)


def bump(*keys: str) -> None:
    """Give each key a new generation (in a stable order, so two bumps never deadlock)."""
    for key in sorted(set(keys)):
        value = secrets.randbits(62) + 1
        if Generation.objects.filter(key=key).update(value=value):
            continue
        try:
            with transaction.atomic():
                Generation.objects.create(key=key, value=value)
        except IntegrityError:  # created meanwhile by another transaction
            Generation.objects.filter(key=key).update(value=value)
