"""Both fiscal regimes (DOMAIN.md §1.1, §2.1): FPU with its AC and CLECT, FA without.

Hand example: a CC of two communes, each spending 50,000 EUR/year on ADS (1 FTE,
100 files) with an equipment charge of 2,000 EUR/year its budget never bore.
The EPCI's unit would cost 8,000 + 2 x 45,000 = 98,000 EUR/year. The transfer
is forced, so only the law and the money decide.

- FPU: the CLECT cuts each commune's AC by 50,000 + 2,000; each budget worsens
  by 2,000 > vote tolerance 0: both councils vote no, the transfer is
  infeasible.
- FA, neutralised: no AC, no CLECT; each commune lowers its rates by the
  50,000 it no longer bears (budget unchanged) and votes yes. Communes bear
  50,000 each (the revenue given up), the EPCI 98,000 − 100,000 = −2,000.
- FA, not neutralised: each commune's budget gains 50,000; the EPCI bears
  98,000, financed by its additional rates.
"""

from __future__ import annotations

import pandas as pd
import pytest

import mutusim as ms
from mutusim.core.law import vote_tables
from mutusim.inputs import datasets

FORCE = (("ads", "*", "transfer"),)


def two_commune_cc(fiscalite: str) -> ms.Territory:
    return ms.territory_from_frames(
        {"siren": "200000001", "name": "CC Test", "nature": "CC", "fiscalite": fiscalite},
        pd.DataFrame(
            {"commune": ["49001", "49002"], "name": ["Bourg", "Val"], "population": [1000, 800]}
        ),
        pd.DataFrame(
            {
                "service": ["ads"],
                "name": ["Instruction ADS"],
                "domain": ["Aménagement"],
                "unit": ["dossiers"],
                "transferable": [True],
                "mandatory_for": [""],
            }
        ),
        pd.DataFrame(
            {
                "commune": ["49001", "49002"],
                "service": ["ads", "ads"],
                "fte": [1.0, 1.0],
                "cost": [50_000.0, 50_000.0],
                "units": [100.0, 100.0],
                "level": [50.0, 50.0],
                "equipment_charge": [2_000.0, 2_000.0],
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


def test_fpu_councils_refuse_the_clect_cut():
    t = two_commune_cc("FPU")
    votes, majorities = vote_tables(t, ms.Scenario())
    assert votes["balance_if_transferred"].tolist() == pytest.approx([2_000.0, 2_000.0])
    assert votes["vote"].tolist() == [False, False]
    res = ms.optimise(t, ms.Scenario(force=FORCE))
    assert res.status == "infeasible"
    # a tolerance of 2,000 EUR/year lets them through: the AC is cut by 52,000 each
    res = ms.optimise(t, ms.Scenario(force=FORCE, vote_tolerance=2_000))
    assert res.status == "optimal"
    budgets = res.budgets.set_index("commune")["cost_after"]
    assert budgets.to_dict() == pytest.approx({"49001": 52_000, "49002": 52_000, "EPCI": -6_000})


def test_fa_neutralised_leaves_the_communes_budgets_unchanged():
    t = two_commune_cc("FA")
    votes, _ = vote_tables(t, ms.Scenario())
    assert votes["balance_if_transferred"].tolist() == pytest.approx([0.0, 0.0])
    assert votes["vote"].all()
    res = ms.optimise(t, ms.Scenario(force=FORCE))
    assert res.status == "optimal"
    assert res.total_cost == pytest.approx(98_000)
    budgets = res.budgets.set_index("commune")["cost_after"]
    assert budgets.to_dict() == pytest.approx({"49001": 50_000, "49002": 50_000, "EPCI": -2_000})


def test_fa_without_neutralisation_the_communes_gain_the_cost():
    t = two_commune_cc("FA")
    sc = ms.Scenario(force=FORCE, fa_neutralisation=False)
    votes, _ = vote_tables(t, sc)
    assert votes["balance_if_transferred"].tolist() == pytest.approx([-50_000.0, -50_000.0])
    res = ms.optimise(t, sc)
    assert res.status == "optimal"
    budgets = res.budgets.set_index("commune")["cost_after"]
    assert budgets.to_dict() == pytest.approx({"49001": 0, "49002": 0, "EPCI": 98_000})
    # the plan itself (its cost and NPV) does not depend on who finances it
    neutral = ms.optimise(t, ms.Scenario(force=FORCE))
    assert res.npv == pytest.approx(neutral.npv)


def test_no_worse_off_follows_the_regime():
    # FPU: a transfer worsens each budget by the equipment charge, the rule forbids it;
    # FA: it does not
    sc = ms.Scenario(force=FORCE, no_worse_off=True, vote_tolerance=2_000)
    assert ms.optimise(two_commune_cc("FPU"), sc).status == "infeasible"
    assert ms.optimise(two_commune_cc("FA"), sc).status == "optimal"


def test_an_fa_epci_from_the_real_data_approves_its_transfers():
    # CC Val Vanoise is under fiscalité additionnelle: no AC, no CLECT, so no council's
    # budget worsens by a transfer and all 9 vote for; the same communes under FPU would
    # see their AC cut by the equipment charges of their small communes
    t = datasets.epci("CC Val Vanoise")
    assert t.epci["fiscalite"] == "FA"
    votes, majorities = vote_tables(t, ms.Scenario())
    assert len(majorities) > 0
    assert votes["vote"].all()
    assert (majorities["yes"] == majorities["councils"]).all()
    fpu = ms.territory_from_frames(
        {**t.epci, "fiscalite": "FPU"},
        t.communes.reset_index(),
        t.services.reset_index().assign(mandatory_for=lambda d: d["mandatory_for"].map(";".join)),
        t.baseline.reset_index(),
        t.modes.reset_index(),
    )
    votes_fpu, _ = vote_tables(fpu, ms.Scenario())
    assert not votes_fpu["vote"].all()


def test_the_report_names_the_regime_and_its_mechanism():
    from mutusim.present.report import render_html

    fa = render_html(ms.optimise(two_commune_cc("FA"), ms.Scenario(force=FORCE)))
    assert "Fiscalité additionnelle (FA)" in fa
    assert "neutralisation fiscale" in fa
    assert "CLECT (charges" not in fa
    fpu = render_html(
        ms.optimise(two_commune_cc("FPU"), ms.Scenario(force=FORCE, vote_tolerance=2_000))
    )
    assert "Fiscalité professionnelle unique (FPU)" in fpu
    assert "attribution de compensation" in fpu
