"""Rule prices re-solve only what a rule acts on, and agree with full re-solves."""

from __future__ import annotations

import pytest

import mutusim as ms
from conftest import make_territory


def _full_prices(res: ms.Result) -> dict[str, float]:
    """Reference: the whole model re-solved without each active rule."""
    out = {}
    for rule in ms.rule_prices(res).query("active")["rule"]:
        sc = res.scenario
        other = ms.optimise(
            res.territory,
            sc.replace(disabled_rules=(*sc.disabled_rules, rule), decompose=False),
            explain=False,
        )
        out[rule] = other.total_cost
    return out


@pytest.mark.parametrize("seed", range(8))
def test_prices_equal_full_re_solves(seed):
    territory = make_territory(seed, n_communes=3, n_services=3, arrangement=True, equipment=True)
    res = ms.optimise(territory, ms.Scenario(min_level=45), explain=False)
    if not res.has_plan:
        return
    prices = ms.rule_prices(res).set_index("rule")
    for rule, cost in _full_prices(res).items():
        got = prices.at[rule, "cost_without"]
        assert got == pytest.approx(cost, rel=1e-9, abs=1e-6), rule


def test_only_the_services_a_rule_acts_on_are_re_solved(tiny, monkeypatch):
    import mutusim.analysis.prices as prices

    # Bourg-Centre (the most populous, > 1/4) refuses the transfer of ADS: the majority fails
    res = ms.optimise(tiny, ms.Scenario(min_level=70, stances={"ads": {"49001": "against"}}))
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
    # the minimum level acts on both services (tests/analysis/test_law_money.py: 7,000 EUR/year)
    assert set(solved["service_levels"]) == {"rh_paie", "ads"}
    assert table.at["service_levels", "price"] == pytest.approx(7_000.0)
