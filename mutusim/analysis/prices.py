"""The price of each rule: the NPV the plan would reach without it (rules reported when they bind).

Switching a rule off changes only the sub-models it acts on. When the model
decomposes by service (no rule couples services), a service whose model is
the same with and without the rule keeps its optimum, so only the services
the rule acts on are re-solved; the price is exact all the same
(``tests/analysis/test_prices.py`` compares it with a full re-solve). The NPV
adds up over services: each started service's ``npv_contribution``.
"""

from __future__ import annotations

import pandas as pd

from mutusim.core import rulebook
from mutusim.core.costs import discount_factor
from mutusim.core.result import Result
from mutusim.core.scenario import Scenario
from mutusim.core.territory import Territory
from mutusim.model.build import build_model
from mutusim.model.pipeline import decomposes, optimise

__all__ = ["RULE_PRICE_COLUMNS", "rule_prices"]

#: Columns of :func:`rule_prices`.
RULE_PRICE_COLUMNS = ["rule", "active", "npv_without", "cost_without", "price", "binds"]


def _signature(territory: Territory, scenario: Scenario) -> tuple[object, ...]:
    """What a rule can change in a service's model: allowed modes, rows, integrality."""
    model = build_model(territory, scenario)
    rows = tuple(sorted((rule, len(names)) for rule, names in model.rows.items()))
    cats = tuple(sorted((key, var.cat) for key, var in model.n.items()))
    return tuple(sorted(model.allowed.items())), rows, cats


def _services_acted_on(territory: Territory, base: Scenario, relaxed: Scenario) -> list[str]:
    """Services whose model differs when the rule is switched off."""
    out = []
    for s in territory.service_codes:
        part = territory.subset(services=[s])
        if _signature(part, base) != _signature(part, relaxed):
            out.append(s)
    return out


def rule_prices(result: Result) -> pd.DataFrame:
    """What each active rule costs: the best plan's discounted costs with it, less without it [EUR].

    The model ranks plans by their NPV over the horizon, so a rule's price is
    NPV lost: a rule *binds* when switching it off raises the optimal NPV.
    Plans are compared by their discounted costs over the horizon, which is the
    same as comparing NPVs except for ``indivisible_staffing``, whose removal
    also re-costs today's shared units (fractional staff): ``npv_without`` is
    then the NPV against this result's baseline, ``npv + price``. Rules that
    are off or have nothing to act on (no cap set) are listed as inactive.
    The result's own plan is the reference; each active rule re-solves the
    services it acts on (the whole model when a rule couples services).

    Parameters
    ----------
    result : Result
        Any result; without a plan, every price is empty.

    Returns
    -------
    DataFrame
        :data:`RULE_PRICE_COLUMNS`, one row per switchable rule: ``npv_without``
        [EUR] the optimal NPV without the rule, ``cost_without`` [EUR/year] that
        plan's long-run cost, ``price`` [EUR] (never negative for a proven
        optimum), ``binds`` [bool].
    """
    sc = result.scenario
    t = result.territory
    weight = sum(discount_factor(u, sc.start_year, sc.discount_rate) for u in sc.years)
    rows = []
    for rule in rulebook.RULES:
        if not rule.switchable:
            continue
        active = sc.rule_on(rule.name)
        row: dict[str, object] = {
            "rule": rule.name,
            "active": active,
            "npv_without": None,
            "cost_without": None,
            "price": None,
            "binds": False,
        }
        sch, after = result.schedule, result.after
        if active and result.has_plan and sch is not None and after is not None:
            relaxed = sc.replace(disabled_rules=(*sc.disabled_rules, rule.name))
            # (discounted costs over the horizon [EUR], long-run cost [EUR/year]) without the rule
            without: tuple[float, float] | None = None
            if decomposes(t, sc) and decomposes(t, relaxed) or not rule.couples_services:
                acted = _services_acted_on(t, sc, relaxed)
            else:
                acted = list(t.service_codes)
            if not acted:
                without = (sch.discounted_cost, sch.steady_cost)  # the same model
            elif decomposes(t, sc) and decomposes(t, relaxed):
                other = optimise(
                    t.subset(services=acted), relaxed, explain=False, check_codes=False
                )
                if other.has_plan and other.schedule is not None and result.before is not None:
                    today = sum(float(result.before.service_costs[s]) for s in acted)
                    part = weight * today - _npv_of(result, acted)
                    kept = sum(float(after.service_costs[s]) for s in acted)
                    without = (
                        sch.discounted_cost - part + other.schedule.discounted_cost,
                        sch.steady_cost - kept + other.schedule.steady_cost,
                    )
            else:
                other = optimise(t, relaxed, explain=False)
                if other.has_plan and other.schedule is not None:
                    without = (other.schedule.discounted_cost, other.schedule.steady_cost)
            if without is not None:
                price = sch.discounted_cost - without[0]
                row.update(
                    npv_without=sch.npv + price,
                    cost_without=without[1],
                    price=price,
                    binds=price > 1e-6 * max(1.0, abs(sch.npv)),
                )
        rows.append(row)
    return pd.DataFrame(rows, columns=RULE_PRICE_COLUMNS)


def _npv_of(result: Result, services: list[str]) -> float:
    """NPV contributed by ``services`` to a result's plan [EUR] (0 for those not started)."""
    if result.schedule is None:
        return 0.0
    st = result.schedule.starts
    return float(st.loc[st["service"].isin(services), "npv_contribution"].sum())
