"""Sub-models built once and reused (mutusim.model.phased's cache).

The cache keeps each service's sub-model with the proven answers to the questions
asked of it, found again by a digest of what it is built from. A warm solve must give
exactly what a cold one gives — the same plan, start years, NPV and node count, ties
included (results are deterministic) — after the same scenario, after a scenario whose
master asked other questions (another quota or budget), and after a change to another
service only.
"""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st
from model.test_model import close, hand, plan_of, quick_optimise, scenarios, territories

import mutusim as ms
from mutusim.analysis.perturb import scale_pooled
from mutusim.core.costs import CostData
from mutusim.model import phased
from mutusim.model.build import build_from_data, build_model
from mutusim.model.data import ModelData


def _phased(data, t):
    return data.draw(scenarios(t)).replace(
        max_total_cost=None,
        max_fte_moved=None,
        decompose=True,
        max_changes_per_year=data.draw(st.sampled_from([None, 1, 2])),
        transition_budget=data.draw(st.sampled_from([None, 0.0, 3_000.0, 9_000.0, 20_000.0])),
    )


def _fresh(t, sc):
    phased.clear_cache()
    return quick_optimise(t, sc)


def _same(warm, cold):
    assert warm.status == cold.status, (warm.solve, cold.solve)
    if cold.has_plan:
        assert close(warm.npv, cold.npv), (warm.solve, cold.solve)
        assert plan_of(warm) == plan_of(cold)
        assert warm.starts == cold.starts
        assert warm.solve.objective == cold.solve.objective
        assert warm.solve.nodes == cold.solve.nodes


@settings(max_examples=30)
@given(st.data())
def test_a_cached_answer_equals_a_fresh_one(data):
    t = data.draw(territories(sizes=[(2, 2), (1, 3), (2, 3), (3, 2)]))
    first, second = _phased(data, t), _phased(data, t)
    phased.clear_cache()
    quick_optimise(t, first)  # fills the cache, its master asking its own questions
    _same(quick_optimise(t, second), _fresh(t, second))
    # another service's data moved: its sub-model is new, the others are reused
    s = str(t.services.index[0])
    moved = scale_pooled(t, {(s, "fixed_cost"): data.draw(st.sampled_from([0.5, 2.0]))})
    quick_optimise(t, second)
    _same(quick_optimise(moved, second), _fresh(moved, second))


def test_only_the_moved_service_is_solved_again():
    t = ms.datasets.angers().subset(services=["rh_paie", "ads", "informatique"])
    sc = hand(end_year=2030, max_changes_per_year=1)
    phased.clear_cache()
    base = quick_optimise(t, sc)
    assert "(0 known from earlier solves)" in base.solve.solver_status
    again = quick_optimise(t, sc)
    assert "(3 known from earlier solves)" in again.solve.solver_status
    assert plan_of(again) == plan_of(base)
    assert again.npv == base.npv
    moved = quick_optimise(scale_pooled(t, {("ads", "fixed_cost"): 1.5}), sc)
    assert "(2 known from earlier solves)" in moved.solve.solver_status
    # forcing a decision of one service leaves the others' sub-models as they were
    forced = quick_optimise(t, sc.replace(force=[("ads", "*", "keep")]))
    assert "(2 known from earlier solves)" in forced.solve.solver_status
    # a cost of one pair today moves that service only; a commune's population, all
    baseline = t.baseline.copy()
    baseline.loc[("informatique", "49007"), "cost"] *= 1.01
    pair = quick_optimise(replace(t, baseline=baseline), sc)
    assert "(2 known from earlier solves)" in pair.solve.solver_status
    communes = t.communes.copy()
    communes.loc["49007", "population"] += 1
    everyone = quick_optimise(replace(t, communes=communes), sc)
    assert "(0 known from earlier solves)" in everyone.solve.solver_status


def test_the_cache_is_bounded(monkeypatch):
    t = ms.examples.tiny()
    phased.clear_cache()
    monkeypatch.setattr(phased, "CACHE_COLUMNS", 500)
    for k in range(20):
        quick_optimise(t, hand(max_changes_per_year=1, all_departure_rate=0.3 + k * 1e-4))
    columns = [len(svc.arrays.cost) for svc in phased._CACHE.values()]
    assert sum(columns) == phased._CACHED_COLUMNS  # the running count the bound reads
    assert sum(columns) <= 500
    assert sum(columns) + max(columns) > 500  # kept as many as fit
    # the most recent solve's sub-models are the ones kept
    again = quick_optimise(t, hand(max_changes_per_year=1, all_departure_rate=0.3 + 19e-4))
    assert "(2 known from earlier solves)" in again.solve.solver_status
    phased.clear_cache()
    assert phased._CACHED_COLUMNS == 0


@settings(max_examples=20)
@given(st.data())
def test_the_number_of_threads_changes_nothing(data):
    # sub-model solves run side by side (phased.THREADS): answers read back in order,
    # each instance single-threaded, so one thread and several give the same result
    t = data.draw(territories(sizes=[(2, 2), (1, 3), (2, 3), (3, 2)]))
    sc = _phased(data, t)
    saved = phased.THREADS
    try:
        phased.THREADS = 1
        one = _fresh(t, sc)
        phased.THREADS = 3
        _same(_fresh(t, sc), one)
    finally:
        phased.THREADS = saved


def test_a_digest_moves_with_its_service_rows_only():
    t = ms.datasets.angers().subset(services=["rh_paie", "ads", "informatique"])
    free = hand()
    base = phased._fingerprints(t, free)
    services = t.services.copy()
    services.loc["ads", "name"] = "ADS (renamed)"
    modes = t.modes.copy()
    modes.loc[("informatique", "share"), "level"] += 1
    baseline = t.baseline.copy()
    baseline.loc[("rh_paie", baseline.loc["rh_paie"].index[0]), "units"] += 1
    for changed, moved in (
        (replace(t, services=services), {"ads"}),
        (replace(t, modes=modes), {"informatique"}),
        (replace(t, baseline=baseline), {"rh_paie"}),
    ):
        new = phased._fingerprints(changed, free)
        assert {s for s in base if new[s] != base[s]} == moved
    communes = t.communes.copy()
    communes.iloc[0, communes.columns.get_loc("population")] += 1
    new = phased._fingerprints(replace(t, communes=communes), free)
    assert all(new[s] != base[s] for s in base)
    assert phased._fingerprints(t, free) == base
    # an option of the scenario moves every model
    other = phased._fingerprints(t, free.replace(all_departure_rate=0.2))
    assert all(other[s] != base[s] for s in base)


def _same_model(a, b):
    """Two built models with the same filters, columns, rows and objective, in order."""
    assert a.allowed == b.allowed
    assert a.excluded == b.excluded
    assert [v.name for v in a.columns] == [v.name for v in b.columns]
    x, y = phased._arrays(a), phased._arrays(b)
    for field in ("cost", "lower", "upper", "integer", "rows", "start", "spend", "choices"):
        assert getattr(x, field) == getattr(y, field), field
    assert (x.one_off, x.today) == (y.one_off, y.today)
    assert [name for name, _row in a.row_terms()] == [name for name, _row in b.row_terms()]


def _both_ways(t, sc):
    """Each service's sub-model from the restricted records and from the cut territory."""
    free = sc.replace(max_changes_per_year=None, transition_budget=None)
    costs = CostData.from_inputs(t, free)
    for s in t.service_codes:
        sub = phased._scenario_of(free, s)
        fast = build_from_data(ModelData.from_costs(t, sub, costs.restrict(s)))
        cut = build_model(t.subset(services=[s]), sub)
        _same_model(fast, cut)


@settings(max_examples=40)
@given(st.data())
def test_a_sub_model_from_restricted_records_is_the_one_from_the_cut_territory(data):
    t = data.draw(territories(sizes=[(2, 2), (1, 3), (2, 3), (3, 2)]))
    _both_ways(t, _phased(data, t))


def test_angers_sub_models_from_restricted_records():
    t = ms.datasets.angers()
    sc = ms.datasets.angers_scenarios().get("plan_optimal")
    _both_ways(t, sc)
    _both_ways(t, sc.replace(staff_reduction="abolition", no_worse_off=True, min_level=60))
