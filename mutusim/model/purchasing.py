"""Choose the groupements de commandes of a territory: one small MILP per purchasing category.

Groupements are separable from the services' plan (no staff moves, no
competence, no shared limit): their optimum adds to the plan's, and each
category is solved on its own (DOMAIN.md §1.5, :mod:`mutusim.core.purchasing`).

For a category with members ``i`` (groupable spend ``s_i``, own price cut
``a_i``) and price tiers ``t`` (volume ``V_t``, cut ``ρ_t > 0``):

.. code-block:: text

    max  Σ_t Σ_i (ρ_t − a_i) s_i w_it − C Σ_t y_t − c Σ_i x_i
    s.t. Σ_t y_t ≤ 1                      one groupement, at one tier
         x_i ≤ Σ_t y_t                    members only if it exists
         Σ_i x_i ≥ 2 Σ_t y_t              at least two buyers (L2113-6)
         Σ_i s_i x_i ≥ Σ_t V_t y_t        the tier's volume is reached
         w_it = x_i · y_t                 (w ≤ x, w ≤ y, w ≥ x + y − 1)

with ``x_i, y_t`` binary. The tier chosen is the highest the volume reaches
(cuts grow with volume, so a higher valid tier is always better).
"""

from __future__ import annotations

import math

import pandas as pd

from mutusim.core.costs import discount_factor
from mutusim.core.purchasing import (
    GROUPEMENT_COLUMNS,
    MEMBER_COLUMNS,
    GroupementPlan,
    PurchasingParams,
    member_saving,
    price_cut,
)
from mutusim.core.scenario import Scenario
from mutusim.core.status import SolveInfo, Status
from mutusim.core.territory import Territory
from mutusim.errors import SolverError
from mutusim.model.highs import Rows, run_highs

__all__ = ["optimise_groupements"]


def _solve_category(
    spends: dict[str, float], params: PurchasingParams, scenario: Scenario
) -> tuple[list[str], Status, SolveInfo]:
    """The members of the best groupement of one category (empty: none pays)."""
    members = [c for c, s in spends.items() if s > 0]
    tiers = [(v, r) for v, r in params.tiers if r > 0]
    n, k = len(members), len(tiers)
    if n < 2 or k == 0:
        return (
            [],
            Status.OPTIMAL,
            SolveInfo("highs", Status.OPTIMAL, "trivial", 0.0, 0.0, 0.0, 0.0),
        )
    # columns: x_i (n), y_t (k), w_it (n*k)
    x = list(range(n))
    y = [n + t for t in range(k)]

    def w(i: int, t: int) -> int:
        return n + k + i * k + t

    ncols = n + k + n * k
    cost = [0.0] * ncols  # maximised
    alone = [price_cut(spends[c], params.tiers) for c in members]
    for i, c in enumerate(members):
        cost[x[i]] = -params.member_cost
        for t, (_v, r) in enumerate(tiers):
            cost[w(i, t)] = (r - alone[i]) * spends[c]
    for t in range(k):
        cost[y[t]] = -params.coordinator_cost
    starts, index, value, lower, upper = [0], [], [], [], []

    def row(terms: list[tuple[int, float]], lo: float, up: float) -> None:
        for j, a in terms:
            index.append(j)
            value.append(a)
        starts.append(len(index))
        lower.append(lo)
        upper.append(up)

    row([(y[t], 1.0) for t in range(k)], -math.inf, 1.0)
    for i in range(n):
        row([(x[i], 1.0)] + [(y[t], -1.0) for t in range(k)], -math.inf, 0.0)
    row([(x[i], 1.0) for i in range(n)] + [(y[t], -2.0) for t in range(k)], 0.0, math.inf)
    row(
        [(x[i], spends[members[i]]) for i in range(n)] + [(y[t], -tiers[t][0]) for t in range(k)],
        0.0,
        math.inf,
    )
    for i in range(n):
        for t in range(k):
            row([(w(i, t), 1.0), (x[i], -1.0)], -math.inf, 0.0)
            row([(w(i, t), 1.0), (y[t], -1.0)], -math.inf, 0.0)
            row([(w(i, t), 1.0), (x[i], -1.0), (y[t], -1.0)], -1.0, math.inf)
    run = run_highs(
        cost,
        [0.0] * ncols,
        [1.0] * ncols,
        [True] * (n + k) + [False] * (n * k),
        Rows(starts, index, value, lower, upper),
        maximize=True,
        time_limit=scenario.time_limit,
        mip_rel_gap=scenario.mip_gap,
    )
    info = SolveInfo(
        "highs", run.status, run.text, run.objective, run.bound, run.gap, run.seconds, run.nodes
    )
    if run.x is None:
        return [], run.status, info
    chosen = [c for i, c in enumerate(members) if run.x[x[i]] > 0.5]
    return chosen, run.status, info


def optimise_groupements(
    territory: Territory,
    scenario: Scenario | None = None,
    purchases: pd.DataFrame | None = None,
    params: PurchasingParams | None = None,
) -> GroupementPlan:
    """The best groupements de commandes of a territory, category by category.

    Parameters
    ----------
    territory : Territory
    scenario : Scenario, optional
        Horizon and discount rate of the NPV, solver time limit and gap
        (HiGHS; groupements are small MILPs).
    purchases : DataFrame, optional
        Columns ``commune``, ``category``, ``spend`` [EUR/year]
        (:func:`mutusim.inputs.purchasing.read_purchases`); default: the
        illustrative calibration (:func:`mutusim.inputs.purchasing.default_purchases`).
    params : PurchasingParams, optional
        Price tiers and costs; default the calibration's.

    Returns
    -------
    GroupementPlan
        Savings are priced again from the chosen members by
        :func:`mutusim.core.purchasing.member_saving`, not read from the
        solver's objective. The groupements start with the horizon's first
        effective year.

    Examples
    --------
    >>> import mutusim as ms
    >>> g = optimise_groupements(ms.examples.tiny())  # 7,300 inhabitants: too small to pay
    >>> g.status, len(g.groupements), g.net
    ('optimal', 0, 0.0)
    """
    from mutusim.inputs.purchasing import (
        default_purchases,
        purchasing_categories,
        purchasing_params,
    )

    sc = scenario or Scenario()
    if sc.solver != "highs":
        raise SolverError("groupements are solved with HiGHS only; set solver: highs")
    params = params or purchasing_params()
    purchases = default_purchases(territory) if purchases is None else purchases
    names = purchasing_categories()["name"].to_dict()
    commune_names = territory.communes["name"].to_dict()
    g_rows, m_rows = [], []
    worst = Status.OPTIMAL
    infos: list[SolveInfo] = []
    for category, block in purchases.groupby("category", sort=True):
        spends = {str(c): float(s) for c, s in zip(block["commune"], block["spend"], strict=True)}
        chosen, status, info = _solve_category(spends, params, sc)
        infos.append(info)
        if status != Status.OPTIMAL:
            worst = status
        if len(chosen) < 2:
            continue
        volume = sum(spends[c] for c in chosen)
        cut = price_cut(volume, params.tiers)
        savings = 0.0
        for c in chosen:
            saving = member_saving(spends[c], volume, params.tiers)
            savings += saving
            m_rows.append(
                {
                    "category": str(category),
                    "commune": c,
                    "name": str(commune_names.get(c, c)),
                    "spend": spends[c],
                    "price_cut_alone": price_cut(spends[c], params.tiers),
                    "price_cut_group": cut,
                    "saving": saving,
                }
            )
        member_costs = params.member_cost * len(chosen)
        g_rows.append(
            {
                "category": str(category),
                "name": str(names.get(category, category)),
                "members": len(chosen),
                "volume": volume,
                "price_cut": cut,
                "savings": savings,
                "coordinator_cost": params.coordinator_cost,
                "member_costs": member_costs,
                "net": savings - params.coordinator_cost - member_costs,
            }
        )
    groupements = pd.DataFrame(g_rows, columns=GROUPEMENT_COLUMNS)
    members = pd.DataFrame(m_rows, columns=MEMBER_COLUMNS)
    has_plan = worst in (Status.OPTIMAL, Status.FEASIBLE)
    net = float(groupements["net"].sum()) if has_plan else None
    weight = sum(discount_factor(u, sc.start_year, sc.discount_rate) for u in sc.start_years)
    info = SolveInfo(
        "highs",
        worst,
        "; ".join(sorted({i.solver_status for i in infos})) or "no category",
        sum(i.objective or 0.0 for i in infos),
        None,
        None,
        sum(i.seconds for i in infos),
    )
    return GroupementPlan(
        status=worst,
        groupements=groupements,
        members=members,
        net=net,
        npv=net * weight if net is not None else None,
        spend=float(purchases["spend"].sum()),
        solve=info,
    )
