"""Independent checker: recompute every cost and re-verify every rule from a plan.

Nothing here reads the solver's variables: a *plan* is only the mode chosen
for each (service, commune) pair. From it, :func:`evaluate_plan` rebuilds the
pooled units (members, workload, staff rounded up to whole steps) and every
cost, and :func:`check_plan` re-verifies each rule of the scenario with its
own code, independent of :mod:`mutusim.rules` (PRODUCT.md Q1).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from mutusim.problem import ModelData, base_modes
from mutusim.schema import MODES, POOL_MODES

Plan = dict[tuple[str, str], str]  # (service, commune) -> mode

#: Absolute tolerance on money [EUR/year] when comparing costs.
COST_TOL = 1e-4


@dataclass
class PlanEvaluation:
    """Costs and staff of a plan, recomputed from the decisions alone.

    Two views of money (DOMAIN.md §2): the *economic* cost of running each
    service (``service_costs``, ``total_cost``), and the *budgets*: what each
    commune pays for each pair (``pairs.cost_after``: its own cost, its bill
    for a shared unit, or the cut of its attribution de compensation for a
    transfer) and what is left to the EPCI (``epci_cost``). Both add up:
    ``pairs.cost_after.sum() + epci_cost == total_cost``.
    """

    #: one row per pair: mode, cost_after [EUR/year, commune budget], fte_after [FTE], level_after
    pairs: pd.DataFrame
    #: one row per opened pooled unit
    pools: pd.DataFrame
    #: economic annual cost per service [EUR/year]
    service_costs: pd.Series
    total_cost: float
    #: net annual cost borne by the EPCI's budget [EUR/year]
    epci_cost: float
    transition_one_off: float
    fte_moved: float


def evaluate_plan(data: ModelData, plan: Plan) -> PlanEvaluation:
    """Recompute the annual cost [EUR/year], budgets, staff and levels of ``plan``.

    Pooled units are sized to their members' workload in whole ``fte_step``
    steps (fractional when the scenario switched ``indivisible_staffing``
    off). A shared unit bills its fixed and staff costs to members by the
    service's billing key (units of work by default: unit cost x units,
    D5211-16, DOMAIN.md §1.2); member-specific costs (variable cost, overhead,
    annualised transition) go to the member itself. A transferred service is
    paid by the EPCI, which cuts each newly transferring commune's
    attribution de compensation by the CLECT valuation (DOMAIN.md §2.1).
    """
    integral = data.scenario.rule_on("indivisible_staffing")
    members: dict[tuple[str, str], list[str]] = {}
    for (s, c), m in plan.items():
        if m in POOL_MODES:
            members.setdefault((s, m), []).append(c)

    pool_rows = []
    common_cost: dict[tuple[str, str], float] = {}
    pool_fte: dict[tuple[str, str], tuple[float, float]] = {}
    service_costs: dict[str, float] = dict.fromkeys(data.services, 0.0)
    for (s, p), cs in sorted(members.items()):
        pp = data.pools[(s, p)]
        units = sum(data.pairs[(s, c)].units for c in cs)
        steps = data.staff_steps(s, p, units, integral=integral)
        fte = steps * pp.fte_step
        staff_cost = fte * pp.cost_per_fte
        member_costs = sum(data.member_cost(s, c, p) for c in cs)
        cost = pp.fixed_cost + staff_cost + member_costs
        fte_in = sum(data.pairs[(s, c)].fte for c in cs if data.pairs[(s, c)].arrangement != p)
        one_off = sum(data.transition_cost(s, c, p) for c in cs)
        pool_rows.append(
            {
                "service": s,
                "mode": p,
                "members": len(cs),
                "units": units,
                "fte": fte,
                "fte_in": fte_in,
                "fixed_cost": pp.fixed_cost,
                "staff_cost": staff_cost,
                "member_costs": member_costs,
                "cost": cost,
                "transition_one_off": one_off,
                "level": pp.level,
            }
        )
        common_cost[(s, p)] = pp.fixed_cost + staff_cost
        pool_fte[(s, p)] = (fte, units)
        service_costs[s] += cost

    weights_total: dict[tuple[str, str], float] = {}
    for (s, p), cs in members.items():
        if p == "share":
            weights_total[(s, p)] = sum(data.billing_weight(s, c) for c in cs)

    rows = []
    transition = moved = epci = 0.0
    for (s, c), m in plan.items():
        pair = data.pairs[(s, c)]
        if m == "keep":
            cost, fte = pair.cost, pair.fte
            service_costs[s] += pair.cost
        else:
            n = len(members[(s, m)])
            pfte, units = pool_fte[(s, m)]
            fte = pfte * (pair.units / units if units > 0 else 1.0 / n)
            transition += data.transition_cost(s, c, m)
            if m == "share":
                w_total = weights_total[(s, m)]
                # Unit cost x units (D5211-16): with no units at all nothing is billed and
                # the unit's common cost stays with the EPCI.
                w = data.billing_weight(s, c) / w_total if w_total > 0 else 0.0
                cost = common_cost[(s, m)] * w + data.member_cost(s, c, m)
            else:  # transfer: the commune's attribution de compensation is cut
                cost = 0.0 if pair.arrangement == "transfer" else data.clect_charge(s, c)
        moved += data.fte_moved(s, c, m)
        rows.append(
            {
                "service": s,
                "commune": c,
                "mode": m,
                "cost_after": cost,
                "fte_after": fte,
                "level_after": data.level(s, c, m),
            }
        )
    pairs = pd.DataFrame(
        rows, columns=["service", "commune", "mode", "cost_after", "fte_after", "level_after"]
    )
    pools = pd.DataFrame(
        pool_rows,
        columns=[
            "service",
            "mode",
            "members",
            "units",
            "fte",
            "fte_in",
            "fixed_cost",
            "staff_cost",
            "member_costs",
            "cost",
            "transition_one_off",
            "level",
        ],
    )
    total = float(sum(service_costs.values()))
    epci = total - (float(pairs["cost_after"].sum()) if len(pairs) else 0.0)
    return PlanEvaluation(
        pairs, pools, pd.Series(service_costs, name="cost"), total, epci, transition, moved
    )


def status_quo(data: ModelData) -> Plan:
    """Today's plan: every pair in its current arrangement."""
    return {pair: pd_.arrangement for pair, pd_ in data.pairs.items()}


@dataclass
class CheckReport:
    """Outcome of :func:`check_plan`: an empty ``errors`` list means the plan passed."""

    errors: list[str] = field(default_factory=list)
    evaluation: PlanEvaluation | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


def check_plan(
    data: ModelData, plan: Plan, solver_objective: float | None = None, proven: bool = False
) -> CheckReport:
    """Re-verify every rule of the scenario on ``plan`` and recompute its cost.

    Parameters
    ----------
    data : ModelData
        Territory and scenario.
    plan : dict
        Mode of each (service, commune) pair.
    solver_objective : float, optional
        Objective the solver reported [EUR/year]. The recomputed cost must
        equal it when ``proven`` (an optimal solve), and may not exceed it
        otherwise (a stopped solve may carry spare staff the checker drops).
    """
    sc = data.scenario
    t = data.territory
    errs: list[str] = []

    # one mode per pair, over exactly the pairs of the territory
    missing = [p for p in data.pairs if p not in plan]
    extra = [p for p in plan if p not in data.pairs]
    if missing:
        errs.append(f"one_mode: {len(missing)} pair(s) have no decision, e.g. {missing[:3]}")
    if extra:
        errs.append(f"one_mode: decisions for unknown pairs {extra[:3]}")
    # read from the services table itself, not from the model's data
    mandatory = {x for x, natures in t.services["mandatory_for"].items() if t.nature in natures}
    pops = t.communes["population"].to_dict()
    for (s, c), m in plan.items():
        if m not in MODES:
            errs.append(f"one_mode: ({s}, {c}) has invalid mode '{m}'")
            continue
        if (s, c) not in data.pairs:
            continue
        if m not in base_modes(data, s):
            errs.append(f"data: ({s}, {c}) takes '{m}', which the data do not offer for {s}")
            continue
        if m not in sc.allowed_modes:
            errs.append(f"allowed_modes: ({s}, {c}) takes '{m}'")
        if sc.rule_on("mandatory_competences") and s in mandatory and m != "transfer":
            errs.append(
                f"mandatory_competences: {s} is mandatory for a {t.nature} but {c} has '{m}'"
            )
        arr = data.pairs[(s, c)].arrangement
        if arr == "transfer" and m != "transfer":
            errs.append(f"already_transferred: ({s}, {c}) was transferred but has '{m}'")
        if sc.rule_on("perimeter") and m != arr:
            pop = int(pops[c])
            outside = (
                (sc.perimeter_services is not None and s not in sc.perimeter_services)
                or (sc.perimeter_communes is not None and c not in sc.perimeter_communes)
                or (sc.perimeter_max_population is not None and pop > sc.perimeter_max_population)
            )
            if outside:
                errs.append(f"perimeter: ({s}, {c}) is outside the perimeter but changes to '{m}'")
        if sc.rule_on("forced_decisions"):
            for d in sc.force:
                if d.service in ("*", s) and d.commune in ("*", c) and d.mode != m:
                    errs.append(f"forced_decisions: ({s}, {c}) must be '{d.mode}', is '{m}'")
            for d in sc.forbid:
                if d.service in ("*", s) and d.commune in ("*", c) and d.mode == m:
                    errs.append(f"forced_decisions: ({s}, {c}) may not be '{m}'")
        if sc.rule_on("service_levels"):
            need = float(sc.min_level_by_service.get(s, sc.min_level))
            lvl = data.pairs[(s, c)].level if m == "keep" else data.pools[(s, m)].level
            if lvl < need - 1e-9:
                errs.append(f"service_levels: ({s}, {c}) level {lvl:g} < minimum {need:g}")
    if errs:
        return CheckReport(errs)
    errs += _check_majorities(data, plan)

    ev = evaluate_plan(data, plan)
    if sc.rule_on("no_worse_off"):
        # every pair, whatever its arrangement: what the commune pays may not exceed its cost today
        for row in ev.pairs.itertuples():
            own = data.pairs[(row.service, row.commune)].cost
            if row.cost_after > own + COST_TOL:
                errs.append(
                    f"no_worse_off: {row.commune} pays {row.cost_after:,.2f} for {row.service} "
                    f"against {own:,.2f} alone"
                )
    for row in ev.pools.itertuples():
        k = data.pools[(row.service, row.mode)].min_members
        if sc.rule_on("min_members") and row.members < k:
            errs.append(
                f"min_members: pooled {row.mode} of {row.service} has {row.members} member(s) < {k}"
            )
        if (
            row.mode == "transfer"
            and sc.rule_on("transfer_all_or_nothing")
            and row.members != len(data.communes)
        ):
            errs.append(
                f"transfer_all_or_nothing: {row.service} transferred by {row.members} of "
                f"{len(data.communes)} communes"
            )
    if (
        sc.max_total_cost is not None
        and sc.rule_on("cost_cap")
        and ev.total_cost > sc.max_total_cost + COST_TOL
    ):
        errs.append(
            f"cost_cap: plan costs {ev.total_cost:,.2f} > cap {sc.max_total_cost:,.2f} EUR/year"
        )
    if (
        sc.max_fte_moved is not None
        and sc.rule_on("fte_moved_cap")
        and ev.fte_moved > sc.max_fte_moved + 1e-9
    ):
        errs.append(f"fte_moved_cap: {ev.fte_moved:g} FTE moved > cap {sc.max_fte_moved:g}")
    if solver_objective is not None:
        tol = COST_TOL + 1e-7 * max(1.0, abs(ev.total_cost))
        diff = ev.total_cost - solver_objective
        if diff > tol or (proven and abs(diff) > tol):
            errs.append(
                f"objective: solver reported {solver_objective:,.2f} EUR/year, recomputed "
                f"cost of its plan is {ev.total_cost:,.2f}"
            )
    return CheckReport(errs, ev)


def _check_majorities(data: ModelData, plan: Plan) -> list[str]:
    """Re-count the councils' votes for every new transfer (L5211-5 II), independently of the model."""
    sc = data.scenario
    if not sc.rule_on("qualified_majority"):
        return []
    errs = []
    pop = data.population
    new_transfers = sorted(
        {
            s
            for (s, c), m in plan.items()
            if m == "transfer" and data.pairs[(s, c)].arrangement != "transfer"
        }
    )
    for s in new_transfers:
        yes = []
        for c in data.communes:
            stance = sc.stance(s, c)
            if stance is not None:
                ok = stance in ("for", "undecided")
            else:
                pair = data.pairs[(s, c)]
                ok = pair.equipment_charge <= sc.vote_tolerance + 1e-9
            if ok:
                yes.append(c)
            elif not sc.rule_on("transfer_all_or_nothing") and plan.get((s, c)) == "transfer":
                errs.append(
                    f"qualified_majority: {c} transfers {s} à la carte although its council votes against"
                )
        total = sum(pop.values())
        p_yes = sum(pop[c] for c in yes)
        n, k = len(data.communes), len(yes)
        two_thirds = k >= 2 * n / 3 and p_yes > total / 2
        half = k >= n / 2 and p_yes > 2 * total / 3
        # every commune tied for the largest population must agree when it holds > 1/4
        top = max(pop[c] for c in data.communes)
        vetoed = top > total / 4 and any(pop[c] == top and c not in yes for c in data.communes)
        if not (two_thirds or half) or vetoed:
            errs.append(
                f"qualified_majority: {s} transferred with {k}/{n} councils and {p_yes:,} of {total:,} inhabitants for"
            )
    return errs
