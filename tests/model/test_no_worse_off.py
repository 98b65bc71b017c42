"""The aggregated no-worse-off rows (one weight variable per shared unit) against brute force.

``rules.no_worse_off`` writes, for each member, ``common * w_c - room_c * W <=
M_c (1 - x_c)`` with one variable ``W = sum_k w_k x_k`` per shared unit
instead of repeating the sum in every member's row. The optimum must be the
one brute force finds among the plans the independent checker accepts, on
pools larger than the 3-commune territories of tests/model/test_model.py.
"""

from __future__ import annotations

import itertools
import random

import pandas as pd
import pytest

import mutusim as ms
from mutusim.core.costs import CostData
from mutusim.core.scenario import Scenario
from mutusim.core.territory import Territory
from mutusim.model.build import build_model
from mutusim.model.check import check_plan

CODES = [f"4900{i}" for i in range(1, 7)]


def _territory(seed: int, n: int) -> Territory:
    """One shared service, ``n`` communes of random sizes and costs (whole units of work)."""
    rng = random.Random(seed)
    communes = CODES[:n]
    units = [rng.randint(0, 900) for _ in communes]
    rows = []
    for c, u in zip(communes, units, strict=True):
        fte = u / 1000.0
        cost = round(fte * 52_000 * rng.uniform(0.7, 1.6) + rng.choice([0, 2_000, 6_000]), 2)
        rows.append(
            {
                "service": "svc",
                "commune": c,
                "fte": fte,
                "cost": cost if u else 0.0,
                "units": float(u),
                "level": 60.0,
                "arrangement": "keep",
            }
        )
    frames = {
        "epci": pd.DataFrame(
            [{"siren": "200000001", "name": "CC Test", "nature": "CC", "fiscalite": "FPU"}]
        ),
        "communes": pd.DataFrame(
            {
                "commune": communes,
                "name": [f"Commune {c}" for c in communes],
                "population": [rng.randint(200, 20_000) for _ in communes],
            }
        ),
        "services": pd.DataFrame(
            [
                {
                    "service": "svc",
                    "name": "Service",
                    "domain": "ressources",
                    "unit": "actes",
                    "transferable": False,
                }
            ]
        ),
        "baseline": pd.DataFrame(rows),
        "modes": pd.DataFrame(
            [
                {
                    "service": "svc",
                    "mode": "share",
                    "fixed_cost": float(rng.choice([5_000, 15_000, 30_000])),
                    "units_per_fte": 1_000.0,
                    "cost_per_fte": 50_000.0,
                    "fte_step": rng.choice([0.5, 1.0]),
                    "cost_per_unit": 0.0,
                    "overhead_per_member": float(rng.choice([0, 1_000, 3_000])),
                    "transition_cost_per_member": 0.0,
                    "transition_cost_per_fte": 0.0,
                    "min_members": rng.choice([1, 2]),
                    "level": 70.0,
                }
            ]
        ),
    }
    return ms.territory_from_frames(**frames)


def _brute_force(t: Territory, sc: Scenario) -> float | None:
    costs = CostData.from_inputs(t, sc)
    pairs = list(costs.pairs)
    best = None
    for modes in itertools.product(("keep", "share"), repeat=len(pairs)):
        plan = dict(zip(pairs, modes, strict=True))
        report = check_plan(t, sc, plan, costs=costs)
        if report.ok and (best is None or report.evaluation.total_cost < best):
            best = report.evaluation.total_cost
    return best


@pytest.mark.parametrize("key", ["units", "population", "fte"])
@pytest.mark.parametrize("seed", range(6))
def test_optimum_equals_brute_force_on_pools_of_five_or_six(seed, key):
    n = 5 + seed % 2
    t = _territory(seed, n)
    sc = Scenario(no_worse_off=True, billing_keys={"svc": key})
    res = ms.optimise(t, sc)
    best = _brute_force(t, sc)
    if best is None:
        assert res.status == "infeasible"
    else:
        assert res.status == "optimal", res.check_errors
        assert res.total_cost == pytest.approx(best, rel=1e-9, abs=1e-4)


def test_the_rule_binds_in_some_of_these_cases():
    """The cases above are not all ones where nobody is worse off anyway."""
    differs = 0
    for seed in range(6):
        t = _territory(seed, 5 + seed % 2)
        with_rule = _brute_force(t, Scenario(no_worse_off=True))
        without = _brute_force(t, Scenario())
        differs += with_rule != pytest.approx(without)
    assert differs >= 2


def test_rows_grow_with_members_not_their_square():
    """Non-zeros of the rule: about 5 per member, not one per member and member."""

    def nonzeros(n: int) -> int:
        t = ms.datasets.synthetic(n, seed=1).subset(services=["rh_paie"])
        model = build_model(t, Scenario(no_worse_off=True))
        names = set(model.rows.get("no_worse_off", []))
        return sum(len(c) for name, c in model.lp.constraints.items() if name in names)

    small, large = nonzeros(40), nonzeros(160)
    assert small > 0
    # linear: 4x the members gives about 4x the non-zeros (quadratic would give 16x)
    assert large <= 4.5 * small
