"""Tests of mutusim.inputs.io: CSV folders and workbooks, read and written (PRODUCT.md D1, D2)."""

from __future__ import annotations

import math
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from mutusim.core.schema import BASELINE, TABLES
from mutusim.core.territory import Territory
from mutusim.errors import DataError, MutusimError
from mutusim.inputs.examples import tiny, tiny_frames
from mutusim.inputs.io import (
    load_territory,
    territory_from_frames,
    territory_to_frames,
    write_excel,
    write_folder,
)

ZERO_CODES = {"49001": "01001", "49002": "01002", "49003": "2A004"}


def rich_frames() -> dict[str, pd.DataFrame]:
    """Tiny frames exercising what files can break: leading zeros, accents, ';', NaN, floats."""
    raw = tiny_frames()
    for name in ("communes", "baseline"):
        raw[name]["commune"] = raw[name]["commune"].map(ZERO_CODES)
    raw["epci"]["siren"] = "012345678"
    raw["communes"]["name"] = ['Saint-Étienne; "le Haut"', "Village-Est", "Hameau, Sud"]
    raw["communes"]["potentiel_financier"] = [812.5, math.nan, 1 / 3]
    raw["services"]["mandatory_for"] = ["", "CU;METRO"]
    raw["baseline"]["cost"] = [90_000.1, 25_000.0, 1 / 3, 48_000.0, 21_000.0, 1e7 + 0.5]
    raw["baseline"]["arrangement"] = ["share", "keep", "keep"] + ["transfer"] * 3
    raw["modes"]["units_per_fte"] = [0.125, 250.0, 1234567.891]
    return raw


def rich() -> Territory:
    return territory_from_frames(**rich_frames(), source="rich")


def party_frames() -> dict[str, pd.DataFrame]:
    """Tiny frames with the EPCI's own services, posts and today's pooling (issue 8).

    The EPCI runs its own payroll and ADS (commune ``EPCI``); Bourg-Centre (01001) and the
    EPCI share payroll today in a service commun hosted by Bourg-Centre; posts are given
    for some rows and left empty (the whole part of fte) for others.
    """
    raw = tiny_frames()
    for name in ("communes", "baseline"):
        raw[name]["commune"] = raw[name]["commune"].map(ZERO_CODES)
    b = raw["baseline"]
    own = pd.DataFrame(
        {
            "commune": ["EPCI", "EPCI"],
            "service": ["rh_paie", "ads"],
            "fte": [3.5, 0.8],
            "cost": [150_000.0, 36_000.0],
            "units": [2_000.0, 120.0],
            "level": [70.0, 60.0],
        }
    )
    b = pd.concat([b, own], ignore_index=True)
    b["fte_posts"] = [1.0, None, 0.0, None, 0.0, None, 3.0, 0.0]
    b["arrangement"] = ["share", "keep", "keep", "keep", "keep", "keep", "share", "keep"]
    raw["baseline"] = b
    raw["modes"]["host"] = ["01001", "EPCI", None]
    return raw


def write_csvs(folder: Path, frames: dict[str, pd.DataFrame], **options) -> Path:
    """Write raw frames as CSV files, as a user's spreadsheet would."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, df in frames.items():
        df.to_csv(folder / f"{name}.csv", index=False, **options)
    return folder


def load_error(path: Path) -> DataError:
    with pytest.raises(DataError) as info:
        load_territory(path)
    return info.value


def where(err: DataError) -> list[tuple]:
    return [(p.file, p.row, p.column) for p in err.problems]


# ------------------------------------------------------------ round trips
@pytest.mark.parametrize("sep", [",", ";"])
def test_folder_round_trip(tmp_path, sep):
    frames = rich_frames()
    frames["communes"].loc[2, "potentiel_financier"] = 0.1 + 0.2  # 17 significant digits
    t = territory_from_frames(**frames)
    out = write_folder(t, tmp_path / "terr", sep=sep)
    assert out == tmp_path / "terr"
    assert sorted(f.name for f in out.iterdir()) == sorted(t.file for t in TABLES)
    again = load_territory(out)
    assert again.equals(t)
    assert again.communes.index[0] == "01001"
    assert again.epci["siren"] == "012345678"
    assert again.services.at["ads", "mandatory_for"] == ("CU", "METRO")


@pytest.mark.parametrize("fmt", ["csv,", "csv;", "xlsx"])
def test_parties_posts_and_hosts_round_trip(tmp_path, fmt):
    t = territory_from_frames(**party_frames())
    b = t.baseline
    assert b.at[("rh_paie", "EPCI"), "fte_posts"] == 3.0
    assert b.at[("rh_paie", "01002"), "fte_posts"] == 0.0  # empty: the whole part of 0.5
    assert b.at[("ads", "01001"), "fte_posts"] == 1.0  # empty: the whole part of 1.0
    assert t.modes.at[("rh_paie", "share"), "host"] == "01001"
    assert t.modes.at[("ads", "transfer"), "host"] == "EPCI"  # empty: the EPCI
    if fmt == "xlsx":
        out = write_excel(t, tmp_path / "t.xlsx")
        sheet = openpyxl.load_workbook(out)["modes"]
        rows = {(r[0].value, r[1].value): r[-1] for r in sheet.iter_rows(min_row=2)}
        assert sheet.cell(1, sheet.max_column).value == "host"
        cell = rows[("rh_paie", "share")]
        assert cell.value == "01001"  # the host keeps its leading zero, as text
        assert cell.number_format == "@"
    else:
        out = write_folder(t, tmp_path / "f", sep=fmt[-1])
        lines = (out / "modes.csv").read_text(encoding="utf-8-sig").splitlines()
        assert lines[0].endswith(f"{fmt[-1]}host")
        assert any(x.startswith(f"rh_paie{fmt[-1]}share") and x.endswith("01001") for x in lines)
    again = load_territory(out)
    assert again.equals(t)
    assert again.baseline.loc[("rh_paie", "EPCI"), "arrangement"] == "share"
    assert sorted(again.baseline.xs("EPCI", level="commune").index) == ["ads", "rh_paie"]


def test_excel_round_trip(tmp_path):
    t = rich()
    out = write_excel(t, tmp_path / "sub" / "territoire.xlsx")
    assert out == tmp_path / "sub" / "territoire.xlsx"
    assert [f.name for f in out.parent.iterdir()] == ["territoire.xlsx"]
    assert load_territory(out).equals(t)
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == [t.name for t in TABLES]
    assert book["communes"]["A2"].value == "01001"
    assert book["communes"]["A2"].number_format == "@"  # codes typed later stay text


def test_semicolon_file_is_written_for_french_excel(tmp_path):
    write_folder(tiny(), tmp_path, sep=";")
    data = (tmp_path / "baseline.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    header = ";".join(BASELINE.names).encode()
    # commune;service;fte;fte_posts;cost;units;level;...: Bourg-Centre's 1.0 FTE of ADS is 1 post
    assert data.startswith(b"\xef\xbb\xbf" + header + b"\n49001;ads;1,0;1,0;48000,0;250,0;70,0;")


def test_writing_again_replaces_the_files(tmp_path):
    write_folder(rich(), tmp_path)
    write_folder(tiny(), tmp_path)
    assert sorted(f.name for f in tmp_path.iterdir()) == sorted(t.file for t in TABLES)
    assert load_territory(tmp_path).equals(tiny())


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    write_folder(tiny(), tmp_path)
    before = (tmp_path / "epci.csv").read_bytes()
    original = pd.DataFrame.to_csv

    def half_then_crash(self, path, **kw):
        Path(path).write_text("siren,na")
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_csv", half_then_crash)
    with pytest.raises(OSError, match="disk full"):
        write_folder(rich(), tmp_path)
    monkeypatch.setattr(pd.DataFrame, "to_csv", original)
    assert (tmp_path / "epci.csv").read_bytes() == before
    assert sorted(f.name for f in tmp_path.iterdir()) == sorted(t.file for t in TABLES)


def test_writers_return_their_path_and_frames_every_table(tmp_path):
    # formerly the Territory.to_folder / to_excel / to_frames methods
    t = tiny()
    assert write_folder(t, tmp_path / "f") == tmp_path / "f"
    assert load_territory(write_excel(t, tmp_path / "t.xlsx")).equals(t)
    assert set(territory_to_frames(t)) == {t.name for t in TABLES}


def test_territory_to_frames_has_the_file_columns():
    frames = territory_to_frames(rich())
    for table in TABLES:
        assert list(frames[table.name].columns) == table.names
    s = frames["services"]
    assert s["transferable"].tolist() == ["false", "true"]
    assert s["mandatory_for"].tolist() == ["", "CU;METRO"]
    assert frames["communes"]["polarity"].tolist() == ["true", "false", "false"]
    assert frames["communes"]["commune"].dtype == object
    assert frames["baseline"]["cost"].dtype == "float64"
    assert frames["epci"].iloc[0].tolist() == ["012345678", "CC Exemple", "CC", "FPU"]
    assert territory_to_frames(rich())["baseline"].equals(frames["baseline"])


def test_bad_writer_arguments(tmp_path):
    with pytest.raises(MutusimError, match="sep must be ',' or ';'"):
        write_folder(tiny(), tmp_path, sep="|")
    with pytest.raises(MutusimError, match="must end in .xlsx"):
        write_excel(tiny(), tmp_path / "t.xls")


# ------------------------------------------------------------ French Excel files
FRENCH = {
    "epci": "siren;name;nature;fiscalite\r\n200000001;CC Exemple;CC;FPU\r\n",
    "communes": (
        "commune;name;population;polarity;potentiel_financier\r\n"
        "01001;Bourg-Été;5 000;VRAI;1 234,5\r\n"
        "01002;Village-Est;1500;FAUX;\r\n"
        ";;;;\r\n"
    ),
    "services": (
        "service;name;domain;unit;transferable;mandatory_for\r\n"
        "ads;Instruction ADS;Aménagement;dossiers;oui;CU\r\n"
    ),
    "baseline": (
        "commune;service;fte;cost;units;level;arrangement\r\n"
        "01001;ads;1,5;48\u00a0000,50;250;70;keep\r\n"
        "01002;ads;0,4;21 000;80;50;\r\n"
    ),
    "modes": (
        "service;mode;fixed_cost;min_members;units_per_fte;cost_per_fte;level\r\n"
        "ads;transfer;12 000;1;250;45 000;85\r\n"
    ),
}


def write_texts(folder: Path, texts: dict[str, str], encoding: str = "utf-8-sig") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in texts.items():
        (folder / f"{name}.csv").write_bytes(text.encode(encoding))
    return folder


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "cp1252", "latin-1"])
def test_semicolon_decimal_comma_files(tmp_path, encoding):
    t = load_territory(write_texts(tmp_path, FRENCH, encoding))
    c = t.communes
    assert list(c.index) == ["01001", "01002"]
    assert c.at["01001", "name"] == "Bourg-Été"
    assert c.at["01001", "population"] == 5000
    assert c["polarity"].tolist() == [True, False]
    assert c.at["01001", "potentiel_financier"] == 1234.5
    assert math.isnan(c.at["01002", "potentiel_financier"])
    assert t.services.at["ads", "domain"] == "Aménagement"
    assert t.services.at["ads", "mandatory_for"] == ("CU",)
    assert t.baseline.loc[("ads", "01001"), "cost"] == 48000.5
    assert t.baseline.loc[("ads", "01002"), "arrangement"] == "keep"
    assert t.modes.loc[("ads", "transfer"), "fte_step"] == 1.0


def test_extra_value_on_a_line(tmp_path):
    texts = FRENCH | {"services": FRENCH["services"].replace(";CU", ";CU;METRO")}
    err = load_error(write_texts(tmp_path, texts))
    assert where(err) == [("services.csv", 2, None)]
    assert "7 values but the header has 6 columns" in str(err)
    assert "put quotes around a text that contains it" in err.problems[0].fix


def test_blank_lines_and_quoted_line_breaks_keep_spreadsheet_line_numbers(tmp_path):
    folder = write_csvs(tmp_path, tiny_frames())
    text = (folder / "communes.csv").read_text()
    lines = text.splitlines()
    lines[1] = lines[1].replace("Bourg-Centre", '"Bourg-\nCentre"')
    lines[3] = lines[3].replace("800", "huit cents")
    (folder / "communes.csv").write_text("\n".join([*lines[:2], "", *lines[2:]]) + "\n\n")
    err = load_error(folder)
    assert where(err) == [("communes.csv", 5, "population")]


def test_trailing_separators_are_ignored(tmp_path):
    texts = {k: v.replace("\r\n", ";\r\n") for k, v in FRENCH.items()}
    assert len(load_territory(write_texts(tmp_path, texts)).communes) == 2


# ------------------------------------------------------------ leading zeros
def test_csv_codes_that_lost_their_leading_zero(tmp_path):
    frames = territory_to_frames(rich())
    for name in ("communes", "baseline"):
        frames[name]["commune"] = frames[name]["commune"].str.lstrip("0")
    err = load_error(write_csvs(tmp_path, frames, sep=";", decimal=","))
    assert where(err) == [("communes.csv", 2, "commune"), ("communes.csv", 3, "commune")] + [
        ("baseline.csv", line, "commune") for line in (2, 3, 5, 6)
    ]
    assert (
        err.problems[0].message == "code '1001' has lost its leading zero (4 digits instead of 5)."
    )
    assert "Write '01001' and format the column as text in Excel" in err.problems[0].fix


def test_excel_codes_stored_as_numbers(tmp_path):
    path = write_excel(rich(), tmp_path / "t.xlsx")
    book = openpyxl.load_workbook(path)
    book["communes"]["A2"] = 1001
    book["baseline"]["A3"] = "1002.0"
    book.save(path)
    err = load_error(path)
    assert where(err) == [
        ("t.xlsx [sheet communes]", 2, "commune"),
        ("t.xlsx [sheet baseline]", 3, "commune"),
    ]
    assert "lost its leading zero" in err.problems[0].message
    assert "'1002.0' was read as a number" in err.problems[1].message


# ------------------------------------------------------------ paths and files
def test_missing_path(tmp_path):
    with pytest.raises(DataError, match="no such file or folder") as info:
        load_territory(tmp_path / "nowhere")
    assert where(info.value) == [(str(tmp_path / "nowhere"), None, None)]


@pytest.mark.parametrize(
    ("name", "match"),
    [
        ("communes.csv", "is one CSV file; a territory is a folder of them"),
        ("territoire.xls", "save it as .xlsx"),
        ("notes.txt", "is neither a folder nor a .xlsx workbook"),
    ],
)
def test_path_that_is_not_a_territory(tmp_path, name, match):
    (tmp_path / name).write_text("x")
    with pytest.raises(DataError, match=match) as info:
        load_territory(tmp_path / name)
    assert where(info.value) == [(name, None, None)]


def test_missing_file_suggests_a_close_name(tmp_path):
    folder = write_csvs(tmp_path, tiny_frames())
    (folder / "communes.csv").rename(folder / "Commune.csv")
    with pytest.raises(
        DataError, match="file not found in .*; did you mean 'Commune.csv'"
    ) as info:
        load_territory(folder)
    assert where(info.value) == [("communes.csv", None, None)]


def test_unreadable_file(tmp_path, monkeypatch):
    folder = write_csvs(tmp_path, tiny_frames())
    read_bytes = Path.read_bytes

    def locked(self):
        if self.name == "modes.csv":
            raise PermissionError(13, "Permission denied")
        return read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", locked)
    with pytest.raises(DataError, match=r"cannot be read \(Permission denied\)") as info:
        load_territory(folder)
    assert where(info.value) == [("modes.csv", None, None)]


def test_file_names_are_case_insensitive_and_other_files_ignored(tmp_path):
    folder = write_csvs(tmp_path, tiny_frames())
    (folder / "modes.csv").rename(folder / "Modes.CSV")
    (folder / "notes.txt").write_text("hello")
    assert load_territory(folder).equals(tiny())


def test_empty_file(tmp_path):
    folder = write_csvs(tmp_path, tiny_frames())
    (folder / "epci.csv").write_text("")
    with pytest.raises(DataError, match="no header on line 1") as info:
        load_territory(folder)
    assert where(info.value) == [("epci.csv", None, None)]


def test_utf16_file(tmp_path):
    folder = write_csvs(tmp_path, tiny_frames())
    (folder / "epci.csv").write_bytes("siren\tname\n".encode("utf-16"))
    with pytest.raises(DataError, match="is UTF-16 text") as info:
        load_territory(folder)
    assert where(info.value) == [("epci.csv", None, None)]
    assert "CSV UTF-8" in info.value.problems[0].fix


def test_undecodable_file(tmp_path):
    folder = write_csvs(tmp_path, tiny_frames())
    (folder / "epci.csv").write_bytes(b"siren,name\n\x81\x8d,\x90\n")
    with pytest.raises(DataError, match="neither UTF-8 nor Windows-1252/latin-1") as info:
        load_territory(folder)
    assert where(info.value) == [("epci.csv", None, None)]


def test_missing_sheet_and_unknown_sheets(tmp_path):
    path = write_excel(tiny(), tmp_path / "t.xlsx")
    book = openpyxl.load_workbook(path)
    book["modes"].title = "mode"
    book.create_sheet("notes")["A1"] = "free text"
    book.save(path)
    with pytest.raises(DataError, match="sheet not found; did you mean 'mode'") as info:
        load_territory(path)
    assert where(info.value) == [("t.xlsx [sheet modes]", None, None)]


def test_sheet_names_are_case_insensitive(tmp_path):
    path = write_excel(tiny(), tmp_path / "t.xlsx")
    book = openpyxl.load_workbook(path)
    book["modes"].title = "tmp"
    book["tmp"].title = "Modes "
    book.save(path)
    assert load_territory(path).equals(tiny())


def test_corrupted_workbook(tmp_path):
    (tmp_path / "t.xlsx").write_bytes(b"not a zip")
    with pytest.raises(DataError, match="cannot be opened as a workbook") as info:
        load_territory(tmp_path / "t.xlsx")
    assert where(info.value) == [("t.xlsx", None, None)]


def test_problems_of_every_file_come_out_together(tmp_path):
    frames = territory_to_frames(tiny())
    frames["epci"].loc[0, "nature"] = "CX"
    frames["communes"] = frames["communes"].rename(columns={"population": "pop"})
    frames["baseline"] = frames["baseline"].astype(object)
    frames["baseline"].loc[2, "fte"] = "beaucoup"
    frames["modes"].loc[1, "level"] = 150.0
    folder = write_csvs(tmp_path, frames)
    (folder / "services.csv").write_bytes("service\n".encode("utf-16"))
    with pytest.raises(DataError, match=r"(?s)^6 problems in .*services\.csv: is UTF-16") as info:
        load_territory(folder)
    assert where(info.value) == [
        ("services.csv", None, None),
        ("epci.csv", 2, "nature"),
        ("communes.csv", None, "pop"),
        ("communes.csv", None, "population"),
        ("baseline.csv", 4, "fte"),
        ("modes.csv", 3, "level"),
    ]
    assert "did you mean 'population'" in str(info.value)
