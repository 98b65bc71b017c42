"""Shapley allocation of a pooled unit's savings (mutusim.analysis.shapley, capability M4)."""

from __future__ import annotations

from fractions import Fraction
from itertools import permutations

import numpy as np
import pandas as pd
import pytest
from hypothesis import event, given
from hypothesis import strategies as st

import mutusim as ms
from mutusim.analysis.shapley import (
    ALLOCATION_COLUMNS,
    plan_allocation,
    pool_game,
    shapley_exact,
    shapley_sampled,
)
from mutusim.core.costs import CostData
from mutusim.core.evaluate import evaluate_plan

A, B, C = "49001", "49002", "49003"


# --------------------------------------------------------------------------
# A game small enough to do by hand
# --------------------------------------------------------------------------
# Service with a shared unit: fixed cost 10, one staffing step handles 100 units
# and costs 30 (units_per_fte 100, fte_step 1, cost_per_fte 30), no variable
# cost, overhead or transition cost, min_members 2.
#
#   commune  units  cost alone
#   A          60       40
#   B          50       35
#   C          40       30
#
# v(S) = sum cost alone - (10 + 30 * ceil(U_S / 100)) if |S| >= 2, else 0:
#   v({}) = v(A) = v(B) = v(C) = 0                    (fewer than 2 members)
#   v(AB)  : U = 110 -> 2 steps -> 10 + 60 = 70; 75 - 70 =  5
#   v(AC)  : U = 100 -> 1 step  -> 10 + 30 = 40; 70 - 40 = 30  (exactly one step)
#   v(BC)  : U =  90 -> 1 step  -> 40;            65 - 40 = 25
#   v(ABC) : U = 150 -> 2 steps -> 70;           105 - 70 = 35
#
# Marginal contributions along the 6 orders (A, B, C):
#   A B C :  A 0   B 5   C 30
#   A C B :  A 0   C 30  B 5
#   B A C :  B 0   A 5   C 30
#   B C A :  B 0   C 25  A 10
#   C A B :  C 0   A 30  B 5
#   C B A :  C 0   B 25  A 10
# Shapley: A = (0+0+5+10+30+10)/6 = 55/6, B = (5+5+0+0+5+25)/6 = 40/6,
#          C = (30+30+30+25+0+0)/6 = 115/6; sum = 210/6 = 35 = v(ABC).
# Key (units): the common cost 70 is billed 60/150, 50/150, 40/150:
#   A pays 28 (saves 12), B 23.33 (saves 11.67), C 18.67 (saves 11.33).
# C, which fits in one step with anyone, is worth most to the others.
HAND_V = {(): 0, (0,): 0, (1,): 0, (2,): 0, (0, 1): 5, (0, 2): 30, (1, 2): 25, (0, 1, 2): 35}
HAND_PHI = np.array([55, 40, 115]) / 6


def table_game(table: dict[tuple[int, ...], float]):
    """A value function reading coalition values from a dict keyed by sorted player tuples."""

    def value(coalitions: np.ndarray) -> np.ndarray:
        return np.array([table[tuple(np.flatnonzero(row))] for row in coalitions], dtype=float)

    return value


def hand_frames(
    costs=(40.0, 35.0, 30.0),
    units=(60.0, 50.0, 40.0),
    *,
    fixed=10.0,
    min_members=2,
    overhead=0.0,
    transition=0.0,
) -> dict[str, pd.DataFrame]:
    f = ms.examples.tiny_frames()
    n = len(costs)
    codes = [f"49{i + 1:03d}" for i in range(n)]
    f["communes"] = pd.DataFrame(
        {
            "commune": codes,
            "name": [f"Commune {c}" for c in codes],
            "population": [1000 + 100 * i for i in range(n)],
        }
    )
    f["services"] = f["services"].iloc[:1]
    f["baseline"] = pd.DataFrame(
        {
            "commune": codes,
            "service": "rh_paie",
            "fte": [u / 100 for u in units],
            "cost": list(costs),
            "units": list(units),
            "level": 50.0,
        }
    )
    f["modes"] = pd.DataFrame(
        [
            {
                "service": "rh_paie",
                "mode": "share",
                "fixed_cost": fixed,
                "min_members": min_members,
                "units_per_fte": 100.0,
                "cost_per_fte": 30.0,
                "fte_step": 1.0,
                "cost_per_unit": 0.0,
                "overhead_per_member": overhead,
                "transition_cost_per_member": transition,
                "transition_cost_per_fte": 0.0,
                "level": 75.0,
            }
        ]
    )
    return f


def hand_data(scenario: ms.Scenario | None = None, **kw) -> tuple[CostData, ms.Scenario]:
    """Costs of the hand territory (``hand_frames(**kw)``) under ``scenario``, and the scenario."""
    sc = scenario or ms.Scenario()
    return CostData.from_inputs(ms.territory_from_frames(**hand_frames(**kw)), sc), sc


def all_share(costs: CostData) -> dict[tuple[str, str], str]:
    return {pair: "share" for pair in costs.pairs}


def test_hand_game_by_permutations():
    phi = shapley_exact(3, table_game(HAND_V))
    np.testing.assert_allclose(phi, HAND_PHI, rtol=0, atol=1e-12)
    # the same from the 6 orders written out above, in exact fractions
    by_orders = [Fraction(0)] * 3
    for order in permutations(range(3)):
        before: tuple[int, ...] = ()
        for i in order:
            after = tuple(sorted((*before, i)))
            by_orders[i] += Fraction(HAND_V[after] - HAND_V[before], 6)
            before = after
    assert by_orders == [Fraction(55, 6), Fraction(40, 6), Fraction(115, 6)]


def test_pool_game_is_the_hand_game():
    costs, sc = hand_data()
    game = pool_game(costs, sc, "rh_paie", "share", [A, B, C])
    for players, v in HAND_V.items():
        row = np.zeros((1, 3), dtype=bool)
        row[0, list(players)] = True
        assert game(row)[0] == pytest.approx(v, abs=1e-12), players
    assert game.savings == pytest.approx(35)
    np.testing.assert_allclose(shapley_exact(3, game), HAND_PHI, atol=1e-12)


def test_allocation_on_the_hand_game():
    costs, sc = hand_data()
    table = plan_allocation(costs, sc, all_share(costs))
    assert list(table.columns) == ALLOCATION_COLUMNS
    assert table["commune"].tolist() == [A, B, C]
    np.testing.assert_allclose(table["savings_key"], [12, 35 - 70 * 50 / 150, 30 - 70 * 40 / 150])
    np.testing.assert_allclose(table["savings_shapley"], HAND_PHI)
    assert (table["stderr"] == 0).all()
    assert (table["method"] == "exact").all()
    assert (table["permutations"] == 0).all()
    assert table["savings_key"].sum() == pytest.approx(35)
    assert table["savings_shapley"].sum() == pytest.approx(35)


def test_fractional_staffing_hand_game():
    # indivisible_staffing off: steps = U / 100, so v(S) = sum (cost - 0.3 units) - 10 for |S| >= 2.
    # d = cost - 0.3 units: A 22, B 20, C 18.
    #   v(AB) = 42 - 10 = 32, v(AC) = 40 - 10 = 30, v(BC) = 38 - 10 = 28, v(ABC) = 60 - 10 = 50.
    # A by orders: ABC 0, ACB 0, BAC 32, BCA 50-28=22, CAB 30, CBA 22 -> 106/6.
    # B: ABC 32, ACB 50-30=20, BAC 0, BCA 0, CAB 20, CBA 28 -> 100/6.
    # C: ABC 50-32=18, ACB 30, BAC 18, BCA 28, CAB 0, CBA 0 -> 94/6.   Sum 300/6 = 50.
    costs, sc = hand_data(ms.Scenario(disabled_rules=("indivisible_staffing",)))
    game = pool_game(costs, sc, "rh_paie", "share", [A, B, C])
    assert not game.integral
    np.testing.assert_allclose(shapley_exact(3, game), np.array([106, 100, 94]) / 6, atol=1e-12)


def test_min_members_off_makes_singletons_count():
    # min_members switched off: a commune alone may open the unit, v({A}) = 40 - (10 + 30) = 0,
    # v({B}) = 35 - 40 = -5, v({C}) = 30 - 40 = -10 (not clipped at 0).
    costs, sc = hand_data(ms.Scenario(disabled_rules=("min_members",)))
    game = pool_game(costs, sc, "rh_paie", "share", [A, B, C])
    assert game.min_members == 1
    np.testing.assert_allclose(game(np.eye(3, dtype=bool)), [0, -5, -10])


# --------------------------------------------------------------------------
# Axioms
# --------------------------------------------------------------------------
@given(n=st.integers(1, 8), seed=st.integers(0, 10_000))
def test_efficiency(n, seed):
    rng = np.random.default_rng(seed)
    table = rng.normal(0, 100, 1 << n)
    table[0] = 0.0
    weights = 1 << np.arange(n)

    def value(coalitions):
        return table[coalitions.astype(np.int64) @ weights]

    phi = shapley_exact(n, value)
    assert phi.sum() == pytest.approx(table[-1], abs=1e-9)
    est, _ = shapley_sampled(n, value, samples=50, seed=seed)
    assert est.sum() == pytest.approx(table[-1], abs=1e-9)


def test_symmetry_of_identical_communes():
    # B and C identical: same cost alone and units
    costs, sc = hand_data(
        costs=(40.0, 33.0, 33.0, 50.0),
        units=(60.0, 45.0, 45.0, 80.0),
        overhead=2.0,
        transition=6.0,
    )
    codes = sorted(c for _, c in costs.pairs)
    game = pool_game(costs, sc, "rh_paie", "share", codes)
    phi = shapley_exact(4, game)
    assert phi[1] == pytest.approx(phi[2], abs=1e-12)
    est, err = shapley_sampled(4, game, samples=400, seed=3)
    assert abs(est[1] - est[2]) <= 4 * np.hypot(err[1], err[2])


def test_dummy_commune_gets_zero():
    # With min_members 1 and no fixed cost, a commune with no units whose cost alone equals
    # its member cost (overhead 5) changes no coalition's savings: a dummy player.
    # (With a fixed cost it would not be one: alone it would have to pay for opening the unit.)
    costs, sc = hand_data(
        costs=(40.0, 35.0, 5.0), units=(60.0, 50.0, 0.0), fixed=0.0, min_members=1, overhead=5.0
    )
    game = pool_game(costs, sc, "rh_paie", "share", [A, B, C])
    subsets = np.array([[a, b, False] for a in (0, 1) for b in (0, 1)], dtype=bool)
    np.testing.assert_allclose(game(subsets), game(subsets | np.array([False, False, True])))
    phi = shapley_exact(3, game)
    assert phi[2] == pytest.approx(0, abs=1e-12)
    est, err = shapley_sampled(3, game, samples=200, seed=1)
    assert est[2] == pytest.approx(0, abs=1e-12)
    assert err[2] == pytest.approx(0, abs=1e-12)


def test_dummy_in_a_generic_game():
    def value(coalitions):
        s = coalitions.astype(float)
        return (s[:, 0] * s[:, 1]) * 6 + s[:, 2] * 3  # player 3 never matters

    np.testing.assert_allclose(shapley_exact(4, value), [3, 3, 3, 0], atol=1e-12)


# --------------------------------------------------------------------------
# Sampling
# --------------------------------------------------------------------------
def ten_player_data() -> tuple[CostData, ms.Scenario]:
    rng = np.random.default_rng(7)
    units = rng.integers(10, 120, 10).astype(float)
    costs = np.round(units * rng.uniform(0.3, 0.6, 10) + rng.uniform(2, 12, 10), 2)
    return hand_data(
        costs=tuple(costs), units=tuple(units), min_members=3, overhead=1.0, transition=6.0
    )


@pytest.mark.parametrize("antithetic", [True, False])
def test_exact_and_sampled_agree_on_ten_players(antithetic):
    costs, sc = ten_player_data()
    codes = sorted(c for _, c in costs.pairs)
    game = pool_game(costs, sc, "rh_paie", "share", codes)
    exact = shapley_exact(10, game)
    est, err = shapley_sampled(10, game, samples=2000, seed=0, antithetic=antithetic)
    assert (err > 0).all()
    assert (np.abs(est - exact) <= 4 * err).all(), (est - exact) / err
    assert est.sum() == pytest.approx(exact.sum(), abs=1e-9)


def test_sampling_is_deterministic_for_a_seed():
    costs, sc = ten_player_data()
    game = pool_game(costs, sc, "rh_paie", "share", [f"49{i:03d}" for i in range(1, 11)])
    v1, e1 = shapley_sampled(10, game, samples=300, seed=42)
    v2, e2 = shapley_sampled(10, game, samples=300, seed=42)
    np.testing.assert_array_equal(v1, v2)
    np.testing.assert_array_equal(e1, e2)
    v3, _ = shapley_sampled(10, game, samples=300, seed=43)
    assert not np.array_equal(v1, v3)


def test_guards():
    with pytest.raises(ms.MutusimError, match="at most 15 players.*shapley_sampled"):
        shapley_exact(16, lambda s: np.zeros(len(s)))
    with pytest.raises(ms.MutusimError, match="one number per coalition"):
        shapley_exact(3, lambda s: np.zeros((len(s), 2)))
    with pytest.raises(ms.MutusimError, match="samples must be >= 4"):
        shapley_sampled(3, lambda s: np.zeros(len(s)), samples=3)
    with pytest.raises(ms.MutusimError, match="integer >= 0"):
        shapley_exact(-1, lambda s: np.zeros(len(s)))
    assert shapley_exact(0, lambda s: np.zeros(len(s))).shape == (0,)
    assert shapley_exact(15, lambda s: s.sum(axis=1).astype(float)) == pytest.approx(np.ones(15))


# --------------------------------------------------------------------------
# Allocation of a plan
# --------------------------------------------------------------------------
def test_allocation_on_tiny():
    # Every departure cuts posts at 50 %/year so that the payroll pool pays back within the
    # mandate (at 3.2 %/year Bourg-Centre's 2 posts stay 21 years: no plan; see
    # tests/analysis/test_law_money.py, test_payroll_pool_by_hand).
    sc = ms.Scenario(departures="all", all_departure_rate=0.5)
    res = ms.optimise(ms.examples.tiny(), sc)
    table = ms.allocation(res)
    # The rh_paie pool of 49001 and 49002 (min_members 2): v({i}) = 0, so each gets v(N)/2.
    # Long-run pool cost: 1,500 payslips -> 3 steps = 1.5 FTE, 0.5 of it Village-Est's
    # share made available: fixed 10,000 + 42,000 x (1 post + 0.5) = 73,000 common cost,
    # + 2 x overhead 1,000 -> 75,000 (the one-off cost is paid once, not in the game).
    # v(N) = 90,000 + 25,000 - 75,000 = 40,000 -> 20,000 each.
    # Key (units): common 73,000 x 1200/1500 = 58,400 + 1,000 -> 49001 pays 59,400, saves 30,600;
    #              73,000 x 300/1500 = 14,600 + 1,000 -> 49002 pays 15,600, saves 9,400.
    assert table[["service", "mode"]].drop_duplicates().values.tolist() == [["rh_paie", "share"]]
    assert table["commune"].tolist() == ["49001", "49002"]
    np.testing.assert_allclose(table["savings_shapley"], [20_000, 20_000])
    np.testing.assert_allclose(table["savings_key"], [30_600, 9_400])
    assert table["savings_key"].sum() == pytest.approx(res.savings)
    assert (table["method"] == "exact").all()
    assert (table["permutations"] == 0).all()


def test_partial_shares_are_never_saved_in_the_game():
    # In the hand game every FTE is a partial share (0.6, 0.5, 0.4: no whole agent), and
    # each coalition's shares Q stay below its staffing need, so the unit employs
    # max(need - Q, 0) posts + Q = need FTE: the values of HAND_V. Whole posts do not
    # change that: give A one agent wholly in the service (fte 1.0, fte_posts 1).
    f = hand_frames()
    f["baseline"]["fte"] = [1.0, 0.5, 0.4]
    f["baseline"]["fte_posts"] = [1.0, 0.0, 0.0]
    sc = ms.Scenario()
    costs = CostData.from_inputs(ms.territory_from_frames(**f), sc)
    assert (costs.pairs[("rh_paie", A)].posts, costs.pairs[("rh_paie", A)].partial) == (1.0, 0.0)
    game = pool_game(costs, sc, "rh_paie", "share", [A, B, C])
    for players, v in HAND_V.items():
        row = np.zeros((1, 3), dtype=bool)
        row[0, list(players)] = True
        assert game(row)[0] == pytest.approx(v, abs=1e-12), players
    # Shares above the need are paid all the same (made available, never saved). C with
    # 1.5 FTE for its 40 units, min_members off, C alone: 1 step of need.
    #   fte_posts 0 (1.5 made available): max(1 - 1.5, 0) = 0 posts + 1.5 -> 10 + 45 = 55,
    #     v({C}) = 30 - 55 = -25;
    #   fte_posts 1 (0.5 made available): max(1 - 0.5, 0) = 0.5 posts + 0.5 -> 10 + 30 = 40,
    #     v({C}) = -10 (its post is not needed beyond 0.5 FTE in the long run).
    off = ms.Scenario(disabled_rules=("min_members",))
    f["baseline"].loc[2, "fte"] = 1.5
    for posts, v_c in ((0.0, -25.0), (1.0, -10.0)):
        f["baseline"].loc[2, "fte_posts"] = posts
        costs = CostData.from_inputs(ms.territory_from_frames(**f), off)
        game = pool_game(costs, off, "rh_paie", "share", [A, B, C])
        assert game(np.eye(3, dtype=bool))[2] == pytest.approx(v_c), posts


def test_pool_savings_match_the_checker():
    sc = ms.Scenario()
    costs = CostData.from_inputs(ms.examples.tiny(), sc)
    plan = {(s, c): ("transfer" if s == "ads" else "share") for s, c in costs.pairs}
    after = evaluate_plan(costs, plan)
    table = plan_allocation(costs, sc, plan, after)
    for row in after.pools.itertuples():
        part = table[(table["service"] == row.service) & (table["mode"] == row.mode)]
        saved = part["cost_alone"].sum() - row.cost
        # the ADS transfer saves exactly 0 in the long run (12,000 + 1,500 + 45,000 x 1.5 =
        # 81,000 = the cost kept): compare with an absolute tolerance
        assert part["savings_key"].sum() == pytest.approx(saved, abs=1e-6)
        assert part["savings_shapley"].sum() == pytest.approx(saved, abs=1e-6)
        assert pool_game(
            costs, sc, row.service, row.mode, part["commune"].tolist()
        ).savings == pytest.approx(saved, abs=1e-6)


def test_allocation_without_pools_is_empty():
    sc = ms.Scenario()
    costs = CostData.from_inputs(ms.examples.tiny(), sc)
    table = plan_allocation(costs, sc, {pair: "keep" for pair in costs.pairs})
    assert table.empty
    assert list(table.columns) == ALLOCATION_COLUMNS


def test_large_pool_is_sampled():
    # Speed is measured in benchmarks/, not asserted here.
    t = ms.datasets.synthetic(158).subset(services=["bureau_etudes_voirie"])
    sc = ms.Scenario()
    costs = CostData.from_inputs(t, sc)
    plan = {pair: "transfer" for pair in costs.pairs}
    after = evaluate_plan(costs, plan)
    table = plan_allocation(costs, sc, plan, after)
    assert len(table) == 158
    assert (table["method"] == "sampled").all()
    assert (table["permutations"] == 2000).all()
    assert (table["stderr"] > 0).all()
    total = float(table["cost_alone"].sum() - after.pools["cost"].iloc[0])
    assert table["savings_key"].sum() == pytest.approx(total, rel=1e-9)
    assert table["savings_shapley"].sum() == pytest.approx(total, rel=1e-9)


COMMUNE_CODES = [f"49{i:03d}" for i in range(1, 17)]


@st.composite
def random_pools(draw):
    n = draw(st.integers(1, 14))
    codes = COMMUNE_CODES[:n]
    upf = draw(st.sampled_from([250.0, 500.0, 1000.0]))
    units = [float(draw(st.integers(0, 2000))) for _ in codes]
    # validation: a commune that runs the service (units > 0) has a cost, an idle one has none
    costs = [float(draw(st.integers(500, 90_000))) if u > 0 else 0.0 for u in units]
    mode_rows = [
        {
            "service": "svc",
            "mode": mode,
            "fixed_cost": float(draw(st.integers(0, 40)) * 500),
            "min_members": draw(st.integers(1, 4)),
            "units_per_fte": upf,
            "cost_per_fte": float(draw(st.integers(38, 52)) * 1000),
            "fte_step": draw(st.sampled_from([0.25, 0.5, 1.0])),
            "cost_per_unit": draw(st.sampled_from([0.0, 1.5, 4.0])),
            "overhead_per_member": float(draw(st.integers(0, 12)) * 250),
            "transition_cost_per_member": float(draw(st.integers(0, 12)) * 1000),
            "transition_cost_per_fte": float(draw(st.integers(0, 8)) * 500),
            "level": 70.0,
        }
        for mode in ("share", "transfer")
    ]
    frames = {
        "epci": {"siren": "200000001", "name": "CC Test", "nature": "CC", "fiscalite": "FPU"},
        "communes": pd.DataFrame(
            {
                "commune": codes,
                "name": codes,
                "population": [draw(st.integers(100, 20_000)) for _ in codes],
            }
        ),
        "services": pd.DataFrame(
            {
                "service": ["svc"],
                "name": ["Service"],
                "domain": ["Test"],
                "unit": ["dossiers"],
                "transferable": [True],
                "mandatory_for": [""],
            }
        ),
        "baseline": pd.DataFrame(
            {
                "commune": codes,
                "service": "svc",
                "fte": [u / upf for u in units],
                "cost": costs,
                "units": units,
                "level": 50.0,
            }
        ),
        "modes": pd.DataFrame(mode_rows),
    }
    plan = {("svc", c): draw(st.sampled_from(["keep", "share", "transfer"])) for c in codes}
    scenario = ms.Scenario(
        billing_keys={"svc": draw(st.sampled_from(["units", "population", "fte"]))},
        disabled_rules=tuple(
            draw(st.lists(st.sampled_from(["indivisible_staffing", "min_members"]), unique=True))
        ),
    )
    return frames, plan, scenario, draw(st.integers(0, 12))


@given(random_pools())
def test_key_and_shapley_totals_agree(case):
    frames, plan, scenario, exact_max = case
    costs = CostData.from_inputs(ms.territory_from_frames(**frames), scenario)
    table = plan_allocation(costs, scenario, plan, samples=100, exact_max=exact_max)
    pooled = sum(m != "keep" for m in plan.values())
    assert set(table["method"]) <= {"exact", "sampled"}
    sampled = table["method"] == "sampled"
    assert (table.loc[sampled, "permutations"] == 100).all()
    assert (table.loc[~sampled, "permutations"] == 0).all()
    event("sampled" if sampled.any() else "exact only")
    assert len(table) == pooled
    for _, part in table.groupby(["service", "mode"]):
        key, shap = part["savings_key"].sum(), part["savings_shapley"].sum()
        assert shap == pytest.approx(key, rel=1e-9, abs=1e-6)
