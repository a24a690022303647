"""Plain data types shared by the engine's functions."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Document:
    """A text: a proposal, or one publication of a reviewer."""

    id: str
    title: str = ""
    abstract: str = ""
    keywords: tuple[str, ...] = ()
    year: int | None = None
    is_keywords: bool = False  # a profile's keyword list (its title), not a publication

    @property
    def text(self) -> str:
        """Title, abstract and keywords as one text (what the embedding backend reads)."""
        return " ".join(part for part in (self.title, self.abstract, " ".join(self.keywords)) if part)

    @property
    def segments(self) -> tuple[str, ...]:
        """Title, abstract and each keyword apart: the TF-IDF phrases never cross from one to the
        next (engine 0.4; "deep learning" and "large scale" are not "learning large")."""
        if self.is_keywords:
            return tuple(k for k in self.title.split(", ") if k)
        return tuple(part for part in (self.title, self.abstract, *self.keywords) if part)


@dataclass(frozen=True)
class Profile:
    """A reviewer: keywords and publications."""

    id: str
    keywords: tuple[str, ...] = ()
    documents: tuple[Document, ...] = field(default_factory=tuple)


class Infeasible(Exception):
    """The constraints admit no assignment; the message names the cause."""
