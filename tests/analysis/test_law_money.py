"""Law and money on the result: billing keys, binding rules, votes, already transferred services."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

import mutusim as ms
from conftest import make_territory
from mutusim.inputs.examples import tiny_frames


def test_population_billing_key_by_hand(tiny):
    # The payroll pool {49001, 49002} has a common cost of 10,000 fixed + 1.5 FTE x
    # 42,000 = 73,000. By population (5,000 and 1,500 inhabitants): 49001 pays
    # 73,000 x 5,000 / 6,500 = 56,153.85 plus its own 1,000 overhead + 3,000 / 6
    # transition = 57,653.85; 49002 pays 73,000 x 1,500 / 6,500 + 1,500 = 18,346.15.
    res = ms.optimise(tiny, ms.Scenario(billing_keys={"rh_paie": "population"}))
    d = res.decisions.set_index(["service", "commune"])["cost_after"]
    assert d[("rh_paie", "49001")] == pytest.approx(57_653.846, abs=1e-2)
    assert d[("rh_paie", "49002")] == pytest.approx(18_346.154, abs=1e-2)
    # the key moves money between communes, never the plan's total
    assert res.total_cost == pytest.approx(173_000)


def test_fte_billing_key_by_hand(tiny):
    # By today's FTE (2.0 and 0.5): 49001 pays 73,000 x 0.8 + 1,500 = 59,900.
    res = ms.optimise(tiny, ms.Scenario(billing_keys={"rh_paie": "fte"}))
    d = res.decisions.set_index(["service", "commune"])["cost_after"]
    assert d[("rh_paie", "49001")] == pytest.approx(59_900)
    assert d[("rh_paie", "49002")] == pytest.approx(16_100)


def test_rule_prices_by_hand(tiny):
    # min_level 45 forbids keeping payroll in 49003 (level 40) and ADS in
    # 49003 (40): the optimum rises from 173,000 to 180,000 (test_model's
    # TestRulesByHand.test_min_level). So service_levels binds at 7,000/year;
    # min_members does not bind (the pools have 2+ members anyway).
    res = ms.optimise(tiny, ms.Scenario(min_level=45))
    prices = ms.rule_prices(res).set_index("rule")
    assert prices.at["service_levels", "binds"]
    assert prices.at["service_levels", "price"] == pytest.approx(7_000)
    assert not prices.at["min_members", "binds"]
    assert not prices.at["cost_cap", "active"]


def test_already_transferred_service_stays_with_the_epci():
    f = tiny_frames()
    f["baseline"].loc[f["baseline"]["service"] == "ads", "arrangement"] = "transfer"
    t = ms.territory_from_frames(**f)
    res = ms.optimise(t)
    ads = res.decisions[res.decisions["service"] == "ads"]
    assert set(ads["mode"]) == {"transfer"}
    # the commune's AC was cut long ago: it pays nothing, before or after
    assert (ads["cost_before"] == 0).all()
    assert (ads["cost_after"] == 0).all()
    # restitution is not a decision: forcing keep is explained, not solved
    res = ms.optimise(t, ms.Scenario(force=[("ads", "49002", "keep")]))
    assert res.status == "infeasible"
    (finding,) = [f for f in res.explanation if f.code == "no_mode"]
    assert (finding.service, finding.commune) == ("ads", "49002")
    assert finding.reasons["keep"].rule == "already_transferred"
    assert finding.reasons["keep"].code == "already_transferred"
    assert any("déjà transféré à l'EPCI" in line for line in ms.explanation(res))


def test_blocking_communes_names_the_veto(tiny):
    sc = ms.Scenario(stances={"ads": {"49001": "against", "49003": "undecided"}})
    res = ms.optimise(tiny, sc)
    maj = res.majorities.set_index("service").loc["ads"]
    assert maj["veto_applies"]
    assert not maj["largest_yes"]
    assert not maj["majority"]
    blockers = ms.blocking_communes(res, "ads")
    assert list(blockers["commune"]) == ["49001"]
    with pytest.raises(ms.NotFoundError, match="not a transferable service"):
        ms.blocking_communes(res, "rh_paie")


@given(seed=st.integers(0, 10_000))
def test_a_transfer_the_largest_commune_refuses_is_never_chosen(seed):
    t = make_territory(seed, n_communes=3, transferable=True, transfer=True)
    largest = t.communes["population"].idxmax()
    if 4 * t.communes["population"].max() <= t.population:
        return  # no veto: the largest commune holds a quarter or less
    sc = ms.Scenario(stances={"*": {largest: "against"}}, time_limit=20)
    res = ms.optimise(t, sc)
    if res.has_plan:
        changed = res.decisions[
            (res.decisions["mode"] == "transfer") & (res.decisions["current"] != "transfer")
        ]
        assert changed.empty, changed


def test_allocation_beside_the_key_sums_to_the_savings(tiny):
    res = ms.optimise(tiny)
    alloc = ms.allocation(res)
    assert alloc["savings_key"].sum() == pytest.approx(res.savings)
    assert alloc["savings_shapley"].sum() == pytest.approx(res.savings)
    # two members and min_members 2: each alone is worth 0, so Shapley halves the savings
    assert set(alloc["savings_shapley"].round(6)) == {19_500.0}
