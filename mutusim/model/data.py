"""The model builder's view of a territory and scenario, with its own coefficients.

:class:`ModelData` reads the input records once (:class:`mutusim.core.costs.CostData`)
and computes the MILP's coefficients — yearly costs, discount weights, staff
needs, departures — with its own code. The independent checker prices plans
with :mod:`mutusim.core.costs` and :mod:`mutusim.core.timeline` instead; the
two are compared on random plans and start years by
``tests/model/test_objective_oracle.py``.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from mutusim.core.costs import CostData, PairData, PoolParams, surnombre_factor
from mutusim.core.evaluate import evaluate_plan, status_quo
from mutusim.core.findings import Reason
from mutusim.core.law import Majority, council_vote, qualified_majority
from mutusim.core.scenario import Scenario
from mutusim.core.schema import EPCI_PARTY
from mutusim.core.territory import Territory

__all__ = ["ModelData", "Pair", "PostsBand", "posts_bands"]

Pair = tuple[str, str]  # (service, party)

#: An incoming post is still filled while ``(1 − r)^k · P`` is within this of the whole
#: number below it [post] (the tolerance of :func:`mutusim.core.costs.remaining_posts`).
POSTS_TOL = 1e-9


class PostsBand(NamedTuple):
    """A range of incoming posts over which the same number of agents have left each year.

    Attributes
    ----------
    low, high : int
        The band's fewest and most incoming posts ``P`` [post].
    lost : tuple of int
        For each year of :func:`posts_bands`' ``survivals``, the whole agents gone,
        ``P − ⌈(1 − r)^k P⌉``, the same for every ``P`` of the band [post].
    """

    low: int
    high: int
    lost: tuple[int, ...]


@functools.lru_cache(maxsize=1024)
def posts_bands(total: int, survivals: tuple[float, ...]) -> tuple[PostsBand, ...]:
    """Split ``0 … total`` incoming posts into bands where each year's departures are constant.

    ``k`` years after the change, ``P`` incoming posts keep ``⌈(1 − r)^k P⌉`` agents
    (agents leave whole, DOMAIN.md §3), so ``P − ⌈(1 − r)^k P⌉`` have left: a step
    function of ``P`` that never decreases. The bands are the ranges of ``P`` on which
    every year's count is the same; the model picks one band (a binary each) and
    reads the posts still filled as ``P`` minus the band's departures, exact at every
    whole ``P`` and the convex hull of those points in the LP relaxation
    (:func:`mutusim.model.rules.pooled_staffing`).

    Parameters
    ----------
    total : int
        The most incoming posts [post], ``≥ 0``.
    survivals : tuple of float
        ``(1 − r)^k`` for each year [-].

    Returns
    -------
    tuple of PostsBand
        Consecutive bands covering ``0 … total``, from 0 up.

    Examples
    --------
    >>> posts_bands(6, (0.7,))
    (PostsBand(low=0, high=3, lost=(0,)), PostsBand(low=4, high=6, lost=(1,)))
    """
    if total < 0:
        raise ValueError(f"total must be >= 0, got {total}")
    q = np.arange(total + 1, dtype=float)
    kept = np.ceil(q[:, None] * np.asarray(survivals, dtype=float)[None, :] - POSTS_TOL)
    lost = (q[:, None] - kept).astype(np.int64).reshape(total + 1, len(survivals))
    change = np.flatnonzero(np.any(lost[1:] != lost[:-1], axis=1)) + 1
    lows = [0, *change.tolist()]
    highs = [*(change - 1).tolist(), total]
    return tuple(
        PostsBand(lo, hi, tuple(int(v) for v in lost[lo]))
        for lo, hi in zip(lows, highs, strict=True)
    )


@dataclass
class ModelData:
    """Plain-Python view of a territory and scenario for the model builder.

    Attributes
    ----------
    territory : Territory
        The input.
    scenario : Scenario
        The options.
    inputs : CostData
        Baseline and pooled-unit records, read by column name.
    mandatory : frozenset of str
        Services whose competence is mandatory for the EPCI's nature (DOMAIN.md §1.1).
    transferable : frozenset of str
        Services that are transferable competences.
    """

    territory: Territory
    scenario: Scenario
    inputs: CostData
    mandatory: frozenset[str] = frozenset()
    transferable: frozenset[str] = frozenset()
    _majority: dict[str, Majority] = field(default_factory=dict, repr=False)
    _sq: dict[str, float] = field(default_factory=dict, repr=False)
    _sq_worse_off: frozenset[str] | None = field(default=None, repr=False)
    _weight_from: dict[int, float] = field(default_factory=dict, repr=False)
    _parties_of: dict[str, list[str]] = field(default_factory=dict, repr=False)

    @classmethod
    def from_inputs(cls, territory: Territory, scenario: Scenario) -> ModelData:
        """Read a territory and scenario.

        Parameters
        ----------
        territory : Territory
            The input.
        scenario : Scenario
            The options.

        Returns
        -------
        ModelData
        """
        return cls.from_costs(territory, scenario, CostData.from_inputs(territory, scenario))

    @classmethod
    def from_costs(cls, territory: Territory, scenario: Scenario, inputs: CostData) -> ModelData:
        """A territory and scenario whose records are already read, for the services of ``inputs``.

        With ``inputs = CostData.from_inputs(territory, scenario).restrict(s)``, the
        model of service ``s`` alone, as :meth:`from_inputs` reads it on
        ``territory.subset(services=[s])`` (:mod:`mutusim.model.phased`).

        Parameters
        ----------
        territory : Territory
            The input (its EPCI's nature and the services' competences are read).
        scenario : Scenario
            The options.
        inputs : CostData
            Records read from ``territory`` and ``scenario``, perhaps restricted.

        Returns
        -------
        ModelData
        """
        transferable = territory.services["transferable"]
        return cls(
            territory=territory,
            scenario=scenario,
            inputs=inputs,
            mandatory=frozenset(s for s in inputs.services if territory.is_mandatory(s)),
            transferable=frozenset(s for s in inputs.services if bool(transferable[s])),
        )

    @property
    def services(self) -> tuple[str, ...]:
        """Service codes."""
        return self.inputs.services

    @property
    def communes(self) -> tuple[str, ...]:
        """Commune codes (the councils that vote)."""
        return self.inputs.communes

    @property
    def parties(self) -> tuple[str, ...]:
        """Communes, then ``EPCI`` when it has services of its own."""
        return self.inputs.parties

    @property
    def pairs(self) -> Mapping[Pair, PairData]:
        """(service, party) -> baseline record."""
        return self.inputs.pairs

    @property
    def pools(self) -> Mapping[tuple[str, str], PoolParams]:
        """(service, mode) -> pooled-unit record."""
        return self.inputs.pools

    @property
    def population(self) -> Mapping[str, int]:
        """Party -> population [inhabitants]."""
        return self.inputs.population

    def pair(self, s: str, c: str) -> PairData:
        """Baseline record of pair (s, c)."""
        return self.inputs.pairs[(s, c)]

    def pool(self, s: str, mode: str) -> PoolParams:
        """Pooled-unit record of (s, mode)."""
        return self.inputs.pools[(s, mode)]

    def has_pool(self, s: str, mode: str) -> bool:
        """True if the data offer pooled ``mode`` for service s."""
        return (s, mode) in self.inputs.pools

    def parties_of(self, s: str) -> list[str]:
        """Parties with a baseline row for service s."""
        parties = self._parties_of.get(s)
        if parties is None:
            parties = [c for c in self.parties if (s, c) in self.inputs.pairs]
            self._parties_of[s] = parties
        return list(parties)

    def level_weights(self) -> dict[Pair, float]:
        """Weight of each commune's pair in the average service level: the commune's population.

        The EPCI's own pairs are left out (no inhabitants of its own;
        ``Scenario.min_average_level``).

        Returns
        -------
        dict
            (service, commune) -> population [inhabitants].
        """
        return {p: float(self.population[p[1]]) for p in self.pairs if p[1] != EPCI_PARTY}

    # --------------------------------------------------------------- calendar
    @property
    def years(self) -> list[int]:
        """Years of the horizon."""
        return list(range(self.scenario.start_year, self.scenario.end_year + 1))

    @property
    def start_years(self) -> list[int]:
        """Years a change may take effect in (1 January after the adoption year)."""
        sc = self.scenario
        adoption = sc.start_year if sc.adoption_year is None else sc.adoption_year
        return list(range(max(sc.start_year, adoption + 1), sc.end_year + 1))

    def weight(self, year: int) -> float:
        """Discount weight of a year's money, 1 in the horizon's first year."""
        return (1.0 + self.scenario.discount_rate) ** -(year - self.scenario.start_year)

    def weight_from(self, year: int) -> float:
        """Sum of the discount weights of ``year`` and every later year of the horizon."""
        total = self._weight_from.get(year)
        if total is None:
            total = sum(self.weight(u) for u in self.years if u >= year)
            self._weight_from[year] = total
        return total

    def weight_before(self, year: int) -> float:
        """Sum of the discount weights of the horizon's years before ``year``."""
        return sum(self.weight(u) for u in self.years if u < year)

    def abolition_weight(self, year: int) -> float:
        """Discounted cost multiple of a post abolished on 1 January of ``year`` (surnombre, CDG)."""
        total = 0.0
        for u in self.years:
            if u >= year:
                total += surnombre_factor(u - year) * self.weight(u)
        return total

    @property
    def rate(self) -> float:
        """Departure rate that cuts posts [1/year]."""
        sc = self.scenario
        return sc.retirement_rate if sc.departures == "retirements" else sc.all_departure_rate

    def survival(self, k: int) -> float:
        """Share of agents still there k years after the change: (1 − rate)^k."""
        return (1.0 - self.rate) ** k

    # ------------------------------------------------------- cost coefficients
    def keep_cost(self, s: str, c: str) -> float:
        """Yearly cost of a kept pair: its cost today [EUR/year]."""
        return self.inputs.pairs[(s, c)].cost

    def member_cost(self, s: str, c: str, mode: str) -> float:
        """Yearly cost a member brings to pooled unit (s, mode): variable + overhead [EUR/year]."""
        p = self.inputs.pools[(s, mode)]
        return p.cost_per_unit * self.inputs.pairs[(s, c)].units + p.overhead_per_member

    def partial_fte(self, s: str, c: str) -> float:
        """FTE of shares of agents working only partly in the service [FTE]."""
        pair = self.inputs.pairs[(s, c)]
        return max(0.0, pair.fte - pair.posts)

    def one_off(self, s: str, c: str, mode: str) -> float:
        """One-off cost of moving pair (s, c) to a pooled ``mode`` it does not have [EUR]."""
        pair = self.inputs.pairs[(s, c)]
        if mode == "keep" or pair.arrangement == mode:
            return 0.0
        p = self.inputs.pools[(s, mode)]
        return p.transition_cost_per_member + p.transition_cost_per_fte * pair.fte

    def steps_needed(self, s: str, mode: str, units: float, integral: bool = True) -> float:
        """Staffing steps a pooled unit needs for ``units`` of work (rounded up if integral)."""
        p = self.inputs.pools[(s, mode)]
        need = units / (p.units_per_fte * p.fte_step)
        if not integral or need <= 0:
            return max(need, 0.0)
        return float(math.ceil(need - 1e-9))

    def existing_staff(self, s: str, mode: str) -> dict[str, float]:
        """Each current member's share of today's unit's long-run posts [FTE]."""
        members = [c for c in self.parties_of(s) if self.pair(s, c).arrangement == mode]
        if not members:
            return {}
        p = self.pool(s, mode)
        units = sum(self.pair(s, c).units for c in members)
        integral = self.scenario.rule_on("indivisible_staffing")
        need = self.steps_needed(s, mode, units, integral) * p.fte_step
        posts = max(0.0, need - sum(self.partial_fte(s, c) for c in members))
        if units > 0:
            return {c: posts * self.pair(s, c).units / units for c in members}
        return {c: posts / len(members) for c in members}

    def status_quo_cost(self, s: str) -> float:
        """Yearly cost of service s in today's arrangements [EUR/year] (cached)."""
        if s not in self._sq:
            total = 0.0
            parties = self.parties_of(s)
            for mode in ("share", "transfer"):
                members = [c for c in parties if self.pair(s, c).arrangement == mode]
                if not members:
                    continue
                p = self.pool(s, mode)
                posts = sum(self.existing_staff(s, mode).values())
                partial = sum(self.partial_fte(s, c) for c in members)
                total += p.fixed_cost + p.cost_per_fte * (posts + partial)
                total += sum(self.member_cost(s, c, mode) for c in members)
            total += sum(
                self.keep_cost(s, c) for c in parties if self.pair(s, c).arrangement == "keep"
            )
            self._sq[s] = total
        return self._sq[s]

    def status_quo_breaks(self, s: str) -> tuple[str, ...]:
        """Rules today's arrangement of s breaks, so that s must change within the horizon.

        The checker applies every rule to every pair, changed or not; the
        filter rules are handled pair by pair (an excluded arrangement must
        change), these three judge today's units as a whole: a unit shared by
        fewer members than ``min_members``, a transfer by some communes only
        (``transfer_all_or_nothing``), a shared unit billing a party more than
        its own cost today (``no_worse_off``, only when the billing key and the
        recorded costs disagree).
        """
        sc = self.scenario
        parties = self.parties_of(s)
        broken = []
        if sc.rule_on("min_members"):
            for mode in ("share", "transfer"):
                members = [c for c in parties if self.pair(s, c).arrangement == mode]
                if members and len(members) < self.pool(s, mode).min_members:
                    broken.append("min_members")
                    break
        if sc.rule_on("transfer_all_or_nothing"):
            communes = [c for c in parties if c != EPCI_PARTY]
            n = sum(self.pair(s, c).arrangement == "transfer" for c in communes)
            if 0 < n < len(communes):
                broken.append("transfer_all_or_nothing")
        if sc.rule_on("no_worse_off"):
            if self._sq_worse_off is None:
                ev = evaluate_plan(self.inputs, status_quo(self.inputs))
                pairs = self.inputs.pairs
                self._sq_worse_off = frozenset(
                    str(row.service)
                    for row in ev.pairs.itertuples()
                    if row.cost_after > pairs[(row.service, row.commune)].cost + 1e-4
                )
            if s in self._sq_worse_off:
                broken.append("no_worse_off")
        return tuple(broken)

    # ----------------------------------------------------------- rule inputs
    def bill_weight(self, s: str, c: str) -> float:
        """Billing weight of party c in a shared unit of s (units, population or FTE)."""
        key = self.scenario.billing_keys.get(s, "units")
        pair = self.inputs.pairs[(s, c)]
        if key == "population":
            return float(self.inputs.population[c])
        return pair.fte if key == "fte" else pair.units

    def budget_change_if_transferred(self, s: str, c: str) -> float:
        """Commune c's budget change if it transfers s [EUR/year] (FPU: the CLECT's equipment charge; FA: see core.costs.transfer_balance)."""
        return 0.0 if c == EPCI_PARTY else self.inputs.transfer_balance(self.inputs.pairs[(s, c)])

    def level(self, s: str, c: str, mode: str) -> float:
        """Service level [0-100] of pair (s, c) under ``mode``."""
        if mode == "keep":
            return self.inputs.pairs[(s, c)].level
        return self.inputs.pools[(s, mode)].level

    def min_level(self, s: str) -> float:
        """Minimum service level of service s [0-100]."""
        sc = self.scenario
        return float(sc.min_level_by_service.get(s, sc.min_level))

    def fte_changing(self, s: str, c: str, mode: str) -> float:
        """FTE [FTE] whose arrangement changes when pair (s, c) takes ``mode``."""
        pair = self.inputs.pairs[(s, c)]
        return 0.0 if mode == pair.arrangement else pair.fte

    def vote(self, s: str, c: str) -> tuple[bool, Reason]:
        """Commune c's council vote on transferring s, and why (:func:`mutusim.core.law.council_vote`)."""
        return council_vote(self.scenario, self.inputs, s, c)

    def majority(self, s: str) -> Majority:
        """Qualified majority of municipal councils for transferring s (cached)."""
        if s not in self._majority:
            yes = {c: self.vote(s, c)[0] for c in self.communes}
            self._majority[s] = qualified_majority(yes, self.inputs.population)
        return self._majority[s]
