"""The cheap "a rule binds" measure (one relaxed solve) against hand examples and exact prices."""

from __future__ import annotations

import pytest

import mutusim as ms
from conftest import make_territory
from mutusim.analysis.binding import CHECKED_RULES, binding_rules, price_tolerance


def test_checked_rules_are_the_switchable_rules_that_forbid_plans():
    assert "indivisible_staffing" not in CHECKED_RULES  # a cost model, not a prohibition
    assert "phasing_capacity" not in CHECKED_RULES  # the roadmap only
    assert {"qualified_majority", "transfer_all_or_nothing", "min_members"} <= set(CHECKED_RULES)
    assert "one_mode" not in CHECKED_RULES  # not switchable


def test_nothing_binds_in_the_tiny_optimum(tiny):
    # tests/model/test_model.py: the tiny optimum (173,000) breaks no rule
    b = binding_rules(ms.optimise(tiny))
    assert b.active == (
        "qualified_majority",
        "mandatory_competences",
        "transfer_all_or_nothing",
        "min_members",
    )
    assert b.binding == ()
    assert b.rules_price == pytest.approx(0.0, abs=1e-6)
    assert b.cost_unconstrained == pytest.approx(173_000)


def test_a_minimum_level_binds_by_hand(tiny):
    # tests/analysis/test_law_money.py: min_level 45 forbids keeping payroll and ADS in
    # 49003 (level 40): the optimum rises from 173,000 to 180,000. Without the rules the
    # plan is the tiny optimum (173,000), which keeps both in 49003: two violations.
    res = ms.optimise(tiny, ms.Scenario(min_level=45))
    b = binding_rules(res)
    assert b.binding == ("service_levels",)
    assert b.cost_unconstrained == pytest.approx(173_000)
    assert b.rules_price == pytest.approx(7_000)
    assert b.violations["service_levels"] == 2
    assert b.violations["min_members"] == 0


def test_without_plan_or_without_rules_nothing_is_measured(tiny):
    infeasible = ms.optimise(tiny, ms.Scenario(max_total_cost=1.0))
    assert binding_rules(infeasible).active == ()
    off = ms.Scenario(
        disabled_rules=(
            "qualified_majority",
            "mandatory_competences",
            "transfer_all_or_nothing",
            "min_members",
        )
    )
    b = binding_rules(ms.optimise(tiny, off))
    assert b.active == ()
    assert b.rules_price is None


@pytest.mark.parametrize("seed", range(14))
def test_agrees_with_exact_prices(seed):
    """What the one-solve measure guarantees (mutusim.analysis.binding), against rule_prices."""
    t = make_territory(seed, n_communes=3, n_services=2, arrangement=True, equipment=True)
    res = ms.optimise(t, ms.Scenario(min_level=45), explain=False)
    if not res.has_plan:
        return
    b = binding_rules(res)
    tol = price_tolerance(res.total_cost, res.scenario.mip_gap)
    prices = ms.rule_prices(res).set_index("rule")
    exact = {r: prices.at[r, "price"] for r in b.active if prices.at[r, "active"]}
    # the relaxed optimum is a lower bound of the optimum without any one rule
    assert b.rules_price >= -tol
    for r, p in exact.items():
        assert b.rules_price >= p - tol, r
    # a rule with a positive price: the rules cost something and some rule binds
    if any(p > tol for p in exact.values()):
        assert b.rules_price > tol
        assert b.binding
    # some rule binds exactly when the rules cost something together
    assert bool(b.binding) == (b.rules_price > tol)
    # a sole binding rule carries the whole price
    if len(b.binding) == 1:
        assert exact[b.binding[0]] == pytest.approx(b.rules_price, rel=1e-6, abs=1e-3)


def test_the_property_cases_are_not_all_trivial():
    bound = 0
    for seed in range(14):
        t = make_territory(seed, n_communes=3, n_services=2, arrangement=True, equipment=True)
        res = ms.optimise(t, ms.Scenario(min_level=45), explain=False)
        bound += bool(res.has_plan and binding_rules(res).binding)
    assert bound >= 3
