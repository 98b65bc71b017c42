"""Explain an infeasible scenario in domain terms (PRODUCT.md Q2).

Two levels:

* before any solve, a pair left with no allowed mode is reported with the
  rule that excluded each mode (:func:`explain_pairs`);
* after an infeasible solve, each switchable constraint rule is switched
  off in turn; the rules whose removal restores feasibility are reported,
  with, for the caps, the value they would need (:func:`explain_infeasible`).
"""

from __future__ import annotations

import dataclasses

from mutusim.problem import Problem
from mutusim.scenario import Scenario
from mutusim.schema import MODES
from mutusim.territory import Territory

#: Constraint rules tried, in order, when a solve is infeasible.
RELAXABLE = ("cost_cap", "fte_moved_cap", "min_members", "transfer_all_or_nothing")


def explain_pairs(prob: Problem) -> list[str]:
    """One sentence per pair that has no allowed mode, naming each excluding rule."""
    out = []
    t = prob.territory
    for s, c in prob.infeasible_pairs():
        reasons = []
        for m in MODES:
            rule, why = prob.excluded.get((s, c, m), ("?", "excluded"))
            reasons.append(f"{m}: {why} [{rule}]")
        out.append(
            f"No mode is possible for service '{t.services.at[s, 'name']}' ({s}) in "
            f"{t.communes.at[c, 'name']} ({c}): " + "; ".join(reasons) + "."
        )
    return out


def explain_infeasible(territory: Territory, scenario: Scenario) -> list[str]:
    """Find which constraint rules make the scenario infeasible, and by how much."""
    from mutusim.optimise import optimise

    found = []
    quick = dataclasses.replace(scenario, time_limit=min(scenario.time_limit, 30.0))
    for rule in RELAXABLE:
        if not scenario.rule_on(rule):
            continue
        if rule == "cost_cap" and scenario.max_total_cost is None:
            continue
        if rule == "fte_moved_cap" and scenario.max_fte_moved is None:
            continue
        relaxed = optimise(territory, quick.replace(disabled_rules=(*scenario.disabled_rules, rule)))
        if not relaxed.has_plan:
            continue
        if rule == "cost_cap":
            found.append(
                f"The cost cap ({scenario.max_total_cost:,.0f} EUR/year) is below the cheapest "
                f"plan the other rules allow ({relaxed.total_cost:,.0f} EUR/year): raise "
                f"max_total_cost by at least {relaxed.total_cost - scenario.max_total_cost:,.0f}."
            )
        elif rule == "fte_moved_cap":
            found.append(
                f"The cap on FTE moved ({scenario.max_fte_moved:g}) cannot be met together "
                f"with the other rules; without it the plan moves {relaxed.fte_moved:g} FTE."
            )
        elif rule == "min_members":
            found.append(
                "The minimum number of members of a pooled service cannot be reached in "
                "the perimeter; the plan is feasible without rule 'min_members'."
            )
        else:
            found.append(
                "A transfer of competence must cover every commune, but some commune "
                "cannot take it; the plan is feasible with an à la carte transfer "
                "(rule 'transfer_all_or_nothing' off)."
            )
    if not found:
        found.append(
            "The scenario is infeasible and no single rule explains it: several rules "
            "conflict together (try switching off rules one by one with disabled_rules)."
        )
    return found
