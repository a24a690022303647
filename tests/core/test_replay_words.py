"""The replay page's words (tester's walk, item 5): part names translated, counts agreeing in
number, a method's version not set against the engine's."""

from django.template.loader import render_to_string
from django.utils import translation

from grappe.core.replay import Replay, diff_records


def test_a_changed_part_is_named_and_counted_in_french():
    then = {"candidates": [["P1", 1], ["P2", 2], ["P3", 3]]}
    now = {"candidates": [["P1", 9], ["P2", 8], ["P3", 3]]}

    with translation.override("fr"):
        french = diff_records(then, now, name="inputs")
        one = diff_records({"candidates": [["P1", 1]]}, {"candidates": [["P1", 2]]}, name="inputs")

    assert french == ["inputs.candidats\u00a0: 2 modifications (P1, P2)"]
    assert one == ["inputs.candidats\u00a0: 1 modification (P1)"]
    assert diff_records(then, now, name="inputs") == ["inputs.candidates: 2 changed (P1, P2)"]


def test_a_method_version_is_labelled_as_such():
    method = Replay(
        kind="shortlist", run_id=1, reproduced=True, line="ok", engine_then="shortlist-1", engine_now="0.4.0"
    )
    engine = Replay(kind="portfolio", run_id=1, reproduced=True, line="ok", engine_then="0.3.0", engine_now="0.4.0")

    with translation.override("en"):
        page = render_to_string("core/replay.html", {"result": method, "label": "shortlist"})
        other = render_to_string("core/replay.html", {"result": engine, "label": "portfolio run"})

    assert "Method version of the run" in page and "Engine version today" in page and "Engine version then" not in page
    assert "Engine version then" in other and "Method version" not in other
