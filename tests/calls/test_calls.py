import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from grappe.calls import services
from grappe.calls.models import Call, CallState, EligibilityRule, Question
from grappe.core.models import AuditLog
from grappe.programmes.services import EnvelopeExceeded
from tests.conftest import PERSONAS
from tests.factories import CallFactory, ProgrammeFactory, ProposalFactory


def _call_data(prog, **overrides):
    data = {
        "programme": prog.code,
        "call_type": "research",
        "title_fr": "Appel test",
        "title_en": "Test call",
        "description_fr": "",
        "description_en": "",
        "opens_at": "2026-12-01T09:00",
        "closes_at": "2027-02-15T12:00",
        "budget": "400000",
        "min_amount": "10000",
        "max_amount": "100000",
        "min_duration": "12",
        "max_duration": "24",
    }
    return {**data, **overrides}


def test_office_creates_a_call_in_paris_time(as_persona, db):
    programme = ProgrammeFactory()

    response = as_persona("office").post(reverse("calls:create"), _call_data(programme))

    call = Call.objects.get(title_en="Test call")
    assert response.status_code == 302
    assert timezone.localtime(call.closes_at).strftime("%Y-%m-%d %H:%M %Z") == "2027-02-15 12:00 CET"
    assert call.state == CallState.DRAFT
    assert AuditLog.objects.filter(action="call.created").count() == 1


def test_a_call_cannot_reserve_more_than_what_is_left(as_persona, db):
    programme = ProgrammeFactory(total_amount=Decimal("1000000"))
    CallFactory(programme=programme, budget=Decimal("700000"))

    response = as_persona("office").post(
        reverse("calls:create"), _call_data(programme, budget="300000.01", min_amount="0", max_amount="1000")
    )

    assert response.context["form"].errors["budget"] == [
        "This budget (300,000.01 €) is more than what is left of the programme's envelope (300,000.00 €)."
    ]
    assert Call.objects.filter(programme=programme).count() == 1


def test_raising_a_call_budget_beyond_the_envelope_is_refused(db, office):
    programme = ProgrammeFactory(total_amount=Decimal("500000"))
    call = CallFactory(programme=programme, budget=Decimal("400000"), max_amount=Decimal("100000"))

    with pytest.raises(EnvelopeExceeded):
        services.update_call(call, actor=office, changes={"budget": Decimal("500000.01")}, expected_version=1)
    services.update_call(call, actor=office, changes={"budget": Decimal("500000")}, expected_version=1)

    assert Call.objects.get(pk=call.pk).budget == Decimal("500000")


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"closes_at": "2026-11-30T09:00"}, "closes_at", "The closing date must be after the opening date."),
        ({"max_amount": "5000"}, "max_amount", "The maximum amount must not be below the minimum."),
        ({"max_duration": "6"}, "max_duration", "The maximum duration must not be below the minimum."),
        ({"max_amount": "500000"}, "max_amount", "The maximum amount per proposal cannot exceed the call's budget."),
        ({"budget": "-1"}, "budget", "Ensure this value is greater than or equal to 0.01."),
        ({"opens_at": "not a date"}, "opens_at", "Enter a valid date/time."),
        (
            {"programme": "FORGED"},
            "programme",
            "Select a valid choice. That choice is not one of the available choices.",
        ),
    ],
)
def test_bad_call_input_is_refused(as_persona, db, overrides, field, message):
    programme = ProgrammeFactory()

    response = as_persona("office").post(reverse("calls:create"), _call_data(programme, **overrides))

    assert response.context["form"].errors[field] == [message]
    assert not Call.objects.exists()


def test_state_transitions(db, office):
    call = CallFactory(state=CallState.DRAFT)

    services.set_call_state(call, CallState.PUBLISHED, actor=office)
    with pytest.raises(services.CallStateError):
        services.set_call_state(call, CallState.ARCHIVED, actor=office)
    services.set_call_state(call, CallState.CLOSED, actor=office)

    assert Call.objects.get(pk=call.pk).state == CallState.CLOSED


def test_a_call_with_submissions_cannot_go_back_to_draft(db, office):
    call = CallFactory()
    ProposalFactory(call=call, state="submitted", submitted_at=timezone.now())

    with pytest.raises(services.CallStateError) as exc:
        services.set_call_state(call, CallState.DRAFT, actor=office)

    assert str(exc.value) == "Proposals were already submitted to this call: it cannot go back to draft."


def test_rules_form_saves_rules_with_parameters(as_persona, db):
    call = CallFactory()

    as_persona("office").post(
        reverse("calls:rules", args=[call.code]),
        {"use_lead_is_member": "on", "use_min_partners": "on", "param_min_partners": "2", "use_min_cofunding": ""},
    )

    assert sorted(EligibilityRule.objects.filter(call=call).values_list("kind", "parameter")) == [
        ("lead_is_member", None),
        ("min_partners", Decimal("2.00")),
    ]


def test_rule_without_its_parameter_is_refused(as_persona, db):
    call = CallFactory()

    response = as_persona("office").post(reverse("calls:rules", args=[call.code]), {"use_min_cofunding": "on"})

    assert response.context["rules_form"].errors["param_min_cofunding"] == ["This rule needs a value."]
    assert not EligibilityRule.objects.filter(call=call).exists()


def test_choice_question_needs_two_choices(as_persona, db):
    call = CallFactory()
    data = {
        "kind": "single_choice",
        "label_fr": "Axe",
        "label_en": "Axis",
        "position": "1",
        "choices_text": "Santé | Health",
    }

    response = as_persona("office").post(reverse("calls:question_create", args=[call.code]), data)
    as_persona("office").post(
        reverse("calls:question_create", args=[call.code]), {**data, "choices_text": "Santé | Health\nSociété"}
    )

    assert response.context["question_form"].errors["choices_text"] == ["A choice question needs at least two choices."]
    question = Question.objects.get(call=call)
    assert question.choices == [{"fr": "Santé", "en": "Health"}, {"fr": "Société", "en": "Société"}]


def test_horizon_europe_preset(as_persona, db):
    call = CallFactory()

    as_persona("office").post(reverse("calls:scheme", args=[call.code]), {"preset": "he"})

    call.scheme.refresh_from_db()
    assert call.scheme.overall_threshold == Decimal("10")
    assert [(c.label_en, c.threshold) for c in call.scheme.criteria.all()] == [
        ("Excellence", Decimal("3.0")),
        ("Impact", Decimal("3.0")),
        ("Quality and efficiency of the implementation", Decimal("3.0")),
    ]


def test_scheme_threshold_goes_by_half_points(as_persona, db):
    call = CallFactory()
    data = {
        "overall_threshold": "8",
        "criteria-TOTAL_FORMS": "1",
        "criteria-INITIAL_FORMS": "0",
        "criteria-MIN_NUM_FORMS": "1",
        "criteria-MAX_NUM_FORMS": "12",
        "criteria-0-label_fr": "Excellence",
        "criteria-0-label_en": "Excellence",
        "criteria-0-weight": "1",
        "criteria-0-threshold": "3.3",
    }

    response = as_persona("office").post(reverse("calls:scheme", args=[call.code]), data)

    assert response.context["criteria_formset"].forms[0].errors["threshold"] == [
        "Scores go by half points: use a multiple of 0.5."
    ]


@pytest.mark.parametrize("persona", PERSONAS)
def test_draft_call_is_hidden_from_the_public(as_persona, db, persona):
    call = CallFactory(state=CallState.DRAFT)

    response = as_persona(persona).get(reverse("calls:detail", args=[call.code]))

    assert response.status_code == (200 if persona in {"office", "board"} else 404)


@pytest.mark.parametrize("persona", PERSONAS)
def test_published_call_page_is_public(as_persona, db, persona):
    call = CallFactory()

    response = as_persona(persona).get(reverse("calls:detail", args=[call.code]))

    assert response.status_code == 200


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("url_name", ["calls:configure", "calls:edit"])
def test_call_configuration_is_office_only(as_persona, db, persona, url_name):
    call = CallFactory()

    response = as_persona(persona).get(reverse(url_name, args=[call.code]))

    assert response.status_code == (200 if persona == "office" else 302 if persona == "anonymous" else 404)


def test_open_calls_are_on_the_home_page(client, db):
    open_call = CallFactory(title_en="Open one")
    CallFactory(title_en="Future one", opens_at=timezone.now() + datetime.timedelta(days=2))

    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")

    assert [c.title_en for c in response.context["open_calls"]] == [open_call.title_en]


def test_editing_a_call_keeps_its_programme(as_persona, db):
    call = CallFactory()
    client = as_persona("office")
    page = client.get(reverse("calls:edit", args=[call.code]))
    form = page.context["form"]
    data = {name: form[name].value() for name in form.fields if name != "programme"}
    data["opens_at"] = timezone.localtime(call.opens_at).strftime("%Y-%m-%dT%H:%M")
    data["closes_at"] = timezone.localtime(call.closes_at).strftime("%Y-%m-%dT%H:%M")

    response = client.post(reverse("calls:edit", args=[call.code]), {**data, "title_en": "Renamed"})

    assert response.status_code == 302
    assert Call.objects.get(pk=call.pk).title_en == "Renamed"


@pytest.mark.parametrize("item_count", [1, 4])
def test_call_list_query_counts(as_persona, django_assert_num_queries, db, item_count):
    programme = ProgrammeFactory(total_amount=Decimal("100000000"))
    for _ in range(item_count):
        call = CallFactory(programme=programme)
        ProposalFactory(call=call)
    office, public = as_persona("office"), as_persona("anonymous")

    with django_assert_num_queries(5):
        office.get(reverse("calls:office_list"))
    with django_assert_num_queries(2):
        public.get(reverse("calls:list"))
    with django_assert_num_queries(5):
        office.get(reverse("programmes:list"))


def test_public_call_page_states_rules_with_their_number(client, db):
    from decimal import Decimal

    from grappe.calls.models import EligibilityRule, RuleKind
    from tests.factories import CallFactory

    call = CallFactory()
    EligibilityRule.objects.create(call=call, kind=RuleKind.MIN_PARTNERS, parameter=Decimal("1"))
    EligibilityRule.objects.create(call=call, kind=RuleKind.MIN_COFUNDING, parameter=Decimal("30.00"))

    text = client.get(f"/calls/{call.code}/").content.decode()

    assert "At least 1 industrial partner<" in text
    assert "Partners&#x27; co-funding is at least 30 % of the amount requested" in text or (
        "Partners' co-funding is at least 30 % of the amount requested" in text
    )
    assert "At least N industrial partners" not in text


def test_the_office_is_warned_that_submitted_proposals_miss_a_new_question(as_persona, db):
    call = CallFactory()
    page = reverse("calls:configure", args=[call.code])
    assert "already submitted" not in as_persona("office").get(page).text
    ProposalFactory(call=call, state="submitted")
    ProposalFactory(call=call, state="submitted")
    ProposalFactory(call=call)  # a draft will see the question

    assert "2 proposals are already submitted" in as_persona("office").get(page).text
