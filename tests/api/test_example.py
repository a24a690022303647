"""The example script of docs/api.md lists a call's proposals as the office, page after page."""

import importlib.util
from pathlib import Path

from django.test import Client

from grappe.api import services

SCRIPT = Path(__file__).resolve().parents[2] / "docs" / "examples" / "list_call_proposals.py"


def test_the_example_script_follows_the_cursor(world, office, capsys, monkeypatch, settings):
    settings.GRAPPE_API_PAGE_SIZE = 1
    _token, raw = services.create_token(office, name="script", scope="read", days=1, actor=office)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    spec = importlib.util.spec_from_file_location("list_call_proposals", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "get", lambda path, **params: client.get(path, params).json())
    module.main(world.review_call.code)
    lines = capsys.readouterr().out.splitlines()
    assert sorted(line.split("\t")[0] for line in lines) == sorted([world.submitted.code, world.partnered.code])
