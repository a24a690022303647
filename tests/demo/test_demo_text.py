"""The demo's user-written text is French, as a French cluster's office, panels and experts write:
decisions' justifications, consensus and review comments, experts' reasons."""

import pytest

from grappe.demo import review, selection, stages
from grappe.partners.forms import detect_language


@pytest.mark.parametrize(
    "text",
    [
        selection.DEPARTURE,
        selection.DEPARTURE_SHARED,
        *selection.COMMENTS,
        *stages.COMMENTS,
        *review.APPLICANT_COMMENTS,
    ],
)
def test_justifications_and_comments_read_as_french(text):
    assert detect_language(text) == "fr", text


@pytest.mark.parametrize("text", [*review.DECLINES, *review.CRITERION_COMMENTS])
def test_short_notes_are_not_english(text):
    """Too short for the language check to tell French: at least none of them reads as English."""
    assert detect_language(text) != "en", text
