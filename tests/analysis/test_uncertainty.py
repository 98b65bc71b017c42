"""Robustness draws (issue 11.4) on the hand example of tests/model/test_model.py.

tiny under HAND: payroll pooled by 49001 + 49002 from 2027, NPV 32,000 = the unit's
yearly flows of 2027-2028 (2.5 then 1.5 FTE at 42,000, 10,000 fixed a year). With a
fixed factor f on the cost per FTE the NPV is 32,000 − 4 x 42,000 (f − 1); with a
factor g on the fixed cost, 32,000 − 2 x 10,000 (g − 1).
"""

from __future__ import annotations

import pytest

import mutusim as ms
from mutusim.analysis.uncertainty import UNCERTAINTY, draw_parameters, robustness
from mutusim.errors import MutusimError

HAND = {"end_year": 2028, "discount_rate": 0, "departures": "all", "all_departure_rate": 0.5}


@pytest.fixture(scope="module")
def result() -> ms.Result:
    return ms.optimise(ms.examples.tiny(), ms.Scenario(**HAND))


def only(parameter: str, low: float, high: float) -> dict:
    return {parameter: (low, high, "factor", "test")}


def test_no_uncertainty_gives_the_plan(result):
    r = robustness(result, draws=5, uncertainty={})
    assert r.draws["npv"].tolist() == pytest.approx([32_000] * 5)
    assert r.summary.set_index("measure").at["npv", "p_loss"] == 0.0


def test_fixed_factors_by_closed_form(result):
    r = robustness(result, draws=3, uncertainty=only("cost_per_fte", 1.05, 1.05))
    assert r.draws["npv"].tolist() == pytest.approx([32_000 - 4 * 42_000 * 0.05] * 3)
    r = robustness(result, draws=3, uncertainty=only("fixed_cost", 3.0, 3.0))
    assert r.draws["npv"].tolist() == pytest.approx([32_000 - 2 * 20_000] * 3)
    assert r.draws["loses"].all()
    assert r.summary.set_index("measure").at["npv", "p_loss"] == 1.0
    s = r.by_service.set_index("service")
    assert s.at["rh_paie", "p50"] == pytest.approx(-8_000)
    # the long run pays 40,000 - 20,000 more fixed cost: Bourg-Centre and Village-Est
    # still pay less than alone (bills by units: 80 % and 20 % of the extra 20,000)
    c = r.by_commune.set_index("commune")
    assert c.at["49001", "p50"] == pytest.approx(-30_600 + 16_000)
    assert c.at["49003", "p_worse"] == 0.0


def test_seeded_and_within_the_ranges(result):
    a = robustness(result, draws=40, seed=7)
    b = robustness(result, draws=40, seed=7)
    assert a.draws.equals(b.draws)
    c = robustness(result, draws=40, seed=8)
    assert not a.draws["npv"].equals(c.draws["npv"])
    for p, (low, high, kind, _) in UNCERTAINTY.items():
        if kind == "factor":
            f = a.factors[a.factors["parameter"] == p]["factor"]
            assert f.between(low, high).all()
    assert a.draws["departure_rate"].between(0.025, 0.040).all()
    q = a.summary.set_index("measure").loc["npv"]
    assert q["p10"] <= q["p50"] <= q["p90"]


def test_reoptimised_draws_say_how_often_a_decision_is_optimal(result):
    # payroll's fixed cost x 3: its pool loses money in every draw; re-optimised, every
    # draw keeps payroll
    r = robustness(result, draws=2, reoptimise=2, uncertainty=only("fixed_cost", 3.0, 3.0))
    d = r.decisions.set_index(["service", "decision"])["share_of_draws"]
    assert d[("rh_paie", "keep")] == 1.0
    # the same on two processes, in the same order
    r2 = robustness(
        result, draws=2, reoptimise=2, workers=2, uncertainty=only("fixed_cost", 3.0, 3.0)
    )
    assert r2.decisions.equals(r.decisions)


def test_progress_and_errors(result):
    seen = []
    robustness(result, draws=3, uncertainty={}, progress=lambda d, n: seen.append((d, n)))
    assert seen == [(1, 3), (2, 3), (3, 3)]
    with pytest.raises(MutusimError):
        robustness(result, draws=0)
    factors, rates = draw_parameters(["ads"], 2, 0, {})
    assert factors.empty
    assert rates.tolist() != rates.tolist()  # NaN: no departure draw
