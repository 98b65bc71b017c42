"""Read and write territories: a folder of CSV files or one .xlsx workbook (PRODUCT.md D1).

Files are read as text so that codes keep their leading zeros; every value is
then checked and typed by :func:`mutusim.inputs.validation.validate_tables`,
and every problem, from unreadable files to bad cells, comes out in one
:class:`~mutusim.errors.DataError`. The format is described in
``docs/data-format.md`` (generated from :mod:`mutusim.core.schema`).

Workbooks are opened read-only and streamed, within :data:`MAX_SHEET_ROWS` x
:data:`MAX_SHEET_COLUMNS`; a formula without a computed value, merged cells and
a value beyond that area are problems naming the cell. The writers write every
text cell as text (never a formula: :func:`mutusim._files.safe_text`) and every
number so that it reads back unambiguously.
"""

from __future__ import annotations

import csv
import io
import os
import warnings
import zipfile
import zlib
from pathlib import Path
from typing import Any

import pandas as pd

from mutusim._files import atomic_write, safe_frame, text_cells, unquote_text
from mutusim.core.schema import TABLES, TABLES_BY_NAME, Table
from mutusim.core.territory import Territory
from mutusim.errors import DataError, MutusimError, Problem
from mutusim.inputs.validation import AMBIGUOUS_NUMBER as _AMBIGUOUS
from mutusim.inputs.validation import did_you_mean, validate_tables

__all__ = [
    "ENCODINGS",
    "EXCEL_SUFFIXES",
    "MAX_SHEET_COLUMNS",
    "MAX_SHEET_ROWS",
    "MAX_WORKBOOK_BYTES",
    "SEPARATORS",
    "load_territory",
    "territory_from_frames",
    "territory_to_frames",
    "write_excel",
    "write_folder",
]

#: Extensions read as Excel workbooks.
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
#: Encodings tried in turn for CSV files: UTF-8 (with or without BOM), then
#: Windows-1252, the superset of latin-1 that French Excel writes.
ENCODINGS = ("utf-8-sig", "cp1252")
#: Column separators recognised from the header line of a CSV file.
SEPARATORS = (",", ";", "\t")
#: A sheet's table must fit in this many rows and columns; a value beyond is
#: reported (a stray cell at XFD1048576 would otherwise fill memory).
MAX_SHEET_ROWS = 100_000
MAX_SHEET_COLUMNS = 50
#: Largest workbook content read, uncompressed [bytes] (a "zip bomb" stops here).
MAX_WORKBOOK_BYTES = 500_000_000
#: What a corrupt workbook raises while it is opened or read (XML errors are SyntaxErrors).
_CORRUPT = (
    zipfile.BadZipFile,
    zlib.error,
    SyntaxError,
    KeyError,
    ValueError,
    TypeError,
    IndexError,
    AttributeError,
    EOFError,
    OSError,
    NotImplementedError,  # zipfile: an unknown version or compression method
    RuntimeError,  # zipfile: an encrypted member
)


def load_territory(path: str | os.PathLike[str]) -> Territory:
    """Load and validate a territory from a folder of CSV files or a .xlsx workbook.

    Parameters
    ----------
    path : str or path-like
        A folder holding ``epci.csv``, ``communes.csv``, ``services.csv``,
        ``baseline.csv`` and ``modes.csv``, or a ``.xlsx`` workbook with one
        sheet per table (sheet name = table name). CSV files may be
        comma-separated with a decimal point, or semicolon-separated with a
        decimal comma (French Excel), in UTF-8 with or without BOM or in
        Windows-1252 / latin-1. A number such as ``243.517`` or ``243,517``
        (one group of three digits after a single mark) is read as the file's
        other numbers say the mark is used, and is a problem when they do not.

    Returns
    -------
    Territory

    Raises
    ------
    mutusim.errors.DataError
        If the path, a file or any value is wrong: every problem found, each
        naming file, line (header = line 1), column and fix.

    Examples
    --------
    >>> terr = load_territory("my_territory/")  # doctest: +SKIP
    """
    p = Path(path)
    source = str(p)
    if p.is_dir():
        raw, files, problems, unreadable = _read_folder(p)
    elif p.is_file() and p.suffix.lower() in EXCEL_SUFFIXES:
        raw, files, problems, unreadable = _read_workbook(p)
    else:
        raise DataError([_path_problem(p)], source)
    try:
        tables = validate_tables(raw, source=source, files=files)
    except DataError as err:
        # tables that could not be read are reported by the reader, not as "missing"
        problems += [q for q in err.problems if q.file not in unreadable]
        tables = {}
    if problems:
        raise DataError(problems, source)
    return Territory.from_validated(**tables)


def territory_from_frames(
    epci: dict[str, Any] | pd.DataFrame,
    communes: pd.DataFrame,
    services: pd.DataFrame,
    baseline: pd.DataFrame,
    modes: pd.DataFrame,
    source: str = "territory",
) -> Territory:
    """Validate raw tables (columns as in :mod:`mutusim.core.schema`) and build a territory.

    Parameters
    ----------
    epci : dict or DataFrame
        The EPCI: siren, name, nature, fiscalite.
    communes, services, baseline, modes : DataFrame
        The other tables, columns as in ``docs/data-format.md``.
    source : str
        What the tables come from, for error messages.

    Returns
    -------
    Territory

    Raises
    ------
    mutusim.DataError
        Listing every problem found, with table, row, column and fix.

    Examples
    --------
    >>> import mutusim as ms
    >>> ms.territory_from_frames(**ms.examples.tiny_frames()).name
    'CC Exemple'
    """
    if isinstance(epci, dict):
        epci = pd.DataFrame([epci])
    raw = {
        "epci": epci,
        "communes": communes,
        "services": services,
        "baseline": baseline,
        "modes": modes,
    }
    return Territory.from_validated(**validate_tables(raw, source=source))


def _path_problem(p: Path) -> Problem:
    """Why a path is neither a folder nor a workbook."""
    fix = "Give a folder of CSV files (epci.csv, communes.csv, ...) or a .xlsx workbook."
    if not p.exists():
        return Problem(str(p), None, None, "no such file or folder.", fix)
    if p.suffix.lower() == ".csv":
        fix = f"Give the folder that holds it ({p.parent}), with one CSV file per table."
        return Problem(
            p.name, None, None, "is one CSV file; a territory is a folder of them.", fix
        )
    if p.suffix.lower() in (".xls", ".ods"):
        fix = "Open it in Excel or LibreOffice and save it as .xlsx (Excel workbook)."
    return Problem(p.name, None, None, "is neither a folder nor a .xlsx workbook.", fix)


# ------------------------------------------------------------------ read CSV
def _read_folder(folder: Path) -> tuple[dict, dict, list[Problem], set[str]]:
    """Raw tables of a folder, their names in messages, reading problems, unreadable files."""
    raw: dict[str, pd.DataFrame] = {}
    files = {t.name: t.file for t in TABLES}
    problems: list[Problem] = []
    unreadable: set[str] = set(files.values())
    try:
        present = {f.name.lower(): f for f in folder.iterdir() if f.is_file()}
    except OSError as err:
        fix = "Check that the folder exists and that you may open it (its permissions)."
        reason = err.strerror or str(err)
        problems.append(Problem(str(folder), None, None, f"cannot be listed ({reason}).", fix))
        return raw, files, problems, unreadable
    unreadable = set()
    for table in TABLES:
        file = present.get(table.file)
        if file is None:
            csvs = [f.name for f in present.values() if f.suffix.lower() == ".csv"]
            message = f"file not found in {folder}{did_you_mean(table.file, csvs) or '.'}"
            fix = f"Add {table.file} with the columns {', '.join(table.names)} (see docs/data-format.md)."
            problems.append(Problem(table.file, None, None, message, fix))
            unreadable.add(table.file)
            continue
        df, found = _read_csv(file, table)
        problems += found
        if df is None:
            unreadable.add(table.file)
        else:
            raw[table.name] = df
    return raw, files, problems, unreadable


def _read_csv(path: Path, table: Table) -> tuple[pd.DataFrame | None, list[Problem]]:
    """All cells of a CSV file as text (``""`` when empty); None if it cannot be read."""
    name = table.file
    try:
        data = path.read_bytes()
    except OSError as err:
        fix = "Check that the file is not open elsewhere and that you may read it."
        return None, [Problem(name, None, None, f"cannot be read ({err.strerror}).", fix)]
    text, problem = _decode(data, name)
    if text is None or problem is not None:
        return None, [problem] if problem is not None else []
    sep = _separator(text)
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=sep))
    except csv.Error as err:
        fix = "Check the quotes in the file, or save it again from Excel as CSV."
        return None, [Problem(name, None, None, f"cannot be read as CSV ({err}).", fix)]
    if not rows or not any(c.strip() for c in rows[0]):
        fix = "Line 1 must hold the column names, e.g. " + sep.join(table.names)
        return None, [Problem(name, None, None, "no header on line 1 (the file is empty?).", fix)]
    return _frame(rows, name, sep)


def _decode(data: bytes, name: str) -> tuple[str | None, Problem | None]:
    """Text of a CSV file in the first encoding of :data:`ENCODINGS` that fits."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:4096]:
        message = "is UTF-16 text (Excel 'Unicode text'), not CSV."
        fix = "In Excel, save it as 'CSV UTF-8 (comma delimited)' or 'CSV (semicolon delimited)'."
        return None, Problem(name, None, None, message, fix)
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        pass
    mixed = _mixed_encoding(data, name)
    if mixed is not None:
        return None, mixed
    for encoding in ENCODINGS[1:]:
        try:
            return data.decode(encoding), None
        except UnicodeDecodeError:
            continue
    message = "is neither UTF-8 nor Windows-1252/latin-1 text."
    fix = "Save it as 'CSV UTF-8' from Excel or LibreOffice."
    return None, Problem(name, None, None, message, fix)


def _mixed_encoding(data: bytes, name: str) -> Problem | None:
    """A problem when some lines are UTF-8 (accents included) and others are not.

    Decoding the whole file as Windows-1252 would turn every accent of the
    UTF-8 lines into mojibake ("Ã©" for "é"); such a file was assembled from
    two sources and must be saved again.
    """
    utf8_line = bad_line = None
    for number, line in enumerate(data.split(b"\n"), start=1):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
            utf8_line = utf8_line or number
        except UnicodeDecodeError:
            bad_line = bad_line or number
        if utf8_line and bad_line:
            message = (
                f"mixes encodings: line {bad_line} is not UTF-8 (Windows-1252?) while line "
                f"{utf8_line} is UTF-8, so accents cannot all be read right."
            )
            fix = (
                f"Correct the accents of line {bad_line}, or open the file in Excel or "
                "LibreOffice and save it as 'CSV UTF-8'."
            )
            return Problem(name, bad_line, None, message, fix)
    return None


def _separator(text: str) -> str:
    """The separator of :data:`SEPARATORS` found most often in the header line (',' if none)."""
    header = text.lstrip().partition("\n")[0]
    counts = {sep: header.count(sep) for sep in SEPARATORS}
    best = max(counts, key=counts.__getitem__)
    return best if counts[best] else ","


def _frame(rows: list[list[str]], name: str, sep: str) -> tuple[pd.DataFrame, list[Problem]]:
    """Frame of text cells, rows padded to the header; extra non-empty values are problems."""
    header, problems = [h.strip() for h in rows[0]], []
    width = len(header)
    data = []
    for i, row in enumerate(rows[1:]):
        if any(v.strip() for v in row[width:]):
            message = f"{len(row)} values but the header has {width} columns."
            fix = f"Remove the extra '{sep}', or put quotes around a text that contains it."
            problems.append(Problem(name, i + 2, None, message, fix))
        # a leading quote marks text that could read as a formula (written by safe_text)
        data.append([unquote_text(v) for v in (row + [""] * width)[:width]])
    return pd.DataFrame(data, columns=header, dtype=object), problems


# ----------------------------------------------------------------- read xlsx
def _read_workbook(path: Path) -> tuple[dict, dict, list[Problem], set[str]]:
    """Raw tables of a workbook (typed cells as Excel holds them), like :func:`_read_folder`.

    The workbook is opened read-only and streamed; only cells within
    :data:`MAX_SHEET_ROWS` x :data:`MAX_SHEET_COLUMNS` are kept. A corrupt file,
    a value beyond that area, a formula without a computed value and merged
    cells are problems naming the cell.
    """
    import openpyxl  # lazy: spreadsheets are read only when asked for
    from openpyxl.utils.exceptions import InvalidFileException

    def corrupt(err: BaseException) -> DataError:
        fix = "Open it in Excel and save it again as .xlsx (Excel workbook)."
        reason = str(err).splitlines()[0][:200] if str(err) else type(err).__name__
        problem = Problem(
            path.name, None, None, f"cannot be opened as a workbook ({reason}).", fix
        )
        return DataError([problem], str(path))

    try:
        with zipfile.ZipFile(path) as archive:
            size = sum(i.file_size for i in archive.infolist())
        if size > MAX_WORKBOOK_BYTES:
            raise ValueError(
                f"its content unpacks to {size:,} bytes, more than {MAX_WORKBOOK_BYTES:,}"
            )
        with warnings.catch_warnings():
            # openpyxl warns about Excel features it drops (data validation, styles): harmless here
            warnings.simplefilter("ignore", UserWarning)
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (*_CORRUPT, InvalidFileException) as err:
        raise corrupt(err) from None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return _workbook_tables(book, path)
    except _CORRUPT as err:
        raise corrupt(err) from None
    finally:
        book.close()


def _workbook_tables(book: Any, path: Path) -> tuple[dict, dict, list[Problem], set[str]]:
    sheets = {ws.title.strip().lower(): ws for ws in book.worksheets}
    raw: dict[str, pd.DataFrame] = {}
    files = {t.name: f"{path.name} [sheet {t.name}]" for t in TABLES}
    problems: list[Problem] = []
    unreadable: set[str] = set()
    for table in TABLES:
        ws = sheets.get(table.name)
        rows = [] if ws is None else _sheet_rows(book, ws, files[table.name], problems)
        if not rows or all(v is None for v in rows[0]):
            message = "no header on line 1."
            if ws is None:
                message = "sheet not found" + (did_you_mean(table.name, book.sheetnames) or ".")
            fix = (
                f"Add a sheet '{table.name}' with the columns {', '.join(table.names)} on line 1."
            )
            problems.append(Problem(files[table.name], None, None, message, fix))
            unreadable.add(files[table.name])
            continue
        header = ["" if v is None else str(v).strip() for v in rows[0]]
        raw[table.name] = pd.DataFrame(rows[1:], columns=header, dtype=object)
    return raw, files, problems, unreadable


def _sheet_rows(book: Any, ws: Any, file: str, problems: list[Problem]) -> list[list[Any]]:
    """The cells of a read-only sheet as rows of values (line 1 first), bounded in size.

    Uses openpyxl's sheet parser directly: it yields only the rows present in
    the file, each cell with its coordinates, and the merged ranges.
    """
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet._reader import FORMULA_TAG, WorkSheetParser

    formulas: dict[tuple[int, int], str] = {}

    class Parser(WorkSheetParser):
        """Cached values (data_only), noting formulas that have none."""

        def parse_cell(self, element: Any) -> dict[str, Any]:
            cell: dict[str, Any] = super().parse_cell(element)
            formula = element.find(FORMULA_TAG)
            if cell["value"] is None and formula is not None:
                formulas[(cell["row"], cell["column"])] = "=" + (formula.text or "")
            return cell

    cells: dict[tuple[int, int], Any] = {}
    beyond: list[str] = []
    with ws._get_source() as source:
        parser = Parser(
            source,
            ws._shared_strings,
            data_only=True,
            epoch=book.epoch,
            date_formats=book._date_formats,
            timedelta_formats=book._timedelta_formats,
        )
        for _index, row in parser.parse():
            for cell in row:
                r, c, v = cell["row"], cell["column"], cell["value"]
                if v is None and (r, c) not in formulas:
                    continue
                if r > MAX_SHEET_ROWS or c > MAX_SHEET_COLUMNS:
                    beyond.append(f"{get_column_letter(c)}{r}")
                    continue
                cells[(r, c)] = v
        merged = parser.merged_cells
    if beyond:
        more = f" and {len(beyond) - 1} other cell(s)" if len(beyond) > 1 else ""
        message = (
            f"a value in cell {beyond[0]}{more}, beyond row {MAX_SHEET_ROWS:,} or column "
            f"{get_column_letter(MAX_SHEET_COLUMNS)}, far outside any table."
        )
        fix = "Delete the cells beyond the table (select those rows and columns, then Delete)."
        problems.append(Problem(file, None, None, message, fix))
    if not cells:
        return []
    n_rows = max(r for r, _c in cells)
    n_cols = max(c for _r, c in cells)
    rows: list[list[Any]] = [[None] * n_cols for _ in range(n_rows)]
    for (r, c), v in cells.items():
        rows[r - 1][c - 1] = v
    header = ["" if v is None else str(v).strip() for v in rows[0]]

    def column(c: int) -> str | None:
        return header[c - 1] or None if c <= len(header) else None

    for (r, c), formula in sorted(formulas.items()):
        if r > MAX_SHEET_ROWS or c > MAX_SHEET_COLUMNS:
            continue
        coord = f"{get_column_letter(c)}{r}"
        message = (
            f"cell {coord} holds the formula '{formula[:60]}' but no computed value (the file "
            "was saved by a program that does not compute formulas)."
        )
        fix = "Open the workbook in Excel or LibreOffice and save it, or type the value itself."
        problems.append(Problem(file, r, column(c), message, fix))
    for rng in merged.mergeCell if merged is not None else ():
        bounds = _range_bounds(str(rng.ref))
        if bounds is None:
            continue
        c1, r1, c2, r2 = bounds
        if (c1, r1) == (c2, r2) or r1 > n_rows or c1 > n_cols:
            continue
        first = f"{get_column_letter(c1)}{r1}"
        message = (
            f"cells {rng.ref} are merged: only {first} holds the value, the others "
            "would be read as empty (the column's default)."
        )
        fix = "Unmerge the cells and write the value in every cell of the range."
        problems.append(Problem(file, r1, column(c1), message, fix))
    return rows


def _range_bounds(ref: str) -> tuple[int, int, int, int] | None:
    """(min_col, min_row, max_col, max_row) of a range such as ``E3:E5``, or None."""
    from openpyxl.utils.cell import range_boundaries

    try:
        c1, r1, c2, r2 = range_boundaries(ref)
    except (ValueError, TypeError):
        return None
    if None in (c1, r1, c2, r2):
        return None
    return int(c1), int(r1), int(c2), int(r2)


# --------------------------------------------------------------------- write
def territory_to_frames(t: Territory) -> dict[str, pd.DataFrame]:
    """The five tables of a territory as flat frames with the file columns.

    Parameters
    ----------
    t : Territory

    Returns
    -------
    dict of str to DataFrame
        One frame per table of :mod:`mutusim.core.schema`, columns in schema order;
        booleans as ``"true"`` / ``"false"``, ``mandatory_for`` joined with
        ``";"``, numbers as numbers, missing values as NaN.
    """
    sources = {
        "epci": pd.DataFrame([t.epci]),
        "communes": t.communes.reset_index(),
        "services": t.services.reset_index(),
        "baseline": t.baseline.reset_index(),
        "modes": t.modes.reset_index(),
    }
    frames = {}
    for table in TABLES:
        df = sources[table.name]
        out = {}
        for c in table.columns:
            col = df[c.name]
            if c.kind == "bool":
                col = col.map(lambda v: "true" if v else "false")
            elif c.kind == "list":
                col = col.map(";".join)
            if c.kind not in ("int", "float"):
                col = pd.Series(col.tolist(), dtype=object)
            out[c.name] = col.reset_index(drop=True)
        frames[table.name] = pd.DataFrame(out)
    return frames


def write_folder(t: Territory, path: str | os.PathLike[str], sep: str = ",") -> Path:
    """Write a territory as a folder of CSV files, each file written atomically.

    Parameters
    ----------
    t : Territory
    path : str or path-like
        Folder to write (created if needed); existing table files are replaced.
    sep : {",", ";"}, default ","
        Column separator. ``";"`` writes a decimal comma and a UTF-8 BOM, as
        French Excel expects. Numbers are written exactly and never as an
        ambiguous ``243.517`` (``243.5170``); text that a spreadsheet would
        read as a formula gets a leading quote, taken off by :func:`load_territory`.

    Returns
    -------
    Path
        The folder, readable by :func:`load_territory`.
    """
    if sep not in (",", ";"):
        raise MutusimError(f"write_folder(): sep must be ',' or ';', got {sep!r}.")
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    options: dict[str, Any] = {"sep": sep, "index": False, "lineterminator": "\n"}
    options |= {"encoding": "utf-8-sig"} if sep == ";" else {"encoding": "utf-8"}
    decimal = "," if sep == ";" else "."
    for name, df in territory_to_frames(t).items():
        df = safe_frame(df)  # no text cell read as a formula by a spreadsheet
        for c in TABLES_BY_NAME[name].columns:
            if c.kind == "float":
                df[c.name] = [_number_text(x, decimal) for x in df[c.name]]

        def write(tmp: Path, df: pd.DataFrame = df) -> None:
            df.to_csv(tmp, **options)

        atomic_write(folder / f"{name}.csv", write)
    return folder


def _number_text(x: float, decimal: str) -> str:
    """A float as text that reads back to the same number and is never ambiguous.

    The shortest exact form (``repr``), with ``decimal`` as decimal mark; a
    number such as 243.517 (one group of three decimals) gets a trailing zero,
    ``243.5170``, so that it cannot be taken for 243517.
    """
    if x != x:  # NaN: an empty cell
        return ""
    text = repr(float(x))
    if _AMBIGUOUS.fullmatch(text):
        text += "0"
    return text.replace(".", decimal)


def write_excel(t: Territory, path: str | os.PathLike[str]) -> Path:
    """Write a territory as one .xlsx workbook, a sheet per table, atomically.

    Code columns (INSEE, SIREN, service) are formatted as text so that codes
    typed in Excel later keep their leading zeros; every text cell is stored
    as text, never as a formula.

    Parameters
    ----------
    t : Territory
    path : str or path-like
        Workbook to write; must end in ``.xlsx``. Its folder is created if needed.

    Returns
    -------
    Path
        The workbook, readable by :func:`load_territory`.
    """
    target = Path(path)
    if target.suffix.lower() != ".xlsx":
        raise MutusimError(f"write_excel(): the file name must end in .xlsx, got {target.name!r}.")
    target.parent.mkdir(parents=True, exist_ok=True)
    frames = territory_to_frames(t)

    def write(tmp: Path) -> None:
        with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
            for name, df in frames.items():
                df.to_excel(writer, sheet_name=name, index=False)
                sheet = writer.sheets[name]
                text_cells(sheet)  # a name like =HYPERLINK(...) stays text
                for j, c in enumerate(TABLES_BY_NAME[name].columns, start=1):
                    cells = [sheet.cell(i, j) for i in range(1, len(df) + 2)]
                    width = max(len(str(cell.value or "")) for cell in cells)
                    sheet.column_dimensions[cells[0].column_letter].width = min(width + 2, 60)
                    if c.kind == "code":
                        for cell in cells[1:]:
                            cell.number_format = "@"

    atomic_write(target, write)
    return target
