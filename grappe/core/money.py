"""Money helpers: amounts are Decimal, in euros, rounded half up to the cent."""

from decimal import ROUND_HALF_UP, Decimal

from django.utils.formats import number_format

CENT = Decimal("0.01")


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def format_money(amount: Decimal) -> str:
    """An amount in the active language: 1 500,00 € in French, 1,500.00 € in English."""
    return f"{number_format(amount, 2, force_grouping=True)} €"
