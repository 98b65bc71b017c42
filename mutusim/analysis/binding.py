"""Which rules bind, measured with one relaxed solve (cheap enough for every EPCI of France).

:func:`mutusim.analysis.prices.rule_prices` prices each rule exactly, with a
re-solve per rule: too slow for a national screening. This module measures
"a rule binds" with **one** extra solve:

1. solve the scenario with every checked rule switched off (the rules of
   :data:`CHECKED_RULES` the scenario has on): the *unconstrained* optimum
   ``P0`` (a plan and its start years), of net present value ``V0`` [EUR]
   over the horizon, priced by the independent checker
   (:func:`mutusim.model.check.check_plan`, which computes the roadmap with
   :mod:`mutusim.core.timeline`);
2. ``rules_price = V0 - V``, the NPV the rules cost **together** against the
   plan's own NPV ``V`` (exact up to the MIP gaps of both solves);
3. re-verify ``P0`` with the checker under the scenario, one rule at a
   time: the *violations* of a rule are the pairs, pooled units, services
   or years where ``P0`` breaks it;
4. a rule **binds** when the rules cost something together
   (``rules_price`` above the tolerance :func:`price_tolerance`) and ``P0``
   breaks it.

What this measure guarantees (tested in ``tests/analysis/test_binding.py``
against the exact :func:`~mutusim.analysis.prices.rule_prices`, which prices
rules in NPV too):

* if some rule has a positive price, then ``rules_price > 0`` and at least
  one rule binds (``P0`` better than the plan must break a rule, otherwise
  it would be a better feasible plan);
* when exactly one rule binds, its exact price equals ``rules_price``;
* when several rules bind, each is one the unconstrained optimum breaks;
  the measure does not apportion ``rules_price`` between them, and a rule
  flagged together with others may have a zero price on its own (two rules
  forbidding the same transfer: either one suffices).

``indivisible_staffing`` is not among the checked rules: it is part of the
cost model (staff in whole posts), not a rule that forbids plans, and stays
on in the relaxed solve. ``phasing_capacity`` (the yearly limits on changes
and transition spending) is: without it, every change may start in its best
year.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mutusim.core import rulebook
from mutusim.core.costs import CostData
from mutusim.core.evaluate import Plan
from mutusim.core.result import Result
from mutusim.core.scenario import Scenario
from mutusim.core.territory import Territory
from mutusim.model.build import build_model
from mutusim.model.check import check_plan
from mutusim.model.pipeline import decomposes, extract_plan
from mutusim.model.solver import solve

__all__ = [
    "CHECKED_RULES",
    "RELAXED_WHOLE_MAX_COMMUNES",
    "Binding",
    "binding_rules",
    "price_tolerance",
]

#: The relaxed solve of a territory of at most this many communes is one model, not one
#: per service: on 4-10 communes the whole relaxed model solves 1.8-3.4x faster than the 14
#: sub-models (their set-up dominates), from 12 communes on it is slower (benchmarks/README.md).
RELAXED_WHOLE_MAX_COMMUNES = 10
#: Rules the checker verifies pair by pair; it reports the others only when these pass.
_PAIR_RULES = frozenset(
    {"mandatory_competences", "perimeter", "forced_decisions", "service_levels"}
)

#: Switchable rules that forbid plans and that the independent checker re-verifies,
#: in registry order (every switchable rule acting as a filter or a constraint).
CHECKED_RULES: tuple[str, ...] = tuple(
    r.name for r in rulebook.RULES if r.switchable and ({"filter", "constraint"} & set(r.stages))
)


@dataclass(frozen=True)
class Binding:
    """Which rules bind in a result (plain data).

    Attributes
    ----------
    active : tuple of str
        Checked rules the scenario has on (the others were not measured).
    npv_unconstrained : float or None
        Optimal NPV over the horizon without the active checked rules [EUR];
        None without a plan on either side.
    rules_price : float or None
        ``npv_unconstrained`` minus the plan's NPV [EUR]: what the rules cost together.
    violations : dict of str to int
        Active rule -> pairs, pooled units, services or years where the
        unconstrained optimum breaks it (one per line of the checker).
    binds : dict of str to bool
        Active rule -> it binds (see the module's docstring).
    """

    active: tuple[str, ...] = ()
    npv_unconstrained: float | None = None
    rules_price: float | None = None
    violations: dict[str, int] = field(default_factory=dict)
    binds: dict[str, bool] = field(default_factory=dict)

    @property
    def binding(self) -> tuple[str, ...]:
        """The rules that bind, in registry order."""
        return tuple(r for r in self.active if self.binds.get(r))


def price_tolerance(npv: float, mip_gap: float) -> float:
    """Smallest ``rules_price`` [EUR] read as "the rules cost something".

    Both solves may stop within the relative MIP gap of their optimum, so a
    difference below twice the gap (and at least 1e-6 relative, 1e-6 EUR
    absolute: HiGHS's absolute gap) is noise.

    Parameters
    ----------
    npv : float
        The larger magnitude of the two NPVs compared [EUR].
    mip_gap : float
        The scenario's relative MIP gap [-].

    Returns
    -------
    float
        [EUR]
    """
    return max(1e-6, 2.0 * mip_gap) * max(1.0, abs(npv))


def binding_rules(result: Result) -> Binding:
    """Measure which checked rules bind in ``result``, with one relaxed solve.

    Parameters
    ----------
    result : Result
        A result of :func:`mutusim.optimise`.

    Returns
    -------
    Binding
        Empty (nothing active, no price) when the result has no plan or the
        scenario has no checked rule on; prices None when the relaxed solve
        finds no plan (it cannot be infeasible when the result is feasible,
        but it can stop at its time limit).

    Examples
    --------
    >>> import mutusim as ms
    >>> sc = ms.Scenario(end_year=2028, departures="all", all_departure_rate=0.5)
    >>> b = binding_rules(ms.optimise(ms.examples.tiny(), sc))
    >>> b.binding, round(b.rules_price)
    ((), 0)
    """
    sc = result.scenario
    active = tuple(r for r in CHECKED_RULES if sc.rule_on(r))
    npv = result.npv
    if not result.has_plan or npv is None or not active:
        return Binding(active=active if result.has_plan else ())
    relaxed = sc.replace(disabled_rules=(*sc.disabled_rules, *active))
    found = _relaxed_plan(result.territory, relaxed)
    if found is None:
        return Binding(active=active)
    plan, starts = found
    costs = CostData.from_inputs(result.territory, sc)
    # priced by the independent checker (the roadmap of core.timeline), not the solver
    report = check_plan(result.territory, relaxed, plan, starts, costs=costs)
    if report.schedule is None:
        return Binding(active=active)
    free_npv = report.schedule.npv
    price = free_npv - npv
    violations = _violations(result, active, plan, starts, costs)
    costs_something = price > price_tolerance(max(abs(npv), abs(free_npv)), sc.mip_gap)
    binds = {r: costs_something and violations[r] > 0 for r in active}
    return Binding(
        active=active,
        npv_unconstrained=free_npv,
        rules_price=price,
        violations=violations,
        binds=binds,
    )


def _relaxed_plan(territory: Territory, relaxed: Scenario) -> tuple[Plan, dict[str, int]] | None:
    """The optimal plan and start years of the relaxed scenario, or None without a plan.

    Built and solved as :func:`mutusim.optimise` does (one model per service
    when nothing couples services), but one model up to
    :data:`RELAXED_WHOLE_MAX_COMMUNES` communes, each model with the
    scenario's time limit, and without the result tables, votes and checks
    that ``optimise`` adds: only the plan is needed here.
    """
    whole = len(territory.communes) <= RELAXED_WHOLE_MAX_COMMUNES
    services = territory.service_codes
    if whole or not decomposes(territory, relaxed) or len(services) == 1:
        parts = [territory]
    else:
        parts = [territory.subset(services=[s]) for s in services]
    plan: dict[tuple[str, str], str] = {}
    starts: dict[str, int] = {}
    for part in parts:
        model = build_model(part, relaxed)
        if model.infeasible_pairs() or model.violated_rows:
            return None
        if not solve(model).has_plan:
            return None
        chosen, chosen_starts, fractional = extract_plan(model)
        if fractional:
            return None
        plan.update(chosen)
        starts.update(chosen_starts)
    return plan, starts


def _violations(
    result: Result,
    active: tuple[str, ...],
    plan: Plan,
    starts: dict[str, int],
    costs: CostData,
) -> dict[str, int]:
    """Lines of the independent checker per active rule, on ``plan`` (at most two checks).

    The checker reports the rules it verifies pair by pair first, and the
    others only when those pass: a second check without the pair rules
    reports the rest.
    """
    sc = result.scenario
    count = dict.fromkeys(active, 0)
    report = check_plan(result.territory, sc, plan, starts, costs=costs)
    for line in report.errors:
        rule = line.split(":", 1)[0]
        if rule in count:
            count[rule] += 1
    pair_rules = {r for r in active if r in _PAIR_RULES}
    if report.evaluation is None and pair_rules:
        others = sc.replace(disabled_rules=(*sc.disabled_rules, *pair_rules))
        for line in check_plan(result.territory, others, plan, starts, costs=costs).errors:
            rule = line.split(":", 1)[0]
            if rule in count and rule not in pair_rules:
                count[rule] += 1
    return count
