"""Model build: from a territory and a scenario to a PuLP MILP (no solve).

The pipeline is :func:`build_model` (this module) → :func:`mutusim.model.solver.solve`
→ :func:`mutusim.model.check.check_plan` → :class:`mutusim.core.result.Result`,
run by :func:`mutusim.optimise`.

Formulation (annual steady-state cost, EUR/year; docs/model.md)
---------------------------------------------------------------
For each service *s*, commune *c* and mode *m* a binary ``x[s,c,m]``; for
each service and pooled mode *p* (share, transfer) a binary ``y[s,p]``
(the pooled unit is opened) and an integer ``n[s,p]`` (its staff, in steps
of ``fte_step``). Minimise::

    sum keep cost[s,c] x[s,c,keep]
  + sum_p fixed[s,p] y[s,p] + cost_per_fte[s,p] fte_step[s,p] n[s,p]
  + sum_p (cost_per_unit units[s,c] + overhead[s,p]
           + transition[s,c,p] / transition_years) x[s,c,p]

The rules (each a named function of :mod:`mutusim.model.rules`) add the
constraints. Modes a rule excludes are not created as variables at all; the
reason is recorded in ``MilpModel.excluded`` so that an infeasible scenario
can be explained in domain terms.

Expressions are built once from lists of ``(variable, coefficient)`` pairs
(PULP-NOTES.md: 9x faster per row than ``lpSum`` of products) and variables
through ``LpProblem.add_variable``.
"""

from __future__ import annotations

import gc
import time

import pulp

from mutusim.core.scenario import Scenario
from mutusim.core.schema import MODES, POOL_MODES
from mutusim.core.territory import Territory
from mutusim.model.data import ModelData
from mutusim.model.milp import MilpModel, Terms
from mutusim.model.rules import CONSTRAINTS, FILTERS

__all__ = ["MilpModel", "build_model"]


def build_model(territory: Territory, scenario: Scenario) -> MilpModel:
    """Build the MILP of ``scenario`` on ``territory`` (no solve).

    Parameters
    ----------
    territory : Territory
        The input.
    scenario : Scenario
        The options and rules.

    Returns
    -------
    MilpModel
        With ``build_seconds`` set. If some pair has no allowed mode,
        the model is returned without variables; see
        :meth:`MilpModel.infeasible_pairs`.
    """
    t0 = time.perf_counter()
    gc_was_enabled = gc.isenabled()
    gc.disable()  # PULP-NOTES.md: -22 % build time; many small objects, no cycles.
    try:
        data = ModelData.from_inputs(territory, scenario)
        model = MilpModel(
            data=data, lp=pulp.LpProblem(f"mutusim_{_safe(scenario.name)}", pulp.LpMinimize)
        )
        _filter_modes(model)
        if not model.infeasible_pairs():
            _add_variables(model)
            _set_objective(model)
            for rule in CONSTRAINTS.values():
                rule(model)
    finally:
        if gc_was_enabled:
            gc.enable()
    model.build_seconds = time.perf_counter() - t0
    return model


def _safe(text: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in text)


def _filter_modes(model: MilpModel) -> None:
    data = model.data
    for s in data.services:
        for c in data.communes:
            allowed = list(MODES)
            for rule in FILTERS.values():
                for m in list(allowed):
                    why = rule(data, s, c, m)
                    if why is not None:
                        allowed.remove(m)
                        model.excluded[(s, c, m)] = why
            model.allowed[(s, c)] = tuple(allowed)


def _add_variables(model: MilpModel) -> None:
    data = model.data
    lp = model.lp
    integral = data.scenario.rule_on("indivisible_staffing")
    used_pools = {(s, m) for (s, _c), modes in model.allowed.items() for m in modes if m != "keep"}
    for s in data.services:
        for p in POOL_MODES:
            if (s, p) not in used_pools:
                continue
            model.y[(s, p)] = lp.add_variable(f"open__{s}__{p}", 0, 1, cat="Binary")
            total = sum(data.pair(s, c).units for c in data.communes if p in model.allowed[(s, c)])
            ub = data.steps_needed(s, p, total, integral=True)
            model.n[(s, p)] = lp.add_variable(
                f"staff__{s}__{p}", 0, ub, cat="Integer" if integral else "Continuous"
            )
    for (s, c), modes in model.allowed.items():
        for m in modes:
            model.x[(s, c, m)] = lp.add_variable(f"x__{s}__{c}__{m}", 0, 1, cat="Binary")


def _set_objective(model: MilpModel) -> None:
    data = model.data
    terms: Terms = []
    for (s, c, m), var in model.x.items():
        coef = data.keep_coefficient(s, c) if m == "keep" else data.member_coefficient(s, c, m)
        if coef:
            terms.append((var, coef))
    for (s, p), var in model.y.items():
        terms.append((var, data.pool(s, p).fixed_cost))
    for (s, p), var in model.n.items():
        terms.append((var, data.step_coefficient(s, p)))
    model.objective_terms = terms
    model.lp.setObjective(pulp.LpAffineExpression(terms))
