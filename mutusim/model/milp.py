"""The container of a built MILP: the PuLP problem and the index of its variables."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pulp

from mutusim.core.findings import Reason
from mutusim.core.scenario import Scenario
from mutusim.core.territory import Territory
from mutusim.model.data import ModelData, Pair, PostsBand

__all__ = ["MilpModel", "Terms"]

Terms = list[tuple[pulp.LpVariable, float]]
#: A row as the builder added it: (coefficient by variable, sense, right-hand side).
Row = tuple[dict[pulp.LpVariable, float], int, float]


@dataclass
class MilpModel:
    """A built model: the PuLP problem plus the index of its variables.

    The rules' rows are kept as plain coefficients (:meth:`add_row`) and handed
    to PuLP only when :attr:`lp` is read (the CBC path, an analysis adding rows):
    HiGHS takes them as arrays straight from :meth:`row_terms`, and building a
    PuLP constraint per row took about a third of the build (benchmarks/analyses.md).

    Attributes
    ----------
    data : ModelData
        The builder's view of territory and scenario.
    problem : pulp.LpProblem
        The PuLP problem holding the variables; its rows and objective are
        brought up to date by :attr:`lp`.
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
        incoming posts still filled (whole agents: ``⌈(1 − r)^k P⌉``, exact
        through the bands).
    band, bands : dict
        Per (service, pooled mode, start year, band index): the binary choosing
        the band of incoming posts (:func:`mutusim.model.data.posts_bands`); per
        (service, pooled mode, start year): the bands themselves, whose ``lost[k]``
        counts the agents gone ``k`` years after the start.
    aux : dict
        Auxiliary continuous variables a rule adds, by name (e.g. the members'
        total billing weight in a shared unit, :func:`mutusim.model.rules.no_worse_off`).
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
    problem: pulp.LpProblem
    z: dict[tuple[str, int], pulp.LpVariable] = field(default_factory=dict)
    x: dict[tuple[str, str, str, int], pulp.LpVariable] = field(default_factory=dict)
    y: dict[tuple[str, str, int], pulp.LpVariable] = field(default_factory=dict)
    n: dict[tuple[str, str, int], pulp.LpVariable] = field(default_factory=dict)
    need: dict[tuple[str, str, int], pulp.LpVariable] = field(default_factory=dict)
    abolished: dict[tuple[str, str, int], pulp.LpVariable] = field(default_factory=dict)
    positive: dict[tuple[str, str, int], pulp.LpVariable] = field(default_factory=dict)
    posts: dict[tuple[str, str, int, int], pulp.LpVariable] = field(default_factory=dict)
    kept: dict[tuple[str, str, int, int], pulp.LpVariable] = field(default_factory=dict)
    band: dict[tuple[str, str, int, int], pulp.LpVariable] = field(default_factory=dict)
    bands: dict[tuple[str, str, int], tuple[PostsBand, ...]] = field(default_factory=dict)
    aux: dict[str, pulp.LpVariable] = field(default_factory=dict)
    allowed: dict[Pair, tuple[str, ...]] = field(default_factory=dict)
    excluded: dict[tuple[str, str, str], Reason] = field(default_factory=dict)
    rows: dict[str, list[str]] = field(default_factory=dict)
    violated_rows: list[tuple[str, str]] = field(default_factory=list)
    objective_terms: Terms = field(default_factory=list)
    build_seconds: float = 0.0
    _rows: dict[str, Row] = field(default_factory=dict, repr=False)
    _synced_ids: set[int] = field(default_factory=set, repr=False)  # rules' rows in PuLP
    _synced_objective: bool = field(default=False, repr=False)

    @property
    def lp(self) -> pulp.LpProblem:
        """The PuLP problem with every row and the objective added so far.

        Rows may also be added to it directly (``model.lp += ...``): they come
        after the rules' rows.
        """
        if len(self._rows) > len(self._synced_ids):
            rows = list(self._rows.items())[len(self._synced_ids) :]
            for name, (coefs, sense, rhs) in rows:
                expr = pulp.LpAffineExpression(list(coefs.items()))
                con = pulp.LpConstraint(expr, sense, name, rhs)
                self.problem.addConstraint(con)
                self._synced_ids.add(id(con))
        if not self._synced_objective:
            self.problem.setObjective(pulp.LpAffineExpression(self.objective_terms))
            self._synced_objective = True
        return self.problem

    @lp.setter
    def lp(self, problem: pulp.LpProblem) -> None:
        # ``model.lp += constraint`` reads the property, adds in place and sets it back
        if problem is not self.problem:
            raise ValueError("MilpModel.lp is the model's own problem: add rows to it")

    def set_objective(self, terms: Terms) -> None:
        """Set the objective, ``sum(terms)`` to minimise.

        Parameters
        ----------
        terms : list of (LpVariable, float)
        """
        self.objective_terms = terms
        self._synced_objective = False

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
        coefs: dict[pulp.LpVariable, float] = dict(terms)
        if len(coefs) < len(terms):  # a variable repeated: sum its coefficients
            coefs = {}
            for var, a in terms:
                coefs[var] = coefs.get(var, 0.0) + a
        if not coefs:
            # nothing to decide: the row holds or the scenario is infeasible before any
            # solve (solvers may silently drop empty rows)
            holds = {pulp.LpConstraintEQ: rhs == 0, pulp.LpConstraintLE: rhs >= 0}
            if not holds.get(sense, rhs <= 0):
                self.violated_rows.append((rule, name))
            return
        if name in self._rows:
            raise pulp.PulpError(f"overlapping constraint names: {name}")
        self._rows[name] = (coefs, sense, rhs)
        self.rows.setdefault(rule, []).append(name)

    def row_terms(self) -> Iterator[tuple[str, Row]]:
        """Every row, in the order added: its name, coefficients, sense and right-hand side.

        Yields
        ------
        tuple of (str, Row)
            The rules' rows, then the rows added to :attr:`lp` directly.
        """
        yield from self._rows.items()
        for con in self.problem.constraints():
            if id(con) not in self._synced_ids:
                yield con.name, (dict(con.items()), con.sense, -float(con.constant))

    def row(self, name: str) -> Row | None:
        """The rule row named ``name``, or None.

        Parameters
        ----------
        name : str

        Returns
        -------
        Row or None
        """
        return self._rows.get(name)

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
            *self.band.values(),
            *self.aux.values(),
        ]

    @property
    def num_variables(self) -> int:
        """Number of variables."""
        return len(self.columns)

    @property
    def num_constraints(self) -> int:
        """Number of constraints."""
        return len(self._rows) + self.problem.numConstraints() - len(self._synced_ids)
