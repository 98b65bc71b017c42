"""The rule registry, the implementations, the checker's scope and the labels stay in step."""

from __future__ import annotations

import mutusim as ms
from mutusim.core import rulebook
from mutusim.core.scenario import SWITCHABLE_RULES
from mutusim.model.rules import CONSTRAINTS, FILTERS
from mutusim.present.labels import RULE_LABELS


def test_every_filter_and_constraint_is_declared_once():
    filters = {r.name for r in rulebook.RULES if "filter" in r.stages}
    constraints = {r.name for r in rulebook.RULES if "constraint" in r.stages}
    assert set(FILTERS) == filters
    assert set(CONSTRAINTS) == constraints
    names = [r.name for r in rulebook.RULES]
    assert len(names) == len(set(names))


def test_every_rule_has_a_french_label_and_a_source():
    assert set(RULE_LABELS) == {r.name for r in rulebook.RULES}
    assert all(r.source for r in rulebook.RULES)


def test_switchable_and_relaxable_come_from_the_registry():
    assert rulebook.switchable() == SWITCHABLE_RULES
    assert set(rulebook.relaxable()) <= set(rulebook.switchable())
    coupled = {r.name for r in rulebook.RULES if r.couples_services}
    # the yearly limits (max_changes_per_year, transition_budget) are rows of the one
    # multi-period MILP: they tie the start years of different services together
    assert coupled == {
        "cost_cap",
        "fte_moved_cap",
        "communes_changed_cap",
        "average_level_floor",
        "phasing_capacity",
    }


def test_a_rule_with_an_option_acts_only_when_the_option_is_set():
    base = ms.Scenario()
    assert not base.rule_on("cost_cap")
    assert ms.Scenario(max_total_cost=1e6).rule_on("cost_cap")
    assert not ms.Scenario(max_total_cost=1e6, disabled_rules=("cost_cap",)).rule_on("cost_cap")
    assert not base.rule_on("no_worse_off")
    assert ms.Scenario(no_worse_off=True).rule_on("no_worse_off")
    assert not base.rule_on("perimeter")
    assert ms.Scenario(perimeter_max_population=4500).rule_on("perimeter")
    assert base.rule_on("qualified_majority")
    assert not ms.Scenario(disabled_rules=("qualified_majority",)).rule_on("qualified_majority")
    assert base.rule_on("one_mode")  # not switchable: always on


def _rows_of_every_rule(tiny):
    from mutusim.model.build import build_model

    sc = ms.Scenario(
        max_total_cost=1e9,
        max_fte_moved=100,
        max_communes_changed=2,
        min_average_level=10,
        max_changes_per_year=1,
        transition_budget=1e6,
    )
    return build_model(tiny, sc).rows


def test_constraint_rows_belong_to_declared_rules(tiny):
    rows = _rows_of_every_rule(tiny)
    assert set(rows) <= set(rulebook.RULES_BY_NAME)
    # the rules whose option the scenario sets add rows (the yearly limits included)
    assert {
        "cost_cap",
        "fte_moved_cap",
        "communes_changed_cap",
        "average_level_floor",
        "phasing_capacity",
    } <= set(rows)


def test_constraint_rows_are_named_after_their_rule(tiny):
    for rule, rows in _rows_of_every_rule(tiny).items():
        assert all(r.startswith(rule) or rule == "pooled_staffing" for r in rows), rule
