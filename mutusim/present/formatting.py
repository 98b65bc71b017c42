"""The one French number formatter: every figure the committee reads goes through here.

Digits, grouping, the decimal comma, rounding and the spacing of ``€`` and
``%`` come from the French locale data of Babel (Unicode CLDR, ``fr_FR``):
thousands grouped with a narrow no-break space (U+202F), a no-break space
(U+00A0) before ``€`` and ``%``. A negative figure takes the true minus sign
(U+2212) and ``signed=True`` puts ``+`` before a positive one; a missing value
(None, NaN, ``pd.NA``) reads ``—`` and every document that shows one says
what it means.

**Sign convention (stated once, used everywhere).** A saving is positive, an
extra cost negative: ``+12 000 €`` is money saved, ``−3 000 €`` money spent.
Costs themselves (``Coût avant``, ``Coût du plan``) are amounts, not balances,
and carry no sign. :data:`SIGN_CONVENTION` is the sentence the documents print.

Spreadsheets get numbers, not text: :func:`excel_format` gives the number
format of each kind of column (``#,##0 "€"`` displays ``1 234 €`` in a French
Excel or LibreOffice), and :data:`COLUMN_KINDS` says which kind each column of
mutusim's tables is.

Examples
--------
>>> number(1234567.891, 1)
'1\u202f234\u202f567,9'
>>> euros(-455836.4)
'−455\u202f836\xa0€'
>>> percent(0.0312)
'3,1\xa0%'
>>> fte(78.99999999999997)
'79,0\xa0ETP'
>>> euros(None)
'—'
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal, localcontext
from functools import lru_cache
from typing import Any

from babel import Locale
from babel.numbers import format_decimal, get_currency_symbol

__all__ = [
    "COLUMN_KINDS",
    "KINDS",
    "LOCALE",
    "MISSING",
    "NBSP",
    "NNBSP",
    "SIGN_CONVENTION",
    "count",
    "euros",
    "excel_format",
    "format_value",
    "fte",
    "is_missing",
    "kilo_euros",
    "number",
    "percent",
    "siren",
    "year",
]

#: The locale of every output (CLDR data through Babel).
LOCALE = "fr_FR"
#: Narrow no-break space: the French thousands separator (from the locale data).
NNBSP = "\u202f"
#: No-break space: before a unit (€, %, ETP).
NBSP = "\xa0"
#: What a missing value reads as.
MISSING = "—"
_MINUS = "\u2212"

#: The sign convention of every document, in one sentence.
SIGN_CONVENTION = (
    "Convention de signe : une économie est comptée positivement, un surcoût "
    f"négativement (signe {_MINUS})."
)


@lru_cache(maxsize=1)
def _locale() -> Locale:
    return Locale.parse(LOCALE)


@lru_cache(maxsize=4)
def _unit_space(kind: str) -> str:
    """The space the locale puts between a number and ``%`` or ``€`` (CLDR patterns)."""
    loc = _locale()
    if kind == "percent":
        suffix = loc.percent_formats[None].suffix[0]
        return suffix.replace("%", "") or NBSP
    suffix = loc.currency_formats["standard"].suffix[0]
    return suffix.replace("¤", "") or NBSP


def is_missing(x: object) -> bool:
    """True for None, NaN, ``pd.NA``, ``NaT`` and anything that is not a number.

    Parameters
    ----------
    x : object
        A value.

    Returns
    -------
    bool
    """
    if x is None or isinstance(x, bool):
        return x is None
    try:
        return bool(math.isnan(float(x)))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return True


def _digits(x: float, decimals: int) -> str:
    """Grouped digits of ``|x|`` rounded half away from zero, as a spreadsheet rounds."""
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    with localcontext() as ctx:
        ctx.rounding = ROUND_HALF_UP
        return str(format_decimal(Decimal(repr(abs(x))), format=pattern, locale=_locale()))


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

    Examples
    --------
    >>> number(-0.0001, 2)
    '0,00'
    >>> number(907, signed=True)
    '+907'
    """
    if is_missing(x):
        return MISSING
    v = float(x)  # type: ignore[arg-type]
    if math.isinf(v):
        return MISSING
    text = _digits(v, decimals)
    if not any(ch in "123456789" for ch in text):  # rounds to zero: no sign
        return text
    if v < 0:
        return _MINUS + text
    return ("+" + text) if signed else text


def count(x: float | int | None) -> str:
    """A whole number (communes, councils, inhabitants): ``157 555``.

    Parameters
    ----------
    x : float, int or None
        The value.

    Returns
    -------
    str
    """
    return number(x, 0)


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
        Show ``+`` before a positive amount (a saving, by the sign convention).

    Returns
    -------
    str
    """
    if is_missing(x):
        return MISSING
    symbol = get_currency_symbol("EUR", locale=_locale())
    return f"{number(x, decimals, signed=signed)}{_unit_space('currency')}{symbol}" + (
        "/an" if per_year else ""
    )


def kilo_euros(x: float | int | None, decimals: int = 0, *, signed: bool = False) -> str:
    """An amount in thousands of euros, for chart labels: ``904 k€``.

    Parameters
    ----------
    x : float, int or None
        Amount [EUR].
    decimals : int
        Digits after the decimal comma (of the thousands).
    signed : bool
        Show ``+`` before a positive amount.

    Returns
    -------
    str
    """
    if is_missing(x):
        return MISSING
    return f"{number(float(x) / 1000.0, decimals, signed=signed)}{NBSP}k€"  # type: ignore[arg-type]


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
    if is_missing(ratio):
        return MISSING
    value = 100.0 * float(ratio)  # type: ignore[arg-type]
    return f"{number(value, decimals, signed=signed)}{_unit_space('percent')}%"


def fte(x: float | None, *, unit: bool = True, signed: bool = False) -> str:
    """Full-time equivalents to one decimal: ``234,6 ETP``.

    Parameters
    ----------
    x : float or None
        [FTE]
    unit : bool
        Append ``ETP``.
    signed : bool
        Show ``+`` before a positive value.

    Returns
    -------
    str
    """
    if is_missing(x):
        return MISSING
    return number(x, 1, signed=signed) + (f"{NBSP}ETP" if unit else "")


def year(x: object) -> str:
    """A calendar year, never grouped: ``2026`` (missing: ``—``).

    Parameters
    ----------
    x : object
        A year (int, float or nullable integer).

    Returns
    -------
    str
    """
    if is_missing(x):
        return MISSING
    return str(int(float(x)))  # type: ignore[arg-type]


def siren(x: object) -> str:
    """A SIREN number as it is printed: three groups of three digits, ``244 900 015``.

    Parameters
    ----------
    x : object
        The nine digits.

    Returns
    -------
    str
    """
    text = str(x).strip()
    if len(text) == 9 and text.isdigit():
        return NNBSP.join((text[:3], text[3:6], text[6:]))
    return text


# ------------------------------------------------------------ kinds of columns
#: Kinds of figures: how each is written in text and how a spreadsheet displays it.
#: ``euros`` amounts [EUR], ``fte`` [FTE], ``count`` whole numbers, ``percent``
#: ratios (1.0 = 100 %), ``level`` scores 0-100, ``year``, ``decimal`` (one decimal),
#: ``seconds`` durations [s].
KINDS: dict[str, str] = {
    "euros": '#,##0\\ "€";\\-#,##0\\ "€";0\\ "€"',
    "signed_euros": '+#,##0\\ "€";\\-#,##0\\ "€";0\\ "€"',
    "fte": "0.0",
    "signed_fte": "+0.0;\\-0.0;0.0",
    "count": "#,##0",
    "percent": "0.0%",
    "level": "0.0",
    "year": "0",
    "decimal": "#,##0.0",
    "seconds": "0.00",
}

#: Kind of every numeric column of mutusim's tables (English names).
COLUMN_KINDS: dict[str, str] = {
    **dict.fromkeys(
        (
            "cost_before",
            "cost_after",
            "cost",
            "fixed_cost",
            "staff_cost",
            "member_costs",
            "baseline_cost",
            "total_cost",
            "transition_one_off",
            "transition_cost",
            "abolition_cost",
            "cost_status_quo",
            "cost_plan",
            "cost_alone",
            "cost_without",
            "price",
            "bound",
            "best_npv",
            "npv_if_first_year",
            "cost_planned",
            "cost_actual",
            "actual_cost",
            "planned_cost",
            "cost_per_inhabitant",
        ),
        "euros",
    ),
    **dict.fromkeys(
        (
            "savings",
            "saving",
            "balance",
            "balance_if_transferred",
            "cumulative_savings",
            "discounted_savings",
            "npv_contribution",
            "steady_savings",
            "savings_key",
            "savings_shapley",
            "saving_if_transferred",
            "npv",
            "cost_gap",
            "stderr",
            "dgf_upside",
            "discounted_dgf_upside",
            "npv_without",
        ),
        "signed_euros",
    ),
    **dict.fromkeys(
        (
            "fte",
            "fte_before",
            "fte_after",
            "fte_moved",
            "fte_in",
            "fte_target",
            "fte_absorbed",
            "fte_abolished",
            "surplus_left",
            "surplus",
            "hired",
            "staff",
            "fte_today",
            "fte_out",
            "fte_received",
            "fte_steady",
            "fte_end",
            "fte_planned",
            "fte_actual",
            "fte_planned_cmp",
            "fte_posts",
            "posts",
            "partial",
            "posts_in",
            "old_staff",
            "target",
            "steady_staff",
            "posts_transferred_in",
            "posts_transferred_out",
            "fte_made_available",
            "posts_not_replaced",
            "posts_abolished",
        ),
        "fte",
    ),
    **dict.fromkeys(("fte_gap",), "signed_fte"),
    **dict.fromkeys(
        (
            "population",
            "yes_population",
            "councils",
            "yes",
            "keep",
            "share",
            "transfer",
            "transferred_before",
            "members",
            "communes",
            "n_starting",
            "permutations",
            "pairs_keep",
            "pairs_share",
            "pairs_transfer",
            "pools_opened",
            "k",
            "employers_reported",
            "employers_missing",
            "arrangement_gaps",
            "services_reported",
            "services_with_gaps",
            "parties",
            "services_started",
        ),
        "count",
    ),
    **dict.fromkeys(("gap", "ratio", "cost_gap_ratio", "price_cut", "delta_cif"), "percent"),
    **dict.fromkeys(
        (
            "volume",
            "coordinator_cost",
            "net",
            "largest_gain",
            "largest_loss",
            "epci_balance",
            "charged_on_ac",
        ),
        "euros",
    ),
    **dict.fromkeys(
        ("new_members", "winners", "losers", "rank", "communes_changed", "draws_optimal"), "count"
    ),
    **dict.fromkeys(("p_loss", "p_worse", "share_of_draws", "share_low", "share_high"), "percent"),
    **dict.fromkeys(("p10", "p50", "p90", "decision_price", "extra_cost"), "euros"),
    **dict.fromkeys(("posts_transferred",), "fte"),
    **dict.fromkeys(
        ("level", "level_before", "level_after", "min_level", "average_level"), "level"
    ),
    **dict.fromkeys(("units", "years_to_absorb"), "decimal"),
    **dict.fromkeys(("delta_ac", "dgf_per_year"), "euros"),
    **dict.fromkeys(("year", "start_year", "best_year", "absorbed_year"), "year"),
    **dict.fromkeys(("build_seconds", "solve_seconds"), "seconds"),
}


def excel_format(kind: str) -> str:
    """The spreadsheet number format of a kind of figure (see :data:`KINDS`).

    Parameters
    ----------
    kind : str
        A key of :data:`KINDS`.

    Returns
    -------
    str
        An Excel number format code (the display follows the reader's locale:
        ``#,##0`` shows ``1 234`` in French).
    """
    return KINDS[kind]


def format_value(x: Any, kind: str | None) -> str:
    """One value as French text, by kind (see :data:`KINDS`); text passes through.

    Parameters
    ----------
    x : object
        The value.
    kind : str or None
        A key of :data:`KINDS`; None for text.

    Returns
    -------
    str

    Examples
    --------
    >>> format_value(2026, "year"), format_value(0.045, "percent"), format_value(None, "fte")
    ('2026', '4,5\xa0%', '—')
    """
    if kind is None or isinstance(x, str):
        if x is None or (not isinstance(x, str) and is_missing(x)):
            return MISSING
        return str(x)
    if kind == "euros":
        return euros(x)
    if kind == "signed_euros":
        return euros(x, signed=True)
    if kind == "fte":
        return fte(x, unit=False)
    if kind == "signed_fte":
        return fte(x, unit=False, signed=True)
    if kind == "count":
        return count(x)
    if kind == "percent":
        return percent(x)
    if kind in ("level", "decimal"):
        return number(x, 1)
    if kind == "year":
        return year(x)
    if kind == "seconds":
        return number(x, 2)
    raise KeyError(f"unknown kind of figure '{kind}'; use one of {sorted(KINDS)}")
