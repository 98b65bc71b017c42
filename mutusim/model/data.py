"""The model builder's view of a territory and scenario, with its own coefficients.

:class:`ModelData` reads the input records once (:class:`mutusim.core.costs.CostData`)
and computes the MILP's coefficients with its own code. The independent
checker prices plans with :mod:`mutusim.core.costs` instead; the two are
compared on random plans by ``tests/model/test_objective_oracle.py`` (the
MILP's objective at a fixed plan equals the checker's cost).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from mutusim.core.costs import CostData, PairData, PoolParams
from mutusim.core.findings import Reason
from mutusim.core.law import Majority, council_vote, qualified_majority
from mutusim.core.scenario import Scenario
from mutusim.core.territory import Territory

__all__ = ["ModelData", "Pair"]

Pair = tuple[str, str]  # (service, commune)


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
        services = territory.services
        return cls(
            territory=territory,
            scenario=scenario,
            inputs=CostData.from_inputs(territory, scenario),
            mandatory=frozenset(str(s) for s in services.index if territory.is_mandatory(s)),
            transferable=frozenset(str(s) for s, v in services["transferable"].items() if bool(v)),
        )

    @property
    def services(self) -> tuple[str, ...]:
        """Service codes."""
        return self.inputs.services

    @property
    def communes(self) -> tuple[str, ...]:
        """Commune codes."""
        return self.inputs.communes

    @property
    def pairs(self) -> Mapping[Pair, PairData]:
        """(service, commune) -> baseline record."""
        return self.inputs.pairs

    @property
    def pools(self) -> Mapping[tuple[str, str], PoolParams]:
        """(service, mode) -> pooled-unit record."""
        return self.inputs.pools

    @property
    def population(self) -> Mapping[str, int]:
        """Commune -> population [inhabitants]."""
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

    # ------------------------------------------------------- objective terms
    def keep_coefficient(self, s: str, c: str) -> float:
        """Objective coefficient of x[s,c,keep]: the pair's cost today [EUR/year]."""
        return self.inputs.pairs[(s, c)].cost

    def member_coefficient(self, s: str, c: str, mode: str) -> float:
        """Objective coefficient of x[s,c,p] for a pooled mode p [EUR/year].

        Variable cost per unit of work, overhead per member, and the one-off
        transition cost (DOMAIN.md §3, §6.8) divided by ``transition_years``
        when the pair changes arrangement.
        """
        p = self.inputs.pools[(s, mode)]
        pair = self.inputs.pairs[(s, c)]
        one_off = 0.0
        if pair.arrangement != mode:
            one_off = p.transition_cost_per_member + p.transition_cost_per_fte * pair.fte
        return (
            p.cost_per_unit * pair.units
            + p.overhead_per_member
            + one_off / self.scenario.transition_years
        )

    def step_coefficient(self, s: str, mode: str) -> float:
        """Objective coefficient of the staff variable n[s,p]: cost of one step [EUR/year]."""
        p = self.inputs.pools[(s, mode)]
        return p.cost_per_fte * p.fte_step

    def steps_needed(self, s: str, mode: str, units: float, integral: bool = True) -> float:
        """Staffing steps a pooled unit needs for ``units`` of work (rounded up if integral)."""
        p = self.inputs.pools[(s, mode)]
        need = units / (p.units_per_fte * p.fte_step)
        if not integral or need <= 0:
            return max(need, 0.0)
        return float(math.ceil(need - 1e-9))

    # ----------------------------------------------------------- rule inputs
    def weight(self, s: str, c: str) -> float:
        """Billing weight of commune c in a shared unit of s (units, population or FTE)."""
        key = self.scenario.billing_keys.get(s, "units")
        pair = self.inputs.pairs[(s, c)]
        if key == "population":
            return float(self.inputs.population[c])
        return pair.fte if key == "fte" else pair.units

    def budget_change_if_transferred(self, s: str, c: str) -> float:
        """Commune c's budget change if it transfers s: the equipment charge the CLECT adds [EUR/year]."""
        return self.inputs.pairs[(s, c)].equipment_charge

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
