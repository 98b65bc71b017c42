"""The calendar of the legal steps of each change of a plan (PRODUCT.md, schéma de mutualisation).

A change takes effect on 1 January of its start year; the steps before it
follow the procedures of DOMAIN.md §1.1 (transfer: concordant deliberations,
councils' three months, prefectoral order; the CLECT reports within nine
months) and §1.3 (service commun: fiche d'impact, opinion of the comité
social territorial, convention). The dates are the latest that leave each
step its legal delay; they are indicative (:data:`STEPS`), to be adjusted to
the local bodies' meeting calendar.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from mutusim.core.result import Result

__all__ = ["CALENDAR_COLUMNS", "STEPS", "legal_steps"]

#: Steps of each kind of change: (code, years before the start year, month, day, legal
#: source). What each step is, in French, is in :data:`mutusim.present.labels.STEP_LABELS`.
STEPS: dict[str, tuple[tuple[str, int, int, int, str], ...]] = {
    "transfer": (
        ("cst_opinion", 1, 3, 31, "art. L5211-4-1 I CGCT"),  # DOMAIN §1.1
        ("epci_deliberation", 1, 5, 31, "art. L5211-17 CGCT"),
        ("council_votes", 1, 8, 31, "art. L5211-17 et L5211-5 II CGCT"),  # 3 months, silence = yes
        ("prefectoral_order", 1, 11, 30, "art. L5211-17 CGCT"),
        ("effective", 0, 1, 1, "art. L5211-17 CGCT"),
        ("clect_report", 0, 9, 30, "art. 1609 nonies C IV CGI"),  # within 9 months
    ),
    "share": (
        ("impact_study", 1, 5, 31, "art. L5211-4-2 CGCT"),  # fiche d'impact, DOMAIN §1.3
        ("cst_opinion", 1, 6, 30, "art. L5211-4-2 CGCT"),
        ("deliberations", 1, 9, 30, "art. L5211-4-2 CGCT"),
        ("convention", 1, 11, 30, "art. L5211-4-2 CGCT"),
        ("effective", 0, 1, 1, "art. L5211-4-2 CGCT"),
    ),
}

#: Columns of :func:`legal_steps`.
CALENDAR_COLUMNS = ["service", "mode", "step", "date", "parties", "source"]


def legal_steps(result: Result) -> pd.DataFrame:
    """The legal steps of every change of a result's plan, with the latest date of each.

    Parameters
    ----------
    result : Result
        A result with a plan (its ``schedule`` gives the start years).

    Returns
    -------
    DataFrame
        :data:`CALENDAR_COLUMNS`, one row per step of each change (a service that
        moves pairs to a transfer, or to a service commun), in date order:
        ``step`` a code (French in :mod:`mutusim.present.labels`), ``date`` a
        :class:`datetime.date`, ``parties`` the number of parties changing.

    Examples
    --------
    >>> import mutusim as ms
    >>> sc = ms.Scenario(end_year=2028, departures="all", all_departure_rate=0.5)
    >>> res = ms.optimise(ms.examples.tiny(), sc)
    >>> steps = legal_steps(res)
    >>> steps["step"].iloc[0], str(steps["date"].iloc[-1])
    ('impact_study', '2027-01-01')
    """
    if not result.has_plan or result.schedule is None:
        return pd.DataFrame(columns=CALENDAR_COLUMNS)
    d = result.decisions
    rows = []
    for s, year in result.starts.items():
        changed = d[(d["service"] == s) & d["changed"].astype(bool)]
        for mode in ("transfer", "share"):
            moving = changed[changed["mode"] == mode]
            if moving.empty:
                continue
            parties = len(moving)
            for code, before, month, day, source in STEPS[mode]:
                if code == "clect_report" and result.territory.epci.get("fiscalite") != "FPU":
                    continue  # no attribution de compensation outside FPU (DOMAIN §1.1)
                rows.append(
                    {
                        "service": s,
                        "mode": mode,
                        "step": code,
                        "date": dt.date(year - before, month, day),
                        "parties": parties,
                        "source": source,
                    }
                )
    out = pd.DataFrame(rows, columns=CALENDAR_COLUMNS)
    return out.sort_values(["date", "service"], kind="stable").reset_index(drop=True)
