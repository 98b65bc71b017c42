"""Tests of mutusim.analysis.phasing: staff attrition (M3) and the multi-year roadmap (M5).

Hand examples give the expected figures in comments; the scheduling MILP is
checked against brute-force enumeration of every assignment of start years.
"""

from __future__ import annotations

import itertools
import math

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import mutusim as ms
from conftest import make_territory
from mutusim.analysis.phasing import (
    evaluate_schedule,
    schedule_plan,
    staff_path,
    surnombre_factor,
    years_to_absorb,
)
from mutusim.core.costs import CostData, transition_cost
from mutusim.core.evaluate import evaluate_plan, status_quo
from mutusim.core.status import Status
from mutusim.errors import PlanError, ScenarioError
from mutusim.present.labels import start_reason

TINY_SHARE = {("rh_paie", "49001"): "share", ("rh_paie", "49002"): "share"}


def hand_territory(
    *,
    services: tuple[str, ...] = ("svc",),
    cost: float = 20_050.0,
    transition_per_member: float = 0.0,
    transferable: bool = False,
    fte: float = 0.5,
    arrangement: tuple[str, str] = ("keep", "keep"),
) -> ms.Territory:
    """Two communes; each service: 0.5 FTE and 500 units per commune, cost ``cost`` each.

    Pooled unit (share, and transfer if ``transferable``): 1,000 units per
    FTE in steps of 1 FTE, 40,000 EUR per FTE, no fixed cost nor overhead, so
    the pooled unit needs exactly 1 FTE = the 2 x 0.5 FTE moving in (no
    surplus): plan cost 40,000 EUR/year against 2 x ``cost`` today.
    """
    communes = pd.DataFrame(
        {"commune": ["01001", "01002"], "name": ["A", "B"], "population": [3000, 1000]}
    )
    services_df = pd.DataFrame(
        {
            "service": list(services),
            "name": [f"Service {s}" for s in services],
            "domain": ["Test"] * len(services),
            "unit": ["dossiers"] * len(services),
            "transferable": [transferable] * len(services),
            "mandatory_for": [""] * len(services),
        }
    )
    baseline = pd.DataFrame(
        [
            {
                "commune": c,
                "service": s,
                "fte": fte,
                "cost": cost,
                "units": 500.0,
                "level": 50.0,
                "arrangement": arr,
            }
            for s in services
            for c, arr in zip(("01001", "01002"), arrangement, strict=True)
        ]
    )
    modes = pd.DataFrame(
        [
            {
                "service": s,
                "mode": m,
                "fixed_cost": 0.0,
                "min_members": 1,
                "units_per_fte": 1000.0,
                "cost_per_fte": 40_000.0,
                "fte_step": 1.0,
                "cost_per_unit": 0.0,
                "overhead_per_member": 0.0,
                "transition_cost_per_member": transition_per_member,
                "transition_cost_per_fte": 0.0,
                "level": 60.0,
            }
            for s in services
            for m in (("share", "transfer") if transferable else ("share",))
        ]
    )
    epci = {"siren": "200000002", "name": "CC Main", "nature": "CC", "fiscalite": "FPU"}
    return ms.territory_from_frames(epci, communes, services_df, baseline, modes)


def all_to(
    territory: ms.Territory, mode: str, services: tuple[str, ...] | None = None
) -> dict[tuple[str, str], str]:
    """Every (service, commune) pair of the baseline (of ``services``) in ``mode``."""
    return {
        (str(s), str(c)): mode
        for (s, c) in territory.baseline.index
        if services is None or s in services
    }


# ------------------------------------------------------------------------ NPV
def test_npv_hand_example():
    # Savings 2 x 20,050 - 40,000 = 100 EUR/year from 2026, no one-off, no surplus.
    # NPV at 10 %: 100 + 100/1.1 + 100/1.21 = 100 + 90.909 + 82.645 = 273.554
    terr = hand_territory()
    sc = ms.Scenario(start_year=2026, end_year=2028, discount_rate=0.10)
    sch = schedule_plan(terr, sc, all_to(terr, "share"))
    assert sch.status == "optimal"
    assert sch.start_years == {"svc": 2026}
    assert sch.roadmap["savings"].tolist() == pytest.approx([100.0, 100.0, 100.0])
    assert sch.roadmap["cumulative_savings"].tolist() == pytest.approx([100.0, 200.0, 300.0])
    assert sch.roadmap["discounted_savings"].tolist() == pytest.approx(
        [100.0, 90.909091, 82.644628]
    )
    assert sch.npv == pytest.approx(100 + 100 / 1.1 + 100 / 1.21)
    assert sch.npv == pytest.approx(273.553719, abs=1e-6)
    assert sch.npv_with_cif is None
    assert "dgf_upside" not in sch.roadmap


def test_one_off_transition_paid_once_in_start_year():
    # Transition 50 EUR per member x 2 members = 100 EUR, paid in 2026 only:
    # savings 0, 100, 100 -> NPV = 0 + 90.909 + 82.645 = 173.554 (not annualised).
    terr = hand_territory(transition_per_member=50.0)
    sc = ms.Scenario(start_year=2026, end_year=2028, discount_rate=0.10)
    sch = schedule_plan(terr, sc, all_to(terr, "share"))
    assert sch.roadmap["transition_cost"].tolist() == pytest.approx([100.0, 0.0, 0.0])
    assert sch.roadmap["savings"].tolist() == pytest.approx([0.0, 100.0, 100.0])
    assert sch.npv == pytest.approx(100 / 1.1 + 100 / 1.21)
    assert sch.starts.loc[0, "npv_contribution"] == pytest.approx(sch.npv)


def test_waiting_one_year_costs_discounted_savings():
    # Starting in 2027 instead: savings 0, 100, 100 at 10 % -> 173.554 < 273.554.
    terr = hand_territory()
    sc = ms.Scenario(start_year=2026, end_year=2028, discount_rate=0.10)
    late = evaluate_schedule(terr, sc, all_to(terr, "share"), {"svc": 2027})
    assert late.status == "given"
    assert late.roadmap["savings"].tolist() == pytest.approx([0.0, 100.0, 100.0])
    assert late.npv == pytest.approx(100 / 1.1 + 100 / 1.21)
    assert late.starts.loc[0, "reason"] == "given"
    none = evaluate_schedule(terr, sc, all_to(terr, "share"), {"svc": None})
    assert none.npv == 0.0
    assert none.roadmap["cost_plan"].tolist() == pytest.approx([40_100.0] * 3)


def test_tiny_roadmap_by_hand():
    # Tiny example, rh_paie shared by 49001 and 49002 (r = 10 %): the unit needs
    # 1,500 payslips / 1,000 per FTE = 1.5 FTE; 2.5 FTE move in.
    # Plan cost of rh_paie at k: keep 49003 16,000 + fixed 10,000 + overhead
    # 2 x 1,000 + 42,000 x staff(k) (+ one-off 2 x 3,000 at k = 0).
    # k = 0: 28,000 + 105,000 + 6,000 = 139,000 vs 131,000 today -> savings -8,000
    # k = 1: staff 2.25 -> 28,000 + 94,500 = 122,500 -> savings 8,500
    # k >= 5: staff 1.5 -> 91,000 -> savings 40,000 (the steady-state cost
    # 92,000 minus the annualised transition 6,000 / 6).
    terr = ms.examples.tiny()
    sc = ms.Scenario(attrition_rate=0.10)
    sch = schedule_plan(terr, sc, TINY_SHARE)
    assert sch.roadmap["savings"].tolist()[:2] == pytest.approx([-8_000.0, 8_500.0])
    assert sch.roadmap["savings"].tolist()[-2:] == pytest.approx([40_000.0, 40_000.0])
    costs = CostData.from_inputs(terr, sc)
    after = evaluate_plan(costs, {**status_quo(costs), **TINY_SHARE})
    assert sch.roadmap["cost_plan"].iloc[-1] == pytest.approx(after.total_cost - 6_000 / 6)
    assert sch.starts.loc[0, "steady_savings"] == pytest.approx(40_000.0)
    assert sch.roadmap["fte_moved"].tolist()[0] == pytest.approx(2.5)
    disc = [1.045 ** -(t - 2026) for t in range(2026, 2033)]
    assert sch.npv == pytest.approx(
        sum(s * f for s, f in zip(sch.roadmap["savings"], disc, strict=True))
    )


# ---------------------------------------------------------------------- staff
def test_attrition_year_by_year_and_absorption_year():
    # 2.5 FTE in, 1.5 FTE target, r = 10 %: 2.5 x 0.9^k until <= 1.5;
    # k* = ceil(ln(1.5 / 2.5) / ln(0.9)) = ceil(4.85) = 5 -> absorbed in 2031.
    sch = schedule_plan(ms.examples.tiny(), ms.Scenario(attrition_rate=0.10), TINY_SHARE)
    staff = sch.staff[sch.staff["service"] == "rh_paie"]["staff"].tolist()
    assert staff == pytest.approx([2.5, 2.25, 2.025, 1.8225, 1.64025, 1.5, 1.5])
    for a, b in itertools.pairwise(staff):
        assert a - b <= 0.10 * a + 1e-12  # never faster than departures
        assert b <= a + 1e-12
    k_star = math.ceil(math.log(1.5 / 2.5) / math.log(0.9))
    row = sch.pools.iloc[0]
    assert k_star == 5
    assert row["years_to_absorb"] == k_star
    assert row["absorbed_year"] == 2026 + k_star
    assert row["absorbed"] == "2031"
    assert sch.staff["fte_absorbed"].sum() == pytest.approx(1.0)
    assert sch.roadmap["fte_absorbed"].tolist()[1] == pytest.approx(0.25)


def test_surplus_absorbed_after_the_horizon():
    # Default r = 6.9 %: k* = ceil(ln(0.6) / ln(0.931)) = ceil(7.14) = 8 -> 2034 > 2032.
    sch = schedule_plan(ms.examples.tiny(), ms.Scenario(), TINY_SHARE)
    row = sch.pools.iloc[0]
    assert row["years_to_absorb"] == 8
    assert pd.isna(row["absorbed_year"])
    assert row["absorbed"] == "after the horizon"
    assert sch.staff["surplus_left"].iloc[-1] == pytest.approx(2.5 * 0.931**6 - 1.5)


def test_no_attrition_never_absorbs():
    assert years_to_absorb(2.0, 1.0, 0.0) == math.inf
    assert years_to_absorb(2.0, 0.0, 0.1) == math.inf
    assert years_to_absorb(1.0, 2.0, 0.1) == 0
    assert staff_path(2.0, 1.0, 0.0, 3) == [2.0, 2.0, 2.0]


def test_understaffed_unit_hires_at_once():
    # The unit needs 1 FTE; the members bring 2 x 0.2 FTE: 0.6 FTE hired in year one.
    terr = hand_territory(fte=0.2)
    sc = ms.Scenario(start_year=2026, end_year=2028)
    sch = schedule_plan(terr, sc, all_to(terr, "share"))
    assert sch.pools.loc[0, "hired"] == pytest.approx(0.6)
    assert sch.staff["staff"].tolist() == pytest.approx([1.0, 1.0, 1.0])


def test_existing_unit_staff_counts_in_the_starting_staff():
    # 01001 already shares (today's unit: 500 units -> 1 FTE, a whole step); 01002
    # joins with 0.5 FTE. The unit needs 1,000 / 1,000 = 1 FTE: it starts with
    # 1 + 0.5 = 1.5 FTE and attrition absorbs the 0.5 surplus (r = 20 %:
    # 1.5, 1.2, 1.0 -> k* = ceil(ln(1/1.5) / ln(0.8)) = ceil(1.82) = 2).
    terr = hand_territory(arrangement=("share", "keep"))
    sc = ms.Scenario(attrition_rate=0.2, start_year=2026, end_year=2029)
    sch = schedule_plan(terr, sc, {("svc", "01002"): "share"})
    pool = sch.pools.iloc[0]
    assert pool["fte_in"] == pytest.approx(1.5)
    assert pool["surplus"] == pytest.approx(0.5)
    assert sch.staff["staff"].tolist() == pytest.approx([1.5, 1.2, 1.0, 1.0])
    assert pool["absorbed_year"] == 2028
    # Today: 40,000 (01001's unit, 1 FTE) + 20,050 = 60,050; the plan costs
    # 40,000 x staff: 60,000 / 48,000 / 40,000 / 40,000 -> savings 50, 12,050, 20,050.
    assert sch.roadmap["savings"].tolist() == pytest.approx([50.0, 12_050.0, 20_050.0, 20_050.0])


def test_abolition_costs_schedule():
    # Surplus of 1 FTE abolished in 2026 at 42,000 EUR per FTE:
    # 1.0, 1.5, 1.5, 1.0, 0.75, 0.75, 0.75 x 42,000 (DOMAIN.md §3 [V 67, 68]).
    terr = ms.examples.tiny()
    sc = ms.Scenario(staff_reduction="abolition")
    sch = schedule_plan(terr, sc, TINY_SHARE)
    evaluated = evaluate_schedule(terr, sc, TINY_SHARE, {"rh_paie": 2026})
    factors = [1.0, 1.5, 1.5, 1.0, 0.75, 0.75, 0.75]
    assert [surnombre_factor(k) for k in range(7)] == factors
    assert evaluated.staff["abolition_cost"].tolist() == pytest.approx(
        [42_000 * f for f in factors]
    )
    assert evaluated.staff["staff"].tolist() == pytest.approx([1.5] * 7)
    assert evaluated.staff["fte_abolished"].tolist() == pytest.approx([1.0] + [0.0] * 6)
    assert evaluated.roadmap["abolition_cost"].tolist() == pytest.approx(
        [42_000 * f for f in factors]
    )
    assert evaluated.pools.loc[0, "absorbed_year"] == 2026
    # Year 0 costs the same as attrition (every agent is still paid); later years cost more.
    attr = evaluate_schedule(terr, ms.Scenario(), TINY_SHARE, {"rh_paie": 2026})
    assert evaluated.roadmap["cost_plan"].iloc[0] == pytest.approx(
        attr.roadmap["cost_plan"].iloc[0]
    )
    assert (evaluated.roadmap["cost_plan"].iloc[1:] > attr.roadmap["cost_plan"].iloc[1:]).all()
    # 2026: keep 16,000 + fixed 10,000 + overhead 2,000 + 1.5 x 42,000 + one-off 6,000
    # + surnombre 42,000 = 139,000 -> savings -8,000; 2027: 91,000 + 63,000 -> -23,000.
    assert evaluated.roadmap["savings"].tolist()[:2] == pytest.approx([-8_000.0, -23_000.0])
    assert sch.status == "optimal"


@given(
    seed=st.integers(0, 300),
    rate=st.sampled_from([0.0, 0.032, 0.069, 0.2, 0.5]),
)
def test_attrition_caps_property(seed, rate):
    terr = make_territory(seed, arrangement=True)
    sc = ms.Scenario(attrition_rate=rate)
    costs = CostData.from_inputs(terr, sc)
    plan = {
        (s, c): ("share" if (s, "share") in costs.pools else a.arrangement)
        for (s, c), a in costs.pairs.items()
        if a.arrangement != "transfer"
    }
    sch = evaluate_schedule(terr, sc, plan, {})
    changed = list(sch.starts["service"])
    sch = evaluate_schedule(terr, sc, plan, dict.fromkeys(changed, 2026))
    for (s, m), g in sch.staff.groupby(["service", "mode"]):
        pool = sch.pools[(sch.pools["service"] == s) & (sch.pools["mode"] == m)].iloc[0]
        staff = g.sort_values("year")["staff"].tolist()
        target, fte_in = pool["fte_target"], pool["fte_in"]
        assert staff[0] == pytest.approx(max(fte_in, target))
        for a, b in itertools.pairwise(staff):
            assert a - b <= rate * a + 1e-9
            assert b >= target - 1e-9
        k_star = years_to_absorb(fte_in, target, rate)
        absorbed = [k for k, x in enumerate(staff) if x - target <= 1e-9]
        if fte_in - target > 1e-9 and rate > 0 and target > 0:
            assert k_star == math.ceil(math.log(target / fte_in) / math.log(1 - rate) - 1e-9)
        if absorbed:
            assert absorbed[0] == k_star
        else:
            assert k_star > len(staff) - 1


# ----------------------------------------------------------------- scheduling
def random_case(seed: int, **options) -> tuple[ms.Territory, ms.Scenario, dict]:
    """Three services shared by all three communes, horizon 2026-2029 (4 years)."""
    terr = make_territory(seed, n_communes=3, n_services=3, share=True, idle=False, min_members=1)
    opts = {"start_year": 2026, "end_year": 2029, "attrition_rate": 0.2, "discount_rate": 0.05}
    return terr, ms.Scenario(**(opts | options)), all_to(terr, "share")


def brute_force(
    terr: ms.Territory, sc: ms.Scenario, plan: dict, cap: int | None, budget: float | None
) -> float:
    """Best NPV over every assignment of start years (or none) to the changed services."""
    costs = CostData.from_inputs(terr, sc)
    years = list(range(sc.start_year, sc.end_year + 1))
    base = evaluate_schedule(terr, sc, plan, {})
    services = list(base.starts["service"])
    one_off = {
        s: sum(
            transition_cost(costs.pairs[(s, c)], costs.pools.get((s, m)), m)
            for (s2, c), m in plan.items()
            if s2 == s
        )
        for s in services
    }
    # NPV of each service alone in each start year, from the simulated roadmap.
    alone = {
        (s, y): evaluate_schedule(terr, sc, plan, {s: y}).npv for s in services for y in years
    }
    best = 0.0
    for combo in itertools.product([None, *years], repeat=len(services)):
        ok = True
        for y in years:
            starting = [s for s, t in zip(services, combo, strict=True) if t == y]
            if cap is not None and len(starting) > cap:
                ok = False
            if budget is not None and sum(one_off[s] for s in starting) > budget + 1e-6:
                ok = False
        if ok:
            value = sum(
                alone[(s, t)] for s, t in zip(services, combo, strict=True) if t is not None
            )
            best = max(best, value)
    return best


@pytest.mark.parametrize("seed", [0, 2, 5, 6, 7, 8, 11])
@pytest.mark.parametrize(
    ("cap", "budget"), [(1, None), (1, 40_000.0), (2, 30_000.0), (None, 36_000.0)]
)
def test_milp_matches_brute_force(seed, cap, budget):
    terr, sc, plan = random_case(seed, max_changes_per_year=cap, transition_budget=budget)
    sch = schedule_plan(terr, sc, plan)
    assert sch.status == "optimal", sch.check_errors
    assert sch.npv == pytest.approx(brute_force(terr, sc, plan, cap, budget), rel=1e-9, abs=1e-6)
    # The chosen start years respect the limits, and the roadmap re-evaluates to the same NPV.
    starts = sch.starts.dropna(subset=["start_year"])
    if cap is not None:
        assert (starts.groupby("start_year").size() <= cap).all()
    if budget is not None:
        assert (starts.groupby("start_year")["transition_cost"].sum() <= budget + 1e-6).all()
    again = evaluate_schedule(terr, sc, plan, sch.start_years)
    assert again.npv == pytest.approx(sch.npv)
    assert not again.check_errors


def test_npv_is_separable_across_services():
    terr, sc, plan = random_case(0)
    both = evaluate_schedule(terr, sc, plan, {"svc_a": 2026, "svc_c": 2027})
    a = evaluate_schedule(terr, sc, plan, {"svc_a": 2026})
    c = evaluate_schedule(terr, sc, plan, {"svc_c": 2027})
    assert both.npv == pytest.approx(a.npv + c.npv)
    assert both.npv_by_start.loc["svc_c", 2027] == pytest.approx(c.npv)


@pytest.mark.parametrize("seed", range(12))
def test_without_limits_positive_npv_starts_in_first_year(seed):
    terr, sc, plan = random_case(seed)
    sch = schedule_plan(terr, sc, plan)
    assert sch.status == "optimal"
    for row in sch.starts.itertuples():
        if row.npv_if_first_year > 1e-6:
            assert row.start_year == 2026, row
            assert pd.isna(row.reason)
        elif row.best_npv <= 1e-6:
            assert pd.isna(row.start_year)
            assert row.reason == "negative_npv"


def test_limits_ignored_when_rule_switched_off():
    terr, sc, plan = random_case(0, max_changes_per_year=1, transition_budget=1.0)
    on = schedule_plan(terr, sc, plan)
    _, off_sc, _ = random_case(
        0, max_changes_per_year=1, transition_budget=1.0, disabled_rules=("phasing_capacity",)
    )
    off = schedule_plan(terr, off_sc, plan)
    assert sorted(y for y in off.start_years.values() if y is not None) == [2026, 2026]
    assert all(y is None for y in on.start_years.values())  # every one-off > 1 EUR
    assert set(on.starts["reason"]) <= {"over_budget", "negative_npv"}


@pytest.mark.parametrize("seed", [0, 2, 5, 6, 7, 8, 11])
def test_one_change_per_year(seed):
    terr, sc, plan = random_case(seed, max_changes_per_year=1)
    sch = schedule_plan(terr, sc, plan)
    years = [y for y in sch.start_years.values() if y is not None]
    assert len(years) == len(set(years))
    assert (sch.roadmap["n_starting"] <= 1).all()
    _, free_sc, _ = random_case(seed)
    free = schedule_plan(terr, free_sc, plan)
    n_positive = int((free.starts["npv_if_first_year"] > 1e-6).sum())
    if n_positive >= 2:  # at least one positive-NPV service had to wait
        late = sch.starts[sch.starts["start_year"].isna() | (sch.starts["start_year"] > 2026)]
        waiting = late[late["best_npv"] > 1e-6]
        assert len(waiting) >= 1
        assert set(waiting["reason"]) <= {"capacity_full"}
        assert set(waiting["full_limits"]) <= {"max_changes_per_year"}


@pytest.mark.parametrize("seed", [0, 2, 5, 7, 11])
def test_transition_budget_respected_each_year(seed):
    terr, sc, plan = random_case(seed, transition_budget=30_000.0)
    sch = schedule_plan(terr, sc, plan)
    assert (sch.roadmap["transition_cost"] <= 30_000.0 + 1e-6).all()
    by_year = (
        sch.starts.dropna(subset=["start_year"]).groupby("start_year")["transition_cost"].sum()
    )
    assert (by_year <= 30_000.0 + 1e-6).all()
    assert sch.roadmap["transition_cost"].sum() == pytest.approx(by_year.sum())
    over = sch.starts[sch.starts["transition_cost"] > 30_000.0]
    assert over["start_year"].isna().all()
    assert set(over["reason"]) <= {"over_budget", "negative_npv"}


def test_ties_go_to_the_earliest_start_and_first_listed_service():
    # Two identical services, one change a year: the first listed starts first, every run.
    terr = hand_territory(services=("aaa", "bbb"), cost=21_000.0)
    sc = ms.Scenario(start_year=2026, end_year=2029, max_changes_per_year=1)
    plan = all_to(terr, "share")
    runs = [schedule_plan(terr, sc, plan).start_years for _ in range(3)]
    assert runs[0] == {"aaa": 2026, "bbb": 2027}
    assert runs[1] == runs[0] == runs[2]
    delayed = schedule_plan(terr, sc, plan).starts.set_index("service").loc["bbb"]
    assert delayed["reason"] == "capacity_full"
    assert delayed["full_limits"] == "max_changes_per_year"
    assert start_reason(delayed, sc).startswith("reporté à 2027")
    # With a zero discount rate the NPV of a later start is smaller (fewer years),
    # but a service with zero savings is never started.
    flat_terr = hand_territory(cost=20_000.0)
    flat = ms.Scenario(start_year=2026, end_year=2028, discount_rate=0.0)
    sch = schedule_plan(flat_terr, flat, all_to(flat_terr, "share"))
    assert sch.start_years == {"svc": None}
    assert sch.starts.loc[0, "reason"] == "negative_npv"


def test_status_quo_plan_has_nothing_to_schedule():
    sch = schedule_plan(ms.examples.tiny(), ms.Scenario(), {})
    assert sch.status == "optimal"
    assert sch.starts.empty
    assert sch.npv == 0.0
    assert (sch.roadmap["savings"] == 0).all()
    assert len(sch.roadmap) == 7


def test_accepts_decisions_table_of_optimise():
    terr = ms.examples.tiny()
    res = ms.optimise(terr)
    from_table = schedule_plan(terr, ms.Scenario(), res.decisions)
    from_dict = schedule_plan(terr, ms.Scenario(), TINY_SHARE)
    from_result = ms.roadmap(res)
    assert (
        from_table.start_years
        == from_dict.start_years
        == from_result.start_years
        == {"rh_paie": 2026}
    )
    assert from_table.npv == pytest.approx(from_dict.npv)
    assert from_result.npv == pytest.approx(from_dict.npv)


# ------------------------------------------------------------------ CIF upside
CIF = {
    "cif_upside": True,
    "cif_current": 0.30,
    "tax_receipts": 1_000_000.0,
    "dgf_per_inhabitant_per_cif": 50.0,
}


def test_cif_upside_lag_and_amount():
    # Transfer of svc by both communes: dAC = 2 x 20,050 (CLECT, no equipment)
    # = 40,100 -> dCIF = 0.0401 -> 4,000 inhabitants x 50 x 0.0401 = 8,020 EUR/year
    # from t_s + 2.
    terr = hand_territory(transferable=True)
    sc = ms.Scenario(**CIF)
    plan = all_to(terr, "transfer")
    sch = evaluate_schedule(terr, sc, plan, {"svc": 2027})
    dgf = sch.roadmap.set_index("year")["dgf_upside"]
    assert dgf.loc[2026:2028].tolist() == [0.0, 0.0, 0.0]
    assert dgf.loc[2029:2032].tolist() == pytest.approx([8_020.0] * 4)
    row = sch.starts.iloc[0]
    assert row["delta_ac"] == pytest.approx(40_100.0)
    assert row["delta_cif"] == pytest.approx(0.0401)
    disc = sum(8_020.0 / 1.045 ** (t - 2026) for t in range(2029, 2033))
    assert sch.npv_with_cif == pytest.approx(sch.npv + disc)
    # Never in the NPV of costs, nor in the choice of start years.
    plain = evaluate_schedule(terr, ms.Scenario(), plan, {"svc": 2027})
    assert sch.npv == pytest.approx(plain.npv)
    assert (
        schedule_plan(terr, sc, plan).start_years
        == schedule_plan(terr, ms.Scenario(), plan).start_years
    )


def test_cif_upside_capped_at_0_6():
    # CIF already 0.59: only 0.01 of headroom -> 4,000 x 50 x 0.01 = 2,000 EUR/year.
    terr = hand_territory(transferable=True)
    sc = ms.Scenario(**(CIF | {"cif_current": 0.59}))
    sch = evaluate_schedule(terr, sc, all_to(terr, "transfer"), {"svc": 2026})
    assert sch.starts.loc[0, "delta_cif"] == pytest.approx(0.01)
    assert sch.roadmap["dgf_upside"].tolist() == pytest.approx([0.0, 0.0] + [2_000.0] * 5)


def test_cif_headroom_goes_to_the_earliest_transfer():
    # Two transfers of dAC 40,100 each (dCIF 0.0401), headroom 0.6 - 0.55 = 0.05:
    # bbb starts first (2026) and takes 0.0401, aaa (2027) the remaining 0.0099.
    terr = hand_territory(services=("aaa", "bbb"), transferable=True)
    sc = ms.Scenario(**(CIF | {"cif_current": 0.55}))
    sch = evaluate_schedule(terr, sc, all_to(terr, "transfer"), {"aaa": 2027, "bbb": 2026})
    cif = sch.starts.set_index("service")["delta_cif"]
    assert cif["bbb"] == pytest.approx(0.0401)
    assert cif["aaa"] == pytest.approx(0.05 - 0.0401)
    dgf = sch.roadmap.set_index("year")["dgf_upside"]
    assert dgf[2027] == 0.0
    assert dgf[2028] == pytest.approx(4_000 * 50 * 0.0401)
    assert dgf[2029] == pytest.approx(4_000 * 50 * 0.05)


def test_cif_upside_needs_positive_tax_receipts():
    terr = hand_territory(transferable=True)
    sc = ms.Scenario(**(CIF | {"tax_receipts": 0.0}))
    with pytest.raises(ScenarioError, match="tax_receipts must be > 0"):
        schedule_plan(terr, sc, all_to(terr, "transfer"))


# ---------------------------------------------------------------------- errors
def test_bad_plans_are_refused():
    terr, sc = ms.examples.tiny(), ms.Scenario()
    with pytest.raises(PlanError, match="unknown .* pair"):
        schedule_plan(terr, sc, {("rh_paie", "99999"): "share"})
    with pytest.raises(PlanError, match="invalid mode"):
        schedule_plan(terr, sc, {("rh_paie", "49001"): "merge"})
    with pytest.raises(PlanError, match="no 'transfer' row"):
        schedule_plan(terr, sc, {("rh_paie", "49001"): "transfer"})
    with pytest.raises(PlanError, match="lacks column"):
        schedule_plan(terr, sc, pd.DataFrame({"service": ["rh_paie"], "mode": ["share"]}))
    costs = CostData.from_inputs(terr, sc)
    other = evaluate_plan(costs, status_quo(costs))
    with pytest.raises(PlanError, match="not the evaluation"):
        schedule_plan(terr, sc, TINY_SHARE, after=other)
    with pytest.raises(PlanError, match="do not change"):
        evaluate_schedule(terr, sc, TINY_SHARE, {"ads": 2026})
    with pytest.raises(PlanError, match="outside the horizon"):
        evaluate_schedule(terr, sc, TINY_SHARE, {"rh_paie": 2040})


def test_given_schedule_over_limits_is_flagged():
    terr, sc, plan = random_case(0, max_changes_per_year=1)
    sch = evaluate_schedule(terr, sc, plan, {"svc_a": 2026, "svc_c": 2026})
    assert sch.status == "given"
    assert any("max_changes_per_year 1" in e for e in sch.check_errors)


def test_status_not_called_optimal_unless_highs_proves_it(monkeypatch):
    # A HiGHS run stopped early (time limit with a plan) must give "feasible", and
    # services left out are "not_proven", never blamed on a limit.
    import mutusim.analysis.phasing as ph

    real = ph._highs

    def stopped(cost, maximize, rows, time_limit):
        status, text, x, obj = real(cost, maximize, rows, time_limit)
        return Status.FEASIBLE, "Time limit reached", [0.0] * len(x), 0.0

    monkeypatch.setattr(ph, "_highs", stopped)
    terr, sc, plan = random_case(0)
    sch = schedule_plan(terr, sc, plan)
    assert sch.status == "feasible"
    assert "Time limit" in sch.solver_status
    positive = sch.starts[sch.starts["best_npv"] > 1e-6]
    assert set(positive["reason"]) == {"not_proven"}


def test_later_start_can_be_better_with_abolition():
    # 2 x 0.7 FTE move in, the unit needs 1 FTE: 0.4 FTE abolished at 40,000 EUR/FTE
    # = 16,000 EUR x (1, 1.5, 1.5, ...). Steady savings 2 x 30,000 - 40,000 = 20,000.
    # Net savings by year since the change: 4,000, -4,000, -4,000, ...
    # Over 2026-2028 at 10 %: start 2026 -> 4,000 - 3,636.4 - 3,305.8 = -2,942.1;
    # 2027 -> (4,000 - 4,000/1.1)/1.1 = 330.6; 2028 -> 4,000/1.21 = 3,305.8 (best).
    terr = hand_territory(cost=30_000.0, fte=0.7)
    sc = ms.Scenario(
        start_year=2026, end_year=2028, discount_rate=0.10, staff_reduction="abolition"
    )
    sch = schedule_plan(terr, sc, all_to(terr, "share"))
    assert sch.npv_by_start.loc["svc"].tolist() == pytest.approx(
        [4_000 - 4_000 / 1.1 - 4_000 / 1.21, (4_000 - 4_000 / 1.1) / 1.1, 4_000 / 1.21]
    )
    assert sch.start_years == {"svc": 2028}
    assert sch.npv == pytest.approx(4_000 / 1.21)
    assert sch.starts.loc[0, "reason"] == "later_start_better"
    assert sch.starts.loc[0, "best_year"] == 2028
    summary = sch.summary()
    assert summary["starts"] == {"svc": 2028}
    assert summary["savings_last_year"] == pytest.approx(4_000.0)
