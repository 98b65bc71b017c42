"""The cost model of docs/model.md, checked against figures worked out by hand.

Every expected number below is computed in the comments from the tiny
example's tables (mutusim/inputs/examples.py) and the formulas of
docs/model.md / mutusim/core/costs.py, not from mutusim's code.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from model.test_model import territories

import mutusim as ms
from mutusim.core.costs import (
    CostData,
    PairData,
    PoolParams,
    billing_weight,
    clect_charge,
    discount_factor,
    fte_moved,
    member_cost,
    pair_level,
    remaining_posts,
    staff_steps,
    steady_staff,
    surnombre_factor,
    transfer_balance,
    transition_cost,
    unit_staff,
)
from mutusim.core.evaluate import evaluate_plan, status_quo
from mutusim.core.status import Status
from mutusim.core.timeline import price_schedule
from mutusim.errors import NotFoundError

# rh_paie, share (tiny): fixed 10,000; min 2; 1,000 units/FTE; 42,000 €/FTE; step 0.5;
# 0 €/unit; overhead 1,000; transition 3,000 per member, 0 per FTE; level 75.
RH_SHARE = PoolParams(10_000.0, 2, 1_000.0, 42_000.0, 0.5, 0.0, 1_000.0, 3_000.0, 0.0, 75.0)
BOURG_RH = PairData(2.0, 90_000.0, 1_200.0, 60.0, 0.0, "keep", posts=2.0)


def test_pair_records_are_read_by_column_name(tiny):
    costs = CostData.from_inputs(tiny, ms.Scenario())
    assert costs.pairs[("rh_paie", "49001")] == BOURG_RH
    # 0.5 FTE, no agent wholly in the service: the whole part of fte is 0
    village = costs.pairs[("rh_paie", "49002")]
    assert (village.posts, village.partial) == (0.0, 0.5)
    assert costs.pools[("rh_paie", "share")] == RH_SHARE
    assert costs.pools[("ads", "transfer")].fixed_cost == 12_000.0
    assert costs.pools[("ads", "transfer")].min_members == 1
    assert costs.population == {"49001": 5000, "49002": 1500, "49003": 800}
    assert costs.parties == costs.communes == ("49001", "49002", "49003")
    assert costs.integral


def test_transition_and_member_cost_by_hand():
    assert transition_cost(BOURG_RH, RH_SHARE, "share") == 3_000.0
    assert transition_cost(BOURG_RH, RH_SHARE, "keep") == 0.0
    already = PairData(2.0, 90_000.0, 1_200.0, 60.0, 0.0, "share", posts=2.0)
    assert transition_cost(already, RH_SHARE, "share") == 0.0
    per_fte = PoolParams(0.0, 1, 1.0, 1.0, 1.0, 0.0, 0.0, 100.0, 250.0, 50.0)
    # 100 + 250 x 2 FTE
    assert transition_cost(BOURG_RH, per_fte, "transfer") == 600.0
    # 0 x 1,200 units + 1,000 overhead: the one-off cost is paid once, in the start year
    assert member_cost(BOURG_RH, RH_SHARE) == 1_000.0


def test_staff_formulas_by_hand():
    # 1,650 units / (1,000 x 0.5) = 3.3 -> 4 steps; fractional when not integral
    assert staff_steps(1_650.0, 500.0) == 4.0
    assert staff_steps(1_650.0, 500.0, integral=False) == pytest.approx(3.3)
    assert staff_steps(1_500.0 + 1e-10, 500.0) == 3.0  # float noise stays 3
    # whole agents: 12 posts at 3.2 %/year: 12 x 0.968^6 = 9.86 -> 10 still filled
    assert remaining_posts(12, 0.032, 6) == 10.0
    # 1 post: 0.968^6 = 0.82 of an agent -> the post is still filled after 6 years
    assert remaining_posts(1, 0.032, 6) == 1.0
    assert remaining_posts(0, 0.5, 3) == 0.0
    # long run: posts = max(target - partial shares, 0)
    assert steady_staff(2.0, 0.8) == pytest.approx(1.2)
    assert steady_staff(0.5, 0.8) == 0.0
    # target 2.0 FTE, partial 0.8, 2 posts in, no old staff, r = 3.2 %:
    # k = 0: max(1.2, 2 + 0) = 2; k = 20: ceil(2 x 0.968^20 = 1.04) = 2; k = 22: ceil(0.98) = 1
    # -> max(1.2, 1) = 1.2
    assert unit_staff(2.0, 0.8, 2.0, 0.0, 0.032, 0) == (2.0, 0.0)
    assert unit_staff(2.0, 0.8, 2.0, 0.0, 0.032, 20) == (2.0, 0.0)
    assert unit_staff(2.0, 0.8, 2.0, 0.0, 0.032, 22) == pytest.approx((1.2, 0.0))
    # the staff of an existing unit decays continuously: 3 x 0.9^2 = 2.43
    assert unit_staff(0.5, 0.0, 0.0, 3.0, 0.1, 2) == pytest.approx((2.43, 0.0))
    # abolition: the surplus 2 + 0 - 1.2 = 0.8 abolished at once
    assert unit_staff(2.0, 0.8, 2.0, 0.0, 0.032, 0, "abolition") == pytest.approx((1.2, 0.8))
    # surnombre (1 year, full pay), then the contribution (1.5, 1.5, 1, 0.75...) on a pay
    # cut by 10 points of the initial pay a year, nothing after 10 years (loi 2019-828)
    by_hand = [1.0, 1.5 * 1.0, 1.5 * 0.9, 1.0 * 0.8, 0.75 * 0.7, 0.75 * 0.6, 0.75 * 0.5]
    by_hand += [0.75 * 0.4, 0.75 * 0.3, 0.75 * 0.2, 0.75 * 0.1, 0.0, 0.0]
    assert [surnombre_factor(k) for k in range(13)] == pytest.approx(by_hand)
    assert surnombre_factor(-1) == 0.0
    assert discount_factor(2028, 2026, 0.1) == pytest.approx(1 / 1.21)


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
    # unit: 1,650 units -> 4 steps = 2.0 FTE needed; partial shares Q = 0.5 + 0.3 = 0.8;
    # long-run posts 2.0 - 0.8 = 1.2; staff 1.2 + 0.8 = 2.0 FTE x 42,000 = 84,000;
    # + fixed 10,000 + overhead 3 x 1,000 = 97,000. ADS kept: 48,000 + 21,000 + 12,000.
    assert ev.service_costs["rh_paie"] == pytest.approx(97_000.0)
    assert ev.total_cost == pytest.approx(97_000.0 + 81_000.0)
    # bills by units of work: common 94,000 x 1,200 / 1,650 + 1,000
    bills = ev.pairs.set_index(["service", "commune"])["cost_after"]
    assert bills[("rh_paie", "49001")] == pytest.approx(94_000 * 1_200 / 1_650 + 1_000)
    assert bills[("rh_paie", "49003")] == pytest.approx(94_000 * 150 / 1_650 + 1_000)
    # communes pay the whole unit: nothing left to the EPCI
    assert ev.epci_cost == pytest.approx(0.0, abs=1e-6)
    assert ev.transition_one_off == 9_000.0
    assert ev.fte_moved == pytest.approx(2.8)
    row = ev.pools.iloc[0]
    assert (row.members, row.units, row.fte, row.posts, row.partial) == pytest.approx(
        (3, 1_650.0, 2.0, 1.2, 0.8)
    )


def test_evaluate_plan_transfer_by_hand(tiny):
    costs = CostData.from_inputs(tiny, ms.Scenario())
    plan = status_quo(costs) | {("ads", c): "transfer" for c in ("49001", "49002", "49003")}
    ev = evaluate_plan(costs, plan)
    # 360 units / (250 x 0.5) = 2.88 -> 3 steps = 1.5 FTE needed; Q = 0.4 + 0.2 = 0.6;
    # posts 0.9; staff 1.5 x 45,000 = 67,500; + fixed 12,000; + overhead 3 x 500
    assert ev.service_costs["ads"] == pytest.approx(67_500 + 12_000 + 1_500)
    # the attribution de compensation of each commune is cut by its cost (no equipment)
    bills = ev.pairs.set_index(["service", "commune"])["cost_after"]
    assert bills[("ads", "49001")] == 48_000.0
    # EPCI: 81,000 - (48,000 + 21,000 + 12,000)
    assert ev.epci_cost == pytest.approx(0.0, abs=1e-6)
    assert ev.pairs["cost_after"].sum() + ev.epci_cost == pytest.approx(ev.total_cost)


def test_status_quo_cost_of_tiny(tiny):
    costs = CostData.from_inputs(tiny, ms.Scenario())
    # 90,000 + 25,000 + 16,000 + 48,000 + 21,000 + 12,000
    assert evaluate_plan(costs, status_quo(costs)).total_cost == 212_000.0


def test_schedule_priced_year_by_year_by_hand(tiny):
    # rh_paie pooled by all three from 2027, horizon 2026-2028, no discounting, every
    # departure (r = 0.5 so that posts leave fast enough to see).
    sc = ms.Scenario(end_year=2028, discount_rate=0.0, departures="all", all_departure_rate=0.5)
    costs = CostData.from_inputs(tiny, sc)
    plan = {("rh_paie", c): "share" for c in ("49001", "49002", "49003")}
    sch = price_schedule(costs, sc, plan, {"rh_paie": 2027}, Status.GIVEN)
    # status quo of rh_paie: 90,000 + 25,000 + 16,000 = 131,000 a year.
    # The unit: need 2.0 FTE, partial Q = 0.8, 2 posts moved in (Bourg-Centre).
    # 2027 (k = 0): posts max(1.2, ceil(2) = 2) = 2 -> staff 2.8 x 42,000 = 117,600;
    #   + fixed 10,000 + overhead 3,000 + transition 9,000 = 139,600.
    # 2028 (k = 1): posts max(1.2, ceil(2 x 0.5) = 1) = 1.2 -> staff 2.0 x 42,000 = 84,000;
    #   + 13,000 = 97,000.
    rm = sch.roadmap.set_index("year")
    assert rm.at[2026, "savings"] == 0.0
    assert rm.at[2027, "savings"] == pytest.approx(131_000 - 139_600)
    assert rm.at[2028, "savings"] == pytest.approx(131_000 - 97_000)
    assert rm.at[2028, "posts_not_replaced"] == pytest.approx(0.8)
    assert sch.npv == pytest.approx(-8_600 + 34_000)
    assert sch.steady_savings == pytest.approx(34_000)
    emp = sch.employers.set_index(["year", "employer"])
    assert emp.at[(2027, "EPCI"), "posts_transferred_in"] == 2.0
    assert emp.at[(2027, "49001"), "posts_transferred_out"] == 2.0
    assert emp.at[(2027, "49002"), "fte_made_available"] == 0.5
    assert emp.at[(2028, "EPCI"), "posts_not_replaced"] == pytest.approx(0.8)


@settings(max_examples=40)
@given(st.data())
def test_records_restricted_to_a_service_are_those_of_the_cut_territory(data):
    t = data.draw(territories(sizes=[(2, 2), (1, 3), (2, 3), (3, 2)]))
    sc = ms.Scenario(billing_keys={str(t.services.index[0]): "population"})
    whole = CostData.from_inputs(t, sc)
    for s in t.service_codes:
        fast, cut = whole.restrict(s), CostData.from_inputs(t.subset(services=[s]), sc)
        assert fast == cut
        # the same order too (the model's rows and columns follow it)
        for name in ("pairs", "pools", "population"):
            assert list(getattr(fast, name).items()) == list(getattr(cut, name).items())
    with pytest.raises(NotFoundError, match="unknown service 'nope'"):
        whole.restrict("nope")
