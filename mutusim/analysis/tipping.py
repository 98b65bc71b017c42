"""Tipping points: the value of a key parameter at which a service's decision changes (issue 11.3).

For each service and parameter, the model is re-solved with the parameter
moved away from its current value, down and up, within a documented range;
when the service's decision (:func:`mutusim.analysis.decisions.service_decision`:
keep, share or transfer) differs at the end of the range, bisection finds
where it changes, to ``tol`` of the range. The search assumes one change per
direction: a decision that flips back and forth inside the range is reported
at one of its changes. Parameters of a service's pooled units (all its pooled
modes move together) are scaled from 0 to ``max_factor`` times their value;
the departure and discount rates move over absolute ranges (productivity from
``1 / max_factor`` times its value). Each value is
solved once for every service (a cache), so the cost is about
``2 · log2(1 / tol)`` solves per parameter and service.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from functools import partial

import pandas as pd

from mutusim.analysis.decisions import service_decision
from mutusim.analysis.perturb import departure_rate, scale_pooled, with_departure_rate
from mutusim.core.result import Result
from mutusim.core.scenario import Scenario
from mutusim.core.territory import Territory
from mutusim.errors import MutusimError
from mutusim.model.pipeline import optimise

__all__ = ["TIPPING_COLUMNS", "TIPPING_PARAMETERS", "tipping_points"]

#: Parameters searched, and where they live: a column of the service's pooled
#: units (``modes``), or a scenario option.
TIPPING_PARAMETERS = {
    "units_per_fte": "modes",
    "fixed_cost": "modes",
    "cost_per_fte": "modes",
    "transition_cost": "modes",
    "departure_rate": "scenario",
    "discount_rate": "scenario",
}
#: Absolute ranges of the scenario parameters.
_RANGES = {"departure_rate": (0.0, 0.25), "discount_rate": (0.0, 0.15)}

#: Columns of :func:`tipping_points`.
TIPPING_COLUMNS = [
    "service",
    "parameter",
    "decision",
    "current",
    "lower",
    "decision_below",
    "upper",
    "decision_above",
]


def _current(t: Territory, sc: Scenario, service: str, decision: str, parameter: str) -> float:
    if parameter == "departure_rate":
        return departure_rate(sc)
    if parameter == "discount_rate":
        return sc.discount_rate
    modes = [m for s, m in t.modes.index if s == service]
    mode = decision if decision in modes else ("share" if "share" in modes else modes[0])
    column = "transition_cost_per_member" if parameter == "transition_cost" else parameter
    return float(t.modes.at[(service, mode), column])


def _moved(
    t: Territory, sc: Scenario, service: str, parameter: str, factor: float, value: float
) -> tuple[Territory, Scenario]:
    if parameter == "departure_rate":
        return t, with_departure_rate(sc, value)
    if parameter == "discount_rate":
        return t, replace(sc, discount_rate=value)
    return scale_pooled(t, {(service, parameter): factor}), sc


def tipping_points(
    result: Result,
    parameters: Iterable[str] | None = None,
    services: Iterable[str] | None = None,
    *,
    max_factor: float = 4.0,
    tol: float = 1e-3,
) -> pd.DataFrame:
    """Where each service's decision changes when one parameter moves.

    Parameters
    ----------
    result : Result
        An optimal result (its territory and scenario are the reference).
    parameters : iterable of str, optional
        Among :data:`TIPPING_PARAMETERS` (default: all).
    services : iterable of str, optional
        Default: every service of the perimeter.
    max_factor : float
        Unit parameters are searched from 0 (productivity: ``1 / max_factor``)
        to ``max_factor`` times their value [-].
    tol : float
        Bisection tolerance, as a share of the searched range [-].

    Returns
    -------
    DataFrame
        Columns :data:`TIPPING_COLUMNS`: the plan's ``decision``, the parameter's
        ``current`` value, and the value at which the decision changes below it
        (``lower``, with ``decision_below`` beyond it) and above it (``upper``,
        ``decision_above``); NaN / None when it does not change within the
        range. Unit parameters are those of the service's pooled unit (the
        decision's mode, or the shared unit for a kept service): EUR/year,
        units per FTE, EUR per FTE, EUR per member; rates in 1/year.

    Raises
    ------
    MutusimError
        An unknown parameter, or a result without a plan.
    """
    if not result.has_plan:
        raise MutusimError("tipping_points needs a result with a plan")
    params = list(parameters) if parameters is not None else list(TIPPING_PARAMETERS)
    bad = [p for p in params if p not in TIPPING_PARAMETERS]
    if bad:
        raise MutusimError(f"unknown parameter(s) {bad}; use {list(TIPPING_PARAMETERS)}")
    t, sc = result.territory, result.scenario
    perimeter = set(sc.perimeter_services or t.service_codes)
    todo = (
        list(services) if services is not None else [s for s in t.service_codes if s in perimeter]
    )
    rows = []
    for parameter in params:
        for s in todo:
            decision = service_decision(result, s)
            current = _current(t, sc, s, decision, parameter)
            cache: dict[float, str] = {}
            if TIPPING_PARAMETERS[parameter] == "modes":
                # productivity from current / max_factor (a unit with no productivity
                # cannot work); costs from 0
                lo = current / max_factor if parameter == "units_per_fte" else 0.0
                hi = current * max_factor
                scale = current
            else:
                lo, hi = _RANGES[parameter]
                lo, hi = min(lo, current), max(hi, current)
                scale = 0.0
            at = partial(_decision, t, sc, s, parameter, scale, cache)
            step = tol * (hi - lo) if hi > lo else 0.0
            lower, below = _search(at, current, lo, decision, step)
            upper, above = _search(at, current, hi, decision, step)
            rows.append(
                {
                    "service": s,
                    "parameter": parameter,
                    "decision": decision,
                    "current": current,
                    "lower": lower,
                    "decision_below": below,
                    "upper": upper,
                    "decision_above": above,
                }
            )
    return pd.DataFrame(rows, columns=TIPPING_COLUMNS)


def _decision(
    t: Territory,
    sc: Scenario,
    service: str,
    parameter: str,
    scale: float,
    cache: dict[float, str],
    value: float,
) -> str:
    """The service's decision with the parameter at ``value`` (a unit parameter
    scales the service's pooled modes by ``value / scale``)."""
    key = round(value, 9)
    if key not in cache:
        factor = value / scale if scale else 1.0
        moved_t, moved_sc = _moved(t, sc, service, parameter, factor, value)
        res = optimise(moved_t, moved_sc)
        cache[key] = service_decision(res, service) if res.has_plan else str(res.status)
    return cache[key]


def _search(
    at: Callable[[float], str], current: float, end: float, decision: str, step: float
) -> tuple[float | None, str | None]:
    """The value between ``current`` and ``end`` where the decision first differs."""
    if end == current or step <= 0:
        return None, None
    other = at(end)
    if other == decision:
        return None, None
    good, bad = current, end
    while abs(bad - good) > step:
        mid = (good + bad) / 2
        if at(mid) == decision:
            good = mid
        else:
            bad, other = mid, at(mid)
    return bad, other
