"""deploy/systemd's timers: each starts grappe-job@<command>.service, whose command exists and
runs against the test database as the unit writes it; their calendars are valid (systemd-analyze
checks them when this machine has it)."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from django.core.management import call_command, get_commands

from tests.deploy import servers

TIMERS = {
    "grappe-notifications.timer": "send-notifications",
    "grappe-digests.timer": "send-notification-digests",
    "grappe-retention.timer": "apply-retention",
}


@pytest.mark.parametrize(("timer", "command"), TIMERS.items())
def test_each_timer_starts_an_existing_grappe_command(timer, command):
    keys = servers.unit(timer)
    job = servers.unit("grappe-job@.service")

    assert keys["Unit"] == [f"grappe-job@{command}.service"]
    assert keys["Persistent"] == ["true"]
    assert keys["WantedBy"] == ["timers.target"]
    assert job["EnvironmentFile"] == ["/etc/grappe/grappe.env"]
    argv = servers.command(job["ExecStart"][0], instance=command)
    assert argv[0].endswith("/grappe") and argv[1:] == [command]
    assert command.replace("-", "_") in get_commands()


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze is not installed")
@pytest.mark.parametrize("timer", TIMERS)
def test_timer_calendars_are_valid(timer):
    (calendar,) = servers.unit(timer)["OnCalendar"]
    analyze = shutil.which("systemd-analyze")
    result = subprocess.run([analyze, "calendar", calendar], capture_output=True, text=True, check=False)

    assert result.returncode == 0, result.stderr


@pytest.mark.django_db
@pytest.mark.parametrize("command", TIMERS.values())
def test_the_timed_commands_run_on_an_empty_database(command, capsys):
    call_command(command.replace("-", "_"))

    assert capsys.readouterr().out.strip()  # each says what it did ("0 … sent.")
