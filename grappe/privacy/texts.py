"""The texts people consent to, each with a version: change the text, bump the version (the
consents recorded keep the version they were given to)."""

from django.utils.translation import gettext_lazy as _

from grappe.partners.texts import MATCHMAKING_CONSENT_TEXT, MATCHMAKING_CONSENT_VERSION
from grappe.privacy.models import ConsentKind

CONSENT_TEXTS = {
    # Owned by partners, which applies it (docs/decisions/0011-matchmaking-consent.md).
    ConsentKind.MATCHMAKING: (MATCHMAKING_CONSENT_VERSION, MATCHMAKING_CONSENT_TEXT),
    ConsentKind.PUBLIC_PROFILE: (
        "2026-11",
        _("My name, affiliation and expertise keywords may be shown on the public pages of the cluster."),
    ),
    ConsentKind.EQUALITY: (
        "2026-11",
        _(
            "The career stage and gender I declare here may be counted in the outcomes audit of the calls I "
            "apply to, only in groups of at least ten people, never shown for me alone. I can withdraw this at "
            "any time: what I declared is then deleted."
        ),
    ),
    ConsentKind.NEWSLETTER: (
        "2026-11",
        _("The cluster office may send me its newsletter (calls, events); I can stop it at any time."),
    ),
}
