"""Trade-off fronts: the plan's NPV against a second criterion, by the epsilon-constraint method (issue 11.1).

A committee asks what it costs to move fewer agents, or to guarantee a
higher service level. :func:`pareto` answers with the exact front:

- ``against="fte_moved"`` (FTE whose arrangement changes, DOMAIN.md §3):
  starting from the optimum, the cap ``max_fte_moved`` is set just below
  the last point's FTE and the model re-solved, until no change is left (the
  status quo) or no plan satisfies the rules;
- ``against="communes_changed"`` (communes whose arrangement changes for at
  least one service): the cap ``max_communes_changed`` is set one below the
  last point's count, down to the status quo;
- ``against="min_level"`` (the lowest service level of any pair after the
  plan, [0-100]): the floor ``min_level`` is raised just above the last
  point's level, until no plan reaches it;
- ``against="average_level"`` (the communes' levels averaged over their
  services and weighted by population, [0-100]: ``Result.average_level``):
  the floor ``min_average_level`` is raised just above the last point's
  average, until no plan reaches it.

Each step gives the best NPV under the current bound, so the points found are
the front's corners (every Pareto-optimal value of the criterion where the
best NPV changes); points dominated by another (no better on either
criterion) are removed. With ``points``, the bound instead runs over an even
grid of that many values (a sample of the front, for large territories), from the
optimum's value to 0 (FTE, communes) or to :func:`highest_level` (the levels). The
average level's front has a corner at almost every plan on real territories (hundreds
on four Angers services): sample it.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from mutusim.core.costs import pair_level
from mutusim.core.result import Result
from mutusim.core.scenario import Scenario
from mutusim.core.territory import Territory
from mutusim.errors import MutusimError
from mutusim.model.build import filter_model
from mutusim.model.pipeline import optimise

__all__ = ["CRITERIA", "FRONT_COLUMNS", "STEPS", "criterion_value", "highest_level", "pareto"]

#: Second criteria of a front, and whether less is better.
CRITERIA = {
    "fte_moved": True,
    "communes_changed": True,
    "min_level": False,
    "average_level": False,
}
#: Columns of :func:`pareto`.
FRONT_COLUMNS = ["against", "value", "npv", "steady_savings", "status", "result"]
#: Step below (or above) the last point's value [FTE, communes or level points]: the
#: front's resolution. An average of population-weighted levels moves in steps as small
#: as the data make them; its step, 1e-3 points, is ten times what HiGHS's integrality
#: tolerance (1e-6) can move the row, whose coefficients are at most 100.
STEPS = {"fte_moved": 1e-4, "communes_changed": 1.0, "min_level": 1e-4, "average_level": 1e-3}


def criterion_value(result: Result, against: str) -> float:
    """The plan's value of a second criterion.

    Parameters
    ----------
    result : Result
        A result with a plan.
    against : str
        ``fte_moved`` [FTE whose arrangement changes], ``communes_changed``
        [communes whose arrangement changes for some service], ``min_level``
        [the lowest service level of any commune's pair after the plan, 0-100]
        or ``average_level`` [the population-weighted average level of the
        communes' pairs, 0-100].

    Returns
    -------
    float
    """
    if against == "fte_moved":
        return float(result.fte_moved or 0.0)
    if against == "communes_changed":
        return float(result.communes_changed or 0)
    if against == "average_level":
        return float(result.average_level or 0.0)
    d = result.decisions
    communes = d[d["commune"].isin(result.territory.communes.index)]
    return float(communes["level_after"].min())


def _bounded(scenario: Scenario, against: str, bound: float) -> Scenario:
    if against == "fte_moved":
        return replace(scenario, max_fte_moved=max(bound, 0.0))
    if against == "communes_changed":
        # a count: the bound just below n communes is n - 1
        return replace(scenario, max_communes_changed=max(math.floor(bound), 0))
    if against == "average_level":
        return replace(scenario, min_average_level=min(bound, 100.0))
    return replace(scenario, min_level=min(bound, 100.0))


def highest_level(territory: Territory, scenario: Scenario, against: str) -> float:
    """An upper bound on the level criterion any plan reaches: each pair at its best allowed mode.

    The modes the filters leave each pair (allowed modes, perimeter, votes, minimum
    levels, ...) are read from the filtered model (no MILP built); ``min_level`` takes
    the lowest, over the communes' pairs, of each pair's best level, ``average_level``
    the population-weighted average of these. The rows (all-or-nothing transfers, yearly capacity, ...) may keep
    a plan below it: the sampled front then stops at the first bound no plan reaches.

    Parameters
    ----------
    territory : Territory
    scenario : Scenario
    against : str
        ``min_level`` or ``average_level``.

    Returns
    -------
    float
        [0-100]
    """
    model = filter_model(territory, scenario)
    data = model.data
    weights = data.level_weights()
    best = {
        (s, c): max(
            (
                pair_level(data.pair(s, c), data.pools.get((s, m)), m)
                for m in model.allowed[(s, c)]
            ),
            default=0.0,
        )
        for s, c in weights
    }
    if not best:
        return 0.0
    if against == "min_level":
        return min(best.values())
    total = sum(weights.values())
    return sum(weights[p] * best[p] for p in best) / total if total else 0.0


def pareto(
    territory: Territory,
    scenario: Scenario | None = None,
    against: str = "fte_moved",
    points: int | None = None,
    max_steps: int = 200,
) -> pd.DataFrame:
    """The front of the plan's NPV against a second criterion.

    Parameters
    ----------
    territory : Territory
    scenario : Scenario, optional
        The reference scenario (its own cap or floor, if any, is the first bound).
    against : str
        ``fte_moved``, ``communes_changed``, ``min_level`` or ``average_level``
        (:data:`CRITERIA`).
    points : int, optional
        Sample the front on this many evenly spaced bounds instead of finding
        every corner.
    max_steps : int
        Safety limit on the number of re-solves.

    Returns
    -------
    DataFrame
        Columns :data:`FRONT_COLUMNS`, one row per non-dominated point, from the
        optimum to the most demanding bound: ``value`` of the criterion,
        ``npv`` [EUR], ``steady_savings`` [EUR/year], ``status`` and the full
        ``result`` (a :class:`Result`).

    Raises
    ------
    MutusimError
        An unknown criterion, or a reference scenario without a plan.
    """
    if against not in CRITERIA:
        raise MutusimError(f"against must be one of {list(CRITERIA)}, got '{against}'")
    sc = scenario or Scenario()
    less = CRITERIA[against]
    first = optimise(territory, sc)
    if not first.has_plan:
        raise MutusimError(f"the reference scenario has no plan (status {first.status})")
    found = [first]
    if points is not None:
        start = criterion_value(first, against)
        end = 0.0 if less else highest_level(territory, sc, against)
        for bound in np.linspace(start, end, max(points, 2))[1:]:
            res = optimise(territory, _bounded(sc, against, float(bound)))
            if not res.has_plan:
                break
            found.append(res)
    else:
        last = first
        for _ in range(max_steps):
            value = criterion_value(last, against)
            if (less and value <= 0.0) or (not less and value >= 100.0):
                break
            bound = value - STEPS[against] if less else value + STEPS[against]
            res = optimise(territory, _bounded(sc, against, bound))
            if not res.has_plan:
                break
            found.append(res)
            last = res
    rows = [
        {
            "against": against,
            "value": criterion_value(r, against),
            "npv": float(r.npv or 0.0),
            "steady_savings": float(r.savings or 0.0),
            "status": str(r.status),
            "result": r,
        }
        for r in found
    ]
    keep = [p for i, p in enumerate(rows) if not _dominated(i, rows, less)]
    return pd.DataFrame(keep, columns=FRONT_COLUMNS).reset_index(drop=True)


def _dominated(i: int, rows: list[dict[str, Any]], less: bool) -> bool:
    """Row i is no better than another on both criteria (the first of equal rows stays)."""
    v, n = float(rows[i]["value"]), float(rows[i]["npv"])
    for j, q in enumerate(rows):
        if j == i:
            continue
        qv, qn = float(q["value"]), float(q["npv"])
        better_value = qv <= v if less else qv >= v
        if better_value and qn >= n - 1e-6 and (qv != v or qn > n + 1e-6 or j < i):
            return True
    return False
