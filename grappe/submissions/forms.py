from __future__ import annotations

import copy
import functools
from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from grappe.calls.models import Question, QuestionKind
from grappe.core.forms import Form, ModelForm, PlainNumberInput, PlainSelect, html_attrs
from grappe.core.uploads import file_input_attrs, is_pdf, too_large_message, upload_limit_bytes
from grappe.people.forms import DateInput, KeywordsField, VersionedForm
from grappe.people.models import Organisation
from grappe.programmes.models import CostCategory
from grappe.submissions.models import (
    ANNEX_III_AREAS,
    PROHIBITED_PRACTICES,
    SPECIAL_CATEGORIES,
    AIActCategory,
    ContributionKind,
    EthicsAssessment,
    PartnerRole,
    Proposal,
    ProposalPartner,
    ProposalState,
    TeamRole,
)


class _SectionIds:
    """Gives a form's fields unique ids (``<id_prefix>_<name>``) on the shared proposal page."""

    id_prefix = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if self.id_prefix:
            kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


MONEY_FIELD = {"min_value": Decimal("0"), "max_digits": 14, "decimal_places": 2, "required": False}


class SearchableSelect(PlainSelect):
    """A native select that grappe.js gives a search box; each organisation option also answers to
    its acronym and its parent's name ("LIP6", "Sorbonne").

    The options of the organisation directory (hundreds, twice on a proposal's page, on every
    page after a save) are read as plain rows and written once per distinct directory: the rows
    are the cache key, so a change to any organisation is seen at once, in every process. The
    HTML is the same as Django's ``Select`` with these attributes (tested)."""

    def create_option(self, name: str, value: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(name, value, *args, **kwargs)
        organisation = getattr(value, "instance", None)
        if isinstance(organisation, Organisation):
            option["attrs"]["data-search"] = _search_words(organisation.short_name, _parent_name(organisation))
        return option

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        field = getattr(self.choices, "field", None)
        directory = (
            isinstance(field, forms.ModelChoiceField)
            and field.queryset.model is Organisation
            and field.to_field_name == "code"
        )
        if self.allow_multiple_selected or not directory:
            return super().render(name, value, attrs, renderer)
        rows = tuple(field.queryset.values_list("code", "name", "short_name", "parent__name"))
        codes, options = _organisation_options(rows)
        chosen = {str(v) for v in self.format_value(value)}
        parts = [format_html('<select name="{}"{}>', name, html_attrs(self.build_attrs(self.attrs, attrs)))]
        if field.empty_label is not None:
            selected = " selected" if "" in chosen else ""
            parts.append(f'\n  <option value=""{selected}>{conditional_escape(field.empty_label)}</option>\n')
        for code, option in zip(codes, options, strict=True):
            parts.append(option.replace(" data-search=", " selected data-search=", 1) if code in chosen else option)
        parts.append("\n</select>")
        return SafeString("".join(parts))


def _parent_name(organisation: Organisation) -> str:
    return organisation.parent.name if organisation.parent_id else ""


def _search_words(*words: str | None) -> str:
    return " ".join(w for w in words if w)


@functools.lru_cache(maxsize=4)
def _organisation_options(
    rows: tuple[tuple[str, str, str, str | None], ...],
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Each organisation's ``<option>`` (not selected), in the rows' order."""
    options = tuple(
        f'\n  <option value="{conditional_escape(code)}"'
        f' data-search="{conditional_escape(_search_words(short, parent))}">{conditional_escape(label)}</option>\n'
        for code, label, short, parent in rows
    )
    return tuple(row[0] for row in rows), options


def organisation_field(label: str, *, required: bool = True, help_text: str = "") -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=label,
        queryset=Organisation.objects.select_related("parent")
        .only("code", "name", "short_name", "parent__name")
        .order_by("name"),
        to_field_name="code",
        required=required,
        help_text=help_text,
        widget=SearchableSelect(attrs={"data-searchable": "", "data-search-label": _("Search")}),
    )


class StartProposalForm(Form):
    title = forms.CharField(label=_("Working title"), max_length=250)


class ProposalDetailsForm(_SectionIds, VersionedForm):
    id_prefix = "details"
    keywords = KeywordsField(label=_("Keywords"))
    lead_organisation = organisation_field(_("Lead organisation"), required=False)

    class Meta:
        model = Proposal
        fields = ["title", "acronym", "abstract", "requested_amount", "duration_months", "lead_organisation"]
        widgets = {"abstract": forms.Textarea(attrs={"rows": 8})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["keywords"].initial = [k.name for k in self.instance.keywords.all()]
            # The field is keyed by public code; the model's initial value is the primary key.
            if self.instance.lead_organisation_id:
                self.initial["lead_organisation"] = self.instance.lead_organisation.code

    def changes(self) -> dict[str, Any]:
        changes = super().changes()
        changes.pop("keywords", None)
        return changes


class InviteForm(_SectionIds, Form):
    id_prefix = "invite"
    email = forms.EmailField(label=_("Email"), max_length=254)
    role = forms.ChoiceField(
        label=_("Role"), choices=[(TeamRole.CO_LEAD, TeamRole.CO_LEAD.label), (TeamRole.MEMBER, TeamRole.MEMBER.label)]
    )
    organisation = organisation_field(_("Organisation"), required=False)


class PartnerForm(_SectionIds, Form):
    id_prefix = "partner"
    organisation = organisation_field(_("Organisation"))
    role = forms.ChoiceField(label=_("Role"), choices=PartnerRole.choices)


# Every cell of a money grid is a copy of this one (a grid has hundreds: building each field and
# its validators anew was a tenth of the proposal page's time).
_MONEY_CELL = forms.DecimalField(
    widget=PlainNumberInput(attrs={"step": "0.01", "min": "0", "class": "money"}),
    **MONEY_FIELD,  # type: ignore[arg-type]
)


class GridForm(_SectionIds, Form):
    """A grid of money cells named ``<prefix>_<a>_<b>_<c>``, plus the proposal's version."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def cell(self, *key: object) -> str:
        return "cell_" + "_".join(str(k) for k in key)

    def add_cell(self, key: tuple[object, ...], initial: Decimal | None, label: str) -> None:
        field = copy.copy(_MONEY_CELL)
        field.label, field.initial = label, initial
        field.widget = copy.copy(_MONEY_CELL.widget)
        # Each cell is named for screen readers: its column and row headers are not its label.
        field.widget.attrs = {**_MONEY_CELL.widget.attrs, "aria-label": label}
        self.fields[self.cell(*key)] = field

    def values(self, keys: list[tuple[Any, ...]]) -> dict[tuple[Any, ...], Decimal]:
        return {key: self.cleaned_data.get(self.cell(*key)) or Decimal("0") for key in keys}


class CofundingForm(GridForm):
    id_prefix = "cofunding"

    def __init__(
        self, *args: Any, proposal: Proposal, partners: list[ProposalPartner], years: list[int], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = proposal.version
        current = {(c.partner_id, c.year, c.kind): c.amount for p in partners for c in p.cofunding.all()}
        self.keys = [(p.pk, y, k) for p in partners for y in years for k in ContributionKind.values]
        self.partners, self.years = partners, years
        names = {p.pk: p.organisation.name for p in partners}
        for key in self.keys:
            self.add_cell(key, current.get(key), f"{names[key[0]]} — {ContributionKind(key[2]).label} — {key[1]}")

    def rows(self) -> list[tuple[ProposalPartner, list[tuple[int, forms.BoundField, forms.BoundField]]]]:
        return [
            (p, [(y, self[self.cell(p.pk, y, "cash")], self[self.cell(p.pk, y, "in_kind")]) for y in self.years])
            for p in self.partners
        ]


class BudgetForm(GridForm):
    id_prefix = "budget"

    def __init__(
        self,
        *args: Any,
        proposal: Proposal,
        categories: list[CostCategory],
        organisations: list[Organisation],
        years: list[int],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = proposal.version
        current = {
            (line.category_id, line.organisation_id, line.year): line.amount for line in proposal.budget_lines.all()
        }
        self.keys = [(c.pk, o.pk, y) for o in organisations for c in categories for y in years]
        self.categories, self.organisations, self.years = categories, organisations, years
        labels = {c.pk: c.label for c in categories}
        names = {o.pk: o.name for o in organisations}
        for key in self.keys:
            self.add_cell(key, current.get(key), f"{names[key[1]]} — {labels[key[0]]} — {key[2]}")

    def blocks(self) -> list[tuple[Organisation, list[tuple[CostCategory, list[forms.BoundField]]]]]:
        return [
            (o, [(c, [self[self.cell(c.pk, o.pk, y)] for y in self.years]) for c in self.categories])
            for o in self.organisations
        ]


class AnswersForm(_SectionIds, Form):
    id_prefix = "answers"
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, proposal: Proposal, questions: list[Question], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = proposal.version
        self.questions = questions
        answers = {a.question_id: a for a in proposal.answers.all()}
        self.answers = answers
        for q in questions:
            answer = answers.get(q.pk)
            self.fields[f"q{q.pk}"] = self._field(q, answer.value if answer else None, answer)

    def _field(self, q: Question, initial: Any, answer: Any) -> forms.Field:  # noqa: PLR0911 - one branch per question type
        common = {"label": q.label, "help_text": q.help, "required": False, "initial": initial}
        if q.kind == QuestionKind.SHORT_TEXT:
            return forms.CharField(max_length=300, **common)
        if q.kind == QuestionKind.LONG_TEXT:
            if q.word_limit:
                common["help_text"] = f"{q.help} " + str(_("At most %(n)s words.") % {"n": q.word_limit})
            attrs: dict[str, Any] = {"rows": 6}
            if q.word_limit:
                # A live counter beside the answer (grappe.js); the limit is checked again on save.
                attrs |= {"data-word-limit": q.word_limit, "data-words-label": _("words")}
            return forms.CharField(max_length=50000, widget=forms.Textarea(attrs=attrs), **common)
        if q.kind == QuestionKind.NUMBER:
            return forms.DecimalField(max_digits=16, decimal_places=4, **common)
        if q.kind == QuestionKind.SINGLE_CHOICE:
            return forms.ChoiceField(choices=[("", "—"), *q.choice_pairs()], **common)
        if q.kind == QuestionKind.MULTIPLE_CHOICE:
            return forms.MultipleChoiceField(choices=q.choice_pairs(), widget=forms.CheckboxSelectMultiple, **common)
        if q.kind == QuestionKind.DATE:
            return forms.DateField(widget=DateInput(), **{**common, "initial": initial})
        if q.kind == QuestionKind.YES_NO:
            return forms.TypedChoiceField(
                choices=[("", "—"), ("yes", _("Yes")), ("no", _("No"))],
                **{**common, "initial": {True: "yes", False: "no"}.get(initial, "")},
            )
        limit = settings.GRAPPE_MAX_UPLOAD_MB
        common["help_text"] = f"{q.help} " + str(_("PDF, at most %(mb)s MB.") % {"mb": limit})
        if answer is not None and answer.file:
            common["help_text"] += " " + str(_("Current file: %(name)s.") % {"name": answer.file_name})
        return forms.FileField(
            **{**common, "initial": None},
            widget=forms.ClearableFileInput(attrs=file_input_attrs()),
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for q in self.questions:
            name = f"q{q.pk}"
            value = data.get(name)
            if q.kind == QuestionKind.LONG_TEXT and q.word_limit and value and len(value.split()) > q.word_limit:
                self.add_error(
                    name,
                    _("This answer has %(count)s words; the limit is %(limit)s.")
                    % {"count": len(value.split()), "limit": q.word_limit},
                )
            if q.kind == QuestionKind.PDF and value:
                if value.size > upload_limit_bytes():
                    self.add_error(name, too_large_message(value.size))
                elif not is_pdf(value):
                    self.add_error(
                        name, _("This file is not a PDF (whatever its name says): export your document as PDF.")
                    )
        return data

    def values(self) -> dict[int, Any]:
        out: dict[int, Any] = {}
        for q in self.questions:
            if q.kind == QuestionKind.PDF:
                continue
            value = self.cleaned_data.get(f"q{q.pk}")
            if q.kind == QuestionKind.NUMBER and value is not None:
                value = str(value)
            elif q.kind == QuestionKind.DATE and value is not None:
                value = value.isoformat()
            elif q.kind == QuestionKind.YES_NO:
                value = {"yes": True, "no": False}.get(value)
            out[q.pk] = value if value not in ("", []) else None
        return out

    def files_by_question(self) -> dict[int, UploadedFile]:
        return {
            q.pk: self.cleaned_data[f"q{q.pk}"]
            for q in self.questions
            if q.kind == QuestionKind.PDF and self.cleaned_data.get(f"q{q.pk}")
        }

    def field_rows(self) -> list[tuple[Question, forms.BoundField]]:
        return [(q, self[f"q{q.pk}"]) for q in self.questions]


class EthicsForm(_SectionIds, ModelForm):
    id_prefix = "ethics"
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    special_categories = forms.MultipleChoiceField(
        label=_("Special categories of personal data"),
        choices=SPECIAL_CATEGORIES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    prohibited_practices = forms.MultipleChoiceField(
        label=_("AI Act Art. 5 practices involved"),
        choices=PROHIBITED_PRACTICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    annex_iii_areas = forms.MultipleChoiceField(
        label=_("AI Act Annex III areas involved"),
        choices=ANNEX_III_AREAS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = EthicsAssessment
        fields = [
            "personal_data",
            "special_categories",
            "dpia_needed",
            "ai_system",
            "ai_act_category",
            "prohibited_practices",
            "annex_iii_areas",
            "real_world_testing",
            "dual_use",
            "explanation",
        ]
        widgets = {"explanation": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args: Any, proposal: Proposal, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = proposal.version

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("special_categories") and not data.get("personal_data"):
            self.add_error("personal_data", _("Special categories of data are personal data: tick this box."))
        if data.get("prohibited_practices") and data.get("ai_act_category") != AIActCategory.PROHIBITED:
            self.add_error("ai_act_category", _("You selected a prohibited practice: the category is “prohibited”."))
        if data.get("ai_act_category") not in (None, AIActCategory.NO_AI) and not data.get("ai_system"):
            self.add_error(
                "ai_system", _("An AI Act category other than “no AI” means the project develops or uses AI.")
            )
        risky = (
            data.get("prohibited_practices")
            or data.get("annex_iii_areas")
            or data.get("dual_use")
            or data.get("special_categories")
        )
        if risky and not (data.get("explanation") or "").strip():
            self.add_error("explanation", _("Explain how the risks you ticked are handled."))
        return data

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self._meta.fields}


class OverrideForm(_SectionIds, Form):
    id_prefix = "override"
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            ("eligible", _("Eligible")),
            ("ineligible", _("Not eligible")),
            ("clear", _("Back to the computed result")),
        ],
    )
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    def eligible(self) -> bool | None:
        return {"eligible": True, "ineligible": False, "clear": None}[self.cleaned_data["decision"]]


class ProposalFilterForm(Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    state = forms.ChoiceField(label=_("State"), required=False, choices=[("", _("All states")), *ProposalState.choices])
    eligibility = forms.ChoiceField(
        label=_("Eligibility"),
        required=False,
        choices=[("", _("All")), ("yes", _("Eligible")), ("no", _("Not eligible")), ("unknown", _("Not checked yet"))],
    )
    organisation = organisation_field(_("Lead organisation"), required=False)
    partner = organisation_field(_("Partner"), required=False)
