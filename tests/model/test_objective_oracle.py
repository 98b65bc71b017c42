"""The MILP's objective agrees with the independent cost model on random plans and start years.

The builder (mutusim.model.data / build / rules) computes its coefficients and
staff rows with its own code; the checker prices plans year by year with
mutusim.core.costs and mutusim.core.timeline. Here a random plan among the
modes the model allows, with random start years, is imposed on the model
(its start, mode and opening binaries fixed by their bounds); HiGHS then
sets the staff variables at their cheapest, and the objective must equal
minus the NPV that ``price_schedule`` computes, to the cent.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

import mutusim as ms
from conftest import make_territory
from mutusim.analysis.perturb import scale_pooled
from mutusim.core.costs import CostData
from mutusim.core.status import Status
from mutusim.core.timeline import price_schedule
from mutusim.model.build import build_model
from mutusim.model.solver import solve

#: Rules that restrict which plans exist (the oracle compares costs, not feasibility).
LOOSE = ("min_members", "transfer_all_or_nothing", "phasing_capacity")


def _impose(model, plan: dict, starts: dict) -> None:  # noqa: ANN001
    """Fix the start, mode and opening binaries of the model to the plan and start years."""
    for (s, t), z in model.z.items():
        z.lowBound = z.upBound = 1.0 if starts.get(s) == t else 0.0
    for (s, c, m, t), x in model.x.items():
        x.lowBound = x.upBound = 1.0 if starts.get(s) == t and plan[(s, c)] == m else 0.0
    for (s, p, t), y in model.y.items():
        used = starts.get(s) == t and any(plan[(s, c)] == p for (s2, c) in plan if s2 == s)
        y.lowBound = y.upBound = 1.0 if used else 0.0


def _check(territory: ms.Territory, scenario: ms.Scenario, picks: list[int]) -> None:
    model = build_model(territory, scenario)
    if model.infeasible_pairs():
        return
    plan, starts = {}, {}
    years = scenario.start_years
    for i, (pair, modes) in enumerate(sorted(model.allowed.items())):
        plan[pair] = modes[picks[i % len(picks)] % len(modes)]
    for i, s in enumerate(territory.service_codes):
        pairs = [p for p in plan if p[0] == s]
        changed = any(plan[p] != territory.baseline.at[p, "arrangement"] for p in pairs)
        if changed:
            starts[s] = years[picks[(i + 3) % len(picks)] % len(years)]
    _impose(model, plan, starts)
    info = solve(model)
    expected = price_schedule(
        CostData.from_inputs(territory, scenario), scenario, plan, starts, Status.GIVEN
    )
    if info.status == Status.INFEASIBLE:
        # only a plan a rule forbids may be infeasible: a mandatory change left unstarted
        assert not starts or model.rows.get("one_mode")
        return
    assert info.status == Status.OPTIMAL, info
    assert abs(info.objective + expected.npv) < 1e-6 * max(1.0, abs(expected.npv)) + 1e-4


@given(
    seed=st.integers(0, 10_000),
    picks=st.lists(st.integers(0, 5), min_size=9, max_size=9),
    staffing=st.booleans(),
    departures=st.sampled_from(["retirements", "all"]),
    reduction=st.sampled_from(["attrition", "abolition"]),
)
def test_milp_objective_equals_the_cost_model_on_random_plans(
    seed, picks, staffing, departures, reduction
):
    territory = make_territory(seed, arrangement=True)
    disabled = LOOSE + (() if staffing else ("indivisible_staffing",))
    scenario = ms.Scenario(
        end_year=2031,
        discount_rate=0.04,
        departures=departures,
        all_departure_rate=0.3,
        staff_reduction=reduction,
        disabled_rules=disabled,
    )
    _check(territory, scenario, picks)


@settings(max_examples=25, deadline=None)
@given(
    picks=st.lists(st.integers(0, 5), min_size=31, max_size=31),
    departures=st.sampled_from(["retirements", "all"]),
    productivity=st.sampled_from([1.0, 1.2, 1.5]),
)
def test_milp_objective_equals_the_cost_model_with_many_incoming_posts(
    picks, departures, productivity
):
    # Angers' public spaces: up to 229 incoming posts, up to 89 bands of whole-agent
    # departures a pooled unit (docs/model.md, "Staff"); random members join. With the
    # pooled productivity raised, the unit needs fewer posts than arrive, so the posts
    # still filled, not the need, set the staff for years.
    territory = scale_pooled(
        ms.datasets.angers().subset(services=["espace_public"]),
        {("espace_public", "units_per_fte"): productivity},
    )
    scenario = ms.Scenario(departures=departures, disabled_rules=LOOSE)
    _check(territory, scenario, picks)


def test_oracle_on_the_tiny_example(tiny):
    # rh_paie pooled by all three from 2027, horizon 2026-2028, no discounting, departures
    # at 50 %: tests/core/test_costs.py derives the NPV by hand, 25,400 EUR.
    sc = ms.Scenario(end_year=2028, discount_rate=0.0, departures="all", all_departure_rate=0.5)
    model = build_model(tiny, sc)
    plan = {pair: "keep" for pair in model.allowed}
    plan |= {("rh_paie", c): "share" for c in ("49001", "49002", "49003")}
    _impose(model, plan, {"rh_paie": 2027})
    info = solve(model)
    assert abs(info.objective + 25_400.0) < 1e-6
