"""The workbook read back with openpyxl: numbers as numbers, French formats, panes, filters, printing."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import mutusim as ms
from mutusim.inputs.examples import tiny_frames
from mutusim.present.workbook import SHEETS, write_excel

#: The hand scenario of tests/model/test_model.py (TestTinyByHand): payroll shared by
#: Bourg-Centre and Village-Est from 2027; roadmap 0, -8 000, +40 000 €; NPV 32 000 €
#: (no discounting); 212 000 €/year today, 172 000 €/year in the long run.
HAND = ms.Scenario(end_year=2028, discount_rate=0.0, departures="all", all_departure_rate=0.5)


@pytest.fixture(scope="module")
def solved() -> ms.Result:
    return ms.optimise(ms.examples.tiny(), HAND)


@pytest.fixture(scope="module")
def analyses(solved: ms.Result) -> ms.Analyses:
    return ms.analyse(solved)


@pytest.fixture(scope="module")
def book(
    solved: ms.Result, analyses: ms.Analyses, tmp_path_factory: pytest.TempPathFactory
) -> openpyxl.Workbook:
    path = write_excel(solved, tmp_path_factory.mktemp("wb") / "r.xlsx", analyses)
    return openpyxl.load_workbook(path)


def _header(ws) -> list[str]:  # noqa: ANN001
    return [c.value for c in ws[1]]


def _column(ws, header: str) -> list:  # noqa: ANN001
    j = _header(ws).index(header) + 1
    return [ws.cell(row=i, column=j) for i in range(2, ws.max_row + 1)]


def test_every_sheet_is_there_in_order(book: openpyxl.Workbook) -> None:
    assert book.sheetnames == list(SHEETS)
    assert {"Par employeur", "Règles", "Options et sources"} <= set(book.sheetnames)


def test_synthese_is_numeric_with_the_npv(
    book: openpyxl.Workbook, solved: ms.Result, analyses: ms.Analyses
) -> None:
    ws = book["Synthèse"]
    rows = {ws.cell(row=i, column=1).value: ws.cell(row=i, column=2) for i in range(2, 30)}
    savings = rows["Économies annuelles en régime permanent, tous changements en vigueur (€/an)"]
    assert isinstance(savings.value, int | float)  # a number (Excel keeps 40000.0 as 40000)
    assert savings.value == pytest.approx(40_000.0)  # the tiny case by hand
    assert "€" in savings.number_format
    npv = rows["Valeur actuelle nette des économies sur 2026-2028 (€)"]
    assert npv.value == pytest.approx(32_000, abs=0.01)  # -8 000 + 40 000
    assert "€" in npv.number_format
    cumulative = rows["Économies cumulées sur 2026-2028, non actualisées (€)"]
    assert cumulative.value == pytest.approx(32_000, abs=0.01)
    # the solver's proven bound, signed as an NPV (the solver minimises minus the NPV)
    bound = rows["Borne supérieure prouvée de la valeur actuelle nette sur 2026-2028 (€)"]
    assert bound.value == pytest.approx(32_000, abs=1.0)
    assert "€" in bound.number_format
    assert not any("Borne inférieure" in str(k) for k in rows)
    ratio = rows["Économies en régime permanent rapportées au coût actuel"]
    assert ratio.number_format == "0.0%"
    assert ratio.value == pytest.approx(40_000 / 212_000)
    assert rows["ETP concernés par un changement"].number_format == "0.0"
    # then the plan year by year, numbers too, and its steady state
    years = [ws.cell(row=i, column=1).value for i in range(1, ws.max_row + 1)]
    first = years.index(2026) + 1
    assert ws.cell(row=first, column=1).number_format == "0"  # a year is not grouped
    assert years[first - 1 : first + 3] == [
        2026,
        2027,
        2028,
        "Régime permanent (après la période)",
    ]


def test_numbers_are_numbers_with_french_display_formats(book: openpyxl.Workbook) -> None:
    ws = book["Par commune"]
    assert _header(ws)[:3] == ["Code INSEE", "Nom", "Population"]
    population = _column(ws, "Population")
    assert all(isinstance(c.value, int) and c.number_format == "#,##0" for c in population)
    cost = _column(ws, "Coût avant (€/an)")
    assert all(isinstance(c.value, int | float) for c in cost)
    assert cost[0].number_format == '#,##0\\ "€";\\-#,##0\\ "€";0\\ "€"'
    saving = _column(ws, "Économie annuelle (€/an)")  # the sign convention: before − after
    # by hand: Bourg-Centre 90 000 - 59 400, Village-Est 25 000 - 15 600, Hameau-Sud 0
    assert [c.value for c in saving] == pytest.approx([30_600.0, 9_400.0, 0.0])
    assert saving[0].number_format.startswith("+")
    assert (
        "Convention de signe"
        in ws.cell(row=1, column=_header(ws).index("Économie annuelle (€/an)") + 1).comment.text
    )
    fte = _column(ws, "ETP avant")
    assert all(c.number_format == "0.0" for c in fte)
    # codes stay text, with their leading zeros
    assert all(isinstance(c.value, str) for c in _column(ws, "Code INSEE"))
    # no numeric cell without a format, on any sheet
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for c in row:
                if isinstance(c.value, int | float) and not isinstance(c.value, bool):
                    assert c.number_format != "General", (sheet.title, c.coordinate)


def test_headers_frozen_bold_filtered_and_printing_fits(book: openpyxl.Workbook) -> None:
    for name in SHEETS:
        ws = book[name]
        assert ws.page_setup.orientation == "landscape", name
        assert str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4, name
        assert ws.page_setup.fitToWidth == 1, name
        assert ws.page_setup.fitToHeight == 0, name
        assert ws.sheet_properties.pageSetUpPr.fitToPage, name
        assert ws.cell(row=1, column=1).font.b, name
        if name == "Synthèse":
            assert ws.freeze_panes == "A2"
            continue
        assert ws.print_title_rows in ("1:1", "$1:$1"), name
        last = ws.cell(1, len(_header(ws))).column_letter
        rows = ws.max_row
        if name == "Options et sources":  # the sources follow the options, under the filter
            rows = len(dataclasses.fields(ms.Scenario))  # every option but the description
        assert ws.auto_filter.ref == f"A1:{last}{rows}", name
        assert ws.freeze_panes is not None, name
        assert ws.freeze_panes.endswith("2"), name
        assert all(ws.column_dimensions[c.column_letter].width >= 9 for c in ws[1]), name
    # panes frozen after the names: codes and names stay in view
    assert book["Décisions"].freeze_panes == "C2"
    assert book["Par commune"].freeze_panes == "C2"


def test_names_beside_codes(book: openpyxl.Workbook) -> None:
    h = _header(book["Majorités"])
    assert h[h.index("Code service") + 1] == "Service"
    assert h[h.index("Code INSEE de la commune la plus peuplée") + 1] == "Commune la plus peuplée"
    assert [c.value for c in _column(book["Majorités"], "Commune la plus peuplée")] == [
        "Bourg-Centre"
    ]
    for sheet in ("Démarrages", "Effectifs", "Partage des économies", "Services mutualisés"):
        h = _header(book[sheet])
        assert h[h.index("Code service") + 1] == "Service", sheet
    roadmap = _column(book["Feuille de route"], "Services réorganisés")
    assert roadmap[1].value == "Ressources humaines et paie"  # names, not "rh_paie"
    # the employers by name, never by code (the EPCI by its name)
    employers = [c.value for c in _column(book["Employeurs"], "Employeur")]
    assert employers == ["Bourg-Centre", "Village-Est", "CC Exemple", "CC Exemple"]
    for sheet in ("Employeurs", "Par employeur"):
        h = _header(book[sheet])
        assert h[h.index("Code employeur") + 1] == "Employeur", sheet
    hosts = [c.value for c in _column(book["Effectifs"], "Employeur d'accueil")]
    assert hosts == ["CC Exemple", "CC Exemple"]


def test_options_and_sources_sheet(book: openpyxl.Workbook) -> None:
    ws = book["Options et sources"]
    codes = [c.value for c in _column(ws, "Code de l'option (fichier YAML)")]
    fields = [f.name for f in dataclasses.fields(ms.Scenario) if f.name != "description"]
    assert [c for c in codes if c in fields] == fields
    values = dict(zip(codes, [c.value for c in _column(ws, "Valeur")], strict=True))
    assert values["departures"] == "tous les départs (retraites, mutations, fins de contrat)"
    assert values["all_departure_rate"] == "50,0\xa0%"
    assert values["retirement_rate"] == "3,2\xa0%"
    assert values["allowed_modes"] == "conserver, mutualiser, transférer"
    texts = [ws.cell(row=i, column=1).value for i in range(1, ws.max_row + 1)]
    assert "Sources" in texts
    assert "Transferts de compétence" in texts


def test_text_is_never_a_formula(tmp_path: Path) -> None:
    frames = tiny_frames()
    frames["communes"].loc[0, "name"] = "=SOMME(A1:A9)"
    res = ms.optimise(ms.territory_from_frames(**frames))
    path = write_excel(res, tmp_path / "f.xlsx")
    ws = openpyxl.load_workbook(path)["Par commune"]
    cell = _column(ws, "Nom")[0]
    assert cell.value == "=SOMME(A1:A9)"
    assert cell.data_type == "s"


def test_a_missing_value_is_a_dash_with_a_note(book: openpyxl.Workbook) -> None:
    # payroll starts in the first possible year (2027): no reason to give for a late start
    ws = book["Démarrages"]
    assert [c.value for c in _column(ws, "Année de démarrage")] == [2027]
    assert [c.value for c in _column(ws, "Motif")] == ["—"]
    # a missing figure reads "—", and the header of its column says what it means
    found = False
    for sheet in book.worksheets:
        for row in sheet.iter_rows(min_row=2):
            for c in row:
                if c.value == "—" and sheet.title != "Synthèse":
                    found = True
                    note = sheet.cell(row=1, column=c.column).comment
                    assert note is not None, sheet.title
                    assert "— : sans objet" in note.text, sheet.title
    assert found
    assert not pd.isna("—")
