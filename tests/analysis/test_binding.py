"""The cheap "a rule binds" measure (one relaxed solve) against hand examples and exact prices."""

from __future__ import annotations

import pytest

import mutusim as ms
from conftest import make_territory
from mutusim.analysis.binding import CHECKED_RULES, binding_rules, price_tolerance

#: Every departure cuts posts at 50 %/year, so that pools pay back within the mandate (at the
#: default 3.2 %/year of retirements the tiny example keeps everything).
FAST = {"departures": "all", "all_departure_rate": 0.5}
#: tests/model/test_model.py's hand scenario: the tiny optimum is worth 32,000 EUR.
HAND = {"end_year": 2028, "discount_rate": 0.0, **FAST}


def test_checked_rules_are_the_switchable_rules_that_forbid_plans():
    assert "indivisible_staffing" not in CHECKED_RULES  # a cost model, not a prohibition
    assert "phasing_capacity" in CHECKED_RULES  # the yearly limits are rows of the model
    assert {"qualified_majority", "transfer_all_or_nothing", "min_members"} <= set(CHECKED_RULES)
    assert "one_mode" not in CHECKED_RULES  # not switchable


def test_nothing_binds_in_the_tiny_optimum(tiny):
    # tests/model/test_model.py: the tiny optimum under HAND (NPV 32,000) breaks no rule
    b = binding_rules(ms.optimise(tiny, ms.Scenario(**HAND)))
    assert b.active == (
        "qualified_majority",
        "mandatory_competences",
        "transfer_all_or_nothing",
        "min_members",
    )
    assert b.binding == ()
    assert b.rules_price == pytest.approx(0.0, abs=1e-6)
    assert b.npv_unconstrained == pytest.approx(32_000)


def test_a_minimum_level_binds_by_hand(tiny):
    # tests/analysis/test_law_money.py: min_level 45 forbids keeping payroll and ADS in
    # 49003 (level 40): with it the optimum starts payroll in 2027 and ADS in 2032, NPV
    # 126,155.26 at 4.5 %; without it pooling payroll and ADS without 49003 from 2027 is
    # worth 160,381.88, a plan that keeps both in 49003: two violations.
    disc = sum(1.045**-k for k in range(2, 7))
    with_rule = (-8_600 / 1.045 + 34_000 * disc) - 11_000 * 1.045**-6
    without = -8_000 / 1.045 + 40_000 * disc
    res = ms.optimise(tiny, ms.Scenario(min_level=45, **FAST))
    assert res.npv == pytest.approx(with_rule)
    b = binding_rules(res)
    assert b.binding == ("service_levels",)
    assert b.npv_unconstrained == pytest.approx(without)
    assert b.rules_price == pytest.approx(without - with_rule)
    assert b.violations["service_levels"] == 2
    assert b.violations["min_members"] == 0


def test_yearly_limits_bind():
    # CC Terre de Camargue (reference data) pools payroll and the roads design office from
    # 2027 when every departure cuts posts at 50 %/year; one change a year forbids that
    t = ms.datasets.epci("243000650")
    free = ms.optimise(t, ms.Scenario(**FAST))
    assert free.starts == {"rh_paie": 2027, "bureau_etudes_voirie": 2027}
    res = ms.optimise(t, ms.Scenario(max_changes_per_year=1, **FAST))
    assert len(set(res.starts.values())) == len(res.starts)
    b = binding_rules(res)
    assert b.binding == ("phasing_capacity",)
    assert b.npv_unconstrained == pytest.approx(free.npv)
    assert b.rules_price == pytest.approx(free.npv - res.npv)
    assert b.rules_price > 0
    assert b.violations["phasing_capacity"] == 1  # one year with two starts


def test_without_plan_or_without_rules_nothing_is_measured(tiny):
    infeasible = ms.optimise(tiny, ms.Scenario(max_total_cost=1.0, **HAND))
    assert binding_rules(infeasible).active == ()
    off = ms.Scenario(
        disabled_rules=(
            "qualified_majority",
            "mandatory_competences",
            "transfer_all_or_nothing",
            "min_members",
        )
    )
    b = binding_rules(ms.optimise(tiny, off.replace(**HAND)))
    assert b.active == ()
    assert b.rules_price is None


@pytest.mark.parametrize("seed", range(14))
def test_agrees_with_exact_prices(seed):
    """What the one-solve measure guarantees (mutusim.analysis.binding), against rule_prices."""
    t = make_territory(seed, n_communes=3, n_services=2, arrangement=True, equipment=True)
    res = ms.optimise(t, ms.Scenario(min_level=45, **FAST), explain=False)
    if not res.has_plan:
        return
    b = binding_rules(res)
    tol = price_tolerance(max(abs(res.npv), abs(b.npv_unconstrained)), res.scenario.mip_gap)
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
        res = ms.optimise(t, ms.Scenario(min_level=45, **FAST), explain=False)
        bound += bool(res.has_plan and binding_rules(res).binding)
    assert bound >= 3
