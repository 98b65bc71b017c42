"""The yearly follow-up of a plan: planned against realised, per year, service and employer.

The schéma de mutualisation is reported on every year at the budget debate
(art. L5211-39-1 CGCT, DOMAIN.md §1.8). :func:`planned_by_employer` says what
the plan and its roadmap foresee for each year, service and employer (the
EPCI and each commune): staff, operating cost and the arrangement in force;
:func:`follow_up` compares it with the actuals the analyst filled
(:func:`mutusim.inputs.actuals.read_actuals`) and flags the gaps.

Planned figures (one service *s*, one year *y*, start year t_s of the
roadmap):

* a commune keeps today's arrangement until t_s, then takes the plan's; it
  employs the staff and pays the cost of the pairs it keeps (today's
  baseline); joining a unit, its whole posts (``fte_posts``) move to the
  unit's host and its partial shares stay on its payroll, made available
  to the unit (DOMAIN.md §3), at no cost of its own (the unit pays them);
* the host of a pooled unit (the EPCI, or the commune hosting a service
  commun) employs its posts: from t_s the posts of the roadmap
  (``result.schedule.staff``, shrinking only as whole agents leave), before
  it the staff of today's pooled pairs;
* the service's total cost is today's before t_s and today's minus the
  savings of the service alone from t_s (:func:`mutusim.analysis.phasing.evaluate_schedule`
  with only *s* started), one-off transition costs included in the start
  year; the hosts' cost is that total minus the communes' own costs (split
  by posts when a service has several hosts).

Costs are the employer's own operating costs, without what members pay one
another (bills of a service commun, attribution de compensation): they add
up to the cost of the service for the whole territory.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from mutusim.analysis.phasing import evaluate_schedule
from mutusim.core.result import Result
from mutusim.errors import NoPlanError
from mutusim.inputs.actuals import EPCI_EMPLOYER

__all__ = [
    "COST_TOLERANCE",
    "COST_TOLERANCE_MIN",
    "FTE_TOLERANCE",
    "FollowUp",
    "follow_up",
    "planned_by_employer",
]

#: A staff gap larger than this is flagged [FTE].
FTE_TOLERANCE = 0.5
#: A cost gap larger than this share of the planned cost is flagged [-] ...
COST_TOLERANCE = 0.05
#: ... and larger than this amount [EUR].
COST_TOLERANCE_MIN = 1_000.0

_TOL = 1e-9


def _hosts(pools: pd.DataFrame | None) -> dict[tuple[str, str], str]:
    if pools is None or pools.empty or "host" not in pools.columns:
        return {}
    return {
        (str(s), str(m)): str(h)
        for s, m, h in zip(pools["service"], pools["mode"], pools["host"], strict=True)
    }


def planned_by_employer(result: Result, years: list[int] | None = None) -> pd.DataFrame:
    """What the plan and its roadmap foresee for each year, service and employer.

    Parameters
    ----------
    result : Result
        A result with a plan; its roadmap is ``result.schedule``.
    years : list of int, optional
        Years wanted (default: the horizon of the scenario). A year after
        the horizon repeats the last year's staff and costs.

    Returns
    -------
    DataFrame
        ``year``, ``service``, ``employer`` (INSEE code, or ``EPCI``),
        ``arrangement`` (the commune's arrangement in force; empty for the
        EPCI), ``fte`` [FTE], ``cost`` [EUR/year];
        one row per commune and service, and one per service for each host
        of a pooled unit (the EPCI at least).

    Raises
    ------
    NoPlanError
        The result has no plan.
    """
    if not result.has_plan or result.schedule is None:
        raise NoPlanError(f"no plan to follow: the result's status is '{result.status}'")
    schedule = result.schedule
    sc = result.scenario
    t = result.territory
    years = list(years) if years is not None else list(range(sc.start_year, sc.end_year + 1))
    d = result.decisions
    posts = t.baseline["fte_posts"] if "fte_posts" in t.baseline.columns else None
    starts = schedule.start_years
    sq = result.by_service.set_index("service")["cost_before"]
    staff = schedule.staff
    last = sc.end_year
    plan_hosts = _hosts(result.pools)
    today_hosts = _hosts(result.before.pools if result.before is not None else None)
    # savings of each started service alone, year by year (costs are separable by service)
    alone: dict[str, pd.Series] = {}
    for s, t0 in starts.items():
        if t0 is None:
            continue
        rm = evaluate_schedule(t, sc, d, {s: t0}).roadmap
        alone[s] = rm.set_index("year")["savings"]
    rows: list[tuple[int, str, str, str, float, float]] = []
    for s, g in d.groupby("service", sort=False):
        s = str(s)
        t0 = starts.get(s)
        changed = s in starts
        for y in years:
            yy = min(y, last)
            started = (not changed) or (t0 is not None and y >= t0)
            mode = g["mode"] if started else g["current"]
            host_fte: dict[str, float] = {}
            own_cost = 0.0
            for c, m, cur, f_before, f_after, k_before in zip(
                g["commune"],
                mode,
                g["current"],
                g["fte_before"],
                g["fte_after"],
                g["cost_before"],
                strict=True,
            ):
                c, m = str(c), str(m)
                if m == "keep":  # the party employs its staff and pays its cost
                    rows.append((y, s, c, m, float(f_before), float(k_before)))
                    own_cost += float(k_before)
                    continue
                # a member joining a unit keeps its partial shares (made available, paid
                # by the unit); its whole posts go to the unit (DOMAIN.md §3)
                joined = cur == "keep"
                whole = float(posts.get((s, c), np.floor(f_before))) if posts is not None else 0.0
                partial = max(float(f_before) - whole, 0.0) if joined else 0.0
                rows.append((y, s, c, m, partial, 0.0))
                if not (changed and started):
                    host = (plan_hosts if started else today_hosts).get((s, m), EPCI_EMPLOYER)
                    host_fte[host] = host_fte.get(host, 0.0) + float(
                        f_after if started else f_before
                    )
            if changed and started:
                here = staff[(staff["service"] == s) & (staff["year"] == yy)]
                for h, f in here.groupby("host", sort=False)["staff"].sum().items():
                    host_fte[str(h)] = host_fte.get(str(h), 0.0) + float(f)
                total = float(sq[s]) - float(alone[s].get(yy, 0.0))
            else:
                total = float(sq[s])
            pooled_cost = total - own_cost
            if not host_fte and abs(pooled_cost) > 1e-6:
                host_fte[EPCI_EMPLOYER] = 0.0
            host_fte.setdefault(EPCI_EMPLOYER, 0.0)
            weight = sum(host_fte.values())
            for h, f in host_fte.items():
                share = f / weight if weight > _TOL else float(h == EPCI_EMPLOYER)
                rows.append((y, s, h, "", f, pooled_cost * share))
    out = pd.DataFrame(rows, columns=["year", "service", "employer", "arrangement", "fte", "cost"])
    out = (
        out.groupby(["year", "service", "employer"], sort=False)
        .agg(
            arrangement=("arrangement", lambda a: next((x for x in a if x), "")),
            fte=("fte", "sum"),
            cost=("cost", "sum"),
        )
        .reset_index()
    )
    # the EPCI's arrangement is not reported (its own services and the units it hosts)
    out.loc[out["employer"] == EPCI_EMPLOYER, "arrangement"] = ""
    out["cost"] = out["cost"].where(out["cost"].abs() > 1e-6, 0.0)
    return out


@dataclass(frozen=True)
class FollowUp:
    """Planned against realised (plain data).

    Attributes
    ----------
    detail : DataFrame
        One row per year, service and employer planned or reported:
        ``year``, ``service``, ``employer``, ``arrangement_planned``,
        ``arrangement_actual``, ``fte_planned``, ``fte_actual``, ``fte_gap``
        (actual − planned) [FTE], ``cost_planned``, ``cost_actual`` [EUR],
        ``cost_gap`` (planned − actual: > 0 = spent less than planned) [EUR],
        ``reported`` (a row of actuals exists), and the flags ``gap_arrangement``,
        ``gap_fte``, ``gap_cost``, ``gap_flag`` (any of them).
    by_service : DataFrame
        Per year and service, over the reported rows: the same figures summed,
        ``employers_reported``, ``employers_missing`` (planned but not
        reported), ``arrangement_gaps`` (employers whose arrangement differs),
        and the flags.
    by_year : DataFrame
        Per year reported: totals over the reported rows and the number of gaps.
    years : list of int
        Years the actuals cover.
    fte_tolerance : float
        [FTE]
    cost_tolerance : float
        [-] share of the planned cost.
    cost_tolerance_min : float
        [EUR]
    """

    detail: pd.DataFrame
    by_service: pd.DataFrame
    by_year: pd.DataFrame
    years: list[int]
    fte_tolerance: float = FTE_TOLERANCE
    cost_tolerance: float = COST_TOLERANCE
    cost_tolerance_min: float = COST_TOLERANCE_MIN


def _flags(df: pd.DataFrame, fte_tol: float, cost_tol: float, cost_min: float) -> pd.DataFrame:
    fte_gap = df["fte_gap"].abs()
    cost_gap = df["cost_gap"].abs()
    limit = np.maximum(cost_tol * df["cost_planned"].abs(), cost_min)
    df["gap_fte"] = (fte_gap > fte_tol + _TOL).fillna(False).astype(bool)
    df["gap_cost"] = (cost_gap > limit + _TOL).fillna(False).astype(bool)
    return df


def follow_up(
    result: Result,
    actuals: pd.DataFrame,
    *,
    fte_tolerance: float = FTE_TOLERANCE,
    cost_tolerance: float = COST_TOLERANCE,
    cost_tolerance_min: float = COST_TOLERANCE_MIN,
) -> FollowUp:
    """Compare the actuals with the plan and flag the gaps.

    A gap is flagged when a commune's arrangement differs from the plan's,
    when the staff differs by more than ``fte_tolerance``, or when the cost
    differs by more than ``cost_tolerance`` of the planned cost and more than
    ``cost_tolerance_min``. A planned row without actuals is counted as not
    reported, not as a gap; an empty figure is not compared.

    Parameters
    ----------
    result : Result
        A result with a plan; its roadmap is ``result.schedule``.
    actuals : DataFrame
        As returned by :func:`mutusim.inputs.actuals.read_actuals`.
    fte_tolerance : float
        [FTE]
    cost_tolerance : float
        [-]
    cost_tolerance_min : float
        [EUR]

    Returns
    -------
    FollowUp

    Examples
    --------
    >>> import mutusim as ms, pandas as pd
    >>> sc = ms.Scenario(end_year=2028, departures="all", all_departure_rate=0.5)
    >>> res = ms.optimise(ms.examples.tiny(), sc)
    >>> plan = planned_by_employer(res, [2027])
    >>> f = follow_up(res, plan)
    >>> bool(f.detail["gap_flag"].any())
    False
    """
    years = sorted({int(y) for y in actuals["year"]})
    plan = planned_by_employer(result, years)
    key = ["year", "service", "employer"]
    act = actuals[[*key, "arrangement", "fte", "cost"]].copy()
    act["reported"] = True
    df = plan.merge(act, on=key, how="outer", suffixes=("_planned", "_actual"))
    df["reported"] = df["reported"].astype("boolean").fillna(False).astype(bool)
    df["arrangement_planned"] = df["arrangement_planned"].fillna("")
    df["arrangement_actual"] = df["arrangement_actual"].fillna("")
    df["fte_gap"] = df["fte_actual"] - df["fte_planned"]
    df["cost_gap"] = df["cost_planned"] - df["cost_actual"]
    df["gap_arrangement"] = (
        (df["arrangement_actual"] != "")
        & (df["employer"] != EPCI_EMPLOYER)
        & (df["arrangement_actual"] != df["arrangement_planned"])
    )
    df = _flags(df, fte_tolerance, cost_tolerance, cost_tolerance_min)
    df["gap_flag"] = df["gap_arrangement"] | df["gap_fte"] | df["gap_cost"]
    order = {s: i for i, s in enumerate(result.territory.services.index)}
    emp = {c: i + 1 for i, c in enumerate(result.territory.communes.index)} | {EPCI_EMPLOYER: 0}
    df = (
        df.assign(_s=df["service"].map(order), _e=df["employer"].map(emp))
        .sort_values(["year", "_s", "_e"])
        .drop(columns=["_s", "_e"])
        .reset_index(drop=True)
    )
    cols = [
        "year",
        "service",
        "employer",
        "arrangement_planned",
        "arrangement_actual",
        "fte_planned",
        "fte_actual",
        "fte_gap",
        "cost_planned",
        "cost_actual",
        "cost_gap",
        "reported",
        "gap_arrangement",
        "gap_fte",
        "gap_cost",
        "gap_flag",
    ]
    detail = df[cols]
    rep = detail[detail["reported"]].copy()
    # a figure left empty is not compared: its planned value is left out of the sums too
    rep["fte_planned_cmp"] = rep["fte_planned"].where(rep["fte_actual"].notna())
    rep["cost_planned_cmp"] = rep["cost_planned"].where(rep["cost_actual"].notna())
    planned_rows = detail[(detail["fte_planned"] > _TOL) | (detail["cost_planned"] > 1e-6)]
    missing = planned_rows[~planned_rows["reported"]].groupby(["year", "service"]).size()
    grouped = rep.groupby(["year", "service"], sort=False)
    by_service = pd.DataFrame(
        {
            "fte_planned": grouped["fte_planned_cmp"].sum(min_count=1),
            "fte_actual": grouped["fte_actual"].sum(min_count=1),
            "cost_planned": grouped["cost_planned_cmp"].sum(min_count=1),
            "cost_actual": grouped["cost_actual"].sum(min_count=1),
            "employers_reported": grouped.size(),
            "arrangement_gaps": grouped["gap_arrangement"].sum().astype(int),
        }
    )
    by_service["employers_missing"] = missing.reindex(by_service.index).fillna(0).astype(int)
    by_service = by_service.reset_index()
    by_service["fte_gap"] = by_service["fte_actual"] - by_service["fte_planned"]
    by_service["cost_gap"] = by_service["cost_planned"] - by_service["cost_actual"]
    by_service = _flags(by_service, fte_tolerance, cost_tolerance, cost_tolerance_min)
    by_service["gap_flag"] = (
        (by_service["arrangement_gaps"] > 0) | by_service["gap_fte"] | by_service["gap_cost"]
    )
    by_year = (
        by_service.groupby("year")
        .agg(
            fte_planned=("fte_planned", "sum"),
            fte_actual=("fte_actual", "sum"),
            cost_planned=("cost_planned", "sum"),
            cost_actual=("cost_actual", "sum"),
            services_reported=("service", "size"),
            services_with_gaps=("gap_flag", "sum"),
        )
        .reset_index()
    )
    by_year["fte_gap"] = by_year["fte_actual"] - by_year["fte_planned"]
    by_year["cost_gap"] = by_year["cost_planned"] - by_year["cost_actual"]
    by_year["services_with_gaps"] = by_year["services_with_gaps"].astype(int)
    return FollowUp(
        detail=detail,
        by_service=by_service,
        by_year=by_year,
        years=years,
        fte_tolerance=fte_tolerance,
        cost_tolerance=cost_tolerance,
        cost_tolerance_min=cost_tolerance_min,
    )
