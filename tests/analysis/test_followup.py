"""The yearly follow-up: what the plan foresees per year, service and employer, and the gaps.

The tiny case by hand, under the hand scenario of tests/model/test_model.py
(horizon 2026-2028, no discounting, half of the agents leave each year):
payroll is shared by Bourg-Centre and Village-Est from 1 January 2027,
Hameau-Sud keeps it; ADS stays in every commune. Bourg-Centre's 2 whole posts
move to the unit, hosted by the EPCI; Village-Est's 0.5 FTE is a partial share:
it stays on its payroll, made available to the unit. The unit employs
ceil(2 x 0.5^k) posts k years after the start: 2 in 2027, 1 in 2028.
Its cost: fixed 10,000 + 2 members x 1,000 + 42,000 per FTE of staff (posts and
partial shares), + 2 x 3,000 one-off in 2027: 2027 2.5 FTE -> 123,000;
2028 1.5 FTE -> 75,000 (docs/model.md; test_model.TestTinyByHand).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import mutusim as ms
from mutusim.analysis.followup import follow_up, planned_by_employer
from mutusim.inputs.actuals import read_actuals

HAND = ms.Scenario(end_year=2028, discount_rate=0.0, departures="all", all_departure_rate=0.5)


@pytest.fixture(scope="module")
def solved() -> ms.Result:
    res = ms.optimise(ms.examples.tiny(), HAND)
    assert res.starts == {"rh_paie": 2027}
    return res


def test_planned_by_hand(solved: ms.Result) -> None:
    p = planned_by_employer(solved, [2026, 2027, 2028]).set_index(["year", "service", "employer"])
    cols = ["arrangement", "fte", "cost"]
    # 2026: nothing has started, today's arrangements
    assert p.loc[(2026, "rh_paie", "49001"), cols].tolist() == ["keep", 2.0, 90_000.0]
    assert p.loc[(2026, "rh_paie", "EPCI"), ["fte", "cost"]].tolist() == [0.0, 0.0]
    # 2027: Bourg-Centre's posts have left for the unit; Village-Est keeps its partial share
    assert p.loc[(2027, "rh_paie", "49001"), cols].tolist() == ["share", 0.0, 0.0]
    assert p.loc[(2027, "rh_paie", "49002"), cols].tolist() == ["share", 0.5, 0.0]
    assert p.loc[(2027, "rh_paie", "49003"), cols].tolist() == ["keep", 0.3, 16_000.0]
    # the EPCI hosts the unit: 2 posts; 10,000 + 2,000 + 2.5 x 42,000 + 6,000 one-off
    assert p.at[(2027, "rh_paie", "EPCI"), "fte"] == pytest.approx(2.0)
    assert p.at[(2027, "rh_paie", "EPCI"), "cost"] == pytest.approx(123_000)
    # 2028: one post has left (ceil(2 x 0.5) = 1): 10,000 + 2,000 + 1.5 x 42,000
    assert p.at[(2028, "rh_paie", "EPCI"), "fte"] == pytest.approx(1.0)
    assert p.at[(2028, "rh_paie", "EPCI"), "cost"] == pytest.approx(75_000)
    # ADS is kept: each commune its own, the EPCI nothing
    assert p.loc[(2027, "ads", "49002"), ["fte", "cost"]].tolist() == [0.4, 21_000.0]
    assert p.loc[(2027, "ads", "EPCI"), ["fte", "cost"]].tolist() == [0.0, 0.0]
    # a year after the horizon repeats the last one
    later = planned_by_employer(solved, [2030]).set_index(["service", "employer"])
    assert later.at[("rh_paie", "EPCI"), "cost"] == pytest.approx(75_000)


def test_planned_totals_reconcile_with_the_roadmap(solved: ms.Result) -> None:
    p = planned_by_employer(solved)
    by_year = p.groupby("year")["cost"].sum()
    # the roadmap of the hand scenario: 212,000 today, 220,000 in 2027, 172,000 in 2028
    assert by_year.tolist() == pytest.approx([212_000, 220_000, 172_000])
    rm = solved.schedule.roadmap.set_index("year")["cost_plan"]
    assert by_year.tolist() == pytest.approx(rm.tolist())


def test_no_plan_no_follow_up() -> None:
    capped = ms.optimise(ms.examples.tiny(), ms.Scenario(max_total_cost=1.0))
    with pytest.raises(ms.errors.NoPlanError):
        planned_by_employer(capped)


@pytest.mark.slow
def test_planned_totals_reconcile_on_the_demo() -> None:
    from mutusim.inputs import datasets

    res = ms.optimise(datasets.angers(), datasets.angers_scenarios().base)
    p = planned_by_employer(res)
    rm = res.schedule.roadmap.set_index("year")["cost_plan"]
    assert p.groupby("year")["cost"].sum().tolist() == pytest.approx(rm.tolist())
    # staff: today's FTE are all somewhere, once
    today = planned_by_employer(res, [2025])
    assert today["fte"].sum() == pytest.approx(res.decisions["fte_before"].sum())


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


ACTUALS_2027 = """year;service;employer;fte;cost;arrangement
2027;rh_paie;EPCI;3,0;130 000;
2027;rh_paie;49001;0;0;share
2027;rh_paie;49002;0,5;25000;keep
2027;rh_paie;49003;0,3;16000;keep
2027;ads;49001;1;48000;keep
2027;ads;49002;0,4;21 500;keep
2027;ads;EPCI;0;0;
"""


def test_gaps_are_flagged_by_hand(solved: ms.Result, tmp_path: Path) -> None:
    actuals = read_actuals(_write(tmp_path / "realise.csv", ACTUALS_2027), solved.territory)
    f = follow_up(solved, actuals)
    assert f.years == [2027]
    d = f.detail.set_index(["year", "service", "employer"])
    epci = d.loc[(2027, "rh_paie", "EPCI")]
    # 3.0 FTE against 2 posts planned: +1.0 > 0.5
    assert epci["fte_gap"] == pytest.approx(1.0)
    assert epci["gap_fte"]
    # 130 000 € against 123 000 €: 7 000 € more, over 5 % of the plan (6 150 €)
    assert epci["cost_gap"] == pytest.approx(123_000 - 130_000)
    assert epci["gap_cost"]
    # Village-Est still runs its payroll: an arrangement gap (its 0.5 FTE is the plan's)
    village = d.loc[(2027, "rh_paie", "49002")]
    assert village["gap_arrangement"]
    assert not village["gap_fte"]
    assert village["gap_cost"]
    # ADS at Village-Est: 500 € over plan, under the 1 000 € floor: no gap
    assert not d.loc[(2027, "ads", "49002"), "gap_flag"]
    # Hameau-Sud did not report ADS: not a gap, a missing line
    assert not d.loc[(2027, "ads", "49003"), "reported"]
    assert not d.loc[(2027, "ads", "49003"), "gap_flag"]
    bs = f.by_service.set_index("service")
    assert bs.at["ads", "employers_missing"] == 1
    assert bs.at["rh_paie", "arrangement_gaps"] == 1
    assert bs.at["rh_paie", "gap_flag"]
    assert not bs.at["ads", "gap_flag"]
    # ADS totals compare only what was reported: 69 500 € done against 69 000 € planned
    assert bs.at["ads", "cost_actual"] == pytest.approx(69_500)
    assert bs.at["ads", "cost_planned"] == pytest.approx(69_000)
    by = f.by_year.set_index("year")
    assert by.at[2027, "services_with_gaps"] == 1


@pytest.mark.parametrize("years", [[2026], [2026, 2027, 2028], [2030]])
def test_the_plan_itself_shows_no_gap(solved: ms.Result, years: list[int]) -> None:
    plan = planned_by_employer(solved, years)
    f = follow_up(solved, plan)
    assert not f.detail["gap_flag"].any()
    assert f.detail["reported"].all()
    assert f.by_year["cost_gap"].abs().max() < 1e-6


def test_progress_note(solved: ms.Result, tmp_path: Path) -> None:
    import html

    import openpyxl

    from mutusim.present.progress_note import gap_sentences, render_followup, write_followup

    actuals = read_actuals(_write(tmp_path / "r.csv", ACTUALS_2027), solved.territory)
    f = follow_up(solved, actuals)
    sentences = gap_sentences(solved, f, 2027)
    assert sentences == [
        "Ressources humaines et paie, l'EPCI (CC Exemple) : 3,0\xa0ETP réalisés contre "
        "2,0\xa0ETP prévus (+1,0\xa0ETP) ; dépense de 130\u202f000\xa0€ contre 123\u202f000\xa0€ "
        "prévus, soit 7\u202f000\xa0€ de plus que prévu.",
        "Ressources humaines et paie, Village-Est : le plan prévoit de mutualiser, "
        "l'organisation en vigueur est de conserver ; dépense de 25\u202f000\xa0€ contre 0\xa0€ "
        "prévus, soit 25\u202f000\xa0€ de plus que prévu.",
    ]
    page = html.unescape(render_followup(solved, f))
    assert "débat d'orientation budgétaire" in page
    assert "1 service présente un écart à examiner : Ressources humaines et paie" in page
    assert "Chiffres non renseignés" in page
    assert "Hameau-Sud (1 service)" in page
    paths = write_followup(solved, f, tmp_path / "out")
    wb = openpyxl.load_workbook(paths["workbook"])
    assert wb.sheetnames == ["Synthèse", "Par service", "Écarts", "Non renseigné", "Détail"]
    assert wb["Écarts"].max_row == 1 + 2
    assert pd.read_excel(paths["workbook"], sheet_name="Détail").shape[0] == len(f.detail)
