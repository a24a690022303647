"""The activity page names each action in words (issue 11, item 9); the code stays beside it."""

import ast
from pathlib import Path

import pytest
from django.urls import reverse

from grappe.core.actions import ACTIONS
from grappe.core.services import log_action
from tests.factories import ProgrammeFactory

ROOT = Path(__file__).resolve().parents[2] / "grappe"


def _constant_codes() -> set[str]:
    codes = set()
    for path in ROOT.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "log_action" and len(node.args) > 1:
                code = node.args[1]  # a constant, or `"a.b" if x else "a.c"`; codes built from parts are left out
                for value in [code.body, code.orelse] if isinstance(code, ast.IfExp) else [code]:
                    if isinstance(value, ast.Constant) and isinstance(value.value, str):
                        codes.add(value.value)
    return codes


def test_every_constant_action_code_has_a_label():
    assert sorted(_constant_codes() - set(ACTIONS)) == []


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "words"), [("en", "proposal submitted"), ("fr", "proposition déposée")])
def test_the_activity_page_shows_actions_in_words(as_persona, office, language, words):
    log_action(ProgrammeFactory(), "proposal.submitted", actor=office)
    client = as_persona("office")
    client.cookies["django_language"] = language

    page = client.get(reverse("activity"), headers={"accept-language": language}).content.decode()

    assert words in page
    assert "proposal.submitted</code>" in page
