"""Exact money and quantities (R-61): ``Decimal`` from strings, never float."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from propdesk.domain.errors import DomainError

CENT = Decimal("0.01")
_MONEY = re.compile(r"^\d+(\.\d{1,2})?$")
_QTY = re.compile(r"^\d+(\.\d{1,3})?$")


def parse_money(value: Any, field: str) -> Decimal:
    """A non-negative amount in CNY with at most two decimals, as ``Decimal('0.00')``.

    Accepts ``Decimal``, ``int`` or a decimal string; refuses float, bool,
    negatives, more than two decimals, NaN and infinity.
    """
    if isinstance(value, (bool, float)):
        raise DomainError("invalid_money", field=field, value=value)
    if isinstance(value, int):
        if value < 0:
            raise DomainError("invalid_money", field=field, value=value)
        return Decimal(value).quantize(CENT)
    if isinstance(value, Decimal):
        if not value.is_finite() or value < 0 or value.as_tuple().exponent < -2:  # type: ignore[operator]
            raise DomainError("invalid_money", field=field, value=str(value))
        return value.quantize(CENT)
    if isinstance(value, str) and _MONEY.match(value.strip()):
        return Decimal(value.strip()).quantize(CENT)
    raise DomainError("invalid_money", field=field, value=value)


def parse_quantity(value: Any, field: str) -> Decimal:
    """A positive quantity with at most three decimals."""
    try:
        if isinstance(value, (bool, float)):
            raise InvalidOperation
        if isinstance(value, int):
            d = Decimal(value)
        elif isinstance(value, Decimal):
            d = value
        elif isinstance(value, str) and _QTY.match(value.strip()):
            d = Decimal(value.strip())
        else:
            raise InvalidOperation
        if not d.is_finite() or d <= 0 or d.as_tuple().exponent < -3:  # type: ignore[operator]
            raise InvalidOperation
    except InvalidOperation:
        raise DomainError("invalid_quantity", field=field, value=value) from None
    return d


def amount(unit_price: Decimal, qty: Decimal) -> Decimal:
    """``unit_price × qty`` rounded half-up to the fen."""
    return (unit_price * qty).quantize(CENT, rounding=ROUND_HALF_UP)


def money_text(value: Decimal) -> str:
    """The decimal string of an amount (``"30.00"``)."""
    return str(value.quantize(CENT))
