"""Reading the actuals table of the follow-up: CSV (French Excel too) or xlsx, every problem at once."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import mutusim as ms
from mutusim.inputs.actuals import ACTUALS_COLUMNS, read_actuals

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def tiny() -> ms.Territory:
    return ms.examples.tiny()


def test_semicolons_decimal_commas_and_bom(tiny: ms.Territory, tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_bytes(
        "\ufeffyear;service;employer;fte;cost;arrangement\n"
        "2027;rh_paie;EPCI;1,5;76 000,50;\n"
        "2027;rh_paie;49003;;16000;keep\n"
        "2027;ads;200000001;0;0;\n".encode()
    )
    a = read_actuals(path, tiny)
    assert list(a.columns) == list(ACTUALS_COLUMNS)
    assert a["fte"].tolist()[0] == 1.5
    assert a["cost"].tolist()[0] == 76_000.5
    assert pd.isna(a["fte"].tolist()[1])  # left empty: not known
    assert a["employer"].tolist() == ["EPCI", "49003", "EPCI"]  # the SIREN is the EPCI
    assert a["arrangement"].tolist() == ["", "keep", ""]


def test_xlsx(tiny: ms.Territory, tmp_path: Path) -> None:
    path = tmp_path / "r.xlsx"
    pd.DataFrame(
        {
            "year": [2027],
            "service": ["ads"],
            "employer": ["49001"],
            "fte": [1.0],
            "cost": [48000],
            "arrangement": ["keep"],
        }
    ).to_excel(path, index=False)
    a = read_actuals(path, tiny)
    assert a.iloc[0].tolist() == [2027, "ads", "49001", 1.0, 48000.0, "keep"]


def test_every_problem_at_once(tiny: ms.Territory, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        "year,service,employer,fte,cost,arrangement\n"
        "2027,ad,49001,1,48000,keep\n"  # line 2: unknown service
        "2027,ads,4900,1,48000,keep\n"  # line 3: leading zero lost
        "2027,ads,Paris,1,48000,keep\n"  # line 4: not a member
        "2027,ads,EPCI,0,0,share\n"  # line 5: an arrangement for the EPCI
        "2027,rh_paie,49001,-1,abc,keep\n"  # line 6: negative FTE, cost not a number
        "2027,rh_paie,49002,0,0,pooled\n"  # line 7: unknown arrangement
        "2027,rh_paie,49002,0,0,keep\n",  # line 8: the same row as line 7
        encoding="utf-8",
    )
    with pytest.raises(ms.DataError) as err:
        read_actuals(path, tiny)
    found = {(p.row, p.column) for p in err.value.problems}
    assert found == {
        (2, "service"),
        (3, "employer"),
        (4, "employer"),
        (5, "arrangement"),
        (6, "fte"),
        (6, "cost"),
        (7, "arrangement"),
        (8, None),
    }
    text = "\n".join(map(str, err.value.problems))
    assert "did you mean 'ads'" in text
    assert "Write '04900'" in text
    assert "given twice" in text
    assert "line 7" in text


def test_missing_file_and_columns(tiny: ms.Territory, tmp_path: Path) -> None:
    with pytest.raises(ms.DataError, match="no such file"):
        read_actuals(tmp_path / "nowhere.csv", tiny)
    path = tmp_path / "cols.csv"
    path.write_text("year,service,fte\n2027,ads,1\n", encoding="utf-8")
    with pytest.raises(ms.DataError) as err:
        read_actuals(path, tiny)
    assert any(p.column == "employer" for p in err.value.problems)


def test_the_format_is_documented() -> None:
    doc = (ROOT / "docs" / "suivi.md").read_text(encoding="utf-8")
    for column in ACTUALS_COLUMNS:
        assert f"`{column}`" in doc, column
    assert "mutusim suivi" in doc
