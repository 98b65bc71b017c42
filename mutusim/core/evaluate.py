"""Price a plan in its steady state from the decisions alone: costs, budgets, staff, levels.

A *plan* is only the mode of each (service, party) pair. From it,
:func:`evaluate_plan` rebuilds the pooled units (members, workload, staff in
whole steps) and every cost of the plan in the long run — every change in
force, posts at their steady staff, no one-off cost — with the functions of
:mod:`mutusim.core.costs`, which share no code with the MILP builder. The
year-by-year pricing is :mod:`mutusim.core.timeline`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from mutusim.core.costs import (
    CostData,
    PoolParams,
    billing_weight,
    clect_charge,
    fte_moved,
    member_cost,
    pair_level,
    staff_steps,
    steady_staff,
    transition_cost,
)
from mutusim.core.schema import EPCI_PARTY, POOL_MODES

__all__ = ["PAIR_COLUMNS", "POOL_COLUMNS", "Plan", "PlanEvaluation", "evaluate_plan", "status_quo"]

Plan = Mapping[tuple[str, str], str]  # (service, commune) -> mode

#: Columns of :attr:`PlanEvaluation.pairs`.
PAIR_COLUMNS = ["service", "commune", "mode", "cost_after", "fte_after", "level_after"]
#: Columns of :attr:`PlanEvaluation.pools`.
POOL_COLUMNS = [
    "service",
    "mode",
    "host",
    "members",
    "units",
    "fte",
    "posts",
    "partial",
    "fte_in",
    "fixed_cost",
    "staff_cost",
    "member_costs",
    "cost",
    "transition_one_off",
    "level",
]


@dataclass(frozen=True)
class PlanEvaluation:
    """Costs and staff of a plan, recomputed from the decisions alone.

    Two views of money (DOMAIN.md §2): the *economic* cost of running each
    service (``service_costs``, ``total_cost``), and the *budgets*: what each
    commune pays for each pair (``pairs.cost_after``: its own cost, its bill
    for a shared unit, or the cut of its attribution de compensation for a
    transfer) and what is left to the EPCI (``epci_cost``). Both add up:
    ``pairs.cost_after.sum() + epci_cost == total_cost``.

    Attributes
    ----------
    pairs : DataFrame
        One row per pair (:data:`PAIR_COLUMNS`): mode, ``cost_after`` [EUR/year,
        the party's budget: a commune's, or the EPCI's for its own services],
        ``fte_after`` [FTE], ``level_after`` [0-100].
    pools : DataFrame
        One row per opened pooled unit (:data:`POOL_COLUMNS`).
    service_costs : Series
        Economic annual cost per service [EUR/year].
    total_cost : float
        [EUR/year]
    epci_cost : float
        Net annual cost borne by the EPCI's budget [EUR/year].
    transition_one_off : float
        One-off transition costs of the plan [EUR].
    fte_moved : float
        FTE whose arrangement changes [FTE].
    """

    pairs: pd.DataFrame
    pools: pd.DataFrame
    service_costs: pd.Series
    total_cost: float
    epci_cost: float
    transition_one_off: float
    fte_moved: float


def status_quo(costs: CostData) -> dict[tuple[str, str], str]:
    """Today's plan: every pair in its current arrangement.

    Parameters
    ----------
    costs : CostData
        The territory's pairs.

    Returns
    -------
    dict
        (service, commune) -> mode.
    """
    return {pair: p.arrangement for pair, p in costs.pairs.items()}


def evaluate_plan(costs: CostData, plan: Plan) -> PlanEvaluation:
    """Recompute the annual cost [EUR/year], budgets, staff and levels of ``plan``.

    Pooled units are sized to their members' workload in whole ``fte_step``
    steps (fractional when ``indivisible_staffing`` is off); in the long run a
    unit employs ``max(target − Q, 0)`` posts beside the members' partial
    shares ``Q``, which stay on their payroll and are never saved (DOMAIN.md
    §3). A shared unit bills its common cost (fixed + staff, partial shares
    included: the members are reimbursed for them, D5211-16) to members by the
    service's billing key (units of work by default: unit cost × units,
    DOMAIN.md §1.2); member-specific costs (variable cost, overhead) go to the
    member itself. A transferred service is paid by the EPCI, which cuts each
    newly transferring commune's attribution de compensation by the CLECT
    valuation (DOMAIN.md §2.1). One-off transition costs are not annual: they
    are in ``transition_one_off`` and in the roadmap's start years.

    Parameters
    ----------
    costs : CostData
        Territory and pricing options.
    plan : mapping
        (service, commune) -> mode, for pairs of ``costs``.

    Returns
    -------
    PlanEvaluation
    """
    members: dict[tuple[str, str], list[str]] = {}
    for (s, c), m in plan.items():
        if m in POOL_MODES:
            members.setdefault((s, m), []).append(c)

    pool_rows = []
    common_cost: dict[tuple[str, str], float] = {}
    unit_fte: dict[tuple[str, str], tuple[float, float]] = {}
    service_costs: dict[str, float] = dict.fromkeys(costs.services, 0.0)
    for (s, p), cs in sorted(members.items()):
        pool = costs.pools[(s, p)]
        pairs = [costs.pairs[(s, c)] for c in cs]
        own = [member_cost(pair, pool) for pair in pairs]
        units = sum(pair.units for pair in pairs)
        target = staff_steps(units, pool.units_per_step, costs.integral) * pool.fte_step
        partial = sum(pair.partial for pair in pairs)
        posts = steady_staff(target, partial)
        common = pool.fixed_cost + pool.cost_per_fte * (posts + partial)
        total = common + sum(own)
        pool_rows.append(
            {
                "service": s,
                "mode": p,
                "host": pool.host,
                "members": len(cs),
                "units": units,
                "fte": posts + partial,
                "posts": posts,
                "partial": partial,
                "fte_in": sum(pair.fte for pair in pairs if pair.arrangement != p),
                "fixed_cost": pool.fixed_cost,
                "staff_cost": common - pool.fixed_cost,
                "member_costs": sum(own),
                "cost": total,
                "transition_one_off": sum(transition_cost(pair, pool, p) for pair in pairs),
                "level": pool.level,
            }
        )
        common_cost[(s, p)] = common
        unit_fte[(s, p)] = (posts + partial, units)
        service_costs[s] += total

    weights_total = {
        (s, p): sum(
            billing_weight(
                costs.billing_keys.get(s, "units"), costs.pairs[(s, c)], costs.population[c]
            )
            for c in cs
        )
        for (s, p), cs in members.items()
        if p == "share"
    }

    rows = []
    transition = moved = 0.0
    for (s, c), m in plan.items():
        pair = costs.pairs[(s, c)]
        unit: PoolParams | None = costs.pools.get((s, m)) if m != "keep" else None
        if m == "keep":
            cost, fte = pair.cost, pair.fte
            service_costs[s] += pair.cost
        else:
            assert unit is not None  # a pooled mode the data offer (checked by the caller)
            n = len(members[(s, m)])
            pfte, units = unit_fte[(s, m)]
            fte = pfte * (pair.units / units if units > 0 else 1.0 / n)
            transition += transition_cost(pair, unit, m)
            if m == "share":
                w_total = weights_total[(s, m)]
                key = costs.billing_keys.get(s, "units")
                # With no billing weight at all nothing is billed: the EPCI bears the common cost.
                w = (
                    billing_weight(key, pair, costs.population[c]) / w_total
                    if w_total > 0
                    else 0.0
                )
                cost = common_cost[(s, m)] * w + member_cost(pair, unit)
            else:  # transfer: the commune's attribution de compensation is cut
                new = pair.arrangement != "transfer" and c != EPCI_PARTY
                cost = clect_charge(pair) if new else 0.0
        moved += fte_moved(pair, m)
        rows.append(
            {
                "service": s,
                "commune": c,
                "mode": m,
                "cost_after": cost,
                "fte_after": fte,
                "level_after": pair_level(pair, unit, m),
            }
        )
    pairs = pd.DataFrame(rows, columns=PAIR_COLUMNS)
    pools = pd.DataFrame(pool_rows, columns=POOL_COLUMNS)
    total = float(sum(service_costs.values()))
    epci = total - (float(pairs["cost_after"].sum()) if len(pairs) else 0.0)
    return PlanEvaluation(
        pairs=pairs,
        pools=pools,
        service_costs=pd.Series(service_costs, name="cost", dtype=float),
        total_cost=total,
        epci_cost=epci,
        transition_one_off=transition,
        fte_moved=moved,
    )
