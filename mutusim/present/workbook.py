"""Write results to disk: tidy CSV tables and an Excel workbook for the committee.

Every file is written atomically (:func:`mutusim._files.atomic_write`), so an
interrupted run never leaves a half-written table (PRODUCT.md Q3). The
tables come from a result and the analyses computed once by the caller
(:func:`mutusim.analyse`): writing never solves.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from mutusim._files import atomic_write, safe_frame, text_cells
from mutusim.analysis.suite import Analyses
from mutusim.core.result import Result
from mutusim.present.formatting import euros
from mutusim.present.labels import STATUS_LABELS, french, start_reason

__all__ = ["SHEETS", "summary_table", "tables", "write_excel", "write_result"]

#: Sheet names of the workbook (French, <= 31 characters) and the table behind each.
SHEETS: dict[str, str] = {
    "Synthèse": "summary",
    "Décisions": "decisions",
    "Par commune": "by_commune",
    "Budgets": "budgets",
    "Par service": "by_service",
    "Services mutualisés": "pools",
    "Votes": "votes",
    "Majorités": "majorities",
    "Feuille de route": "roadmap",
    "Démarrages": "starts",
    "Effectifs": "staff",
    "Employeurs": "employers",
    "Calendrier": "calendar",
    "Partage des économies": "allocation",
}


def summary_table(result: Result) -> pd.DataFrame:
    """Headline figures as a two-column table (indicator, value).

    Parameters
    ----------
    result : Result
        Any result.

    Returns
    -------
    DataFrame
        ``indicator``, ``value``.
    """
    s = result.summary()
    keys = [
        "scenario",
        "status",
        "baseline_cost",
        "total_cost",
        "savings",
        "npv",
        "transition_one_off",
        "fte_moved",
        "gap",
        "bound",
        "build_seconds",
        "solve_seconds",
        "solver",
    ]
    return pd.DataFrame([(k, s[k]) for k in keys], columns=["indicator", "value"])


def tables(result: Result, analyses: Analyses | None = None) -> dict[str, pd.DataFrame]:
    """All result tables by name (English column names); empty when not available.

    Parameters
    ----------
    result : Result
        Any result.
    analyses : Analyses, optional
        Roadmap and allocation (:func:`mutusim.analyse`).

    Returns
    -------
    dict of str to DataFrame
        One entry per value of :data:`SHEETS`.
    """
    an = analyses or Analyses()
    sch = result.schedule
    starts = pd.DataFrame()
    if sch is not None:
        starts = sch.starts.copy()
        starts["detail"] = [start_reason(r, result.scenario) for r in starts.to_dict("records")]
    return {
        "summary": summary_table(result),
        "decisions": result.decisions,
        "by_commune": result.by_commune,
        "budgets": result.budgets,
        "by_service": result.by_service,
        "pools": result.pools,
        "votes": result.votes,
        "majorities": result.majorities,
        "roadmap": sch.roadmap if sch is not None else pd.DataFrame(),
        "starts": starts,
        "staff": sch.staff if sch is not None else pd.DataFrame(),
        "employers": sch.employers if sch is not None else pd.DataFrame(),
        "calendar": an.calendar if an.calendar is not None else pd.DataFrame(),
        "allocation": an.allocation if an.allocation is not None else pd.DataFrame(),
    }


_SUMMARY_FR = {
    "scenario": "Scénario",
    "status": "Statut de la résolution",
    "baseline_cost": "Coût annuel actuel",
    "total_cost": "Coût annuel du plan en régime permanent",
    "savings": "Économies annuelles en régime permanent",
    "npv": "Valeur actuelle nette sur la période",
    "transition_one_off": "Coûts de transition ponctuels",
    "fte_moved": "ETP concernés par un changement",
    "gap": "Écart d'optimalité (relatif)",
    "bound": "Borne inférieure prouvée (€/an)",
    "build_seconds": "Construction du modèle (s)",
    "solve_seconds": "Résolution (s)",
    "solver": "Solveur",
}


def _summary_fr(result: Result) -> pd.DataFrame:
    t = summary_table(result)
    money = {"baseline_cost", "total_cost", "savings", "npv", "transition_one_off"}
    values = []
    for key, v in zip(t["indicator"], t["value"], strict=True):
        if key == "status":
            v = STATUS_LABELS.get(str(v), v)
        elif key in money:
            v = euros(v)
        values.append(v)
    return pd.DataFrame({"Indicateur": [_SUMMARY_FR[k] for k in t["indicator"]], "Valeur": values})


def write_excel(result: Result, path: str | Path, analyses: Analyses | None = None) -> Path:
    """Write the result as an .xlsx workbook, one sheet per table, French headers.

    Parameters
    ----------
    result : Result
        Any result.
    path : str or Path
        The workbook.
    analyses : Analyses, optional
        Roadmap and allocation (:func:`mutusim.analyse`).

    Returns
    -------
    Path
    """
    frames = tables(result, analyses)

    def write(tmp: Path) -> None:
        with pd.ExcelWriter(tmp, engine="openpyxl") as xl:
            for sheet, key in SHEETS.items():
                df = _summary_fr(result) if key == "summary" else french(frames[key])
                df.to_excel(xl, sheet_name=sheet, index=False)
                ws = xl.sheets[sheet]
                text_cells(ws)  # a name like =HYPERLINK(...) stays text
                for col in ws.columns:  # readable widths
                    width = max(len(str(c.value or "")) for c in col[:200])
                    ws.column_dimensions[col[0].column_letter].width = min(60, max(10, width + 2))

    return atomic_write(path, write)


def write_result(
    result: Result, folder: str | Path, analyses: Analyses | None = None
) -> dict[str, Path]:
    """Write every table as CSV (English headers) plus ``resultats.xlsx`` into ``folder``.

    Parameters
    ----------
    result : Result
        Any result.
    folder : str or Path
        Output folder (created if needed).
    analyses : Analyses, optional
        Roadmap and allocation (:func:`mutusim.analyse`).

    Returns
    -------
    dict of str to Path
        The paths written, by table name (``workbook`` for the .xlsx).
    """
    folder = Path(folder)
    out = {}
    for name, df in tables(result, analyses).items():

        def write(tmp: Path, df: pd.DataFrame = df) -> None:
            safe_frame(df).to_csv(tmp, index=False)  # no cell read as a formula

        out[name] = atomic_write(folder / f"{name}.csv", write)
    out["workbook"] = write_excel(result, folder / "resultats.xlsx", analyses)
    return out
