"""The matchmaking consent's text, with its version: change the text, bump the version (each
recorded choice keeps the version it was given to). ``privacy`` shows the same text with the
person's other consents (docs/decisions/0011-matchmaking-consent.md)."""

from django.utils.translation import gettext_lazy as _

MATCHMAKING_CONSENT_VERSION = "2026-11-26"
MATCHMAKING_CONSENT_TEXT = _(
    "The cluster's industrial partners may see me suggested beside their challenges, with my name, current "
    "affiliation, the title of my closest public publication and the terms it shares with the challenge, and may "
    "send me contact requests through the platform. My email address is shown only if I accept a request. I can "
    "withdraw at any time: I am then no longer suggested."
)
