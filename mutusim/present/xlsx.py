"""Spreadsheet sheets a finance analyst can use (openpyxl): numbers as numbers, French display.

Every workbook of mutusim (results, schéma de mutualisation, follow-up note)
writes its tables through :func:`write_table`: French headers in bold on a
frozen first row, filters, column widths, numbers stored as numbers with the
display format of their kind (:data:`mutusim.present.formatting.KINDS`:
``# ##0 €``, ``0,0``), ``—`` for a missing value, and landscape A4 pages
fitted to the width, the header row repeated on each page. Each sheet holds
one clean table (a program can read it back); the notes are comments of the
header cells: the sign convention on a column of signed amounts, the
meaning of ``—`` on a column that shows one, the sheet's own notes on its
first header. Text cells are always stored as text, never as formulas.
"""

from __future__ import annotations

import datetime as dt
import numbers
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from mutusim._files import _quoted
from mutusim.present.formatting import (
    COLUMN_KINDS,
    MISSING,
    SIGN_CONVENTION,
    excel_format,
    format_value,
    is_missing,
)
from mutusim.present.labels import french

__all__ = [
    "HEADER_FILL",
    "append_table",
    "MISSING_NOTE",
    "new_workbook",
    "page_setup",
    "write_cell",
    "write_key_figures",
    "write_table",
]

HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")
_BOLD = Font(bold=True)
_ITALIC = Font(italic=True, color="555555")
_THIN = Side(style="thin", color="999999")
#: The note under a table that shows a missing value.
MISSING_NOTE = f"{MISSING} : sans objet ou non disponible."
#: Columns that name a row: the panes are frozen after the first of them.
_NAME_COLUMNS = (
    "name",
    "service_name",
    "commune_name",
    "employer_name",
    "label",
    "option",
    "rule",
    "topic",
)


def new_workbook() -> Workbook:
    """An empty workbook (its default sheet removed).

    Returns
    -------
    Workbook
    """
    wb = Workbook()
    wb.remove(wb.active)
    return wb


def write_cell(ws: Worksheet, row: int, col: int, value: Any, kind: str | None = None) -> bool:
    """Write one value: a number with the format of its kind, or text stored as text.

    Parameters
    ----------
    ws : Worksheet
        The sheet.
    row, col : int
        1-based position.
    value : object
        The value (numbers stay numbers; None, NaN and NA become ``—``).
    kind : str, optional
        Kind of figure (:data:`mutusim.present.formatting.KINDS`) for numbers.

    Returns
    -------
    bool
        True when the value was missing (``—`` written).
    """
    cell = ws.cell(row=row, column=col)
    if isinstance(value, dt.date):  # a date stays a date, shown the French way
        cell.value = value
        cell.number_format = "DD/MM/YYYY"
        return False
    numeric = isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_)
    if numeric and kind is None:  # a number is stored as a number, whatever its column
        kind = "count" if isinstance(value, numbers.Integral) else "decimal"
    if numeric and kind is not None and not is_missing(value):
        v = float(value)
        if kind in ("euros", "signed_euros"):
            v = round(v, 2) + 0.0  # cents; no "−0 €"
        elif kind in ("fte", "level", "decimal"):
            v = round(v, 6) + 0.0
        cell.value = int(v) if kind in ("count", "year") and v.is_integer() else v
        cell.number_format = excel_format(kind)
        return False
    if value is None or (not isinstance(value, str) and is_missing(value)):
        cell.value = MISSING
        cell.data_type = "s"
        cell.alignment = Alignment(horizontal="center")
        return True
    text = format_value(value, kind) if numeric else str(value)
    cell.value = text
    cell.data_type = "s"  # never a formula, whatever the first character
    if _quoted(text):  # and still text once edited in Excel (OWASP CSV injection)
        cell.quotePrefix = True
    if text == MISSING:
        cell.alignment = Alignment(horizontal="center")
        return True
    return False


def page_setup(ws: Worksheet, title: str, header_rows: str | None = "1:1") -> None:
    """Landscape A4, fitted to the page width, header row repeated, page numbers.

    Parameters
    ----------
    ws : Worksheet
        The sheet.
    title : str
        Printed in the page header.
    header_rows : str, optional
        Rows repeated at the top of each printed page (``"1:1"``).
    """
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    if header_rows:
        ws.print_title_rows = header_rows
    ws.oddHeader.left.text = title.replace("&", "&&")
    ws.oddHeader.left.size = 9
    ws.oddFooter.center.text = "&A — page &P sur &N"
    ws.oddFooter.center.size = 9


def _width(values: Iterable[str]) -> float:
    longest = max((len(v) for v in values), default=8)
    return float(min(55, max(9, longest + 2)))


def _freeze_column(columns: Sequence[str]) -> int:
    for i, c in enumerate(columns):
        if c in _NAME_COLUMNS:
            return i + 1
    return 0


def _write_frame(
    ws: Worksheet,
    top: int,
    df: pd.DataFrame,
    kinds: dict[str, str] | None,
    translate: bool,
    notes: Sequence[str] = (),
) -> list[list[str]]:
    """Write a header row at ``top`` and the rows under it, with the notes as comments.

    Returns the texts of each column (for the widths).
    """
    english = [str(c) for c in df.columns]
    col_kinds = [(kinds or {}).get(c, COLUMN_KINDS.get(c)) for c in english]
    shown = french(df) if translate else df
    headers = [str(c) for c in shown.columns]
    for j, h in enumerate(headers, start=1):
        cell = ws.cell(row=top, column=j, value=h)
        cell.data_type = "s"
        cell.font = _BOLD
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        cell.border = Border(bottom=_THIN)
    missing = [False] * len(headers)
    texts: list[list[str]] = [[h[:30]] for h in headers]
    for i, row in enumerate(shown.itertuples(index=False), start=top + 1):
        for j, value in enumerate(row, start=1):
            kind = col_kinds[j - 1]
            missing[j - 1] |= write_cell(ws, i, j, value, kind)
            if i < top + 300:
                texts[j - 1].append(format_value(value, None if isinstance(value, str) else kind))
    for j in range(1, len(headers) + 1):
        lines = list(notes) if j == 1 else []
        if col_kinds[j - 1] == "signed_euros":
            lines.append(SIGN_CONVENTION)
        if missing[j - 1]:
            lines.append(MISSING_NOTE)
        if lines:
            comment = Comment("\n".join(lines), "mutusim")
            comment.width, comment.height = 320, 40 + 40 * len(lines)
            ws.cell(row=top, column=j).comment = comment
    return texts


def write_table(
    wb: Workbook,
    sheet: str,
    df: pd.DataFrame,
    *,
    title: str = "",
    notes: Sequence[str] = (),
    kinds: dict[str, str] | None = None,
    translate: bool = True,
) -> Worksheet:
    """Write a table of mutusim on its own sheet, for reading, filtering and printing.

    Parameters
    ----------
    wb : Workbook
        The workbook.
    sheet : str
        Sheet name (≤ 31 characters).
    df : DataFrame
        The table, English column names (translated by
        :func:`mutusim.present.labels.french` when ``translate``).
    title : str
        Printed in the page header.
    notes : sequence of str
        Notes on the table: a comment of its first header cell (the sign
        convention and the meaning of ``—`` are added on the columns concerned).
    kinds : dict, optional
        Kind of figure of columns (English names) beyond
        :data:`mutusim.present.formatting.COLUMN_KINDS`.
    translate : bool
        Translate headers and codes (False: the headers are already French).

    Returns
    -------
    Worksheet
    """
    ws = wb.create_sheet(sheet)
    texts = _write_frame(ws, 1, df, kinds, translate, notes)
    n_cols, n_rows = len(texts), len(df) + 1
    for j, values in enumerate(texts, start=1):
        ws.column_dimensions[get_column_letter(j)].width = _width(values)
    ws.row_dimensions[1].height = 15 * max(1, max((len(v[0]) // 20 + 1 for v in texts), default=1))
    if n_cols:
        ws.auto_filter.ref = f"A1:{get_column_letter(n_cols)}{n_rows}"
        frozen = _freeze_column([str(c) for c in df.columns])
        ws.freeze_panes = f"{get_column_letter(frozen + 1)}2"
    page_setup(ws, title or sheet)
    return ws


def write_key_figures(
    wb: Workbook,
    sheet: str,
    figures: pd.DataFrame,
    *,
    title: str = "",
    intro: Sequence[tuple[str, str]] = (),
    table: pd.DataFrame | None = None,
    table_title: str = "",
) -> Worksheet:
    """A sheet of key figures (one indicator per row, its value a number in its own format).

    Parameters
    ----------
    wb : Workbook
        The workbook.
    sheet : str
        Sheet name.
    figures : DataFrame
        ``label``, ``value``, ``kind`` (as :func:`mutusim.present.keyfigures.headline`).
    title : str
        Printed in the page header.
    intro : sequence of (str, str)
        Text rows written first (e.g. territory, scenario, date).
    table : DataFrame, optional
        A table written under the figures (English column names), e.g. the
        plan year by year.
    table_title : str
        Its title.

    Returns
    -------
    Worksheet
    """
    ws = wb.create_sheet(sheet)
    for j, h in enumerate(("Indicateur", "Valeur"), start=1):
        cell = ws.cell(row=1, column=j, value=h)
        cell.font = _BOLD
        cell.fill = HEADER_FILL
    r = 2
    for label, text in intro:
        write_cell(ws, r, 1, label)
        write_cell(ws, r, 2, text)
        r += 1
    missing = False
    for label, value, kind in zip(
        figures["label"], figures["value"], figures["kind"], strict=True
    ):
        write_cell(ws, r, 1, label)
        missing |= write_cell(ws, r, 2, value, kind if isinstance(kind, str) else None)
        r += 1
    widths = [72.0, 30.0]
    if table is not None and len(table.columns):
        r += 1
        cell = ws.cell(row=r, column=1, value=table_title)
        cell.font = _BOLD
        r += 1
        texts = _write_frame(ws, r, table, None, True)
        for j, values in enumerate(texts, start=1):
            widths += [0.0] * max(0, j - len(widths))
            widths[j - 1] = max(widths[j - 1], _width(values))
        r += len(table) + 1
    for j, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = min(w, 72.0)
    notes = [SIGN_CONVENTION] + ([MISSING_NOTE] if missing else [])
    for k, line in enumerate(notes):
        cell = ws.cell(row=r + 1 + k, column=1, value=line)
        cell.data_type = "s"
        cell.font = _ITALIC
    ws.freeze_panes = "A2"
    page_setup(ws, title or sheet)
    return ws


def append_table(ws: Worksheet, df: pd.DataFrame, title: str, *, translate: bool = True) -> int:
    """Write a titled table under what a sheet already holds (a second block).

    Parameters
    ----------
    ws : Worksheet
        The sheet.
    df : DataFrame
        The table (English column names when ``translate``).
    title : str
        Written in bold above the table.
    translate : bool
        Translate headers and codes.

    Returns
    -------
    int
        The row of the block's header.
    """
    top = ws.max_row + 2
    cell = ws.cell(row=top, column=1, value=title)
    cell.data_type = "s"
    cell.font = _BOLD
    texts = _write_frame(ws, top + 1, df, None, translate)
    for j, values in enumerate(texts, start=1):
        letter = get_column_letter(j)
        ws.column_dimensions[letter].width = max(
            ws.column_dimensions[letter].width or 0, min(_width(values), 90.0)
        )
    return top + 1
