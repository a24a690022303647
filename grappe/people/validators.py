"""Validators for the identifiers of people and organisations: ORCID, ROR, SIREN.

Each normalises its input first (see the ``normalise_*`` functions) and checks the
checksum, so typing errors are caught at the form, with a translated message.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_ORCID_RE = re.compile(r"^\d{4}-\d{4}-\d{4}-\d{3}[\dX]$")
# ROR: "0", six characters of Crockford base32 (no i, l, o, u), two checksum digits.
_ROR_RE = re.compile(r"^0[0-9a-hjkmnp-tv-z]{6}\d{2}$")
_CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"


def normalise_orcid(value: str) -> str:
    value = value.strip().upper()
    for prefix in ("HTTPS://ORCID.ORG/", "HTTP://ORCID.ORG/", "ORCID.ORG/"):
        if value.startswith(prefix):
            value = value[len(prefix) :]
    digits = value.replace("-", "").replace(" ", "")
    if len(digits) == 16:
        value = "-".join(digits[i : i + 4] for i in range(0, 16, 4))
    return value


def orcid_checksum(base_digits: str) -> str:
    """ISO 7064 MOD 11-2 check character of the first 15 digits of an ORCID iD."""
    total = 0
    for char in base_digits:
        total = (total + int(char)) * 2
    result = (12 - total % 11) % 11
    return "X" if result == 10 else str(result)


def validate_orcid(value: str) -> None:
    value = normalise_orcid(value)
    if not _ORCID_RE.match(value):
        raise ValidationError(_("Enter an ORCID iD as 0000-0002-1825-0097 (16 characters)."), code="orcid_format")
    digits = value.replace("-", "")
    if orcid_checksum(digits[:15]) != digits[15]:
        raise ValidationError(
            _("This ORCID iD has a wrong check digit: please copy it again from orcid.org."),
            code="orcid_checksum",
        )


def normalise_ror(value: str) -> str:
    value = value.strip().lower()
    for prefix in ("https://ror.org/", "http://ror.org/", "ror.org/"):
        if value.startswith(prefix):
            value = value[len(prefix) :]
    return value


def ror_checksum(prefix: str) -> str:
    """Two-digit ISO 7064 MOD 97-10 checksum of the base32 number ``prefix`` (7 characters)."""
    number = 0
    for char in prefix:
        number = number * 32 + _CROCKFORD.index(char)
    return f"{98 - (number * 100) % 97:02d}"


def validate_ror(value: str) -> None:
    value = normalise_ror(value)
    if not _ROR_RE.match(value):
        raise ValidationError(_("Enter a ROR identifier as 02en5vm52 or https://ror.org/02en5vm52."), code="ror_format")
    if ror_checksum(value[:7]) != value[7:]:
        raise ValidationError(
            _("This ROR identifier has a wrong checksum: please copy it again from ror.org."),
            code="ror_checksum",
        )


def normalise_siren(value: str) -> str:
    return re.sub(r"[\s.\-]", "", value.strip())


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, char in enumerate(reversed(digits)):
        n = int(char)
        if i % 2 == 1:
            n *= 2
            if n > 9:
                n -= 9
        total += n
    return total % 10 == 0


def validate_siren(value: str) -> None:
    value = normalise_siren(value)
    if not re.fullmatch(r"\d{9}", value):
        raise ValidationError(_("A SIREN number has exactly 9 digits."), code="siren_format")
    # La Poste's SIREN (356000000) is the one documented exception to the Luhn rule.
    if value == "356000000":
        return
    if not luhn_ok(value):
        raise ValidationError(
            _("This SIREN number has a wrong check digit (Luhn): please check it."), code="siren_checksum"
        )
