"""Rule prices re-solve only what a rule acts on, and agree with full re-solves."""

from __future__ import annotations

import pytest

import mutusim as ms
from conftest import make_territory


def _full_prices(res: ms.Result) -> dict[str, tuple[float, float]]:
    """Reference: the whole model re-solved without each active rule.

    Returns, per rule, the price as the plans' discounted costs over the horizon with the
    rule less without it [EUR] (the NPV lost, measured against this result's status quo:
    without indivisible_staffing today's pooled units cost less too) and the long-run cost
    of the plan without the rule [EUR/year].
    """
    out = {}
    for rule in ms.rule_prices(res).query("active")["rule"]:
        sc = res.scenario
        other = ms.optimise(
            res.territory,
            sc.replace(disabled_rules=(*sc.disabled_rules, rule), decompose=False),
            explain=False,
        )
        # switching a rule off never removes the plan the rule allowed
        assert other.has_plan, (rule, other.status, other.check_errors)
        out[rule] = (
            res.schedule.discounted_cost - other.schedule.discounted_cost,
            other.total_cost,
        )
    return out


# Random territories with every departure cutting posts at 50 %/year, so that pools pay back
# within the mandate and the rules have plans to act on (at the default 3.2 %/year most of
# these small territories keep everything).
FAST = {"departures": "all", "all_departure_rate": 0.5}


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("fast", [False, True], ids=["retirements", "fast"])
def test_prices_equal_full_re_solves(seed, fast):
    territory = make_territory(seed, n_communes=3, n_services=3, arrangement=True, equipment=True)
    sc = ms.Scenario(min_level=45, **(FAST if fast else {}))
    res = ms.optimise(territory, sc, explain=False)
    if not res.has_plan:
        return
    prices = ms.rule_prices(res).set_index("rule")
    for rule, (price, cost) in _full_prices(res).items():
        assert prices.at[rule, "price"] == pytest.approx(price, rel=1e-9, abs=1e-6), rule
        assert prices.at[rule, "npv_without"] == pytest.approx(res.npv + price), rule
        assert prices.at[rule, "cost_without"] == pytest.approx(cost, rel=1e-9, abs=1e-6), rule
        # switching a rule off never lowers the optimum (proven optima)
        assert price >= -1e-6 * max(1.0, abs(res.npv)), rule


def test_only_the_services_a_rule_acts_on_are_re_solved(tiny, monkeypatch):
    import mutusim.analysis.prices as prices

    # Bourg-Centre (the most populous, > 1/4) refuses the transfer of ADS: the majority fails.
    # Posts leave fast (every departure, 50 %/year) so that the payroll pool pays back.
    sc = ms.Scenario(
        min_level=70,
        stances={"ads": {"49001": "against"}},
        departures="all",
        all_departure_rate=0.5,
    )
    res = ms.optimise(tiny, sc)
    calls = []
    real = prices.optimise

    def spy(territory, scenario, **kw):
        calls.append((scenario.disabled_rules[-1], tuple(territory.service_codes)))
        return real(territory, scenario, **kw)

    monkeypatch.setattr(prices, "optimise", spy)
    table = ms.rule_prices(res).set_index("rule")
    solved = dict(calls)
    # only ADS is a transferable competence: the majority acts on it alone; with no
    # transfer possible the all-or-nothing rule has no row, and the tiny CC has no
    # mandatory competence: nothing to re-solve for either
    assert solved["qualified_majority"] == ("ads",)
    assert "transfer_all_or_nothing" not in solved
    assert "mandatory_competences" not in solved
    assert table.at["mandatory_competences", "price"] == 0.0
    # the minimum level acts on both services: all three communes pool their payroll and
    # Village-Est and Hameau-Sud their ADS (from 2032: it loses money); NPV 126,155.26
    # against 160,381.88 without the rule (tests/analysis/test_law_money.py,
    # test_rule_prices_by_hand: min_level 45 binds the same pairs)
    assert set(solved["service_levels"]) == {"rh_paie", "ads"}
    assert res.total_cost == pytest.approx(183_000.0)
    assert table.at["service_levels", "price"] == pytest.approx(160_381.88 - 126_155.26, abs=0.02)
    full = ms.optimise(
        tiny, sc.replace(disabled_rules=("service_levels",), decompose=False), explain=False
    )
    assert table.at["service_levels", "npv_without"] == pytest.approx(full.npv)
    assert table.at["service_levels", "cost_without"] == pytest.approx(full.total_cost)


def test_switching_a_binding_rule_off_never_costs(tiny):
    # At 3.2 %/year (the default) no pool pays back on tiny: without service_levels the plan
    # changes nothing (NPV 0). min_level 70 forces the payroll of all three communes into a
    # pool and Village-Est's and Hameau-Sud's ADS into one: the plan loses money over the
    # mandate, yet costs less a year in the long run (183,000 against 212,000). The rule
    # binds: its price is the NPV it loses, positive, not the long-run cost it saves.
    res = ms.optimise(tiny, ms.Scenario(min_level=70, stances={"ads": {"49001": "against"}}))
    assert res.npv < 0
    relaxed = ms.optimise(tiny, res.scenario.replace(disabled_rules=("service_levels",)))
    assert relaxed.npv == pytest.approx(0.0)
    row = ms.rule_prices(res).set_index("rule").loc["service_levels"]
    assert row["binds"]
    assert row["price"] == pytest.approx(-res.npv)
    assert row["cost_without"] == pytest.approx(212_000)
    assert res.total_cost == pytest.approx(183_000)


def test_indivisible_staffing_price_is_never_negative():
    # Without indivisible staffing today's pooled units (5 shared pairs here) cost less too:
    # 427,074 a year today against 404,886.50. The price compares the plans' discounted
    # costs, so that the NPVs are measured against the same status quo.
    territory = make_territory(7, n_communes=3, n_services=3, arrangement=True, equipment=True)
    res = ms.optimise(territory, ms.Scenario(min_level=45), explain=False)
    relaxed = ms.optimise(
        territory, res.scenario.replace(disabled_rules=("indivisible_staffing",)), explain=False
    )
    assert (res.baseline_cost, relaxed.baseline_cost) == pytest.approx((427_074, 404_886.5))
    row = ms.rule_prices(res).set_index("rule").loc["indivisible_staffing"]
    # whole staffing steps cost at least as much as fractional ones
    assert row["cost_without"] <= res.total_cost
    assert row["price"] >= 0
    assert row["npv_without"] == pytest.approx(res.npv + row["price"])
