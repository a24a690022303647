"""Text as a person reads it: markup stripped and LaTeX decoded before any scoring.

Real abstracts arrive with JATS or HTML tags (``<inline-formula><tex-math>…``), HTML entities and
LaTeX (``\\'{e}``, ``$\\mathcal{O}(n)$``); left in, the tag and command names count as words
("inline", "formula", "tex", "math", "mathcal") and can rank a paper first on them alone.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from functools import lru_cache

TAG = re.compile(r"</?[A-Za-z][\w:.-]*(?:\s[^<>]*)?/?>")
SPACES = re.compile(r"\s+")
LITERAL = re.compile(r"(?<!\\)[%&#]")


@lru_cache(maxsize=1)
def _latex() -> object:
    from pylatexenc.latex2text import LatexNodes2Text  # type: ignore[import-untyped]

    return LatexNodes2Text(math_mode="text", strict_latex_spaces=False)


def clean_text(text: str) -> str:
    """``text`` without markup tags, with HTML entities and LaTeX turned into plain Unicode.

    >>> clean_text("<p>Caf\\\\'{e} &amp; <inline-formula><tex-math>$\\\\alpha$</tex-math></inline-formula></p>")
    'Café & α'
    """
    if "<" in text:
        text = TAG.sub(" ", text)
    if "&" in text:
        text = html.unescape(text)
    if "\\" in text or "$" in text:
        try:
            # In abstracts "%" and "&" are text, never a LaTeX comment or column separator.
            literal = LITERAL.sub(lambda m: "\\" + m.group(0), text)
            text = _latex().latex_to_text(literal)  # type: ignore[attr-defined]
        except Exception:  # noqa: S110 - malformed LaTeX: keep the text as it is
            pass
    return SPACES.sub(" ", text).strip()


SEGMENT_BREAK = "\n"  # clean_text folds every newline into a space: left in, it is a segment break


def clean_segments(segments: Sequence[str]) -> str:
    """Each segment cleaned (:func:`clean_text`), joined by :data:`SEGMENT_BREAK`, which the
    engine's term analyser honours: no phrase crosses from one segment to the next."""
    return SEGMENT_BREAK.join(cleaned for cleaned in (clean_text(s) for s in segments) if cleaned)
