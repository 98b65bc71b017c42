"""The cost model: what any mode costs for any pair, as plain functions.

Written once, directly from the formulas of ``docs/model.md`` (section
"Objective" and "Money"). The independent checker (:mod:`mutusim.model.check`),
the budgets, the roadmap and the Shapley games price plans with these
functions; the MILP builder (:mod:`mutusim.model`) computes its coefficients
with its own code, and ``tests/model/test_objective_oracle.py`` checks that the
two agree on random plans.

Notation (one service *s*, one commune *c*, a pooled mode *p* ∈ {share, transfer}):

* ``transition(s,c,p) = transition_cost_per_member + transition_cost_per_fte · fte[s,c]``
  when the pair's arrangement today differs from *p*, else 0 [EUR, one-off];
* ``member(s,c,p) = cost_per_unit · units[s,c] + overhead_per_member
  + transition(s,c,p) / transition_years`` [EUR/year];
* a pooled unit with members *M* employs ``steps(Σ units) · fte_step`` FTE, with
  ``steps(u) = ⌈u / (units_per_fte · fte_step)⌉`` (fractional when
  ``indivisible_staffing`` is off), and costs ``fixed_cost + cost_per_fte ·
  fte + Σ_M member(s,c,p)`` [EUR/year];
* a kept pair costs ``cost[s,c]`` [EUR/year].
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from mutusim.core.scenario import Scenario
from mutusim.core.schema import MODE_PARAMS
from mutusim.core.territory import Territory

__all__ = [
    "CostData",
    "PairData",
    "PoolParams",
    "billing_weight",
    "clect_charge",
    "fte_moved",
    "member_cost",
    "pair_level",
    "staff_steps",
    "transfer_balance",
    "transition_cost",
    "unit_cost",
]

Pair = tuple[str, str]  # (service, commune)


@dataclass(frozen=True)
class PairData:
    """Baseline of one (service, commune) pair (one row of baseline.csv).

    Attributes
    ----------
    fte : float
        Staff today [FTE].
    cost : float
        Annual cost today [EUR/year].
    units : float
        Work volume [units/year].
    level : float
        Service level today [0-100].
    equipment_charge : float
        Annualised equipment cost the CLECT adds on transfer [EUR/year].
    arrangement : str
        Current arrangement (keep, share, transfer).
    """

    fte: float
    cost: float
    units: float
    level: float
    equipment_charge: float
    arrangement: str


@dataclass(frozen=True)
class PoolParams:
    """Parameters of a pooled unit (one row of modes.csv); see :data:`MODE_PARAMS`.

    Attributes
    ----------
    fixed_cost : float
        [EUR/year]
    min_members : int
        [communes]
    units_per_fte : float
        [units/FTE/year]
    cost_per_fte : float
        [EUR/FTE/year]
    fte_step : float
        [FTE]
    cost_per_unit : float
        [EUR/unit]
    overhead_per_member : float
        [EUR/year/commune]
    transition_cost_per_member : float
        [EUR/commune]
    transition_cost_per_fte : float
        [EUR/FTE]
    level : float
        [0-100]
    """

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
        """Units of work one staffing step handles per year [units/year]."""
        return self.units_per_fte * self.fte_step


#: Columns of baseline.csv read into :class:`PairData` (by name), in field order.
_PAIR_COLUMNS = ("fte", "cost", "units", "level", "equipment_charge", "arrangement")
#: Columns of modes.csv read into :class:`PoolParams` (by name).
_POOL_COLUMNS = tuple(c.name for c in MODE_PARAMS.columns if c.name not in MODE_PARAMS.key)


@dataclass(frozen=True)
class CostData:
    """Plain-Python view of a territory and the scenario options that price a plan.

    Attributes
    ----------
    services, communes : tuple of str
        Codes, in the territory's order.
    pairs : mapping
        (service, commune) -> :class:`PairData`.
    pools : mapping
        (service, mode) -> :class:`PoolParams` for the pooled modes the data offer.
    population : mapping
        Commune -> population [inhabitants].
    transition_years : float
        Years over which one-off transition costs are spread in the annual cost.
    billing_keys : mapping
        Service -> key of a shared unit's bills (units, population, fte).
    integral : bool
        Pooled staff in whole steps (rule ``indivisible_staffing`` on).
    """

    services: tuple[str, ...]
    communes: tuple[str, ...]
    pairs: Mapping[Pair, PairData]
    pools: Mapping[tuple[str, str], PoolParams]
    population: Mapping[str, int]
    transition_years: float
    billing_keys: Mapping[str, str]
    integral: bool

    @classmethod
    def from_inputs(cls, territory: Territory, scenario: Scenario) -> CostData:
        """Read the baseline and pooled-unit parameters, by column name.

        Parameters
        ----------
        territory : Territory
            Validated input tables.
        scenario : Scenario
            Options: ``transition_years``, ``billing_keys``, and whether
            ``indivisible_staffing`` is on.

        Returns
        -------
        CostData
        """
        b = territory.baseline
        numbers = b[list(_PAIR_COLUMNS[:-1])].to_numpy(dtype=float).tolist()
        pairs = {
            (str(s), str(c)): PairData(
                fte=v[0],
                cost=v[1],
                units=v[2],
                level=v[3],
                equipment_charge=v[4],
                arrangement=str(a),
            )
            for (s, c), v, a in zip(b.index, numbers, b["arrangement"].tolist(), strict=True)
        }
        m = territory.modes
        records = m[list(_POOL_COLUMNS)].to_dict(orient="records")
        pools = {}
        for (s, mode), rec in zip(m.index, records, strict=True):
            values = {k: float(v) for k, v in rec.items()}
            values["min_members"] = int(rec["min_members"])
            pools[(str(s), str(mode))] = PoolParams(**values)  # type: ignore[arg-type]
        population = {
            str(c): int(p)
            for c, p in zip(
                territory.communes.index, territory.communes["population"], strict=True
            )
        }
        return cls(
            services=tuple(str(s) for s in territory.services.index),
            communes=tuple(str(c) for c in territory.communes.index),
            pairs=pairs,
            pools=pools,
            population=population,
            transition_years=float(scenario.transition_years),
            billing_keys=dict(scenario.billing_keys),
            integral="indivisible_staffing" not in scenario.disabled_rules,
        )


# ------------------------------------------------------------------ formulas
def transition_cost(pair: PairData, pool: PoolParams | None, mode: str) -> float:
    """One-off cost [EUR] of moving a pair to ``mode`` (DOMAIN.md §3, §6.8).

    ``transition_cost_per_member + transition_cost_per_fte · fte`` for a pooled
    mode the pair does not have today; 0 for ``keep`` or an unchanged pair.

    Parameters
    ----------
    pair : PairData
        The pair's baseline.
    pool : PoolParams or None
        The pooled unit of ``mode`` (ignored for keep).
    mode : str
        keep, share or transfer.

    Returns
    -------
    float
        [EUR]

    Examples
    --------
    >>> pair = PairData(2.0, 90_000.0, 1200.0, 60.0, 0.0, "keep")
    >>> pool = PoolParams(10_000.0, 2, 1000.0, 42_000.0, 0.5, 0.0, 1_000.0, 3_000.0, 500.0, 75.0)
    >>> transition_cost(pair, pool, "share")
    4000.0
    """
    if mode == "keep" or pair.arrangement == mode or pool is None:
        return 0.0
    return pool.transition_cost_per_member + pool.transition_cost_per_fte * pair.fte


def member_cost(pair: PairData, pool: PoolParams, mode: str, transition_years: float) -> float:
    """Annual cost [EUR/year] a member brings to a pooled unit (docs/model.md, Objective).

    ``cost_per_unit · units + overhead_per_member + transition / transition_years``.

    Parameters
    ----------
    pair : PairData
        The member's baseline.
    pool : PoolParams
        The unit's parameters.
    mode : str
        share or transfer.
    transition_years : float
        Years over which the one-off transition cost is spread [years].

    Returns
    -------
    float
        [EUR/year]
    """
    one_off = transition_cost(pair, pool, mode)
    return pool.cost_per_unit * pair.units + pool.overhead_per_member + one_off / transition_years


def staff_steps(units: float, units_per_step: float, integral: bool = True) -> float:
    """Staffing steps a pooled unit needs for ``units`` of work: ⌈units / units_per_step⌉.

    Parameters
    ----------
    units : float
        Work volume [units/year].
    units_per_step : float
        Work one step handles [units/year].
    integral : bool
        Whole steps (default); fractional when ``indivisible_staffing`` is off.

    Returns
    -------
    float
        [steps]

    Examples
    --------
    >>> staff_steps(1650.0, 500.0), staff_steps(1500.0, 500.0), staff_steps(0.0, 500.0)
    (4.0, 3.0, 0.0)
    """
    need = units / units_per_step
    if not integral:
        return need
    # Tolerance so that 3.0000000001 steps (float noise) stays 3.
    return float(math.ceil(need - 1e-9)) if need > 0 else 0.0


def unit_cost(
    pool: PoolParams, members: list[tuple[PairData, float]], integral: bool
) -> tuple[float, float, float]:
    """Annual cost of a pooled unit: (common cost, staff [FTE], total) [EUR/year].

    ``common = fixed_cost + cost_per_fte · fte_step · steps(Σ units)``;
    ``total = common + Σ member costs``.

    Parameters
    ----------
    pool : PoolParams
        The unit's parameters.
    members : list of (PairData, float)
        Each member's baseline and its :func:`member_cost` [EUR/year].
    integral : bool
        Whole staffing steps.

    Returns
    -------
    tuple of float
        Common cost [EUR/year], staff [FTE], total cost [EUR/year].
    """
    units = sum(p.units for p, _ in members)
    fte = staff_steps(units, pool.units_per_step, integral) * pool.fte_step
    common = pool.fixed_cost + pool.cost_per_fte * fte
    return common, fte, common + sum(m for _, m in members)


def billing_weight(key: str, pair: PairData, population: int) -> float:
    """Weight of a member when a shared unit bills its common cost (DOMAIN.md §2.4).

    Parameters
    ----------
    key : str
        ``units`` (unit cost × units of work, D5211-16), ``population`` or ``fte``.
    pair : PairData
        The member's baseline.
    population : int
        The member's population [inhabitants].

    Returns
    -------
    float
        [units/year, inhabitants or FTE]
    """
    if key == "population":
        return float(population)
    if key == "fte":
        return pair.fte
    return pair.units


def clect_charge(pair: PairData) -> float:
    """Cut of the attribution de compensation on transfer [EUR/year] (CGI 1609 nonies C, DOMAIN §2.1).

    Historic operating cost plus equipment at annualised cost.

    Parameters
    ----------
    pair : PairData
        The transferring commune's baseline.

    Returns
    -------
    float
        [EUR/year]
    """
    return pair.cost + pair.equipment_charge


def transfer_balance(pair: PairData) -> float:
    """Change of a commune's budget when it transfers the service [EUR/year].

    The CLECT cut minus the cost it no longer bears: the equipment charge its
    budget never bore (DOMAIN.md §2.1 pitfalls, §6.4).

    Parameters
    ----------
    pair : PairData
        The commune's baseline.

    Returns
    -------
    float
        [EUR/year], positive = the commune pays more.
    """
    return clect_charge(pair) - pair.cost


def pair_level(pair: PairData, pool: PoolParams | None, mode: str) -> float:
    """Service level [0-100] of a pair under ``mode`` (the pooled unit's, or today's when kept).

    Parameters
    ----------
    pair : PairData
        The pair's baseline.
    pool : PoolParams or None
        The unit of ``mode`` (ignored for keep).
    mode : str
        keep, share or transfer.

    Returns
    -------
    float
        [0-100]
    """
    return pair.level if mode == "keep" or pool is None else pool.level


def fte_moved(pair: PairData, mode: str) -> float:
    """FTE whose arrangement changes when the pair takes ``mode`` [FTE].

    Parameters
    ----------
    pair : PairData
        The pair's baseline.
    mode : str
        keep, share or transfer.

    Returns
    -------
    float
        [FTE]
    """
    return 0.0 if mode == pair.arrangement else pair.fte
