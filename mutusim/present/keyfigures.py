"""The headline figures of a plan, from one place: report, workbook, schéma, CLI and notebooks.

Every document that states the plan's key figures takes them from
:func:`headline` (the indicators), :func:`yearly` (the plan year by year)
and :func:`staff_by_employer` (staff and money of the EPCI and of each
commune). They read a :class:`~mutusim.core.result.Result` and the
:class:`~mutusim.analysis.suite.Analyses` computed once by the caller; they
never solve. When the plan and its roadmap are reconciled into one table,
these three functions are the one place to change.
"""

from __future__ import annotations

import pandas as pd

from mutusim.analysis.suite import Analyses
from mutusim.core.result import Result
from mutusim.present.labels import STATUS_LABELS

__all__ = ["HEADLINE_COLUMNS", "headline", "staff_by_employer", "yearly"]

#: Columns of :func:`headline`.
HEADLINE_COLUMNS = ["key", "label", "value", "kind"]


def headline(result: Result, analyses: Analyses | None = None) -> pd.DataFrame:
    """The plan's key figures, one per row, with their French label and kind of figure.

    Parameters
    ----------
    result : Result
        Any result; without a plan only the status is given.
    analyses : Analyses, optional
        With a roadmap, the figures over the horizon (NPV, cumulative savings,
        savings of the last year) are added.

    Returns
    -------
    DataFrame
        ``key``, ``label`` (French, with the unit), ``value`` (a number, or
        text for the status) and ``kind`` (of
        :data:`mutusim.present.formatting.KINDS`, None for text). Savings
        follow the sign convention: positive = money saved.

    Examples
    --------
    >>> import mutusim as ms
    >>> h = headline(ms.optimise(ms.examples.tiny())).set_index("key")
    >>> round(h.at["savings", "value"])
    39000
    """
    rows: list[tuple[str, str, object, str | None]] = [
        ("status", "Statut de la résolution", STATUS_LABELS.get(str(result.status)), None),
    ]
    if not result.has_plan:
        return pd.DataFrame(rows, columns=HEADLINE_COLUMNS)
    base = float(result.baseline_cost or 0.0)
    savings = float(result.savings or 0.0)
    sc = result.scenario
    rows += [
        ("baseline_cost", "Coût annuel actuel des services étudiés (€/an)", base, "euros"),
        (
            "total_cost",
            "Coût annuel du plan en régime permanent, transition étalée (€/an)",
            float(result.total_cost or 0.0),
            "euros",
        ),
        (
            "savings",
            "Économies annuelles en régime permanent, tous changements engagés (€/an)",
            savings,
            "signed_euros",
        ),
        (
            "savings_ratio",
            "Économies rapportées au coût actuel",
            savings / base if base else None,
            "percent",
        ),
        (
            "transition_one_off",
            "Coûts de transition ponctuels (€)",
            float(result.transition_one_off or 0.0),
            "euros",
        ),
        ("fte_moved", "ETP concernés par un changement", float(result.fte_moved or 0.0), "fte"),
    ]
    sch = (analyses or Analyses()).schedule
    if sch is not None and len(sch.roadmap):
        rm = sch.roadmap
        horizon = f"{sc.start_year}-{sc.end_year}"
        started = int(sch.starts["start_year"].notna().sum())
        rows += [
            (
                "npv",
                f"Valeur actuelle nette du plan sur {horizon} (€)",
                float(sch.npv),
                "signed_euros",
            ),
            ("discount_rate", "Taux d'actualisation", float(sc.discount_rate), "percent"),
            (
                "cumulative_savings",
                f"Économies cumulées sur {horizon} (€)",
                float(rm["cumulative_savings"].iloc[-1]),
                "signed_euros",
            ),
            (
                "last_year_savings",
                f"Économies de l'année {sc.end_year}, changements engagés (€)",
                float(rm["savings"].iloc[-1]),
                "signed_euros",
            ),
            ("services_started", f"Services réorganisés sur {horizon}", started, "count"),
            (
                "services_not_started",
                f"Changements du plan non engagés sur {horizon}",
                int(len(sch.starts) - started),
                "count",
            ),
        ]
    rows.append(("gap", "Écart d'optimalité prouvé par le solveur", result.gap, "percent"))
    return pd.DataFrame(rows, columns=HEADLINE_COLUMNS)


def yearly(result: Result, analyses: Analyses | None = None) -> pd.DataFrame:
    """The plan year by year over the horizon: what starts, staff, money.

    Parameters
    ----------
    result : Result
        A result with a plan.
    analyses : Analyses, optional
        Its roadmap; without one the table is empty.

    Returns
    -------
    DataFrame
        ``year``, ``services_starting`` (names, comma-separated), ``fte_moved``,
        ``fte_absorbed`` [FTE], ``transition_cost`` [EUR], ``cost_status_quo``,
        ``cost_plan``, ``savings``, ``cumulative_savings``,
        ``discounted_savings`` [EUR] (savings > 0 = money saved).
    """
    cols = [
        "year",
        "services_starting",
        "fte_moved",
        "fte_absorbed",
        "transition_cost",
        "cost_status_quo",
        "cost_plan",
        "savings",
        "cumulative_savings",
        "discounted_savings",
    ]
    sch = (analyses or Analyses()).schedule
    if sch is None or not result.has_plan:
        return pd.DataFrame(columns=cols)
    rm = sch.roadmap.copy()
    names = result.territory.services["name"]
    rm["services_starting"] = [
        ", ".join(str(names.get(x.strip(), x.strip())) for x in str(v).split(",") if x.strip())
        for v in rm["services_starting"].fillna("")
    ]
    rm["year"] = rm["year"].astype(int)
    return rm[cols].reset_index(drop=True)


def staff_by_employer(result: Result, analyses: Analyses | None = None) -> pd.DataFrame:
    """Staff and annual cost of each employer, the EPCI and every commune, before and after.

    The EPCI employs the staff of every pooled unit (service commun and
    transferred competence, DOMAIN.md §1.3: agents working entirely in the
    service move to the managing body); a commune employs the staff of the
    services it keeps.

    Parameters
    ----------
    result : Result
        A result with a plan.
    analyses : Analyses, optional
        With a roadmap, ``fte_end`` gives the staff in the last year of the
        horizon (changes not started keep today's staff; pooled units shrink
        only as agents leave).

    Returns
    -------
    DataFrame
        One row per employer (``employer``: INSEE code, or ``EPCI`` first),
        ``employer_name``, ``fte_today``, ``fte_out`` (leaving for the EPCI;
        for the EPCI, received), ``fte_steady`` (after every change, surplus
        absorbed), ``fte_end`` (last year of the horizon, when a roadmap is
        given) [FTE]; ``cost_before``, ``cost_after`` [EUR/year] and
        ``saving`` [EUR/year, > 0 = money saved] of its budget.
    """
    d = result.decisions
    t = result.territory
    kept_today = d["current"] == "keep"
    kept_after = d["mode"] == "keep"
    moving = kept_today & ~kept_after
    per = pd.DataFrame(
        {
            "fte_today": d["fte_before"].where(kept_today, 0.0),
            "fte_out": d["fte_before"].where(moving, 0.0),
            "fte_steady": d["fte_after"].where(kept_after, 0.0),
        }
    )
    per["commune"] = d["commune"].to_numpy()
    communes = per.groupby("commune", sort=False)[["fte_today", "fte_out", "fte_steady"]].sum()
    communes = communes.reindex(t.communes.index, fill_value=0.0)
    epci = {
        "fte_today": float(d.loc[~kept_today, "fte_before"].sum()),
        "fte_out": float(d.loc[moving, "fte_before"].sum()),
        "fte_steady": float(d.loc[~kept_after, "fte_after"].sum()),
    }
    sch = (analyses or Analyses()).schedule
    end_commune: pd.Series | None = None
    end_epci = None
    if sch is not None:
        starts = sch.start_years
        end = result.scenario.end_year
        started = d["service"].map(lambda s: starts.get(s) is not None)
        # a commune keeps today's staff of a change not started within the horizon
        own = d["fte_before"].where(kept_today & (kept_after | ~started), 0.0)
        end_commune = own.groupby(d["commune"]).sum().reindex(t.communes.index, fill_value=0.0)
        staff = sch.staff
        pooled_started = (
            float(staff.loc[staff["year"] == end, "staff"].sum()) if len(staff) else 0.0
        )
        not_started = ~started & ~kept_today
        unchanged = ~d["service"].isin(list(starts)) & ~kept_after
        end_epci = (
            pooled_started
            + float(d.loc[not_started & d["service"].isin(list(starts)), "fte_before"].sum())
            + float(d.loc[unchanged, "fte_after"].sum())
        )
    rows = [
        {
            "employer": "EPCI",
            "employer_name": t.name,
            **epci,
            **({"fte_end": end_epci} if end_epci is not None else {}),
        }
    ]
    for c in t.communes.index:
        row = {
            "employer": c,
            "employer_name": str(t.communes.at[c, "name"]),
            **{k: float(communes.at[c, k]) for k in ("fte_today", "fte_out", "fte_steady")},
        }
        if end_commune is not None:
            row["fte_end"] = float(end_commune.get(c, 0.0))
        rows.append(row)
    out = pd.DataFrame(rows)
    budgets = result.budgets.set_index("commune")
    out["cost_before"] = out["employer"].map(budgets["cost_before"]).astype(float)
    out["cost_after"] = out["employer"].map(budgets["cost_after"]).astype(float)
    out["saving"] = out["cost_before"] - out["cost_after"]
    return out
