"""A competence mandatory for the EPCI's nature is transferred by law, without a vote (issue 7.1).

DOMAIN.md §1.1: mandatory competences are fixed by law per EPCI category, not
decisions; the qualified majority of L5211-5 II concerns the transfers that
communes decide (L5211-17). Hand-computed answers, no shared code with the model.
"""

from __future__ import annotations

import pandas as pd
import pytest

import mutusim as ms
from mutusim.core.law import vote_tables
from mutusim.model.check import check_plan
from mutusim.present.labels import explanation


def one_commune_cc(equipment: float = 2_000.0, mandatory_for: str = "CC") -> ms.Territory:
    """A CC of one commune of 1,000 inhabitants; ADS transferable and mandatory for a CC.

    Today the commune spends 50,000 EUR/year on ADS (1 FTE, 100 files). The
    EPCI's unit would cost 8,000 fixed + one FTE step of 45,000 = 53,000 EUR/year.
    The CLECT counts an equipment charge of ``equipment`` the commune never bore,
    so its council votes against a transfer at the default vote tolerance of 0.
    """
    return ms.territory_from_frames(
        {"siren": "200000001", "name": "CC Test", "nature": "CC", "fiscalite": "FPU"},
        pd.DataFrame({"commune": ["49001"], "name": ["Bourg"], "population": [1000]}),
        pd.DataFrame(
            {
                "service": ["ads"],
                "name": ["Instruction ADS"],
                "domain": ["Aménagement"],
                "unit": ["dossiers"],
                "transferable": [True],
                "mandatory_for": [mandatory_for],
            }
        ),
        pd.DataFrame(
            {
                "commune": ["49001"],
                "service": ["ads"],
                "fte": [1.0],
                "cost": [50_000.0],
                "units": [100.0],
                "level": [50.0],
                "equipment_charge": [equipment],
            }
        ),
        pd.DataFrame(
            {
                "service": ["ads"],
                "mode": ["transfer"],
                "fixed_cost": [8_000.0],
                "units_per_fte": [100.0],
                "cost_per_fte": [45_000.0],
                "level": [60.0],
            }
        ),
    )


def test_mandatory_competence_is_transferred_although_the_council_would_vote_no():
    t = one_commune_cc()
    res = ms.optimise(t)
    assert res.status == "optimal", explanation(res)
    assert res.total_cost == pytest.approx(53_000.0)
    assert res.decisions.set_index(["service", "commune"]).at[("ads", "49001"), "mode"] == (
        "transfer"
    )
    # no vote is held: no row in votes or majorities, and no "missing majority" anywhere
    assert res.votes.empty
    assert res.majorities.empty
    assert explanation(res) == []


def test_a_stance_against_does_not_block_a_transfer_the_law_imposes():
    t = one_commune_cc(equipment=0.0)
    sc = ms.Scenario(stances={"ads": {"49001": "against"}}, vote_tolerance=0.0)
    res = ms.optimise(t, sc)
    assert res.status == "optimal"
    assert res.total_cost == pytest.approx(53_000.0)


def test_the_law_wins_over_no_worse_off():
    # the transfer costs the commune 2,000 EUR/year more (the equipment charge): the law
    # wins over the opt-in rule, and the loss is shown in its budget (docs/model.md)
    res = ms.optimise(one_commune_cc(), ms.Scenario(no_worse_off=True))
    assert res.status == "optimal", explanation(res)
    assert res.total_cost == pytest.approx(53_000.0)
    row = res.by_commune.set_index("commune").loc["49001"]
    assert row["cost_before"] == pytest.approx(50_000.0)
    assert row["cost_after"] == pytest.approx(52_000.0)  # AC cut by 50,000 + 2,000
    assert row["balance"] == pytest.approx(2_000.0)


def test_switching_the_mandatory_rule_off_puts_the_transfer_to_the_vote():
    # treated as an optional competence, the transfer needs the council, which votes no
    res = ms.optimise(one_commune_cc(), ms.Scenario(disabled_rules=("mandatory_competences",)))
    assert res.status == "optimal"
    assert res.total_cost == pytest.approx(50_000.0)  # kept
    (maj,) = res.majorities.to_dict("records")
    assert maj["service"] == "ads"
    assert not maj["majority"]


def test_vote_tables_hold_no_row_for_a_mandatory_service():
    t = one_commune_cc()
    votes, majorities = vote_tables(t, ms.Scenario())
    assert votes.empty
    assert majorities.empty
    votes, majorities = vote_tables(t, ms.Scenario(disabled_rules=("mandatory_competences",)))
    assert list(majorities["service"]) == ["ads"]
    assert votes["vote"].tolist() == [False]
    # for another nature the competence is optional: it is put to the vote
    t_ca = one_commune_cc(mandatory_for="CA")
    assert list(vote_tables(t_ca, ms.Scenario())[1]["service"]) == ["ads"]


def test_checker_accepts_a_mandatory_transfer_without_majority():
    t = one_commune_cc()
    plan = {("ads", "49001"): "transfer"}
    assert check_plan(t, ms.Scenario(), plan).ok
    assert check_plan(t, ms.Scenario(no_worse_off=True), plan).ok
    report = check_plan(t, ms.Scenario(disabled_rules=("mandatory_competences",)), plan)
    assert any(e.startswith("qualified_majority") for e in report.errors)
