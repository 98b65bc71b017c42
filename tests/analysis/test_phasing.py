"""Roadmaps: pricing year by year (core.timeline), best start years of a fixed plan, what-ifs.

Hand examples give the expected figures in comments; the start-year MILP of
``schedule_plan`` is checked against brute force over every assignment of
start years.
"""

from __future__ import annotations

import itertools

import pandas as pd
import pytest

import mutusim as ms
from conftest import make_territory
from mutusim.analysis.phasing import evaluate_schedule, schedule_plan
from mutusim.core.status import Status
from mutusim.errors import NoPlanError, PlanError, ScenarioError
from mutusim.present.labels import start_reason


def hand_territory(
    *,
    services: tuple[str, ...] = ("svc",),
    cost: float = 41_000.0,
    transition_per_member: float = 0.0,
    transferable: bool = False,
    posts: float = 1.0,
    arrangement: tuple[str, str] = ("keep", "keep"),
) -> ms.Territory:
    """Two communes; each service: 1 FTE (``posts`` of them whole posts) and 500 units each.

    Pooled unit (share, and transfer if ``transferable``): 1,000 units per FTE in
    steps of 1 FTE, 40,000 EUR per FTE, no fixed cost nor overhead: the pooled
    unit needs 1 FTE for the 1,000 units of both communes, 2 FTE move in.
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
    base = []
    for s in services:
        for c, arr in zip(["01001", "01002"], arrangement, strict=True):
            base.append(
                {
                    "commune": c,
                    "service": s,
                    "fte": 1.0,
                    "fte_posts": posts,
                    "cost": cost,
                    "units": 500.0,
                    "level": 50.0,
                    "arrangement": arr,
                }
            )
    rows = []
    for s in services:
        for mode in ("share", "transfer") if transferable else ("share",):
            rows.append(
                {
                    "service": s,
                    "mode": mode,
                    "fixed_cost": 0.0,
                    "min_members": 1,
                    "units_per_fte": 1000.0,
                    "cost_per_fte": 40_000.0,
                    "fte_step": 1.0,
                    "overhead_per_member": 0.0,
                    "transition_cost_per_member": transition_per_member,
                    "level": 80.0,
                }
            )
    epci = {"siren": "200000001", "name": "CC Test", "nature": "CC", "fiscalite": "FPU"}
    return ms.territory_from_frames(
        epci, communes, services_df, pd.DataFrame(base), pd.DataFrame(rows)
    )


def share_all(terr: ms.Territory, services: tuple[str, ...] | None = None) -> dict:
    return {(s, c): "share" for s, c in terr.baseline.index if services is None or s in services}


def test_npv_hand_example():
    # One service, two communes at 41,000 EUR each = 82,000 today. Shared from 2027:
    # 2 posts move in (1 each), the unit needs 1 FTE; departures at 50 %/year:
    # 2027 (k=0): posts max(1, ceil(2)) = 2 -> 80,000, savings 2,000
    # 2028 (k=1): ceil(2 x 0.5) = 1 -> 40,000, savings 42,000
    # 2029 (k=2): ceil(0.5) = 1 -> 40,000, savings 42,000
    # NPV at 10 % from 2026: 2,000/1.1 + 42,000/1.21 + 42,000/1.331
    terr = hand_territory()
    sc = ms.Scenario(end_year=2029, discount_rate=0.10, departures="all", all_departure_rate=0.5)
    sch = evaluate_schedule(terr, sc, share_all(terr), {"svc": 2027})
    expected = 2_000 / 1.1 + 42_000 / 1.21 + 42_000 / 1.331
    assert sch.npv == pytest.approx(expected)
    assert list(sch.roadmap["savings"]) == pytest.approx([0.0, 2_000.0, 42_000.0, 42_000.0])
    assert sch.steady_savings == pytest.approx(42_000.0)
    assert sch.total_savings == pytest.approx(86_000.0)
    assert list(sch.roadmap["posts_not_replaced"]) == pytest.approx([0, 0, 1, 0])


def test_one_off_transition_paid_once_in_start_year():
    terr = hand_territory(transition_per_member=5_000.0)
    sc = ms.Scenario(end_year=2029, discount_rate=0.0, departures="all", all_departure_rate=0.5)
    sch = evaluate_schedule(terr, sc, share_all(terr), {"svc": 2027})
    # 2 x 5,000 in 2027 only
    assert list(sch.roadmap["transition_cost"]) == [0.0, 10_000.0, 0.0, 0.0]
    assert list(sch.roadmap["savings"]) == pytest.approx([0.0, -8_000.0, 42_000.0, 42_000.0])


def test_whole_posts_and_partial_shares_by_hand():
    # Each commune: 1 FTE of which no whole post (two agents' partial shares): nothing moves,
    # nothing can be cut; the unit needs 1 FTE and has 2 FTE of partial shares. Its staff
    # stays 2 FTE x 40,000 (the shares stay on the communes' payroll): no staff is ever saved,
    # only the 2 x 1,000 of other costs the communes bore alone (41,000 - 40,000 each).
    terr = hand_territory(posts=0.0)
    sc = ms.Scenario(end_year=2032, departures="all", all_departure_rate=0.5)
    sch = evaluate_schedule(terr, sc, share_all(terr), {"svc": 2027})
    assert sch.roadmap["savings"].tolist() == pytest.approx([0.0] + [2_000.0] * 6)
    assert sch.steady_savings == pytest.approx(2_000.0)
    assert sch.roadmap["posts_not_replaced"].sum() == 0.0
    emp = sch.employers.set_index(["year", "employer"])
    assert emp.at[(2027, "01001"), "fte_made_available"] == 1.0
    assert emp["posts_transferred_in"].sum() == 0.0


def test_posts_leave_as_whole_agents_at_the_retirement_rate():
    # 2 posts at 3.2 %/year: 2 x 0.968^k >= 1 for every k of 2027-2032 -> ceil = 2 each year,
    # no post is cut within the mandate although the unit needs 1 FTE.
    terr = hand_territory()
    sc = ms.Scenario()  # retirements, 3.2 %
    sch = evaluate_schedule(terr, sc, share_all(terr), {"svc": 2027})
    assert sch.roadmap["posts_not_replaced"].sum() == 0.0
    assert sch.roadmap["savings"].tolist() == pytest.approx([0.0] + [2_000.0] * 6)
    # in the long run the unit keeps 1 post: 42,000 saved a year
    assert sch.steady_savings == pytest.approx(42_000.0)
    pools = sch.pools.iloc[0]
    assert pools.absorbed == "after the horizon"
    assert (pools.posts_in, pools.target, pools.steady_staff) == (2.0, 1.0, 1.0)


def test_abolition_costs_schedule_by_hand():
    # Abolition: the surplus post (2 in, 1 needed) is abolished on 1 January 2027 and costs
    # 40,000 x (1, 1.5, 1.5) in 2027-2029 (surnombre, then centre de gestion).
    terr = hand_territory()
    sc = ms.Scenario(end_year=2029, discount_rate=0.0, staff_reduction="abolition")
    sch = evaluate_schedule(terr, sc, share_all(terr), {"svc": 2027})
    assert list(sch.roadmap["abolition_cost"]) == pytest.approx([0, 40_000, 60_000, 60_000])
    # savings: 82,000 - (40,000 + abolition)
    assert list(sch.roadmap["savings"]) == pytest.approx([0, 2_000, -18_000, -18_000])
    assert sch.roadmap["posts_abolished"].tolist() == [0.0, 1.0, 0.0, 0.0]


def test_existing_unit_staff_carries_over():
    # Commune A is already in the service commun, B joins in 2027. Today the unit serves
    # A's 500 units: 1 FTE needed (steps of 1), no partial share: 1 post carried over.
    # With B (1 post moving in) the unit needs 1 FTE: posts max(1, ceil(1 x 0.5^k) + 1 x
    # 0.5^k) -> 2 in 2027, 1.5 in 2028, then max(1, 1 + 0.25) = 1.25 in 2029.
    terr = hand_territory(arrangement=("share", "keep"))
    sc = ms.Scenario(end_year=2029, discount_rate=0.0, departures="all", all_departure_rate=0.5)
    sch = evaluate_schedule(terr, sc, {("svc", "01002"): "share"}, {"svc": 2027})
    staff = sch.staff.set_index("year")["staff"]
    assert staff.tolist() == pytest.approx([2.0, 1.5, 1.25])
    # today 40,000 (unit) + 41,000 (B) = 81,000
    assert sch.roadmap["cost_status_quo"].iloc[0] == pytest.approx(81_000.0)


def test_bad_plans_and_starts_are_refused():
    terr = hand_territory()
    sc = ms.Scenario()
    with pytest.raises(PlanError, match="unknown"):
        evaluate_schedule(terr, sc, {("svc", "99999"): "share"}, {})
    with pytest.raises(PlanError, match="invalid mode"):
        evaluate_schedule(terr, sc, {("svc", "01001"): "merge"}, {})
    with pytest.raises(PlanError, match="no 'transfer' row"):
        evaluate_schedule(terr, sc, {("svc", "01001"): "transfer"}, {})
    with pytest.raises(PlanError, match="do not change"):
        evaluate_schedule(terr, sc, {}, {"svc": 2027})
    # 2026 is the adoption year: changes take effect on 1 January 2027 at the earliest
    with pytest.raises(PlanError, match="2027-2032"):
        evaluate_schedule(terr, sc, share_all(terr), {"svc": 2026})
    early = sc.replace(adoption_year=2025)
    assert evaluate_schedule(terr, early, share_all(terr), {"svc": 2026}).npv > 0


# ------------------------------------------------------------ schedule_plan
def random_case(seed: int, **options: object) -> tuple[ms.Territory, ms.Scenario, dict]:
    """Three services shared by all three communes, horizon 2026-2030."""
    terr = make_territory(seed, n_communes=3, n_services=3, share=True, idle=False, min_members=1)
    opts = {
        "end_year": 2030,
        "departures": "all",
        "all_departure_rate": 0.3,
        "discount_rate": 0.05,
    }
    return terr, ms.Scenario(**(opts | options)), share_all(terr)


def brute_force(terr: ms.Territory, sc: ms.Scenario, plan: dict) -> float:
    """Best NPV over every assignment of start years (or none) to the changed services."""
    probe = evaluate_schedule(terr, sc, plan, {})
    services = sorted({s for s, _c in plan})
    years = sc.start_years
    best = 0.0
    for combo in itertools.product([None, *years], repeat=len(services)):
        sch = evaluate_schedule(terr, sc, plan, dict(zip(services, combo, strict=True)))
        if not sch.check_errors:
            best = max(best, sch.npv)
    del probe
    return best


@pytest.mark.parametrize("seed", [0, 2, 5, 7])
@pytest.mark.parametrize(
    ("cap", "budget"), [(None, None), (1, None), (1, 40_000.0), (None, 36_000.0)]
)
def test_start_years_match_brute_force(seed, cap, budget):
    terr, sc, plan = random_case(seed, max_changes_per_year=cap, transition_budget=budget)
    sch = schedule_plan(terr, sc, plan)
    assert sch.status == Status.OPTIMAL, sch.check_errors
    assert sch.npv == pytest.approx(brute_force(terr, sc, plan), rel=1e-9, abs=1e-6)
    again = evaluate_schedule(terr, sc, plan, sch.start_years)
    assert again.npv == pytest.approx(sch.npv)
    assert not again.check_errors


def test_npv_is_separable_across_services():
    terr, sc, plan = random_case(0)
    both = evaluate_schedule(terr, sc, plan, {"svc_a": 2027, "svc_c": 2028})
    a = evaluate_schedule(terr, sc, plan, {"svc_a": 2027})
    c = evaluate_schedule(terr, sc, plan, {"svc_c": 2028})
    assert both.npv == pytest.approx(a.npv + c.npv)
    assert both.npv_by_start.loc["svc_c", 2028] == pytest.approx(c.npv)


def test_a_change_that_does_not_pay_back_does_not_start():
    # No post is cut within the mandate (2 posts at 3.2 %/year) and the unit saves 2,000 EUR a
    # year from 2027; one-off costs 2 x 6,000 in 2027. NPV at 4.5 %: 2,000 x (1/1.045 + ... +
    # 1/1.045^6) = 10,316 against 12,000 / 1.045 = 11,483: it does not pay back.
    terr = hand_territory(transition_per_member=6_000.0)
    sch = schedule_plan(terr, ms.Scenario(), share_all(terr))
    assert sch.start_years == {}
    assert sch.npv == 0.0


def test_limits_and_reasons():
    terr = hand_territory(services=("svc_a", "svc_b"), transition_per_member=1_000.0)
    sc = ms.Scenario(
        end_year=2030, departures="all", all_departure_rate=0.5, max_changes_per_year=1
    )
    sch = schedule_plan(terr, sc, share_all(terr))
    assert sch.status == Status.OPTIMAL
    assert sorted(sch.start_years.values()) == [2027, 2028]
    late = sch.starts[sch.starts["start_year"] == 2028].iloc[0]
    assert late.reason == "capacity_full"
    assert late.full_limits == "max_changes_per_year"
    assert start_reason(late.to_dict(), sc).startswith("reporté à 2028")
    # ties go to the first listed service
    assert sch.start_years == {"svc_a": 2027, "svc_b": 2028}
    off = schedule_plan(terr, sc.replace(disabled_rules=("phasing_capacity",)), share_all(terr))
    assert off.start_years == {"svc_a": 2027, "svc_b": 2027}


def test_given_schedule_over_limits_is_flagged():
    terr = hand_territory(services=("svc_a", "svc_b"))
    sc = ms.Scenario(max_changes_per_year=1)
    sch = evaluate_schedule(terr, sc, share_all(terr), {"svc_a": 2027, "svc_b": 2027})
    assert sch.status == Status.ERROR
    assert any("max_changes_per_year" in e for e in sch.check_errors)


def test_status_not_called_optimal_unless_highs_proves_it(monkeypatch):
    import mutusim.analysis.phasing as phasing

    def stopped(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        return Status.FEASIBLE, "Time limit reached", [1.0] * len(args[0]), 1.0

    monkeypatch.setattr(phasing, "_highs", stopped)
    terr, sc, plan = random_case(0)
    assert schedule_plan(terr, sc, plan).status == Status.FEASIBLE


# ------------------------------------------------------------------ CIF upside
def test_cif_upside_lag_and_amount():
    # Transfer of svc from 2027: the attribution de compensation falls by the CLECT charges
    # 2 x 41,000 = 82,000; CIF +82,000 / 1,000,000 = 0.082; dotation +4,000 inhabitants x
    # 100 EUR x 0.082 = 32,800 a year from 2029 (N+2).
    terr = hand_territory(transferable=True)
    sc = ms.Scenario(
        end_year=2030,
        cif_upside=True,
        cif_current=0.3,
        tax_receipts=1_000_000.0,
        dgf_per_inhabitant_per_cif=100.0,
    )
    plan = {pair: "transfer" for pair in terr.baseline.index}
    sch = evaluate_schedule(terr, sc, plan, {"svc": 2027})
    assert sch.starts.loc[0, "delta_cif"] == pytest.approx(0.082)
    assert list(sch.roadmap["dgf_upside"]) == pytest.approx([0, 0, 0, 32_800, 32_800])
    assert sch.npv_with_cif > sch.npv


def test_cif_upside_capped_at_0_6():
    terr = hand_territory(transferable=True)
    sc = ms.Scenario(
        cif_upside=True, cif_current=0.55, tax_receipts=100_000.0, dgf_per_inhabitant_per_cif=1.0
    )
    plan = {pair: "transfer" for pair in terr.baseline.index}
    sch = evaluate_schedule(terr, sc, plan, {"svc": 2027})
    assert sch.starts.loc[0, "delta_cif"] == pytest.approx(0.05)


def test_cif_upside_needs_positive_tax_receipts():
    terr = hand_territory(transferable=True)
    sc = ms.Scenario(
        cif_upside=True, cif_current=0.3, tax_receipts=0.0, dgf_per_inhabitant_per_cif=1.0
    )
    plan = {pair: "transfer" for pair in terr.baseline.index}
    with pytest.raises(ScenarioError, match="communes and their syndicates"):
        evaluate_schedule(terr, sc, plan, {"svc": 2027})


# ------------------------------------------------------------------ roadmap()
def test_roadmap_of_a_result_is_its_schedule(tiny):
    res = ms.optimise(tiny, ms.Scenario(departures="all"))
    assert ms.roadmap(res) is res.schedule
    assert res.npv == res.schedule.npv
    infeasible = ms.optimise(tiny, ms.Scenario(max_total_cost=1.0), explain=False)
    with pytest.raises(NoPlanError):
        ms.roadmap(infeasible)
