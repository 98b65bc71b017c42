"""Financing scenarios of one plan (issue 9.2), by hand on tiny.

tiny's optimum under the hand scenario pools payroll between Bourg-Centre
(49001: 1,200 payslips, 2.0 FTE, 5,000 inhabitants, 90,000 EUR/year today) and
Village-Est (49002: 300 payslips, 0.5 FTE, 1,500 inhabitants, 25,000 EUR/year).
The unit: 1,500 payslips at 1,000 per FTE in steps of 0.5 -> 1.5 FTE x 42,000 =
63,000, + 10,000 fixed = 73,000 of common cost, + 1,000 overhead per member.
"""

from __future__ import annotations

import pytest

import mutusim as ms
from mutusim.analysis.financing import FINANCING_COLUMNS, compare_financing, financing_summary
from mutusim.errors import ScenarioError

HAND = {"end_year": 2028, "discount_rate": 0, "departures": "all", "all_departure_rate": 0.5}
CIF = {"cif_upside": True, "cif_current": 0.3, "tax_receipts": 1_000_000.0}


@pytest.fixture(scope="module")
def result() -> ms.Result:
    sc = ms.Scenario(**HAND, **CIF, dgf_per_inhabitant_per_cif=10.0)
    res = ms.optimise(ms.examples.tiny(), sc)
    assert res.plan[("rh_paie", "49001")] == "share"
    assert res.plan[("rh_paie", "49002")] == "share"
    return res


def test_each_key_by_hand(result):
    f = compare_financing(result)
    assert list(f.columns) == FINANCING_COLUMNS
    assert list(f["financing"].unique()) == ["units", "population", "fte", "ac"]
    bal = f.set_index(["financing", "commune"])["balance"]
    # units: 73,000 x 1,200/1,500 + 1,000 = 59,400 (saves 30,600); x 300/1,500 -> 15,600
    assert bal[("units", "49001")] == pytest.approx(-30_600)
    assert bal[("units", "49002")] == pytest.approx(-9_400)
    # population: 73,000 x 5,000/6,500 + 1,000 = 57,153.85; x 1,500/6,500 + 1,000 = 17,846.15
    assert bal[("population", "49001")] == pytest.approx(57_153.846 - 90_000, abs=0.01)
    assert bal[("population", "49002")] == pytest.approx(17_846.154 - 25_000, abs=0.01)
    # FTE: 2.0/2.5 = 0.8, as by units; ac bills by units
    assert bal[("fte", "49001")] == pytest.approx(-30_600)
    assert bal[("ac", "49002")] == pytest.approx(-9_400)
    # Hameau-Sud keeps its payroll; the EPCI bears nothing under any key
    assert (f.loc[f["commune"] == "49003", "balance"] == 0).all()
    # under every key the budgets add up to the plan's cost
    sums = f.groupby("financing")["cost_after"].sum()
    assert sums.to_numpy() == pytest.approx([result.total_cost] * 4)


def test_the_summary_and_the_cif_of_bills_charged_on_the_ac(result):
    s = financing_summary(result).set_index("financing")
    assert s.loc["units", "winners"] == 2
    assert s.loc["units", "losers"] == 0
    assert s.loc["population", "largest_gain"] == pytest.approx(32_846.15, abs=0.01)
    # charged on the AC: 59,400 + 15,600 = 75,000; CIF +75,000 / 1,000,000 = 0.075;
    # dotation 7,300 inhabitants x 10 x 0.075 = 5,475 EUR/year
    assert s.loc["ac", "charged_on_ac"] == pytest.approx(75_000)
    assert s.loc["ac", "delta_cif"] == pytest.approx(0.075)
    assert s.loc["ac", "dgf_per_year"] == pytest.approx(5_475)
    assert s.loc["units", "charged_on_ac"] == 0.0
    # the roadmap's CIF upside counts the same bills when the run uses the key
    sc = ms.Scenario(
        **HAND, **CIF, dgf_per_inhabitant_per_cif=10.0, billing_keys={"rh_paie": "ac"}
    )
    res = ms.optimise(ms.examples.tiny(), sc)
    starts = res.schedule.starts.set_index("service")
    assert starts.at["rh_paie", "delta_ac"] == pytest.approx(75_000)
    assert starts.at["rh_paie", "dgf_per_year"] == pytest.approx(5_475)


def test_the_cif_effect_is_capped_at_0_6(result):
    import dataclasses

    capped = dataclasses.replace(
        result, scenario=dataclasses.replace(result.scenario, cif_current=0.59)
    )
    s = financing_summary(capped).set_index("financing")
    assert s.loc["ac", "delta_cif"] == pytest.approx(0.01)


def test_no_ac_outside_fpu():
    from core.test_fiscal_regimes import two_commune_cc

    t = two_commune_cc("FA")
    with pytest.raises(ScenarioError, match="only under FPU"):
        ms.optimise(t, ms.Scenario(billing_keys={"ads": "ac"}))
    res = ms.optimise(t, ms.Scenario(force=(("ads", "*", "transfer"),)))
    assert "ac" not in set(compare_financing(res)["financing"])
    with pytest.raises(ScenarioError, match="unknown key"):
        compare_financing(res, keys=["surface"])
