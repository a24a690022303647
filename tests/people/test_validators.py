import pytest
from django.core.exceptions import ValidationError

from grappe.people.validators import (
    normalise_orcid,
    normalise_ror,
    validate_orcid,
    validate_ror,
    validate_siren,
)


@pytest.mark.parametrize(
    "value", ["0000-0002-1825-0097", "https://orcid.org/0000-0002-1825-0097", "0000000218250097", "0000-0001-5109-3700"]
)
def test_validate_orcid_accepts_valid_ids(value):
    validate_orcid(value)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("0000-0002-1825-0098", "orcid_checksum"),
        ("0000-0002-1825", "orcid_format"),
        ("abcd-0002-1825-0097", "orcid_format"),
    ],
)
def test_validate_orcid_rejects_invalid_ids(value, code):
    with pytest.raises(ValidationError) as exc:
        validate_orcid(value)

    assert exc.value.code == code


def test_normalise_orcid_gives_the_dashed_form():
    assert normalise_orcid(" https://orcid.org/0000000218250097 ") == "0000-0002-1825-0097"


@pytest.mark.parametrize("value", ["02en5vm52", "https://ror.org/02feahw73", "02KVXYF05"])
def test_validate_ror_accepts_valid_ids(value):
    validate_ror(value)


@pytest.mark.parametrize(
    ("value", "code"), [("02en5vm53", "ror_checksum"), ("12en5vm52", "ror_format"), ("02en5vl52", "ror_format")]
)
def test_validate_ror_rejects_invalid_ids(value, code):
    with pytest.raises(ValidationError) as exc:
        validate_ror(value)

    assert exc.value.code == code


def test_normalise_ror_strips_the_url():
    assert normalise_ror("https://ror.org/02EN5VM52") == "02en5vm52"


@pytest.mark.parametrize("value", ["130023385", "180 089 013", "356000000"])
def test_validate_siren_accepts_valid_numbers(value):
    validate_siren(value)


@pytest.mark.parametrize(("value", "code"), [("130023386", "siren_checksum"), ("13002338", "siren_format")])
def test_validate_siren_rejects_invalid_numbers(value, code):
    with pytest.raises(ValidationError) as exc:
        validate_siren(value)

    assert exc.value.code == code
