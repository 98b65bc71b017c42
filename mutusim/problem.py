"""Model build: from a territory and a scenario to a PuLP MILP.

The pipeline is ``build_problem`` (this module) → :func:`mutusim.solve.solve`
→ :func:`mutusim.check.check_plan` → :class:`mutusim.result.Result`, run by
:func:`mutusim.optimise`.

Formulation (annual steady-state cost, EUR/year)
------------------------------------------------
For each service *s*, commune *c* and mode *m* a binary ``x[s,c,m]``; for
each service and pooled mode *p* (share, transfer) a binary ``y[s,p]``
(the pooled unit is opened) and an integer ``n[s,p]`` (its staff, in steps
of ``fte_step``). Minimise::

    sum keep cost[s,c] x[s,c,keep]
  + sum_p fixed[s,p] y[s,p] + cost_per_fte[s,p] fte_step[s,p] n[s,p]
  + sum_p (cost_per_unit units[s,c] + overhead[s,p]
           + transition[s,c,p] / transition_years) x[s,c,p]

The rules (each a named function of :mod:`mutusim.rules`) add the
constraints. Modes a rule excludes are not created as variables at all; the
reason is recorded in ``Problem.excluded`` so that an infeasible scenario can
be explained in domain terms.

Expressions are built once from lists of ``(variable, coefficient)`` pairs
(PULP-NOTES.md: 9x faster per row than ``lpSum`` of products) and variables
through ``LpProblem.add_variable``.
"""

from __future__ import annotations

import gc
import math
import time
from dataclasses import dataclass, field

import pulp

from mutusim.scenario import Scenario
from mutusim.schema import MODE_PARAMS, MODES, POOL_MODES
from mutusim.territory import Territory

#: Columns of modes.csv that parametrise a pooled unit, in PoolParams order.
POOL_PARAMETERS = [c.name for c in MODE_PARAMS.columns if c.name not in MODE_PARAMS.key]

Pair = tuple[str, str]  # (service, commune)

#: Why a council votes as it does, in French (the committee reads it).
_STANCE_FR = {
    "for": "position connue : pour",
    "against": "position connue : contre",
    "undecided": "sans position : le silence vaut accord",
}


@dataclass(frozen=True)
class PoolParams:
    """Parameters of a pooled unit (one row of modes.csv), as floats."""

    fixed_cost: float
    min_members: int
    units_per_fte: float
    cost_per_fte: float
    fte_step: float
    cost_per_unit: float
    overhead_per_member: float
    transition_cost_per_member: float
    transition_cost_per_fte: float
    level: float

    @property
    def units_per_step(self) -> float:
        """Units of work one staffing step handles per year."""
        return self.units_per_fte * self.fte_step


@dataclass(frozen=True)
class PairData:
    """Baseline of one (service, commune) pair, as floats."""

    fte: float
    cost: float
    units: float
    level: float
    equipment_charge: float
    arrangement: str


@dataclass
class ModelData:
    """Plain-Python view of a territory and scenario, shared by model and checker."""

    territory: Territory
    scenario: Scenario
    services: list[str]
    communes: list[str]
    pairs: dict[Pair, PairData]
    pools: dict[tuple[str, str], PoolParams]
    population: dict[str, int] = field(default_factory=dict)
    #: services whose competence is mandatory for the EPCI's nature (DOMAIN.md §1.1)
    mandatory: frozenset[str] = frozenset()
    #: services that are transferable competences
    transferable: frozenset[str] = frozenset()
    _majority: dict = field(default_factory=dict, repr=False)

    @classmethod
    def from_inputs(cls, territory: Territory, scenario: Scenario) -> ModelData:
        b = territory.baseline
        cols = ["fte", "cost", "units", "level", "equipment_charge"]
        values = b[cols].to_numpy(dtype=float).tolist()
        arrangements = b["arrangement"].tolist()
        pairs = {
            (str(s), str(c)): PairData(*v, arrangement=str(a))
            for (s, c), v, a in zip(b.index, values, arrangements, strict=True)
        }
        m = territory.modes
        pcols = POOL_PARAMETERS
        pools = {}
        for (s, mode), row in zip(m.index, m[pcols].to_numpy(dtype=float).tolist(), strict=True):
            row[1] = int(row[1])
            pools[(str(s), str(mode))] = PoolParams(*row)
        population = dict(
            zip(
                territory.communes.index,
                territory.communes["population"].astype(int).tolist(),
                strict=True,
            )
        )
        return cls(
            territory=territory,
            scenario=scenario,
            services=[str(s) for s in territory.services.index],
            communes=[str(c) for c in territory.communes.index],
            pairs=pairs,
            pools=pools,
            population=population,
            mandatory=frozenset(s for s in territory.services.index if territory.is_mandatory(s)),
            transferable=frozenset(
                s for s, v in territory.services["transferable"].items() if bool(v)
            ),
        )

    # ---------------------------------------------------------------- costs
    def transition_cost(self, s: str, c: str, mode: str) -> float:
        """One-off cost [EUR] of moving pair (s, c) to pooled ``mode`` (DOMAIN.md §3, §6.8).

        Zero when the pair already has that arrangement, or for ``keep``.
        """
        pd_ = self.pairs[(s, c)]
        if mode == "keep" or pd_.arrangement == mode:
            return 0.0
        p = self.pools[(s, mode)]
        return p.transition_cost_per_member + p.transition_cost_per_fte * pd_.fte

    def member_cost(self, s: str, c: str, mode: str) -> float:
        """Annual cost [EUR/year] that depends on commune c joining pool ``mode`` of s."""
        p = self.pools[(s, mode)]
        pd_ = self.pairs[(s, c)]
        return (
            p.cost_per_unit * pd_.units
            + p.overhead_per_member
            + self.transition_cost(s, c, mode) / self.scenario.transition_years
        )

    # ---------------------------------------------------------- money and law
    def billing_weight(self, s: str, c: str) -> float:
        """Weight of commune c when a shared unit of s bills its common costs (DOMAIN.md §2.4).

        ``units`` (default): unit cost x units of work (D5211-16, DOMAIN.md §1.2);
        ``population``; or ``fte`` (the commune's FTE in the service today).
        """
        key = self.scenario.billing_keys.get(s, "units")
        if key == "population":
            return float(self.population[c])
        if key == "fte":
            return self.pairs[(s, c)].fte
        return self.pairs[(s, c)].units

    def clect_charge(self, s: str, c: str) -> float:
        """Cut of the attribution de compensation when c transfers s [EUR/year].

        CLECT valuation (CGI 1609 nonies C, DOMAIN.md §2.1): operating cost at
        historic cost plus equipment at annualised cost.
        """
        pd_ = self.pairs[(s, c)]
        return pd_.cost + pd_.equipment_charge

    def transfer_balance(self, s: str, c: str) -> float:
        """Change of commune c's budget if it transfers s [EUR/year]: AC cut minus cost avoided.

        Neutral in year one when the commune already bore its equipment; the
        equipment charge otherwise (DOMAIN.md §2.1 pitfalls, §6.4).
        """
        return self.clect_charge(s, c) - self.pairs[(s, c)].cost

    def vote(self, s: str, c: str) -> tuple[bool, str]:
        """Whether commune c's council votes for transferring s, and why.

        A stance given in the scenario decides (undecided = yes: silence is
        approval after 3 months, L5211-17, DOMAIN.md §1.1); otherwise the
        council votes yes unless its budget worsens by more than
        ``vote_tolerance`` (DOMAIN.md §6.2).
        """
        stance = self.scenario.stance(s, c)
        if stance is not None:
            return stance != "against", _STANCE_FR[stance]
        delta = self.transfer_balance(s, c)
        money = f"{delta:+,.0f}".replace(",", "\u202f")
        return (
            delta <= self.scenario.vote_tolerance + 1e-9,
            f"effet sur le budget communal : {money} €/an",
        )

    def majority(self, s: str) -> Majority:
        """Qualified majority of municipal councils for transferring s (cached)."""
        if s not in self._majority:
            yes = {c: self.vote(s, c)[0] for c in self.communes}
            self._majority[s] = qualified_majority(yes, self.population)
        return self._majority[s]

    def level(self, s: str, c: str, mode: str) -> float:
        """Service level [0-100] of pair (s, c) under ``mode``."""
        return self.pairs[(s, c)].level if mode == "keep" else self.pools[(s, mode)].level

    def min_level(self, s: str) -> float:
        sc = self.scenario
        return float(sc.min_level_by_service.get(s, sc.min_level))

    def fte_moved(self, s: str, c: str, mode: str) -> float:
        """FTE [FTE] whose arrangement changes when pair (s, c) takes ``mode``."""
        pd_ = self.pairs[(s, c)]
        return 0.0 if mode == pd_.arrangement else pd_.fte

    def staff_steps(self, s: str, p: str, units: float, integral: bool = True) -> float:
        """Staffing steps a pooled unit needs for ``units`` of work (ceil if integral)."""
        need = units / self.pools[(s, p)].units_per_step
        if not integral:
            return need
        # Tolerance so that 3.0000000001 steps (float noise) stays 3.
        return float(math.ceil(need - 1e-9)) if need > 0 else 0.0


@dataclass(frozen=True)
class Majority:
    """Outcome of a qualified-majority vote (L5211-5 II, DOMAIN.md §1.1 and §6.2)."""

    councils: int
    yes: int
    population: int
    yes_population: int
    #: >= 2/3 of councils representing > 1/2 of the population
    branch_two_thirds: bool
    #: >= 1/2 of councils representing > 2/3 of the population
    branch_half: bool
    #: the most populous commune (the first by INSEE code if several are tied)
    largest: str
    #: the most populous commune holds > 1/4 of the population: its yes (every tied one's) is required
    veto_applies: bool
    largest_yes: bool

    @property
    def holds(self) -> bool:
        return (self.branch_two_thirds or self.branch_half) and (
            self.largest_yes or not self.veto_applies
        )


def qualified_majority(yes: dict[str, bool], population: dict[str, int]) -> Majority:
    """Check the qualified majority of L5211-5 II on a table of votes.

    At least 2/3 of the councils representing more than half of the
    population, or at least half of the councils representing more than 2/3
    of it; and, in a CC, CA, CU or Métropole, the most populous commune when
    it holds more than a quarter of the population. Exact integer arithmetic.

    Examples
    --------
    >>> m = qualified_majority({"a": True, "b": True, "c": False}, {"a": 10, "b": 10, "c": 100})
    >>> m.branch_two_thirds, m.veto_applies, m.holds
    (False, True, False)
    """
    n = len(yes)
    n_yes = sum(1 for v in yes.values() if v)
    pop = sum(population[c] for c in yes)
    pop_yes = sum(population[c] for c, v in yes.items() if v)
    # A tie for the most populous commune: each tied commune is "the most populous",
    # so each one's agreement is required (independent of INSEE codes).
    top = max(population[c] for c in yes)
    tied = sorted(c for c in yes if population[c] == top)
    largest = tied[0]
    return Majority(
        councils=n,
        yes=n_yes,
        population=pop,
        yes_population=pop_yes,
        branch_two_thirds=3 * n_yes >= 2 * n and 2 * pop_yes > pop,
        branch_half=2 * n_yes >= n and 3 * pop_yes > 2 * pop,
        largest=largest,
        veto_applies=4 * top > pop,
        largest_yes=all(yes[c] for c in tied),
    )


@dataclass
class Problem:
    """A built model: the PuLP problem plus the index of its variables."""

    data: ModelData
    lp: pulp.LpProblem
    x: dict[tuple[str, str, str], pulp.LpVariable] = field(default_factory=dict)
    y: dict[tuple[str, str], pulp.LpVariable] = field(default_factory=dict)
    n: dict[tuple[str, str], pulp.LpVariable] = field(default_factory=dict)
    #: modes allowed per pair after the filtering rules
    allowed: dict[Pair, tuple[str, ...]] = field(default_factory=dict)
    #: (service, commune, mode) -> (rule, reason) that excluded the mode
    excluded: dict[tuple[str, str, str], tuple[str, str]] = field(default_factory=dict)
    #: rule name -> names of the constraints it added
    rows: dict[str, list[str]] = field(default_factory=dict)
    #: objective as (variable, coefficient) terms and its constant
    objective_terms: list[tuple[pulp.LpVariable, float]] = field(default_factory=list)
    build_seconds: float = 0.0

    @property
    def scenario(self) -> Scenario:
        return self.data.scenario

    @property
    def territory(self) -> Territory:
        return self.data.territory

    def add_row(
        self,
        rule: str,
        name: str,
        terms: list[tuple[pulp.LpVariable, float]],
        sense: int,
        rhs: float,
    ) -> None:
        """Add one constraint ``sum(terms) <sense> rhs`` recorded under ``rule``.

        Repeated variables in ``terms`` are summed (PuLP's constructor would keep
        only the last coefficient).
        """
        coefs: dict[pulp.LpVariable, float] = {}
        for var, a in terms:
            coefs[var] = coefs.get(var, 0.0) + a
        expr = pulp.LpAffineExpression(list(coefs.items()))
        self.lp.addConstraint(pulp.LpConstraint(expr, sense, name, rhs))
        self.rows.setdefault(rule, []).append(name)

    def infeasible_pairs(self) -> list[Pair]:
        """Pairs left with no allowed mode (the scenario is infeasible before any solve)."""
        return [pair for pair, modes in self.allowed.items() if not modes]

    @property
    def num_variables(self) -> int:
        return len(self.x) + len(self.y) + len(self.n)

    @property
    def num_constraints(self) -> int:
        return len(self.lp.constraints)


def base_modes(data: ModelData, s: str) -> tuple[str, ...]:
    """Modes that exist for service s in the territory's data (before any rule)."""
    out = ["keep"]
    if (s, "share") in data.pools:
        out.append("share")
    if (s, "transfer") in data.pools and s in data.transferable:
        out.append("transfer")
    return tuple(out)


def build_problem(territory: Territory, scenario: Scenario) -> Problem:
    """Build the MILP of ``scenario`` on ``territory`` (no solve).

    Returns
    -------
    Problem
        With ``build_seconds`` set. If some pair has no allowed mode,
        the problem is returned without variables; see
        :meth:`Problem.infeasible_pairs`.
    """
    from mutusim import rules

    t0 = time.perf_counter()
    gc_was_enabled = gc.isenabled()
    gc.disable()  # PULP-NOTES.md: -22 % build time; many small objects, no cycles.
    try:
        data = ModelData.from_inputs(territory, scenario)
        prob = Problem(
            data=data, lp=pulp.LpProblem(f"mutusim_{_safe(scenario.name)}", pulp.LpMinimize)
        )
        _filter_modes(prob)
        if not prob.infeasible_pairs():
            _add_variables(prob)
            _set_objective(prob)
            for rule in rules.CONSTRAINT_RULES:
                rule(prob)
    finally:
        if gc_was_enabled:
            gc.enable()
    prob.build_seconds = time.perf_counter() - t0
    return prob


def _safe(text: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in text)


def _filter_modes(prob: Problem) -> None:
    from mutusim import rules

    data = prob.data
    for s in data.services:
        modes0 = base_modes(data, s)
        for c in data.communes:
            allowed = list(modes0)
            for m in MODES:
                if m not in modes0:
                    label = (
                        "transferable = false"
                        if m == "transfer"
                        else f"pas de ligne « {m} » dans modes.csv"
                    )
                    prob.excluded[(s, c, m)] = ("data", f"mode indisponible ({label})")
            for rule in rules.FILTER_RULES:
                for m in list(allowed):
                    why = rule(data, s, c, m)
                    if why is not None:
                        allowed.remove(m)
                        prob.excluded[(s, c, m)] = (rule.__name__.removeprefix("filter_"), why)
            prob.allowed[(s, c)] = tuple(allowed)


def _add_variables(prob: Problem) -> None:
    data = prob.data
    lp = prob.lp
    integral = data.scenario.rule_on("indivisible_staffing")
    used_pools = {(s, m) for (s, _c), modes in prob.allowed.items() for m in modes if m != "keep"}
    for s in data.services:
        for p in POOL_MODES:
            if (s, p) not in used_pools:
                continue
            prob.y[(s, p)] = lp.add_variable(f"open__{s}__{p}", 0, 1, cat="Binary")
            total = sum(
                data.pairs[(s, c)].units for c in data.communes if p in prob.allowed[(s, c)]
            )
            ub = data.staff_steps(s, p, total, integral=True)
            prob.n[(s, p)] = lp.add_variable(
                f"staff__{s}__{p}", 0, ub, cat="Integer" if integral else "Continuous"
            )
    for (s, c), modes in prob.allowed.items():
        for m in modes:
            prob.x[(s, c, m)] = lp.add_variable(f"x__{s}__{c}__{m}", 0, 1, cat="Binary")


def _set_objective(prob: Problem) -> None:
    data = prob.data
    terms: list[tuple[pulp.LpVariable, float]] = []
    for (s, c, m), var in prob.x.items():
        coef = data.pairs[(s, c)].cost if m == "keep" else data.member_cost(s, c, m)
        if coef:
            terms.append((var, coef))
    for (s, p), var in prob.y.items():
        terms.append((var, data.pools[(s, p)].fixed_cost))
    for (s, p), var in prob.n.items():
        pp = data.pools[(s, p)]
        terms.append((var, pp.cost_per_fte * pp.fte_step))
    prob.objective_terms = terms
    prob.lp.setObjective(pulp.LpAffineExpression(terms))


def objective_expression(prob: Problem) -> pulp.LpAffineExpression:
    """The annual cost as an expression (used by the cost cap)."""
    return pulp.LpAffineExpression(prob.objective_terms)
