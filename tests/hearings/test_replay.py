"""Scheduling runs keep their exact inputs and replay bit for bit (issue 19); an altered stored
input is said plainly; the office replays from the hearings desk."""

import zlib

import pytest
from django.core.management import call_command
from django.urls import reverse

from grappe.core import replay
from grappe.core.models import StoredInput
from grappe.hearings import services
from grappe.hearings.models import PanelMember

pytestmark = pytest.mark.django_db


def _run(call, office, pool, seed=7):
    member = PanelMember.objects.get(call=call, person=pool[0].person)
    services.set_member_unavailable(member, [services.half_days(services.setup_for(call))[0][0]], actor=office)
    return services.run_schedule(call, actor=office, seed=seed)


def test_a_scheduling_run_is_reproduced_bit_for_bit(hearing_call, office, pool):
    run = _run(hearing_call, office, pool)

    assert run.stored_inputs_id == run.inputs_hash and not run.error
    result = replay.replay("hearings", run.pk)

    assert result.reproduced is True and result.inputs_intact is True
    assert result.line.startswith("Reproduced bit for bit") and result.data_changes == []


def test_an_impossible_run_replays_as_impossible(hearing_call, office, pool):
    services.save_setup(
        hearing_call,
        {**_setup(hearing_call), "panel_size": "5"},
        expected_version=services.setup_for(hearing_call).version,
        actor=office,
    )
    run = services.run_schedule(hearing_call, actor=office)

    assert run.error and "blockers" in run.result
    assert replay.replay("hearings", run.pk).reproduced is True


def test_an_altered_stored_input_says_inputs_differ(hearing_call, office, pool):
    run = _run(hearing_call, office, pool)
    payload = replay.load_inputs(run.stored_inputs).payload
    payload["members"] = [[code, []] for code, _away in payload["members"]]  # nobody away, now
    StoredInput.objects.filter(pk=run.stored_inputs_id).update(data=zlib.compress(replay.canonical(payload)))

    result = replay.replay("hearings", run.pk)

    assert result.reproduced is False and result.inputs_intact is False
    assert result.line.startswith("Inputs differ")


def test_todays_changes_are_named_and_the_command_replays(hearing_call, office, pool, capsys):
    run = _run(hearing_call, office, pool)
    member = PanelMember.objects.get(call=hearing_call, person=pool[1].person)
    services.set_member_unavailable(member, [services.half_days(services.setup_for(hearing_call))[1][0]], actor=office)

    result = replay.replay("hearings", run.pk)
    call_command("replay", f"hearings:{run.pk}")

    assert result.reproduced is True and result.data_changes == [f"panel members: 1 changed ({pool[1].person.code})"]
    assert f"hearings:{run.pk}  Reproduced bit for bit" in capsys.readouterr().out


@pytest.mark.parametrize(("persona", "status"), [("office", 200), ("board", 404), ("reviewer", 404)])
def test_the_office_replays_from_the_desk(hearing_call, office, pool, as_persona, persona, status):
    run = _run(hearing_call, office, pool)
    url = reverse("replay", args=["hearings", run.pk])
    client = as_persona(persona)

    if persona == "office":
        desk = client.get(reverse("hearings:desk", args=[hearing_call.code]) + f"?run={run.pk}")
        assert url in desk.content.decode()
    response = client.post(url)

    assert response.status_code == status
    if status == 200:
        assert "Reproduced bit for bit" in response.content.decode()


def _setup(call):
    from tests.hearings.conftest import setup_data

    return setup_data(call)
