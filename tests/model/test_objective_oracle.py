"""The MILP's objective agrees with the independent cost model on random plans.

The builder (mutusim.model.data / build) computes its coefficients with its
own code; the checker prices plans with mutusim.core.costs. Here a random
plan among the modes the model allows is written into the model's
variables (x from the plan, y = 1 for each unit with a member, n = the
fewest staffing steps the unit's workload needs) and the objective's value
must equal ``evaluate_plan(...).total_cost`` to the cent.
"""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

import mutusim as ms
from conftest import make_territory
from mutusim.core.costs import CostData
from mutusim.core.evaluate import evaluate_plan
from mutusim.model.build import build_model


def _objective_at(model, plan: dict) -> float:  # noqa: ANN001
    """Value of the model's objective with the plan written into its variables."""
    values = {}
    for key, var in model.x.items():
        values[var] = 1.0 if plan[key[:2]] == key[2] else 0.0
    integral = model.scenario.rule_on("indivisible_staffing")
    for (s, p), y in model.y.items():
        members = [c for (s2, c), m in plan.items() if s2 == s and m == p]
        values[y] = 1.0 if members else 0.0
        units = model.territory.baseline.loc[[(s, c) for c in members], "units"].sum()
        upf = float(model.territory.modes.at[(s, p), "units_per_fte"])
        step = float(model.territory.modes.at[(s, p), "fte_step"])
        need = units / (upf * step)
        values[model.n[(s, p)]] = (math.ceil(need - 1e-9) if need > 0 else 0) if integral else need
    return sum(coef * values[var] for var, coef in model.objective_terms)


@given(
    seed=st.integers(0, 10_000),
    picks=st.lists(st.integers(0, 2), min_size=9, max_size=9),
    staffing=st.booleans(),
    years=st.sampled_from([1.0, 3.0, 6.0]),
)
def test_milp_objective_equals_the_cost_model_on_random_plans(seed, picks, staffing, years):
    territory = make_territory(seed, arrangement=True)
    disabled = () if staffing else ("indivisible_staffing",)
    scenario = ms.Scenario(transition_years=years, disabled_rules=disabled)
    model = build_model(territory, scenario)
    if model.infeasible_pairs():
        return
    plan = {
        pair: modes[picks[i % len(picks)] % len(modes)]
        for i, (pair, modes) in enumerate(sorted(model.allowed.items()))
    }
    expected = evaluate_plan(CostData.from_inputs(territory, scenario), plan).total_cost
    assert abs(_objective_at(model, plan) - expected) < 1e-6 * max(1.0, expected)


def test_oracle_on_the_tiny_example(tiny):
    model = build_model(tiny, ms.Scenario())
    plan = {pair: "keep" for pair in model.allowed}
    plan |= {("rh_paie", c): "share" for c in ("49001", "49002", "49003")}
    # docs/model.md by hand (tests/core/test_costs.py): 98,500 + 81,000
    assert abs(_objective_at(model, plan) - 179_500.0) < 1e-6
