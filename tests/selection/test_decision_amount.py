# ruff: noqa: F811 - pytest fixtures imported from other conftests
"""The amount of a funded decision: a wrong one is named and kept in the field (tester's walk, item 3)."""

import pytest
from django.urls import reverse

from grappe.selection.models import Decision
from tests.review.conftest import pool, proposals, review_call  # noqa: F401 - fixtures
from tests.selection.conftest import decided, priced, reviewed  # noqa: F401 - fixtures


@pytest.mark.parametrize("amount", ["-1000", "0"])
def test_a_funded_decision_needs_a_positive_amount_and_keeps_what_was_typed(as_persona, decided, amount):
    proposal = decided[0]
    before = Decision.objects.get(proposal=proposal)

    response = as_persona("board").post(
        reverse("selection:decision", args=[proposal.code]),
        {"outcome": "funded", "amount": amount, "justification": "Typed justification", "version": before.version},
    )

    assert response.status_code == 200  # the page again, with the message and what was typed
    messages = [str(m) for m in response.context["messages"]]
    assert messages == ["The amount granted must be more than 0 € (at most the amount requested, 100,000.00 €)."]
    page = response.content.decode()
    assert f'name="amount" id="id_amount" value="{amount}"' in page
    assert "Typed justification" in page
    assert Decision.objects.get(proposal=proposal).version == before.version


def test_a_funded_decision_without_an_amount_asks_for_it(as_persona, decided):
    response = as_persona("board").post(
        reverse("selection:decision", args=[decided[0].code]), {"outcome": "funded", "amount": ""}
    )

    assert [str(m) for m in response.context["messages"]] == ["Give the amount granted."]


def test_the_french_summary_writes_the_french_colon_and_fits_its_page(as_persona, decided):
    """Tester's walk, item 5: "Porteur:" and "Décision:" lacked the space before the colon, and the
    closing note spilled alone onto a second page."""
    import io

    from pypdf import PdfReader

    response = as_persona("board").get(reverse("selection:summary_pdf", args=[decided[0].code]) + "?lang=fr")

    pages = PdfReader(io.BytesIO(response.content)).pages
    text = "".join(page.extract_text() for page in pages)
    assert "Porteur\u00a0:" in text or "Porteur :" in text
    assert "Décision\u00a0:" in text or "Décision :" in text
    assert "Porteur:" not in text and "Décision:" not in text
    last = pages[-1].extract_text().strip().splitlines()
    assert len(pages) == 1 or len(last) > 3, last  # never a page holding the closing note alone


def test_the_decision_chain_says_suggestion_in_french(as_persona, decided):
    client = as_persona("board")
    client.cookies["django_language"] = "fr"

    page = client.get(reverse("selection:decision", args=[decided[0].code]), HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert "suggestion\u00a0:" in page and "suggérés" not in page
