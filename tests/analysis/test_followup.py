"""The yearly follow-up: what the plan foresees per year, service and employer, and the gaps.

The tiny case by hand: payroll is shared by Bourg-Centre and Village-Est from
2026 (one-off 6 000 €), Hameau-Sud keeps it; ADS stays in every commune. The
shared unit starts with the 2.5 FTE of its members and loses 6.9 % a year
until it reaches the 1.5 FTE it needs.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import mutusim as ms
from mutusim.analysis.followup import follow_up, planned_by_employer
from mutusim.inputs.actuals import read_actuals


@pytest.fixture(scope="module")
def solved() -> ms.Result:
    return ms.optimise(ms.examples.tiny())


@pytest.fixture(scope="module")
def schedule(solved: ms.Result) -> ms.analysis.phasing.Schedule:
    return ms.roadmap(solved)


def test_planned_by_hand(solved: ms.Result, schedule) -> None:  # noqa: ANN001
    p = planned_by_employer(solved, schedule, [2026, 2027]).set_index(
        ["year", "service", "employer"]
    )
    # 2027, payroll: the communes that share employ nobody in it, Hameau-Sud its 0.3 FTE
    assert p.loc[(2027, "rh_paie", "49001"), ["arrangement", "fte", "cost"]].tolist() == [
        "share",
        0.0,
        0.0,
    ]
    assert p.loc[(2027, "rh_paie", "49003"), ["arrangement", "fte", "cost"]].tolist() == [
        "keep",
        0.3,
        16_000.0,
    ]
    # the EPCI: 2.5 FTE less 6.9 % departures; fixed cost + two members' overheads + staff
    staff = 2.5 * (1 - 0.069)
    assert p.at[(2027, "rh_paie", "EPCI"), "fte"] == pytest.approx(staff)
    assert p.at[(2027, "rh_paie", "EPCI"), "cost"] == pytest.approx(
        10_000 + 2 * 1_000 + 42_000 * staff
    )
    # 2026, the start year: the full staff and the one-off transition costs
    assert p.at[(2026, "rh_paie", "EPCI"), "cost"] == pytest.approx(
        10_000 + 2_000 + 42_000 * 2.5 + 6_000
    )
    # ADS is kept: each commune its own, the EPCI nothing
    assert p.loc[(2027, "ads", "49002"), ["fte", "cost"]].tolist() == [0.4, 21_000.0]
    assert p.loc[(2027, "ads", "EPCI"), ["fte", "cost"]].tolist() == [0.0, 0.0]


def test_planned_totals_reconcile_with_the_roadmap(solved: ms.Result, schedule) -> None:  # noqa: ANN001
    p = planned_by_employer(solved, schedule)
    by_year = p.groupby("year")["cost"].sum()
    rm = schedule.roadmap.set_index("year")["cost_plan"]
    assert by_year.tolist() == pytest.approx(rm.tolist())


def test_planned_totals_reconcile_on_the_demo() -> None:
    from mutusim.inputs import datasets
    from mutusim.present.keyfigures import staff_by_employer

    res = ms.optimise(datasets.angers(), datasets.angers_scenarios().base)
    an = ms.analyse(res, prices=False)
    p = planned_by_employer(res, an.schedule)
    rm = an.schedule.roadmap.set_index("year")["cost_plan"]
    assert p.groupby("year")["cost"].sum().tolist() == pytest.approx(rm.tolist())
    end = staff_by_employer(res, an).set_index("employer")["fte_end"]
    last = p[p["year"] == 2032].groupby("employer")["fte"].sum()
    assert last.reindex(end.index).tolist() == pytest.approx(end.tolist())


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


ACTUALS_2027 = """year;service;employer;fte;cost;arrangement
2027;rh_paie;EPCI;3,0;120 000;
2027;rh_paie;49001;0;0;share
2027;rh_paie;49002;0,5;25000;keep
2027;rh_paie;49003;0,3;16000;keep
2027;ads;49001;1;48000;keep
2027;ads;49002;0,4;21 500;keep
2027;ads;EPCI;0;0;
"""


def test_gaps_are_flagged_by_hand(solved: ms.Result, schedule, tmp_path: Path) -> None:  # noqa: ANN001
    actuals = read_actuals(_write(tmp_path / "realise.csv", ACTUALS_2027), solved.territory)
    f = follow_up(solved, schedule, actuals)
    assert f.years == [2027]
    d = f.detail.set_index(["year", "service", "employer"])
    epci = d.loc[(2027, "rh_paie", "EPCI")]
    # 3.0 FTE against 2.5 × 0.931 = 2.3275: +0.6725 > 0.5
    assert epci["fte_gap"] == pytest.approx(3.0 - 2.3275)
    assert epci["gap_fte"]
    # 120 000 € against 109 755 €: 10 245 € more, over 5 % of the plan
    assert epci["cost_gap"] == pytest.approx(109_755 - 120_000)
    assert epci["gap_cost"]
    # Village-Est still runs its payroll: an arrangement gap (its +0.5 FTE is within tolerance)
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


@pytest.mark.parametrize("years", [[2026], [2026, 2027, 2028], [2032]])
def test_the_plan_itself_shows_no_gap(solved: ms.Result, schedule, years: list[int]) -> None:  # noqa: ANN001
    plan = planned_by_employer(solved, schedule, years)
    f = follow_up(solved, schedule, plan)
    assert not f.detail["gap_flag"].any()
    assert f.detail["reported"].all()
    assert f.by_year["cost_gap"].abs().max() < 1e-6


def test_progress_note(solved: ms.Result, schedule, tmp_path: Path) -> None:  # noqa: ANN001
    import html

    import openpyxl

    from mutusim.present.progress_note import gap_sentences, render_followup, write_followup

    actuals = read_actuals(_write(tmp_path / "r.csv", ACTUALS_2027), solved.territory)
    f = follow_up(solved, schedule, actuals)
    sentences = gap_sentences(solved, f, 2027)
    assert sentences == [
        "Ressources humaines et paie, l'EPCI (CC Exemple) : 3,0\xa0ETP réalisés contre "
        "2,3\xa0ETP prévus (+0,7\xa0ETP) ; dépense de 120\u202f000\xa0€ contre 109\u202f755\xa0€ "
        "prévus, soit 10\u202f245\xa0€ de plus que prévu.",
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
