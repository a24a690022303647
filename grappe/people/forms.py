from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from grappe.core import forms as core_forms
from grappe.core.forms import CleanInputMixin, Form, ModelForm
from grappe.core.validation import validate_single_line
from grappe.people.models import (
    Affiliation,
    Organisation,
    OrganisationKind,
    Person,
    Relationship,
    RoleKind,
    Sector,
    User,
)
from grappe.people.services import email_taken, unverified_account
from grappe.people.validators import normalise_orcid, normalise_ror, normalise_siren

SPOKEN_LANGUAGES = [
    ("fr", _("French")),
    ("en", _("English")),
    ("de", _("German")),
    ("es", _("Spanish")),
    ("it", _("Italian")),
    ("pt", _("Portuguese")),
    ("nl", _("Dutch")),
    ("ar", _("Arabic")),
    ("zh", _("Chinese")),
    ("ja", _("Japanese")),
]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class VersionedForm(core_forms.VersionedForm, ModelForm):
    """Carries the record's version so that a concurrent save is detected, not overwritten
    (the ``version`` field comes from ``core.forms.VersionedForm``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
        else:
            self.fields["version"].required = False

    def changes(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self._meta.fields if name in self.cleaned_data}


class KeywordsField(forms.CharField):
    """Comma-separated keywords, returned as a list of trimmed strings."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 1000)
        kwargs.setdefault("help_text", _("Separate keywords with commas."))
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value)
        words = [" ".join(w.split()) for w in text.split(",")]
        return [w for w in words if w]

    def validate(self, value: Any) -> None:
        if self.required and not value:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        for word in value:
            validate_single_line(word)
            if len(word) > 80:
                raise forms.ValidationError(
                    _("A keyword is at most 80 characters long: “%(word)s…”"), params={"word": word[:20]}
                )

    def run_validators(self, value: Any) -> None:
        return None

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return ", ".join(str(v) for v in value)
        return value


class OrganisationForm(VersionedForm):
    website = forms.URLField(label=_("website"), required=False, max_length=300, assume_scheme="https")
    # Longer than the stored value: people paste full URLs and spaced numbers, normalised in clean_*().
    ror = forms.CharField(label=_("ROR identifier"), required=False, max_length=40, help_text=_("e.g. 02en5vm52"))
    siren = forms.CharField(label=_("SIREN"), required=False, max_length=20, help_text=_("9 digits, French companies"))

    class Meta:
        model = Organisation
        fields = [
            "name",
            "short_name",
            "kind",
            "sector",
            "country",
            "website",
            "ror",
            "siren",
            "parent",
            "relationship",
            "relationship_start",
            "relationship_end",
            "description",
        ]
        widgets = {
            "relationship_start": DateInput(),
            "relationship_end": DateInput(),
            "description": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        parents = Organisation.objects.only("id", "name").order_by("name")
        if self.instance.pk:
            parents = parents.exclude(pk=self.instance.pk)
        self.fields["parent"].queryset = parents

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        clash = Organisation.objects.filter(name__iexact=name)
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(_("An organisation with this name already exists."))
        return name

    def clean_ror(self) -> str:
        value = normalise_ror(self.cleaned_data.get("ror", ""))
        if value and Organisation.objects.filter(ror=value).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("Another organisation already has this ROR identifier."))
        return value

    def clean_siren(self) -> str:
        value = normalise_siren(self.cleaned_data.get("siren", ""))
        if value and Organisation.objects.filter(siren=value).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("Another organisation already has this SIREN number."))
        return value

    def clean_parent(self) -> Organisation | None:
        parent = self.cleaned_data.get("parent")
        ancestor, seen = parent, 0
        while ancestor is not None and seen < 50:
            if self.instance.pk and ancestor.pk == self.instance.pk:
                raise forms.ValidationError(_("An organisation cannot be its own parent or ancestor."))
            ancestor, seen = ancestor.parent, seen + 1
        return parent

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("relationship_start"), data.get("relationship_end")
        if start and end and end < start:
            self.add_error("relationship_end", _("The end date must not be before the start date."))
        return data


class PersonForm(VersionedForm):
    orcid = forms.CharField(label=_("ORCID iD"), required=False, max_length=40, help_text=_("e.g. 0000-0002-1825-0097"))
    keywords = KeywordsField(label=_("Expertise keywords"))
    languages = forms.MultipleChoiceField(
        label=_("Languages"), choices=SPOKEN_LANGUAGES, required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Person
        fields = ["first_name", "last_name", "email", "orcid", "languages", "preferred_language"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["keywords"].initial = [k.name for k in self.instance.keywords.all()]

    def clean_email(self) -> str:
        email = self.cleaned_data.get("email", "").strip().lower()
        if email and Person.objects.filter(email__iexact=email).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("Another person already has this email address."))
        return email

    def clean_orcid(self) -> str:
        value = normalise_orcid(self.cleaned_data.get("orcid", ""))
        if value and Person.objects.filter(orcid=value).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("Another person already has this ORCID iD."))
        return value

    def changes(self) -> dict[str, Any]:
        changes = super().changes()
        changes.pop("keywords", None)
        return changes


class ProfileForm(PersonForm):
    """What a person edits about themselves (their email is their login: the office changes it)."""

    class Meta(PersonForm.Meta):
        fields = ["first_name", "last_name", "orcid", "languages", "preferred_language"]


class AffiliationForm(ModelForm):
    organisation = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.order_by("name"), to_field_name="code"
    )

    class Meta:
        model = Affiliation
        fields = ["organisation", "position", "start_date", "end_date"]
        widgets = {"start_date": DateInput(), "end_date": DateInput()}

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The end date must not be before the start date."))
        return data


class RoleForm(Form):
    kind = forms.ChoiceField(label=_("Role"), choices=RoleKind.choices)
    organisation = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.order_by("name"),
        to_field_name="code",
        required=False,
        help_text=_("Only for institution and partner contacts."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        kind, organisation = data.get("kind"), data.get("organisation")
        if kind in RoleKind.organisation_kinds() and organisation is None and "organisation" not in self.errors:
            self.add_error("organisation", _("Choose the organisation this contact represents."))
        if kind in RoleKind.global_kinds() and organisation is not None:
            self.add_error("organisation", _("This role is not tied to an organisation: leave it empty."))
        return data


class RegistrationForm(Form):
    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    email = forms.EmailField(label=_("Email"), max_length=254)
    password1 = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label=_("Password again"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if email_taken(email):
            raise forms.ValidationError(
                _("An account with this email address already exists. Log in or reset your password.")
            )
        return email

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords differ."))
        elif p1:
            probe = Person(
                first_name=data.get("first_name", ""), last_name=data.get("last_name", ""), email=data.get("email", "")
            )
            try:
                password_validation.validate_password(p1, probe)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data


class EmailLoginForm(CleanInputMixin, AuthenticationForm):
    username = forms.EmailField(
        label=_("Email"), max_length=254, widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )

    error_messages = {
        "invalid_login": _("The email address or the password is wrong."),
        "inactive": _("This account is not active yet: follow the link in the confirmation email."),
        "unverified": _(
            "Your email address is not confirmed yet: follow the link in the confirmation email we sent you, "
            "or have it sent again below."
        ),
    }
    unverified_user: User | None = None

    def clean(self) -> dict[str, Any]:
        try:
            return super().clean()
        except forms.ValidationError:
            # Only with the right password does the form say the account exists but is unconfirmed.
            user = unverified_account(self.cleaned_data.get("username") or "", self.cleaned_data.get("password") or "")
            if user is None:
                raise
            self.unverified_user = user
            raise forms.ValidationError(self.error_messages["unverified"], code="unverified") from None


class DirectoryFilterForm(Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    relationship = forms.ChoiceField(
        label=_("Relationship"),
        required=False,
        choices=[("", _("Members and partners"))]
        + [(r.value, r.label) for r in Relationship if r.value in Relationship.public()],
    )
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All kinds")), *OrganisationKind.choices])
    sector = forms.ChoiceField(label=_("Sector"), required=False, choices=[("", _("All sectors")), *Sector.choices])
    country = forms.ChoiceField(
        label=_("Country"), required=False, choices=[("", _("All countries")), *list(countries)]
    )


class OfficeOrganisationFilterForm(DirectoryFilterForm):
    relationship = forms.ChoiceField(
        label=_("Relationship"), required=False, choices=[("", _("All relationships")), *Relationship.choices]
    )


class PeopleFilterForm(Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    organisation = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.only("code", "name").order_by("name"),
        to_field_name="code",
        required=False,
        empty_label=_("All organisations"),
    )
    keyword = forms.CharField(label=_("Keyword"), required=False, max_length=80)
    account = forms.ChoiceField(
        label=_("Account"),
        required=False,
        choices=[("", _("With or without")), ("yes", _("Has an account")), ("no", _("No account"))],
    )
