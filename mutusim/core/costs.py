"""The cost model: what any mode costs for any pair, year by year, as plain functions.

Written once, directly from the formulas of ``docs/model.md`` (sections
"Costs" and "Staff"). The independent checker (:mod:`mutusim.model.check`),
the roadmap, the budgets and the Shapley games price plans with these
functions; the MILP builder (:mod:`mutusim.model`) computes its coefficients
with its own code, and ``tests/model/test_objective_oracle.py`` checks that the
two agree on random plans and start years.

Notation (one service *s*, one party *i* — a commune or the EPCI —, a pooled
mode *p* ∈ {share, transfer}):

* a kept pair costs ``cost[s,i]`` [EUR/year];
* ``member(s,i,p) = cost_per_unit · units[s,i] + overhead_per_member`` [EUR/year];
* ``transition(s,i,p) = transition_cost_per_member + transition_cost_per_fte · fte[s,i]``
  when the pair's arrangement today differs from *p*, else 0 [EUR, once, in the
  start year];
* a pooled unit with members *M* needs ``target = fte_step · ⌈Σ units / (units_per_fte
  · fte_step)⌉`` FTE (fractional steps when ``indivisible_staffing`` is off). Its
  members bring their *posts* (agents wholly in the service, moved by law) and
  their *partial shares* ``Q`` (agents working only partly in it, made available
  and kept on their payroll: never saved). ``k`` years after the unit changes,
  it employs ``E(k) = max(target − Q, R(k) + OLD · (1 − r)^k)`` posts, where
  ``R(k) = ⌈P · (1 − r)^k⌉`` are the incoming posts still there (they leave as
  whole agents, at the departure rate *r*), and ``OLD`` the staff of an existing
  unit; it costs ``fixed_cost + Σ_M member + cost_per_fte · (E(k) + Q)`` [EUR/year].
  Under ``abolition`` the surplus posts ``A = P + OLD − max(target − Q, 0)`` are
  abolished at once and cost ``cost_per_fte · A · surnombre(k)``.
* in the long run (``steady``), ``E = max(target − Q, 0)``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from mutusim.core.scenario import Scenario
from mutusim.core.schema import EPCI_PARTY, MODE_PARAMS
from mutusim.core.territory import Territory
from mutusim.errors import NotFoundError, ScenarioError

__all__ = [
    "FMPE_PAY_CUT",
    "FMPE_YEARS",
    "SURNOMBRE_FACTORS",
    "SURNOMBRE_TAIL",
    "CostData",
    "PairData",
    "PoolParams",
    "billing_weight",
    "clect_charge",
    "discount_factor",
    "fte_moved",
    "member_cost",
    "pair_level",
    "remaining_posts",
    "staff_steps",
    "steady_staff",
    "surnombre_factor",
    "transfer_balance",
    "transfer_charge",
    "transition_cost",
    "unit_staff",
]

Pair = tuple[str, str]  # (service, party)


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
    posts : float
        FTE held by agents wholly in the service: a whole number of posts [FTE].
    """

    fte: float
    cost: float
    units: float
    level: float
    equipment_charge: float
    arrangement: str
    posts: float = 0.0

    @property
    def partial(self) -> float:
        """FTE of agents who work only partly in the service (made available) [FTE]."""
        return max(0.0, self.fte - self.posts)


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
    host : str
        Employer of the unit's staff: ``EPCI`` or a commune's INSEE code.
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
    host: str = "EPCI"

    @property
    def units_per_step(self) -> float:
        """Units of work one staffing step handles per year [units/year]."""
        return self.units_per_fte * self.fte_step


#: Columns of baseline.csv read into :class:`PairData` (by name), in field order.
_PAIR_COLUMNS = ("fte", "cost", "units", "level", "equipment_charge", "fte_posts", "arrangement")
#: Columns of modes.csv read into :class:`PoolParams` (by name).
_POOL_COLUMNS = tuple(c.name for c in MODE_PARAMS.columns if c.name not in MODE_PARAMS.key)


@dataclass(frozen=True)
class CostData:
    """Plain-Python view of a territory and the scenario options that price a plan.

    Attributes
    ----------
    services, communes : tuple of str
        Codes, in the territory's order (communes: the member communes).
    parties : tuple of str
        Who takes part in pooled units: the communes, then ``EPCI`` when the
        baseline has rows for the EPCI's own services.
    pairs : mapping
        (service, party) -> :class:`PairData`.
    pools : mapping
        (service, mode) -> :class:`PoolParams` for the pooled modes the data offer.
    population : mapping
        Party -> population [inhabitants] (0 for the EPCI, which has none of its own).
    billing_keys : mapping
        Service -> key of a shared unit's bills (units, population, fte).
    integral : bool
        Pooled staff in whole steps (rule ``indivisible_staffing`` on).
    fiscalite : str
        The EPCI's fiscal regime, ``FPU`` or ``FA`` (DOMAIN.md §1.1, §2.1).
    fa_neutralisation : bool
        Under FA, communes lower their rates by the cost they no longer bear.
    """

    services: tuple[str, ...]
    communes: tuple[str, ...]
    parties: tuple[str, ...]
    pairs: Mapping[Pair, PairData]
    pools: Mapping[tuple[str, str], PoolParams]
    population: Mapping[str, int]
    billing_keys: Mapping[str, str]
    integral: bool
    fiscalite: str = "FPU"
    fa_neutralisation: bool = True

    @classmethod
    def from_inputs(cls, territory: Territory, scenario: Scenario) -> CostData:
        """Read the baseline and pooled-unit parameters, by column name.

        Parameters
        ----------
        territory : Territory
            Validated input tables.
        scenario : Scenario
            Options: ``billing_keys``, ``hosts``, and whether
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
                posts=v[5],
            )
            for (s, c), v, a in zip(b.index, numbers, b["arrangement"].tolist(), strict=True)
        }
        m = territory.modes
        records = m[list(_POOL_COLUMNS)].to_dict(orient="records")
        hosts = dict(scenario.hosts)
        outside = {
            s: h for s, h in hosts.items() if h != EPCI_PARTY and h not in territory.communes.index
        }
        if outside:
            s, h = next(iter(sorted(outside.items())))
            raise NotFoundError(
                f"hosts[{s}]: '{h}' is not a commune of {territory.name}; write EPCI or the "
                "INSEE code of a member commune (territory.communes.index)"
            )
        fiscalite = str(territory.epci.get("fiscalite", "FPU"))
        on_ac = sorted(s for s, k in scenario.billing_keys.items() if k == "ac")
        if on_ac and fiscalite != "FPU":
            raise ScenarioError(
                f"billing_keys[{on_ac[0]}]: 'ac' charges a service commun on the attribution "
                f"de compensation, which exists only under FPU (CGI 1609 nonies C); "
                f"{territory.name} is under {fiscalite}: use units, population or fte"
            )
        pools = {}
        for (s, mode), rec in zip(m.index, records, strict=True):
            values: dict[str, Any] = {k: float(v) for k, v in rec.items() if k != "host"}
            values["min_members"] = int(rec["min_members"])
            values["host"] = str(rec["host"])
            if mode == "share" and str(s) in hosts:
                values["host"] = str(hosts[str(s)])
            pools[(str(s), str(mode))] = PoolParams(**values)
        population = {
            str(c): int(p)
            for c, p in zip(
                territory.communes.index, territory.communes["population"], strict=True
            )
        }
        communes = tuple(str(c) for c in territory.communes.index)
        has_epci = any(c == EPCI_PARTY for _s, c in pairs)
        if has_epci:
            population[EPCI_PARTY] = 0
        return cls(
            services=tuple(str(s) for s in territory.services.index),
            communes=communes,
            parties=communes + ((EPCI_PARTY,) if has_epci else ()),
            pairs=pairs,
            pools=pools,
            population=population,
            billing_keys=dict(scenario.billing_keys),
            integral="indivisible_staffing" not in scenario.disabled_rules,
            fiscalite=fiscalite,
            fa_neutralisation=bool(scenario.fa_neutralisation),
        )

    def restrict(self, service: str) -> CostData:
        """The same data for one service, as read from ``territory.subset(services=[service])``.

        Every commune stays; the EPCI is a party only if it has a row for ``service``.
        Much faster than cutting the territory and reading it again (a sub-model per
        service, :mod:`mutusim.model.phased`); ``tests/core/test_costs.py`` checks that
        both give equal data.

        Parameters
        ----------
        service : str
            A service code of :attr:`services`.

        Returns
        -------
        CostData

        Raises
        ------
        NotFoundError
            ``service`` is not one of :attr:`services`.
        """
        if service not in self.services:
            raise NotFoundError(
                f"restrict(): unknown service '{service}'; use one of {self.services}"
            )
        pairs = {k: v for k, v in self.pairs.items() if k[0] == service}
        has_epci = any(c == EPCI_PARTY for _s, c in pairs)
        population = {c: p for c, p in self.population.items() if c != EPCI_PARTY}
        if has_epci:
            population[EPCI_PARTY] = 0
        return replace(
            self,
            services=(service,),
            parties=self.communes + ((EPCI_PARTY,) if has_epci else ()),
            pairs=pairs,
            pools={k: v for k, v in self.pools.items() if k[0] == service},
            population=population,
            billing_keys=dict(self.billing_keys),
        )

    def transfer_charge(self, pair: PairData) -> float:
        """What a commune bears each year for a service it has transferred [EUR/year].

        :func:`transfer_charge` under this EPCI's fiscal regime.
        """
        return transfer_charge(pair, self.fiscalite, self.fa_neutralisation)

    def transfer_balance(self, pair: PairData) -> float:
        """Change of a commune's budget when it transfers the service [EUR/year].

        :func:`transfer_balance` under this EPCI's fiscal regime.
        """
        return transfer_balance(pair, self.fiscalite, self.fa_neutralisation)

    def members(self, service: str) -> list[str]:
        """Parties with a baseline row for ``service``, communes first."""
        return [c for c in self.parties if (service, c) in self.pairs]


# ------------------------------------------------------------------ formulas
#: Multipliers of the agent's pay owed by the former employer, by year since abolition
#: (DOMAIN.md §3 [V 67, 68]; loi 84-53 art. 97 bis): 1 year en surnombre on full pay,
#: then, the agent being *momentanément privé d'emploi*, a contribution of 1.5x the pay
#: for 2 years, 1x the third year, then 0.75x.
SURNOMBRE_FACTORS: tuple[float, ...] = (1.0, 1.5, 1.5, 1.0)
SURNOMBRE_TAIL = 0.75
#: Yearly cut of a fonctionnaire momentanément privé d'emploi's pay, as a share of the
#: pay at abolition (loi 2019-828 art. 78, DOMAIN.md §3 [V 67, 69]) [1/year] ...
FMPE_PAY_CUT = 0.10
#: ... and the years of that pay, after which it stops (and the contribution with it).
FMPE_YEARS = 10


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
    >>> pair = PairData(2.0, 90_000.0, 1200.0, 60.0, 0.0, "keep", posts=2.0)
    >>> pool = PoolParams(10_000.0, 2, 1000.0, 42_000.0, 0.5, 0.0, 1_000.0, 3_000.0, 500.0, 75.0)
    >>> transition_cost(pair, pool, "share")
    4000.0
    """
    if mode == "keep" or pair.arrangement == mode or pool is None:
        return 0.0
    return pool.transition_cost_per_member + pool.transition_cost_per_fte * pair.fte


def member_cost(pair: PairData, pool: PoolParams) -> float:
    """Annual cost [EUR/year] a member brings to a pooled unit: ``cost_per_unit · units + overhead``.

    Parameters
    ----------
    pair : PairData
        The member's baseline.
    pool : PoolParams
        The unit's parameters.

    Returns
    -------
    float
        [EUR/year]
    """
    return pool.cost_per_unit * pair.units + pool.overhead_per_member


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


def remaining_posts(posts: float, rate: float, k: int) -> float:
    """Incoming posts still filled k years after the change: ⌈posts · (1 − rate)^k⌉ [FTE].

    Agents leave as whole agents: a post is cut only once the expected departures
    reach a whole agent (DOMAIN.md §3: no redundancy for fonctionnaires; savings come
    from posts not replaced).

    Parameters
    ----------
    posts : float
        Posts moved into the unit (a whole number) [FTE].
    rate : float
        Departure rate [1/year].
    k : int
        Years since the change (0 = its first year).

    Returns
    -------
    float
        [FTE]

    Examples
    --------
    >>> [remaining_posts(12, 0.032, k) for k in (0, 1, 6)], remaining_posts(1, 0.032, 6)
    ([12.0, 12.0, 10.0], 1.0)
    """
    if posts <= 0:
        return 0.0
    return float(math.ceil(posts * (1.0 - rate) ** k - 1e-9))


def unit_staff(
    target: float,
    partial: float,
    posts: float,
    old: float,
    rate: float,
    k: int,
    reduction: str = "attrition",
) -> tuple[float, float]:
    """Posts a pooled unit employs k years after it changes, and posts abolished [FTE].

    ``attrition``: ``E(k) = max(target − Q, ⌈P (1 − r)^k⌉ + OLD (1 − r)^k)``;
    ``abolition``: ``E = max(target − Q, 0)`` at once, the surplus
    ``P + OLD − E`` abolished. Either way a unit short of staff hires at once.

    Parameters
    ----------
    target : float
        Staff the workload needs [FTE].
    partial : float
        Shares of agents made available by members (Q), counted toward the need [FTE].
    posts : float
        Posts moving in (P, a whole number) [FTE].
    old : float
        Posts of an existing unit carried over (OLD) [FTE].
    rate : float
        Departure rate [1/year].
    k : int
        Years since the change.
    reduction : str
        ``attrition`` or ``abolition``.

    Returns
    -------
    tuple of float
        Posts employed [FTE], posts abolished at the change [FTE] (0 under attrition).
    """
    floor = max(0.0, target - partial)
    if reduction == "abolition":
        return floor, max(0.0, posts + old - floor)
    carried = remaining_posts(posts, rate, k) + old * (1.0 - rate) ** k
    return max(floor, carried), 0.0


def steady_staff(target: float, partial: float) -> float:
    """Posts a pooled unit employs in the long run: ``max(target − Q, 0)`` [FTE].

    Parameters
    ----------
    target : float
        Staff the workload needs [FTE].
    partial : float
        Shares of agents made available by members [FTE].

    Returns
    -------
    float
        [FTE]
    """
    return max(0.0, target - partial)


def surnombre_factor(k: int) -> float:
    """Cost of an abolished post in year k after abolition, as a multiple of its yearly cost.

    Year 0: *en surnombre*, full pay (1.0). Years 1 to 10: the agent is
    *momentanément privé d'emploi*; the former employer's contribution is
    1.5x the agent's pay in years 1-2, 1x in year 3, 0.75x from year 4
    (DOMAIN.md §3 [V 67, 68]), and that pay falls by 10 % of its initial
    amount each year and stops after 10 years (loi 2019-828 art. 78, DOMAIN.md
    §3 [V 67, 69]): year k pays ``1 − 0.1·(k − 1)`` of it, nothing from year 11.
    The contribution is taken on the pay actually received (its base in loi
    84-53 art. 97 bis); reading the cut as linear, so that the pay reaches
    zero with the tenth year, is this model's reading of "réduite de 10 %
    chaque année".

    Parameters
    ----------
    k : int
        Years since the post was abolished [years] (negative: before, 0).

    Returns
    -------
    float
        Multiple of the post's yearly cost [-].

    Examples
    --------
    >>> [round(surnombre_factor(k), 4) for k in range(13)]
    [1.0, 1.5, 1.35, 0.8, 0.525, 0.45, 0.375, 0.3, 0.225, 0.15, 0.075, 0.0, 0.0]
    """
    if k < 0 or k > FMPE_YEARS:
        return 0.0
    multiple = SURNOMBRE_FACTORS[k] if k < len(SURNOMBRE_FACTORS) else SURNOMBRE_TAIL
    pay = 1.0 if k == 0 else 1.0 - FMPE_PAY_CUT * (k - 1)
    return multiple * pay


def discount_factor(year: int, first_year: int, rate: float) -> float:
    """``1 / (1 + rate)^(year − first_year)``: the weight of a year's money in the NPV.

    Parameters
    ----------
    year : int
        The year.
    first_year : int
        The horizon's first year (weight 1).
    rate : float
        Discount rate [1/year].

    Returns
    -------
    float
        [-]
    """
    return 1.0 / (1.0 + rate) ** (year - first_year)


def billing_weight(key: str, pair: PairData, population: int) -> float:
    """Weight of a member when a shared unit bills its common cost (DOMAIN.md §2.4).

    Parameters
    ----------
    key : str
        ``units`` (unit cost × units of work: the method D5211-16 sets for mises
        à disposition, which service commun conventions often copy, DOMAIN.md
        §2.4), ``population``, ``fte``, or ``ac`` (units of work, the bill
        charged on the attribution de compensation).
    pair : PairData
        The member's baseline.
    population : int
        The member's population [inhabitants] (0 for the EPCI).

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


def transfer_charge(pair: PairData, fiscalite: str = "FPU", neutralisation: bool = True) -> float:
    """What a commune bears each year for a service it has transferred [EUR/year].

    - **FPU** (fiscalité professionnelle unique): its attribution de
      compensation is cut by the CLECT valuation, historic cost plus equipment
      at annualised cost (CGI 1609 nonies C IV-V, DOMAIN.md §2.1):
      :func:`clect_charge`.
    - **FA** (fiscalité additionnelle): there is no attribution de
      compensation and no CLECT (DOMAIN.md §1.1); the EPCI finances the
      service through its additional tax rates. With fiscal neutralisation
      the commune lowers its own rates by the cost it no longer bears: it
      gives up that revenue (``pair.cost``). Without, it keeps its rates and
      bears nothing.

    Parameters
    ----------
    pair : PairData
        The transferring commune's baseline.
    fiscalite : str
        ``FPU`` or ``FA``.
    neutralisation : bool
        Under FA, whether the commune lowers its rates (ignored under FPU).

    Returns
    -------
    float
        [EUR/year]

    Examples
    --------
    >>> p = PairData(1.0, 50_000.0, 100.0, 50.0, 2_000.0, "keep")
    >>> transfer_charge(p, "FPU"), transfer_charge(p, "FA"), transfer_charge(p, "FA", False)
    (52000.0, 50000.0, 0.0)
    """
    if fiscalite == "FA":
        return pair.cost if neutralisation else 0.0
    return clect_charge(pair)


def transfer_balance(pair: PairData, fiscalite: str = "FPU", neutralisation: bool = True) -> float:
    """Change of a commune's budget when it transfers the service [EUR/year].

    What it bears after the transfer (:func:`transfer_charge`) minus the cost
    it no longer bears. Under FPU, the equipment charge its budget never bore
    (DOMAIN.md §2.1 pitfalls, §6.4); under FA with neutralisation, nothing;
    under FA without, minus the cost (its budget gains it, the EPCI's
    taxpayers pay).

    Parameters
    ----------
    pair : PairData
        The commune's baseline.
    fiscalite : str
        ``FPU`` or ``FA``.
    neutralisation : bool
        Under FA, whether the commune lowers its rates.

    Returns
    -------
    float
        [EUR/year], positive = the commune pays more.
    """
    return transfer_charge(pair, fiscalite, neutralisation) - pair.cost


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
