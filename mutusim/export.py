"""Write results to disk: tidy CSV tables and an Excel workbook for the committee.

Every file is written atomically (to a temporary file in the same folder,
then renamed), so an interrupted run never leaves a half-written table
(PRODUCT.md Q3).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from mutusim.labels import STATUS_LABELS, euros, french
from mutusim.result import Result

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
    "Partage des économies": "allocation",
}


def atomic_write(path: str | Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp)`` on a temporary path next to ``path``, then rename it into place."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; give the file normal permissions
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def summary_table(result: Result) -> pd.DataFrame:
    """Headline figures as a two-column table (indicator, value)."""
    s = result.summary()
    rows = [
        ("scenario", s["scenario"]),
        ("status", s["status"]),
        ("baseline_cost", s["baseline_cost"]),
        ("total_cost", s["total_cost"]),
        ("savings", s["savings"]),
        ("transition_one_off", s["transition_one_off"]),
        ("fte_moved", s["fte_moved"]),
        ("gap", s["gap"]),
        ("bound", s["bound"]),
        ("build_seconds", s["build_seconds"]),
        ("solve_seconds", s["solve_seconds"]),
        ("solver", s["solver"]),
    ]
    return pd.DataFrame(rows, columns=["indicator", "value"])


def tables(result: Result) -> dict[str, pd.DataFrame]:
    """All result tables by name (English column names); plan tables are empty without a plan."""
    out = {
        "summary": summary_table(result),
        "decisions": result.decisions,
        "by_commune": result.by_commune,
        "budgets": result.budgets,
        "by_service": result.by_service,
        "pools": result.pools,
        "votes": result.votes,
        "majorities": result.majorities,
    }
    if result.has_plan:
        sch = result.schedule()
        roadmap = sch.roadmap.copy()
        out |= {
            "roadmap": roadmap,
            "starts": sch.starts,
            "staff": sch.staff,
            "allocation": result.allocation(),
        }
    else:
        out |= {k: pd.DataFrame() for k in ("roadmap", "starts", "staff", "allocation")}
    return out


_SUMMARY_FR = {
    "scenario": "Scénario",
    "status": "Statut de la résolution",
    "baseline_cost": "Coût annuel actuel",
    "total_cost": "Coût annuel du plan",
    "savings": "Économies annuelles",
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
    money = {"baseline_cost", "total_cost", "savings", "transition_one_off"}
    values = []
    for key, v in zip(t["indicator"], t["value"], strict=True):
        if key == "status":
            v = STATUS_LABELS.get(v, v)
        elif key in money:
            v = euros(v)
        values.append(v)
    return pd.DataFrame({"Indicateur": [_SUMMARY_FR[k] for k in t["indicator"]], "Valeur": values})


def write_excel(result: Result, path: str | Path) -> Path:
    """Write the result as an .xlsx workbook, one sheet per table, French headers."""
    frames = tables(result)

    def write(tmp: Path) -> None:
        with pd.ExcelWriter(tmp, engine="openpyxl") as xl:
            for sheet, key in SHEETS.items():
                df = _summary_fr(result) if key == "summary" else french(frames[key])
                df.to_excel(xl, sheet_name=sheet, index=False)
                ws = xl.sheets[sheet]
                for col in ws.columns:  # readable widths
                    width = max(len(str(c.value or "")) for c in col[:200])
                    ws.column_dimensions[col[0].column_letter].width = min(60, max(10, width + 2))

    return atomic_write(path, write)


def write_result(result: Result, folder: str | Path) -> dict[str, Path]:
    """Write every table as CSV (English headers) plus ``resultats.xlsx`` into ``folder``.

    Returns the paths written, by table name.
    """
    folder = Path(folder)
    out = {}
    for name, df in tables(result).items():
        out[name] = atomic_write(
            folder / f"{name}.csv", lambda p, df=df: df.to_csv(p, index=False)
        )
    out["workbook"] = write_excel(result, folder / "resultats.xlsx")
    return out
