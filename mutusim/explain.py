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

import pandas as pd

from mutusim.problem import Problem
from mutusim.scenario import SWITCHABLE_RULES, Scenario
from mutusim.schema import MODES
from mutusim.territory import Territory


#: Constraint rules tried, in order, when a solve is infeasible.
def _eur(x: float) -> str:
    return f"{x:,.0f} €".replace(",", "\u202f")


RELAXABLE = (
    "cost_cap",
    "fte_moved_cap",
    "min_members",
    "transfer_all_or_nothing",
    "no_worse_off",
    "qualified_majority",
)


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
            f"Aucun mode possible pour le service « {t.services.at[s, 'name']} » ({s}) à "
            f"{t.communes.at[c, 'name']} ({c}) : " + " ; ".join(reasons) + "."
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
        relaxed = optimise(
            territory,
            quick.replace(disabled_rules=(*scenario.disabled_rules, rule)),
            explain=False,
        )
        if not relaxed.has_plan:
            continue
        if rule == "cost_cap":
            found.append(
                f"Le plafond de coût ({_eur(scenario.max_total_cost)}/an) est inférieur au coût "
                f"du meilleur plan permis par les autres règles ({_eur(relaxed.total_cost)}/an) : "
                f"relever max_total_cost d'au moins {_eur(relaxed.total_cost - scenario.max_total_cost)}."
            )
        elif rule == "fte_moved_cap":
            found.append(
                f"Le plafond d'ETP concernés ({scenario.max_fte_moved:g}, max_fte_moved) ne peut "
                f"être tenu avec les autres règles ; sans lui, le plan concerne {relaxed.fte_moved:g} ETP."
            )
        elif rule == "no_worse_off":
            found.append(
                "La règle « aucune commune perdante » (no_worse_off) ne peut être tenue avec les "
                "autres règles ; le plan est réalisable sans elle."
            )
        elif rule == "qualified_majority":
            found.append(
                "Un transfert imposé n'obtient pas la majorité qualifiée des conseils municipaux "
                "(qualified_majority) ; le plan serait réalisable si elle était atteinte "
                "(voir Result.majorities)."
            )
        elif rule == "min_members":
            found.append(
                "La taille minimale d'un service commun ne peut être atteinte dans le "
                "périmètre ; le plan est réalisable sans la règle 'min_members'."
            )
        else:
            found.append(
                "Un transfert de compétence doit couvrir toutes les communes, mais une commune "
                "ne peut pas le prendre ; le plan est réalisable avec un transfert à la carte "
                "(règle 'transfer_all_or_nothing' levée)."
            )
    if not found:
        found.append(
            "Le scénario est infaisable sans qu'une règle seule l'explique : plusieurs règles "
            "se contredisent (les lever une à une avec disabled_rules)."
        )
    return found


def rule_prices(territory: Territory, scenario: Scenario) -> pd.DataFrame:
    """What each active rule costs: the optimum with and without it [EUR/year].

    A rule *binds* when switching it off lowers the optimum; its price is
    the difference. Rules that are off, or that have nothing to act on (no
    cap set), are listed as inactive. Each line is one extra solve.
    """
    from mutusim.optimise import optimise

    base = optimise(territory, scenario)
    rows = []
    for rule in SWITCHABLE_RULES:
        active = scenario.rule_on(rule) and _has_effect(scenario, rule)
        row = {"rule": rule, "active": active, "cost_without": None, "price": None, "binds": False}
        if active and base.has_plan:
            other = optimise(
                territory,
                scenario.replace(disabled_rules=(*scenario.disabled_rules, rule)),
                explain=False,
            )
            if other.has_plan:
                price = base.total_cost - other.total_cost
                row.update(
                    cost_without=other.total_cost,
                    price=price,
                    binds=price > 1e-6 * max(1.0, base.total_cost),
                )
        rows.append(row)
    return pd.DataFrame(rows)


def _has_effect(scenario: Scenario, rule: str) -> bool:
    if rule == "cost_cap":
        return scenario.max_total_cost is not None
    if rule == "fte_moved_cap":
        return scenario.max_fte_moved is not None
    if rule == "service_levels":
        return scenario.min_level > 0 or any(v > 0 for v in scenario.min_level_by_service.values())
    if rule == "forced_decisions":
        return bool(scenario.force or scenario.forbid)
    if rule == "perimeter":
        return any(
            v is not None
            for v in (
                scenario.perimeter_communes,
                scenario.perimeter_services,
                scenario.perimeter_max_population,
            )
        )
    # phasing_capacity acts on the roadmap, not on the plan's annual cost
    return rule != "phasing_capacity"
