"""Forms of the partners app (all based on ``grappe.core.forms``)."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from grappe.core.forms import Form, ModelForm
from grappe.core.uploads import is_pdf
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


def check_language(text: str) -> None:
    """Refuse a text that is neither French nor English (the languages the matching knows): in
    a text of eight words or more, fewer than one in twenty is a common French or English word."""
    words = WORD.findall(text.lower())
    if not words:
        raise forms.ValidationError(_("Write the statement in words, in French or English."), code="no_words")
    if len(words) >= 8 and sum(w in KNOWN_WORDS for w in words) < len(words) / 20:
        raise forms.ValidationError(
            _(
                "This text does not read as French or English, the two languages matchmaking understands: "
                "write it in one of them."
            ),
            code="language",
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
        help_text=_("In French or English, at most 5,000 words."),
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


class ContactRequestForm(Form):
    message = forms.CharField(label=_("Message"), max_length=3000, widget=forms.Textarea(attrs={"rows": 4}), strip=True)


class AnswerForm(Form):
    decision = forms.ChoiceField(
        label=_("Answer"), choices=[("accept", _("Accept")), ("decline", _("Decline"))], widget=forms.RadioSelect
    )
    answer = forms.CharField(
        label=_("Message (optional)"), required=False, max_length=3000, widget=forms.Textarea(attrs={"rows": 3})
    )


class ConsentForm(Form):
    opted_in = forms.BooleanField(
        label=_("Suggest me to the cluster's industrial partners for their challenges"),
        required=False,
        help_text=MATCHMAKING_CONSENT_TEXT,
    )
