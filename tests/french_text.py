"""What the committee reads must be French done right: the checks of issue 10, item 1.

:func:`problems` scans text the committee reads (visible text of an HTML
document, cells of a workbook, lines printed by the CLI, texts of a figure)
and lists every:

* decimal point inside a number (``234.6``, ``0.0000``);
* integer over 9,999 written without grouping (``157555``), a code column
  aside (INSEE codes, SIREN);
* ``NaN``, ``<NA>``, ``None``, ``NaT``, ``nan``, ``inf``;
* code name: a snake_case identifier (every option, rule and service code
  with an underscore), or one of the codes given (services without an
  underscore, such as ``ads`` or ``sig``);
* English word of :data:`ENGLISH` (status words, modes, booleans, ...).

It shares no code with mutusim's formatter: it reads the output as text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from html.parser import HTMLParser
from pathlib import Path

#: English words that must not appear where the committee reads (whole words).
ENGLISH = (
    "keep",
    "share",
    "shared",
    "transfer",
    "transferred",
    "savings",
    "saving",
    "cost",
    "costs",
    "infeasible",
    "feasible",
    "sampled",
    "status",
    "true",
    "false",
    "yes",
    "the",
    "and",
    "with",
    "without",
    "error",
    "given",
    "balance",
    "perimeter",
    "budget_",
    "employer",
    "year",
    "service_name",
    "not started",
    "after the horizon",
    "attrition",
    "abolition",
    "units",
    "population_above",
    "provided",
    "this",
    "for",
)
_ENGLISH = re.compile(r"\b(" + "|".join(re.escape(w) for w in ENGLISH) + r")\b")
_DECIMAL_POINT = re.compile(r"\d\.\d")
_UNGROUPED = re.compile(r"(?<![\w\u202f\xa0,.\-/])\d{5,}(?![\w,])")
_MISSING = re.compile(r"\bNaN\b|<NA>|\bNone\b|\bNaT\b|\bnan\b|\binf\b")
_SNAKE = re.compile(r"\b[a-z][a-z0-9]*_[a-z0-9_]+\b")
#: Strings allowed as they are (a software version, a file name the reader types).
ALLOWED = (
    re.compile(r"version \d+(\.\d+)+"),
    re.compile(r"\b[\w-]+\.(html|xlsx|csv|md|yaml|ipynb)\b"),
)


def problems(text: str, codes: Iterable[str] = (), where: str = "") -> list[str]:
    """Every breach of French number and naming rules in ``text`` (one per line).

    Parameters
    ----------
    text : str
        Text as the reader sees it.
    codes : iterable of str
        Code names that must not appear as whole words (services, rules, options).
    where : str
        Prefix of each problem (what was scanned).
    """
    found = []
    codes = [c for c in codes if c]
    code_re = re.compile(r"\b(" + "|".join(map(re.escape, codes)) + r")\b") if codes else None
    for line in text.splitlines():
        clean = line
        for pattern in ALLOWED:
            clean = pattern.sub(" ", clean)
        checks = [
            ("decimal point", _DECIMAL_POINT),
            ("ungrouped integer", _UNGROUPED),
            ("missing value", _MISSING),
            ("code name", _SNAKE),
            ("English word", _ENGLISH),
        ]
        if code_re is not None:
            checks.append(("code name", code_re))
        for what, pattern in checks:
            for m in pattern.finditer(clean):
                found.append(f"{where}: {what} {m.group(0)!r} in: {line.strip()[:160]}")
    return found


class _Visible(HTMLParser):
    """Visible text of an HTML document, plus alt texts and titles."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "script"):
            self._skip += 1
        for name, value in attrs:
            if name in ("alt", "title") and value:
                self.parts.append("\n" + value + "\n")
        if tag in ("p", "li", "tr", "td", "th", "h1", "h2", "h3", "div", "br", "figcaption"):
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script"):
            self._skip -= 1
        if tag in ("td", "th"):
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_text(document: str) -> str:
    """The text a reader sees in an HTML document (one cell per line)."""
    parser = _Visible()
    parser.feed(document)
    return "".join(parser.parts)


def workbook_text(path: str | Path) -> tuple[str, list[str]]:
    """Text of every text cell of a workbook, and the numeric cells without a number format.

    Columns whose header starts with "Code" hold identifiers (INSEE, service
    codes shown beside names for the analyst) and are not scanned for codes.
    """
    import openpyxl

    wb = openpyxl.load_workbook(path)
    lines, unformatted = [], []
    for ws in wb.worksheets:
        code_cols: set[int] = set()
        for row in ws.iter_rows():
            for cell in row:
                v = cell.value
                if isinstance(v, str) and v.startswith("Code"):
                    code_cols.add(cell.column)
                if cell.column in code_cols and not (isinstance(v, str) and v.startswith("Code")):
                    continue
                if isinstance(v, str):
                    lines.append(v)
                elif isinstance(v, bool):
                    lines.append(f"{ws.title}!{cell.coordinate}: bool {v}")
                elif isinstance(v, int | float) and cell.number_format == "General":
                    unformatted.append(f"{ws.title}!{cell.coordinate} = {v!r}")
            for cell in row:
                if cell.comment is not None:
                    lines.append(cell.comment.text)
    return "\n".join(lines), unformatted


def figure_text(fig: object) -> str:
    """Every text drawn on a matplotlib figure: titles, labels, ticks, legends, annotations."""
    from matplotlib.text import Text

    texts = [t.get_text() for t in fig.findobj(Text)]  # type: ignore[attr-defined]
    return "\n".join(t for t in texts if t)
