"""Atomic file writes and formula-safe text cells, shared by every writer of mutusim.

* :func:`atomic_write`: a file is either the old one or the complete new one
  (PRODUCT.md Q3);
* :func:`safe_text` / :func:`unquote_text` / :func:`text_cells`: a text cell
  that starts like a formula (``=``, ``+``, ``-``, ``@``, tab, carriage return)
  is never read as one by a spreadsheet (OWASP, "CSV Injection"): in a CSV file
  it is prefixed with a single quote, as a spreadsheet user would type it; in a
  workbook it is stored as text. A name such as ``=HYPERLINK(...)`` then shows
  as text instead of running when the file is opened.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = [
    "FORMULA_STARTS",
    "atomic_write",
    "safe_frame",
    "safe_text",
    "text_cells",
    "unquote_text",
]

#: First characters that make a spreadsheet read a cell as a formula (OWASP CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def atomic_write(path: str | os.PathLike[str], write: Callable[[Path], object]) -> Path:
    """Call ``write(tmp)`` on a temporary path next to ``path``, then rename it into place.

    An interrupted run never leaves a half-written file: the target is either
    the old file or the complete new one.

    Parameters
    ----------
    path : str or path-like
        The file to write; its folder is created if needed.
    write : callable
        Writes the whole file at the path it is given.

    Returns
    -------
    Path
        ``path``.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; give the file normal permissions
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def _quoted(text: str) -> bool:
    """True when ``text`` needs a quote: it starts like a formula, or is already one quoted."""
    while text.startswith("'"):
        text = text[1:]
    return text.startswith(FORMULA_STARTS)


def safe_text(value: Any) -> Any:
    """A CSV cell that no spreadsheet reads as a formula; anything but text unchanged.

    Text starting with a character of :data:`FORMULA_STARTS` gets a leading
    single quote (``'=1+2``), which spreadsheets read as "this is text".
    Text already so quoted gets one more quote, so that :func:`unquote_text`
    gives back exactly what was written.

    Parameters
    ----------
    value : object
        A cell.

    Returns
    -------
    object
        ``value``, quoted if it is dangerous text.

    Examples
    --------
    >>> safe_text("=1+2"), safe_text("Angers"), safe_text(-5.0)
    ("'=1+2", 'Angers', -5.0)
    >>> unquote_text(safe_text("'=x")) == "'=x"
    True
    """
    if isinstance(value, str) and _quoted(value):
        return "'" + value
    return value


def safe_frame(df: Any) -> Any:
    """A copy of a DataFrame whose text cells went through :func:`safe_text`, for CSV writers.

    Parameters
    ----------
    df : DataFrame
        A table about to be written as CSV.

    Returns
    -------
    DataFrame
        Numbers and other values unchanged.
    """
    out = df.copy()
    for name in out.columns:
        if out[name].dtype == object or str(out[name].dtype) in ("string", "str"):
            out[name] = out[name].map(safe_text)
    return out


def unquote_text(value: Any) -> Any:
    """The inverse of :func:`safe_text`, for readers of files mutusim wrote.

    Parameters
    ----------
    value : object
        A cell as read.

    Returns
    -------
    object
        ``value`` without the quote :func:`safe_text` added.
    """
    if isinstance(value, str) and value.startswith("'") and _quoted(value[1:]):
        return value[1:]
    return value


def text_cells(worksheet: Any) -> None:
    """Store every text cell of an openpyxl worksheet as text, never as a formula.

    openpyxl writes a string starting with ``=`` as a formula; here it stays the
    string, shown as written, and marked quote-prefixed so that editing it in
    Excel keeps it text.

    Parameters
    ----------
    worksheet : openpyxl worksheet
        A sheet being written.
    """
    for row in worksheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and (cell.data_type == "f" or _quoted(cell.value)):
                cell.data_type = "s"
                cell.quotePrefix = True
