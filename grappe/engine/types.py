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

    @property
    def text(self) -> str:
        return " ".join(part for part in (self.title, self.abstract, " ".join(self.keywords)) if part)


@dataclass(frozen=True)
class Profile:
    """A reviewer: keywords and publications."""

    id: str
    keywords: tuple[str, ...] = ()
    documents: tuple[Document, ...] = field(default_factory=tuple)


class Infeasible(Exception):
    """The constraints admit no assignment; the message names the cause."""
