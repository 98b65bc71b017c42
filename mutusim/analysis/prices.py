"""The price of each rule: what the plan would cost without it (rules reported when they bind).

Switching a rule off changes only the sub-models it acts on. When the model
decomposes by service (no rule couples services), a service whose model is
the same with and without the rule keeps its optimum, so only the services
the rule acts on are re-solved; the price is exact all the same
(``tests/analysis/test_prices.py`` compares it with a full re-solve).
"""

from __future__ import annotations

import pandas as pd

from mutusim.core import rulebook
from mutusim.core.result import Result
from mutusim.core.scenario import Scenario
from mutusim.core.territory import Territory
from mutusim.model.build import build_model
from mutusim.model.pipeline import decomposes, optimise

__all__ = ["RULE_PRICE_COLUMNS", "rule_prices"]

#: Columns of :func:`rule_prices`.
RULE_PRICE_COLUMNS = ["rule", "active", "cost_without", "price", "binds"]


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
    """What each active rule costs: the optimum with and without it [EUR/year].

    A rule *binds* when switching it off lowers the optimum; its price is the
    difference. Rules that are off, that have nothing to act on (no cap set)
    or that act on the roadmap only are listed as inactive. The result's own
    plan is the reference; each active rule re-solves the services it acts on
    (the whole model when a rule couples services).

    Parameters
    ----------
    result : Result
        Any result; without a plan, every price is empty.

    Returns
    -------
    DataFrame
        :data:`RULE_PRICE_COLUMNS`, one row per switchable rule: ``cost_without``
        [EUR/year], ``price`` [EUR/year], ``binds`` [bool].
    """
    sc = result.scenario
    t = result.territory
    rows = []
    for rule in rulebook.RULES:
        if not rule.switchable:
            continue
        active = sc.rule_on(rule.name) and "roadmap" not in rule.stages
        row: dict[str, object] = {
            "rule": rule.name,
            "active": active,
            "cost_without": None,
            "price": None,
            "binds": False,
        }
        if active and result.has_plan and result.total_cost is not None and result.after:
            relaxed = sc.replace(disabled_rules=(*sc.disabled_rules, rule.name))
            cost_without: float | None
            if decomposes(t, sc) and decomposes(t, relaxed):
                acted = _services_acted_on(t, sc, relaxed)
                cost_without = result.total_cost
                if acted:
                    other = optimise(
                        t.subset(services=acted), relaxed, explain=False, check_codes=False
                    )
                    kept = sum(float(result.after.service_costs[s]) for s in acted)
                    cost_without = (
                        None
                        if not other.has_plan or other.total_cost is None
                        else result.total_cost - kept + other.total_cost
                    )
            else:
                other = optimise(t, relaxed, explain=False)
                cost_without = other.total_cost if other.has_plan else None
            if cost_without is not None:
                price = result.total_cost - cost_without
                row.update(
                    cost_without=cost_without,
                    price=price,
                    binds=price > 1e-6 * max(1.0, result.total_cost),
                )
        rows.append(row)
    return pd.DataFrame(rows, columns=RULE_PRICE_COLUMNS)
