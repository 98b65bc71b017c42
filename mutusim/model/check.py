"""Independent checker: recompute every cost and re-verify every rule from a plan.

Nothing here reads the solver's variables nor the builder's coefficients: a
*plan* is only the mode chosen for each (service, commune) pair. Costs come
from :func:`mutusim.core.evaluate.evaluate_plan` (the formulas of
:mod:`mutusim.core.costs`), and :func:`check_plan` re-verifies each rule of
the scenario with its own code, independent of :mod:`mutusim.model.rules`
(PRODUCT.md Q1).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from mutusim.core.costs import CostData
from mutusim.core.evaluate import Plan, PlanEvaluation, evaluate_plan
from mutusim.core.scenario import Scenario
from mutusim.core.schema import EPCI_PARTY, MODES
from mutusim.core.status import Status
from mutusim.core.territory import Territory
from mutusim.core.timeline import Schedule, price_schedule

__all__ = ["COST_TOL", "CheckReport", "check_plan"]

#: Absolute tolerance on money [EUR/year] when comparing costs.
COST_TOL = 1e-4
#: Tolerance on a service level [points of 0-100].
LEVEL_TOL = 1e-6


@dataclass
class CheckReport:
    """Outcome of :func:`check_plan`: an empty ``errors`` list means the plan passed.

    Attributes
    ----------
    errors : list of str
        One line per rule broken or cost mismatch (English, for developers).
    evaluation : PlanEvaluation or None
        The plan's recomputed long-run costs (None when a basic check failed first).
    schedule : Schedule or None
        The plan priced year by year (None when a basic check failed first).
    """

    errors: list[str] = field(default_factory=list)
    evaluation: PlanEvaluation | None = None
    schedule: Schedule | None = None

    @property
    def ok(self) -> bool:
        """True when the plan passed every check."""
        return not self.errors


def check_plan(
    territory: Territory,
    scenario: Scenario,
    plan: Plan,
    starts: Mapping[str, int] | None = None,
    solver_objective: float | None = None,
    proven: bool = False,
    costs: CostData | None = None,
    status: Status = Status.GIVEN,
) -> CheckReport:
    """Re-verify every rule of the scenario on ``plan`` and its start years, and recompute its cost.

    Parameters
    ----------
    territory : Territory
        The input.
    scenario : Scenario
        Options and rules.
    plan : mapping
        Final mode of each (service, party) pair.
    starts : mapping, optional
        Service -> the year its changes take effect; every service whose plan
        differs from today needs one, in ``scenario.start_years``. Default: the
        first possible year for every changed service.
    solver_objective : float, optional
        Objective the solver reported: minus the NPV [EUR]. The recomputed NPV
        must match it when ``proven`` (an optimal solve), and may not be worse
        otherwise (a stopped solve may carry spare staff the checker drops).
    proven : bool
        The solver proved the plan optimal.
    costs : CostData, optional
        ``CostData.from_inputs(territory, scenario)``, if already built.
    status : Status
        What chose the start years, recorded in the schedule.

    Returns
    -------
    CheckReport
    """
    sc = scenario
    t = territory
    costs = costs or CostData.from_inputs(territory, scenario)
    errs: list[str] = []

    # one mode per pair, over exactly the pairs of the territory
    missing = [p for p in costs.pairs if p not in plan]
    extra = [p for p in plan if p not in costs.pairs]
    if missing:
        errs.append(f"one_mode: {len(missing)} pair(s) have no decision, e.g. {missing[:3]}")
    if extra:
        errs.append(f"one_mode: decisions for unknown pairs {extra[:3]}")
    # read from the services table itself, not from the model's data
    mandatory = {x for x, natures in t.services["mandatory_for"].items() if t.nature in natures}
    transferable = {x for x, v in t.services["transferable"].items() if bool(v)}
    offered = {(str(s), str(m)) for s, m in t.modes.index}
    pops = t.communes["population"].to_dict()
    base = t.baseline[["arrangement", "level", "cost"]].to_dict("index")
    mode_level = t.modes["level"].to_dict()
    for (s, c), m in plan.items():
        if m not in MODES:
            errs.append(f"one_mode: ({s}, {c}) has invalid mode '{m}'")
            continue
        if (s, c) not in costs.pairs:
            continue
        if m != "keep" and ((s, m) not in offered or (m == "transfer" and s not in transferable)):
            errs.append(f"data: ({s}, {c}) takes '{m}', which the data do not offer for {s}")
            continue
        if m not in sc.allowed_modes:
            errs.append(f"allowed_modes: ({s}, {c}) takes '{m}'")
        if sc.rule_on("mandatory_competences") and s in mandatory and m != "transfer":
            errs.append(
                f"mandatory_competences: {s} is mandatory for a {t.nature} but {c} has '{m}'"
            )
        arr = base[(s, c)]["arrangement"]
        if arr == "transfer" and m != "transfer":
            errs.append(f"already_transferred: ({s}, {c}) was transferred but has '{m}'")
        if sc.rule_on("perimeter") and m != arr:
            # the EPCI has no population of its own; its service follows the communes of a
            # perimeter, unless the perimeter holds none
            pop = int(pops.get(c, 0))
            commune_out = sc.perimeter_communes is not None and (
                not sc.perimeter_communes if c == EPCI_PARTY else c not in sc.perimeter_communes
            )
            outside = (
                (sc.perimeter_services is not None and s not in sc.perimeter_services)
                or commune_out
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
            lvl = float(base[(s, c)]["level"] if m == "keep" else mode_level[(s, m)])
            if lvl < need - 1e-9:
                errs.append(f"service_levels: ({s}, {c}) level {lvl:g} < minimum {need:g}")
    if errs:
        return CheckReport(errs)
    errs += _check_majorities(t, sc, plan)
    changed = sorted({s for (s, c), m in plan.items() if m != base[(s, c)]["arrangement"]})
    if starts is None:
        starts = dict.fromkeys(changed, sc.first_effective_year)
    for s in changed:
        if starts.get(s) not in sc.start_years:
            errs.append(
                f"starts: {s} changes but starts in {starts.get(s)} (allowed: {sc.start_years})"
            )
    extra_starts = sorted(set(starts) - set(changed))
    if extra_starts:
        errs.append(f"starts: {extra_starts} start but do not change")
    if errs:
        return CheckReport(errs)
    schedule = price_schedule(costs, sc, plan, starts, status)
    errs += schedule.check_errors

    ev = evaluate_plan(costs, plan)
    if sc.rule_on("no_worse_off"):
        base = t.baseline[["cost"]].to_dict("index")
        # every pair, whatever its arrangement: what the commune pays may not exceed its cost
        # today, except a transfer the law imposes (mandatory competence: the law wins)
        by_law = mandatory if sc.rule_on("mandatory_competences") else set()
        for row in ev.pairs.itertuples():
            if row.service in by_law and plan.get((row.service, row.commune)) == "transfer":
                continue
            own = float(base[(row.service, row.commune)]["cost"])
            if row.cost_after > own + COST_TOL:
                errs.append(
                    f"no_worse_off: {row.commune} pays {row.cost_after:,.2f} for {row.service} "
                    f"against {own:,.2f} alone"
                )
    for row in ev.pools.itertuples():
        k = int(t.modes.at[(row.service, row.mode), "min_members"])
        if sc.rule_on("min_members") and row.members < k:
            errs.append(
                f"min_members: pooled {row.mode} of {row.service} has {row.members} member(s) < {k}"
            )
        if row.mode == "transfer" and sc.rule_on("transfer_all_or_nothing"):
            communes = [c for c in t.communes.index if plan.get((row.service, c)) == "transfer"]
            if len(communes) != len(t.communes):
                errs.append(
                    f"transfer_all_or_nothing: {row.service} transferred by {len(communes)} of "
                    f"{len(t.communes)} communes"
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
    if sc.max_communes_changed is not None and sc.rule_on("communes_changed_cap"):
        arrangement = t.baseline["arrangement"].to_dict()
        moving = {c for (s, c), m in plan.items() if c != EPCI_PARTY and m != arrangement[(s, c)]}
        if len(moving) > sc.max_communes_changed:
            errs.append(
                f"communes_changed_cap: {len(moving)} communes change > cap "
                f"{sc.max_communes_changed}"
            )
    if sc.min_average_level is not None and sc.rule_on("average_level_floor"):
        average = _average_level(t, plan)
        if average < sc.min_average_level - LEVEL_TOL:
            errs.append(
                f"average_level_floor: average level {average:.6g} < floor "
                f"{sc.min_average_level:g}"
            )
    if solver_objective is not None:
        tol = COST_TOL + 1e-7 * max(1.0, abs(schedule.baseline_cost) * len(sc.years))
        diff = -schedule.npv - solver_objective
        if diff > tol or (proven and abs(diff) > tol):
            errs.append(
                f"objective: solver reported an NPV of {-solver_objective:,.2f} EUR, recomputed "
                f"NPV of its plan and start years is {schedule.npv:,.2f}"
            )
    return CheckReport(errs, ev, schedule)


def _average_level(t: Territory, plan: Plan) -> float:
    """Population-weighted average level of the communes' pairs under ``plan``, from the tables.

    A pair's level is its baseline level when kept (or when its mode has no row in
    the modes table), else the mode's level; each pair weighs its commune's
    population; the EPCI's own services do not count (no inhabitants).
    """
    pops = t.communes["population"].to_dict()
    base = t.baseline["level"].to_dict()
    mode_level = t.modes["level"].to_dict()
    num = den = 0.0
    for (s, c), m in plan.items():
        if c not in pops:
            continue
        lvl = base[(s, c)] if m == "keep" else mode_level.get((s, m), base[(s, c)])
        num += float(pops[c]) * float(lvl)
        den += float(pops[c])
    return num / den if den > 0 else 0.0


def _check_majorities(t: Territory, sc: Scenario, plan: Plan) -> list[str]:
    """Re-count the councils' votes for every new transfer (L5211-5 II), independently of the model.

    A competence mandatory for the EPCI's nature is transferred by law, without
    the councils' vote (DOMAIN.md §1.1), unless the scenario switches that rule off.
    """
    if not sc.rule_on("qualified_majority"):
        return []
    errs = []
    pop = {str(c): int(p) for c, p in t.communes["population"].items()}
    communes = list(pop)
    arrangement = t.baseline["arrangement"].to_dict()
    equipment = t.baseline["equipment_charge"].to_dict()
    cost = t.baseline["cost"].astype(float).to_dict()
    fa = str(t.epci.get("fiscalite")) == "FA"
    by_law: set[str] = set()
    if sc.rule_on("mandatory_competences"):
        by_law = {str(x) for x, nat in t.services["mandatory_for"].items() if t.nature in nat}
    new_transfers = sorted(
        {
            s
            for (s, c), m in plan.items()
            if m == "transfer"
            and arrangement[(s, c)] != "transfer"
            and c != EPCI_PARTY
            and s not in by_law
        }
    )
    for s in new_transfers:
        yes = []
        for c in communes:
            stance = sc.stance(s, c)
            if stance is not None:
                ok = stance in ("for", "undecided")
            else:
                # FPU: the CLECT cut exceeds the cost avoided by the equipment charge
                # (DOMAIN §2.1). FA: no AC, no CLECT; the commune's budget is unchanged
                # (neutralised rates) or gains the cost (DOMAIN §1.1).
                if fa:
                    ok = (
                        True if sc.fa_neutralisation else -cost[(s, c)] <= sc.vote_tolerance + 1e-9
                    )
                else:
                    ok = float(equipment[(s, c)]) <= sc.vote_tolerance + 1e-9
            if ok:
                yes.append(c)
            elif not sc.rule_on("transfer_all_or_nothing") and plan.get((s, c)) == "transfer":
                errs.append(
                    f"qualified_majority: {c} transfers {s} à la carte although its council votes against"
                )
        total = sum(pop.values())
        p_yes = sum(pop[c] for c in yes)
        n, k = len(communes), len(yes)
        # L5211-5 II, in integers: 2/3 of councils and more than half of the population,
        # or half of the councils and at least two thirds of the population
        two_thirds = 3 * k >= 2 * n and 2 * p_yes > total
        half = 2 * k >= n and 3 * p_yes >= 2 * total
        # every commune tied for the largest population must agree when it holds > 1/4
        top = max(pop.values())
        vetoed = top > total / 4 and any(pop[c] == top and c not in yes for c in communes)
        if not (two_thirds or half) or vetoed:
            errs.append(
                f"qualified_majority: {s} transferred with {k}/{n} councils and {p_yes:,} of {total:,} inhabitants for"
            )
    return errs
