"""Tests of mutusim.inputs.validation: every check, message and location (PRODUCT.md D2)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mutusim.core.schema import BASELINE, TABLES
from mutusim.core.territory import Territory
from mutusim.errors import DataError, Problem
from mutusim.inputs.examples import tiny_frames
from mutusim.inputs.io import territory_from_frames
from mutusim.inputs.validation import validate_tables


def as_text(raw: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The tables as a CSV loader hands them: every cell a str, '' when empty."""
    return {
        k: df.astype(object).map(lambda v: "" if v is None or v != v else str(v))
        for k, df in raw.items()
    }


def set_cell(raw: dict, table: str, row: int, column: str, value: object) -> dict:
    df = raw[table].astype(object)
    cells = df[column].tolist() if column in df else [None] * len(df)
    cells[row] = value
    df[column] = pd.Series(cells, index=df.index, dtype=object)
    raw[table] = df
    return raw


def expect(raw: dict, match: str, where: tuple, n: int | None = 1, **kw) -> Problem:
    """Validation fails with one problem matching ``match``, at (file, row, column)."""
    with pytest.raises(DataError, match=match) as info:
        validate_tables(raw, **kw)
    hits = [p for p in info.value.problems if re.search(match, f"{p.message} Fix: {p.fix}")]
    assert len(hits) == 1, info.value.problems
    assert (hits[0].file, hits[0].row, hits[0].column) == where
    if n is not None:
        assert len(info.value.problems) == n, info.value.problems
    return hits[0]


def bad(table: str, row: int, column: str, value: object) -> dict:
    return set_cell(tiny_frames(), table, row, column, value)


def zero_codes() -> dict[str, pd.DataFrame]:
    """Tiny frames whose INSEE codes start with a zero (department 01)."""
    raw = tiny_frames()
    recode = {"49001": "01001", "49002": "01002", "49003": "01003"}
    for name in ("communes", "baseline"):
        raw[name]["commune"] = raw[name]["commune"].map(recode)
    return raw


# ------------------------------------------------------------ valid input
def test_tiny_gives_typed_indexed_tables():
    t = validate_tables(tiny_frames())
    assert list(t) == ["epci", "communes", "services", "baseline", "modes"]
    assert t["epci"].iloc[0].to_dict() == {
        "siren": "200000001",
        "name": "CC Exemple",
        "nature": "CC",
        "fiscalite": "FPU",
    }
    assert all(dt.kind == "O" for dt in t["epci"].dtypes)
    c = t["communes"]
    assert c.index.name == "commune"
    assert c.index.dtype == object
    assert list(c.index) == ["49001", "49002", "49003"]
    assert c.dtypes.to_dict() == {
        "name": object,
        "population": np.int64,
        "polarity": bool,
        "potentiel_financier": np.float64,
    }
    assert c["potentiel_financier"].isna().all()
    s = t["services"]
    assert list(s.index) == ["rh_paie", "ads"]  # row order kept
    assert s.at["ads", "transferable"]
    assert s.at["ads", "mandatory_for"] == ()
    assert s["transferable"].dtype == bool
    assert s["name"].dtype == object
    b = t["baseline"]
    assert b.index.names == ["service", "commune"]
    assert [lv.dtype for lv in b.index.levels] == [object, object]
    assert list(b.columns) == [n for n in BASELINE.names if n not in ("service", "commune")]
    assert list(b.columns[:5]) == ["fte", "fte_posts", "cost", "units", "level"]
    # no fte_posts column: the whole part of fte (2.0, 0.5, 0.3, 1.0, 0.4, 0.2 FTE)
    assert b["fte_posts"].tolist() == [2.0, 0.0, 0.0, 1.0, 0.0, 0.0]
    assert b["fte_posts"].dtype == np.float64
    assert (b["arrangement"] == "keep").all()
    assert b["arrangement"].dtype == object
    assert b.loc[("ads", "49002"), "cost"] == 21_000.0
    m = t["modes"]
    assert m.index.names == ["service", "mode"]
    assert m["min_members"].dtype == np.int64
    assert m["fte_step"].dtype == np.float64
    assert m.loc[("ads", "transfer"), "min_members"] == 1
    assert (m["host"] == "EPCI").all()  # no host column: the EPCI runs every pooled unit


def test_text_input_gives_the_same_tables():
    typed = validate_tables(tiny_frames())
    text = validate_tables(as_text(tiny_frames()))
    for name in typed:
        assert typed[name].equals(text[name]), name


def test_indexed_tables_of_a_territory_are_accepted():
    t = territory_from_frames(**tiny_frames())
    raw = {"epci": pd.DataFrame([t.epci]), "communes": t.communes, "services": t.services}
    raw |= {"baseline": t.baseline, "modes": t.modes}
    again = Territory.from_validated(**validate_tables(raw))
    assert again.equals(t)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1234.5", 1234.5),
        ("1234,5", 1234.5),
        ("1 234,5", 1234.5),
        ("1\u00a0234,5", 1234.5),
        ("1\u202f234,5", 1234.5),
        ("1.234,5", 1234.5),
        ("1,234.5", 1234.5),
        ("1 234 567", 1234567.0),
        (" 90 000,00 € ", 90000.0),
        ("1e3", 1000.0),
        (",5", 0.5),
    ],
)
def test_numbers_with_decimal_comma_and_spaced_thousands(text, value):
    raw = set_cell(as_text(tiny_frames()), "baseline", 0, "cost", text)
    assert validate_tables(raw)["baseline"].loc[("rh_paie", "49001"), "cost"] == value


@given(st.floats(min_value=1e-9, max_value=1e7, allow_nan=False))  # plausible units
@settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow], deadline=None)
def test_any_float_written_with_a_comma_reads_back_exactly(x):
    text = repr(x)
    if re.fullmatch(r"[1-9]\d{0,2}\.\d{3}", text):
        text += "0"  # 243,517 alone would be ambiguous (243517?): a writer adds a digit
    raw = set_cell(as_text(tiny_frames()), "baseline", 0, "units", text.replace(".", ","))
    assert validate_tables(raw)["baseline"].loc[("rh_paie", "49001"), "units"] == x


@pytest.mark.parametrize(
    ("cell", "value"),
    [("TRUE", True), ("Oui", True), ("vrai", True), ("yes", True), ("1", True), (1, True)]
    + [("false", False), ("NON", False), ("Faux", False), ("no", False), (0, False)]
    + [(np.True_, True), (" 0 ", False)],
)
def test_booleans_in_french_and_english(cell, value):
    raw = set_cell(tiny_frames(), "communes", 1, "polarity", cell)
    assert validate_tables(raw)["communes"].at["49002", "polarity"] is np.bool_(value)


def test_missing_optional_columns_and_cells_take_schema_defaults():
    raw = tiny_frames()
    raw["communes"] = raw["communes"].drop(columns="polarity")
    raw["services"] = raw["services"].drop(columns="mandatory_for")
    raw["modes"] = raw["modes"].drop(columns=["min_members", "cost_per_unit"])
    raw = set_cell(raw, "modes", 0, "fte_step", "")
    t = validate_tables(raw)
    assert not t["communes"]["polarity"].any()
    assert t["services"]["mandatory_for"].tolist() == [(), ()]
    assert t["modes"]["min_members"].tolist() == [1, 1, 1]
    assert t["modes"]["cost_per_unit"].tolist() == [0.0] * 3
    assert t["modes"].loc[("rh_paie", "share"), "fte_step"] == 1.0


def test_blank_rows_are_skipped_and_lines_still_count():
    raw = as_text(tiny_frames())
    c = raw["communes"]
    blank = pd.DataFrame([[""] * c.shape[1]], columns=c.columns, dtype=object)
    raw["communes"] = pd.concat([c.iloc[:1], blank, c.iloc[1:]], ignore_index=True)
    assert len(validate_tables(raw)["communes"]) == 3
    raw = set_cell(raw, "communes", 3, "population", "beaucoup")
    expect(raw, "integer expected, got 'beaucoup'", ("communes.csv", 5, "population"))


def test_mandatory_natures_and_valid_corsican_code():
    raw = set_cell(tiny_frames(), "services", 1, "mandatory_for", "CU; METRO")
    raw = set_cell(raw, "communes", 2, "commune", "2A004")
    raw["baseline"]["commune"] = raw["baseline"]["commune"].replace("49003", "2A004")
    t = validate_tables(raw)
    assert t["services"].at["ads", "mandatory_for"] == ("CU", "METRO")
    assert "2A004" in t["communes"].index


def test_arrangement_transfer_for_every_commune_is_valid():
    raw = tiny_frames()
    raw["baseline"]["arrangement"] = ["keep"] * 3 + ["transfer"] * 3
    assert (validate_tables(raw)["baseline"].loc["ads", "arrangement"] == "transfer").all()


def test_a_commune_that_does_not_run_a_service_has_a_zero_row():
    raw = tiny_frames()
    raw["baseline"].loc[5, ["fte", "cost", "units", "level"]] = 0.0
    assert validate_tables(raw)["baseline"].loc[("ads", "49003"), "cost"] == 0.0


# ------------------------------------------------------------ tables and columns
def test_missing_table():
    raw = tiny_frames()
    del raw["modes"]
    expect(raw, "table 'modes' is missing", ("modes.csv", None, None))


def test_file_names_given_by_the_loader_are_used():
    raw = bad("baseline", 0, "fte", "x")
    where = ("t.xlsx [sheet baseline]", 2, "fte")
    expect(raw, "number expected", where, files={"baseline": "t.xlsx [sheet baseline]"})


def test_not_a_table():
    raw = tiny_frames() | {"communes": [1, 2]}
    expect(raw, r"expected a table \(DataFrame\), got list", ("communes.csv", None, None), n=None)


def test_unknown_table():
    raw = tiny_frames() | {"commune": pd.DataFrame()}
    expect(raw, "unknown table 'commune'; did you mean 'communes'", ("commune", None, None))


def test_missing_required_column():
    raw = tiny_frames()
    raw["baseline"] = raw["baseline"].drop(columns="cost")
    p = expect(raw, "required column 'cost' is missing", ("baseline.csv", None, "cost"))
    assert "Annual operating cost" in p.fix


def test_unknown_column_suggests_the_closest_name():
    raw = tiny_frames()
    raw["baseline"] = raw["baseline"].rename(columns={"cost": "cots"})
    p = expect(
        raw, "unknown column 'cots'; did you mean 'cost'", ("baseline.csv", None, "cots"), n=2
    )
    assert "columns of baseline are: commune, service, fte" in p.fix


def test_unknown_column_ignores_case_when_suggesting():
    raw = tiny_frames()
    raw["communes"] = raw["communes"].rename(columns={"population": "Population"})
    expect(raw, "did you mean 'population'", ("communes.csv", None, "Population"), n=2)


def test_column_appearing_twice():
    raw = tiny_frames()
    c = raw["communes"]
    raw["communes"] = pd.concat([c, c[["name"]]], axis=1)
    expect(raw, "column 'name' appears more than once", ("communes.csv", None, "name"))


def test_column_without_header():
    raw = tiny_frames()
    raw["communes"][""] = ["", "", ""]
    validate_tables(raw)  # an empty column without header is ignored
    raw["communes"]["Unnamed: 5"] = ["", "x", ""]
    expect(raw, "column F has values but no header", ("communes.csv", None, None))


# ------------------------------------------------------------ cells
def test_empty_required_cell():
    p = expect(
        bad("communes", 1, "name", " "),
        "empty cell; a value is required",
        ("communes.csv", 3, "name"),
    )
    assert p.fix == "Fill in 'name': Name of the commune."
    expect(bad("baseline", 2, "level", None), "empty cell", ("baseline.csv", 4, "level"))
    expect(bad("modes", 0, "level", np.nan), "empty cell", ("modes.csv", 2, "level"))


def test_number_expected():
    p = expect(
        bad("baseline", 2, "cost", "abc"),
        "number expected, got 'abc'",
        ("baseline.csv", 4, "cost"),
    )
    assert "a number in EUR/year" in p.fix
    expect(
        bad("baseline", 2, "cost", True), "number expected, got True", ("baseline.csv", 4, "cost")
    )
    expect(bad("baseline", 2, "cost", "inf"), "number expected", ("baseline.csv", 4, "cost"))


def test_integer_expected():
    where = ("communes.csv", 3, "population")
    expect(bad("communes", 1, "population", "1500.5"), "integer expected, got '1500.5'", where)
    expect(bad("communes", 1, "population", 10.0**30), "integer expected", where)
    ok = validate_tables(bad("communes", 1, "population", "1 500,0"))
    assert ok["communes"].at["49002", "population"] == 1500


def test_boolean_expected():
    raw = bad("services", 0, "transferable", "peut-être")
    p = expect(raw, "true/false expected, got 'peut-être'", ("services.csv", 2, "transferable"))
    assert "oui/non, vrai/faux" in p.fix


def test_below_minimum():
    raw = bad("baseline", 1, "fte", "-1")
    expect(raw, "value -1 is too small: it must be at least 0", ("baseline.csv", 3, "fte"))


def test_above_maximum():
    raw = bad("modes", 2, "level", 120)
    p = expect(raw, "value 120 is too large: it must be at most 100", ("modes.csv", 4, "level"))
    assert "score 0-100" in p.fix


def test_positive_minimum_reads_at_least():
    raw = bad("modes", 0, "units_per_fte", 0)
    expect(raw, "it must be at least 0.001", ("modes.csv", 2, "units_per_fte"))


def test_choice_not_allowed_suggests():
    p = expect(
        bad("epci", 0, "nature", "cc"),
        "'cc' is not allowed; did you mean 'CC'",
        ("epci.csv", 2, "nature"),
    )
    assert p.fix == "Use one of: CC, CA, CU, METRO, MET69."
    expect(bad("modes", 1, "mode", "shared"), "did you mean 'share'", ("modes.csv", 3, "mode"))
    expect(
        bad("baseline", 0, "arrangement", "pool"),
        "'pool' is not allowed",
        ("baseline.csv", 2, "arrangement"),
    )


@pytest.mark.parametrize("cell", ["1001", 1001, np.int64(1001)])
def test_code_that_lost_its_leading_zero(cell):
    raw = set_cell(zero_codes(), "communes", 0, "commune", cell)
    p = expect(raw, "code '1001' has lost its leading zero", ("communes.csv", 2, "commune"))
    assert "4 digits instead of 5" in p.message
    assert p.fix.startswith("Write '01001'")
    assert "format the column as text in Excel" in p.fix


def test_siren_that_lost_its_leading_zero():
    p = expect(
        bad("epci", 0, "siren", "12345678"), "lost its leading zero", ("epci.csv", 2, "siren")
    )
    assert "'012345678'" in p.fix


@pytest.mark.parametrize("cell", ["1001.0", 1001.0, "1001,0"])
def test_code_read_as_a_number(cell):
    raw = set_cell(zero_codes(), "baseline", 3, "commune", cell)
    p = expect(raw, r"code '1001[.,]0' was read as a number", ("baseline.csv", 5, "commune"))
    assert "Write '01001'" in p.fix


@pytest.mark.parametrize("cell", ["490011", "49 01", "2a004", "x"])
def test_code_of_the_wrong_shape(cell):
    raw = bad("communes", 2, "commune", cell)
    problems = validate_problems(raw)
    p = next(p for p in problems if p.file == "communes.csv")
    assert (p.row, p.column) == (4, "commune")
    assert "is not a code of 5 digits or capital letters" in p.message


def test_service_identifier_pattern():
    raw = tiny_frames()
    for name in ("services", "baseline", "modes"):
        raw[name]["service"] = raw[name]["service"].replace("rh_paie", "RH paie")
    with pytest.raises(DataError, match="'RH paie' is not a valid identifier") as info:
        validate_tables(raw)
    problems = info.value.problems
    assert len(problems) == 1 + 3 + 1  # the same bad code on every line, nothing more
    assert (problems[0].file, problems[0].row, problems[0].column) == (
        "services.csv",
        2,
        "service",
    )
    assert "e.g. 'rh_paie'" in problems[0].fix


# ------------------------------------------------------------ keys and cross-table rules
def test_duplicate_key():
    raw = tiny_frames()
    raw["communes"] = pd.concat([raw["communes"], raw["communes"].iloc[[0]]], ignore_index=True)
    expect(
        raw,
        "duplicate row for commune '49001' \\(first on line 2\\)",
        ("communes.csv", 5, "commune"),
    )
    raw = tiny_frames()
    raw["baseline"] = pd.concat([raw["baseline"], raw["baseline"].iloc[[4]]], ignore_index=True)
    p = expect(
        raw, "duplicate row for commune '49002' and service 'ads'", ("baseline.csv", 8, None)
    )
    assert "(first on line 6)" in p.message


def test_epci_has_exactly_one_row():
    raw = tiny_frames()
    raw["epci"] = pd.concat([raw["epci"]] * 2, ignore_index=True)
    expect(raw, "2 rows; exactly one EPCI row is expected", ("epci.csv", 3, None))
    raw["epci"] = raw["epci"].iloc[:0]
    expect(raw, "0 rows; exactly one", ("epci.csv", None, None))


def test_communes_and_services_are_not_empty():
    raw = tiny_frames()
    raw["services"] = raw["services"].iloc[:0]
    problems = validate_problems(raw)
    assert ("services.csv", None, None) in [(p.file, p.row, p.column) for p in problems]
    assert any("the table has no data row" in p.message for p in problems)


def test_undeclared_commune():
    raw = bad("baseline", 0, "commune", "49009")
    p = expect(
        raw, "commune '49009' is not declared in communes.csv", ("baseline.csv", 2, "commune"), n=2
    )
    assert "did you mean '4900" in p.fix
    expect(
        raw, "no row for service 'rh_paie' and commune '49001'", ("baseline.csv", None, None), n=2
    )


def test_undeclared_service_is_reported_once_with_its_lines():
    raw = tiny_frames()
    raw["baseline"]["service"] = raw["baseline"]["service"].replace("rh_paie", "rh_pay")
    where = ("baseline.csv", 2, "service")
    p = expect(raw, "service 'rh_pay' is not declared in services.csv", where, n=2)
    assert "(also on lines 3, 4)" in p.message
    assert "did you mean 'rh_paie'?" in p.fix
    expect(raw, "service 'rh_paie' has no row", ("baseline.csv", None, None), n=2)
    raw = bad("modes", 0, "service", "paie")
    expect(raw, "service 'paie' is not declared in services.csv", ("modes.csv", 2, "service"))


def test_missing_baseline_pair():
    raw = tiny_frames()
    raw["baseline"] = raw["baseline"].drop(index=5)
    p = expect(raw, "no row for service 'ads' and commune '49003'", ("baseline.csv", None, None))
    assert "give it fte, cost, units and level 0" in p.fix


def test_transfer_mode_needs_a_transferable_service():
    raw = tiny_frames()
    row = raw["modes"].iloc[[0]].assign(mode="transfer")
    raw["modes"] = pd.concat([raw["modes"], row], ignore_index=True)
    p = expect(
        raw,
        "mode 'transfer' for service 'rh_paie', which is not transferable",
        ("modes.csv", 5, "mode"),
    )
    assert "set transferable to true (services.csv, line 2)" in p.fix


def test_transfer_arrangement_is_all_or_nothing():
    raw = tiny_frames()
    raw["baseline"]["arrangement"] = ["keep"] * 3 + ["transfer", "transfer", "keep"]
    match = "service 'ads' is 'transfer' on lines 5, 6 but not on lines 7"
    expect(raw, match, ("baseline.csv", None, "arrangement"))


def test_cost_zero_with_staff_or_work():
    raw = bad("baseline", 1, "cost", "0")
    p = expect(raw, "cost is 0 although fte is 0.5 and units is 300", ("baseline.csv", 3, "cost"))
    assert "set fte and units to 0" in p.fix
    raw = set_cell(tiny_frames(), "baseline", 2, "cost", 0.0)
    raw = set_cell(raw, "baseline", 2, "fte", 0.0)
    expect(raw, "cost is 0 although units is 150", ("baseline.csv", 4, "cost"))


def test_mandatory_for_items_are_natures():
    raw = bad("services", 1, "mandatory_for", "CU;METROPOLE")
    p = expect(
        raw,
        "unknown EPCI nature 'METROPOLE'; did you mean 'METRO'",
        ("services.csv", 3, "mandatory_for"),
    )
    assert "separated by ';'" in p.fix


# ------------------------------------------------------------ posts, parties and hosts
@pytest.mark.parametrize(
    ("cell", "posts"),
    [("", 2.0), (None, 2.0), ("1", 1.0), ("0", 0.0), ("2,0", 2.0), (2, 2.0)],
)
def test_fte_posts_is_a_whole_number_of_posts_defaulting_to_the_whole_part(cell, posts):
    # Bourg-Centre's payroll: 2.0 FTE (line 2)
    b = validate_tables(bad("baseline", 0, "fte_posts", cell))["baseline"]
    assert b.at[("rh_paie", "49001"), "fte_posts"] == posts


def test_empty_fte_posts_takes_the_whole_part_of_fte():
    raw = set_cell(tiny_frames(), "baseline", 0, "fte", "2,75")
    assert validate_tables(raw)["baseline"].at[("rh_paie", "49001"), "fte_posts"] == 2.0
    # a value written as 2.9999999999 by a spreadsheet is 3 posts, not 2
    raw = set_cell(tiny_frames(), "baseline", 0, "fte", 3 - 1e-12)
    assert validate_tables(raw)["baseline"].at[("rh_paie", "49001"), "fte_posts"] == 3.0


def test_fte_posts_not_a_whole_number():
    p = expect(
        bad("baseline", 0, "fte_posts", "1,5"),
        r"fte_posts is 1\.5, not a whole number of posts",
        ("baseline.csv", 2, "fte_posts"),
    )
    assert "agents who work entirely in the service (a whole number)" in p.fix
    assert "made available" in p.fix


def test_fte_posts_above_fte():
    # Village-Est's payroll: 0.5 FTE (line 3), which cannot hold a whole post
    p = expect(
        bad("baseline", 1, "fte_posts", 1),
        r"fte_posts is 1, more than fte \(0\.5\)",
        ("baseline.csv", 3, "fte_posts"),
    )
    assert "at most fte" in p.fix


def test_fte_posts_below_zero():
    expect(
        bad("baseline", 0, "fte_posts", "-1"),
        "value -1 is too small: it must be at least 0",
        ("baseline.csv", 2, "fte_posts"),
    )


def test_a_bad_fte_is_one_problem_even_with_fte_posts():
    raw = set_cell(bad("baseline", 1, "fte", "-3"), "baseline", 1, "fte_posts", 0.0)
    expect(raw, "value -3 is too small", ("baseline.csv", 3, "fte"), n=1)


def test_epci_rows_are_the_epcis_own_services():
    raw = tiny_frames()
    own = pd.DataFrame(
        [
            {
                "commune": "EPCI",
                "service": "rh_paie",
                "fte": 3.5,
                "cost": 150_000.0,
                "units": 2_000.0,
                "level": 70.0,
            }
        ]
    )
    raw["baseline"] = pd.concat([raw["baseline"], own], ignore_index=True)
    b = validate_tables(raw)["baseline"]
    assert b.at[("rh_paie", "EPCI"), "fte_posts"] == 3.0
    # optional: no EPCI row for ADS is no problem, and the EPCI needs no communes.csv row
    assert ("ads", "EPCI") not in b.index
    # the EPCI's rows are checked like a commune's (line 8)
    raw = set_cell(raw, "baseline", 6, "fte_posts", 4)
    expect(raw, r"fte_posts is 4, more than fte \(3\.5\)", ("baseline.csv", 8, "fte_posts"))
    # 'epci' in lower case is no code; the fix names the EPCI spelling
    raw = set_cell(tiny_frames(), "baseline", 0, "commune", "epci")
    problems = validate_problems(raw)
    p = next(p for p in problems if p.row == 2)
    assert (p.file, p.column) == ("baseline.csv", "commune")
    assert "'epci' is not a code of 5 digits or capital letters" in p.message
    assert "or EPCI for the EPCI's own service" in p.fix


def test_a_host_is_the_epci_or_a_commune():
    t = validate_tables(bad("modes", 0, "host", "49001"))
    assert t["modes"].at[("rh_paie", "share"), "host"] == "49001"
    for cell in ("EPCI", "", None):
        m = validate_tables(bad("modes", 0, "host", cell))["modes"]
        assert m.at[("rh_paie", "share"), "host"] == "EPCI"


def test_a_host_that_is_no_commune_of_the_territory():
    p = expect(
        bad("modes", 0, "host", "49009"),
        "host '49009' is neither EPCI nor a commune of communes.csv",
        ("modes.csv", 2, "host"),
    )
    assert p.fix == "Write EPCI, or the INSEE code of the member commune that employs the staff."


def test_a_transfer_is_hosted_by_the_epci():
    # line 4: ads, transfer
    p = expect(
        bad("modes", 2, "host", "49001"),
        "a transfer is hosted by the EPCI, not by commune '49001'",
        ("modes.csv", 4, "host"),
    )
    assert "Write EPCI" in p.fix


@pytest.mark.parametrize("cell", ["Angers", "epci", "4900x"])
def test_a_host_that_is_no_code(cell):
    # the cell is reported as no code, and (as for any code column) as no commune either
    p = expect(
        bad("modes", 0, "host", cell),
        f"'{cell}' is not a code of 5 digits or capital letters",
        ("modes.csv", 2, "host"),
        n=2,
    )
    assert "EPCI (default) or the INSEE code of a member commune" in p.fix


# ------------------------------------------------------------ all at once
def test_every_problem_of_every_table_comes_out_together():
    raw = as_text(zero_codes())
    set_cell(raw, "epci", 0, "fiscalite", "TPU")
    set_cell(raw, "communes", 0, "population", "-5")
    set_cell(raw, "communes", 2, "commune", "1003")
    set_cell(raw, "services", 1, "transferable", "peut-être")
    set_cell(raw, "baseline", 4, "level", "")
    set_cell(raw, "baseline", 5, "cost", "douze mille")
    raw["modes"] = raw["modes"].rename(columns={"fixed_cost": "fixed_costs"})
    with pytest.raises(DataError, match="^8 problems in territoire:") as info:
        validate_tables(raw, source="territoire")
    where = {(p.file, p.row, p.column) for p in info.value.problems}
    assert where == {
        ("epci.csv", 2, "fiscalite"),
        ("communes.csv", 2, "population"),
        ("communes.csv", 4, "commune"),
        ("services.csv", 3, "transferable"),
        ("baseline.csv", 6, "level"),
        ("baseline.csv", 7, "cost"),
        ("modes.csv", None, "fixed_costs"),
        ("modes.csv", None, "fixed_cost"),
    }
    text = str(info.value)
    assert "communes.csv, line 4, column 'commune': code '1003' has lost its leading zero" in text
    assert "Fix: Write '01003'" in text


@given(
    table=st.sampled_from(TABLES),
    row=st.integers(0, 2),
    data=st.data(),
    value=st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(),
        st.text(max_size=12),
        st.lists(st.text(max_size=3), max_size=2),
    ),
)
@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
def test_any_cell_gives_tables_or_a_data_error(table, row, data, value):
    column = data.draw(st.sampled_from(table.names))
    raw = tiny_frames()
    row = min(row, len(raw[table.name]) - 1)
    raw = set_cell(raw, table.name, row, column, value)
    try:
        validate_tables(raw)
    except DataError as err:
        problems = err.problems
    else:
        return
    assert problems
    assert all(isinstance(p, Problem) and p.message and p.fix for p in problems)


def validate_problems(raw: dict) -> list[Problem]:
    with pytest.raises(DataError) as info:
        validate_tables(raw)
    return info.value.problems
