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
