"""Forms of the partners app (all based on ``grappe.core.forms``)."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from grappe.core.forms import Form, ModelForm
from grappe.core.uploads import file_input_attrs, is_pdf
from grappe.engine.affinity import FRENCH_STOP_WORDS
from grappe.partners.models import (
    Agreement,
    Challenge,
    ContactRole,
    Interaction,
    Level,
    PartnerProfile,
)
from grappe.partners.texts import MATCHMAKING_CONSENT_TEXT
from grappe.people.forms import DateInput, KeywordsField
from grappe.people.models import OrganisationKind, Person, Sector
from grappe.projects.validators import check_size, money_field

MAX_WORDS = 5000
MAX_CHARACTERS = 40000
WORD = re.compile(r"[^\W\d_]+")
KNOWN_WORDS = frozenset(ENGLISH_STOP_WORDS) | FRENCH_STOP_WORDS | {"the", "of", "and", "le", "la", "les", "des"}
DATE = {"widget": DateInput()}


# Short, frequent words that tell one language from another (none is a word of the others'
# lists): a statement is read as the language with the most of them (decision 0024).
LANGUAGE_MARKERS: dict[str, frozenset[str]] = {
    "fr": frozenset(
        [
            "le",
            "la",
            "les",
            "des",
            "du",
            "un",
            "une",
            "et",
            "est",
            "sont",
            "pour",
            "dans",
            "avec",
            "sur",
            "par",
            "pas",
            "nous",
            "vous",
            "ils",
            "elles",
            "qui",
            "que",
            "ce",
            "cette",
            "ces",
            "leur",
            "leurs",
            "nos",
            "notre",
            "mais",
            "ou",
            "au",
            "aux",
            "été",
            "être",
            "avons",
            "sommes",
            "souhaitons",
        ]
    ),
    "en": frozenset(
        [
            "the",
            "of",
            "and",
            "is",
            "are",
            "for",
            "with",
            "on",
            "by",
            "not",
            "we",
            "you",
            "they",
            "which",
            "that",
            "this",
            "these",
            "their",
            "our",
            "but",
            "or",
            "to",
            "from",
            "have",
            "has",
            "been",
            "be",
            "was",
            "were",
            "will",
            "would",
            "can",
        ]
    ),
    "de": frozenset(
        [
            "der",
            "die",
            "das",
            "und",
            "ist",
            "sind",
            "für",
            "mit",
            "auf",
            "von",
            "nicht",
            "wir",
            "sie",
            "ihr",
            "unser",
            "unsere",
            "eine",
            "einen",
            "einem",
            "einer",
            "den",
            "dem",
            "zu",
            "im",
            "auch",
            "werden",
            "wird",
            "oder",
            "aber",
            "nach",
            "bei",
            "aus",
        ]
    ),
    "es": frozenset(
        [
            "el",
            "los",
            "las",
            "y",
            "es",
            "son",
            "para",
            "con",
            "por",
            "nosotros",
            "ellos",
            "su",
            "sus",
            "nuestro",
            "nuestra",
            "pero",
            "o",
            "una",
            "del",
            "al",
            "este",
            "esta",
            "estos",
            "como",
            "más",
        ]
    ),
    "it": frozenset(
        [
            "il",
            "lo",
            "gli",
            "e",
            "è",
            "sono",
            "per",
            "con",
            "su",
            "da",
            "non",
            "noi",
            "voi",
            "loro",
            "che",
            "questo",
            "questa",
            "nostro",
            "nostra",
            "ma",
            "o",
            "una",
            "della",
            "delle",
            "degli",
            "nel",
            "nella",
        ]
    ),
}
LANGUAGE_NAMES = {  # inside a sentence ("reads as German"): lower case in French
    "fr": pgettext_lazy("a language, inside a sentence", "French"),
    "en": pgettext_lazy("a language, inside a sentence", "English"),
    "de": pgettext_lazy("a language, inside a sentence", "German"),
    "es": pgettext_lazy("a language, inside a sentence", "Spanish"),
    "it": pgettext_lazy("a language, inside a sentence", "Italian"),
}


def detect_language(text: str) -> str | None:
    """The language ``text`` reads as (``fr``, ``en``, ``de``, ``es``, ``it``) from its short
    frequent words, or None when it has too few of them to tell (under three, or a tie)."""
    words = WORD.findall(text.lower())
    counts = {code: sum(w in markers for w in words) for code, markers in LANGUAGE_MARKERS.items()}
    ranked = sorted(counts.items(), key=lambda item: -item[1])
    (best, top), (_second, runner_up) = ranked[0], ranked[1]
    if top < 3 or top == runner_up:
        return None
    return best


def check_language(text: str, declared: str | None = None) -> None:
    """Refuse a text that is neither French nor English (the languages the matching knows): in
    a text of eight words or more, fewer than one in twenty is a common French or English word,
    or it reads as another language (German, Spanish, Italian); and a text that reads as the
    other language than the one ``declared``."""
    words = WORD.findall(text.lower())
    if not words:
        raise forms.ValidationError(_("Write the statement in words, in French or English."), code="no_words")
    refused = forms.ValidationError(
        _(
            "This text does not read as French or English, the two languages matchmaking understands: "
            "write it in one of them."
        ),
        code="language",
    )
    detected = detect_language(text) if len(words) >= 8 else None
    if detected is None:
        if len(words) >= 8 and sum(w in KNOWN_WORDS for w in words) < len(words) / 20:
            raise refused
        return
    if detected not in ("fr", "en"):
        raise forms.ValidationError(
            _(
                "This text reads as %(language)s: matchmaking understands only French and English. "
                "Write it in one of them."
            )
            % {"language": LANGUAGE_NAMES[detected]},
            code="language",
        )
    if declared in ("fr", "en") and detected != declared:
        raise forms.ValidationError(
            _("This text reads as %(detected)s but its language is set to %(declared)s: correct one or the other.")
            % {"detected": LANGUAGE_NAMES[detected], "declared": LANGUAGE_NAMES[declared]},
            code="declared_language",
        )


class PartnerFilterForm(Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    level = forms.ChoiceField(label=_("Level"), required=False, choices=[("", _("Any level")), *Level.choices])
    sector = forms.ChoiceField(label=_("Sector"), required=False, choices=[("", _("Any sector")), *Sector.choices])
    size = forms.ChoiceField(
        label=_("Size"),
        required=False,
        choices=[("", _("Any size"))]
        + [(k, v) for k, v in OrganisationKind.choices if k in OrganisationKind.companies()],
    )
    agreements = forms.ChoiceField(
        label=_("Agreements"),
        required=False,
        choices=[
            ("", _("Any")),
            ("active", _("With an active agreement")),
            ("renewal", _("With an agreement to renew soon")),
            ("none", _("Without")),
        ],
    )
    min_contribution = money_field(_("Pledged to projects, min (EUR)"), required=False)
    max_contribution = money_field(_("Pledged to projects, max (EUR)"), required=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        low, high = cleaned.get("min_contribution"), cleaned.get("max_contribution")
        if low is not None and high is not None and low > high:
            self.add_error(
                "max_contribution",
                _("The maximum (%(high)s) is below the minimum (%(low)s): swap them or widen the range.")
                % {"high": grouped(high), "low": grouped(low)},
            )
        return cleaned


class RelationForm(ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = PartnerProfile
        fields = ["level", "member_since", "member_until", "annual_fee"]
        widgets = {"member_since": DATE["widget"], "member_until": DATE["widget"]}

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        since, until = data.get("member_since"), data.get("member_until")
        if since and until and until < since:
            self.add_error("member_until", _("Membership cannot end before it starts."))
        return data


class FeePaymentForm(Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    amount = money_field(_("Amount (EUR)"), allow_zero=False)
    paid_on = forms.DateField(label=_("Paid on"), **DATE)


class AgreementForm(ModelForm):
    upload = forms.FileField(
        label=_("Signed agreement (PDF)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}),
    )

    class Meta:
        model = Agreement
        fields = ["kind", "title", "ip_clause", "project", "start_date", "end_date", "notice_days"]
        widgets = {"start_date": DATE["widget"], "end_date": DATE["widget"]}

    def __init__(self, *args: Any, projects: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = projects  # type: ignore[attr-defined]
        # The limit as configured, said before choosing a file and checked in the browser too.
        self.fields["upload"].help_text = _("PDF, at most %(mb)s MB.") % {"mb": settings.GRAPPE_MAX_UPLOAD_MB}
        self.fields["upload"].widget.attrs.update(file_input_attrs())

    def clean_upload(self) -> Any:
        upload = self.cleaned_data.get("upload")
        if upload:
            check_size(upload)
            if not is_pdf(upload):
                raise forms.ValidationError(
                    _("This file is not a PDF (whatever its name says): export your document as PDF.")
                )
        return upload

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The agreement cannot end before it starts."))
        return data


class ContactForm(Form):
    email = forms.EmailField(label=_("Email of the person"), help_text=_("A person already in the directory."))
    role = forms.ChoiceField(label=_("Role"), choices=ContactRole.choices)

    def clean_email(self) -> Person:
        person = Person.objects.filter(email__iexact=self.cleaned_data["email"]).first()
        if person is None:
            raise forms.ValidationError(_("No one in the directory has this email: add the person first."))
        return person


class InteractionForm(ModelForm):
    class Meta:
        model = Interaction
        fields = ["kind", "date", "participants", "notes"]
        widgets = {"date": DATE["widget"], "notes": forms.Textarea(attrs={"rows": 3})}


class PublicProfileForm(Form):
    description = forms.CharField(
        label=_("Description"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )
    website = forms.URLField(label=_("Website"), required=False, max_length=300, assume_scheme="https")
    interests = forms.CharField(
        label=_("Research interests"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What you would like to work on with researchers, in French or English."),
    )
    keywords = KeywordsField(label=_("Keywords"))
    organisation_version = forms.IntegerField(widget=forms.HiddenInput)
    profile_version = forms.IntegerField(widget=forms.HiddenInput)

    def clean_interests(self) -> str:
        text = self.cleaned_data["interests"]
        if text.strip():
            check_language(text)
        return text


def grouped(number: int) -> str:
    """``number`` with the active language's thousands separator (100 000, 100,000)."""
    return number_format(number, force_grouping=True)


class ChallengeForm(ModelForm):
    # No character limit on the field itself: a far too long text gets the word count message.
    text = forms.CharField(
        label=_("Problem statement"),
        widget=forms.Textarea(attrs={"rows": 10, "data-word-limit": MAX_WORDS, "data-words-label": _("words")}),
        help_text=_("In French or English, at most 5,000 words and 40,000 characters."),
    )
    keyword_names = KeywordsField(label=_("Keywords"))

    class Meta:
        model = Challenge
        fields = ["title", "text", "language", "collaboration", "visibility", "end_date", "academic_only"]
        widgets = {"end_date": DATE["widget"]}
        error_messages = {
            "language": {"invalid_choice": _("Choose French or English: matchmaking reads only these two.")}
        }

    def clean_text(self) -> str:
        text = self.cleaned_data["text"]
        count = len(text.split())
        if count > MAX_WORDS:
            raise forms.ValidationError(
                _("This statement has %(count)s words; the limit is %(limit)s.")
                % {"count": grouped(count), "limit": grouped(MAX_WORDS)}
            )
        if len(text) > MAX_CHARACTERS:
            raise forms.ValidationError(
                _("This statement has %(count)s characters; the limit is %(limit)s.")
                % {"count": grouped(len(text)), "limit": grouped(MAX_CHARACTERS)}
            )
        check_language(text)
        return text

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        text, declared = cleaned.get("text"), cleaned.get("language")
        if text and declared:
            try:
                check_language(text, declared)
            except forms.ValidationError as error:
                self.add_error("text", error)
        return cleaned

    def clean_end_date(self) -> Any:
        end = self.cleaned_data["end_date"]
        if end < timezone.localdate():
            raise forms.ValidationError(_("The end date has passed: choose a later one."))
        return end


class ChallengeEditForm(ChallengeForm):
    """The same fields, and the version the editor started from (optimistic locking)."""

    version = forms.IntegerField(widget=forms.HiddenInput)


class CloseChallengeForm(Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


MAX_MESSAGE = 3000


class ContactRequestForm(Form):
    message = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 4}), strip=True)

    def clean_message(self) -> str:
        message = self.cleaned_data["message"]
        if len(message) > MAX_MESSAGE:
            raise forms.ValidationError(
                _("This message has %(count)s characters; the limit is %(limit)s.")
                % {"count": grouped(len(message)), "limit": grouped(MAX_MESSAGE)}
            )
        return message


class AnswerForm(Form):
    decision = forms.ChoiceField(
        label=_("Answer"), choices=[("accept", _("Accept")), ("decline", _("Decline"))], widget=forms.RadioSelect
    )
    answer = forms.CharField(
        label=_("Message (optional)"), required=False, max_length=3000, widget=forms.Textarea(attrs={"rows": 3})
    )


class PartnerDirectoryForm(Form):
    """The list of partners: words to find (name, description, interests, keywords), a sector."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("e.g. medical imaging, robotics")}),
    )
    sector = forms.ChoiceField(label=_("Sector"), required=False, choices=[("", _("All sectors")), *Sector.choices])


class ConsentForm(Form):
    opted_in = forms.BooleanField(
        label=_("Suggest me to the cluster's industrial partners for their challenges"),
        required=False,
        help_text=MATCHMAKING_CONSENT_TEXT,
    )
