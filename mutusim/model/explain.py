"""Explain an infeasible scenario in domain terms (PRODUCT.md Q2).

Two levels, both returning :class:`~mutusim.core.findings.Finding` records
(rendered in French by :func:`mutusim.present.labels.explanation`):

* before any solve, a pair left with no allowed mode is reported with the
  reason each mode was excluded (:func:`explain_pairs`);
* after an infeasible solve, each relaxable rule of
  :data:`mutusim.core.rulebook.RULES` is switched off in turn; the rules whose
  removal restores feasibility are reported, with, for the caps, the value
  they would need (:func:`explain_infeasible`).
"""

from __future__ import annotations

from collections.abc import Callable

from mutusim.core import rulebook
from mutusim.core.findings import Finding, Reason
from mutusim.core.result import Result
from mutusim.core.scenario import Scenario
from mutusim.core.schema import MODES
from mutusim.core.status import Status
from mutusim.core.territory import Territory
from mutusim.model.milp import MilpModel

__all__ = ["EXPLAIN_TIME_LIMIT", "explain_infeasible", "explain_pairs"]

#: Time limit of each relaxed solve [s] (capped by the scenario's own).
EXPLAIN_TIME_LIMIT = 30.0

Runner = Callable[[Territory, Scenario], Result]


def explain_pairs(model: MilpModel) -> list[Finding]:
    """One finding per pair that has no allowed mode, with the reason each mode was excluded.

    Parameters
    ----------
    model : MilpModel
        A built model whose :meth:`~MilpModel.infeasible_pairs` is not empty.

    Returns
    -------
    list of Finding
        Code ``no_mode``.
    """
    out = []
    for s, c in model.infeasible_pairs():
        reasons = {m: model.excluded.get((s, c, m), Reason("data", "excluded")) for m in MODES}
        out.append(Finding("no_mode", service=s, commune=c, reasons=reasons))
    return out


def explain_infeasible(territory: Territory, scenario: Scenario, run: Runner) -> list[Finding]:
    """Find which relaxable rules make the scenario infeasible, and by how much.

    Parameters
    ----------
    territory : Territory
        The input.
    scenario : Scenario
        The infeasible scenario.
    run : callable
        ``run(territory, scenario) -> Result``: build, solve and check without
        explaining (the pipeline hands its own).

    Returns
    -------
    list of Finding
        Code ``relax`` for each rule whose removal restores feasibility
        (values: ``cap`` and ``cost_without`` [EUR/year] for the cost cap:
        the long-run cost of the best plan without it, so that raising the cap
        to it is enough, not necessarily the least raise, since plans are
        ranked by NPV;
        ``cap`` and ``fte_without`` [FTE] for the FTE cap), or one
        ``unexplained`` finding; plus an ``explain_time_limit`` finding when a
        relaxed re-solve stopped at its time limit without a plan (then the
        explanation may miss a rule: a longer time limit completes it).
    """
    found = []
    timed_out = False
    quick = scenario.replace(time_limit=min(scenario.time_limit, EXPLAIN_TIME_LIMIT))
    for rule in rulebook.relaxable():
        if not scenario.rule_on(rule):
            continue
        relaxed = run(territory, quick.replace(disabled_rules=(*scenario.disabled_rules, rule)))
        if relaxed.status == Status.TIME_LIMIT:
            timed_out = True
        if not relaxed.has_plan:
            continue
        values: dict[str, float] = {}
        if rule == "cost_cap" and scenario.max_total_cost is not None:
            values = {"cap": scenario.max_total_cost, "cost_without": relaxed.total_cost or 0.0}
        elif rule == "fte_moved_cap" and scenario.max_fte_moved is not None:
            values = {"cap": scenario.max_fte_moved, "fte_without": relaxed.fte_moved or 0.0}
        elif rule == "communes_changed_cap" and scenario.max_communes_changed is not None:
            values = {
                "cap": scenario.max_communes_changed,
                "communes_without": relaxed.communes_changed or 0,
            }
        elif rule == "average_level_floor" and scenario.min_average_level is not None:
            values = {
                "floor": scenario.min_average_level,
                "average_without": relaxed.average_level or 0.0,
            }
        found.append(Finding("relax", rule=rule, values=values))
    if timed_out:
        found.append(Finding("explain_time_limit", values={"seconds": quick.time_limit}))
    elif not found:
        found.append(Finding("unexplained"))
    return found
