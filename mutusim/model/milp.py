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
    z : dict
        Start binaries per (service, year): the service's changes take effect on
        1 January of that year (none: it keeps today's arrangements).
    x : dict
        Mode binaries per (service, party, mode, start year).
    y, n, need, abolished, positive : dict
        Per (service, pooled mode, start year): the unit is opened, its staff
        in steps, its long-run posts ``max(steps · fte_step − partial, 0)``, the
        posts abolished at the change and a binary making ``need`` exactly that
        maximum (``abolition`` only).
    posts, kept : dict
        Per (service, pooled mode, start year, year): posts employed, and
        incoming posts still filled (an integer: agents leave whole).
    allowed : dict
        (service, commune) -> modes left after the filter rules.
    excluded : dict
        (service, commune, mode) -> :class:`Reason` the mode was excluded.
    rows : dict
        Rule name -> names of the constraints it added.
    violated_rows : list
        (rule, row name) of rows with no variable left that cannot hold (e.g. a
        service that must change but may start in no year): the scenario is
        infeasible before any solve.
    objective_terms : list
        The objective as (variable, coefficient) terms: minus the net present
        value of the plan over the horizon [EUR].
    build_seconds : float
        Build time [s].
    """

    data: ModelData
    lp: pulp.LpProblem
    z: dict[tuple[str, int], pulp.LpVariable] = field(default_factory=dict)
    x: dict[tuple[str, str, str, int], pulp.LpVariable] = field(default_factory=dict)
    y: dict[tuple[str, str, int], pulp.LpVariable] = field(default_factory=dict)
    n: dict[tuple[str, str, int], pulp.LpVariable] = field(default_factory=dict)
    need: dict[tuple[str, str, int], pulp.LpVariable] = field(default_factory=dict)
    abolished: dict[tuple[str, str, int], pulp.LpVariable] = field(default_factory=dict)
    positive: dict[tuple[str, str, int], pulp.LpVariable] = field(default_factory=dict)
    posts: dict[tuple[str, str, int, int], pulp.LpVariable] = field(default_factory=dict)
    kept: dict[tuple[str, str, int, int], pulp.LpVariable] = field(default_factory=dict)
    allowed: dict[Pair, tuple[str, ...]] = field(default_factory=dict)
    excluded: dict[tuple[str, str, str], Reason] = field(default_factory=dict)
    rows: dict[str, list[str]] = field(default_factory=dict)
    violated_rows: list[tuple[str, str]] = field(default_factory=list)
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
        if not coefs:
            # nothing to decide: the row holds or the scenario is infeasible before any
            # solve (solvers may silently drop empty rows)
            holds = {pulp.LpConstraintEQ: rhs == 0, pulp.LpConstraintLE: rhs >= 0}
            if not holds.get(sense, rhs <= 0):
                self.violated_rows.append((rule, name))
            return
        expr = pulp.LpAffineExpression(list(coefs.items()))
        self.lp.addConstraint(pulp.LpConstraint(expr, sense, name, rhs))
        self.rows.setdefault(rule, []).append(name)

    def members(self, s: str, p: str, t: int) -> list[tuple[str, pulp.LpVariable]]:
        """(party, x[s,c,p,t]) of the parties that may join pooled unit (s, p) starting in t."""
        x = self.x
        return [(c, x[(s, c, p, t)]) for c in self.data.parties if (s, c, p, t) in x]

    def infeasible_pairs(self) -> list[Pair]:
        """Pairs left with no allowed mode (the scenario is infeasible before any solve)."""
        return [pair for pair, modes in self.allowed.items() if not modes]

    @property
    def columns(self) -> list[pulp.LpVariable]:
        """Every variable, in the order handed to the solver."""
        return [
            *self.z.values(),
            *self.x.values(),
            *self.y.values(),
            *self.n.values(),
            *self.need.values(),
            *self.abolished.values(),
            *self.positive.values(),
            *self.posts.values(),
            *self.kept.values(),
        ]

    @property
    def num_variables(self) -> int:
        """Number of variables."""
        return len(self.columns)

    @property
    def num_constraints(self) -> int:
        """Number of constraints."""
        return len(self.lp.constraints)
