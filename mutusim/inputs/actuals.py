"""The actuals table of the yearly follow-up: what each employer really had, year by year.

For the budget debate (débat d'orientation budgétaire) the analyst fills one
simple table, a CSV file (comma, or semicolon with decimal comma as French
Excel writes it) or the first sheet of a .xlsx workbook, one row per year,
service and employer (the EPCI or a member commune): the staff and the
operating cost it had in that service, and the arrangement in force.
``mutusim suivi`` compares it with the plan (:mod:`mutusim.analysis.followup`).
The format is documented in ``docs/suivi.md`` (kept in step with
:data:`ACTUALS` by a test).

Every problem is reported at once, with file, line, column and fix
(:class:`mutusim.errors.DataError`), as for the territory's own tables.
"""

from __future__ import annotations

import os
import warnings
import zipfile
from pathlib import Path

import pandas as pd

from mutusim.core.schema import MODES, Column, Table
from mutusim.core.territory import Territory
from mutusim.errors import DataError, Problem
from mutusim.inputs.io import _read_csv
from mutusim.inputs.validation import _parse_table, did_you_mean

__all__ = ["ACTUALS", "ACTUALS_COLUMNS", "EPCI_EMPLOYER", "read_actuals"]

#: What the ``employer`` column holds for the EPCI itself.
EPCI_EMPLOYER = "EPCI"

#: Declaration of the actuals table.
ACTUALS = Table(
    "actuals",
    "What one employer had in one service during one year (the realised figures).",
    (
        Column("year", "int", "year", "Calendar year of the figures, e.g. 2027.", minimum=1900),
        Column("service", "code", "-", "Service identifier (as in services.csv)."),
        Column(
            "employer",
            "str",
            "-",
            "INSEE code of the commune, or EPCI (or its SIREN) for the EPCI itself.",
        ),
        Column(
            "fte",
            "float",
            "FTE",
            "Staff of the employer in the service that year, full-time equivalents "
            "(empty: not known).",
            required=False,
            minimum=0,
        ),
        Column(
            "cost",
            "float",
            "EUR/year",
            "Operating cost the employer paid itself for the service that year (staff and "
            "running costs, from its accounts), without what it paid to or received from "
            "another member of the EPCI (empty: not known).",
            required=False,
            minimum=0,
        ),
        Column(
            "arrangement",
            "choice",
            "-",
            "For a commune: the arrangement in force that year, keep (it runs the service), "
            "share (member of the service commun) or transfer (competence transferred); "
            "empty for the EPCI or when not known.",
            required=False,
            default="",
            choices=MODES,
        ),
    ),
    key=("year", "service", "employer"),
)
#: Column names, in file order.
ACTUALS_COLUMNS: tuple[str, ...] = tuple(c.name for c in ACTUALS.columns)


def _raw(path: Path) -> tuple[pd.DataFrame | None, str, list[Problem]]:
    """The cells of the file as read, its name in messages, reading problems."""
    if path.suffix.lower() == ".xlsx":
        import openpyxl
        from openpyxl.utils.exceptions import InvalidFileException

        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                book = openpyxl.load_workbook(path, data_only=True, read_only=True)
        except (zipfile.BadZipFile, InvalidFileException, OSError, KeyError, ValueError) as err:
            fix = "Open it in Excel and save it again as .xlsx (Excel workbook)."
            return (
                None,
                path.name,
                [Problem(path.name, None, None, f"cannot be opened ({err}).", fix)],
            )
        ws = book.worksheets[0]
        name = f"{path.name} [sheet {ws.title}]"
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
        book.close()
        if not rows or all(v is None for v in rows[0]):
            fix = "Line 1 must hold the column names: " + ", ".join(ACTUALS_COLUMNS)
            return None, name, [Problem(name, None, None, "no header on line 1.", fix)]
        header = ["" if v is None else str(v).strip() for v in rows[0]]
        return pd.DataFrame(rows[1:], columns=header, dtype=object), name, []
    df, problems = _read_csv(path, ACTUALS)
    return df, path.name, problems


def read_actuals(path: str | os.PathLike[str], territory: Territory) -> pd.DataFrame:
    """Read and check an actuals table against the territory.

    Parameters
    ----------
    path : str or path-like
        A CSV file (comma, or semicolon with decimal comma; UTF-8 with or
        without BOM) or a .xlsx workbook (its first sheet), with the columns of
        :data:`ACTUALS` (docs/suivi.md).
    territory : Territory
        The territory of the plan: services and communes must be its own.

    Returns
    -------
    DataFrame
        ``year`` [int], ``service``, ``employer`` (INSEE code, or
        :data:`EPCI_EMPLOYER`), ``fte`` [FTE], ``cost`` [EUR/year] (NaN when
        not known) and ``arrangement`` (empty when not known), in file order.

    Raises
    ------
    DataError
        Listing every problem: unreadable file, unknown or missing columns,
        bad cells, unknown services or communes, an arrangement given for the
        EPCI, rows given twice.
    """
    p = Path(path)
    if not p.is_file():
        fix = (
            "Give the path of the actuals table: a .csv file or a .xlsx workbook (docs/suivi.md)."
        )
        raise DataError([Problem(str(p), None, None, "no such file.", fix)], str(p))
    df, name, problems = _raw(p)
    parsed = _parse_table(ACTUALS, df, name, problems) if df is not None else None
    if parsed is None:
        raise DataError(problems, str(p))
    services = set(territory.services.index)
    communes = set(territory.communes.index)
    siren = str(territory.epci.get("siren", ""))
    seen: dict[tuple[object, ...], int] = {}
    rows = []
    for line, row in parsed.items():
        s, e = row["service"], str(row["employer"] or "").strip()
        if s is not None and s not in services:
            message = f"unknown service '{s}'{did_you_mean(str(s), services) or '.'}"
            fix = f"Use a service of the territory: {', '.join(sorted(services))}."
            problems.append(Problem(name, line, "service", message, fix))
        if e.upper() == EPCI_EMPLOYER or e == siren:
            e = EPCI_EMPLOYER
            if row["arrangement"]:
                message = "an arrangement is given for the EPCI."
                fix = "Leave 'arrangement' empty on the EPCI's rows: it applies to communes."
                problems.append(Problem(name, line, "arrangement", message, fix))
        elif e and e not in communes:
            if e.isdigit() and len(e) < 5:
                message = f"commune code '{e}' has lost its leading zero."
                fix = f"Write '{e.zfill(5)}' and format the column as text in Excel."
            else:
                message = f"'{e}' is neither a commune of {territory.name} nor the EPCI."
                fix = f"Write the INSEE code of a member commune, or {EPCI_EMPLOYER}."
            problems.append(Problem(name, line, "employer", message, fix))
        key = (row["year"], s, e)
        if key in seen:
            message = f"year {row['year']}, service '{s}' and employer '{e}' are given twice."
            fix = f"Keep one row (the other is on line {seen[key]})."
            problems.append(Problem(name, line, None, message, fix))
        seen[key] = line
        rows.append({**row, "employer": e})
    if problems:
        raise DataError(problems, str(p))
    out = pd.DataFrame(rows, columns=list(ACTUALS_COLUMNS))
    out["year"] = out["year"].astype(int)
    for c in ("fte", "cost"):
        out[c] = pd.to_numeric(out[c], errors="coerce").astype(float)
    out["arrangement"] = out["arrangement"].fillna("").astype(str)
    return out
