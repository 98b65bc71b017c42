"""Tipping points (issue 11.3) on the hand example of tests/model/test_model.py.

tiny under HAND (2026-2028, no discounting, departures 50 %): payroll pooled by
49001 + 49002 from 2027 (NPV 32,000: 2 years of the unit's fixed cost and 2.5 +
1.5 FTE of its staff), ADS kept (shared by all from 2027: NPV -16,000 with 1.6
FTE each year). Closed forms:

- payroll's fixed cost F: NPV 32,000 − 2 (F − 10,000) > 0 until F = 26,000;
- payroll's cost per FTE c: 32,000 − 4 (c − 42,000) until c = 50,000;
- ADS's cost per FTE: −16,000 + 3.2 (45,000 − c) > 0 below c = 40,000;
- the departure rate r: 49001's 2 posts leave as ⌈2 (1 − r)⌉ in 2028, one post
  only when r ≥ 0.5: below 0.5 nothing is saved in the horizon;
- payroll's transition cost per member, even at 4 x (12,000): 32,000 − 2 x 9,000 > 0.
"""

from __future__ import annotations

import pytest

import mutusim as ms
from mutusim.analysis.tipping import TIPPING_COLUMNS, tipping_points
from mutusim.errors import MutusimError

HAND = {"end_year": 2028, "discount_rate": 0, "departures": "all", "all_departure_rate": 0.5}


@pytest.fixture(scope="module")
def points():
    res = ms.optimise(ms.examples.tiny(), ms.Scenario(**HAND))
    params = ["fixed_cost", "cost_per_fte", "transition_cost", "departure_rate"]
    return tipping_points(res, parameters=params).set_index(["service", "parameter"])


def test_columns_and_decisions(points):
    assert list(points.reset_index().columns) == TIPPING_COLUMNS
    assert set(points.loc["rh_paie", "decision"]) == {"share"}
    assert set(points.loc["ads", "decision"]) == {"keep"}


def test_closed_forms(points):
    # tolerance: 1e-3 of the searched range (0 to 4 x the value)
    r = points.loc[("rh_paie", "fixed_cost")]
    assert r["upper"] == pytest.approx(26_000, abs=40)
    assert r["upper"] >= 26_000
    assert r["decision_above"] == "keep"
    assert r["lower"] != r["lower"]  # NaN: cheaper never changes the decision
    r = points.loc[("rh_paie", "cost_per_fte")]
    assert r["upper"] == pytest.approx(50_000, abs=170)
    r = points.loc[("ads", "cost_per_fte")]
    assert r["lower"] == pytest.approx(40_000, abs=180)
    assert r["lower"] <= 40_000
    assert r["decision_below"] == "share"
    r = points.loc[("rh_paie", "departure_rate")]
    assert r["lower"] == pytest.approx(0.5, abs=5e-4)  # range 0 to 0.5
    assert r["lower"] < 0.5
    assert r["decision_below"] == "keep"
    r = points.loc[("rh_paie", "transition_cost")]
    assert r["upper"] != r["upper"]
    assert r["current"] == 3_000


def test_bad_parameter():
    res = ms.optimise(ms.examples.tiny(), ms.Scenario(**HAND))
    with pytest.raises(MutusimError, match="unknown parameter"):
        tipping_points(res, parameters=["colour"])
