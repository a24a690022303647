"""Bad input to ``grappe assign`` / ``grappe affinity``: one line naming file, line and cause, exit 2.

The commands run in-process (``COMMANDS``), as ``grappe`` calls them; test_cli.py runs them as
subprocesses.
"""

import json

import numpy as np
import pytest

from grappe.engine.cli import COMMANDS, _named
from grappe.engine.io import InputError, read_scores

GOOD = "paper,reviewer,score\nP1,R1,0.9\nP1,R2,0.1\nP2,R1,0.8\nP2,R2,0.7\n"


def _run(command, argv, capsys):
    status = COMMANDS[command](argv)
    captured = capsys.readouterr()
    return status, captured.err.strip(), captured.out


def _assign(tmp_path, capsys, scores=GOOD, *extra, name="scores.csv", constraints=None, k="1", load="1"):
    path = tmp_path / name
    if isinstance(scores, bytes):
        path.write_bytes(scores)
    elif scores is not None:
        path.write_text(scores, encoding="utf-8")
    argv = ["--scores", str(path), "--reviews-per-proposal", k, "--max-load", load, "--out", str(tmp_path / "out.csv")]
    if constraints is not None:
        (tmp_path / "constraints.csv").write_text(constraints, encoding="utf-8")
        argv += ["--constraints", str(tmp_path / "constraints.csv")]
    return _run("assign", [*argv, *extra], capsys)


def _one_line(status, err):
    assert status == 2
    assert "\n" not in err and "Traceback" not in err
    return err


def test_good_input_assigns(tmp_path, capsys):
    status, err, out = _assign(tmp_path, capsys)

    assert status == 0, err
    assert (tmp_path / "out.csv").read_text().splitlines() == ["P1,R1", "P2,R2"]
    assert json.loads(out)["total_affinity"] == 1.6


def test_duplicate_rows_are_refused_never_summed(tmp_path, capsys):
    # Summed, (P1, R2) would be worth 0.1 + 0.6 = 0.7 and the run would report a false total.
    status, err, _ = _assign(tmp_path, capsys, GOOD + "P1,R2,0.6\n")

    assert _one_line(status, err) == (
        f"{tmp_path / 'scores.csv'}: line 6: pair (P1, R2) given twice (first at line 3); scores are never summed"
    )
    assert not (tmp_path / "out.csv").exists()


def test_duplicate_rows_are_refused_in_a_complete_matrix_too(tmp_path, capsys):
    # As many rows as pairs, one pair twice and one missing: the dense fast path must notice.
    status, err, _ = _assign(tmp_path, capsys, "P1,R1,0.9\nP1,R2,0.1\nP2,R1,0.8\nP1,R1,0.7\n")

    assert "line 4: pair (P1, R1) given twice (first at line 1)" in _one_line(status, err)


@pytest.mark.parametrize(
    ("row", "cause"),
    [
        ("P2,R2,-0.5", "score -0.5 is negative (scores must be ≥ 0)"),
        ("P2,R2,abc", "score 'abc' is not a number"),
        ("P2,R2,nan", "score 'nan' is not a finite number"),
        ("P2,R2,NaN", "score 'NaN' is not a finite number"),
        ("P2,R2,inf", "score 'inf' is not a finite number"),
        ("P2,R2,", "the score is missing"),
        ("P2,R2", "expected 3 fields paper,reviewer,score, found 2"),
        ("P2,R2,0.5,9", "expected 3 fields paper,reviewer,score, found 4"),
        (",R2,0.5", "the paper or reviewer id is empty"),
    ],
)
def test_a_bad_score_row_is_named_by_its_line(tmp_path, capsys, row, cause):
    scores = GOOD.replace("P2,R2,0.7", row)

    status, err, _ = _assign(tmp_path, capsys, scores)

    assert _one_line(status, err) == f"{tmp_path / 'scores.csv'}: line 5: {cause}"


def test_a_bad_first_row_is_not_taken_for_a_header(tmp_path, capsys):
    status, err, _ = _assign(tmp_path, capsys, "P1,R1,abc\nP1,R2,0.1\n")

    assert _one_line(status, err) == f"{tmp_path / 'scores.csv'}: line 1: score 'abc' is not a number"


def test_an_empty_scores_file_is_refused(tmp_path, capsys):
    for content in ("", "paper,reviewer,score\n"):
        status, err, _ = _assign(tmp_path, capsys, content)

        assert _one_line(status, err) == f"{tmp_path / 'scores.csv'}: no scores (the file is empty)"


def test_missing_files_are_named(tmp_path, capsys):
    status, err, _ = _assign(tmp_path, capsys, None)
    assert _one_line(status, err) == f"{tmp_path / 'scores.csv'}: no such file"

    status, err, _ = _assign(tmp_path, capsys, GOOD, "--constraints", str(tmp_path / "nope.csv"))
    assert _one_line(status, err) == f"{tmp_path / 'nope.csv'}: no such file"

    status, err, _ = _run(
        "affinity",
        ["--submissions", str(tmp_path / "s.json"), "--archives", str(tmp_path), "--out", str(tmp_path / "a.csv")],
        capsys,
    )
    assert _one_line(status, err) == f"{tmp_path / 's.json'}: no such file"


def test_unknown_ids_in_constraints_are_named_not_made_into_phantoms(tmp_path, capsys):
    status, err, _ = _assign(tmp_path, capsys, constraints="paper,reviewer,constraint\nP1,R1,-1\nPX,R1,-1\n")
    assert _one_line(status, err) == (
        f"{tmp_path / 'constraints.csv'}: line 3: unknown paper id PX (absent from {tmp_path / 'scores.csv'})"
    )

    status, err, _ = _assign(tmp_path, capsys, constraints="P1,RX,1\n")
    assert "line 1: unknown reviewer id RX" in _one_line(status, err)


@pytest.mark.parametrize(
    ("constraints", "cause"),
    [
        ("P1,R1,0\n", "line 1: the constraint must be -1 (forbid) or 1 (force), found '0'"),
        ("P1,R1,2\n", "line 1: the constraint must be -1 (forbid) or 1 (force), found '2'"),
        ("P1,R1\n", "line 1: expected 3 fields paper,reviewer,-1|1, found 2"),
        ("P1,R1,1\nP1,R1,-1\n", "line 2: pair (P1, R1) listed twice (first at line 1)"),
    ],
)
def test_bad_constraints_are_named(tmp_path, capsys, constraints, cause):
    status, err, _ = _assign(tmp_path, capsys, constraints=constraints)

    assert _one_line(status, err) == f"{tmp_path / 'constraints.csv'}: {cause}"


@pytest.mark.parametrize(
    ("extra", "cause"),
    [
        (["--reviews-per-proposal", "-1"], "argument --reviews-per-proposal: -1 must be > 0"),
        (["--max-load", "x"], "argument --max-load: 'x' is not an integer"),
        (["--min-load", "-2"], "argument --min-load: -2 must be ≥ 0"),
        (["--q", "0"], "--q must lie in (0, 1], got 0.0"),
        (["--q", "1.5"], "--q must lie in (0, 1], got 1.5"),
        (["--objective", "best"], "argument --objective: invalid choice"),
    ],
)
def test_bad_options_are_one_line(tmp_path, capsys, extra, cause):
    status, err, _ = _assign(tmp_path, capsys, GOOD, *extra)

    assert _one_line(status, err).startswith("grappe assign: ")
    assert cause in err


def test_an_unwritable_output_is_refused_before_any_work(tmp_path, capsys):
    status, err, _ = _assign(tmp_path, capsys, GOOD, "--out", str(tmp_path / "no" / "out.csv"))
    assert (
        _one_line(status, err) == f"{tmp_path / 'no' / 'out.csv'}: cannot be written (no directory {tmp_path / 'no'})"
    )

    status, err, _ = _assign(tmp_path, capsys, GOOD, "--out", str(tmp_path))
    assert "is a directory" in _one_line(status, err)


@pytest.mark.parametrize(
    ("content", "cause"),
    [
        ('[{"id": "S1", "content": {"title": "x"}', "line 1: not valid JSON (Expecting ',' delimiter)"),
        ('{"id": "S1"}\n{"id": oops}\n', "line 2: not valid JSON (Expecting value)"),
        ("42", "expected a JSON object, a JSON list or JSON Lines, found int"),
        ("[1, 2]", "each item must be a JSON object, found int"),
        ('{"id": "S1"}\n{"id": "S1"}\n', "line 2: submission id 'S1' appears twice (first at line 1)"),
    ],
)
def test_bad_submissions_are_named(tmp_path, capsys, content, cause):
    (tmp_path / "s.json").write_text(content, encoding="utf-8")
    (tmp_path / "archives").mkdir()
    (tmp_path / "archives" / "~R1.jsonl").write_text('{"id": "a", "content": {"title": "t"}}\n')

    status, err, _ = _run(
        "affinity",
        [
            "--submissions",
            str(tmp_path / "s.json"),
            "--archives",
            str(tmp_path / "archives"),
            "--out",
            str(tmp_path / "a.csv"),
        ],
        capsys,
    )

    assert _one_line(status, err) == f"{tmp_path / 's.json'}: {cause}"


def test_an_archives_folder_that_is_missing_or_empty_is_named(tmp_path, capsys):
    (tmp_path / "s.jsonl").write_text('{"id": "S1", "content": {"title": "t"}}\n')
    args = ["--submissions", str(tmp_path / "s.jsonl"), "--out", str(tmp_path / "a.csv")]

    status, err, _ = _run("affinity", [*args, "--archives", str(tmp_path / "none")], capsys)
    assert _one_line(status, err) == f"{tmp_path / 'none'}: no such directory"

    (tmp_path / "empty").mkdir()
    status, err, _ = _run("affinity", [*args, "--archives", str(tmp_path / "empty")], capsys)
    assert _one_line(status, err) == f"{tmp_path / 'empty'}: no reviewer archive (<reviewer_id>.jsonl) found"


def test_engine_messages_name_ids_not_indices():
    papers, reviewers = ("P1", "P2"), ("~Ada1", "~Bob1")

    assert _named("pair (reviewer 1, proposal 0) is both forced and forbidden", papers, reviewers) == (
        "pair (reviewer ~Bob1, proposal P1) is both forced and forbidden"
    )
    assert _named("proposal 1 has 1 eligible reviewers, needs 2", papers, reviewers) == (
        "proposal P2 has 1 eligible reviewers, needs 2"
    )


def test_affinity_json_chains_into_assign(tmp_path, capsys):
    (tmp_path / "s.jsonl").write_text(
        '{"id": "S1", "content": {"title": "Legal language models"}}\n'
        '{"id": "S2", "content": {"title": "Warehouse robot planners"}}\n'
    )
    (tmp_path / "archives").mkdir()
    (tmp_path / "archives" / "~Ada1.jsonl").write_text('{"id": "a", "content": {"title": "Language models for law"}}\n')
    (tmp_path / "archives" / "~Bob1.jsonl").write_text('{"id": "b", "content": {"title": "Robot planners"}}\n')
    for suffix in ("json", "csv"):
        scores = tmp_path / f"scores.{suffix}"
        status, err, _ = _run(
            "affinity",
            [
                "--submissions",
                str(tmp_path / "s.jsonl"),
                "--archives",
                str(tmp_path / "archives"),
                "--out",
                str(scores),
            ],
            capsys,
        )
        assert status == 0, err

        status, err, _out = _run(
            "assign",
            [
                "--scores",
                str(scores),
                "--reviews-per-proposal",
                "1",
                "--max-load",
                "1",
                "--out",
                str(tmp_path / "o.csv"),
            ],
            capsys,
        )

        assert status == 0, err
        assert (tmp_path / "o.csv").read_text().splitlines() == ["S1,~Ada1", "S2,~Bob1"]


def test_json_scores_with_a_repeated_key_are_refused(tmp_path, capsys):
    status, err, _ = _assign(tmp_path, capsys, '{"R1": {"P1": 0.5, "P1": 0.2}}', name="scores.json")

    assert (
        _one_line(status, err)
        == f"{tmp_path / 'scores.json'}: key 'P1' appears twice in one object; scores are never summed"
    )

    status, err, _ = _assign(tmp_path, capsys, '{"R1": {"P1": "high"}}', name="scores.json")
    assert _one_line(status, err) == f"{tmp_path / 'scores.json'}: score of (P1, R1) is 'high', not a number"


def test_parquet_and_npz_give_the_same_scores_as_csv(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    (tmp_path / "s.csv").write_text(GOOD)
    rows = [line.split(",") for line in GOOD.splitlines()[1:]]
    pq.write_table(
        pa.table(
            {"paper": [r[0] for r in rows], "reviewer": [r[1] for r in rows], "score": [float(r[2]) for r in rows]}
        ),
        tmp_path / "s.parquet",
    )
    np.savez(
        tmp_path / "s.npz",
        paper=np.array([r[0] for r in rows]),
        reviewer=np.array([r[1] for r in rows]),
        score=np.array([float(r[2]) for r in rows]),
    )
    np.savez(tmp_path / "d.npz", scores=np.array([[0.9, 0.8], [0.1, 0.7]]), reviewers=["R1", "R2"], papers=["P1", "P2"])

    def as_dict(table):
        m = np.asarray(table.matrix.todense()) if hasattr(table.matrix, "todense") else table.matrix
        return {(p, r): m[i, j] for i, r in enumerate(table.reviewers) for j, p in enumerate(table.papers)}

    expected = as_dict(read_scores(tmp_path / "s.csv"))
    assert expected == {("P1", "R1"): 0.9, ("P1", "R2"): 0.1, ("P2", "R1"): 0.8, ("P2", "R2"): 0.7}
    for name in ("s.parquet", "s.npz", "d.npz"):
        assert as_dict(read_scores(tmp_path / name)) == expected
    assert isinstance(read_scores(tmp_path / "s.csv").matrix, np.ndarray)  # complete: dense


def test_a_sparse_scores_file_keeps_only_its_pairs(tmp_path):
    (tmp_path / "s.csv").write_text("P1,R1,0.9\nP2,R2,0.7\n")

    table = read_scores(tmp_path / "s.csv")

    assert table.pairs == 2
    assert not isinstance(table.matrix, np.ndarray)


def test_an_unknown_scores_format_is_refused(tmp_path):
    with pytest.raises(InputError, match=r"unknown scores format '\.xlsx'"):
        read_scores(tmp_path / "s.xlsx")
