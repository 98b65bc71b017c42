"""Model build: from a territory and a scenario to one PuLP MILP of the plan and its roadmap.

The pipeline is :func:`build_model` (this module) → :func:`mutusim.model.solver.solve`
→ :func:`mutusim.model.check.check_plan` → :class:`mutusim.core.result.Result`,
run by :func:`mutusim.optimise`.

Formulation (docs/model.md): plan and roadmap decided together
------------------------------------------------------------------
For each service *s* and each year *t* its changes may take effect in
(``Scenario.start_years``: 1 January after the adoption year, within the
horizon) a binary ``z[s,t]``; for each pair, mode and start year a binary
``x[s,i,m,t]`` (the pair's final mode when the service starts in t); for each
pooled mode and start year an opening binary ``y``, staff steps ``n``, the
long-run posts ``need``, and, year by year, the posts employed and the
incoming posts still filled (an integer: agents leave whole). Disaggregating
by start year keeps the formulation linear and tight. Maximise the net present
value of the savings over the horizon, i.e. minimise::

    Σ_{s,t} [ D_t · (Σ kept cost + Σ_units (fixed + Σ_members (member + cost_per_fte · partial)))
              + Σ_{u ≥ t} d_u · cost_per_fte · posts[u] + d_t · Σ one-off transition
              − D_t · SQ_s · z[s,t] ]

with ``d_u = (1 + discount)^-(u − start_year)`` and ``D_t = Σ_{u ≥ t} d_u``;
the objective is minus the NPV [EUR]. A service not started keeps today's
arrangements, so a change that does not pay back within the horizon is
not in the plan.

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
from mutusim.core.schema import MODES
from mutusim.core.territory import Territory
from mutusim.model.data import ModelData, posts_bands
from mutusim.model.milp import MilpModel, Terms
from mutusim.model.rules import CONSTRAINTS, FILTERS

__all__ = ["MilpModel", "build_from_data", "build_model", "filter_model"]


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
    return build_from_data(ModelData.from_inputs(territory, scenario))


def build_from_data(data: ModelData) -> MilpModel:
    """Build the MILP of a territory and scenario already read (:func:`build_model`).

    Parameters
    ----------
    data : ModelData
        The builder's view, e.g. of one service (:meth:`ModelData.from_costs`).

    Returns
    -------
    MilpModel
        As :func:`build_model`.
    """
    t0 = time.perf_counter()
    gc_was_enabled = gc.isenabled()
    gc.disable()  # PULP-NOTES.md: -22 % build time; many small objects, no cycles.
    try:
        model = _filtered(data)
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


def filter_model(territory: Territory, scenario: Scenario) -> MilpModel:
    """The model with its filters applied only: each pair's allowed and excluded modes.

    Parameters
    ----------
    territory : Territory
        The input.
    scenario : Scenario
        The options and rules.

    Returns
    -------
    MilpModel
        ``allowed`` and ``excluded`` set; no variables, objective or rows.
    """
    return _filtered(ModelData.from_inputs(territory, scenario))


def _filtered(data: ModelData) -> MilpModel:
    name = f"mutusim_{_safe(data.scenario.name)}"
    model = MilpModel(data=data, problem=pulp.LpProblem(name, pulp.LpMinimize))
    _filter_modes(model)
    return model


def _safe(text: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in text)


def _filter_modes(model: MilpModel) -> None:
    data = model.data
    for s in data.services:
        for c in data.parties_of(s):
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
    lp = model.problem
    integral = data.scenario.rule_on("indivisible_staffing")
    abolition = data.scenario.staff_reduction == "abolition"
    for s in data.services:
        parties = data.parties_of(s)
        changeable = any(
            m != data.pair(s, c).arrangement for c in parties for m in model.allowed[(s, c)]
        )
        if not changeable:
            continue
        pooled = {m for c in parties for m in model.allowed[(s, c)] if m != "keep"}
        for t in data.start_years:
            model.z[(s, t)] = lp.add_variable(f"start__{s}__{t}", 0, 1, cat="Binary")
            for c in parties:
                for m in model.allowed[(s, c)]:
                    model.x[(s, c, m, t)] = lp.add_variable(
                        f"x__{s}__{c}__{m}__{t}", 0, 1, cat="Binary"
                    )
            for p in ("share", "transfer"):
                if p not in pooled:
                    continue
                candidates = [c for c in parties if p in model.allowed[(s, c)]]
                pool = data.pool(s, p)
                total = sum(data.pair(s, c).units for c in candidates)
                ub = data.steps_needed(s, p, total, integral=True)
                model.y[(s, p, t)] = lp.add_variable(f"open__{s}__{p}__{t}", 0, 1, cat="Binary")
                model.n[(s, p, t)] = lp.add_variable(
                    f"steps__{s}__{p}__{t}", 0, ub, cat="Integer" if integral else "Continuous"
                )
                model.need[(s, p, t)] = lp.add_variable(
                    f"need__{s}__{p}__{t}", 0, ub * pool.fte_step, cat="Continuous"
                )
                arriving = sum(
                    data.pair(s, c).posts for c in candidates if data.pair(s, c).arrangement != p
                )
                if abolition:
                    model.abolished[(s, p, t)] = lp.add_variable(
                        f"abolished__{s}__{p}__{t}", 0, None, cat="Continuous"
                    )
                    model.positive[(s, p, t)] = lp.add_variable(
                        f"positive__{s}__{p}__{t}", 0, 1, cat="Binary"
                    )
                    continue
                years = [u for u in data.years if u >= t]
                for u in years:
                    model.posts[(s, p, t, u)] = lp.add_variable(
                        f"posts__{s}__{p}__{t}__{u}", 0, None, cat="Continuous"
                    )
                whole = round(arriving)
                if abs(arriving - whole) > 1e-9:  # validation makes every fte_posts whole
                    raise ValueError(f"incoming posts of {s} ({p}) are not whole: {arriving}")
                # lost[k]: the agents gone k years after the start (years are consecutive)
                bands = posts_bands(whole, tuple(data.survival(u - t) for u in years))
                # While even all the candidates' posts lose less than one whole agent, every
                # incoming post is still filled: no variable is needed for that year.
                counted = tuple(u for i, u in enumerate(years) if bands[-1].lost[i] >= 1)
                if not counted:
                    continue
                for u in counted:
                    model.kept[(s, p, t, u)] = lp.add_variable(
                        f"kept__{s}__{p}__{t}__{u}", 0, arriving, cat="Continuous"
                    )
                model.bands[(s, p, t)] = bands
                for j in range(len(bands)):
                    model.band[(s, p, t, j)] = lp.add_variable(
                        f"band__{s}__{p}__{t}__{j}", 0, 1, cat="Binary"
                    )


def _set_objective(model: MilpModel) -> None:
    """Minus the net present value of the plan over the horizon [EUR]."""
    data = model.data
    terms: Terms = []
    for (s, t), z in model.z.items():
        terms.append((z, -data.status_quo_cost(s) * data.weight_from(t)))
    for (s, c, m, t), var in model.x.items():
        if m == "keep":
            coef = data.keep_cost(s, c) * data.weight_from(t)
        else:
            yearly = data.member_cost(s, c, m) + data.pool(s, m).cost_per_fte * data.partial_fte(
                s, c
            )
            coef = yearly * data.weight_from(t) + data.one_off(s, c, m) * data.weight(t)
        if coef:
            terms.append((var, coef))
    for (s, p, t), var in model.y.items():
        terms.append((var, data.pool(s, p).fixed_cost * data.weight_from(t)))
    if data.scenario.staff_reduction == "abolition":
        for (s, p, t), var in model.need.items():
            terms.append((var, data.pool(s, p).cost_per_fte * data.weight_from(t)))
        for (s, p, t), var in model.abolished.items():
            terms.append((var, data.pool(s, p).cost_per_fte * data.abolition_weight(t)))
    for (s, p, _t, u), var in model.posts.items():
        terms.append((var, data.pool(s, p).cost_per_fte * data.weight(u)))
    model.set_objective(terms)
