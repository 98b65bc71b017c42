"""Groupements de commandes (issue 9.5): hand examples and brute force over every subset.

The oracle below prices a groupement from the documented rule (members buy at
the group's tier instead of their own; coordinator and member costs; at least
two buyers) with its own code, not :mod:`mutusim.core.purchasing`.
"""

from __future__ import annotations

import itertools

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mutusim as ms
from mutusim.core.purchasing import PurchasingParams
from mutusim.errors import DataError
from mutusim.inputs.purchasing import default_purchases, read_purchases
from mutusim.model.purchasing import optimise_groupements

TIERS = ((0.0, 0.0), (100.0, 0.05), (300.0, 0.10))


def _cut(volume: float, tiers) -> float:  # noqa: ANN001
    best = 0.0
    for v, c in tiers:
        if volume >= v - 1e-9 and c > best:
            best = c
    return best


def _best_by_brute_force(spends: dict[str, float], params: PurchasingParams) -> float:
    best = 0.0
    names = list(spends)
    for r in range(2, len(names) + 1):
        for group in itertools.combinations(names, r):
            volume = sum(spends[c] for c in group)
            g = _cut(volume, params.tiers)
            saved = sum((g - _cut(spends[c], params.tiers)) * spends[c] for c in group)
            best = max(best, saved - params.coordinator_cost - params.member_cost * r)
    return best


def _purchases(spends: dict[str, float], category: str = "k") -> pd.DataFrame:
    return pd.DataFrame(
        {"commune": list(spends), "category": category, "spend": list(spends.values())}
    )


def test_three_communes_by_hand():
    # A 60 and B 60 alone get no cut; together 120 reach 5 %: they save 3 + 3 = 6,
    # minus coordinator 2 and 0.5 each -> 3. C (250, 5 % alone) joining lifts the group to
    # 370 (10 %): A and B save 6 each, C (10 - 5) % x 250 = 12.5 -> 24.5 - 2 - 1.5 = 21.
    params = PurchasingParams(TIERS, coordinator_cost=2.0, member_cost=0.5)
    t = ms.examples.tiny()
    spends = {"49001": 250.0, "49002": 60.0, "49003": 60.0}
    g = optimise_groupements(t, purchases=_purchases(spends), params=params)
    assert g.status == "optimal"
    row = g.groupements.iloc[0]
    assert (row.members, row.volume, row.price_cut) == (3, 370.0, 0.10)
    assert row.net == pytest.approx(21.0)
    assert g.net == pytest.approx(21.0)
    saving = g.members.set_index("commune")["saving"]
    assert saving.to_dict() == pytest.approx({"49001": 12.5, "49002": 6.0, "49003": 6.0})
    # with a coordinator costing more than the savings there is no groupement
    dear = PurchasingParams(TIERS, coordinator_cost=30.0, member_cost=0.5)
    none = optimise_groupements(t, purchases=_purchases(spends), params=dear)
    assert none.groupements.empty
    assert none.net == 0.0


def test_a_large_buyer_stays_out_of_a_small_group():
    # C (400) gets 10 % alone; with A and B (60 each) the group is at 10 % too: C gains
    # nothing and pays its member cost, so the best group is A + B alone... which gets 5 %
    params = PurchasingParams(TIERS, coordinator_cost=1.0, member_cost=0.5)
    spends = {"49001": 400.0, "49002": 60.0, "49003": 60.0}
    g = optimise_groupements(ms.examples.tiny(), purchases=_purchases(spends), params=params)
    # A + B: 3 + 3 - 1 - 1 = 4; A + B + C at 10 %: 6 + 6 + 0 - 1 - 1.5 = 9.5: C joins to lift them
    assert g.net == pytest.approx(9.5)
    assert set(g.members["commune"]) == {"49001", "49002", "49003"}


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(0, 400), min_size=2, max_size=6),
    st.sampled_from([0.0, 1.0, 5.0]),
    st.sampled_from([0.0, 0.5, 2.0]),
)
def test_the_milp_equals_brute_force(spend_list, coordinator, member):
    params = PurchasingParams(TIERS, coordinator_cost=coordinator, member_cost=member)
    spends = {f"{49001 + i}": float(s) for i, s in enumerate(spend_list)}
    territory = ms.datasets.synthetic(len(spends)) if len(spends) > 3 else ms.examples.tiny()
    codes = [str(c) for c in territory.communes.index][: len(spends)]
    spends = dict(zip(codes, spends.values(), strict=True))
    g = optimise_groupements(territory, purchases=_purchases(spends), params=params)
    assert g.status == "optimal"
    assert g.net == pytest.approx(_best_by_brute_force(spends, params), abs=1e-6)


def test_npv_over_the_effective_years():
    params = PurchasingParams(TIERS, coordinator_cost=2.0, member_cost=0.5)
    spends = {"49001": 250.0, "49002": 60.0, "49003": 60.0}
    sc = ms.Scenario(end_year=2029, discount_rate=0.0)
    g = optimise_groupements(ms.examples.tiny(), sc, purchases=_purchases(spends), params=params)
    assert g.npv == pytest.approx(21.0 * 3)  # 2027, 2028, 2029


def test_default_purchases_and_angers():
    t = ms.datasets.angers()
    p = default_purchases(t)
    # 308,806 inhabitants x 60 EUR x 0.9 of energy
    assert p[p["category"] == "energie"]["spend"].sum() == pytest.approx(
        308_806 * 60 * 0.9, rel=1e-6
    )
    g = optimise_groupements(t)
    assert g.status == "optimal"
    # Ville d'Angers buys 8.4 MEUR of energy alone (6 % already): it stays out of that one
    energy = g.members[g.members["category"] == "energie"]
    assert "49007" not in set(energy["commune"])
    assert 0 < g.net < 2_000_000


def test_read_purchases_names_every_problem(tmp_path):
    t = ms.examples.tiny()
    f = tmp_path / "purchases.csv"
    f.write_text(
        "commune,category,spend\n49001,energie,1000\n99999,energie,10\n49002,,x\n49001,energie,5\n",
        encoding="utf-8",
    )
    with pytest.raises(DataError) as err:
        read_purchases(f, t)
    text = str(err.value)
    assert "purchases.csv, line 3, column 'commune'" in text
    assert "line 4, column 'category'" in text
    assert "line 4, column 'spend'" in text
    assert "line 5, column 'category'" in text
    assert "already on line 2" in text
    f.write_text("commune,spend\n49001,1\n", encoding="utf-8")
    with pytest.raises(DataError, match="missing column"):
        read_purchases(f, t)
    f.write_text("commune,category,spend\n49001,energie,1000.5\n", encoding="utf-8")
    assert read_purchases(f, t)["spend"].tolist() == [1000.5]
