"""Headline figures, the plan year by year and staff per employer, checked by hand on the tiny case."""

from __future__ import annotations

import pytest

import mutusim as ms
from mutusim.present.keyfigures import headline, staff_by_employer, yearly


@pytest.fixture(scope="module")
def solved() -> ms.Result:
    return ms.optimise(ms.examples.tiny())


@pytest.fixture(scope="module")
def analyses(solved: ms.Result) -> ms.Analyses:
    return ms.analyse(solved, prices=False)


def test_headline_by_hand(solved: ms.Result, analyses: ms.Analyses) -> None:
    h = headline(solved, analyses).set_index("key")
    # today 131 000 + 81 000; the plan 76 000 (shared payroll) + 16 000 + 81 000
    assert h.at["baseline_cost", "value"] == pytest.approx(212_000)
    assert h.at["total_cost", "value"] == pytest.approx(173_000)
    assert h.at["savings", "value"] == pytest.approx(39_000)
    assert h.at["savings_ratio", "value"] == pytest.approx(39_000 / 212_000)
    assert h.at["transition_one_off", "value"] == pytest.approx(6_000)
    assert h.at["fte_moved", "value"] == pytest.approx(2.5)
    assert h.at["npv", "value"] == pytest.approx(analyses.schedule.npv)
    rm = analyses.schedule.roadmap
    assert h.at["cumulative_savings", "value"] == pytest.approx(rm["savings"].sum())
    assert h.at["last_year_savings", "value"] == pytest.approx(rm["savings"].iloc[-1])
    assert h.at["services_started", "value"] == 1
    assert h.at["status", "value"] == "optimal (prouvé)"
    assert set(h["kind"].dropna()) <= {"euros", "signed_euros", "percent", "fte", "count"}
    # without the analyses, no figure over the horizon; without a plan, only the status
    assert "npv" not in set(headline(solved)["key"])
    capped = ms.optimise(ms.examples.tiny(), ms.Scenario(max_total_cost=1.0))
    assert list(headline(capped)["key"]) == ["status"]


def test_yearly_names_the_services(solved: ms.Result, analyses: ms.Analyses) -> None:
    y = yearly(solved, analyses)
    assert list(y["year"]) == list(range(2026, 2033))
    assert y.at[0, "services_starting"] == "Ressources humaines et paie"
    assert y["savings"].tolist() == pytest.approx(analyses.schedule.roadmap["savings"].tolist())
    assert yearly(solved).empty


def test_staff_by_employer_by_hand(solved: ms.Result, analyses: ms.Analyses) -> None:
    e = staff_by_employer(solved, analyses).set_index("employer")
    assert list(e.index) == ["EPCI", "49001", "49002", "49003"]
    # Bourg-Centre: payroll 2.0 FTE leaves for the shared unit, ADS 1.0 stays
    assert e.loc["49001", ["fte_today", "fte_out", "fte_steady"]].tolist() == pytest.approx(
        [3.0, 2.0, 1.0]
    )
    assert e.loc["49002", ["fte_today", "fte_out", "fte_steady"]].tolist() == pytest.approx(
        [0.9, 0.5, 0.4]
    )
    assert e.loc["49003", ["fte_today", "fte_out", "fte_steady"]].tolist() == pytest.approx(
        [0.5, 0.0, 0.5]
    )
    # the EPCI employs nobody today, receives 2.5 FTE, needs 1.5 once the surplus has left
    assert e.loc["EPCI", ["fte_today", "fte_out", "fte_steady"]].tolist() == pytest.approx(
        [0.0, 2.5, 1.5]
    )
    # in 2032, six years of 6.9 % departures after the 2026 start: 2.5 × 0.931^6
    assert e.at["EPCI", "fte_end"] == pytest.approx(2.5 * (1 - 0.069) ** 6)
    assert e.at["49001", "fte_end"] == pytest.approx(1.0)
    # money: the budgets of each employer, savings by the sign convention
    assert e.loc["49001", ["cost_before", "cost_after", "saving"]].tolist() == pytest.approx(
        [138_000, 107_900, 30_100]
    )
    assert e["saving"].sum() == pytest.approx(39_000)


def test_staff_by_employer_adds_up_on_the_demo() -> None:
    from mutusim.inputs import datasets

    res = ms.optimise(datasets.angers(), datasets.angers_scenarios().base)
    an = ms.analyse(res, prices=False)
    e = staff_by_employer(res, an)
    assert e["fte_today"].sum() == pytest.approx(res.decisions["fte_before"].sum())
    assert e["fte_steady"].sum() == pytest.approx(res.decisions["fte_after"].sum())
    communes = e[e["employer"] != "EPCI"]
    assert communes["fte_out"].sum() == pytest.approx(
        e.loc[e["employer"] == "EPCI", "fte_out"].sum()
    )
    # an already transferred service is the EPCI's today
    d = res.decisions
    assert e.loc[e["employer"] == "EPCI", "fte_today"].item() == pytest.approx(
        d.loc[d["current"] != "keep", "fte_before"].sum()
    )
    assert e["cost_after"].sum() == pytest.approx(res.total_cost)
