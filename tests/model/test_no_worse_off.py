"""The aggregated no-worse-off rows against the member-by-member rows and brute force.

``rules.no_worse_off`` writes, for each member of a shared unit and start year,
``w_c * common - room_c * W <= M_c (1 - x_c)`` with one variable
``W = sum_k w_k x_k`` (and one ``P = sum_k partial_k x_k`` for the partial
shares in ``common``) per unit and start year, instead of repeating the sums in
every member's row. The optimum must be the one of the dense rows (written
here again, member by member, as docs/model.md states the rule) and the one
brute force finds among the plans and start years the independent checker
accepts, on pools larger than the 3-commune territories of
tests/model/test_model.py.
"""

from __future__ import annotations

import itertools
import random
from unittest import mock

import pandas as pd
import pulp
import pytest

import mutusim as ms
from conftest import make_territory
from mutusim.core.costs import CostData
from mutusim.core.scenario import Scenario
from mutusim.core.territory import Territory
from mutusim.model import rules
from mutusim.model.build import build_model
from mutusim.model.check import check_plan
from mutusim.model.milp import MilpModel

CODES = [f"4900{i}" for i in range(1, 7)]


def _territory(seed: int, n: int) -> Territory:
    """One shared service, ``n`` communes of random sizes and costs (whole units of work)."""
    rng = random.Random(seed)
    communes = CODES[:n]
    units = [rng.randint(0, 900) for _ in communes]
    rows = []
    for c, u in zip(communes, units, strict=True):
        fte = u / 300.0  # whole posts and a partial share
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
                    "units_per_fte": 300.0,
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


#: Every departure at 50 %/year, no discounting, changes from 2027 to 2029: pools pay back.
FAST = Scenario(end_year=2030, discount_rate=0.0, departures="all", all_departure_rate=0.5)


def _brute_force(t: Territory, sc: Scenario) -> float | None:
    """Best NPV over every plan of the one service and every start year, by the checker."""
    costs = CostData.from_inputs(t, sc)
    pairs = list(costs.pairs)
    best = None
    for modes in itertools.product(("keep", "share"), repeat=len(pairs)):
        plan = dict(zip(pairs, modes, strict=True))
        changed = any(m != costs.pairs[p].arrangement for p, m in plan.items())
        for year in sc.start_years if changed else [None]:
            report = check_plan(t, sc, plan, {"svc": year} if year else {}, costs=costs)
            ok = report.ok and report.schedule is not None
            if ok and (best is None or report.schedule.npv > best):
                best = report.schedule.npv
    return best


def dense_no_worse_off(model: MilpModel) -> None:
    """The rule member by member, every sum written out in every row (docs/model.md)."""
    if not model.scenario.rule_on("no_worse_off"):
        return
    data = model.data
    for (s, p, t), y in model.y.items():
        if p != "share":
            continue
        pool = data.pool(s, p)
        need = model.need[(s, p, t)]
        members = model.members(s, p, t)
        w = {c: data.bill_weight(s, c) for c, _v in members}
        part = {c: data.partial_fte(s, c) for c, _v in members}
        common_max = pool.fixed_cost + pool.cost_per_fte * (
            (need.upBound or 0) + sum(part.values())
        )
        for c, xc in members:
            room = data.pair(s, c).cost - data.member_cost(s, c, p)
            terms = [(y, pool.fixed_cost * w[c]), (need, pool.cost_per_fte * w[c])]
            terms += [(v, pool.cost_per_fte * part[k] * w[c]) for k, v in members]
            terms += [(v, -room * w[k]) for k, v in members]
            big_m = common_max * w[c] + max(0.0, -room) * sum(w.values())
            terms.append((xc, big_m))
            model.add_row(
                "no_worse_off", f"dense__{s}__{c}__{t}", terms, pulp.LpConstraintLE, big_m
            )


def _dense(t: Territory, sc: Scenario) -> ms.Result:
    with mock.patch.dict(rules.CONSTRAINTS, {"no_worse_off": dense_no_worse_off}):
        return ms.optimise(t, sc, explain=False)


def _same_optimum(t: Territory, sc: Scenario) -> tuple[ms.Result, ms.Result]:
    sparse, dense = ms.optimise(t, sc, explain=False), _dense(t, sc)
    assert sparse.status == dense.status
    if sparse.has_plan:
        assert sparse.npv == pytest.approx(dense.npv, rel=1e-9, abs=1e-4)
    return sparse, dense


@pytest.mark.parametrize("key", ["units", "population", "fte"])
@pytest.mark.parametrize("seed", range(6))
def test_optimum_equals_dense_rows_and_brute_force_on_pools_of_five_or_six(seed, key):
    n = 5 + seed % 2
    t = _territory(seed, n)
    sc = FAST.replace(no_worse_off=True, billing_keys={"svc": key})
    res, _dense_res = _same_optimum(t, sc)
    best = _brute_force(t, sc)
    if best is None:
        assert res.status == "infeasible"
    else:
        assert res.status == "optimal", res.check_errors
        assert res.npv == pytest.approx(best, rel=1e-9, abs=1e-4)


@pytest.mark.parametrize("seed", range(16))
def test_sparse_and_dense_rows_agree_on_random_territories(seed):
    """3 communes x 2 services with today's pools, equipment charges, EPCI rows, caps."""
    rng = random.Random(seed)
    t = make_territory(
        seed, n_communes=3, n_services=2, arrangement=True, equipment=True, epci=seed % 2 == 0
    )
    sc = Scenario(
        no_worse_off=True,
        departures="all",
        all_departure_rate=rng.choice([0.3, 0.6]),
        discount_rate=rng.choice([0.0, 0.045]),
        end_year=rng.choice([2029, 2032]),
        billing_keys={s: rng.choice(["units", "population", "fte"]) for s in t.service_codes},
        max_changes_per_year=rng.choice([None, 1]),
    )
    _same_optimum(t, sc)


def test_the_rule_binds_in_some_of_these_cases():
    """The cases above are not all ones where nobody is worse off anyway."""
    differs = 0
    for seed in range(6):
        t = _territory(seed, 5 + seed % 2)
        with_rule = _brute_force(t, FAST.replace(no_worse_off=True))
        without = _brute_force(t, FAST)
        assert without is not None
        assert without > 0
        differs += with_rule != pytest.approx(without)
    assert differs >= 2


def test_rows_grow_with_members_not_their_square():
    """Non-zeros of the rule: about 5 per member and start year, not one per member and member."""

    def nonzeros(n: int) -> tuple[int, int]:
        t = ms.datasets.synthetic(n, seed=1).subset(services=["rh_paie"])
        model = build_model(t, Scenario(no_worse_off=True))
        names = set(model.rows.get("no_worse_off", []))
        members = sum(1 for (s, _c, m, _t) in model.x if m == "share")
        nnz = sum(len(c) for name, c in model.lp.constraints.items() if name in names)
        return nnz, members

    (small, m_small), (large, m_large) = nonzeros(40), nonzeros(160)
    assert small > 0
    # per member: at most 5 in its row and 2 in the sums (plus W and P once per unit)
    assert small <= 8 * m_small
    assert large <= 8 * m_large
    # linear: 4x the members gives about 4x the non-zeros (quadratic would give 16x)
    assert large <= 4.5 * small
