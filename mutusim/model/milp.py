"""The container of a built MILP: the PuLP problem and the index of its variables."""

from __future__ import annotations

from dataclasses import dataclass, field

import pulp

from mutusim.core.findings import Reason
from mutusim.core.scenario import Scenario
from mutusim.core.territory import Territory
from mutusim.model.data import ModelData, Pair

__all__ = ["MilpModel", "Terms"]

Terms = list[tuple[pulp.LpVariable, float]]


@dataclass
class MilpModel:
    """A built model: the PuLP problem plus the index of its variables.

    Attributes
    ----------
    data : ModelData
        The builder's view of territory and scenario.
    lp : pulp.LpProblem
        The MILP.
    x, y, n : dict
        Mode binaries per (service, commune, mode); opening binaries and staff
        integers per (service, pooled mode).
    aux : dict
        Auxiliary continuous variables a rule adds, by name (e.g. the billing
        weight of a shared unit's members, :func:`mutusim.model.rules.no_worse_off`).
    allowed : dict
        (service, commune) -> modes left after the filter rules.
    excluded : dict
        (service, commune, mode) -> :class:`Reason` the mode was excluded.
    rows : dict
        Rule name -> names of the constraints it added.
    objective_terms : list
        The objective as (variable, coefficient) terms [EUR/year].
    build_seconds : float
        Build time [s].
    """

    data: ModelData
    lp: pulp.LpProblem
    x: dict[tuple[str, str, str], pulp.LpVariable] = field(default_factory=dict)
    y: dict[tuple[str, str], pulp.LpVariable] = field(default_factory=dict)
    n: dict[tuple[str, str], pulp.LpVariable] = field(default_factory=dict)
    aux: dict[str, pulp.LpVariable] = field(default_factory=dict)
    allowed: dict[Pair, tuple[str, ...]] = field(default_factory=dict)
    excluded: dict[tuple[str, str, str], Reason] = field(default_factory=dict)
    rows: dict[str, list[str]] = field(default_factory=dict)
    objective_terms: Terms = field(default_factory=list)
    build_seconds: float = 0.0

    @property
    def scenario(self) -> Scenario:
        """The scenario built."""
        return self.data.scenario

    @property
    def territory(self) -> Territory:
        """The territory built."""
        return self.data.territory

    def add_row(self, rule: str, name: str, terms: Terms, sense: int, rhs: float) -> None:
        """Add one constraint ``sum(terms) <sense> rhs`` recorded under ``rule``.

        Repeated variables in ``terms`` are summed (PuLP's constructor would keep
        only the last coefficient).

        Parameters
        ----------
        rule : str
            The rule adding the row.
        name : str
            Row name, ``<rule>__<service>__...``.
        terms : list of (LpVariable, float)
            Left-hand side.
        sense : int
            ``pulp.LpConstraintEQ``, ``GE`` or ``LE``.
        rhs : float
            Right-hand side.
        """
        coefs: dict[pulp.LpVariable, float] = {}
        for var, a in terms:
            coefs[var] = coefs.get(var, 0.0) + a
        expr = pulp.LpAffineExpression(list(coefs.items()))
        self.lp.addConstraint(pulp.LpConstraint(expr, sense, name, rhs))
        self.rows.setdefault(rule, []).append(name)

    def members(self, s: str, p: str) -> list[tuple[str, pulp.LpVariable]]:
        """(commune, x[s,c,p]) of the communes that may join pooled unit (s, p)."""
        x = self.x
        return [(c, x[(s, c, p)]) for c in self.data.communes if (s, c, p) in x]

    def infeasible_pairs(self) -> list[Pair]:
        """Pairs left with no allowed mode (the scenario is infeasible before any solve)."""
        return [pair for pair, modes in self.allowed.items() if not modes]

    @property
    def columns(self) -> list[pulp.LpVariable]:
        """Every variable, in the order handed to the solver (x, y, n, then aux)."""
        return [*self.x.values(), *self.y.values(), *self.n.values(), *self.aux.values()]

    @property
    def num_variables(self) -> int:
        """Number of variables."""
        return len(self.x) + len(self.y) + len(self.n) + len(self.aux)

    @property
    def num_constraints(self) -> int:
        """Number of constraints."""
        return len(self.lp.constraints)
