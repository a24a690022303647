"""Expert review, the write side, by concern: pool, publications, conflicts, engine runs, assignments,
reviews. Every change is logged; every engine run is kept with its inputs' hash, parameters, seed and
engine version. Callers import from ``grappe.review.services``."""

from grappe.review.services.assignments import (
    add_assignment,
    confirm_assignment,
    decline_assignment,
    remove_assignment,
    replacement_suggestions,
    reviewer_load,
)
from grappe.review.services.common import ReviewError, settings_for
from grappe.review.services.conflicts import (
    compute_conflicts,
    conflicted_pairs,
    declare_conflict,
    is_conflicted,
    waive_conflict,
)
from grappe.review.services.flags import (
    explanation,
    flag_poor_match,
    flag_rate,
    latest_affinity_run,
    withdraw_flag,
)
from grappe.review.services.pool import capacity, invite, respond, send_pool_invitation, set_max_loads
from grappe.review.services.publications import (
    execute_import,
    import_publications,
    parse_publications,
    read_publications,
    start_import,
)
from grappe.review.services.reviews import late_reviews, save_bids, save_review, send_reminders
from grappe.review.services.runs import (
    KEEP_PER_PROPOSAL,
    KEEP_PER_REVIEWER,
    execute_affinity,
    execute_assignment,
    notify_reviewers,
    publish_run,
    restart_run,
    start_run,
)

__all__ = [
    "KEEP_PER_PROPOSAL",
    "KEEP_PER_REVIEWER",
    "ReviewError",
    "add_assignment",
    "capacity",
    "compute_conflicts",
    "confirm_assignment",
    "conflicted_pairs",
    "declare_conflict",
    "decline_assignment",
    "execute_affinity",
    "execute_assignment",
    "execute_import",
    "explanation",
    "flag_poor_match",
    "flag_rate",
    "import_publications",
    "invite",
    "is_conflicted",
    "late_reviews",
    "latest_affinity_run",
    "notify_reviewers",
    "parse_publications",
    "publish_run",
    "read_publications",
    "remove_assignment",
    "replacement_suggestions",
    "respond",
    "restart_run",
    "reviewer_load",
    "save_bids",
    "save_review",
    "send_pool_invitation",
    "send_reminders",
    "set_max_loads",
    "settings_for",
    "start_import",
    "start_run",
    "waive_conflict",
    "withdraw_flag",
]
