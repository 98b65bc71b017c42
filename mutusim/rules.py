"""The rules of the model, one named function each.

Two kinds:

* **filter rules** ``filter_<rule>(data, service, commune, mode)`` return the
  reason why a mode is excluded for a pair, or ``None``. Excluded modes get
  no variable; the reason is kept to explain infeasible scenarios.
* **constraint rules** ``<rule>(problem)`` add named rows to the MILP, named
  ``<rule>__<service>__...``.

A switchable rule (see :data:`mutusim.scenario.SWITCHABLE_RULES`) does
nothing when the scenario lists it in ``disabled_rules``. The independent
checker (:mod:`mutusim.check`) re-verifies each rule from the decision table.
"""

from __future__ import annotations

from collections.abc import Callable

import pulp

from mutusim.problem import ModelData, Problem, objective_expression

EQ, GE, LE = pulp.LpConstraintEQ, pulp.LpConstraintGE, pulp.LpConstraintLE


# Reasons are read by the committee (report, explanations): French, French number format.
def _n(x: float) -> str:
    return f"{x:,.0f}".replace(",", "\u202f")


def _eur(x: float) -> str:
    return f"{_n(x)} €"


# ------------------------------------------------------------------ filters
def filter_allowed_modes(data: ModelData, s: str, c: str, m: str) -> str | None:
    """Modes outside the scenario's ``allowed_modes`` are excluded."""
    if m not in data.scenario.allowed_modes:
        return f"le mode « {m} » n'est pas dans allowed_modes du scénario"
    return None


def filter_mandatory_competences(data: ModelData, s: str, c: str, m: str) -> str | None:
    """A competence mandatory for the EPCI's nature is transferred by law.

    DOMAIN.md §1.1 (L5214-16 for CC, and the CA/CU/Métropole lists): mandatory
    competences are not decisions.
    """
    on = data.scenario.rule_on("mandatory_competences")
    if on and m != "transfer" and s in data.mandatory:
        return f"compétence obligatoire pour une {data.territory.nature} : transférée par la loi"
    return None


def filter_perimeter(data: ModelData, s: str, c: str, m: str) -> str | None:
    """Pairs outside the scenario's perimeter keep their current arrangement (PRODUCT.md, seeds step 2)."""
    sc = data.scenario
    if not sc.rule_on("perimeter") or m == data.pairs[(s, c)].arrangement:
        return None
    if sc.perimeter_services is not None and s not in sc.perimeter_services:
        return "service hors du périmètre du scénario (garde sa situation actuelle)"
    if sc.perimeter_communes is not None and c not in sc.perimeter_communes:
        return "commune hors du périmètre du scénario (garde sa situation actuelle)"
    if sc.perimeter_max_population is not None:
        pop = int(data.territory.communes.at[c, "population"])
        if pop > sc.perimeter_max_population:
            return (
                f"commune de {_n(pop)} habitants, au-delà du seuil du périmètre "
                f"({_n(sc.perimeter_max_population)}) : garde sa situation actuelle"
            )
    return None


def filter_forced_decisions(data: ModelData, s: str, c: str, m: str) -> str | None:
    """Decisions the scenario forces or forbids."""
    sc = data.scenario
    if not sc.rule_on("forced_decisions"):
        return None
    for d in sc.forbid:
        if d.mode == m and d.matches(s, c):
            return f"exclu par le scénario ({d.service}/{d.commune}/{d.mode})"
    for d in sc.force:
        if d.mode != m and d.matches(s, c):
            return f"le scénario impose « {d.mode} » ({d.service}/{d.commune})"
    return None


def filter_service_levels(data: ModelData, s: str, c: str, m: str) -> str | None:
    """Modes whose service level falls below the scenario's minimum (DOMAIN.md §6.10)."""
    if not data.scenario.rule_on("service_levels"):
        return None
    lvl, need = data.level(s, c, m), data.min_level(s)
    if lvl < need:
        return f"niveau de service {lvl:g} inférieur au minimum {need:g}"
    return None


def filter_already_transferred(data: ModelData, s: str, c: str, m: str) -> str | None:
    """A competence already transferred stays with the EPCI.

    Restitution needs the same qualified majority and cannot be partial
    (L5211-17-1, DOMAIN.md §1.1); it is outside the model.
    """
    if data.pairs[(s, c)].arrangement == "transfer" and m != "transfer":
        return "déjà transférée à l'EPCI (la restitution est hors du modèle)"
    return None


def filter_qualified_majority(data: ModelData, s: str, c: str, m: str) -> str | None:
    """A transfer needs the qualified majority of municipal councils (L5211-5 II, L5211-17).

    DOMAIN.md §1.1 and §6.2. Each council's vote comes from its stance or its
    budget balance (:meth:`ModelData.vote`). Under an à la carte transfer
    (rule ``transfer_all_or_nothing`` off, L5211-17-2) only communes whose
    council votes yes transfer their part.
    """
    if m != "transfer" or not data.scenario.rule_on("qualified_majority"):
        return None
    if data.pairs[(s, c)].arrangement == "transfer":
        return None  # already transferred: no new deliberation
    maj = data.majority(s)
    if not maj.holds:
        why = []
        if not (maj.branch_two_thirds or maj.branch_half):
            why.append(
                f"{maj.yes} conseils favorables sur {maj.councils}, représentant "
                f"{_n(maj.yes_population)} habitants sur {_n(maj.population)}"
            )
        if maj.veto_applies and not maj.largest_yes:
            why.append(
                f"la commune la plus peuplée ({maj.largest}, plus du quart de la population) vote contre"
            )
        return "pas de majorité qualifiée pour le transfert : " + " ; ".join(why)
    if not data.scenario.rule_on("transfer_all_or_nothing"):
        yes, why = data.vote(s, c)
        if not yes:
            return f"transfert à la carte : le conseil vote contre ({why})"
    return None


def filter_no_worse_off(data: ModelData, s: str, c: str, m: str) -> str | None:
    """Opt-in rule: no commune's budget for a service worsens; the parts fixed per pair.

    A transfer changes the commune's budget by the CLECT cut minus the cost
    avoided (:meth:`ModelData.transfer_balance`). A shared unit is excluded
    when the commune's own costs in it already exceed its cost today; the
    share of common costs is handled by the constraint rule :func:`no_worse_off`.
    """
    if m == "keep" or not data.scenario.rule_on("no_worse_off"):
        return None
    if m == "share":
        # its own costs alone (before any share of the common cost) already exceed its cost today
        own, today = data.member_cost(s, c, m), data.pairs[(s, c)].cost
        if own > today + 1e-9:
            return f"ses propres coûts dans le service commun ({_eur(own)}/an) dépassent son coût actuel (no_worse_off)"
        return None
    delta = data.transfer_balance(s, c)
    if delta > 1e-9 and data.pairs[(s, c)].arrangement != "transfer":
        return f"le transfert coûterait {_eur(delta)}/an de plus à la commune (no_worse_off)"
    return None


FILTER_RULES: tuple[Callable[[ModelData, str, str, str], str | None], ...] = (
    filter_already_transferred,
    filter_qualified_majority,
    filter_no_worse_off,
    filter_allowed_modes,
    filter_mandatory_competences,
    filter_perimeter,
    filter_forced_decisions,
    filter_service_levels,
)


# -------------------------------------------------------------- constraints
def one_mode(prob: Problem) -> None:
    """Exactly one mode per (service, commune) pair (PRODUCT.md, "Mode")."""
    x = prob.x
    for (s, c), modes in prob.allowed.items():
        prob.add_row(
            "one_mode", f"one_mode__{s}__{c}", [(x[(s, c, m)], 1.0) for m in modes], EQ, 1.0
        )


def pool_membership(prob: Problem) -> None:
    """A commune joins a pooled unit only if it is opened: ``x[s,c,p] <= y[s,p]``.

    Disaggregated (one row per member) rather than ``sum x <= N y``: the tighter
    LP relaxation (PULP-NOTES.md: the plain one lies 23 % below the optimum).
    Transfers under the all-or-nothing rule use equalities instead
    (:func:`transfer_all_or_nothing`).
    """
    aon = prob.scenario.rule_on("transfer_all_or_nothing")
    for (s, c, m), var in prob.x.items():
        if m == "keep" or (m == "transfer" and aon):
            continue
        prob.add_row(
            "pool_membership",
            f"pool_membership__{s}__{m}__{c}",
            [(var, 1.0), (prob.y[(s, m)], -1.0)],
            LE,
            0.0,
        )


def transfer_all_or_nothing(prob: Problem) -> None:
    """A transfer of competence covers every commune of the EPCI, or none.

    DOMAIN.md §1.1 and §6.1: transfer is decided per EPCI (L5211-17); an
    "à la carte" transfer by some communes (L5211-17-2) is what switching
    this rule off allows.
    """
    if not prob.scenario.rule_on("transfer_all_or_nothing"):
        return
    for (s, p), y in prob.y.items():
        if p != "transfer":
            continue
        for c in prob.data.communes:
            var = prob.x.get((s, c, "transfer"))
            terms = [(y, 1.0)] if var is None else [(var, 1.0), (y, -1.0)]
            # A commune for which transfer is excluded blocks the whole transfer.
            sense = LE if var is None else EQ
            prob.add_row(
                "transfer_all_or_nothing", f"transfer_all_or_nothing__{s}__{c}", terms, sense, 0.0
            )


def min_members(prob: Problem) -> None:
    """A pooled unit opens only with at least ``min_members`` communes."""
    if not prob.scenario.rule_on("min_members"):
        return
    for (s, p), y in prob.y.items():
        k = prob.data.pools[(s, p)].min_members
        if k <= 1:
            continue
        terms = [(v, 1.0) for (s2, c, m), v in _members(prob, s, p)]
        terms.append((y, -float(k)))
        prob.add_row("min_members", f"min_members__{s}__{p}", terms, GE, 0.0)


def pooled_staffing(prob: Problem) -> None:
    """A pooled unit employs enough staff for its members' workload.

    ``fte_step * units_per_fte * n >= sum units[c] x[c]`` with ``n`` integer
    when ``indivisible_staffing`` is on (DOMAIN.md §4: step-cost functions of
    FTE, indivisibility of skilled posts), continuous otherwise. Two families
    of valid inequalities tighten the relaxation: ``n >= ceil(units[c] /
    step_units) x[c]`` for each member, and ``n <= n_max y`` (no staff in a
    closed unit).
    """
    data = prob.data
    integral = prob.scenario.rule_on("indivisible_staffing")
    for (s, p), n in prob.n.items():
        per_step = data.pools[(s, p)].units_per_step
        members = _members(prob, s, p)
        terms = [(n, per_step)] + [(v, -data.pairs[(s, c)].units) for (_s, c, _m), v in members]
        prob.add_row("pooled_staffing", f"pooled_staffing__{s}__{p}", terms, GE, 0.0)
        for (_s, c, _m), v in members:
            k = data.staff_steps(s, p, data.pairs[(s, c)].units, integral=integral)
            if k > 0:
                prob.add_row(
                    "pooled_staffing",
                    f"staffing_floor__{s}__{p}__{c}",
                    [(n, 1.0), (v, -k)],
                    GE,
                    0.0,
                )
        ub = n.upBound or 0.0
        prob.add_row(
            "pooled_staffing",
            f"staffing_open__{s}__{p}",
            [(n, 1.0), (prob.y[(s, p)], -ub)],
            LE,
            0.0,
        )


def cost_cap(prob: Problem) -> None:
    """Annual cost of the plan at most ``max_total_cost`` [EUR/year]."""
    cap = prob.scenario.max_total_cost
    if cap is None or not prob.scenario.rule_on("cost_cap"):
        return
    expr = objective_expression(prob)
    prob.lp.addConstraint(pulp.LpConstraint(expr, LE, "cost_cap", float(cap)))
    prob.rows.setdefault("cost_cap", []).append("cost_cap")


def fte_moved_cap(prob: Problem) -> None:
    """FTE whose arrangement changes at most ``max_fte_moved`` (DOMAIN.md §3, staff follow the service)."""
    cap = prob.scenario.max_fte_moved
    if cap is None or not prob.scenario.rule_on("fte_moved_cap"):
        return
    data = prob.data
    terms = [
        (v, data.fte_moved(s, c, m)) for (s, c, m), v in prob.x.items() if data.fte_moved(s, c, m)
    ]
    prob.add_row("fte_moved_cap", "fte_moved_cap", terms, LE, float(cap))


def no_worse_off(prob: Problem) -> None:
    """Opt-in rule: a commune pays a shared unit no more than it pays alone today.

    A member's bill is the unit's common cost (fixed + staff) times its
    billing weight over the members' total weight, plus its own costs
    (:meth:`ModelData.billing_weight`, DOMAIN.md §2.4). For member *c*,
    ``bill_c <= cost_c`` is linear once multiplied by the total weight::

        common * w_c - (cost_c - own_c) * sum_k w_k x_k <= M_c (1 - x_c)

    with ``M_c = common_max * w_c``.
    """
    if not prob.scenario.rule_on("no_worse_off"):
        return
    data = prob.data
    for (s, p), y in prob.y.items():
        if p != "share":
            continue
        pp = data.pools[(s, p)]
        n = prob.n[(s, p)]
        members = _members(prob, s, p)
        weights = {c: data.billing_weight(s, c) for (_s, c, _m), _v in members}
        common_max = pp.fixed_cost + pp.cost_per_fte * pp.fte_step * (n.upBound or 0.0)
        for (_s, c, _m), xc in members:
            wc = weights[c]
            room = data.pairs[(s, c)].cost - data.member_cost(s, c, p)
            terms = [(y, pp.fixed_cost * wc), (n, pp.cost_per_fte * pp.fte_step * wc)]
            terms += [(v, -room * weights[k]) for (_s2, k, _m2), v in members if room * weights[k]]
            big_m = common_max * wc + max(0.0, -room) * sum(weights.values())
            terms.append((xc, big_m))
            prob.add_row("no_worse_off", f"no_worse_off__{s}__{c}", terms, LE, big_m)


CONSTRAINT_RULES: tuple[Callable[[Problem], None], ...] = (
    one_mode,
    pool_membership,
    transfer_all_or_nothing,
    min_members,
    pooled_staffing,
    cost_cap,
    fte_moved_cap,
    no_worse_off,
)


def _members(prob: Problem, s: str, p: str) -> list[tuple[tuple[str, str, str], pulp.LpVariable]]:
    x = prob.x
    return [((s, c, p), x[(s, c, p)]) for c in prob.data.communes if (s, c, p) in x]
