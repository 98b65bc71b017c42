"""Write results to disk: tidy CSV tables and an Excel workbook for the committee.

Every file is written atomically (:func:`mutusim._files.atomic_write`), so an
interrupted run never leaves a half-written table (PRODUCT.md Q3). The
tables come from a result and the analyses computed once by the caller
(:func:`mutusim.analyse`): writing never solves.

The CSV tables are for programs (English headers, codes, raw numbers); the
workbook is for the committee and its finance analyst: French headers, the
names beside the codes, numbers stored as numbers in French display formats,
a numeric "Synthèse" whose key figures come from
:func:`mutusim.present.keyfigures.headline`, and a sheet of the scenario's
options and sources (sheets written by :mod:`mutusim.present.xlsx`).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from mutusim._files import atomic_write, safe_frame, text_cells
from mutusim.analysis.suite import Analyses
from mutusim.core.result import Result
from mutusim.present.keyfigures import headline, staff_by_employer, yearly
from mutusim.present.labels import FINANCING_LABELS, scenario_title, start_reason
from mutusim.present.sources import option_table, source_table
from mutusim.present.views import (
    financing_view,
    groupements_view,
    instruments_view,
    with_names,
)

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
    "Par employeur": "by_employer",
    "Règles": "rules",
    "Instruments juridiques": "instruments",
    "Financements": "financing",
    "Financements par commune": "financing_by_party",
    "Groupements de commandes": "groupements",
    "Options et sources": "options",
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
    rules = an.rule_prices if an.rule_prices is not None else pd.DataFrame()
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
        "by_employer": staff_by_employer(result) if result.has_plan else pd.DataFrame(),
        "rules": rules,
        "instruments": an.instruments if an.instruments is not None else pd.DataFrame(),
        "financing": an.financing_summary if an.financing_summary is not None else pd.DataFrame(),
        "financing_by_party": an.financing if an.financing is not None else pd.DataFrame(),
        "groupements": (
            an.groupements.groupements if an.groupements is not None else pd.DataFrame()
        ),
        "options": option_table(result.scenario, result.territory)[["option_code", "value"]],
    }


#: Notes under some sheets of the workbook.
_NOTES: dict[str, tuple[str, ...]] = {
    "decisions": (
        "Coûts avant et après : ce que chaque commune paie pour le service (ses propres "
        "coûts, sa facture du service commun ou la réduction de son attribution de "
        "compensation en cas de transfert).",
    ),
    "budgets": ("La dernière ligne est le budget de l'EPCI : les budgets s'additionnent.",),
    "votes": (
        "Votes simulés sur chaque compétence transférable ; seuls comptent les transferts "
        "que le plan propose.",
    ),
    "starts": (
        "Année de démarrage « non engagé » : le changement ne démarre pas sur la période.",
    ),
    "allocation": (
        "Au-delà de 12 membres, la valeur de Shapley est estimée par tirage (erreur type indiquée).",
    ),
    "financing": (
        "Le même plan, ses services communs financés selon chaque clé ; l'imputation sur "
        "l'attribution de compensation n'existe qu'en fiscalité professionnelle unique.",
    ),
    "groupements": (
        "Dépenses et baisses de prix illustratives (docs/model.md) ; hors valeur actuelle "
        "nette du plan.",
    ),
    "rules": (
        "Pour chaque règle active : le coût annuel du meilleur plan si on la levait, et ce "
        "qu'elle coûte.",
    ),
}


def _sheet_frame(key: str, frames: dict[str, pd.DataFrame], result: Result) -> pd.DataFrame:
    df = frames[key]
    if key == "rules" and len(df):
        df = df[df["active"]].drop(columns=["active"])
    if key == "options":
        return option_table(result.scenario, result.territory)
    if key == "instruments" and len(df):
        return instruments_view(df, result.territory)
    if key == "financing" and len(df):
        return financing_view(df)
    if key == "financing_by_party" and len(df):
        df = df.assign(financing=[FINANCING_LABELS.get(x, x) for x in df["financing"]])
    if key == "groupements" and len(df):
        return groupements_view(df)
    return with_names(df, result.territory)


def write_excel(result: Result, path: str | Path, analyses: Analyses | None = None) -> Path:
    """Write the result as an .xlsx workbook for the committee and its finance analyst.

    A numeric "Synthèse" (key figures of :func:`mutusim.present.keyfigures.headline`,
    then the plan year by year), one sheet per table (:data:`SHEETS`) with the
    names beside the codes, and "Options et sources". Numbers are stored as
    numbers with French display formats; headers are bold, frozen and
    filterable; pages print landscape, fitted to the width.

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
    from mutusim.present.formatting import siren
    from mutusim.present.xlsx import (
        append_table,
        new_workbook,
        write_key_figures,
        write_table,
    )

    frames = tables(result, analyses)
    t = result.territory
    title = f"{t.name} — {scenario_title(result.scenario)}"

    def write(tmp: Path) -> None:
        wb = new_workbook()
        intro = [
            ("Territoire", f"{t.name} (SIREN {siren(t.epci.get('siren', ''))})"),
            ("Scénario", scenario_title(result.scenario)),
        ]
        for sheet, key in SHEETS.items():
            if key == "summary":
                write_key_figures(
                    wb,
                    sheet,
                    headline(result),
                    title=title,
                    intro=intro,
                    table=yearly(result, steady=True) if result.has_plan else None,
                    table_title="Le plan année par année",
                )
                continue
            df = _sheet_frame(key, frames, result)
            notes = _NOTES.get(key, ())
            if key == "options":
                ws = write_table(wb, sheet, df, title=title)
                append_table(ws, source_table(result), "Sources")
                continue
            write_table(wb, sheet, df, title=title, notes=notes)
        for ws in wb.worksheets:
            text_cells(ws)  # a name like =HYPERLINK(...) stays text
        wb.save(tmp)

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
