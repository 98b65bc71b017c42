"""Numbers read as written, spreadsheets read right, hostile files refused (issue 7.3-7.5, 7.8).

* an ambiguous thousands separator (``243,517``, ``243.517``) is an error naming
  the cell unless the file's other numbers settle it;
* every CSV dialect a spreadsheet writes reads back to the same numbers, or is
  refused (hypothesis fuzz of separators, decimal marks, thousands, quoting,
  encodings, line ends);
* xlsx formulas without a computed value, merged cells, stray far cells and
  corrupt workbooks are problems naming the cell, read read-only and bounded;
* a file mixing encodings, an unreadable folder: one problem each;
* plausibility bounds and consistency checks from the schema, with the fix.
"""

from __future__ import annotations

import csv
import io
import math
import random
import re
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import assume, event, given
from hypothesis import strategies as st

import mutusim as ms
from mutusim.core.schema import MAX_POOLED_FTE, TABLES
from mutusim.errors import DataError
from mutusim.inputs.examples import tiny, tiny_frames
from mutusim.inputs.io import MAX_SHEET_ROWS, load_territory, write_excel, write_folder


def write_texts(folder: Path, texts: dict[str, str], encoding: str = "utf-8") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in texts.items():
        (folder / f"{name}.csv").write_bytes(text.encode(encoding))
    return folder


def csv_texts(sep: str = ",") -> dict[str, str]:
    """The tiny territory as a spreadsheet writes it: ``sep`` ',' with decimal points, or
    ';' with decimal commas (French Excel)."""
    out = {}
    decimal = "," if sep == ";" else "."
    for t in TABLES:
        buf = io.StringIO()
        tiny_frames()[t.name].to_csv(
            buf, sep=sep, decimal=decimal, index=False, lineterminator="\n"
        )
        out[t.name] = buf.getvalue()
    return out


def problems(path: Path) -> list[tuple]:
    with pytest.raises(DataError) as info:
        load_territory(path)
    return [(p.file, p.row, p.column, p.message, p.fix) for p in info.value.problems]


def baseline_cost(path: Path, commune: str = "49001") -> float:
    return float(load_territory(path).baseline.loc[("rh_paie", commune), "cost"])


# ------------------------------------------------------ ambiguous thousands
def test_comma_thousands_in_a_comma_file_is_an_error_naming_the_cell(tmp_path):
    texts = csv_texts(",")
    texts["baseline"] = texts["baseline"].replace("90000.0", '"243,517"')
    (found,) = problems(write_texts(tmp_path, texts))
    file, row, column, message, fix = found
    assert (file, row, column) == ("baseline.csv", 2, "cost")
    assert message.startswith("'243,517' is ambiguous: 243517 with a thousands comma")
    assert "243517" in fix


def test_dot_thousands_in_a_semicolon_file_is_an_error_naming_the_cell(tmp_path):
    texts = csv_texts(";")
    assert "0,5;" in texts["baseline"]  # decimal commas elsewhere do not tell what '.' is
    texts["baseline"] = texts["baseline"].replace("90000,0", "243.517")
    (found,) = problems(write_texts(tmp_path, texts))
    assert found[:3] == ("baseline.csv", 2, "cost")
    assert "ambiguous" in found[3]


def test_the_file_settles_a_thousands_separator(tmp_path):
    # another cell groups thousands with '.': 243.517 is 243517
    texts = csv_texts(";")
    texts["baseline"] = (
        texts["baseline"].replace("90000,0", "243.517").replace("25000,0", "1.025.000")
    )
    assert baseline_cost(write_texts(tmp_path / "a", texts)) == 243517.0
    # another cell uses ',' as decimal mark and '.' groups thousands: 1.234,5
    texts = csv_texts(";")
    texts["baseline"] = (
        texts["baseline"].replace("90000,0", "243.517").replace("25000,0", "1.025,5")
    )
    assert baseline_cost(write_texts(tmp_path / "b", texts)) == 243517.0


def test_the_file_settles_a_decimal_mark(tmp_path):
    # other cells use '.' as decimal mark (0.5, 12.25) and none groups with it
    texts = csv_texts(",")
    assert ",0.5," in texts["baseline"]
    texts["baseline"] = texts["baseline"].replace("90000.0", "243.517")
    assert baseline_cost(write_texts(tmp_path, texts)) == 243.517


def test_a_whole_number_column_can_only_mean_thousands(tmp_path):
    texts = csv_texts(",")
    texts["communes"] = texts["communes"].replace(",5000,", ',"5,000",')
    assert load_territory(write_texts(tmp_path, texts)).communes.at["49001", "population"] == 5000


def test_unambiguous_forms_still_read(tmp_path):
    texts = csv_texts(";")
    texts["baseline"] = (
        texts["baseline"]
        .replace("90000,0", "1 243 517,25")  # spaces group thousands
        .replace("25000,0", "0,125")  # leading zero: a decimal
        .replace("16000,0", "1234,567")  # four digits before: a decimal
    )
    t = load_territory(write_texts(tmp_path, texts))
    cost = t.baseline["cost"]
    assert cost[("rh_paie", "49001")] == 1243517.25
    assert cost[("rh_paie", "49002")] == 0.125
    assert cost[("rh_paie", "49003")] == 1234.567


# ------------------------------------------------------------- dialect fuzz
def grouped(x: float, decimal: str, thousands: str) -> str:
    """``x`` as a spreadsheet shows it: its exact digits, grouped and with its decimal mark."""
    text = repr(float(x))
    assert "e" not in text
    whole, _, frac = text.partition(".")
    sign = "-" if whole.startswith("-") else ""
    whole = whole.lstrip("-")
    if thousands:
        groups = []
        while len(whole) > 3:
            whole, groups = whole[:-3], [whole[-3:], *groups]
        whole = thousands.join([whole, *groups])
    return sign + whole + (decimal + frac if frac != "0" else "")


def amounts(top: int, decimals: int = 3) -> st.SearchStrategy[float]:
    return st.builds(lambda n, k: n / 10**k, st.integers(0, top), st.integers(0, decimals)).filter(
        lambda x: x <= top
    )


@st.composite
def numbered_frames(draw) -> dict[str, pd.DataFrame]:
    """Tiny frames with drawn numbers: magnitudes from 0 to millions, 0-3 decimals."""
    f = tiny_frames()
    n = len(f["baseline"])
    f["communes"]["population"] = draw(st.lists(st.integers(0, 3_000_000), min_size=3, max_size=3))
    b = f["baseline"]
    b["fte"] = draw(st.lists(amounts(5_000), min_size=n, max_size=n))
    b["cost"] = [c + 1 for c in draw(st.lists(amounts(50_000_000), min_size=n, max_size=n))]
    b["units"] = [max(u, 1.0) for u in draw(st.lists(amounts(1_000_000), min_size=n, max_size=n))]
    b["level"] = draw(st.lists(amounts(100), min_size=n, max_size=n))
    b["equipment_charge"] = draw(st.lists(amounts(9_999_999), min_size=n, max_size=n))
    m = f["modes"]
    k = len(m)
    m["fixed_cost"] = draw(st.lists(amounts(5_000_000), min_size=k, max_size=k))
    m["units_per_fte"] = draw(
        st.lists(amounts(100_000).map(lambda u: u + 100), min_size=k, max_size=k)
    )
    m["cost_per_fte"] = draw(st.lists(amounts(150_000), min_size=k, max_size=k))
    m["cost_per_unit"] = draw(st.lists(amounts(2_000), min_size=k, max_size=k))
    return f


DIALECTS = st.fixed_dictionaries(
    {
        "sep": st.sampled_from([",", ";", "\t"]),
        "decimal": st.sampled_from([".", ","]),
        "thousands": st.sampled_from(["", " ", "\u00a0", "\u202f", ".", ",", "'"]),
        "quote_all": st.booleans(),
        "encoding": st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]),
        "newline": st.sampled_from(["\n", "\r\n"]),
        "currency": st.booleans(),
    }
)


def write_dialect(folder: Path, frames: dict[str, pd.DataFrame], d: dict) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for t in TABLES:
        df = frames[t.name]
        buf = io.StringIO()
        quoting = csv.QUOTE_ALL if d["quote_all"] else csv.QUOTE_MINIMAL
        w = csv.writer(buf, delimiter=d["sep"], quoting=quoting, lineterminator=d["newline"])
        w.writerow(df.columns)
        for row in df.itertuples(index=False):
            cells = []
            for c, v in zip(df.columns, row, strict=True):
                kind = t.column(c).kind
                if kind in ("int", "float") and not (isinstance(v, float) and math.isnan(v)):
                    text = grouped(v, d["decimal"], d["thousands"])
                    if d["currency"] and c in ("cost", "fixed_cost"):
                        text += " €"
                    cells.append(text)
                else:
                    cells.append(
                        "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)
                    )
            w.writerow(cells)
        (folder / t.file).write_bytes(buf.getvalue().encode(d["encoding"]))
    return folder


@given(frames=numbered_frames(), dialect=DIALECTS)
def test_fuzz_every_accepted_csv_dialect_reads_back_the_same_numbers(
    tmp_path_factory, frames, dialect
):
    assume(dialect["thousands"] != dialect["decimal"])
    if dialect["encoding"] == "cp1252":
        assume(dialect["thousands"] != "\u202f" and not dialect["currency"])
    expected = ms.territory_from_frames(**frames)
    folder = write_dialect(tmp_path_factory.mktemp("dialect"), frames, dialect)
    try:
        got = load_territory(folder)
    except DataError as err:
        # refused (an ambiguous number, a separator mutusim does not read such as 1'000):
        # each problem names a number cell; what matters is that no number is read wrong
        numeric = {c.name for t in TABLES for c in t.columns if c.kind in ("int", "float")}
        for p in err.problems:
            assert p.row is not None, p
            assert p.column in numeric, p
            assert "ambiguous" in p.message or "expected" in p.message, p
        event("refused")
        return
    event("accepted")
    for name in ("communes", "baseline", "modes"):
        a, b = getattr(expected, name), getattr(got, name)
        for col in a.columns:
            if a[col].dtype.kind in "if":
                pd.testing.assert_series_equal(
                    a[col], b[col], check_exact=True, obj=f"{name}.{col}"
                )
    assert got.equals(expected)


@pytest.mark.parametrize("sep", [",", ";"])
def test_our_writer_is_never_ambiguous(tmp_path, sep):
    frames = tiny_frames()
    frames["baseline"]["fte"] = [1.125, 12.375, 243.517, 0.125, 1.5, 999.999]
    frames["modes"]["units_per_fte"] = [1000.5, 243.517, 250.0]
    t = ms.territory_from_frames(**frames)
    assert load_territory(write_folder(t, tmp_path, sep=sep)).equals(t)


# ------------------------------------------------------------- spreadsheets
def test_formula_without_computed_value_names_the_cell(tmp_path):
    path = write_excel(tiny(), tmp_path / "t.xlsx")
    book = openpyxl.load_workbook(path)
    book["modes"]["D2"] = "=1+4"  # min_members; openpyxl stores no computed value
    book.save(path)
    (found,) = problems(path)
    assert found[:3] == ("t.xlsx [sheet modes]", 2, "min_members")
    assert "cell D2 holds the formula '=1+4' but no computed value" in found[3]
    assert "save it" in found[4]


def test_formula_with_its_computed_value_reads_the_value(tmp_path):
    path = write_excel(tiny(), tmp_path / "t.xlsx")
    book = openpyxl.load_workbook(path)
    book["modes"]["D2"] = "=1+4"
    book.save(path)
    # as Excel saves it: the formula and its cached value
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    sheet = next(n for n in parts if n.startswith("xl/worksheets/") and b"<f>1+4</f>" in parts[n])
    parts[sheet] = re.sub(rb"<f>1\+4</f>(<v\s*/>|<v></v>)?", b"<f>1+4</f><v>5</v>", parts[sheet])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n, data in parts.items():
            z.writestr(n, data)
    assert load_territory(path).modes.loc[("ads", "share"), "min_members"] == 5  # row 2


def test_merged_cells_name_the_range(tmp_path):
    path = write_excel(tiny(), tmp_path / "t.xlsx")
    book = openpyxl.load_workbook(path)
    book["baseline"]["H2"] = 2000.0
    book["baseline"].merge_cells("H2:H4")  # equipment_charge of three rows, one value
    book.save(path)
    (found,) = problems(path)
    assert found[:3] == ("t.xlsx [sheet baseline]", 2, "equipment_charge")
    assert "cells H2:H4 are merged: only H2 holds the value" in found[3]
    assert "Unmerge" in found[4]


def test_a_stray_cell_far_away_is_one_problem_and_no_memory_blow_up(tmp_path):
    path = write_excel(tiny(), tmp_path / "t.xlsx")
    book = openpyxl.load_workbook(path)
    book["communes"]["XFD1048576"] = "x"
    book.save(path)
    assert path.stat().st_size < 50_000
    (found,) = problems(path)
    assert found[:3] == ("t.xlsx [sheet communes]", None, None)
    assert f"a value in cell XFD1048576, beyond row {MAX_SHEET_ROWS:,}" in found[3]


def test_empty_formatted_cells_far_away_are_ignored(tmp_path):
    path = write_excel(tiny(), tmp_path / "t.xlsx")
    book = openpyxl.load_workbook(path)
    book["communes"]["Z5000"].number_format = "0.00"  # formatted, no value
    book.save(path)
    assert load_territory(path).equals(tiny())


def fixed_bytes(path: Path) -> bytes:
    """The workbook's bytes without its timestamps, so that the same corruption hits the same byte."""
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for n, data in parts.items():
            data = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", b"2026-01-01T00:00:00Z", data)
            info = zipfile.ZipInfo(n, date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED  # flipped bytes hit compressed streams
            z.writestr(info, data)
    return buf.getvalue()


def test_corrupt_workbooks_give_one_problem_never_a_traceback(tmp_path):
    good = fixed_bytes(write_excel(tiny(), tmp_path / "good.xlsx"))
    rng = random.Random(7)
    outcomes = set()
    files: list[tuple[int, str]] = []
    for i in range(120):
        data = bytearray(good)
        if i % 3 == 0:
            data = data[: rng.randrange(10, len(data))]  # truncated
        else:
            for _ in range(rng.randint(1, 20)):  # bytes flipped, compressed streams included
                data[rng.randrange(30, len(data))] = rng.randrange(256)
        path = tmp_path / f"bad{i}.xlsx"
        path.write_bytes(bytes(data))
        try:
            load_territory(path)
            outcomes.add("read")
        except DataError as err:
            outcomes.add("refused")
            files.extend((i, p.file) for p in err.problems)
    assert "refused" in outcomes
    assert all(file.startswith(f"bad{i}.xlsx") for i, file in files)


def test_broken_xml_inside_a_workbook(tmp_path):
    path = write_excel(tiny(), tmp_path / "t.xlsx")
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    sheet = next(n for n in parts if n.startswith("xl/worksheets/sheet"))
    parts[sheet] = parts[sheet][: len(parts[sheet]) // 2]  # a ParseError when streamed
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n, data in parts.items():
            z.writestr(n, data)
    (found,) = problems(path)
    assert found[:3] == ("t.xlsx", None, None)
    assert "cannot be opened as a workbook" in found[3]


# --------------------------------------------------------------- CSV files
def test_a_file_mixing_utf8_and_cp1252_names_the_line(tmp_path):
    texts = csv_texts(",")
    texts["communes"] = texts["communes"].replace("Village-Est", "Village-Été")
    folder = write_texts(tmp_path, texts)
    lines = (folder / "communes.csv").read_bytes().split(b"\n")
    lines[3] = "49003,Hameau-Sud à côté,800,False\n".encode("cp1252").rstrip(b"\n")
    (folder / "communes.csv").write_bytes(b"\n".join(lines))
    (found,) = problems(folder)
    assert found[:2] == ("communes.csv", 4)
    assert "line 4 is not UTF-8 (Windows-1252?) while line 3 is UTF-8" in found[3]


def test_a_whole_cp1252_file_still_reads(tmp_path):
    texts = csv_texts(";")
    texts["communes"] = texts["communes"].replace("Village-Est", "Village-Été")
    t = load_territory(write_texts(tmp_path, texts, encoding="cp1252"))
    assert t.communes.at["49002", "name"] == "Village-Été"


def test_an_unreadable_folder_is_one_problem(tmp_path, monkeypatch):
    folder = write_folder(tiny(), tmp_path / "t")
    iterdir = Path.iterdir

    def locked(self):
        if self == folder:
            raise PermissionError(13, "Permission denied")
        return iterdir(self)

    monkeypatch.setattr(Path, "iterdir", locked)
    (found,) = problems(folder)
    assert found[:3] == (str(folder), None, None)
    assert "cannot be listed (Permission denied)" in found[3]


# ------------------------------------------------------------- plausibility
PLAUSIBILITY = [
    ("communes", "population", 10**18, "2.1 million"),
    ("communes", "potentiel_financier", 1e9, "per inhabitant"),
    ("baseline", "fte", 1e6, "50,000 agents"),
    ("baseline", "cost", 1e308, "10 billion EUR/year"),
    ("baseline", "units", 1e12, "ten billion units"),
    ("baseline", "equipment_charge", 1e11, "10 billion EUR/year"),
    ("modes", "fixed_cost", 1e15, "10 billion EUR/year"),
    ("modes", "min_members", 5_000, "a few hundred communes"),
    ("modes", "units_per_fte", 1e12, "a billion units"),
    ("modes", "cost_per_fte", 5e6, "30,000 to 150,000 EUR"),
    ("modes", "fte_step", 1e12, "teams of 100 FTE"),
    ("modes", "cost_per_unit", 1e8, "10 million EUR per unit"),
    ("modes", "overhead_per_member", 1e10, "a billion EUR/year"),
    ("modes", "transition_cost_per_member", 1e11, "10 billion EUR"),
    ("modes", "transition_cost_per_fte", 1e8, "a few thousand EUR per agent"),
]


@pytest.mark.parametrize(("table", "column", "value", "why"), PLAUSIBILITY)
def test_plausibility_bounds_name_the_reason_and_the_fix(table, column, value, why):
    f = tiny_frames()
    if column not in f[table].columns:
        f[table][column] = [None] * len(f[table])
    f[table] = f[table].astype(object)
    f[table].loc[0, column] = value
    with pytest.raises(DataError) as info:
        ms.territory_from_frames(**f)
    (p,) = [p for p in info.value.problems if p.column == column]
    assert p.row == 2
    assert "is too large: it must be at most" in p.message
    assert why in p.message
    assert "check the unit" in p.fix


def test_bounds_are_documented():
    doc = Path(__file__).resolve().parents[2].joinpath("docs", "data-format.md").read_text()
    for _table, _column, _value, why in PLAUSIBILITY:
        assert why in doc
    assert f"at most {MAX_POOLED_FTE:,} FTE" in doc


def test_staff_without_units_is_inconsistent():
    # units 0 with 2 FTE and 90,000 EUR: the staff would vanish in a pooled unit (fake savings)
    f = tiny_frames()
    f["baseline"].loc[0, "units"] = 0.0
    with pytest.raises(DataError) as info:
        ms.territory_from_frames(**f)
    (p,) = info.value.problems
    assert (p.file, p.row, p.column) == ("baseline.csv", 2, "units")
    assert p.message == "units is 0 although fte is 2 and cost is 90000."


def test_a_pooled_unit_of_absurd_size_is_inconsistent():
    f = tiny_frames()
    f["modes"].loc[0, "units_per_fte"] = 0.01  # 1,650 payslips at 0.01 per FTE: 165,000 FTE
    with pytest.raises(DataError) as info:
        ms.territory_from_frames(**f)
    (p,) = info.value.problems
    assert (p.file, p.row, p.column) == ("modes.csv", 2, "units_per_fte")
    assert "would need 165,000 FTE" in p.message
