"""Labels, value wordings and help texts of the review engine's stored parameters and figures
(shown by the ``grappe`` template tags, grappe/core/display.py)."""

from django.utils.translation import gettext_lazy as _

from grappe.core.display import register_help, register_labels, register_values

LABELS = {
    "reviews_per_proposal": _("reviews per proposal"),
    "max_load": _("most reviews per expert"),
    "objective": _("objective"),
    "q": _("fairness q"),
    "bid_weight": _("weight of the bids"),
    "require_external": _("at least one expert from outside the lead's organisation"),
    "seed": _("random seed"),
    "backend": _("affinity method"),
    "aggregate": _("aggregation of an expert's publications"),
    "top_k": _("publications counted per expert"),
    "half_life_years": _("half-life of a publication (years)"),
    "temperature": _("softness of the maximum over publications"),
    "terms": _("terms compared"),
    "window": _("years looked back"),
    "since": _("counted back to"),
    "count": _("number"),
    "run": _("run"),
    "pairs": _("expert–proposal pairs"),
}

# Stored codes of some parameters, in words.
VALUES = {
    "objective": {
        "max-affinity": _("best total affinity"),
        "fair": _("fair to the worst-served proposal"),
        "randomized": _("randomised"),
    },
    "backend": {
        "tfidf": _("terms (TF-IDF)"),
        "embedding": _("multilingual meaning"),
        "combined": _("terms and multilingual meaning"),
    },
    "aggregate": {
        "recency": _("recent publications weigh more"),
        "max": _("best publication"),
        "mean": _("mean"),
        "mean_top_k": _("mean of the best publications"),
        "softmax": _("every close publication counts, recent ones more"),
    },
    # grappe.engine.affinity: the parameter "terms" of an affinity run.
    "terms": {
        "snowball-english stems, phrases of 2-3 stems, stop words removed": _(
            "word stems and phrases of two or three words, without stop words"
        ),
        "words and bigrams": _("words and two-word phrases"),
    },
}

HELP = {
    "gap": _(
        "How far the assignment could still be from the best possible one: 0 means it is proven optimal; "
        "0.01 means at most 1 % of total affinity could be gained."
    ),
    "q": _(
        "The randomised assignment gives each expert–proposal pair at most this probability (for example 0.5), "
        "so no single expert is certain to review a given proposal; lower is less predictable, "
        "at some cost in affinity."
    ),
    "affinity": _(
        "How close an expert's publications are to a proposal, from 0 (unrelated) to 1 (same topic), computed from "
        "titles, abstracts and keywords."
    ),
}


def register() -> None:
    register_labels(LABELS)
    for key, values in VALUES.items():
        register_values(key, values)
    register_help(HELP)
