"""The price of each rule: what the plan would cost without it (PRODUCT.md, rules reported when they bind)."""

from __future__ import annotations

import pandas as pd

from mutusim.core import rulebook
from mutusim.core.result import Result
from mutusim.model.pipeline import optimise

__all__ = ["RULE_PRICE_COLUMNS", "rule_prices"]

#: Columns of :func:`rule_prices`.
RULE_PRICE_COLUMNS = ["rule", "active", "cost_without", "price", "binds"]


def rule_prices(result: Result) -> pd.DataFrame:
    """What each active rule costs: the optimum with and without it [EUR/year].

    A rule *binds* when switching it off lowers the optimum; its price is the
    difference. Rules that are off, that have nothing to act on (no cap set)
    or that act on the roadmap only are listed as inactive. Each active rule
    is one extra solve (the result's own plan is the reference).

    Parameters
    ----------
    result : Result
        Any result; without a plan, every price is empty.

    Returns
    -------
    DataFrame
        :data:`RULE_PRICE_COLUMNS`, one row per switchable rule.
    """
    sc = result.scenario
    rows = []
    for rule in rulebook.RULES:
        if not rule.switchable:
            continue
        active = sc.rule_on(rule.name) and "roadmap" not in rule.stages
        row = {"rule": rule.name, "active": active, "cost_without": None, "price": None}
        row["binds"] = False
        if active and result.has_plan and result.total_cost is not None:
            relaxed = sc.replace(disabled_rules=(*sc.disabled_rules, rule.name))
            other = optimise(result.territory, relaxed, explain=False)
            if other.has_plan and other.total_cost is not None:
                price = result.total_cost - other.total_cost
                row.update(
                    cost_without=other.total_cost,
                    price=price,
                    binds=price > 1e-6 * max(1.0, result.total_cost),
                )
        rows.append(row)
    return pd.DataFrame(rows, columns=RULE_PRICE_COLUMNS)
