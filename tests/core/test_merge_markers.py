"""No file of the project keeps the markers of an unfinished merge (a stylesheet once shipped
with both sides of a conflict and its rules after the marker ignored)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TEXT = {".py", ".html", ".txt", ".css", ".js", ".md", ".toml", ".cfg", ".conf", ".service", ".yml", ".json", ".po"}
MARKERS = ("<<<<<<< ", ">>>>>>> ")


def test_no_file_keeps_merge_conflict_markers():
    found = []
    for folder in ("grappe", "tests", "docs", "bench", "deploy", "requirements", ".ci"):
        for path in (ROOT / folder).rglob("*"):
            if path.suffix not in TEXT or not path.is_file() or "node_modules" in path.parts:
                continue
            for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
                if line.startswith(MARKERS) or line == "=======":
                    found.append(f"{path.relative_to(ROOT)}:{number}")
    assert found == []
