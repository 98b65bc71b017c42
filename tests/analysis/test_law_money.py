"""Law and money on the result: billing keys, binding rules, votes, already transferred services."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import mutusim as ms
from conftest import make_territory
from mutusim.inputs.examples import tiny_frames

# In the tiny example only Bourg-Centre has agents wholly in a service (2 payroll posts, 1
# ADS post); the small communes' 0.5, 0.3, 0.4 and 0.2 FTE are partial shares, made
# available and never saved. At the default 3.2 %/year, ceil(2 x 0.968^k) stays 2 for
# 21 years: no pool pays back within 2026-2032 and the plan changes nothing. These tests
# are about billing and rules, not about departures: every departure cuts posts, at
# 50 %/year, so that the payroll pool pays from its second year.
FAST = {"departures": "all", "all_departure_rate": 0.5}


def test_the_default_keeps_everything_on_tiny(tiny):
    # the premise above: with retirements only (3.2 %/year) nothing pays back by 2032
    res = ms.optimise(tiny)
    assert res.status == "optimal"
    assert res.starts == {}
    assert res.savings == pytest.approx(0.0)
    assert res.npv == pytest.approx(0.0)


def test_payroll_pool_by_hand(tiny):
    # Payroll, share: 10,000 fixed, 1,000 payslips/FTE in steps of 0.5, 42,000 EUR/FTE,
    # 1,000 overhead and 3,000 one-off per member. Pool {49001, 49002}: 1,500 payslips ->
    # 3 steps = 1.5 FTE, of which Village-Est's 0.5 FTE made available; Bourg-Centre's 2
    # posts move in. Posts: 2027 max(1.0, ceil(2)) = 2; from 2028 max(1.0, ceil(2 x 0.5^k))
    # = 1 = the long-run max(1.5 - 0.5, 0).
    #   2027: 10,000 + 2,000 + 42,000 x (2 + 0.5) + 6,000 one-off = 123,000 vs 115,000: -8,000
    #   2028-2032: 10,000 + 2,000 + 42,000 x 1.5 = 75,000: +40,000 a year.
    # Other pools: all three need 4 steps = 2.0 FTE, 0.8 made available, 1.2 posts long
    # run: 97,000 vs 131,000 (+34,000), and -8,600 in 2027; {49001, 49003}: 3 steps,
    # 1.2 posts, 75,000 vs 106,000 (+31,000); {49002, 49003}: no post, 45,600 vs 41,000.
    # ADS pools never pay (see test_rule_prices_by_hand). So {49001, 49002} from 2027.
    res = ms.optimise(tiny, ms.Scenario(**FAST))
    assert res.starts == {"rh_paie": 2027}
    plan = res.plan
    assert [c for c in ("49001", "49002", "49003") if plan[("rh_paie", c)] == "share"] == [
        "49001",
        "49002",
    ]
    assert res.savings == pytest.approx(40_000)
    assert res.total_cost == pytest.approx(172_000)
    rm = res.schedule.roadmap.set_index("year")["savings"]
    assert rm.to_dict() == pytest.approx(
        {
            2026: 0,
            2027: -8_000,
            2028: 40_000,
            2029: 40_000,
            2030: 40_000,
            2031: 40_000,
            2032: 40_000,
        }
    )
    # NPV at 4.5 %, discounted to 2026: -8,000 / 1.045 + 40,000 x (1.045^-2 + ... + 1.045^-6)
    npv = -8_000 / 1.045 + 40_000 * sum(1.045**-k for k in range(2, 7))
    assert res.npv == pytest.approx(npv)
    assert npv == pytest.approx(160_381.88, abs=0.01)


def test_population_billing_key_by_hand(tiny):
    # The payroll pool {49001, 49002} (test_payroll_pool_by_hand) has a common cost of
    # 10,000 fixed + 42,000 x (1 post + 0.5 FTE made available) = 73,000 in the long run.
    # By population (5,000 and 1,500 inhabitants): 49001 pays 73,000 x 5,000 / 6,500 =
    # 56,153.85 plus its own 1,000 overhead = 57,153.85; 49002 pays 73,000 x 1,500 / 6,500
    # + 1,000 = 17,846.15. (The one-off cost is paid once, in 2027: not in these bills.)
    res = ms.optimise(tiny, ms.Scenario(billing_keys={"rh_paie": "population"}, **FAST))
    d = res.decisions.set_index(["service", "commune"])["cost_after"]
    assert d[("rh_paie", "49001")] == pytest.approx(57_153.846, abs=1e-2)
    assert d[("rh_paie", "49002")] == pytest.approx(17_846.154, abs=1e-2)
    # the key moves money between communes, never the plan's total
    assert res.total_cost == pytest.approx(172_000)


def test_fte_billing_key_by_hand(tiny):
    # By today's FTE (2.0 and 0.5): 49001 pays 73,000 x 0.8 + 1,000 = 59,400,
    # 49002 pays 73,000 x 0.2 + 1,000 = 15,600.
    res = ms.optimise(tiny, ms.Scenario(billing_keys={"rh_paie": "fte"}, **FAST))
    d = res.decisions.set_index(["service", "commune"])["cost_after"]
    assert d[("rh_paie", "49001")] == pytest.approx(59_400)
    assert d[("rh_paie", "49002")] == pytest.approx(15_600)


def test_rule_prices_by_hand(tiny):
    # min_level 45 forbids keeping payroll in 49003 (level 40) and ADS in 49003 (40).
    # Payroll: all three share (test_payroll_pool_by_hand): 97,000 a year in the long run
    # (keeping 49003 out of {49001, 49002} is no longer allowed; all three beat {49001,
    # 49003} + 25,000 kept = 100,000).
    # ADS (share: 8,000 fixed, 250 files/FTE in steps of 0.5, 45,000 EUR/FTE, 1,500
    # overhead, 3,000 one-off per member; transfer: 12,000, 500 overhead, 6,000 one-off,
    # all communes): only Bourg-Centre has an ADS post. Every way of pooling 49003 loses:
    #   share {49002, 49003}: 110 files -> 0.5 FTE < 0.6 made available: 0 posts;
    #     8,000 + 3,000 + 45,000 x 0.6 = 38,000 vs 33,000: -5,000 a year, -6,000 once;
    #   share {49001, 49003}: 280 files -> 1.5 FTE, 0.2 made available, 1.3 posts:
    #     8,000 + 3,000 + 45,000 x 1.5 = 78,500 vs 60,000: -18,500 a year;
    #   share all: 360 files -> 1.5 FTE, 0.6 made available; ceil(0.5^k) = 1 post in the
    #     horizon: 8,000 + 4,500 + 45,000 x 1.6 = 84,500 vs 81,000 (-3,500), -9,000 once;
    #   transfer all: 12,000 + 1,500 + 72,000 = 85,500 (-4,500), -18,000 once.
    # Starting as late as possible loses least: in 2032 share {49002, 49003} loses 11,000
    # (x 1.045^-6) and share all 12,500: {49002, 49003} from 2032, 5,000 a year in the
    # long run. NPV with the rule: payroll -8,600 / 1.045 + 34,000 x (1.045^-2 + ... +
    # 1.045^-6) = 134,602.11; ADS -11,000 x 1.045^-6 = -8,446.85; in all 126,155.26.
    # Without it: 160,381.88 (test_payroll_pool_by_hand). Rules are priced in NPV (the
    # model ranks plans by NPV): service_levels costs 34,226.62 over the mandate; the plan
    # without it costs 172,000 a year in the long run, against 97,000 + 48,000 + 38,000 =
    # 183,000 with it. min_members does not bind (the pools have 2 and 3 members, and no
    # single commune gains alone: 49003 alone pays 32,000 for payroll and 32,000 for ADS
    # against 16,000 and 12,000).
    disc = sum(1.045**-k for k in range(2, 7))
    with_rule = (-8_600 / 1.045 + 34_000 * disc) - 11_000 * 1.045**-6
    without = -8_000 / 1.045 + 40_000 * disc
    assert (with_rule, without) == pytest.approx((126_155.26, 160_381.88), abs=0.01)
    res = ms.optimise(tiny, ms.Scenario(min_level=45, **FAST))
    assert res.starts == {"rh_paie": 2027, "ads": 2032}
    assert res.total_cost == pytest.approx(183_000)
    assert res.npv == pytest.approx(with_rule)
    prices = ms.rule_prices(res).set_index("rule")
    assert prices.at["service_levels", "binds"]
    assert prices.at["service_levels", "npv_without"] == pytest.approx(without)
    assert prices.at["service_levels", "price"] == pytest.approx(without - with_rule)
    assert prices.at["service_levels", "cost_without"] == pytest.approx(172_000)
    assert not prices.at["min_members", "binds"]
    assert prices.at["min_members", "price"] == pytest.approx(0.0, abs=1e-6)
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
    res = ms.optimise(tiny, ms.Scenario(**FAST))
    alloc = ms.allocation(res)
    assert alloc["savings_key"].sum() == pytest.approx(res.savings)
    assert alloc["savings_shapley"].sum() == pytest.approx(res.savings)
    # two members and min_members 2: each alone is worth 0, so Shapley halves the
    # long-run savings of 40,000 (test_payroll_pool_by_hand)
    assert set(alloc["savings_shapley"].round(6)) == {20_000.0}


# --------------------------------------------------------------------------
# Parties and hosts (L5211-4-2: a service commun of the EPCI and one or more communes,
# run by the EPCI or by a commune)
# --------------------------------------------------------------------------
def with_epci_payroll() -> ms.Territory:
    """Tiny plus the EPCI's own payroll service: 2 agents wholly in it, like Bourg-Centre."""
    f = tiny_frames()
    own = {
        "commune": "EPCI",
        "service": "rh_paie",
        "fte": 2.0,
        "cost": 90_000.0,
        "units": 1_200.0,
        "level": 60.0,
    }
    f["baseline"] = pd.concat([f["baseline"], pd.DataFrame([own])], ignore_index=True)
    return ms.territory_from_frames(**f)


# Village-Est and Hameau-Sud stay out of the payroll pool.
ONLY_BOURG = {"forbid": [("rh_paie", "49002", "share"), ("rh_paie", "49003", "share")], **FAST}


def test_a_service_commun_of_the_epci_and_one_commune(tiny):
    sc = ms.Scenario(**ONLY_BOURG)
    # Without the EPCI's own service, Bourg-Centre alone cannot open a payroll pool
    # (min_members 2): no change (ADS pools never pay, test_rule_prices_by_hand).
    assert ms.optimise(tiny, sc).starts == {}
    # With it, the EPCI counts as a member. Pool {EPCI, 49001}: 2,400 payslips -> 5 steps
    # = 2.5 FTE, nothing made available, 2 + 2 posts: 2027 max(2.5, 4) = 4 posts; from
    # 2028 max(2.5, ceil(4 x 0.5^k) = 2 or 1) = 2.5.
    #   2027: 10,000 + 2 x 1,000 + 42,000 x 4 + 2 x 3,000 = 186,000 vs 180,000: -6,000;
    #   2028 on: 12,000 + 42,000 x 2.5 = 117,000: +63,000 a year.
    res = ms.optimise(with_epci_payroll(), sc)
    assert res.status == "optimal"
    assert res.starts == {"rh_paie": 2027}
    members = res.decisions.query("service == 'rh_paie' and mode == 'share'")
    assert set(members["commune"]) == {"49001", "EPCI"}
    assert members.set_index("commune").at["EPCI", "commune_name"] == "CC Exemple"
    assert res.savings == pytest.approx(63_000)
    rm = res.schedule.roadmap.set_index("year")
    assert rm.at[2027, "savings"] == pytest.approx(-6_000)
    assert rm.at[2028, "savings"] == pytest.approx(63_000)
    # the EPCI hosts the unit: Bourg-Centre's 2 posts move to it; 4 - 2.5 = 1.5 not replaced
    emp = res.schedule.employers.set_index(["year", "employer"])
    assert emp.at[(2027, "EPCI"), "posts_transferred_in"] == 2.0
    assert emp.at[(2027, "49001"), "posts_transferred_out"] == 2.0
    assert emp.at[(2028, "EPCI"), "posts_not_replaced"] == pytest.approx(1.5)
    # budgets (communes and the EPCI, its own service included) add up to the plan's cost
    assert res.budgets["cost_after"].sum() == pytest.approx(res.total_cost)
    assert res.budgets["cost_before"].sum() == pytest.approx(res.baseline_cost)
    # by the units key the EPCI and Bourg-Centre (1,200 payslips each) halve the bill of
    # 10,000 + 42,000 x 2.5 = 115,000 and each pays its 1,000 overhead: 58,500 each
    budgets = res.budgets.set_index("commune")
    assert budgets.at["EPCI", "cost_after"] == pytest.approx(58_500)
    assert budgets.at["49001", "cost_after"] == pytest.approx(48_000 + 58_500)


def test_decomposed_and_whole_solves_keep_the_epci_rows():
    # one sub-model per service (the default) keeps the EPCI's own rows, as the whole model
    t = with_epci_payroll()
    assert ("rh_paie", "EPCI") in t.subset(services=["rh_paie"]).baseline.index
    for decompose in (True, False):
        res = ms.optimise(t, ms.Scenario(**(ONLY_BOURG | {"decompose": decompose})))
        assert res.status == "optimal", res.check_errors
        assert res.savings == pytest.approx(63_000)
        assert res.npv == pytest.approx(
            -6_000 / 1.045 + 63_000 * sum(1.045**-k for k in range(2, 7))
        )


def test_a_perimeter_of_communes_lets_the_epci_take_part():
    # the EPCI has no population of its own: it follows the communes of a perimeter
    sc = ms.Scenario(perimeter_communes=["49001"], **FAST)
    res = ms.optimise(with_epci_payroll(), sc)
    assert res.status == "optimal", res.check_errors
    assert res.savings == pytest.approx(63_000)
    # ... unless the perimeter holds no commune: then nothing changes
    res = ms.optimise(with_epci_payroll(), sc.replace(perimeter_communes=[]))
    assert res.status == "optimal", res.check_errors
    assert res.starts == {}


def test_a_service_commun_hosted_by_a_commune(tiny):
    # The payroll pool {49001, 49002} of test_payroll_pool_by_hand, run by Bourg-Centre:
    # its own 2 posts stay with it (nothing transferred), Village-Est's 0.5 FTE is made
    # available to it, and the post not replaced from 2028 is Bourg-Centre's. The money
    # is the same as when the EPCI hosts the unit.
    res = ms.optimise(tiny, ms.Scenario(hosts={"rh_paie": "49001"}, **FAST))
    assert res.starts == {"rh_paie": 2027}
    assert res.pools.set_index("service").at["rh_paie", "host"] == "49001"
    assert res.savings == pytest.approx(40_000)
    emp = res.schedule.employers.set_index(["year", "employer"])
    assert "EPCI" not in set(res.schedule.employers["employer"])
    assert emp.at[(2027, "49001"), "posts_transferred_out"] == 0.0
    assert emp.at[(2027, "49001"), "posts_transferred_in"] == 0.0
    assert emp.at[(2027, "49002"), "fte_made_available"] == 0.5
    assert emp.at[(2028, "49001"), "posts_not_replaced"] == pytest.approx(1.0)
    # the same plan hosted by the EPCI: Bourg-Centre's posts move to the EPCI
    by_epci = ms.optimise(tiny, ms.Scenario(**FAST)).schedule.employers
    by_epci = by_epci.set_index(["year", "employer"])
    assert by_epci.at[(2027, "EPCI"), "posts_transferred_in"] == 2.0
    assert by_epci.at[(2027, "49001"), "posts_transferred_out"] == 2.0
