"""Public random identifiers for URLs and emails (never sequential primary keys)."""

import secrets

# Crockford-like alphabet without look-alikes (0/O, 1/I/L) so codes can be read aloud.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def new_code(length: int = 10) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))
