"""The schéma de mutualisation (art. L5211-39-1 CGCT): content, HTML and the same content as a workbook."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

import mutusim as ms
from mutusim.present.labels import INSTRUMENTS
from mutusim.present.mutualisation import (
    SCHEMA_SHEETS,
    render_schema,
    schema_tables,
    write_schema,
)


@pytest.fixture(scope="module")
def plan() -> tuple[ms.Result, ms.Analyses]:
    """Payroll shared by two communes (the optimum) and ADS transferred (forced).

    The hand scenario of tests/model/test_model.py (horizon 2026-2028, no
    discounting, half of the agents leave each year): payroll from 2027 (-8 000 €,
    then +40 000 €); the ADS transfer loses money, so it starts as late as
    possible, in 2028 (-22 500 €, test_mandatory_competence_forces_transfer).
    """
    sc = ms.Scenario(
        name="schema",
        force=(ms.Decision("ads", "*", "transfer"),),
        end_year=2028,
        discount_rate=0.0,
        departures="all",
        all_departure_rate=0.5,
    )
    res = ms.optimise(ms.examples.tiny(), sc)
    assert res.starts == {"rh_paie": 2027, "ads": 2028}
    return res, ms.analyse(res, prices=False)


def test_plan_per_service_with_its_legal_instrument(plan: tuple[ms.Result, ms.Analyses]) -> None:
    res, an = plan
    t = schema_tables(res, an)
    assert list(t) == list(SCHEMA_SHEETS.values())
    p = t["plan"].set_index("service")
    assert (
        p.at["rh_paie", "proposed_text"]
        == "Service commun pour 2 communes ; conservé par 1 commune"
    )
    assert p.at["rh_paie", "instrument"] == INSTRUMENTS["share"]
    assert p.at["rh_paie", "communes_concerned"] == "Bourg-Centre et Village-Est"
    assert p.at["ads", "proposed_text"] == "Transfert de compétence pour 3 communes"
    assert "L5211-17" in p.at["ads", "instrument"]
    assert "CLECT" in p.at["ads", "instrument"]
    assert (p.at["rh_paie", "start"], p.at["ads", "start"]) == (2027, 2028)
    pairs = t["pairs"]
    assert len(pairs) == 6
    assert set(pairs.loc[pairs["service"] == "ads", "instrument"]) == {INSTRUMENTS["transfer"]}


def test_effects_on_staff_and_costs_per_employer(plan: tuple[ms.Result, ms.Analyses]) -> None:
    res, an = plan
    t = schema_tables(res, an)
    e = t["employers"].set_index("employer")
    assert list(e.index) == ["EPCI", "49001", "49002", "49003"]
    # whole posts join the EPCI: Bourg-Centre's 2 payroll posts and its ADS post; the
    # partial shares stay with their communes, made available (Village-Est 0.5 + 0.4,
    # Hameau-Sud its 0.2 of ADS: it keeps its payroll)
    assert e["posts_transferred_out"].tolist() == pytest.approx([0, 3, 0, 0])
    assert e.at["EPCI", "posts_transferred_in"] == pytest.approx(3)
    assert e["fte_made_available"].tolist() == pytest.approx([0, 0, 0.9, 0.2])
    assert e["cost_after"].sum() == pytest.approx(res.total_cost)
    costs = t["costs"]
    assert list(costs["year"])[:3] == [2026, 2027, 2028]
    # by hand: 0, -8 000, +40 000 - 22 500; then the steady state
    assert costs["savings"].tolist()[:3] == pytest.approx([0, -8_000, 17_500])
    assert costs["year"].iloc[-1] == "Régime permanent (après la période)"


def test_financing_of_each_change(plan: tuple[ms.Result, ms.Analyses]) -> None:
    res, an = plan
    f = schema_tables(res, an)["financing"].set_index("service")
    assert "attribution de compensation" in f.at["ads", "financing"]
    assert "CLECT" in f.at["ads", "financing"]
    assert "D5211-16" in f.at["rh_paie", "financing"]
    st = an.schedule.starts.set_index("service")
    assert f.at["rh_paie", "one_off"] == pytest.approx(st.at["rh_paie", "transition_cost"])
    # what the two member communes pay for the shared payroll: their bills
    d = res.decisions.query("service == 'rh_paie' and mode == 'share'")
    assert f.at["rh_paie", "contributions"] == pytest.approx(d["cost_after"].sum())


def test_calendar_has_the_legal_steps_of_each_change(plan: tuple[ms.Result, ms.Analyses]) -> None:
    res, an = plan
    cal = schema_tables(res, an)["calendar"]
    steps = " ".join(cal["step"])
    assert "Avis de chaque conseil municipal sur le projet" in steps
    assert "Approbation du schéma par le conseil communautaire" in steps
    starts = {s: y for s, y in an.schedule.start_years.items() if y is not None}
    assert starts, "the roadmap starts at least one change"
    names = res.territory.services["name"]
    for s, y in starts.items():
        rows = cal[cal["services_concerned"].str.contains(names[s], regex=False)]
        assert (rows["year"] == y).any(), s
        assert (rows["year"] == y - 1).any(), s
        if s == "ads":
            assert rows["basis"].str.contains("1609 nonies C").any()  # the CLECT report
            assert rows["basis"].str.contains("L5211-5 II").any()  # the qualified majority
        else:
            assert rows["basis"].str.contains("L5211-4-2").any()
    dob = cal[cal["period"] == "débat d'orientation budgétaire"]
    assert list(dob["year"]) == [2026, 2027, 2028]  # reported on every year
    assert list(cal["year"]) == sorted(cal["year"])


def test_governance_names_the_cst_opinions(plan: tuple[ms.Result, ms.Analyses]) -> None:
    res, an = plan
    g = schema_tables(res, an)["governance"].set_index("body")
    assert {"Comité de pilotage", "Comité de suivi", "Dialogue social"} <= set(g.index)
    cst = g.at["Dialogue social", "members_text"]
    # every commune sends agents to the EPCI (ADS everywhere): three CST opinions, plus the EPCI's
    assert "3 communes" in cst
    assert "toutes (3)" in cst


def test_html_and_workbook_hold_the_same_content(
    plan: tuple[ms.Result, ms.Analyses], tmp_path: Path
) -> None:
    res, an = plan
    page = render_schema(res, an)
    for heading in (
        "1. État des lieux",
        "2. Le projet : service par service",
        "3. Effets sur les effectifs, par employeur",
        "4. Effets sur les dépenses de fonctionnement",
        "5. Financement",
        "6. Calendrier et étapes juridiques",
        "7. Gouvernance et dialogue social",
        "L5211-39-1",
        "@media print",
    ):
        assert heading in page, heading
    paths = write_schema(res, tmp_path, an)
    assert paths["html"].read_text(encoding="utf-8") == page.replace("\r", "")
    wb = openpyxl.load_workbook(paths["workbook"])
    assert wb.sheetnames == list(SCHEMA_SHEETS)
    tables = schema_tables(res, an)
    for sheet, key in SCHEMA_SHEETS.items():
        if key in ("summary", "options"):
            continue
        ws = wb[sheet]
        assert ws.max_row == len(tables[key]) + 1, sheet  # one row per row of the table
        assert ws.freeze_panes is not None
        assert ws.page_setup.orientation == "landscape"
    assert wb["Calendrier"].cell(row=2, column=1).value == tables["calendar"].at[0, "year"]


def test_no_schema_without_a_plan() -> None:
    capped = ms.optimise(ms.examples.tiny(), ms.Scenario(max_total_cost=1.0))
    with pytest.raises(ms.NoPlanError, match="no schéma without a plan"):
        schema_tables(capped)
