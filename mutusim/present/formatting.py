"""The one French number formatter: every figure the committee reads goes through here.

Decimal comma, thousands grouped with a narrow no-break space (U+202F), a
no-break space before ``€`` and ``%``, a true minus sign, ``—`` for a missing
value. Spreadsheets get numbers, not text: see :mod:`mutusim.present.workbook`
for their French display formats.

Examples
--------
>>> number(1234567.891, 1)
'1\u202f234\u202f567,9'
>>> euros(-455836.4)
'−455\u202f836\xa0€'
>>> percent(0.0312)
'3,1\xa0%'
"""

from __future__ import annotations

import math

__all__ = ["MISSING", "NBSP", "NNBSP", "euros", "fte", "number", "percent"]

#: Narrow no-break space: the French thousands separator.
NNBSP = "\u202f"
#: No-break space: before a unit (€, %, ETP).
NBSP = "\xa0"
#: What a missing value reads as.
MISSING = "—"
_MINUS = "\u2212"


def _missing(x: object) -> bool:
    if x is None:
        return True
    try:
        return bool(math.isnan(float(x)))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return True


def number(x: float | int | None, decimals: int = 0, *, signed: bool = False) -> str:
    """A number the French way: ``1 234 567,9``.

    Parameters
    ----------
    x : float, int or None
        The value (None or NaN gives ``—``).
    decimals : int
        Digits after the decimal comma.
    signed : bool
        Show ``+`` before a positive value.

    Returns
    -------
    str
    """
    if _missing(x):
        return MISSING
    v = round(float(x), decimals)  # type: ignore[arg-type]
    if v == 0:
        v = 0.0  # no "−0"
    text = f"{abs(v):,.{decimals}f}".replace(",", NNBSP).replace(".", ",")
    if v < 0:
        return _MINUS + text
    return ("+" + text) if signed and v > 0 else text


def euros(
    x: float | int | None, decimals: int = 0, *, per_year: bool = False, signed: bool = False
) -> str:
    """An amount in euros: ``1 234 567 €`` (``€/an`` with ``per_year``).

    Parameters
    ----------
    x : float, int or None
        Amount [EUR] (None or NaN gives ``—``).
    decimals : int
        Digits after the decimal comma.
    per_year : bool
        Append ``/an``.
    signed : bool
        Show ``+`` before a positive amount.

    Returns
    -------
    str
    """
    if _missing(x):
        return MISSING
    return f"{number(x, decimals, signed=signed)}{NBSP}€" + ("/an" if per_year else "")


def percent(ratio: float | None, decimals: int = 1, *, signed: bool = False) -> str:
    """A ratio as a French percentage: 0.031 → ``3,1 %``.

    Parameters
    ----------
    ratio : float or None
        The ratio (1.0 = 100 %).
    decimals : int
        Digits after the decimal comma.
    signed : bool
        Show ``+`` before a positive value.

    Returns
    -------
    str
    """
    if _missing(ratio):
        return MISSING
    return f"{number(100.0 * float(ratio), decimals, signed=signed)}{NBSP}%"  # type: ignore[arg-type]


def fte(x: float | None, *, unit: bool = True) -> str:
    """Full-time equivalents to one decimal: ``234,6 ETP``.

    Parameters
    ----------
    x : float or None
        [FTE]
    unit : bool
        Append ``ETP``.

    Returns
    -------
    str
    """
    if _missing(x):
        return MISSING
    return number(x, 1) + (f"{NBSP}ETP" if unit else "")
