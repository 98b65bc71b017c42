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

from mutusim.core.costs import pair_level
from mutusim.core.findings import Reason
from mutusim.core.schema import EPCI_PARTY
from mutusim.model.data import ModelData
from mutusim.model.milp import MilpModel, Terms

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
    # the EPCI's own service follows its communes unless the perimeter is empty
    if (
        sc.perimeter_communes is not None
        and c not in sc.perimeter_communes
        and (c != EPCI_PARTY or not sc.perimeter_communes)
    ):
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
    if s in data.mandatory and data.scenario.rule_on("mandatory_competences"):
        return None  # the law transfers it: the councils do not vote (DOMAIN.md §1.1)
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
    if c == EPCI_PARTY:
        return None  # the EPCI does not vote; its own service follows the transfer
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
    :func:`no_worse_off`. A competence the law transfers (mandatory for the
    EPCI's nature) is not a decision: the law wins and the commune's loss is
    shown in its budget (docs/model.md, "Which rule wins").
    """
    if m == "keep" or not data.scenario.rule_on("no_worse_off"):
        return None
    if m == "transfer" and s in data.mandatory and data.scenario.rule_on("mandatory_competences"):
        return None
    if m == "share":
        # its own costs alone (before any share of the common cost) already exceed its cost today
        own, today = data.member_cost(s, c, m), data.pair(s, c).cost
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
    """One start year at most per service; exactly one mode per pair in the chosen year's block.

    PRODUCT.md ("Mode"); the plan and its roadmap are one decision: ``x[s,i,m,t]``
    says pair (s, i) takes mode m with the service's changes in force from
    1 January of year t; ``z[s,t]`` that the service starts in t. A start
    changes at least one pair (no empty start).
    """
    data = model.data
    for s in data.services:
        starts = [model.z[(s, t)] for t in data.start_years if (s, t) in model.z]
        # a pair whose arrangement today a rule excludes (a mandatory transfer, a minimum
        # level) must change within the horizon
        must = any(
            data.pair(s, c).arrangement not in model.allowed[(s, c)] for c in data.parties_of(s)
        ) or bool(data.status_quo_breaks(s))
        if not starts:
            if must:
                model.add_row("one_mode", f"one_mode__start__{s}", [], EQ, 1.0)
            continue
        sense = EQ if must else LE
        model.add_row("one_mode", f"one_mode__start__{s}", [(z, 1.0) for z in starts], sense, 1.0)
        for t in data.start_years:
            z = model.z[(s, t)]
            changing: list[tuple[pulp.LpVariable, float]] = []
            for c in data.parties_of(s):
                modes = model.allowed[(s, c)]
                terms = [(model.x[(s, c, m, t)], 1.0) for m in modes]
                terms.append((z, -1.0))
                model.add_row("one_mode", f"one_mode__{s}__{c}__{t}", terms, EQ, 0.0)
                arr = data.pair(s, c).arrangement
                changing += [(model.x[(s, c, m, t)], -1.0) for m in modes if m != arr]
            model.add_row(
                "one_mode", f"one_mode__changes__{s}__{t}", [(z, 1.0), *changing], LE, 0.0
            )


def pool_membership(model: MilpModel) -> None:
    """A party joins a pooled unit only if it is opened, and a unit opens only in its start year.

    ``x[s,i,p,t] <= y[s,p,t] <= z[s,t]``, disaggregated per member (a tighter LP
    relaxation than ``sum x <= N y``, PULP-NOTES.md). Transfers under the
    all-or-nothing rule use equalities instead (:func:`transfer_all_or_nothing`).
    """
    aon = model.scenario.rule_on("transfer_all_or_nothing")
    for (s, p, t), y in model.y.items():
        model.add_row(
            "pool_membership",
            f"pool_membership__start__{s}__{p}__{t}",
            [(y, 1.0), (model.z[(s, t)], -1.0)],
            LE,
            0.0,
        )
        for c, var in model.members(s, p, t):
            if p == "transfer" and aon and c != EPCI_PARTY:
                continue
            model.add_row(
                "pool_membership",
                f"pool_membership__{s}__{p}__{c}__{t}",
                [(var, 1.0), (y, -1.0)],
                LE,
                0.0,
            )


def transfer_all_or_nothing(model: MilpModel) -> None:
    """A transfer of competence covers every commune of the EPCI, or none.

    DOMAIN.md §1.1 and §6.1: transfer is decided per EPCI (L5211-17); an
    "à la carte" transfer by some communes (L5211-17-2) is what switching
    this rule off allows. The EPCI's own service may join or not.
    """
    if not model.scenario.rule_on("transfer_all_or_nothing"):
        return
    for (s, p, t), y in model.y.items():
        if p != "transfer":
            continue
        for c in model.data.communes:
            if (s, c) not in model.data.pairs:
                continue
            var = model.x.get((s, c, "transfer", t))
            terms = [(y, 1.0)] if var is None else [(var, 1.0), (y, -1.0)]
            # A commune for which transfer is excluded blocks the whole transfer.
            sense = LE if var is None else EQ
            model.add_row(
                "transfer_all_or_nothing",
                f"transfer_all_or_nothing__{s}__{c}__{t}",
                terms,
                sense,
                0.0,
            )


def min_members(model: MilpModel) -> None:
    """A pooled unit opens only with at least ``min_members`` parties (the EPCI counts: L5211-4-2)."""
    if not model.scenario.rule_on("min_members"):
        return
    for (s, p, t), y in model.y.items():
        k = model.data.pool(s, p).min_members
        if k <= 1:
            continue
        terms = [(v, 1.0) for _c, v in model.members(s, p, t)]
        terms.append((y, -float(k)))
        model.add_row("min_members", f"min_members__{s}__{p}__{t}", terms, GE, 0.0)


def pooled_staffing(model: MilpModel) -> None:
    """A pooled unit employs enough staff for its members' workload, and cuts posts only as agents leave.

    ``fte_step · units_per_fte · n >= Σ units[i] x[i]`` with ``n`` integer when
    ``indivisible_staffing`` is on (DOMAIN.md §4: step costs, indivisible skilled
    posts); valid inequalities ``n >= ⌈units[i] / step_units⌉ x[i]`` and ``n <= n_max y``.
    The long-run posts ``need >= fte_step · n − Σ partial[i] x[i]``: the members'
    partial shares (made available, kept on their payroll, L5211-4-1, L5211-4-2)
    count toward the workload and are never saved. Under ``attrition``, ``u − t``
    years after the change the unit employs ``posts[u] >= need`` and
    ``posts[u] >= kept[u] + (1 − r)^(u−t) Σ old[i] x[i]``, with the incoming
    posts still filled ``kept[u] = ⌈(1 − r)^(u−t) P⌉``: agents leave whole, at the
    departure rate r (DOMAIN.md §3). The incoming posts ``P = Σ posts[i] x[i]`` (a
    whole number) lie in exactly one band of :func:`mutusim.model.data.posts_bands`
    (``Σ band[j] = 1``, ``low_j ≤ P ≤ high_j``), and ``kept[u] >= P − Σ lost[j, u]
    band[j]``: exact for whole ``P``, and the convex hull of every year's count at
    once in the LP relaxation (docs/model.md, "Staff"). Under
    ``abolition``, the unit employs ``need`` at once and ``abolished >= Σ posts[i]
    x[i] + Σ old[i] x[i] − need``.
    """
    data = model.data
    integral = model.scenario.rule_on("indivisible_staffing")
    abolition = model.scenario.staff_reduction == "abolition"
    for (s, p, t), n in model.n.items():
        pool = data.pool(s, p)
        per_step = pool.units_per_fte * pool.fte_step
        members = model.members(s, p, t)
        y = model.y[(s, p, t)]
        need = model.need[(s, p, t)]
        terms = [(n, per_step)] + [(v, -data.pair(s, c).units) for c, v in members]
        model.add_row("pooled_staffing", f"pooled_staffing__{s}__{p}__{t}", terms, GE, 0.0)
        for c, v in members:
            k = data.steps_needed(s, p, data.pair(s, c).units, integral=integral)
            if k > 0:
                model.add_row(
                    "pooled_staffing",
                    f"staffing_floor__{s}__{p}__{c}__{t}",
                    [(n, 1.0), (v, -k)],
                    GE,
                    0.0,
                )
        model.add_row(
            "pooled_staffing",
            f"staffing_open__{s}__{p}__{t}",
            [(n, 1.0), (y, -(n.upBound or 0.0))],
            LE,
            0.0,
        )
        partial = [(v, data.partial_fte(s, c)) for c, v in members if data.partial_fte(s, c)]
        model.add_row(
            "pooled_staffing",
            f"staffing_need__{s}__{p}__{t}",
            [(need, 1.0), (n, -pool.fte_step), *partial],
            GE,
            0.0,
        )
        old = data.existing_staff(s, p)
        arriving = [
            (v, data.pair(s, c).posts)
            for c, v in members
            if data.pair(s, c).arrangement != p and data.pair(s, c).posts
        ]
        carried = [(v, old[c]) for c, v in members if old.get(c)]
        if abolition:
            # n is the fewest steps the workload needs (keeping surplus staff in place of
            # abolishing it is the attrition policy, not this one) ...
            slack = per_step * (1.0 - 1e-6) if integral else 0.0
            model.add_row(
                "pooled_staffing",
                f"staffing_fewest__{s}__{p}__{t}",
                [(n, per_step)]
                + [(v, -data.pair(s, c).units) for c, v in members]
                + [(y, -slack)],
                LE,
                0.0,
            )
            # ... and need = max(fte_step · n − Q, 0) exactly: the surplus is abolished at once
            b = model.positive[(s, p, t)]
            q_max = sum(a for _v, a in partial)
            model.add_row(
                "pooled_staffing",
                f"staffing_need_max__{s}__{p}__{t}",
                [(need, 1.0), (n, -pool.fte_step), *[(v, a) for v, a in partial], (b, q_max)],
                LE,
                q_max,
            )
            model.add_row(
                "pooled_staffing",
                f"staffing_need_sign__{s}__{p}__{t}",
                [(need, 1.0), (b, -(need.upBound or 0.0))],
                LE,
                0.0,
            )
            model.add_row(
                "pooled_staffing",
                f"staffing_abolished__{s}__{p}__{t}",
                [(model.abolished[(s, p, t)], 1.0), (need, 1.0)]
                + [(v, -a) for v, a in arriving + carried],
                GE,
                0.0,
            )
            continue
        bands = model.bands.get((s, p, t), ())
        band = [model.band[(s, p, t, j)] for j in range(len(bands))]
        if band:
            # the incoming posts P = Σ posts_i x_i lie in exactly one band
            model.add_row(
                "pooled_staffing",
                f"staffing_band__{s}__{p}__{t}",
                [(w, 1.0) for w in band],
                EQ,
                1.0,
            )
            # ... between its fewest and most posts
            for end, sense in (("low", GE), ("high", LE)):
                model.add_row(
                    "pooled_staffing",
                    f"staffing_band_{end}__{s}__{p}__{t}",
                    [(v, a) for v, a in arriving]
                    + [(w, -float(getattr(b, end))) for w, b in zip(band, bands, strict=True)],
                    sense,
                    0.0,
                )
        for u in data.years:
            if u < t:
                continue
            k = u - t
            posts = model.posts[(s, p, t, u)]
            model.add_row(
                "pooled_staffing",
                f"staffing_posts_need__{s}__{p}__{t}__{u}",
                [(posts, 1.0), (need, -1.0)],
                GE,
                0.0,
            )
            survive = data.survival(k)
            kept_terms: list[tuple[pulp.LpVariable, float]] = [(posts, 1.0)]
            kept = model.kept.get((s, p, t, u))
            if kept is not None:
                # kept = P − (the band's agents gone by year u) = ⌈(1 − r)^k P⌉
                model.add_row(
                    "pooled_staffing",
                    f"staffing_kept__{s}__{p}__{t}__{u}",
                    [(kept, 1.0)]
                    + [(v, -a) for v, a in arriving]
                    + [
                        (w, float(b.lost[k]))
                        for w, b in zip(band, bands, strict=True)
                        if b.lost[k]
                    ],
                    GE,
                    0.0,
                )
                kept_terms.append((kept, -1.0))
            else:
                # fewer than one whole agent leaves: every incoming post is still filled
                kept_terms += [(v, -a) for v, a in arriving]
            kept_terms += [(v, -survive * a) for v, a in carried]
            if len(kept_terms) > 1:
                model.add_row(
                    "pooled_staffing",
                    f"staffing_attrition__{s}__{p}__{t}__{u}",
                    kept_terms,
                    GE,
                    0.0,
                )


def _steady_terms(model: MilpModel) -> list[tuple[pulp.LpVariable, float]]:
    """The plan's long-run yearly cost, minus the constant cost of today's arrangements."""
    data = model.data
    terms: list[tuple[pulp.LpVariable, float]] = []
    for (s, _t), z in model.z.items():
        terms.append((z, -data.status_quo_cost(s)))
    for (s, c, m, _t), var in model.x.items():
        if m == "keep":
            coef = data.keep_cost(s, c)
        else:
            coef = data.member_cost(s, c, m) + data.pool(s, m).cost_per_fte * data.partial_fte(
                s, c
            )
        if coef:
            terms.append((var, coef))
    for (s, p, t), y in model.y.items():
        pool = data.pool(s, p)
        terms.append((y, pool.fixed_cost))
        terms.append((model.need[(s, p, t)], pool.cost_per_fte))
    return terms


def cost_cap(model: MilpModel) -> None:
    """The plan's long-run yearly cost at most ``max_total_cost`` [EUR/year]."""
    cap = model.scenario.max_total_cost
    if cap is None or not model.scenario.rule_on("cost_cap"):
        return
    base = sum(model.data.status_quo_cost(s) for s in model.data.services)
    model.add_row("cost_cap", "cost_cap", _steady_terms(model), LE, float(cap) - base)


def fte_moved_cap(model: MilpModel) -> None:
    """FTE whose arrangement changes at most ``max_fte_moved`` (DOMAIN.md §3, staff follow the service)."""
    cap = model.scenario.max_fte_moved
    if cap is None or not model.scenario.rule_on("fte_moved_cap"):
        return
    data = model.data
    terms = [(v, f) for (s, c, m, _t), v in model.x.items() if (f := data.fte_changing(s, c, m))]
    model.add_row("fte_moved_cap", "fte_moved_cap", terms, LE, float(cap))


def communes_changed_cap(model: MilpModel) -> None:
    """At most ``max_communes_changed`` communes change arrangement for some service.

    A continuous ``changed__<commune>`` in [0, 1] is at least the sum of the
    commune's change binaries for each service (a pair takes one mode in one
    start year, so the sum is 0 or 1); the sum of these is at most the cap. The
    EPCI's own services do not count: it is not a commune.
    """
    sc = model.scenario
    cap = sc.max_communes_changed
    if cap is None or not sc.rule_on("communes_changed_cap"):
        return
    data = model.data
    changes: dict[str, dict[str, Terms]] = {}  # commune -> service -> change binaries
    for (s, c, m, _t), v in model.x.items():
        if c != EPCI_PARTY and m != data.pair(s, c).arrangement:
            changes.setdefault(c, {}).setdefault(s, []).append((v, 1.0))
    flags: Terms = []
    for c in data.communes:
        if c not in changes:
            continue
        w = _aux(model, f"changed__{c}", 1.0)
        flags.append((w, 1.0))
        for s, terms in changes[c].items():
            model.add_row(
                "communes_changed_cap",
                f"communes_changed_cap__{s}__{c}",
                [*terms, (w, -1.0)],
                LE,
                0.0,
            )
    model.add_row("communes_changed_cap", "communes_changed_cap", flags, LE, float(cap))


def average_level_floor(model: MilpModel) -> None:
    """The average service level after the plan at least ``min_average_level`` [0-100].

    The average runs over the communes' pairs (every service of every commune;
    the EPCI's own services do not count: it has no inhabitants), each weighted
    by the commune's population: ``Σ w[s,i] level[s,i]`` with ``w`` the
    population over the total of the pairs' populations. A pair keeps today's
    level unless its service starts, so the row is ``Σ w[s,i] (level[s,i,m] −
    level[s,i,today]) x[s,i,m,t] >= floor − (today's average)`` (PRODUCT.md S3,
    DOMAIN.md §6.10). The levels are those the evaluation reports
    (:func:`mutusim.core.costs.pair_level`).
    """
    sc = model.scenario
    floor = sc.min_average_level
    if floor is None or not sc.rule_on("average_level_floor"):
        return
    data = model.data
    weights = data.level_weights()
    total = sum(weights.values())
    if total <= 0:  # no inhabitant: an average of nothing, taken as 0
        model.add_row("average_level_floor", "average_level_floor", [], GE, float(floor))
        return
    today = {}
    for s, c in weights:
        arr = data.pair(s, c).arrangement
        today[(s, c)] = pair_level(data.pair(s, c), data.pools.get((s, arr)), arr)
    terms: Terms = []
    for (s, c, m, _t), v in model.x.items():
        if (s, c) not in weights:
            continue
        gain = pair_level(data.pair(s, c), data.pools.get((s, m)), m) - today[(s, c)]
        if gain:
            terms.append((v, weights[(s, c)] / total * gain))
    before = sum(weights[p] * today[p] for p in weights) / total
    model.add_row("average_level_floor", "average_level_floor", terms, GE, float(floor) - before)


def phasing_capacity(model: MilpModel) -> None:
    """At most ``max_changes_per_year`` services start in a year, and one-off transition costs
    paid in a year stay within ``transition_budget`` [EUR] (PRODUCT.md M5)."""
    sc = model.scenario
    if not sc.rule_on("phasing_capacity"):
        return
    data = model.data
    for t in data.start_years:
        if sc.max_changes_per_year is not None:
            starts = [(z, 1.0) for (_s, t2), z in model.z.items() if t2 == t]
            if starts:
                model.add_row(
                    "phasing_capacity",
                    f"phasing_capacity__count__{t}",
                    starts,
                    LE,
                    float(sc.max_changes_per_year),
                )
        if sc.transition_budget is not None:
            spend = [
                (v, cost)
                for (s, c, m, t2), v in model.x.items()
                if t2 == t and (cost := data.one_off(s, c, m))
            ]
            if spend:
                model.add_row(
                    "phasing_capacity",
                    f"phasing_capacity__budget__{t}",
                    spend,
                    LE,
                    float(sc.transition_budget),
                )


def no_worse_off(model: MilpModel) -> None:
    """Opt-in rule: a party pays a shared unit no more than it pays alone today (long run).

    A member's bill is the unit's common cost (fixed + staff, its partial shares
    included) times its billing weight over the members' total weight, plus its
    own costs (DOMAIN.md §2.4). For member *c*, ``bill_c <= cost_c`` is linear
    once multiplied by the total weight::

        common * w_c - (cost_c - own_c) * sum_k w_k x_k <= M_c (1 - x_c)

    with ``M_c = common_max * w_c``, in each start year's block, and
    ``common = fixed * y + cost_per_fte * (need + sum_k partial_k x_k)``.

    The two sums over the members are written once per shared unit and start
    year, as continuous variables defined by one equality row each:
    ``W = sum_k w_k x_k`` (``weight__<service>__share__<year>``) and
    ``P = sum_k partial_k x_k`` (``partial__<service>__share__<year>``). Each
    member's row then holds at most five variables, so the rule grows with the
    members, not with their square (on CA du Pays Basque, 158 communes, 17,752
    non-zeros instead of 332,138 in the one-period model, benchmarks/README.md).
    Substituting ``W`` and ``P`` gives back the member-by-member rows exactly:
    the feasible plans are the same (``tests/model/test_no_worse_off.py``
    compares the optimum with the dense rows and with brute force).
    """
    if not model.scenario.rule_on("no_worse_off"):
        return
    data = model.data
    for (s, p, t), y in model.y.items():
        if p != "share":
            continue
        pool = data.pool(s, p)
        cpf = pool.cost_per_fte
        need = model.need[(s, p, t)]
        members = model.members(s, p, t)
        weights = {c: data.bill_weight(s, c) for c, _v in members}
        partial = {c: data.partial_fte(s, c) for c, _v in members}
        rooms = {c: data.pair(s, c).cost - data.member_cost(s, c, p) for c, _v in members}
        total_weight = sum(weights.values())
        total_partial = sum(partial.values())
        common_max = pool.fixed_cost + cpf * ((need.upBound or 0.0) + total_partial)
        if not any(weights.values()):
            # every member's row reads 0 <= 0: nothing to add
            continue
        w_var = p_var = None
        if any(room * weights[c] for c, room in rooms.items()):
            w_var = _aux(model, f"weight__{s}__{p}__{t}", total_weight)
            terms = [(w_var, 1.0)] + [(v, -weights[c]) for c, v in members if weights[c]]
            model.add_row("no_worse_off", f"no_worse_off__weight__{s}__{p}__{t}", terms, EQ, 0.0)
        if cpf and total_partial:
            p_var = _aux(model, f"partial__{s}__{p}__{t}", total_partial)
            terms = [(p_var, 1.0)] + [(v, -partial[c]) for c, v in members if partial[c]]
            model.add_row("no_worse_off", f"no_worse_off__partial__{s}__{p}__{t}", terms, EQ, 0.0)
        for c, xc in members:
            wc = weights[c]
            room = rooms[c]
            terms = [(y, pool.fixed_cost * wc), (need, cpf * wc)]
            if p_var is not None:
                terms.append((p_var, cpf * wc))
            if w_var is not None and room:
                terms.append((w_var, -room))
            big_m = common_max * wc + max(0.0, -room) * total_weight
            terms.append((xc, big_m))
            model.add_row("no_worse_off", f"no_worse_off__{s}__{c}__{t}", terms, LE, big_m)


def _aux(model: MilpModel, name: str, upper: float) -> pulp.LpVariable:
    """A continuous auxiliary variable in ``[0, upper]``, recorded in ``model.aux``."""
    var = model.problem.add_variable(name, 0, upper, cat="Continuous")
    model.aux[name] = var
    return var


#: Constraint rules by name, in the order the builder adds their rows.
CONSTRAINTS: dict[str, Constraint] = {
    "one_mode": one_mode,
    "pool_membership": pool_membership,
    "transfer_all_or_nothing": transfer_all_or_nothing,
    "min_members": min_members,
    "pooled_staffing": pooled_staffing,
    "cost_cap": cost_cap,
    "fte_moved_cap": fte_moved_cap,
    "communes_changed_cap": communes_changed_cap,
    "average_level_floor": average_level_floor,
    "phasing_capacity": phasing_capacity,
    "no_worse_off": no_worse_off,
}
