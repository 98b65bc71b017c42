"""The headline figures of a plan, from one place: report, workbook, schéma, CLI and notebooks.

Every document that states the plan's key figures takes them from
:func:`headline` (the indicators), :func:`yearly` (the plan year by year,
reconciled with its steady state) and :func:`staff_by_employer` (staff and
money of the EPCI and of each commune). They read the
:class:`~mutusim.core.result.Result` and its roadmap
(``result.schedule``, a :class:`~mutusim.core.timeline.Schedule`); they
never solve.

The headline is the roadmap (PRODUCT.md M3): the net present value of the
savings over the mandate, the savings of each year and their running
total, then the long-run ("régime permanent") yearly figures once every
change is in force and the surplus staff has left.
"""

from __future__ import annotations

import pandas as pd

from mutusim.analysis.followup import planned_by_employer
from mutusim.core.result import Result
from mutusim.core.schema import EPCI_PARTY
from mutusim.present.labels import STATUS_LABELS

__all__ = ["HEADLINE_COLUMNS", "YEARLY_COLUMNS", "headline", "staff_by_employer", "yearly"]

#: Columns of :func:`headline`.
HEADLINE_COLUMNS = ["key", "label", "value", "kind"]

#: Columns of :func:`yearly`.
YEARLY_COLUMNS = [
    "year",
    "services_starting",
    "fte_moved",
    "transition_cost",
    "posts_not_replaced",
    "posts_abolished",
    "cost_status_quo",
    "cost_plan",
    "savings",
    "cumulative_savings",
    "discounted_savings",
]

#: The label of the steady-state row of :func:`yearly`.
STEADY_STATE = "Régime permanent (après la période)"


def headline(result: Result) -> pd.DataFrame:
    """The plan's key figures, one per row, with their French label and kind of figure.

    Parameters
    ----------
    result : Result
        Any result; without a plan only the status is given.

    Returns
    -------
    DataFrame
        ``key``, ``label`` (French, with the unit), ``value`` (a number, or
        text for the status) and ``kind`` (of
        :data:`mutusim.present.formatting.KINDS`, None for text). Savings
        follow the sign convention: positive = money saved. Keys: ``status``,
        ``npv`` [EUR] over the horizon, ``discount_rate``,
        ``cumulative_savings`` [EUR] (undiscounted, over the horizon),
        ``last_year_savings`` [EUR], ``savings`` [EUR/year] (long run),
        ``savings_ratio``, ``baseline_cost`` and ``total_cost`` [EUR/year]
        (today, and the plan in the long run), ``transition_one_off`` [EUR],
        ``fte_moved`` [FTE], ``services_started``, ``gap`` and, when the
        solver gave one, ``npv_bound`` [EUR] (the highest NPV any plan could
        reach, proven by the solver).

    Examples
    --------
    >>> import mutusim as ms
    >>> sc = ms.Scenario(end_year=2028, discount_rate=0, departures="all", all_departure_rate=0.5)
    >>> h = headline(ms.optimise(ms.examples.tiny(), sc)).set_index("key")
    >>> round(h.at["npv", "value"]), round(h.at["savings", "value"])
    (32000, 40000)
    """
    rows: list[tuple[str, str, object, str | None]] = [
        ("status", "Statut de la résolution", STATUS_LABELS.get(str(result.status)), None),
    ]
    sch = result.schedule
    if not result.has_plan or sch is None:
        return pd.DataFrame(rows, columns=HEADLINE_COLUMNS)
    sc = result.scenario
    horizon = f"{sc.start_year}-{sc.end_year}"
    base = float(result.baseline_cost or 0.0)
    savings = float(result.savings or 0.0)
    rm = sch.roadmap
    rows += [
        (
            "npv",
            f"Valeur actuelle nette des économies sur {horizon} (€)",
            float(sch.npv),
            "signed_euros",
        ),
        ("discount_rate", "Taux d'actualisation", float(sc.discount_rate), "percent"),
        (
            "cumulative_savings",
            f"Économies cumulées sur {horizon}, non actualisées (€)",
            float(sch.total_savings),
            "signed_euros",
        ),
        (
            "last_year_savings",
            f"Économies de l'année {sc.end_year} (€)",
            float(rm["savings"].iloc[-1]) if len(rm) else 0.0,
            "signed_euros",
        ),
        (
            "savings",
            "Économies annuelles en régime permanent, tous changements en vigueur (€/an)",
            savings,
            "signed_euros",
        ),
        (
            "savings_ratio",
            "Économies en régime permanent rapportées au coût actuel",
            savings / base if base else None,
            "percent",
        ),
        ("baseline_cost", "Coût annuel actuel des services étudiés (€/an)", base, "euros"),
        (
            "total_cost",
            "Coût annuel du plan en régime permanent (€/an)",
            float(result.total_cost or 0.0),
            "euros",
        ),
        (
            "transition_one_off",
            "Coûts de transition ponctuels (€)",
            float(result.transition_one_off or 0.0),
            "euros",
        ),
        ("fte_moved", "ETP concernés par un changement", float(result.fte_moved or 0.0), "fte"),
        ("services_started", f"Services réorganisés sur {horizon}", len(result.starts), "count"),
        ("gap", "Écart d'optimalité prouvé par le solveur", result.gap, "percent"),
    ]
    if result.bound is not None:
        # the solver minimises minus the NPV: minus its bound is the best NPV it could prove
        rows.append(
            (
                "npv_bound",
                f"Borne supérieure prouvée de la valeur actuelle nette sur {horizon} (€)",
                -float(result.bound),
                "signed_euros",
            )
        )
    return pd.DataFrame(rows, columns=HEADLINE_COLUMNS)


def yearly(result: Result, *, steady: bool = False) -> pd.DataFrame:
    """The plan year by year over the horizon: what starts, staff, money.

    Parameters
    ----------
    result : Result
        Any result; without a plan or roadmap the table is empty.
    steady : bool
        Add a last row, :data:`STEADY_STATE`, with the long-run yearly cost
        and savings (every change in force, surplus absorbed); its year and
        cumulated figures are missing (NaN). The ``year`` column is then text.

    Returns
    -------
    DataFrame
        :data:`YEARLY_COLUMNS`: ``year``, ``services_starting`` (names,
        comma-separated), ``fte_moved`` [FTE], ``transition_cost`` [EUR],
        ``posts_not_replaced``, ``posts_abolished`` [FTE],
        ``cost_status_quo``, ``cost_plan``, ``savings``,
        ``cumulative_savings``, ``discounted_savings`` [EUR] (savings > 0 =
        money saved). The savings add up to ``result.schedule.total_savings``,
        the discounted savings to ``result.schedule.npv``.
    """
    sch = result.schedule
    if sch is None or not result.has_plan:
        return pd.DataFrame(columns=YEARLY_COLUMNS)
    rm = sch.roadmap.copy()
    names = result.territory.services["name"]
    rm["services_starting"] = [
        ", ".join(str(names.get(x.strip(), x.strip())) for x in str(v).split(",") if x.strip())
        for v in rm["services_starting"].fillna("")
    ]
    rm["year"] = rm["year"].astype(int)
    out = rm[YEARLY_COLUMNS].reset_index(drop=True)
    if not steady:
        return out
    nan = float("nan")
    row = dict.fromkeys(YEARLY_COLUMNS, nan) | {
        "year": STEADY_STATE,
        "services_starting": "",
        "fte_moved": 0.0,
        "transition_cost": 0.0,
        "cost_status_quo": float(sch.baseline_cost),
        "cost_plan": float(sch.steady_cost),
        "savings": float(sch.steady_savings),
    }
    out = out.astype({"year": object})
    return pd.concat([out, pd.DataFrame([row])], ignore_index=True)


def staff_by_employer(result: Result) -> pd.DataFrame:
    """Staff and annual cost of each employer, the EPCI and every commune, over the mandate.

    Staff follow the roadmap (``result.schedule``): a member joining a pooled
    unit sends its whole posts to the unit's host (the EPCI, or the commune
    hosting a service commun) and keeps its partial shares, made available;
    posts leave only as whole agents (DOMAIN.md §1.3, §3). Figures per
    employer are those of :func:`mutusim.analysis.followup.planned_by_employer`
    and of ``result.schedule.employers``.

    Parameters
    ----------
    result : Result
        A result with a plan.

    Returns
    -------
    DataFrame
        One row per employer, the EPCI first (``employer``: ``EPCI`` or an
        INSEE code), ``employer_name``, ``fte_today`` (before any change) and
        ``fte_end`` (last year of the horizon) [FTE]; over the horizon,
        ``posts_transferred_in``, ``posts_transferred_out``,
        ``fte_made_available``, ``posts_not_replaced``, ``posts_abolished``
        [FTE]; ``cost_before``, ``cost_after`` (long run) [EUR/year] and
        ``saving`` [EUR/year, > 0 = money saved] of its budget.
    """
    t = result.territory
    sc = result.scenario
    employers = [EPCI_PARTY, *map(str, t.communes.index)]
    planned = planned_by_employer(result, [sc.start_year - 1, sc.end_year])
    fte = planned.groupby(["year", "employer"])["fte"].sum()
    out = pd.DataFrame({"employer": employers})
    out["employer_name"] = [
        t.name if e == EPCI_PARTY else str(t.communes.at[e, "name"]) for e in employers
    ]
    for col, year in (("fte_today", sc.start_year - 1), ("fte_end", sc.end_year)):
        out[col] = [float(fte.get((year, e), 0.0)) for e in employers]
    moves = ["posts_transferred_in", "posts_transferred_out", "fte_made_available"]
    moves += ["posts_not_replaced", "posts_abolished"]
    emp = result.schedule.employers if result.schedule is not None else pd.DataFrame()
    totals = emp.groupby("employer")[moves].sum() if len(emp) else pd.DataFrame(columns=moves)
    for col in moves:
        out[col] = [float(totals[col].get(e, 0.0)) for e in employers]
    budgets = result.budgets.set_index("commune")
    out["cost_before"] = out["employer"].map(budgets["cost_before"]).astype(float).fillna(0.0)
    out["cost_after"] = out["employer"].map(budgets["cost_after"]).astype(float).fillna(0.0)
    out["saving"] = out["cost_before"] - out["cost_after"]
    return out
