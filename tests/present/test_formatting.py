"""The one French number formatter."""

from __future__ import annotations

import math

import pytest

from mutusim.present.formatting import MISSING, NBSP, NNBSP, euros, fte, number, percent


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (0, 0, "0"),
        (157555, 0, f"157{NNBSP}555"),
        (28966341.4, 0, f"28{NNBSP}966{NNBSP}341"),
        (234.56, 1, "234,6"),
        (-455836.0, 0, f"\u2212455{NNBSP}836"),
        (-0.0001, 2, "0,00"),  # no negative zero
        (1e15, 0, f"1{NNBSP}000{NNBSP}000{NNBSP}000{NNBSP}000{NNBSP}000"),
    ],
)
def test_number(value, decimals, expected):
    assert number(value, decimals) == expected


def test_signs_units_and_missing_values():
    assert number(907, signed=True) == "+907"
    assert euros(904280.2) == f"904{NNBSP}280{NBSP}€"
    assert euros(907, per_year=True, signed=True) == f"+907{NBSP}€/an"
    assert percent(0.0312) == f"3,1{NBSP}%"
    assert percent(0.069, 1) == f"6,9{NBSP}%"
    assert fte(78.99999999999997) == f"79,0{NBSP}ETP"
    for missing in (None, math.nan, float("nan")):
        assert number(missing) == MISSING
        assert euros(missing) == MISSING
        assert percent(missing) == MISSING
        assert fte(missing) == MISSING


def test_no_decimal_point_and_no_ungrouped_thousands():
    for v in (1234.5, 99999.99, 1_000_000.0, -12345.678):
        text = number(v, 2)
        assert "." not in text
        digits = text.replace(NNBSP, " ").lstrip("\u2212").split(",")[0]
        assert all(len(group) <= 3 for group in digits.split(" "))


# ------------------------------------------------------------------ issue 10
from decimal import ROUND_HALF_UP, Decimal  # noqa: E402

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from mutusim.present.formatting import (  # noqa: E402
    COLUMN_KINDS,
    KINDS,
    SIGN_CONVENTION,
    count,
    excel_format,
    format_value,
    kilo_euros,
    siren,
    year,
)


def test_symbols_come_from_the_locale_data() -> None:
    from babel.numbers import get_decimal_symbol, get_group_symbol

    assert get_group_symbol("fr_FR") == NNBSP
    assert get_decimal_symbol("fr_FR") == ","
    assert euros(1234.5, 2) == f"1{NNBSP}234,50{NBSP}€"


@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False), st.integers(0, 3))
def test_number_reads_back_as_the_value_rounded_half_up(x: float, decimals: int) -> None:
    text = number(x, decimals)
    back = Decimal(text.replace(NNBSP, "").replace(",", ".").replace("\u2212", "-"))
    expected = Decimal(repr(x)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    assert back == expected
    assert "." not in text
    assert all(len(g) <= 3 for g in text.split(",")[0].lstrip("\u2212").split(NNBSP))
    if back == 0:
        assert not text.startswith("\u2212")  # no −0


def test_rounding_and_special_values() -> None:
    assert number(2.5) == "3"  # half up, as a spreadsheet shows it
    assert number(-2.5) == "\u22123"
    assert number(float("inf")) == MISSING
    assert number(True) == "1"
    import pandas as pd

    assert number(pd.NA) == MISSING
    assert year(pd.NA) == MISSING
    assert year(2026.0) == "2026"  # a year is never grouped
    assert count(157555) == f"157{NNBSP}555"
    assert kilo_euros(904280.4) == f"904{NBSP}k€"
    assert kilo_euros(-455836, signed=True) == f"\u2212456{NBSP}k€"
    assert siren("244900015") == f"244{NNBSP}900{NNBSP}015"
    assert fte(-0.04, signed=True) == f"0,0{NBSP}ETP"
    assert fte(0.66, signed=True) == f"+0,7{NBSP}ETP"


def test_format_value_by_kind() -> None:
    assert format_value(39000.0, "signed_euros") == f"+39{NNBSP}000{NBSP}€"
    assert format_value(0.045, "percent") == f"4,5{NBSP}%"
    assert format_value(4.591863500061526, "fte") == "4,6"
    assert format_value(None, "euros") == MISSING
    assert format_value("non engagé", "year") == "non engagé"  # text passes through
    with pytest.raises(KeyError, match="unknown kind"):
        format_value(1.0, "furlongs")


def test_spreadsheet_formats() -> None:
    # format codes use Excel's own separators; the reader's locale displays them in French
    assert excel_format("euros").startswith('#,##0\\ "€"')
    assert excel_format("fte") == "0.0"
    assert excel_format("year") == "0"
    assert set(COLUMN_KINDS.values()) <= set(KINDS)
    assert "économie" in SIGN_CONVENTION
    assert "surcoût" in SIGN_CONVENTION


def test_every_numeric_column_has_a_kind() -> None:
    import mutusim as ms
    from mutusim.present.keyfigures import staff_by_employer
    from mutusim.present.workbook import tables

    # the hand scenario of tests/model/test_model.py: a plan with a roadmap, so no table is empty
    hand = ms.Scenario(end_year=2028, discount_rate=0, departures="all", all_departure_rate=0.5)
    res = ms.optimise(ms.examples.tiny(), hand)
    an = ms.analyse(res)
    frames = tables(res, an)
    frames["by_employer"] = staff_by_employer(res)
    frames["pools_schedule"] = res.schedule.pools
    for name, df in frames.items():
        if name in ("summary", "options"):
            continue
        for col in df.columns:
            numeric = df[col].dtype.kind in "fiu" or str(df[col].dtype) in ("Int64", "Float64")
            if numeric and df[col].dtype != bool:
                assert col in COLUMN_KINDS, (name, col)
