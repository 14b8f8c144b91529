"""Numbers of the KPI pages in the reader's locale (German decimal commas)."""

from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.utils import formats

register = template.Library()

SUFFIX = {"percent": "\u00a0%", "hours": "\u00a0h", "eur": "\u00a0€"}


def _number(value, places: int) -> str:
    number = Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    number = number.quantize(Decimal(1)) if number == number.to_integral() else number.normalize()
    return formats.number_format(number, use_l10n=True, force_grouping=abs(number) >= 10000)


@register.filter
def kpi_number(value, places=2):
    """A value rounded to at most ``places`` decimals, trailing zeros dropped: 72,5 or 1.234."""
    if value is None or value == "":
        return "–"
    return _number(value, int(places))


@register.filter
def kpi_value(value, kpi):
    """A value with its KPI's unit: 72,5 % or 12 h or 1.234 €."""
    if value is None or value == "":
        return "–"
    return _number(value, 2) + SUFFIX.get(getattr(kpi, "unit", ""), "")


@register.filter
def percent(fraction, places=0):
    """A share from 0 to 1 as a percentage: 0.425 -> 43 %."""
    if fraction is None:
        return "–"
    return _number(100 * float(fraction), int(places)) + "\u00a0%"


@register.filter
def points_percent(value, places=0):
    """A value already in percent: 42 -> 42 %."""
    if value is None:
        return "–"
    return _number(value, int(places)) + "\u00a0%"


@register.filter
def signed(value, places=1):
    """A difference with its sign: +3,2 or −1,5."""
    if value is None:
        return "–"
    text = _number(value, int(places))
    return text if text.startswith("-") else ("+" + text if float(value) > 0 else text)


@register.filter
def p_value(value):
    """A p-value as people read it: < 0,001 or 0,032."""
    if value is None:
        return "–"
    if value < 0.001:
        return "<\u00a0" + formats.number_format(Decimal("0.001"), use_l10n=True)
    return formats.number_format(Decimal(str(value)).quantize(Decimal("0.001")), use_l10n=True)
