"""Trade-off fronts (issue 11.1): by hand on tiny, and against brute force.

The brute force enumerates every plan and start years of small random territories,
keeps those the independent checker accepts, computes the second criterion from the
tables themselves (the FTE whose arrangement changes, the communes that change, the
population-weighted average level), and takes the non-dominated (criterion, NPV) pairs:
the front :func:`pareto` must find, corner for corner.
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from model.test_model import HAND, offered_modes, territories

import mutusim as ms
from mutusim.analysis.tradeoffs import FRONT_COLUMNS, STEPS, highest_level, pareto
from mutusim.errors import MutusimError
from mutusim.model.check import check_plan


def test_tiny_front_by_hand():
    # payroll {49001, 49002}: 2.0 + 0.5 FTE move, NPV 32,000; {49001, 49003}: 2.3 FTE,
    # NPV 22,400 (test_model's hand figures); nothing else pays: then the status quo
    f = pareto(ms.examples.tiny(), ms.Scenario(**HAND))
    assert list(f.columns) == FRONT_COLUMNS
    assert f["value"].tolist() == pytest.approx([2.5, 2.3, 0.0])
    assert f["npv"].tolist() == pytest.approx([32_000, 22_400, 0.0])
    assert (f["status"] == "optimal").all()
    assert f["result"].iloc[1].plan[("rh_paie", "49003")] == "share"


def test_tiny_front_against_communes_by_hand():
    # payroll {49001, 49002} changes 2 communes (NPV 32,000); with one commune at most
    # nothing pays (a share needs 2 members): the status quo
    f = pareto(ms.examples.tiny(), ms.Scenario(**HAND), against="communes_changed")
    assert f["value"].tolist() == [2.0, 0.0]
    assert f["npv"].tolist() == pytest.approx([32_000, 0.0])
    assert f["result"].iloc[1].scenario.max_communes_changed == 1


def test_tiny_front_against_the_average_level_by_hand():
    # population-weighted average of the communes' levels (test_model's hand figures):
    # 976,500 / 14,600 for payroll pooled by 49001 and 49002 (NPV 32,000), then all three
    # (25,400), ... up to 80.0: ADS transferred (85) and payroll pooled (75) everywhere
    f = pareto(ms.examples.tiny(), ms.Scenario(**HAND), against="average_level")
    assert f["value"].iloc[:2].tolist() == pytest.approx([976_500 / 14_600, 1_004_500 / 14_600])
    assert f["npv"].iloc[:2].tolist() == pytest.approx([32_000, 25_400])
    assert f["value"].iloc[-1] == pytest.approx(80.0)
    assert f["value"].is_monotonic_increasing
    assert f["npv"].is_monotonic_decreasing
    assert f["result"].iloc[1].scenario.min_average_level == pytest.approx(976_500 / 14_600 + 1e-3)


def test_the_front_is_monotone():
    f = pareto(ms.examples.tiny(), ms.Scenario(**HAND), against="min_level")
    assert f["value"].is_monotonic_increasing
    assert f["npv"].is_monotonic_decreasing
    assert f["value"].iloc[0] == 40.0  # Hameau-Sud's ADS today


def _brute_front(
    t: ms.Territory, sc: ms.Scenario, against: str = "fte_moved"
) -> list[tuple[float, float]]:
    pairs = list(t.baseline.index)
    arrangement = t.baseline["arrangement"].to_dict()
    fte = t.baseline["fte"].to_dict()
    level = t.baseline["level"].to_dict()
    mode_level = t.modes["level"].to_dict()
    less = against != "average_level"
    points = []
    for modes in itertools.product(*(offered_modes(t, s) for s, _c in pairs)):
        plan = dict(zip(pairs, modes, strict=True))
        changed = sorted({s for (s, c), m in plan.items() if m != arrangement[(s, c)]})
        moved = sum(fte[p] for p, m in plan.items() if m != arrangement[p])
        if against == "average_level":
            # levels from the tables: the baseline's when kept, else the mode's
            pops = t.communes["population"]
            weighted = [
                (float(pops[c]), level[(s, c)] if m == "keep" else mode_level[(s, m)])
                for (s, c), m in plan.items()
                if c in pops.index
            ]
            moved = sum(w * v for w, v in weighted) / sum(w for w, _v in weighted)
        if against == "communes_changed":
            # the EPCI is not a commune
            moved = len(
                {
                    c
                    for p, m in plan.items()
                    if m != arrangement[p] and (c := p[1]) in t.communes.index
                }
            )
        for combo in itertools.product(sc.start_years, repeat=len(changed)):
            report = check_plan(t, sc, plan, dict(zip(changed, combo, strict=True)))
            if report.ok and report.schedule is not None:
                points.append((round(moved, 6), round(report.schedule.npv, 4)))
    front = []
    for v, n in sorted(set(points)):
        if not any(
            (v2 <= v if less else v2 >= v) and n2 >= n and (v2, n2) != (v, n) for v2, n2 in points
        ):
            front.append((v, n))
    return front


@settings(max_examples=20, deadline=None)
@given(
    territories(sizes=[(1, 1), (1, 2), (2, 1), (2, 2), (3, 1)]),
    st.sampled_from(["fte_moved", "communes_changed", "average_level"]),
)
def test_front_equals_brute_force(t, against):
    sc = ms.Scenario(**HAND)
    brute = _brute_front(t, sc, against)
    if not brute:
        with pytest.raises(MutusimError):
            pareto(t, sc, against=against)
        return
    f = pareto(t, sc, against=against)
    got = sorted(zip(f["value"], f["npv"], strict=True))
    _same_front(got, brute, STEPS[against], less=against != "average_level")


def _same_front(
    got: list[tuple[float, float]], brute: list[tuple[float, float]], step: float, less: bool
) -> None:
    """Every point found is a corner of the brute-force front, and every corner is found
    unless it lies within the front's resolution (``step``) of a point found, on the side
    the next bound skips."""

    def same(a: tuple[float, float], b: tuple[float, float]) -> bool:
        return a[0] == pytest.approx(b[0], abs=1e-6) and a[1] == pytest.approx(b[1], abs=1e-3)

    for p in got:
        assert any(same(p, b) for b in brute), (p, got, brute)
    for b in brute:
        skipped = any(0 < (v - b[0] if less else b[0] - v) < step + 1e-9 for v, _n in got)
        assert skipped or any(same(p, b) for p in got), (b, got, brute)


def test_sampled_front_and_errors():
    f = pareto(ms.examples.tiny(), ms.Scenario(**HAND), points=3)
    assert f["value"].iloc[0] == pytest.approx(2.5)
    assert f["npv"].is_monotonic_decreasing
    # a level's grid ends at the best level the filters leave each pair: ADS transferred
    # (85) and payroll pooled (75) for every commune, 80.0 on average, 75 at least
    tiny, sc = ms.examples.tiny(), ms.Scenario(**HAND)
    assert highest_level(tiny, sc, "average_level") == pytest.approx(80.0)
    assert highest_level(tiny, sc, "min_level") == pytest.approx(75.0)
    assert highest_level(tiny, sc.replace(allowed_modes=("keep", "share")), "average_level") == (
        pytest.approx((80 * 7_300 + 75 * 7_300) / 14_600)
    )
    f = pareto(tiny, sc, against="average_level", points=3)
    assert f["value"].tolist() == pytest.approx([976_500 / 14_600, 75.58219178, 80.0])
    assert f["npv"].is_monotonic_decreasing
    with pytest.raises(MutusimError, match="against"):
        pareto(ms.examples.tiny(), against="colour")


@pytest.mark.slow
def test_tiny_front_equals_brute_force():
    t = ms.examples.tiny()
    for options in ({}, {"end_year": 2029}):
        sc = ms.Scenario(**(HAND | options))
        f = pareto(t, sc)
        got = sorted(zip(f["value"], f["npv"], strict=True))
        brute = _brute_front(t, sc)
        assert len(got) == len(brute) >= 3, (got, brute)
        for (v, n), (bv, bn) in zip(got, brute, strict=True):
            assert v == pytest.approx(bv, abs=1e-6)
            assert n == pytest.approx(bn, abs=1e-3)
