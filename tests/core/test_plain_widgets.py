"""PlainNumberInput writes the same HTML as Django's NumberInput, without the widget templates."""

from decimal import Decimal

import pytest
from django import forms

from grappe.core.forms import PlainNumberInput, PlainSelect


@pytest.mark.parametrize("value", [None, "", Decimal("1234.50"), 0, '12<3"&'])
@pytest.mark.parametrize(
    "attrs",
    [
        {},
        {"step": "0.01", "min": "0", "class": "money", "id": "id_cell_1_2027_cash", "required": True},
        {"disabled": False, "aria-describedby": "a b"},
    ],
)
def test_same_html_as_number_input(value, attrs):
    expected = forms.NumberInput(attrs={"class": "money"}).render("cell_1", value, attrs=dict(attrs))
    assert PlainNumberInput(attrs={"class": "money"}).render("cell_1", value, attrs=dict(attrs)) == expected


def test_a_bound_grid_field_renders_the_same():
    class Grid(forms.Form):
        plain = forms.DecimalField(widget=PlainNumberInput(attrs={"step": "0.01"}), required=False)
        django = forms.DecimalField(widget=forms.NumberInput(attrs={"step": "0.01"}), required=False)

    form = Grid(data={"plain": "12.5", "django": "12.5"})
    assert str(form["plain"]).replace("plain", "X") == str(form["django"]).replace("django", "X")


@pytest.mark.parametrize("value", [None, "", "b", "2"])
def test_plain_select_is_the_same_html_as_select(value):
    choices = [("", "—"), ("a", "A & co"), ("Group <1>", [("b", "B"), ("c", 'C "quoted"')]), (2, "Two")]
    attrs = {"id": "id_org", "required": True, "class": "wide"}
    expected = forms.Select(choices=choices).render("org", value, attrs=dict(attrs))
    assert PlainSelect(choices=choices).render("org", value, attrs=dict(attrs)) == expected


@pytest.mark.django_db
def test_an_organisation_select_renders_the_same(university, other_university):
    from grappe.submissions.forms import organisation_field

    field = organisation_field("Organisation")
    plain = field.widget.render("organisation", university.code, attrs={"id": "id_organisation"})
    # The same widget (search attributes included) drawn by Django's template.
    templated = forms.Select.render(field.widget, "organisation", university.code, attrs={"id": "id_organisation"})
    assert plain == templated
    assert "data-searchable" in plain
    assert 'selected data-search="UE">Université Exemple</option>' in plain


@pytest.mark.django_db
@pytest.mark.parametrize("required", [True, False])
@pytest.mark.parametrize("chosen", ["first", "second", "", None])
def test_the_directory_select_is_django_s_html_and_sees_changes_at_once(university, other_university, required, chosen):
    from grappe.submissions.forms import organisation_field

    field = organisation_field("Organisation", required=required)
    value = {"first": university.code, "second": other_university.code}.get(chosen, chosen)
    attrs = {"id": "id_org", "data-x": 'a"b'}

    def both() -> tuple[str, str]:
        plain = field.widget.render("organisation", value, attrs=dict(attrs))
        templated = forms.Select.render(field.widget, "organisation", value, attrs=dict(attrs))
        return plain, templated

    plain, templated = both()
    assert plain == templated
    # A renamed organisation shows at once (the rows are the cache key).
    university.name = "Université <renommée> & co"
    university.save()
    plain, templated = both()
    assert plain == templated
    assert "Université &lt;renommée&gt; &amp; co" in plain
