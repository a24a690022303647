"""Who is who in publications: LaTeX decoded, titles and names compared as people mean them.

Pure functions (no database): ``title_key`` for duplicates and likely authorship, ``author_match``
for co-authorships (ORCID when both sides have one; otherwise the full last name and the given
name — full when both are written in full, else the initials).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

ORCID = re.compile(r"(\d{4}-\d{4}-\d{4}-\d{3}[\dX])")
DOI = re.compile(r"10\.\d{4,9}/\S+", re.IGNORECASE)
# Lower-case particles that belong to the last name when written before it ("Jonathan Le Roux").
PARTICLES = frozenset({"de", "del", "della", "der", "di", "du", "da", "dos", "la", "le", "van", "von", "ten", "ter"})


@lru_cache(maxsize=1)
def _latex() -> object:
    from pylatexenc.latex2text import LatexNodes2Text

    return LatexNodes2Text(math_mode="text", strict_latex_spaces=False)


def decode_latex(text: str) -> str:
    """``Bells \\& Whistles`` → ``Bells & Whistles``, ``M{\\"u}ller`` → ``Müller``; plain text unchanged."""
    if "\\" not in text and "{" not in text and "$" not in text:
        return " ".join(text.split())
    try:
        decoded = _latex().latex_to_text(text)  # type: ignore[attr-defined]
    except Exception:
        decoded = text.replace("{", "").replace("}", "")
    return " ".join(decoded.split())


def fold(text: str) -> str:
    """Lower case, accents and punctuation removed, spaces collapsed."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def title_key(title: str) -> str:
    """Two titles are the same publication when their keys are equal ("&" and "and" alike)."""
    return " ".join(word for word in fold(title.replace("&", " and ")).split() if word != "and")


def normalise_doi(value: str) -> str:
    found = DOI.search(value or "")
    return found.group(0).rstrip(".,;)").lower() if found else ""


def normalise_orcid(value: str) -> str:
    found = ORCID.search((value or "").upper())
    return found.group(1) if found else ""


def _split(author: str, last_tokens: list[str]) -> tuple[list[str], list[str]] | None:
    """The author's (last name, given names) as tokens, if the last name is ``last_tokens``."""
    if "," in author:
        last, given = author.split(",", 1)
        return fold(last).split(), fold(given).split()
    tokens = fold(author).split()
    size = len(last_tokens)
    if size == 0 or len(tokens) <= size or tokens[-size:] != last_tokens:
        return None
    given = tokens[:-size]
    # "Jonathan Le Roux": "le" belongs to the last name, which is then "le roux", not "roux".
    particles = []
    while given and given[-1] in PARTICLES:
        particles.insert(0, given.pop())
    return particles + last_tokens, given


def author_match(author: str, *, first_name: str, last_name: str) -> str | None:
    """How ``author`` (as written in a publication) matches a person: ``"full name"`` when the
    last name is the same and the first given names agree in full, ``"initials"`` when one side
    has initials only and they agree, None otherwise (or when a given name is missing)."""
    last = fold(last_name).split()
    split = _split(author, last)
    if split is None or split[0] != last:
        return None
    given, mine = split[1], fold(first_name).split()
    if not given or not mine:
        return None
    if len(given[0]) > 1 and len(mine[0]) > 1:
        return "full name" if given[0] == mine[0] else None
    return "initials" if given[0][0] == mine[0][0] else None
