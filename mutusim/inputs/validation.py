"""Validation of raw territory tables against :mod:`mutusim.core.schema` (PRODUCT.md D2).

:func:`validate_tables` checks every table, column, cell and cross-table rule,
collects every :class:`~mutusim.errors.Problem` and raises them together as one
:class:`~mutusim.errors.DataError`. Only a fully valid territory comes out, as
typed and indexed tables ready for :meth:`Territory.from_validated`.

Cell checks are driven by the column declarations of :mod:`mutusim.core.schema`
(kind, required, default, bounds, choices, width); the cross-table rules are
those listed at the end of ``docs/data-format.md``.
"""

from __future__ import annotations

import difflib
import functools
import math
import numbers
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from mutusim.core.schema import (
    EPCI_PARTY,
    MAX_POOLED_FTE,
    NATURES,
    TABLES,
    TABLES_BY_NAME,
    Column,
    Table,
)
from mutusim.errors import DataError, Problem

__all__ = [
    "AMBIGUOUS_NUMBER",
    "BOOLEANS",
    "CROSS_CHECKS",
    "SERVICE_CODE",
    "did_you_mean",
    "validate_tables",
]

#: Pattern of a service identifier (``rh_paie``).
SERVICE_CODE = re.compile(r"[a-z][a-z0-9_]*")
#: Accepted spellings of booleans (compared in lower case).
BOOLEANS = {"true": True, "1": True, "oui": True, "vrai": True, "yes": True}
BOOLEANS |= {"false": False, "0": False, "non": False, "faux": False, "no": False}
#: Index of each normalised table (``None``: a plain one-row frame).
INDEX: dict[str, list[str] | None] = {
    "epci": None,
    "communes": ["commune"],
    "services": ["service"],
    "baseline": ["service", "commune"],
    "modes": ["service", "mode"],
}
#: (table, column) -> table whose key must declare the value.
REFERENCES = {
    ("baseline", "commune"): "communes",
    ("baseline", "service"): "services",
    ("modes", "service"): "services",
}

_SPACES = re.compile(r"[\s\u00a0\u202f]+")  # thousands separators, non-breaking ones included
_PLAIN = re.compile(r"[+-]?(\d+[.,]?\d*|[.,]\d+)([eE][+-]?\d+)?")  # 1234.5, 1234,5, 1e-9
_DOT_GROUPS = re.compile(r"[+-]?\d{1,3}(\.\d{3})+(,\d*)?")  # 1.234.567,5
_COMMA_GROUPS = re.compile(r"[+-]?\d{1,3}(,\d{3})+\.\d*")  # 1,234,567.5
_FLOAT_CODE = re.compile(r"(\d+)[.,]0*")  # a code that went through a number: 1001.0
#: One group of three digits after a single '.' or ',': 243.517 is 243517 with a
#: thousands separator, or 243.517 with a decimal one; only the file can tell.
AMBIGUOUS_NUMBER = _AMBIGUOUS = re.compile(r"[+-]?[1-9]\d{0,2}([.,])\d{3}")
_MANY_GROUPS = re.compile(r"[+-]?\d{1,3}([.,])\d{3}(\1\d{3})+")  # 1.234.567: '.' groups thousands
_DECIMAL = re.compile(r"[+-]?\d*([.,])\d+([eE][+-]?\d+)?")  # 12.25, 0,5, .5, 1234,567
_UNNAMED = re.compile(r"Unnamed: \d+")  # pandas' name for an empty header cell


class _Bad(Exception):
    """A cell that does not parse; ``guess`` is the value used for cross-table checks."""

    def __init__(self, message: str, fix: str, guess: object = None) -> None:
        super().__init__(message)
        self.message, self.fix, self.guess = message, fix, guess


@dataclass
class _Parsed:
    """Parsed rows of one table: typed values of each non-empty line."""

    table: Table
    file: str
    lines: list[int] = field(default_factory=list)
    rows: list[dict[str, object]] = field(default_factory=list)

    def problem(self, line: int | None, column: str | None, message: str, fix: str) -> Problem:
        return Problem(self.file, line, column, message, fix)

    def items(self) -> zip:
        """(line, row) pairs."""
        return zip(self.lines, self.rows, strict=True)

    def codes(self) -> list:
        """Key values of a one-key table, in row order, without repeats or gaps."""
        key = self.table.key[0]
        return list(dict.fromkeys(r[key] for r in self.rows if r[key] is not None))


def validate_tables(
    raw: dict[str, pd.DataFrame], source: str = "territory", files: dict[str, str] | None = None
) -> dict[str, object]:
    """Check raw territory tables and return them typed and indexed.

    Parameters
    ----------
    raw : dict of str to DataFrame
        Table name (``epci``, ``communes``, ``services``, ``baseline``,
        ``modes``) to the table as read: text cells from a file, or typed cells
        built in Python. Row ``i`` of a frame is line ``i + 2`` of its file
        (header = line 1); rows whose cells are all empty are ignored.
    source : str, default "territory"
        What the tables come from, for the error message.
    files : dict of str to str, optional
        Table name to its name in messages (default ``<table>.csv``), e.g.
        ``"territoire.xlsx [sheet baseline]"``.

    Returns
    -------
    dict of str to DataFrame
        ``epci`` (one row), ``communes`` indexed by ``commune``, ``services``
        indexed by ``service``, ``baseline`` indexed by (``service``,
        ``commune``), ``modes`` indexed by (``service``, ``mode``). Text is
        Python ``str`` (object dtype); defaults of :mod:`mutusim.core.schema` are
        filled in; row order is kept.

    Raises
    ------
    mutusim.errors.DataError
        Listing every problem found, each with file, line, column and fix.
    """
    names = {t.name: t.file for t in TABLES} | dict(files or {})
    problems: list[Problem] = []
    for extra in sorted(map(str, set(raw) - set(TABLES_BY_NAME))):
        message = f"unknown table '{extra}'{did_you_mean(extra, TABLES_BY_NAME) or '.'}"
        problems.append(
            Problem(extra, None, None, message, f"Tables are: {', '.join(TABLES_BY_NAME)}.")
        )
    parsed: dict[str, _Parsed] = {}
    for table in TABLES:
        p = _parse_table(table, raw.get(table.name), names[table.name], problems)
        if p is not None:
            parsed[table.name] = p
    for check in CROSS_CHECKS:
        check(parsed, problems)
    if problems:
        raise DataError(problems, source)
    return {name: _build(p) for name, p in parsed.items()}


# ------------------------------------------------------------------ tables
def _parse_table(table: Table, df: object, file: str, problems: list[Problem]) -> _Parsed | None:
    """Check the columns of one table, then parse every cell of every row."""
    if df is None or not isinstance(df, pd.DataFrame):
        message = f"table '{table.name}' is missing."
        if df is not None:
            message = f"expected a table (DataFrame), got {type(df).__name__}."
        fix = f"Provide it with the columns {', '.join(table.names)} (see docs/data-format.md)."
        problems.append(Problem(file, None, None, message, fix))
        return None
    frame: Any = df
    if any(n in table.names and n not in frame.columns for n in frame.index.names):
        frame = frame.reset_index()  # a table indexed by its key, e.g. territory.baseline
    cells = frame.to_numpy(dtype=object)
    positions = _check_columns(table, frame.columns, cells, file, problems)
    numeric = [
        positions[c.name]
        for c in table.columns
        if c.kind in ("int", "float") and c.name in positions
    ]
    marks = _number_marks(v for v in cells[:, numeric].ravel() if isinstance(v, str))
    parsed = _Parsed(table, file)
    for i, row in enumerate(cells):
        if all(_is_missing(v) for v in row):
            continue
        line = i + 2
        record = {}
        for c in table.columns:
            if c.name in positions:
                record[c.name] = _parse_cell(
                    c, row[positions[c.name]], file, line, problems, marks
                )
            else:
                record[c.name] = None if c.required else _default(c)
        parsed.lines.append(line)
        parsed.rows.append(record)
    return parsed


def _check_columns(
    table: Table, labels: Iterable, cells: np.ndarray, file: str, problems: list[Problem]
) -> dict[str, int]:
    """Position of each schema column; report repeated, unnamed, unknown and missing ones."""
    positions: dict[str, int] = {}
    unknown: list[str] = []
    for pos, label in enumerate(labels):
        name = "" if _is_missing(label) else str(label).strip()
        if name in positions:
            fix = "Keep a single column with this name."
            problems.append(
                Problem(file, None, name, f"column '{name}' appears more than once.", fix)
            )
        elif name in table.names:
            positions[name] = pos
        elif not name or _UNNAMED.fullmatch(name):
            if not all(_is_missing(v) for v in cells[:, pos]):
                message = f"column {_letter(pos)} has values but no header."
                fix = f"Name it (columns of {table.name}: {', '.join(table.names)}) or delete it."
                problems.append(Problem(file, None, None, message, fix))
        else:
            unknown.append(name)
    missing = [n for n in table.names if n not in positions]
    for name in unknown:
        message = f"unknown column '{name}'{did_you_mean(name, missing or table.names) or '.'}"
        fix = f"Rename or delete it; the columns of {table.name} are: {', '.join(table.names)}."
        problems.append(Problem(file, None, name, message, fix))
    for c in table.columns:
        if c.required and c.name not in positions:
            message = f"required column '{c.name}' is missing."
            problems.append(Problem(file, None, c.name, message, f"Add it: {c.description}"))
    return positions


# ------------------------------------------------------------------- cells
def _parse_cell(
    c: Column,
    value: object,
    file: str,
    line: int,
    problems: list[Problem],
    marks: dict[str, str] | None = None,
) -> object:
    """Parse one cell; on failure record the problem and return the best guess.

    ``marks`` is the table's number dialect (:func:`_number_marks`).
    """
    if _is_missing(value):
        if c.required:
            fix = f"Fill in '{c.name}': {c.description}"
            problems.append(Problem(file, line, c.name, "empty cell; a value is required.", fix))
            return None
        return _default(c)
    try:
        if c.kind in ("int", "float"):
            return _parse_number(value, c, c.kind == "int", marks)
        return PARSERS[c.kind](value, c)
    except _Bad as bad:
        problems.append(Problem(file, line, c.name, bad.message, bad.fix))
        return bad.guess


def _is_missing(v: object) -> bool:
    """True for None, NaN, NA, NaT, blank text and empty lists."""
    if isinstance(v, str):
        return not v.strip()
    if isinstance(v, list | tuple | set | frozenset):
        return not v
    if isinstance(v, float | np.floating):
        return bool(np.isnan(v))
    return v is None or v is pd.NA or v is pd.NaT


def _default(c: Column) -> object:
    return _parse_list(c.default, c) if c.kind == "list" else c.default


def _show(v: object) -> str:
    return repr(v.strip()) if isinstance(v, str) else str(v)


def _parse_str(v: object, c: Column) -> str:
    return str(v).strip()


def _parse_choice(v: object, c: Column) -> str:
    s = str(v).strip()
    if s not in c.choices:
        message = f"'{s}' is not allowed{did_you_mean(s, c.choices) or '.'}"
        raise _Bad(message, f"Use one of: {', '.join(c.choices)}.")
    return s


def _parse_list(v: object, c: Column) -> tuple[str, ...]:
    items = sorted(v) if isinstance(v, set | frozenset) else v
    if not isinstance(items, list | tuple):
        items = re.split(r"[;,]", str(v))
    return tuple(s for s in (str(x).strip() for x in items) if s)


def _parse_bool(v: object, c: Column) -> bool:
    if isinstance(v, bool | np.bool_) or (isinstance(v, numbers.Real) and v in (0, 1)):
        return bool(v)
    s = str(v).strip().lower()
    if s not in BOOLEANS:
        fix = "Write true or false (also accepted: 1/0, oui/non, vrai/faux, yes/no)."
        raise _Bad(f"true/false expected, got {_show(v)}.", fix)
    return BOOLEANS[s]


def _parse_number(
    v: object, c: Column, integer: bool, marks: dict[str, str] | None = None
) -> float | int:
    """A number, then checked against the column's minimum and maximum."""
    what, expected = ("integer", "a whole number") if integer else ("number", "a number")
    expected += f" in {c.unit}" if c.unit != "-" else ""
    x = None if isinstance(v, bool | np.bool_) else _to_float(v, integer, marks or {})
    if x is None or not math.isfinite(x):
        raise _Bad(
            f"{what} expected, got {_show(v)}.", f"Write {expected}, e.g. 1234.5 or 1234,5."
        )
    if integer and not (x.is_integer() and abs(x) < 2**63):  # int64 in the built table
        raise _Bad(f"integer expected, got {_show(v)}.", f"Write {expected}.")
    value = int(x) if integer else x
    if c.minimum is not None and x < c.minimum:
        limit = f"at least {c.minimum:g}"
        message = f"value {x:g} is too small: it must be {limit}."
        raise _Bad(message, f"Enter {expected}, {limit}.", value)
    if c.maximum is not None and x > c.maximum:
        why = f" ({c.plausible})" if c.plausible else ""
        top = f"{c.maximum:,.0f}" if c.maximum >= 1e4 else f"{c.maximum:g}"
        message = f"value {x:g} is too large: it must be at most {top}{why}."
        fix = f"Enter {expected}, at most {top}; check the unit ({c.unit})."
        raise _Bad(message, fix, value)
    return value


def _plain_number_text(v: object) -> str:
    """A cell's text without spaces, non-breaking spaces and a trailing currency."""
    return _SPACES.sub("", str(v).strip().removesuffix("€").removesuffix("EUR"))


def _number_marks(texts: Iterable[str]) -> dict[str, str]:
    """What '.' and ',' mean in a table, from its unambiguous number cells.

    A mark is ``"decimal"`` when some cell uses it as a decimal mark (``12.25``,
    ``0,5``, the ``,5`` of ``1.234,5``) and none groups thousands with it,
    ``"thousands"`` when some cell groups thousands with it (``1.234.567``, the
    ``.`` of ``1.234,5``) and none uses it as a decimal mark; absent otherwise.
    Cells such as ``243.517`` say nothing: they are what this decides.

    Parameters
    ----------
    texts : iterable of str
        The text cells of a table's number columns.

    Returns
    -------
    dict
        Mark -> ``"decimal"`` or ``"thousands"``.
    """
    seen: dict[str, set[str]] = {".": set(), ",": set()}
    for text in texts:
        s = _plain_number_text(text)
        if _AMBIGUOUS.fullmatch(s):
            continue
        if s.count(".") + s.count(",") == 1:
            if m := _DECIMAL.fullmatch(s):
                seen[m.group(1)].add("decimal")
        elif m := _MANY_GROUPS.fullmatch(s):
            seen[m.group(1)].add("thousands")
        elif (m := _DOT_GROUPS.fullmatch(s)) and m.group(2):
            seen["."].add("thousands")
            seen[","].add("decimal")
        elif _COMMA_GROUPS.fullmatch(s):
            seen[","].add("thousands")
            seen["."].add("decimal")
    return {mark: kinds.pop() for mark, kinds in seen.items() if len(kinds) == 1}


def _to_float(
    v: object, integer: bool = False, marks: dict[str, str] | None = None
) -> float | None:
    """The value as a float ('.' or ',' decimals, spaced or grouped thousands), or None.

    A cell like ``243.517`` (one group of three digits after a single mark) is
    read as ``marks`` say the table uses that mark; in a whole-number column it
    can only be thousands; otherwise it is ambiguous and raises :class:`_Bad`.
    """
    if isinstance(v, numbers.Real):
        return float(v)
    s = _plain_number_text(v)
    if m := _AMBIGUOUS.fullmatch(s):
        mark = m.group(1)
        meaning = (marks or {}).get(mark) or ("thousands" if integer else None)
        if meaning == "thousands":
            return float(s.replace(mark, ""))
        if meaning == "decimal":
            return float(s.replace(",", "."))
        grouped, decimal = s.replace(mark, ""), s.replace(",", ".")
        name = "comma" if mark == "," else "point"
        raise _Bad(
            f"{_show(v)} is ambiguous: {grouped} with a thousands {name}, or {decimal} with a "
            f"decimal {name}; no other number of the file settles which.",
            f"Write {grouped} without thousands separator, or {s}0 if a decimal {name} is meant.",
        )
    if _PLAIN.fullmatch(s):
        return float(s.replace(",", "."))
    if _DOT_GROUPS.fullmatch(s):
        return float(s.replace(".", "").replace(",", "."))
    if _COMMA_GROUPS.fullmatch(s):
        return float(s.replace(",", ""))
    return None


def _parse_code(v: object, c: Column) -> str:
    """A service identifier, or a fixed-width code (INSEE, SIREN) kept as text."""
    if c.width is None:
        s = str(v).strip()
        if not SERVICE_CODE.fullmatch(s):
            fix = f"Use lower-case letters, digits and '_', starting with a letter, e.g. '{_slug(s)}'."
            raise _Bad(f"'{s}' is not a valid identifier.", fix, guess=s)
        return s
    width = c.width
    as_text = "and format the column as text in Excel so that leading zeros stay."
    s = repr(float(v)) if isinstance(v, float | np.floating) else str(v).strip()
    if s in c.also:
        return s
    if m := _FLOAT_CODE.fullmatch(s):
        guess = m.group(1).zfill(width)
        raise _Bad(f"code '{s}' was read as a number.", f"Write '{guess}' {as_text}", guess)
    if s.isascii() and s.isdigit() and len(s) < width:
        guess, plural = s.zfill(width), "s" if width - len(s) > 1 else ""
        message = (
            f"code '{s}' has lost its leading zero{plural} ({len(s)} digits instead of {width})."
        )
        raise _Bad(message, f"Write '{guess}' {as_text}", guess)
    if not (len(s) == width and s.isascii() and s.isalnum() and s == s.upper()):
        message = f"'{s}' is not a code of {width} digits or capital letters."
        raise _Bad(message, f"Correct it: {c.description}", guess=s)
    return s


PARSERS: dict[str, Callable[[object, Column], object]] = {
    "code": _parse_code,
    "str": _parse_str,
    "int": functools.partial(_parse_number, integer=True),
    "float": functools.partial(_parse_number, integer=False),
    "bool": _parse_bool,
    "choice": _parse_choice,
    "list": _parse_list,
}


# ------------------------------------------------------------- cross-table
def _check_row_counts(parsed: dict[str, _Parsed], problems: list[Problem]) -> None:
    """epci has exactly one row; communes and services at least one."""
    if "epci" in parsed and len(parsed["epci"].rows) != 1:
        p, n = parsed["epci"], len(parsed["epci"].rows)
        message = f"{n} rows; exactly one EPCI row is expected."
        problems.append(
            p.problem(p.lines[1] if n else None, None, message, "Keep one row: the EPCI.")
        )
    for name in ("communes", "services"):
        if name in parsed and not parsed[name].rows:
            fix = f"Add one row per {name[:-1]}."
            problems.append(parsed[name].problem(None, None, "the table has no data row.", fix))


def _check_keys(parsed: dict[str, _Parsed], problems: list[Problem]) -> None:
    """The key columns of a table (``Table.key``) identify one row."""
    for p in parsed.values():
        key_names = p.table.key
        seen: dict[tuple[object, ...], int] = {}
        for line, row in p.items():
            key = tuple(row[k] for k in key_names)
            if not key or None in key:
                continue
            if key in seen:
                what = " and ".join(f"{k} '{v}'" for k, v in zip(key_names, key, strict=True))
                message = f"duplicate row for {what} (first on line {seen[key]})."
                fix = f"Keep one row per {' and '.join(key_names)}: merge the two lines or delete one."
                column = key_names[0] if len(key) == 1 else None
                problems.append(p.problem(line, column, message, fix))
            else:
                seen[key] = line


def _check_declared(parsed: dict[str, _Parsed], problems: list[Problem]) -> None:
    """Every commune and service used in baseline and modes is declared."""
    for (name, column), ref in REFERENCES.items():
        if name not in parsed or ref not in parsed:
            continue
        declared, p = parsed[ref].codes(), parsed[name]
        known = set(declared)
        where: dict[object, list[int]] = {}
        also = set(p.table.column(column).also)
        for line, row in p.items():
            if row[column] is not None and row[column] not in known | also:
                where.setdefault(row[column], []).append(line)
        for code, lines in where.items():
            more = f" (also on lines {_lines(lines[1:])})" if len(lines) > 1 else ""
            message = f"{column} '{code}' is not declared in {parsed[ref].file}{more}."
            fix = f"Add it to {parsed[ref].file}, or correct the code"
            fix += did_you_mean(str(code), declared) or "."
            problems.append(p.problem(lines[0], column, message, fix))


def _check_pairs(parsed: dict[str, _Parsed], problems: list[Problem]) -> None:
    """Every service has a baseline row for every commune."""
    if not {"communes", "services", "baseline"} <= parsed.keys():
        return
    b, communes = parsed["baseline"], parsed["communes"].codes()
    present = {(r["service"], r["commune"]) for r in b.rows}
    zeros = "fte, cost, units and level 0"
    for s in parsed["services"].codes():
        missing = [c for c in communes if (s, c) not in present]
        if len(communes) > 1 and len(missing) == len(communes):
            fix = f"Add one row per commune, with {zeros} for communes that do not run it."
            problems.append(b.problem(None, None, f"service '{s}' has no row.", fix))
            continue
        for c in missing:
            message = f"no row for service '{s}' and commune '{c}'."
            fix = f"Add this row; if the commune does not run the service, give it {zeros}."
            problems.append(b.problem(None, None, message, fix))


def _check_transfer_mode(parsed: dict[str, _Parsed], problems: list[Problem]) -> None:
    """A 'transfer' row in modes needs a transferable service."""
    if not {"services", "modes"} <= parsed.keys():
        return
    s, m = parsed["services"], parsed["modes"]
    declared = {r["service"]: (r["transferable"], n) for n, r in s.items()}
    for line, row in m.items():
        transferable, where = declared.get(row["service"], (None, None))
        if row["mode"] == "transfer" and transferable is False:
            message = f"mode 'transfer' for service '{row['service']}', which is not transferable."
            fix = (
                f"Delete this row, or set transferable to true ({s.file}, line {where}) "
                "if the service is a competence the EPCI may take."
            )
            problems.append(m.problem(line, "mode", message, fix))


def _check_transfer_arrangement(parsed: dict[str, _Parsed], problems: list[Problem]) -> None:
    """A service already transferred is transferred for every commune."""
    if "baseline" not in parsed:
        return
    b = parsed["baseline"]
    transfer: dict[object, list[int]] = {}
    other: dict[object, list[int]] = {}
    for line, row in b.items():
        if row["arrangement"] is not None and row["commune"] != EPCI_PARTY:
            side = transfer if row["arrangement"] == "transfer" else other
            side.setdefault(row["service"], []).append(line)
    for service in transfer.keys() & other.keys():
        message = (
            f"service '{service}' is 'transfer' on lines {_lines(transfer[service])} "
            f"but not on lines {_lines(other[service])}."
        )
        fix = "A transfer concerns every commune: set 'transfer' on all rows of the service, or on none."
        problems.append(b.problem(None, "arrangement", message, fix))


def _check_arrangement_modes(parsed: dict[str, _Parsed], problems: list[Problem]) -> None:
    """A current arrangement 'share' or 'transfer' needs that mode's row in modes."""
    if not {"baseline", "modes"} <= parsed.keys():
        return
    b, m = parsed["baseline"], parsed["modes"]
    rows = {(r["service"], r["mode"]) for r in m.rows}
    seen: set[tuple[object, object]] = set()
    for line, row in b.items():
        arr = row["arrangement"]
        if arr in ("share", "transfer") and (row["service"], arr) not in rows:
            key = (row["service"], arr)
            if key in seen:
                continue
            seen.add(key)
            message = (
                f"service '{row['service']}' is '{arr}' today but {m.file} has no '{arr}' row "
                "for it, so its current cost cannot be computed."
            )
            fix = f"Add the '{arr}' row of service '{row['service']}' to {m.file}, or correct the arrangement."
            problems.append(b.problem(line, "arrangement", message, fix))


def _check_costs(parsed: dict[str, _Parsed], problems: list[Problem]) -> None:
    """A baseline row with staff or work has a cost."""
    if "baseline" not in parsed:
        return
    b = parsed["baseline"]
    for line, row in b.items():
        busy = [
            f"{k} is {row[k]:g}"
            for k in ("fte", "units")
            if isinstance(row[k], float) and row[k] > 0
        ]
        if row["cost"] == 0 and busy:
            message = f"cost is 0 although {' and '.join(busy)}."
            fix = (
                "Enter the annual cost of the service for this commune, "
                "or set fte and units to 0 if the commune does not run it."
            )
            problems.append(b.problem(line, "cost", message, fix))


def _check_posts(parsed: dict[str, _Parsed], problems: list[Problem]) -> None:
    """fte_posts is a whole number at most fte; empty means the whole part of fte."""
    if "baseline" not in parsed:
        return
    b = parsed["baseline"]
    for line, row in b.items():
        fte, posts = row["fte"], row["fte_posts"]
        if not isinstance(fte, float) or fte < 0:
            continue  # a bad fte is its own problem
        if posts is None or (isinstance(posts, float) and math.isnan(posts)):
            row["fte_posts"] = float(math.floor(fte + 1e-9))
            continue
        if not isinstance(posts, float):
            continue
        if abs(posts - round(posts)) > 1e-9:
            message = f"fte_posts is {posts:g}, not a whole number of posts."
            fix = (
                "Give the number of agents who work entirely in the service (a whole number); "
                "the rest of fte counts as shares of agents made available."
            )
            problems.append(b.problem(line, "fte_posts", message, fix))
        elif posts > fte + 1e-9:
            message = f"fte_posts is {posts:g}, more than fte ({fte:g})."
            fix = "fte_posts is the part of fte held by agents wholly in the service: at most fte."
            problems.append(b.problem(line, "fte_posts", message, fix))


def _check_hosts(parsed: dict[str, _Parsed], problems: list[Problem]) -> None:
    """A pooled unit is hosted by the EPCI or a declared commune; a transfer by the EPCI."""
    if not {"communes", "modes"} <= parsed.keys():
        return
    m, communes = parsed["modes"], set(parsed["communes"].codes())
    for line, row in m.items():
        host = row["host"]
        if host is None or host == EPCI_PARTY:
            continue
        if host not in communes:
            message = f"host '{host}' is neither EPCI nor a commune of {parsed['communes'].file}."
            fix = "Write EPCI, or the INSEE code of the member commune that employs the staff."
            problems.append(m.problem(line, "host", message, fix))
        elif row["mode"] == "transfer":
            message = f"a transfer is hosted by the EPCI, not by commune '{host}'."
            fix = "Write EPCI (or leave the cell empty) on transfer rows."
            problems.append(m.problem(line, "host", message, fix))


def _check_units(parsed: dict[str, _Parsed], problems: list[Problem]) -> None:
    """A baseline row with staff has units of work.

    A pooled unit sizes its staff from its members' units: staff with no
    units would vanish in a shared or transferred unit, and its cost with
    them, showing savings that do not exist.
    """
    if "baseline" not in parsed:
        return
    b = parsed["baseline"]
    for line, row in b.items():
        if row["units"] == 0 and isinstance(row["fte"], float) and row["fte"] > 0:
            cost = f" and cost is {row['cost']:g}" if isinstance(row["cost"], float) else ""
            message = f"units is 0 although fte is {row['fte']:g}{cost}."
            fix = (
                "Enter the yearly units of work of the service for this commune, "
                "or set fte to 0 if no agent of the commune works in it."
            )
            problems.append(b.problem(line, "units", message, fix))


def _check_pooled_size(parsed: dict[str, _Parsed], problems: list[Problem]) -> None:
    """A pooled unit needs at most :data:`~mutusim.core.schema.MAX_POOLED_FTE` FTE for all the work."""
    if not {"baseline", "modes"} <= parsed.keys():
        return
    units: dict[object, float] = {}
    for row in parsed["baseline"].rows:
        if isinstance(row["units"], float):
            units[row["service"]] = units.get(row["service"], 0.0) + row["units"]
    m = parsed["modes"]
    for line, row in m.items():
        work, per_fte = units.get(row["service"], 0.0), row["units_per_fte"]
        if not isinstance(per_fte, float) or per_fte <= 0:
            continue
        need = work / per_fte
        if need > MAX_POOLED_FTE:
            message = (
                f"the {row['mode']} unit of '{row['service']}' would need {need:,.0f} FTE for the "
                f"{work:,.0f} units of work of the communes (more than {MAX_POOLED_FTE:,})."
            )
            fix = (
                "Check units_per_fte (units of work one FTE handles in a year) here and the "
                "units of baseline.csv: they must be in the same unit of work."
            )
            problems.append(m.problem(line, "units_per_fte", message, fix))


def _check_natures(parsed: dict[str, _Parsed], problems: list[Problem]) -> None:
    """mandatory_for lists valid EPCI natures."""
    if "services" not in parsed:
        return
    s = parsed["services"]
    for line, row in s.items():
        for item in row["mandatory_for"]:
            if item not in NATURES:
                message = f"unknown EPCI nature '{item}'{did_you_mean(item, NATURES) or '.'}"
                fix = f"Use natures among {', '.join(NATURES)}, separated by ';'."
                problems.append(s.problem(line, "mandatory_for", message, fix))


CROSS_CHECKS = (
    _check_row_counts,
    _check_keys,
    _check_declared,
    _check_pairs,
    _check_transfer_mode,
    _check_transfer_arrangement,
    _check_arrangement_modes,
    _check_costs,
    _check_units,
    _check_pooled_size,
    _check_natures,
    _check_posts,
    _check_hosts,
)


# ----------------------------------------------------------------- helpers
def did_you_mean(word: str, options: Iterable) -> str:
    """Suggest the option closest to a misspelt word, for an error message.

    Parameters
    ----------
    word : str
        What the user wrote.
    options : iterable
        Valid values.

    Returns
    -------
    str
        ``"; did you mean 'x'?"`` for the closest option (ignoring case, or the
        only option that ``word`` abbreviates), else ``""``.
    """
    lower = {str(o).lower(): str(o) for o in options}
    match = difflib.get_close_matches(word.lower(), list(lower), n=1, cutoff=0.6)
    if not match and len(word) >= 3:  # an abbreviation: 'pop' for 'population'
        match = [o for o in lower if o.startswith(word.lower())]
    return f"; did you mean '{lower[match[0]]}'?" if len(match) == 1 else ""


def _slug(s: str) -> str:
    """A valid service identifier close to ``s`` ('RH paie' -> 'rh_paie')."""
    plain = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "_", plain).strip("_")
    return slug if slug[:1].isalpha() else f"s_{slug}".rstrip("_")


def _lines(lines: list[int], at_most: int = 10) -> str:
    more = f", … ({len(lines)} in all)" if len(lines) > at_most else ""
    return ", ".join(map(str, lines[:at_most])) + more


def _letter(pos: int) -> str:
    """Spreadsheet letter of a 0-based column position (0 -> A, 26 -> AA)."""
    out, pos = "", pos + 1
    while pos:
        pos, r = divmod(pos - 1, 26)
        out = chr(65 + r) + out
    return out


# -------------------------------------------------------------- normalised
_DTYPES = {"int": np.int64, "float": np.float64, "bool": bool}


def _build(p: _Parsed) -> pd.DataFrame:
    """Typed frame of a valid table: text and tuples as Python objects, numbers as numpy."""
    columns: dict[str, np.ndarray] = {}
    for c in p.table.columns:
        values = [r[c.name] for r in p.rows]
        if c.kind in _DTYPES:
            columns[c.name] = np.array(
                [np.nan if v is None else v for v in values], _DTYPES[c.kind]
            )
        else:
            columns[c.name] = np.empty(len(values), dtype=object)
            for i, v in enumerate(values):  # element-wise: tuples must not become 2-D
                columns[c.name][i] = v
    names = INDEX[p.table.name]
    if names is None:
        index = pd.RangeIndex(len(p.rows))
    else:
        arrays = [pd.Index(columns.pop(k), dtype=object, name=k) for k in names]
        index = arrays[0] if len(arrays) == 1 else pd.MultiIndex.from_arrays(arrays, names=names)
    # Series with dtype=object: a plain dict of object arrays would be inferred as "str" dtype.
    data = {k: pd.Series(v, index=index, dtype=v.dtype) for k, v in columns.items()}
    return pd.DataFrame(data, index=index)
