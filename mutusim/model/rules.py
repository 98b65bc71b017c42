"""The rules of the model, one named function each (declared in :mod:`mutusim.core.rulebook`).

Two kinds:

* **filters** ``filter_<rule>(data, service, commune, mode)`` return a
  :class:`~mutusim.core.findings.Reason` why a mode is excluded for a pair,
  or ``None``. Excluded modes get no variable; the reason is kept to explain
  infeasible scenarios (rendered in French by :mod:`mutusim.present.labels`).
* **constraints** ``<rule>(model)`` add named rows to the MILP, named
  ``<rule>__<service>__...``.

:data:`FILTERS` and :data:`CONSTRAINTS` map rule names to these functions,
in the order the builder applies them. A switchable rule does
nothing when the scenario switches it off (:meth:`Scenario.rule_on`). The
independent checker (:mod:`mutusim.model.check`) re-verifies each rule from
the plan with its own code.
"""

from __future__ import annotations

from collections.abc import Callable

import pulp

from mutusim.core.findings import Reason
from mutusim.model.data import ModelData
from mutusim.model.milp import MilpModel

__all__ = ["CONSTRAINTS", "FILTERS"]

EQ, GE, LE = pulp.LpConstraintEQ, pulp.LpConstraintGE, pulp.LpConstraintLE
Filter = Callable[[ModelData, str, str, str], Reason | None]
Constraint = Callable[[MilpModel], None]


# ------------------------------------------------------------------ filters
def filter_data(data: ModelData, s: str, c: str, m: str) -> Reason | None:
    """Modes the territory's data do not offer: no modes.csv row, or not a transferable competence."""
    if m == "keep":
        return None
    if m == "transfer" and s not in data.transferable:
        return Reason("data", "not_transferable")
    if not data.has_pool(s, m):
        return Reason("data", "no_mode_row", {"mode": m})
    return None


def filter_allowed_modes(data: ModelData, s: str, c: str, m: str) -> Reason | None:
    """Modes outside the scenario's ``allowed_modes`` are excluded."""
    if m not in data.scenario.allowed_modes:
        return Reason("allowed_modes", "mode_not_allowed", {"mode": m})
    return None


def filter_mandatory_competences(data: ModelData, s: str, c: str, m: str) -> Reason | None:
    """A competence mandatory for the EPCI's nature is transferred by law.

    DOMAIN.md §1.1 (L5214-16 for CC, and the CA/CU/Métropole lists): mandatory
    competences are not decisions.
    """
    on = data.scenario.rule_on("mandatory_competences")
    if on and m != "transfer" and s in data.mandatory:
        return Reason("mandatory_competences", "mandatory", {"nature": data.territory.nature})
    return None


def filter_perimeter(data: ModelData, s: str, c: str, m: str) -> Reason | None:
    """Pairs outside the scenario's perimeter keep their current arrangement (seeds, step 2)."""
    sc = data.scenario
    if not sc.rule_on("perimeter") or m == data.pair(s, c).arrangement:
        return None
    if sc.perimeter_services is not None and s not in sc.perimeter_services:
        return Reason("perimeter", "service_outside")
    if sc.perimeter_communes is not None and c not in sc.perimeter_communes:
        return Reason("perimeter", "commune_outside")
    if sc.perimeter_max_population is not None:
        pop = data.population[c]
        if pop > sc.perimeter_max_population:
            return Reason(
                "perimeter",
                "population_above",
                {"population": pop, "threshold": sc.perimeter_max_population},
            )
    return None


def filter_forced_decisions(data: ModelData, s: str, c: str, m: str) -> Reason | None:
    """Decisions the scenario forces or forbids."""
    sc = data.scenario
    if not sc.rule_on("forced_decisions"):
        return None
    for d in sc.forbid:
        if d.mode == m and d.matches(s, c):
            return Reason("forced_decisions", "forbidden", {"mode": m})
    for d in sc.force:
        if d.mode != m and d.matches(s, c):
            return Reason("forced_decisions", "forced_other", {"mode": d.mode})
    return None


def filter_service_levels(data: ModelData, s: str, c: str, m: str) -> Reason | None:
    """Modes whose service level falls below the scenario's minimum (DOMAIN.md §6.10)."""
    if not data.scenario.rule_on("service_levels"):
        return None
    lvl, need = data.level(s, c, m), data.min_level(s)
    if lvl < need:
        return Reason("service_levels", "level_below", {"level": lvl, "minimum": need})
    return None


def filter_already_transferred(data: ModelData, s: str, c: str, m: str) -> Reason | None:
    """A competence already transferred stays with the EPCI.

    Restitution needs the same qualified majority and cannot be partial
    (L5211-17-1, DOMAIN.md §1.1); it is outside the model.
    """
    if data.pair(s, c).arrangement == "transfer" and m != "transfer":
        return Reason("already_transferred", "already_transferred")
    return None


def filter_qualified_majority(data: ModelData, s: str, c: str, m: str) -> Reason | None:
    """A transfer needs the qualified majority of municipal councils (L5211-5 II, L5211-17).

    DOMAIN.md §1.1 and §6.2. Each council's vote comes from its stance or its
    budget balance (:func:`mutusim.core.law.council_vote`). Under an à la carte
    transfer (rule ``transfer_all_or_nothing`` off, L5211-17-2) only communes
    whose council votes yes transfer their part.
    """
    if m != "transfer" or not data.scenario.rule_on("qualified_majority"):
        return None
    if data.pair(s, c).arrangement == "transfer":
        return None  # already transferred: no new deliberation
    maj = data.majority(s)
    if not maj.holds:
        return Reason(
            "qualified_majority",
            "no_majority",
            {
                "yes": maj.yes,
                "councils": maj.councils,
                "yes_population": maj.yes_population,
                "population": maj.population,
                "branches_fail": not (maj.branch_two_thirds or maj.branch_half),
                "largest": maj.largest,
                "vetoed": maj.veto_applies and not maj.largest_yes,
            },
        )
    if not data.scenario.rule_on("transfer_all_or_nothing"):
        yes, why = data.vote(s, c)
        if not yes:
            return Reason(
                "qualified_majority", "a_la_carte_against", {"basis": why.code, **why.values}
            )
    return None


def filter_no_worse_off(data: ModelData, s: str, c: str, m: str) -> Reason | None:
    """Opt-in rule: no commune's budget for a service worsens; the parts fixed per pair.

    A transfer changes the commune's budget by the CLECT cut minus the cost
    avoided: the equipment charge its budget never bore. A shared unit is
    excluded when the commune's own costs in it already exceed its cost
    today; the share of common costs is handled by the constraint rule
    :func:`no_worse_off`.
    """
    if m == "keep" or not data.scenario.rule_on("no_worse_off"):
        return None
    if m == "share":
        # its own costs alone (before any share of the common cost) already exceed its cost today
        own, today = data.member_coefficient(s, c, m), data.pair(s, c).cost
        if own > today + 1e-9:
            return Reason("no_worse_off", "own_costs_exceed", {"own": own, "today": today})
        return None
    delta = data.budget_change_if_transferred(s, c)
    if delta > 1e-9 and data.pair(s, c).arrangement != "transfer":
        return Reason("no_worse_off", "transfer_costs_more", {"delta": delta})
    return None


#: Filter rules by name, in the order the builder applies them (the first that
#: excludes a mode gives the reason recorded for it).
FILTERS: dict[str, Filter] = {
    "data": filter_data,
    "already_transferred": filter_already_transferred,
    "qualified_majority": filter_qualified_majority,
    "no_worse_off": filter_no_worse_off,
    "allowed_modes": filter_allowed_modes,
    "mandatory_competences": filter_mandatory_competences,
    "perimeter": filter_perimeter,
    "forced_decisions": filter_forced_decisions,
    "service_levels": filter_service_levels,
}


# -------------------------------------------------------------- constraints
def one_mode(model: MilpModel) -> None:
    """Exactly one mode per (service, commune) pair (PRODUCT.md, "Mode")."""
    x = model.x
    for (s, c), modes in model.allowed.items():
        model.add_row(
            "one_mode", f"one_mode__{s}__{c}", [(x[(s, c, m)], 1.0) for m in modes], EQ, 1.0
        )


def pool_membership(model: MilpModel) -> None:
    """A commune joins a pooled unit only if it is opened: ``x[s,c,p] <= y[s,p]``.

    Disaggregated (one row per member) rather than ``sum x <= N y``: the tighter
    LP relaxation (PULP-NOTES.md: the plain one lies 23 % below the optimum).
    Transfers under the all-or-nothing rule use equalities instead
    (:func:`transfer_all_or_nothing`).
    """
    aon = model.scenario.rule_on("transfer_all_or_nothing")
    for (s, c, m), var in model.x.items():
        if m == "keep" or (m == "transfer" and aon):
            continue
        model.add_row(
            "pool_membership",
            f"pool_membership__{s}__{m}__{c}",
            [(var, 1.0), (model.y[(s, m)], -1.0)],
            LE,
            0.0,
        )


def transfer_all_or_nothing(model: MilpModel) -> None:
    """A transfer of competence covers every commune of the EPCI, or none.

    DOMAIN.md §1.1 and §6.1: transfer is decided per EPCI (L5211-17); an
    "à la carte" transfer by some communes (L5211-17-2) is what switching
    this rule off allows.
    """
    if not model.scenario.rule_on("transfer_all_or_nothing"):
        return
    for (s, p), y in model.y.items():
        if p != "transfer":
            continue
        for c in model.data.communes:
            var = model.x.get((s, c, "transfer"))
            terms = [(y, 1.0)] if var is None else [(var, 1.0), (y, -1.0)]
            # A commune for which transfer is excluded blocks the whole transfer.
            sense = LE if var is None else EQ
            model.add_row(
                "transfer_all_or_nothing", f"transfer_all_or_nothing__{s}__{c}", terms, sense, 0.0
            )


def min_members(model: MilpModel) -> None:
    """A pooled unit opens only with at least ``min_members`` communes."""
    if not model.scenario.rule_on("min_members"):
        return
    for (s, p), y in model.y.items():
        k = model.data.pool(s, p).min_members
        if k <= 1:
            continue
        terms = [(v, 1.0) for _c, v in model.members(s, p)]
        terms.append((y, -float(k)))
        model.add_row("min_members", f"min_members__{s}__{p}", terms, GE, 0.0)


def pooled_staffing(model: MilpModel) -> None:
    """A pooled unit employs enough staff for its members' workload.

    ``fte_step * units_per_fte * n >= sum units[c] x[c]`` with ``n`` integer
    when ``indivisible_staffing`` is on (DOMAIN.md §4: step-cost functions of
    FTE, indivisibility of skilled posts), continuous otherwise. Two families
    of valid inequalities tighten the relaxation: ``n >= ceil(units[c] /
    step_units) x[c]`` for each member, and ``n <= n_max y`` (no staff in a
    closed unit).
    """
    data = model.data
    integral = model.scenario.rule_on("indivisible_staffing")
    for (s, p), n in model.n.items():
        pool = data.pool(s, p)
        per_step = pool.units_per_fte * pool.fte_step
        members = model.members(s, p)
        terms = [(n, per_step)] + [(v, -data.pair(s, c).units) for c, v in members]
        model.add_row("pooled_staffing", f"pooled_staffing__{s}__{p}", terms, GE, 0.0)
        for c, v in members:
            k = data.steps_needed(s, p, data.pair(s, c).units, integral=integral)
            if k > 0:
                model.add_row(
                    "pooled_staffing",
                    f"staffing_floor__{s}__{p}__{c}",
                    [(n, 1.0), (v, -k)],
                    GE,
                    0.0,
                )
        ub = n.upBound or 0.0
        model.add_row(
            "pooled_staffing",
            f"staffing_open__{s}__{p}",
            [(n, 1.0), (model.y[(s, p)], -ub)],
            LE,
            0.0,
        )


def cost_cap(model: MilpModel) -> None:
    """Annual cost of the plan at most ``max_total_cost`` [EUR/year]."""
    cap = model.scenario.max_total_cost
    if cap is None or not model.scenario.rule_on("cost_cap"):
        return
    model.add_row("cost_cap", "cost_cap", list(model.objective_terms), LE, float(cap))


def fte_moved_cap(model: MilpModel) -> None:
    """FTE whose arrangement changes at most ``max_fte_moved`` (DOMAIN.md §3, staff follow the service)."""
    cap = model.scenario.max_fte_moved
    if cap is None or not model.scenario.rule_on("fte_moved_cap"):
        return
    data = model.data
    terms = [(v, f) for (s, c, m), v in model.x.items() if (f := data.fte_changing(s, c, m))]
    model.add_row("fte_moved_cap", "fte_moved_cap", terms, LE, float(cap))


def no_worse_off(model: MilpModel) -> None:
    """Opt-in rule: a commune pays a shared unit no more than it pays alone today.

    A member's bill is the unit's common cost (fixed + staff) times its
    billing weight over the members' total weight, plus its own costs
    (DOMAIN.md §2.4). For member *c*, ``bill_c <= cost_c`` is linear once
    multiplied by the total weight ``W = sum_k w_k x_k``::

        common * w_c - (cost_c - own_c) * W <= M_c (1 - x_c)

    with ``M_c = common_max * w_c``. ``W`` is one continuous variable per
    shared unit (``weight__<service>__share``, defined by one equality row), so
    the rows grow with the members, not with their square: on CA du Pays
    Basque (158 communes) 17,752 non-zeros instead of 332,138
    (benchmarks/README.md). Substituting ``W`` gives back the member-by-member
    rows: the feasible plans are the same (``tests/model/test_no_worse_off.py``
    checks the optimum against brute force).
    """
    if not model.scenario.rule_on("no_worse_off"):
        return
    data = model.data
    for (s, p), y in model.y.items():
        if p != "share":
            continue
        pool = data.pool(s, p)
        n = model.n[(s, p)]
        members = model.members(s, p)
        weights = {c: data.weight(s, c) for c, _v in members}
        step_cost = pool.cost_per_fte * pool.fte_step
        common_max = pool.fixed_cost + step_cost * (n.upBound or 0.0)
        rooms = {c: data.pair(s, c).cost - data.member_coefficient(s, c, p) for c, _v in members}
        total_weight = sum(weights.values())
        w = None
        if any(rooms[c] for c in rooms) and total_weight > 0:
            w = model.lp.add_variable(f"weight__{s}__{p}", 0, total_weight, cat="Continuous")
            model.aux[f"weight__{s}__{p}"] = w
            terms = [(w, 1.0)] + [(v, -weights[c]) for c, v in members if weights[c]]
            model.add_row("no_worse_off", f"no_worse_off_weight__{s}__{p}", terms, EQ, 0.0)
        for c, xc in members:
            wc = weights[c]
            room = rooms[c]
            terms = [(y, pool.fixed_cost * wc), (n, step_cost * wc)]
            if room and w is not None:
                terms.append((w, -room))
            big_m = common_max * wc + max(0.0, -room) * total_weight
            terms.append((xc, big_m))
            model.add_row("no_worse_off", f"no_worse_off__{s}__{c}", terms, LE, big_m)


#: Constraint rules by name, in the order the builder adds their rows.
CONSTRAINTS: dict[str, Constraint] = {
    "one_mode": one_mode,
    "pool_membership": pool_membership,
    "transfer_all_or_nothing": transfer_all_or_nothing,
    "min_members": min_members,
    "pooled_staffing": pooled_staffing,
    "cost_cap": cost_cap,
    "fte_moved_cap": fte_moved_cap,
    "no_worse_off": no_worse_off,
}
