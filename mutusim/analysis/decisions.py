"""The price of a decision: what the committee pays to keep, share or transfer a service otherwise.

For each service, the best plan that imposes another decision on it (issue
11.3): **keep** (the service stays as today: it leaves the perimeter),
**share** (every commune in one service commun) or **transfer** (every commune
transfers it, when the competence is transferable). The price is the NPV the
optimum gives up [EUR]. Each alternative is a full re-solve of the model with
the scenario's other options unchanged; an alternative the rules forbid is
reported with its status (infeasible) and no price.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

import pandas as pd

from mutusim.core.result import Result
from mutusim.core.scenario import Decision, Scenario
from mutusim.model.pipeline import optimise

__all__ = ["DECISION_PRICE_COLUMNS", "decision_prices", "service_decision", "service_decisions"]

#: Columns of :func:`decision_prices`.
DECISION_PRICE_COLUMNS = [
    "service",
    "decision",
    "alternative",
    "status",
    "npv",
    "price",
    "steady_savings",
]


def service_decision(result: Result, service: str) -> str:
    """The plan's decision for a service: ``keep``, ``share`` or ``transfer``.

    ``keep`` when nothing changes; otherwise the mode most of its changing
    pairs move to (ties: transfer, then share, then keep): members leaving
    today's service commun to run the service alone count as ``keep``.

    Parameters
    ----------
    result : Result
        A result with a plan.
    service : str
        A service code.

    Returns
    -------
    str
    """
    return service_decisions(result, [service])[service]


def service_decisions(result: Result, services: Iterable[str] | None = None) -> dict[str, str]:
    """The plan's decision for each service, by the rule of :func:`service_decision`.

    Parameters
    ----------
    result : Result
        A result with a plan.
    services : iterable of str, optional
        The services (a service absent from the plan is ``keep``); by default every
        service of the decisions table.

    Returns
    -------
    dict
        Service code -> ``keep``, ``share`` or ``transfer``, in the order of ``services``
        (by default the table's).
    """
    d = result.decisions
    counts: dict[str, dict[str, int]] = {}
    for s, mode, current in zip(d["service"], d["mode"], d["current"], strict=True):
        if mode != current:
            moved = counts.setdefault(str(s), {})
            moved[mode] = moved.get(mode, 0) + 1
    out = {}
    wanted = dict.fromkeys(str(x) for x in d["service"]) if services is None else services
    for s in wanted:
        moved = counts.get(s, {})
        out[s] = (
            max(("keep", "share", "transfer"), key=lambda m: (moved.get(m, 0), m != "keep", m))
            if moved
            else "keep"
        )
    return out


def _alternative(scenario: Scenario, service: str, alternative: str, codes: list[str]) -> Scenario:
    if alternative == "keep":
        kept = [s for s in (scenario.perimeter_services or codes) if s != service]
        return replace(scenario, perimeter_services=tuple(kept), name=f"{scenario.name}+keep")
    force = (*scenario.force, Decision(service, "*", alternative))
    return replace(scenario, force=force, name=f"{scenario.name}+{alternative}")


def decision_prices(result: Result, services: list[str] | None = None) -> pd.DataFrame:
    """What each other decision on each service would cost against the optimum [EUR].

    Parameters
    ----------
    result : Result
        An optimal (or feasible) result.
    services : list of str, optional
        Services to price (default: every service of the perimeter).

    Returns
    -------
    DataFrame
        Columns :data:`DECISION_PRICE_COLUMNS`: one row per service and
        alternative decision (``keep``, ``share``, and ``transfer`` when the
        competence is transferable) other than the plan's (``decision``) and,
        when the plan changes nothing, other than what every party already does;
        ``status`` of the re-solve, its ``npv`` [EUR over the horizon],
        ``price`` = the result's NPV minus it [EUR, ≥ 0 when the result is
        optimal; None when the alternative has no plan] and its long-run
        ``steady_savings`` [EUR/year]. Empty without a plan.

    Examples
    --------
    >>> import mutusim as ms
    >>> sc = ms.Scenario(end_year=2028, discount_rate=0, departures="all", all_departure_rate=0.5)
    >>> res = ms.optimise(ms.examples.tiny(), sc)
    >>> p = decision_prices(res, services=["rh_paie"])
    >>> p[["decision", "alternative", "price"]].to_dict("records")
    [{'decision': 'share', 'alternative': 'keep', 'price': 32000.0}]
    """
    if not result.has_plan or result.npv is None:
        return pd.DataFrame(columns=DECISION_PRICE_COLUMNS)
    t = result.territory
    sc = result.scenario
    codes = t.service_codes
    perimeter = set(sc.perimeter_services or codes)
    todo = services if services is not None else [s for s in codes if s in perimeter]
    rows = []
    for s in todo:
        decision = service_decision(result, s)
        options = ["keep", "share"] + (
            ["transfer"] if bool(t.services.at[s, "transferable"]) else []
        )
        if not t.modes.index.isin([(s, "share")]).any():
            options.remove("share")
        today = set(t.baseline.xs(s, level="service")["arrangement"])
        for alternative in options:
            if alternative == decision or (decision == "keep" and today == {alternative}):
                continue  # the plan's decision, or what every party already does (no change)
            alt = optimise(t, _alternative(sc, s, alternative, codes))
            npv = alt.npv if alt.has_plan else None
            rows.append(
                {
                    "service": s,
                    "decision": decision,
                    "alternative": alternative,
                    "status": str(alt.status),
                    "npv": npv,
                    "price": None if npv is None else round(float(result.npv) - npv, 6),
                    "steady_savings": alt.savings if npv is not None else None,
                }
            )
    return pd.DataFrame(rows, columns=DECISION_PRICE_COLUMNS)
