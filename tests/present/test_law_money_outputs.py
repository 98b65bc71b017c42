"""The report and the workbook show the legal instruments, the financing scenarios and the
groupements de commandes (issue 9) in French, with names, never codes."""

from __future__ import annotations

import openpyxl
import pytest

import mutusim as ms
from mutusim.present.report import render_html
from mutusim.present.workbook import SHEETS, write_excel

HAND = {"end_year": 2028, "discount_rate": 0, "departures": "all", "all_departure_rate": 0.5}


@pytest.fixture(scope="module")
def solved():
    res = ms.optimise(ms.examples.tiny(), ms.Scenario(**HAND))
    return res, ms.analyse(res, prices=False)


def test_report_sections(solved):
    res, an = solved
    page = render_html(res, an)
    assert "Instruments juridiques" in page
    assert (
        "Service commun géré par l&#x27;EPCI" in page or "Service commun géré par l'EPCI" in page
    )
    assert "L5211-4-2 CGCT" in page
    assert "Scénarios de financement" in page
    assert "Clé population" in page
    assert "Imputation sur l&#x27;attribution de compensation" in page or (
        "Imputation sur l'attribution de compensation" in page
    )
    # tiny is too small for a groupement to pay its coordinator: said so
    assert "Groupements de commandes" in page
    assert "Aucun groupement de commandes ne couvre son coût de coordination" in page
    for code in ("convention_units", "service_commun", "rh_paie", "additional_rates"):
        assert code not in page


def test_workbook_sheets(solved, tmp_path):
    res, an = solved
    path = write_excel(res, tmp_path / "r.xlsx", an)
    wb = openpyxl.load_workbook(path)
    for sheet in ("Instruments juridiques", "Financements", "Financements par commune"):
        assert sheet in wb.sheetnames
        assert sheet in SHEETS
    values = [c.value for row in wb["Instruments juridiques"].iter_rows() for c in row]
    assert "Service commun géré par l'EPCI" in values
    assert "Ressources humaines et paie" in values
    assert "rh_paie" not in values
    fin = [c.value for row in wb["Financements"].iter_rows() for c in row]
    assert "Clé population" in fin
    # largest gain under the population key: 32,846.15 (tests/analysis/test_financing.py)
    numbers = [v for v in fin if isinstance(v, float)]
    assert any(abs(v - 32_846.15) < 0.01 for v in numbers)


def test_groupements_on_angers_in_the_report():
    t = ms.datasets.angers(services=["rh_paie"])
    res = ms.optimise(t, ms.Scenario())
    an = ms.analyse(res, prices=False)
    page = render_html(res, an)
    assert "Énergie (électricité, gaz)" in page
    assert an.groupements is not None
    assert an.groupements.net > 0


def test_the_schema_names_the_instrument_of_a_commune_hosted_unit_and_an_ac_key():
    from mutusim.present.mutualisation import schema_tables

    sc = ms.Scenario(**HAND, hosts={"rh_paie": "49001"}, billing_keys={"rh_paie": "ac"})
    res = ms.optimise(ms.examples.tiny(), sc)
    tables = schema_tables(res, ms.analyse(res, prices=False))
    plan = tables["plan"].set_index("service")
    assert plan.at["rh_paie", "instrument"].startswith("Service commun géré par une commune")
    text = " ".join(str(v) for v in tables["financing"].to_numpy().ravel())
    assert "imputé sur leur attribution de compensation" in text


def test_the_schema_names_a_transfer_by_law():
    from model.test_mandatory_competence import one_commune_cc

    from mutusim.present.mutualisation import schema_tables

    res = ms.optimise(one_commune_cc())
    plan = schema_tables(res, ms.analyse(res, prices=False))["plan"].set_index("service")
    assert plan.at["ads", "instrument"].startswith("Transfert de plein droit")
