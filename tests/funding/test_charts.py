"""The budget page's server-side chart: named for screen readers, and no inline style (the
Content Security Policy refuses style attributes: the browser's console reported it)."""

from decimal import Decimal

from grappe.funding import charts


def test_budget_chart_has_a_name_and_no_inline_style():
    svg = charts.planned_actual_bars(
        [("Personnel", Decimal("100"), Decimal("120")), ("Équipement", Decimal("50"), Decimal("10"))],
        planned_label="Prévu",
        actual_label="Réalisé",
        title="Budget prévu et dépensé",
    )
    assert svg.startswith('<svg class="chart"') and 'role="img" aria-label="Budget prévu et dépensé"' in svg
    assert "style=" not in svg
    assert 'fill="#b91c1c"' in svg  # spent above planned shows in red


def test_amounts_are_rounded_to_the_nearest_euro_not_cut():
    svg = charts.planned_actual_bars(
        [("Personnel", Decimal("18804.80"), Decimal("9456.40"))], planned_label="P", actual_label="A"
    )

    assert "18,805\u00a0€" in svg and "9,456\u00a0€" in svg
