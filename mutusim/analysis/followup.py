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
  baseline), nothing for a pair shared or transferred (the agents move to
  the EPCI, DOMAIN.md §1.3);
* the EPCI employs the staff of the pooled units: from t_s the units' staff
  of the roadmap (shrinking only as agents leave), before it the staff of
  today's pooled pairs;
* the service's total cost is today's before t_s and today's minus the
  savings of the service alone from t_s (:func:`mutusim.analysis.phasing.evaluate_schedule`
  with only *s* started), one-off transition costs included in the start
  year; the EPCI's cost is that total minus the communes' own costs.

Costs are the employer's own operating costs, without what members pay one
another (bills of a service commun, attribution de compensation): they add
up to the cost of the service for the whole territory.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from mutusim.analysis.phasing import Schedule, evaluate_schedule
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


def planned_by_employer(
    result: Result, schedule: Schedule, years: list[int] | None = None
) -> pd.DataFrame:
    """What the plan foresees for each year, service and employer.

    Parameters
    ----------
    result : Result
        A result with a plan.
    schedule : Schedule
        Its roadmap (:func:`mutusim.roadmap`).
    years : list of int, optional
        Years wanted (default: the horizon of the scenario). A year after
        the horizon repeats the last year's staff and costs.

    Returns
    -------
    DataFrame
        ``year``, ``service``, ``employer`` (INSEE code, or ``EPCI``),
        ``arrangement`` (the commune's arrangement in force; empty for the
        EPCI), ``fte`` [FTE], ``cost`` [EUR/year]; one row per commune and
        service, and one per service for the EPCI.

    Raises
    ------
    NoPlanError
        The result has no plan.
    """
    if not result.has_plan:
        raise NoPlanError(f"no plan to follow: the result's status is '{result.status}'")
    sc = result.scenario
    years = list(years) if years is not None else list(range(sc.start_year, sc.end_year + 1))
    d = result.decisions
    starts = schedule.start_years
    sq = result.by_service.set_index("service")["cost_before"]
    staff = schedule.staff
    last = sc.end_year
    # savings of each started service alone, year by year
    alone: dict[str, pd.Series] = {}
    for s, t0 in starts.items():
        if t0 is None:
            continue
        rm = evaluate_schedule(result.territory, sc, d, {s: t0}, after=result.after).roadmap
        alone[s] = rm.set_index("year")["savings"]
    rows = []
    for s, g in d.groupby("service", sort=False):
        s = str(s)
        t0 = starts.get(s)
        changed = s in starts
        for y in years:
            yy = min(y, last)
            started = (not changed) or (t0 is not None and y >= t0)
            mode = g["mode"] if started else g["current"]
            own_fte = g["fte_before"].where(mode == "keep", 0.0)
            own_cost = g["cost_before"].where(mode == "keep", 0.0)
            for c, m, f, k in zip(g["commune"], mode, own_fte, own_cost, strict=True):
                rows.append((y, s, str(c), str(m), float(f), float(k)))
            if changed and started:
                epci_fte = float(
                    staff.loc[(staff["service"] == s) & (staff["year"] == yy), "staff"].sum()
                )
                total = float(sq[s]) - float(alone[s].get(yy, 0.0))
            elif changed:
                epci_fte = float(g.loc[g["current"] != "keep", "fte_before"].sum())
                total = float(sq[s])
            else:
                epci_fte = float(g.loc[g["mode"] != "keep", "fte_after"].sum())
                total = float(sq[s])
            rows.append((y, s, EPCI_EMPLOYER, "", epci_fte, total - float(own_cost.sum())))
    out = pd.DataFrame(rows, columns=["year", "service", "employer", "arrangement", "fte", "cost"])
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
    schedule: Schedule,
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
        A result with a plan.
    schedule : Schedule
        Its roadmap.
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
    >>> res = ms.optimise(ms.examples.tiny())
    >>> plan = planned_by_employer(res, ms.roadmap(res), [2026])
    >>> f = follow_up(res, ms.roadmap(res), plan.assign(arrangement=plan["arrangement"]))
    >>> bool(f.detail["gap_flag"].any())
    False
    """
    years = sorted({int(y) for y in actuals["year"]})
    plan = planned_by_employer(result, schedule, years)
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
