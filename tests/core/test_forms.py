# ruff: noqa: F811 - pytest fixtures imported from other conftests
"""The checks every form and every service taking raw values share (core.forms, core.validation):
control characters, line breaks in single-line text, NaN/Infinity, integers beyond the database."""

import importlib
import pkgutil
from decimal import Decimal

import pytest
from django import forms
from django.urls import reverse

import grappe
from grappe.core.forms import CleanInputMixin, posted_int
from grappe.people.forms import AffiliationForm, PersonForm
from grappe.people.models import Person
from grappe.review import services as review
from grappe.selection import services as selection
from grappe.selection.models import Decision, Outcome
from tests.review.conftest import pool, proposals, review_call  # noqa: F401 - fixtures
from tests.selection.conftest import priced, reviewed  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db

CONTROL = "This text contains invisible control characters (such as NUL): remove them."
ONE_LINE = "Write this on a single line (no line breaks)."
NUMBER = "Enter a finite number (not NaN or Infinity)."


def _all_form_classes():
    for module in pkgutil.walk_packages(grappe.__path__, "grappe."):
        leaf = module.name.rsplit(".", 1)[-1]
        if ".migrations" not in module.name and leaf not in {"__main__", "cli", "asgi", "wsgi"}:
            importlib.import_module(module.name)
    found, todo = set(), [forms.BaseForm]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith("grappe."):
                found.add(sub)
    return found


def test_every_form_of_grappe_has_the_shared_input_checks():
    classes = _all_form_classes()

    missing = sorted(f"{c.__module__}.{c.__qualname__}" for c in classes if not issubclass(c, CleanInputMixin))

    assert len(classes) > 30
    assert missing == []


def _person_data(**changes):
    return {"first_name": "Ada", "last_name": "Lovelace", "email": "", "preferred_language": "fr"} | changes


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"first_name": "Ada\r\nBcc: victim@example.org"}, "first_name", ONE_LINE),
        ({"last_name": "Love\x00lace"}, "last_name", CONTROL),
        ({"keywords": "graphs, ro\x00bots"}, "keywords", CONTROL),
        ({"orcid": "\x00"}, "orcid", CONTROL),
    ],
)
def test_person_form_refuses_control_characters_and_line_breaks(changes, field, message):
    form = PersonForm(_person_data(**changes))

    assert not form.is_valid()
    assert form.errors[field] == [message]
    assert Person.objects.count() == 0


def test_a_code_with_a_nul_byte_is_a_form_error_not_a_database_error(university):
    form = AffiliationForm({"organisation": "AB\x00CD", "position": "x", "start_date": "", "end_date": ""})

    assert not form.is_valid()
    assert form.errors["organisation"] == [CONTROL]


def test_a_key_beyond_64_bits_is_a_form_error(db):
    from grappe.programmes.forms import ProgrammeForm

    form = ProgrammeForm({"cost_categories": [str(-(2**63) - 1)]})

    assert not form.is_valid()
    assert form.errors["cost_categories"] == ["Select a valid choice."]


def test_integer_fields_stay_within_the_database_range():
    class Counter(CleanInputMixin, forms.Form):
        count = forms.IntegerField()

    assert Counter({"count": str(2**31)}).errors["count"] == ["Ensure this value is less than or equal to 2147483647."]
    assert Counter({"count": str(2**31 - 1)}).is_valid()


@pytest.mark.parametrize("value", ["1e3", "1E3", "2.5e-1", " 1e3 "])
def test_amounts_refuse_scientific_notation(value):
    from grappe.core.forms import Form
    from grappe.projects.validators import money_field

    class Amount(Form):
        amount = money_field("Amount")

    form = Amount({"amount": value})

    assert not form.is_valid()
    assert form.errors["amount"] == ["Enter an amount in euros, e.g. 1500.00."]
    assert Amount({"amount": "1000.50"}).is_valid()


def test_posted_int_out_of_range_is_the_default():
    assert (posted_int(str(2**31)), posted_int("-1"), posted_int("7")) == (0, -1, 7)


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "sNaN"])
def test_review_scores_refuse_nan_and_infinity(review_call, proposals, pool, office, value):
    assignment = review.add_assignment(
        review_call, reviewer=pool[0].person, proposal=proposals[0], reason="x", actor=office
    )
    data = {f"score_{c.pk}": value for c in review_call.scheme.criteria.all()}

    with pytest.raises(review.ReviewError) as error:
        review.save_review(assignment, data, expected_version=1, submit=False, actor=office)

    assert error.value.messages == ["Scores are numbers from 0 to 5 in half points."]


def test_review_comments_refuse_nul(review_call, proposals, pool, office):
    assignment = review.add_assignment(
        review_call, reviewer=pool[0].person, proposal=proposals[0], reason="x", actor=office
    )

    with pytest.raises(review.ReviewError) as error:
        review.save_review(assignment, {"applicant_comment": "a\x00b"}, expected_version=1, submit=False, actor=office)

    assert error.value.messages == [CONTROL]


def test_reasons_refuse_nul(review_call, proposals, pool, office):
    with pytest.raises(review.ReviewError) as error:
        review.add_assignment(review_call, reviewer=pool[0].person, proposal=proposals[0], reason="\x00", actor=office)

    assert error.value.messages == [CONTROL]


@pytest.mark.parametrize(
    ("amount", "rank", "outcome", "message"),
    [
        (Decimal("NaN"), None, Outcome.FUNDED, NUMBER),
        (Decimal("Infinity"), None, Outcome.FUNDED, NUMBER),
        (None, -1, Outcome.RESERVE, "Enter a whole number from 1 to 32767."),
        (None, 2**31, Outcome.RESERVE, "Enter a whole number from 1 to 32767."),
    ],
)
def test_decisions_refuse_nan_amounts_and_ranks_out_of_range(
    review_call, priced, board, amount, rank, outcome, message
):
    with pytest.raises(selection.SelectionError) as error:
        selection.record_decision(
            priced[0],
            outcome=outcome,
            amount=amount,
            reserve_rank=rank,
            justification="Strategic priority of the board",
            expected_version=None,
            actor=board,
        )

    assert error.value.messages == [message]
    assert Decision.objects.count() == 0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"amount": "NaN", "outcome": "funded"}, NUMBER),
        ({"amount": "", "outcome": "reserve", "reserve_rank": str(2**31)}, "Enter a whole number from 1 to 32767."),
        ({"amount": "", "outcome": "reserve", "reserve_rank": "-1"}, "Enter a whole number from 1 to 32767."),
    ],
)
def test_decision_page_answers_garbage_with_a_message(as_persona, review_call, priced, data, message):
    response = as_persona("office").post(
        reverse("selection:decision", args=[priced[0].code]), data | {"justification": "A long enough reason"}
    )

    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]] == [message]
    assert Decision.objects.count() == 0


@pytest.mark.parametrize("value", ["NaN", "Infinity", "1e999999", "\x00"])
def test_portfolio_and_ranking_settings_refuse_garbage(as_persona, review_call, priced, value):
    client = as_persona("office")

    portfolio = client.post(
        reverse("selection:portfolio", args=[review_call.code]), {"budget": value, "max_per_lead": value}
    )
    settings = client.post(reverse("selection:settings", args=[review_call.code]), {"disagreement": value})

    assert portfolio.status_code == 200
    assert settings.status_code == 302
    assert [str(m) for m in portfolio.context["messages"]] == [f"“{value}” is not a number."]


def test_an_inviter_name_with_a_line_break_never_breaks_the_email(
    applicant, mailoutbox, django_capture_on_commit_callbacks
):
    from grappe.submissions import services as submissions
    from tests.factories import CallFactory, ProposalFactory

    Person.objects.filter(pk=applicant.person.pk).update(first_name="Eve\r\nBcc: victim@example.org")
    applicant.person.refresh_from_db()
    proposal = ProposalFactory(call=CallFactory(), lead=applicant.person)

    with django_capture_on_commit_callbacks(execute=True):
        submissions.invite_member(proposal, email="x@example.org", role="member", organisation=None, actor=applicant)

    assert "\n" not in mailoutbox[0].subject and "Eve Bcc" in mailoutbox[0].subject


def test_date_pickers_get_iso_dates_in_every_language(settings):
    """A browser's date picker reads only YYYY-MM-DD: in French, "30/06/2026" showed an empty field
    (outside walk-through, project edit forms)."""
    import datetime as dt

    from django.utils import translation

    from grappe.core.forms import Form

    class Dates(Form):
        typed = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
        plain = forms.DateField()

    with translation.override("fr"):
        form = Dates(initial={"typed": dt.date(2026, 6, 30), "plain": dt.date(2026, 6, 30)})
        assert 'value="2026-06-30"' in str(form["typed"])
        assert 'value="30/06/2026"' in str(form["plain"])  # a text input keeps the reader's format


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1e30", "This number is too large: the largest value accepted is 999,999,999,999.99."),
        ("9" * 40, "This number is too large: the largest value accepted is 999,999,999,999.99."),
        ("NaN", "“NaN” is not a number: write the value in digits, at most 999,999,999,999.99."),
        ("-inf", "“-inf” is not a number: write the value in digits, at most 999,999,999,999.99."),
        (
            "sNaN" + "9" * 40,
            "“sNaN9999999999999999999…” is not a number: write the value in digits, at most 999,999,999,999.99.",
        ),
    ],
)
def test_every_decimal_field_names_its_largest_value(value, message):
    """The shared check (core.validation.check_decimal_text) for any form's decimal field: here a
    euro amount of 14 digits, 2 after the point."""
    from grappe.core.forms import Form
    from grappe.projects.validators import money_field

    class Amount(Form):
        amount = money_field("Amount")

    form = Amount({"amount": value})

    assert form.errors["amount"] == [message]
    assert Amount({"amount": "999999999999.99"}).is_valid()


def test_a_decimal_field_without_bounds_still_says_nan_is_not_a_number():
    from grappe.core.forms import Form

    class Free(Form):
        x = forms.DecimalField()
        low = forms.DecimalField(max_digits=4, decimal_places=1)

    assert Free({"x": "Infinity", "low": "1"}).errors["x"] == ["“Infinity” is not a number: write the value in digits."]
    assert Free({"x": "1", "low": "-5000"}).errors["low"] == [
        "This number is too small: the smallest value accepted is -999.9."
    ]
