"""The cost model of docs/model.md, checked against figures worked out by hand.

Every expected number below is computed in the comments from the tiny
example's tables (mutusim/inputs/examples.py) and the formulas of
docs/model.md, not from mutusim's code.
"""

from __future__ import annotations

import pytest

import mutusim as ms
from mutusim.core.costs import (
    CostData,
    PairData,
    PoolParams,
    billing_weight,
    clect_charge,
    fte_moved,
    member_cost,
    pair_level,
    staff_steps,
    transfer_balance,
    transition_cost,
    unit_cost,
)
from mutusim.core.evaluate import evaluate_plan, status_quo

# rh_paie, share (tiny): fixed 10,000; min 2; 1,000 units/FTE; 42,000 €/FTE; step 0.5;
# 0 €/unit; overhead 1,000; transition 3,000 per member, 0 per FTE; level 75.
RH_SHARE = PoolParams(10_000.0, 2, 1_000.0, 42_000.0, 0.5, 0.0, 1_000.0, 3_000.0, 0.0, 75.0)
BOURG_RH = PairData(2.0, 90_000.0, 1_200.0, 60.0, 0.0, "keep")


def test_pair_records_are_read_by_column_name(tiny):
    costs = CostData.from_inputs(tiny, ms.Scenario())
    assert costs.pairs[("rh_paie", "49001")] == BOURG_RH
    assert costs.pools[("rh_paie", "share")] == RH_SHARE
    assert costs.pools[("ads", "transfer")].fixed_cost == 12_000.0
    assert costs.pools[("ads", "transfer")].min_members == 1
    assert costs.population == {"49001": 5000, "49002": 1500, "49003": 800}
    assert costs.transition_years == 6.0
    assert costs.integral


def test_transition_and_member_cost_by_hand():
    assert transition_cost(BOURG_RH, RH_SHARE, "share") == 3_000.0
    assert transition_cost(BOURG_RH, RH_SHARE, "keep") == 0.0
    already = PairData(2.0, 90_000.0, 1_200.0, 60.0, 0.0, "share")
    assert transition_cost(already, RH_SHARE, "share") == 0.0
    per_fte = PoolParams(0.0, 1, 1.0, 1.0, 1.0, 0.0, 0.0, 100.0, 250.0, 50.0)
    # 100 + 250 x 2 FTE
    assert transition_cost(BOURG_RH, per_fte, "transfer") == 600.0
    # 0 x 1,200 units + 1,000 overhead + 3,000 / 6 years
    assert member_cost(BOURG_RH, RH_SHARE, "share", 6.0) == 1_500.0
    assert member_cost(already, RH_SHARE, "share", 6.0) == 1_000.0


def test_staff_steps_and_unit_cost_by_hand():
    # 1,650 units / (1,000 x 0.5) = 3.3 -> 4 steps; fractional when not integral
    assert staff_steps(1_650.0, 500.0) == 4.0
    assert staff_steps(1_650.0, 500.0, integral=False) == pytest.approx(3.3)
    assert staff_steps(1_500.0 + 1e-10, 500.0) == 3.0  # float noise stays 3
    members = [
        (PairData(2.0, 90_000.0, 1_200.0, 60.0, 0.0, "keep"), 1_500.0),
        (PairData(0.5, 25_000.0, 300.0, 50.0, 0.0, "keep"), 1_500.0),
        (PairData(0.3, 16_000.0, 150.0, 40.0, 0.0, "keep"), 1_500.0),
    ]
    common, fte, total = unit_cost(RH_SHARE, members, integral=True)
    # 4 steps x 0.5 FTE = 2 FTE; common = 10,000 + 42,000 x 2 = 94,000; + 3 x 1,500
    assert (common, fte, total) == (94_000.0, 2.0, 98_500.0)


def test_money_formulas_by_hand():
    small = PairData(0.3, 16_000.0, 150.0, 40.0, 1_280.0, "keep")
    assert clect_charge(small) == 17_280.0  # cost + equipment
    assert transfer_balance(small) == 1_280.0  # the equipment it never bore
    assert billing_weight("units", small, 800) == 150.0
    assert billing_weight("population", small, 800) == 800.0
    assert billing_weight("fte", small, 800) == 0.3
    assert pair_level(small, RH_SHARE, "share") == 75.0
    assert pair_level(small, RH_SHARE, "keep") == 40.0
    assert fte_moved(small, "share") == 0.3
    assert fte_moved(small, "keep") == 0.0


def test_evaluate_plan_share_by_hand(tiny):
    costs = CostData.from_inputs(tiny, ms.Scenario())
    plan = status_quo(costs) | {("rh_paie", c): "share" for c in ("49001", "49002", "49003")}
    ev = evaluate_plan(costs, plan)
    # unit: 98,500 (above); ADS kept: 48,000 + 21,000 + 12,000 = 81,000
    assert ev.total_cost == pytest.approx(179_500.0)
    assert ev.service_costs["rh_paie"] == pytest.approx(98_500.0)
    # bills by units of work: 94,000 x 1,200 / 1,650 + 1,500
    bills = ev.pairs.set_index(["service", "commune"])["cost_after"]
    assert bills[("rh_paie", "49001")] == pytest.approx(94_000 * 1_200 / 1_650 + 1_500)
    assert bills[("rh_paie", "49003")] == pytest.approx(94_000 * 150 / 1_650 + 1_500)
    # communes pay the whole unit: nothing left to the EPCI
    assert ev.epci_cost == pytest.approx(0.0, abs=1e-6)
    assert ev.transition_one_off == 9_000.0
    assert ev.fte_moved == pytest.approx(2.8)
    row = ev.pools.iloc[0]
    assert (row.members, row.units, row.fte, row.fte_in) == (3, 1_650.0, 2.0, 2.8)


def test_evaluate_plan_transfer_by_hand(tiny):
    costs = CostData.from_inputs(tiny, ms.Scenario())
    plan = status_quo(costs) | {("ads", c): "transfer" for c in ("49001", "49002", "49003")}
    ev = evaluate_plan(costs, plan)
    # 360 units / (250 x 0.5) = 2.88 -> 3 steps = 1.5 FTE x 45,000 = 67,500; + 12,000 fixed;
    # members: 500 overhead + 6,000 / 6 = 1,500 each
    assert ev.service_costs["ads"] == pytest.approx(67_500 + 12_000 + 3 * 1_500)
    # the attribution de compensation of each commune is cut by its cost (no equipment)
    bills = ev.pairs.set_index(["service", "commune"])["cost_after"]
    assert bills[("ads", "49001")] == 48_000.0
    # EPCI: 84,000 - (48,000 + 21,000 + 12,000)
    assert ev.epci_cost == pytest.approx(3_000.0)
    assert ev.pairs["cost_after"].sum() + ev.epci_cost == pytest.approx(ev.total_cost)


def test_status_quo_cost_of_tiny(tiny):
    costs = CostData.from_inputs(tiny, ms.Scenario())
    # 90,000 + 25,000 + 16,000 + 48,000 + 21,000 + 12,000
    assert evaluate_plan(costs, status_quo(costs)).total_cost == 212_000.0
