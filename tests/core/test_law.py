"""The qualified majority of L5211-5 II, at its boundaries (DOMAIN.md §1.1).

The oracle below is written from the article's words with exact fractions and
shares no code with :func:`mutusim.core.law.qualified_majority`.
"""

from __future__ import annotations

import itertools
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mutusim.core.law import qualified_majority


def _by_the_article(yes: dict[str, bool], pop: dict[str, int]) -> bool:
    n = len(yes)
    councils = Fraction(sum(yes.values()), n)
    total = sum(pop.values())
    share = Fraction(sum(pop[c] for c in yes if yes[c]), total)
    # "deux tiers au moins des conseils municipaux … représentant plus de la moitié de la
    # population … ou la moitié au moins des conseils … représentant les deux tiers"
    branches = (councils >= Fraction(2, 3) and share > Fraction(1, 2)) or (
        councils >= Fraction(1, 2) and share >= Fraction(2, 3)
    )
    # "… cette majorité doit nécessairement comprendre le conseil municipal de la commune
    # dont la population est la plus nombreuse lorsque celle-ci est supérieure au quart"
    top = max(pop.values())
    veto = Fraction(top, total) > Fraction(1, 4)
    largest_agrees = all(yes[c] for c in pop if pop[c] == top)
    return branches and (largest_agrees or not veto)


def test_half_the_councils_with_exactly_two_thirds_of_the_population():
    # 2 of 4 councils, 200 of 300 inhabitants: "les deux tiers" is reached (at least)
    pop = {"a": 100, "b": 100, "c": 50, "d": 50}
    m = qualified_majority({"a": True, "b": True, "c": False, "d": False}, pop)
    assert m.branch_half
    assert not m.branch_two_thirds
    assert m.holds
    # one inhabitant fewer on the yes side and the branch fails
    pop = {"a": 100, "b": 99, "c": 50, "d": 51}
    m = qualified_majority({"a": True, "b": True, "c": False, "d": False}, pop)
    assert not m.branch_half
    assert not m.holds


def test_two_thirds_of_the_councils_need_more_than_half_of_the_population():
    # 2 of 3 councils with exactly half of the population: not enough ("plus de la moitié")
    pop = {"a": 50, "b": 50, "c": 100}
    m = qualified_majority({"a": True, "b": True, "c": False}, pop)
    assert not m.branch_two_thirds
    assert not m.holds
    pop = {"a": 51, "b": 50, "c": 100}
    m = qualified_majority({"a": True, "b": True, "c": False}, pop)
    assert m.branch_two_thirds
    assert not m.holds  # c (100 of 201 > 1/4) is the most populous: its veto


def test_exactly_a_quarter_gives_no_veto():
    pop = {"a": 25, "b": 25, "c": 25, "d": 25}
    m = qualified_majority({"a": False, "b": True, "c": True, "d": True}, pop)
    assert not m.veto_applies
    assert m.holds


@given(
    st.lists(st.integers(1, 12), min_size=1, max_size=6),
    st.data(),
)
def test_agrees_with_the_article_everywhere(populations, data):
    names = [f"c{i}" for i in range(len(populations))]
    pop = dict(zip(names, populations, strict=True))
    votes = data.draw(st.lists(st.booleans(), min_size=len(names), max_size=len(names)))
    yes = dict(zip(names, votes, strict=True))
    assert qualified_majority(yes, pop).holds == _by_the_article(yes, pop)


@pytest.mark.parametrize("n", [2, 3, 4, 6])
def test_every_vote_of_equal_communes(n):
    # equal populations: the branches reduce to counting councils (at least half)
    pop = {f"c{i}": 30 for i in range(n)}
    for votes in itertools.product([False, True], repeat=n):
        yes = dict(zip(pop, votes, strict=True))
        assert qualified_majority(yes, pop).holds == _by_the_article(yes, pop)


def _four_communes(populations: list[int]):
    import pandas as pd

    import mutusim as ms

    codes = ["49001", "49002", "49003", "49004"]
    return ms.territory_from_frames(
        {"siren": "200000001", "name": "CA Test", "nature": "CA", "fiscalite": "FPU"},
        pd.DataFrame({"commune": codes, "name": list("ABCD"), "population": populations}),
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
                "commune": codes,
                "service": ["ads"] * 4,
                "fte": [1.0] * 4,
                "cost": [50_000.0] * 4,
                "units": [100.0] * 4,
                "level": [50.0] * 4,
                "equipment_charge": [0.0] * 4,
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


def test_the_checker_counts_the_half_branch_at_exactly_two_thirds():
    import mutusim as ms
    from mutusim.model.check import check_plan

    plan = {("ads", c): "transfer" for c in ["49001", "49002", "49003", "49004"]}
    sc = ms.Scenario(stances={"ads": {"49003": "against", "49004": "against"}})
    assert check_plan(_four_communes([1000, 1000, 500, 500]), sc, plan).ok
    report = check_plan(_four_communes([1000, 999, 500, 501]), sc, plan)
    assert any(e.startswith("qualified_majority") for e in report.errors)
