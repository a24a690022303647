"""The office's value entered by hand, given an evidence file too large or an absurd number: a
message that says what was wrong and the limit, the form as typed, no 500, nothing written."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from grappe.reporting.models import Indicator, ManualValue, ManualValueVersion, Method, Target, Unit
from tests.projects.conftest import PDF

pytestmark = pytest.mark.django_db

MB = 1024 * 1024
LARGEST = "9,999,999,999,999.99"  # the value fields: 15 digits (what SQLite keeps), 2 after the point


@pytest.fixture
def indicator(funding_programme):
    return Indicator.objects.create(
        programme=funding_programme, code="ATT-1", name_fr="x", name_en="International hires", method=Method.MANUAL
    )


@pytest.fixture
def page(indicator):
    return reverse("reporting:indicator", args=[indicator.programme.code, indicator.pk])


def pdf_of(size, name="evidence.pdf"):
    """A PDF of ``size`` bytes (padding before its end, so it still reads as one)."""
    return SimpleUploadedFile(name, PDF[:-6] + b"\n" + b"0" * (size - len(PDF) - 1) + PDF[-6:], "application/pdf")


def stored_files(settings):
    from pathlib import Path

    return [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]


def post_value(client, page, value="4", file=None, **extra):
    data = {"value-year": "2026", "value-value": value, "value-note": "HR survey"}
    if file is not None:
        data["value-file"] = file  # last, as the browser sends the form's fields in their order
    return client.post(page, data | extra, **({"HTTP_ACCEPT_LANGUAGE": "fr"} if extra.pop("fr", False) else {}))


def test_a_25_mb_file_is_refused_with_its_size_and_the_limit(as_persona, page, settings):
    client = as_persona("office")
    response = post_value(client, page, file=pdf_of(25 * MB))
    assert response.status_code == 200
    form = response.context["value_form"]
    assert form.errors["file"] == ["This file is 25 MB; the limit is 20 MB."]
    # What was typed comes back; nothing was written, no file kept.
    assert 'value="4"' in response.text and 'value="HR survey"' in response.text and 'value="2026"' in response.text
    assert not ManualValue.objects.exists() and not ManualValueVersion.objects.exists()
    assert stored_files(settings) == []


def test_the_limit_is_the_one_configured(as_persona, page, settings):
    settings.GRAPPE_MAX_UPLOAD_MB = 2
    client = as_persona("office")
    response = post_value(client, page, file=pdf_of(5 * MB))
    assert response.context["value_form"].errors["file"] == ["This file is 5 MB; the limit is 2 MB."]
    # Just over the limit (the upload handler allows for the other fields): the form says it.
    response = post_value(client, page, file=pdf_of(2 * MB + 100 * 1024))
    assert response.context["value_form"].errors["file"] == ["This file is 2.1 MB; the limit is 2 MB."]
    assert not ManualValue.objects.exists()
    # The page says the limit before a file is chosen, and the browser checks it too.
    html = as_persona("office").get(page).text
    assert "PDF, at most 2 MB." in html and f'data-max-bytes="{2 * MB}"' in html


def test_a_too_large_file_does_not_change_a_value_already_entered(as_persona, page, indicator):
    """Before, the file cut off while arriving left the form without it: the new value was saved
    over the year's row with the old evidence, "saved with its evidence"."""
    client = as_persona("office")
    assert post_value(client, page, file=pdf_of(2000)).status_code == 302
    response = post_value(client, page, value="7", file=pdf_of(25 * MB))
    assert response.context["value_form"].errors["file"] == ["This file is 25 MB; the limit is 20 MB."]
    row = ManualValue.objects.get()
    assert row.value == Decimal("4") and ManualValueVersion.objects.count() == 1


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("1e30", f"This number is too large: the largest value accepted is {LARGEST}."),
        ("1" * 40, f"This number is too large: the largest value accepted is {LARGEST}."),
        ("10000000000000", f"This number is too large: the largest value accepted is {LARGEST}."),
        ("NaN", f"“NaN” is not a number: write the value in digits, at most {LARGEST}."),
        ("inf", f"“inf” is not a number: write the value in digits, at most {LARGEST}."),
        ("-Infinity", f"“-Infinity” is not a number: write the value in digits, at most {LARGEST}."),
        ("1e3", "Enter the value in digits, e.g. 1250 or 1250.50 (no exponent such as 1e3)."),
        ("-5", "The value cannot be negative."),
        ("12.345", "Give the value with at most 2 decimals."),
    ],
)
def test_absurd_values_are_told_with_the_largest_accepted(as_persona, page, settings, typed, message):
    response = post_value(as_persona("office"), page, value=typed, file=pdf_of(2000))
    assert response.status_code == 200
    assert response.context["value_form"].errors["value"] == [message]
    assert f'value="{typed}"' in response.text  # as typed
    assert not ManualValue.objects.exists() and stored_files(settings) == []


def test_the_largest_value_itself_is_accepted_and_reads_back(as_persona, page, indicator):
    Indicator.objects.filter(pk=indicator.pk).update(unit=Unit.EUR)
    client = as_persona("office")
    assert post_value(client, page, value="9999999999999.99", file=pdf_of(2000)).status_code == 302
    assert ManualValue.objects.get().value == Decimal("9999999999999.99")
    assert client.get(page).status_code == 200


def test_messages_in_french(as_persona, page):
    client = as_persona("office")
    client.cookies["django_language"] = "fr"
    response = post_value(client, page, value="1e30", file=pdf_of(25 * MB), fr=True)
    form = response.context["value_form"]
    assert form.errors["file"] == ["Ce fichier fait 25 Mo ; la limite est de 20 Mo."]
    assert form.errors["value"] == [
        "Ce nombre est trop grand : la plus grande valeur acceptée est 9\u202f999\u202f999\u202f999\u202f999,99."
    ]


def test_a_target_of_1e30_is_told_too(as_persona, page, indicator):
    response = as_persona("office").post(page, {"target-year": "2026", "target-value": "1e30"})
    assert response.context["target_form"].errors["value"] == [
        f"This number is too large: the largest value accepted is {LARGEST}."
    ]
    assert not Target.objects.exists()
