"""Headline figures, the plan year by year and staff per employer, checked by hand on the tiny case.

The hand scenario of tests/model/test_model.py (TestTinyByHand): horizon
2026-2028, no discounting, half of the agents leave each year. Payroll is shared
by Bourg-Centre and Village-Est from 2027: -8,000 in 2027 (2.5 FTE, 6,000
one-off), +40,000 in 2028 and in the long run; NPV 32,000; 212,000 today,
172,000 in the long run.
"""

from __future__ import annotations

import math

import pytest

import mutusim as ms
from mutusim.present.keyfigures import STEADY_STATE, headline, staff_by_employer, yearly

HAND = ms.Scenario(end_year=2028, discount_rate=0.0, departures="all", all_departure_rate=0.5)


@pytest.fixture(scope="module")
def solved() -> ms.Result:
    return ms.optimise(ms.examples.tiny(), HAND)


def test_headline_by_hand(solved: ms.Result) -> None:
    h = headline(solved).set_index("key")
    assert h.at["npv", "value"] == pytest.approx(32_000)  # 0 - 8,000 + 40,000, undiscounted
    assert h.at["cumulative_savings", "value"] == pytest.approx(32_000)
    assert h.at["last_year_savings", "value"] == pytest.approx(40_000)
    assert h.at["savings", "value"] == pytest.approx(40_000)  # long run
    assert h.at["baseline_cost", "value"] == pytest.approx(212_000)
    assert h.at["total_cost", "value"] == pytest.approx(172_000)
    assert h.at["savings_ratio", "value"] == pytest.approx(40_000 / 212_000)
    assert h.at["transition_one_off", "value"] == pytest.approx(6_000)
    assert h.at["fte_moved", "value"] == pytest.approx(2.5)
    assert h.at["services_started", "value"] == 1
    assert h.at["status", "value"] == "optimal (prouvé)"
    # the solver minimises minus the NPV: its proven bound, signed as an NPV, is 32,000
    assert h.at["npv_bound", "value"] == pytest.approx(32_000, abs=1.0)
    assert "Borne supérieure prouvée de la valeur actuelle nette" in h.at["npv_bound", "label"]
    assert set(h["kind"].dropna()) <= {"euros", "signed_euros", "percent", "fte", "count"}
    # discounted at 4.5 %: -8,000 / 1.045 + 40,000 / 1.045^2
    disc = ms.optimise(ms.examples.tiny(), HAND.replace(discount_rate=0.045))
    assert headline(disc).set_index("key").at["npv", "value"] == pytest.approx(
        -8_000 / 1.045 + 40_000 / 1.045**2
    )
    # without a plan, only the status
    capped = ms.optimise(ms.examples.tiny(), ms.Scenario(max_total_cost=1.0))
    assert list(headline(capped)["key"]) == ["status"]


def test_yearly_by_hand_and_reconciled_with_the_steady_state(solved: ms.Result) -> None:
    y = yearly(solved)
    assert list(y["year"]) == [2026, 2027, 2028]
    assert list(y["services_starting"]) == ["", "Ressources humaines et paie", ""]
    assert y["savings"].tolist() == pytest.approx([0, -8_000, 40_000])
    assert y["cumulative_savings"].tolist() == pytest.approx([0, -8_000, 32_000])
    assert y["cost_plan"].tolist() == pytest.approx([212_000, 220_000, 172_000])
    assert y["transition_cost"].tolist() == pytest.approx([0, 6_000, 0])
    assert y["posts_not_replaced"].tolist() == pytest.approx([0, 0, 1])
    s = yearly(solved, steady=True)
    assert len(s) == 4
    last = s.iloc[-1]
    assert last["year"] == STEADY_STATE
    assert (last["cost_plan"], last["savings"]) == pytest.approx((172_000, 40_000))
    assert math.isnan(last["cumulative_savings"])
    capped = ms.optimise(ms.examples.tiny(), ms.Scenario(max_total_cost=1.0))
    assert yearly(capped).empty


def test_staff_by_employer_by_hand(solved: ms.Result) -> None:
    e = staff_by_employer(solved).set_index("employer")
    assert list(e.index) == ["EPCI", "49001", "49002", "49003"]
    assert e.at["EPCI", "employer_name"] == "CC Exemple"
    # today: Bourg-Centre ADS 1.0 + payroll 2.0; Village-Est 0.4 + 0.5; Hameau-Sud 0.2 + 0.3
    assert e["fte_today"].tolist() == pytest.approx([0.0, 3.0, 0.9, 0.5])
    # 2028: the EPCI employs ceil(2 x 0.5) = 1 post; Bourg-Centre its ADS post;
    # Village-Est its ADS 0.4 and the 0.5 made available; Hameau-Sud unchanged
    assert e["fte_end"].tolist() == pytest.approx([1.0, 1.0, 0.9, 0.5])
    assert e["posts_transferred_out"].tolist() == pytest.approx([0, 2, 0, 0])
    assert e["posts_transferred_in"].tolist() == pytest.approx([2, 0, 0, 0])
    assert e["fte_made_available"].tolist() == pytest.approx([0, 0, 0.5, 0])
    assert e["posts_not_replaced"].tolist() == pytest.approx([1, 0, 0, 0])
    # the one post not replaced is the whole change of staff over the mandate
    assert e["fte_today"].sum() - e["fte_end"].sum() == pytest.approx(1.0)
    # budgets in the long run: Bourg-Centre 48,000 ADS + its bill 59,400 (58,400 + 1,000);
    # Village-Est 21,000 + 15,600
    assert e.loc["49001", ["cost_before", "cost_after", "saving"]].tolist() == pytest.approx(
        [138_000, 107_400, 30_600]
    )
    assert e.loc["49002", ["cost_before", "cost_after", "saving"]].tolist() == pytest.approx(
        [46_000, 36_600, 9_400]
    )
    assert e["saving"].sum() == pytest.approx(40_000)


@pytest.mark.slow
def test_staff_by_employer_adds_up_on_the_demo() -> None:
    from mutusim.inputs import datasets

    res = ms.optimise(datasets.angers(), datasets.angers_scenarios().base)
    e = staff_by_employer(res)
    assert e["employer"].iloc[0] == "EPCI"
    assert e["fte_today"].sum() == pytest.approx(res.decisions["fte_before"].sum())
    assert e["posts_transferred_in"].sum() == pytest.approx(e["posts_transferred_out"].sum())
    assert e["cost_after"].sum() == pytest.approx(res.total_cost)
    assert e["cost_before"].sum() == pytest.approx(res.baseline_cost)
    assert not e["employer_name"].str.fullmatch(r"\d+|EPCI").any()
