"""The plan year by year: what each year costs, what starts when, the staff of each employer.

Given a plan (the final mode of each pair) and the year each changed service
starts (changes take effect on 1 January), :func:`price_schedule` prices
every year of the horizon with the functions of :mod:`mutusim.core.costs`,
and returns a :class:`Schedule`: the roadmap the committee reads, the
staff of each pooled unit and of each employer, the net present value and
the steady state after the horizon. The optimiser chooses the plan and its
start years together (:mod:`mutusim.model`); the independent checker prices
its answer here, and this is what every output shows.

Model (docs/model.md, "Years")
------------------------------
Service *s* costs ``SQ_s`` each year before its start year ``t_s`` (today's
arrangements, existing units at their steady staff), then, ``k = u − t_s``
years after it::

    C_s(u) = Σ_kept cost + Σ_units [fixed + Σ_members member
             + cost_per_fte · (E(k) + Q) + cost_per_fte · A · surnombre(k)]
             + [k = 0] · Σ_changing transition

with ``E(k)``, ``Q`` and ``A`` of :func:`mutusim.core.costs.unit_staff`.
``savings(u) = Σ_s SQ_s − Σ_s C_s(u)`` and ``NPV = Σ_u savings(u) / (1 + d)^(u − start_year)``.
The steady state is the long-run cost of the plan (posts at ``max(target − Q, 0)``,
no transition, no abolition cost).

CIF upside (``scenario.cif_upside``; DOMAIN.md §2.2, §6.6): a newly
transferred service lowers the attribution de compensation by the CLECT
charges of its communes; the CIF rises by that over the taxes levied on the
territory (EPCI, communes and syndicates: ``tax_receipts``), capped so that
the CIF stays ≤ 0.6, and the dotation d'intercommunalité rises by
``population · dgf_per_inhabitant_per_cif · ΔCIF`` a year from ``t_s + 2``.
An uncertain upside: in its own columns and ``npv_with_cif``, never in the NPV.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from mutusim.core.costs import (
    CostData,
    PoolParams,
    clect_charge,
    discount_factor,
    fte_moved,
    member_cost,
    staff_steps,
    steady_staff,
    surnombre_factor,
    transition_cost,
    unit_staff,
)
from mutusim.core.evaluate import PlanEvaluation, evaluate_plan, status_quo
from mutusim.core.scenario import Scenario
from mutusim.core.schema import EPCI_PARTY, MODES
from mutusim.core.status import Status
from mutusim.errors import PlanError

__all__ = [
    "CIF_CAP",
    "CIF_LAG",
    "EMPLOYER_COLUMNS",
    "ROADMAP_COLUMNS",
    "Schedule",
    "full_plan",
    "price_schedule",
]

#: CIF cap of the 2019 DGF reform (DOMAIN.md §2.2 [V 56-58]).
CIF_CAP = 0.6
#: Lag between a transfer and its effect on the dotation [years] (AC changes reach the CIF at N+2).
CIF_LAG = 2
#: Tolerance on money [EUR].
MONEY_TOL = 1e-6

ROADMAP_COLUMNS = [
    "year",
    "services_starting",
    "n_starting",
    "fte_moved",
    "transition_cost",
    "posts_not_replaced",
    "posts_abolished",
    "abolition_cost",
    "cost_status_quo",
    "cost_plan",
    "savings",
    "cumulative_savings",
    "discounted_savings",
]
EMPLOYER_COLUMNS = [
    "year",
    "employer",
    "posts_transferred_in",
    "posts_transferred_out",
    "fte_made_available",
    "posts_not_replaced",
    "posts_abolished",
]
_STAFF_COLUMNS = [
    "service",
    "mode",
    "host",
    "year",
    "k",
    "staff",
    "partial",
    "posts_not_replaced",
    "posts_abolished",
    "surplus_left",
    "abolition_cost",
]
_POOL_COLUMNS = [
    "service",
    "mode",
    "host",
    "start_year",
    "posts_in",
    "old_staff",
    "partial",
    "target",
    "steady_staff",
    "hired",
    "absorbed_year",
    "absorbed",
]
_START_COLUMNS = [
    "service",
    "start_year",
    "npv_contribution",
    "npv_if_first_year",
    "best_npv",
    "best_year",
    "transition_cost",
    "fte_moved",
    "steady_savings",
    "reason",
    "full_limits",
]


@dataclass
class Schedule:
    """The plan year by year over the horizon (PRODUCT.md M3, M5), as plain data.

    Attributes
    ----------
    roadmap : DataFrame
        One row per year (:data:`ROADMAP_COLUMNS`): services starting (codes),
        FTE moved [FTE], one-off transition costs paid that year [EUR], posts
        not replaced (departures) and abolished [FTE], abolition cost [EUR],
        the costs with and without the plan, savings, cumulative and
        discounted savings [EUR/year]; ``dgf_upside`` and
        ``discounted_dgf_upside`` [EUR/year] with the CIF upside.
    starts : DataFrame
        One row per service that changes within the horizon: ``start_year``,
        ``npv_contribution`` [EUR], ``npv_if_first_year`` and ``best_npv`` (the
        NPV of the same change started in the first possible year and in its
        best year, limits aside) with ``best_year``, ``transition_cost`` [EUR],
        ``fte_moved`` [FTE], ``steady_savings`` [EUR/year], ``reason`` (why it
        starts after the first possible year: ``capacity_full`` with
        ``full_limits``, ``later_start_better``, ``given``, ``not_proven``) and,
        with the CIF upside, ``delta_ac`` [EUR/year], ``delta_cif`` [-],
        ``dgf_per_year`` [EUR/year].
    staff : DataFrame
        One row per pooled unit of a started service and year from its start:
        posts employed (``staff``), partial shares made available
        (``partial``), posts not replaced and abolished, surplus left [FTE],
        abolition cost [EUR].
    pools : DataFrame
        One row per pooled unit of a started service: posts moving in, staff of
        the existing unit carried over, partial shares, target and steady staff,
        posts hired [FTE], the year the surplus is absorbed (``absorbed_year``,
        NA after the horizon) and a label (``absorbed``).
    employers : DataFrame
        One row per year and employer (``EPCI`` or a commune's INSEE code,
        :data:`EMPLOYER_COLUMNS`): posts transferred in and out, FTE made
        available, posts not replaced, posts abolished [FTE].
    npv_by_start : DataFrame
        NPV of each started service's change for each possible start year [EUR].
    npv : float
        NPV of the savings over the horizon [EUR].
    npv_with_cif : float or None
        The same plus the discounted CIF upside, when asked for.
    steady_cost, steady_savings : float
        Annual cost of the plan in the long run (every started change in force,
        posts at their steady staff) and its savings against today [EUR/year].
    baseline_cost : float
        Annual cost of today's arrangements [EUR/year].
    discounted_baseline : float
        Today's annual cost summed over the horizon, discounted [EUR]; with
        :attr:`discounted_cost` it compares plans priced against different
        baselines (a rule that changes how today's units are costed).
    status : Status
        ``optimal``/``feasible`` (chosen by the solver), ``given`` (start years
        given by the caller), ``error`` (``check_errors``).
    """

    roadmap: pd.DataFrame
    starts: pd.DataFrame
    staff: pd.DataFrame
    pools: pd.DataFrame
    employers: pd.DataFrame
    npv_by_start: pd.DataFrame
    npv: float
    npv_with_cif: float | None
    steady_cost: float
    steady_savings: float
    baseline_cost: float
    status: Status
    discounted_baseline: float = 0.0
    solver_status: str = ""
    seconds: float = 0.0
    check_errors: list[str] = field(default_factory=list)

    @property
    def start_years(self) -> dict[str, int | None]:
        """Start year of each service that changes within the horizon."""
        return {
            str(s): (None if pd.isna(y) else int(y))
            for s, y in zip(self.starts["service"], self.starts["start_year"], strict=True)
        }

    @property
    def discounted_cost(self) -> float:
        """The plan's yearly costs summed over the horizon, discounted [EUR]."""
        return self.discounted_baseline - self.npv

    @property
    def total_savings(self) -> float:
        """Savings summed over the horizon, undiscounted [EUR]."""
        return float(self.roadmap["savings"].sum()) if len(self.roadmap) else 0.0

    def summary(self) -> dict[str, Any]:
        """Headline figures: NPV [EUR], savings of the last year and steady [EUR/year], starts."""
        last = float(self.roadmap["savings"].iloc[-1]) if len(self.roadmap) else 0.0
        return {
            "status": str(self.status),
            "npv": self.npv,
            "npv_with_cif": self.npv_with_cif,
            "savings_last_year": last,
            "cumulative_savings": self.total_savings,
            "steady_savings": self.steady_savings,
            "starts": self.start_years,
        }


def full_plan(
    costs: CostData, plan: Mapping[tuple[str, str], str] | pd.DataFrame
) -> dict[tuple[str, str], str]:
    """Every pair's mode: the plan's, or today's arrangement for pairs it leaves out.

    Parameters
    ----------
    costs : CostData
        The territory's pairs and pools.
    plan : mapping or DataFrame
        (service, party) -> mode, or a table with ``service``, ``commune``, ``mode``.

    Returns
    -------
    dict

    Raises
    ------
    PlanError
        Unknown pairs or modes, or a mode the data do not offer.
    """
    if isinstance(plan, pd.DataFrame):
        missing = [c for c in ("service", "commune", "mode") if c not in plan.columns]
        if missing:
            raise PlanError(f"plan table lacks column(s) {missing}; give service, commune, mode")
        rows = plan[["service", "commune", "mode"]].itertuples(index=False)
        plan = {(str(s), str(c)): str(m) for s, c, m in rows}
    unknown = [p for p in plan if p not in costs.pairs]
    if unknown:
        raise PlanError(
            f"plan: unknown (service, commune) pair(s) {unknown[:3]}; see the territory's baseline"
        )
    bad = [(p, m) for p, m in plan.items() if m not in MODES]
    if bad:
        raise PlanError(f"plan: invalid mode(s) {bad[:3]}; use {list(MODES)}")
    full = {pair: p.arrangement for pair, p in costs.pairs.items()}
    full.update(plan)
    for (s, _c), m in full.items():
        if m != "keep" and (s, m) not in costs.pools:
            raise PlanError(f"plan: {s} takes '{m}' but modes.csv has no '{m}' row for it")
    return full


@dataclass(frozen=True)
class _Unit:
    service: str
    mode: str
    pool: PoolParams
    members: tuple[str, ...]
    variable: float
    target: float
    partial: float
    posts: float
    old: float
    posts_by_member: tuple[tuple[str, float], ...]
    partial_by_member: tuple[tuple[str, float], ...]

    def staff(self, k: int, rate: float, reduction: str) -> tuple[float, float]:
        return unit_staff(self.target, self.partial, self.posts, self.old, rate, k, reduction)

    def cost(self, k: int, rate: float, reduction: str) -> float:
        employed, abolished = self.staff(k, rate, reduction)
        cpf = self.pool.cost_per_fte
        return (
            self.pool.fixed_cost
            + self.variable
            + cpf * (employed + self.partial)
            + cpf * abolished * surnombre_factor(k)
        )

    @property
    def steady_cost(self) -> float:
        staff = steady_staff(self.target, self.partial)
        return (
            self.pool.fixed_cost + self.variable + self.pool.cost_per_fte * (staff + self.partial)
        )


@dataclass(frozen=True)
class _Change:
    service: str
    sq_cost: float
    keep_cost: float
    units: tuple[_Unit, ...]
    one_off: float
    fte_moved: float
    delta_ac: float

    def cost(self, k: int, rate: float, reduction: str) -> float:
        return (
            self.keep_cost
            + sum(u.cost(k, rate, reduction) for u in self.units)
            + (self.one_off if k == 0 else 0.0)
        )

    @property
    def steady_cost(self) -> float:
        return self.keep_cost + sum(u.steady_cost for u in self.units)


def _old_staff(costs: CostData, s: str, p: str) -> dict[str, float]:
    """Each existing member's share of today's unit's steady posts (the staff carried over)."""
    members = [c for c in costs.members(s) if costs.pairs[(s, c)].arrangement == p]
    if not members:
        return {}
    pool = costs.pools[(s, p)]
    units = sum(costs.pairs[(s, c)].units for c in members)
    target = staff_steps(units, pool.units_per_step, costs.integral) * pool.fte_step
    partial = sum(costs.pairs[(s, c)].partial for c in members)
    posts = steady_staff(target, partial)
    if units > 0:
        return {c: posts * costs.pairs[(s, c)].units / units for c in members}
    return {c: posts / len(members) for c in members}


def _changes(
    costs: CostData, full: Mapping[tuple[str, str], str], sq: PlanEvaluation
) -> list[_Change]:
    """One :class:`_Change` per service whose plan differs from today, in data order."""
    out = []
    for s in costs.services:
        members = costs.members(s)
        moving = [
            (c, full[(s, c)]) for c in members if full[(s, c)] != costs.pairs[(s, c)].arrangement
        ]
        if not moving:
            continue
        keep = sum(costs.pairs[(s, c)].cost for c in members if full[(s, c)] == "keep")
        units = []
        for p in ("share", "transfer"):
            cs = tuple(c for c in members if full[(s, c)] == p)
            if not cs:
                continue
            pool = costs.pools[(s, p)]
            old = _old_staff(costs, s, p)
            arriving = [c for c in cs if costs.pairs[(s, c)].arrangement != p]
            work = sum(costs.pairs[(s, c)].units for c in cs)
            units.append(
                _Unit(
                    service=s,
                    mode=p,
                    pool=pool,
                    members=cs,
                    variable=sum(member_cost(costs.pairs[(s, c)], pool) for c in cs),
                    target=staff_steps(work, pool.units_per_step, costs.integral) * pool.fte_step,
                    partial=sum(costs.pairs[(s, c)].partial for c in cs),
                    posts=sum(costs.pairs[(s, c)].posts for c in arriving),
                    old=sum(old.get(c, 0.0) for c in cs),
                    posts_by_member=tuple((c, costs.pairs[(s, c)].posts) for c in arriving),
                    partial_by_member=tuple((c, costs.pairs[(s, c)].partial) for c in arriving),
                )
            )
        out.append(
            _Change(
                service=s,
                sq_cost=float(sq.service_costs[s]),
                keep_cost=keep,
                units=tuple(units),
                one_off=sum(
                    transition_cost(costs.pairs[(s, c)], costs.pools.get((s, m)), m)
                    for c, m in moving
                ),
                fte_moved=sum(fte_moved(costs.pairs[(s, c)], m) for c, m in moving),
                delta_ac=sum(
                    clect_charge(costs.pairs[(s, c)])
                    for c, m in moving
                    if m == "transfer" and c != EPCI_PARTY
                ),
            )
        )
    return out


def price_schedule(
    costs: CostData,
    scenario: Scenario,
    plan: Mapping[tuple[str, str], str] | pd.DataFrame,
    starts: Mapping[str, int | None],
    status: Status = Status.GIVEN,
) -> Schedule:
    """Price a plan year by year, each changed service starting on 1 January of its year.

    Parameters
    ----------
    costs : CostData
        Baseline and pooled-unit records.
    scenario : Scenario
        Horizon, first effective year, departures, staff reduction, discount
        rate, limits (checked: breaches go to ``check_errors``), CIF upside.
    plan : mapping or DataFrame
        Final mode of each (service, party) pair; pairs left out keep today's
        arrangement.
    starts : mapping
        Service -> the year its changes take effect, or None: a changed
        service left out, or with None, does not start within the horizon and
        keeps today's arrangements.
    status : Status
        What chose the start years (``given`` when the caller did).

    Returns
    -------
    Schedule

    Raises
    ------
    PlanError
        A malformed plan, a start year for a service that does not change, or
        a start year outside ``scenario.start_years``.
    """
    sc = scenario
    full = full_plan(costs, plan)
    sq = evaluate_plan(costs, status_quo(costs))
    changes = _changes(costs, full, sq)
    names = {ch.service for ch in changes}
    bad = sorted(set(starts) - names)
    if bad:
        raise PlanError(
            f"starts: {bad} do not change in the plan; changed services: {sorted(names)}"
        )
    allowed = sc.start_years
    for s, y in starts.items():
        if y is not None and y not in allowed:
            raise PlanError(
                f"starts: {s} starts in {y}; changes take effect on 1 January of "
                f"{allowed[0]}-{allowed[-1]} (after the adoption year, within the horizon)"
            )
    given = {ch.service: starts.get(ch.service) for ch in changes}
    started = [ch for ch in changes if given[ch.service] is not None]
    rate, reduction = sc.departure_rate, sc.staff_reduction
    years = sc.years
    y0 = years[0]
    base = float(sq.total_cost)

    def npv_from(ch: _Change, t: int) -> float:
        return sum(
            (ch.sq_cost - ch.cost(u - t, rate, reduction))
            * discount_factor(u, y0, sc.discount_rate)
            for u in years
            if u >= t
        )

    npv = {ch.service: [npv_from(ch, t) for t in allowed] for ch in started}

    dcif, dgf_rate = _cif(costs, sc, started, given)
    rows, staff_rows = [], []
    employer: dict[tuple[int, str], dict[str, float]] = {}
    cumulative = npv_total = npv_cif = 0.0
    for u in years:
        starting = [ch for ch in started if given[ch.service] == u]
        plan_cost = base
        not_replaced = abolished_total = abolition_cost = 0.0
        for ch in started:
            t = given[ch.service]
            assert t is not None
            if u < t:
                continue
            k = u - t
            plan_cost += ch.cost(k, rate, reduction) - ch.sq_cost
            for unit in ch.units:
                employed, abolished = unit.staff(k, rate, reduction)
                before = unit.staff(k - 1, rate, reduction)[0] if k > 0 else employed
                gone = max(0.0, before - employed)
                cut = abolished if k == 0 else 0.0
                cost_ab = unit.pool.cost_per_fte * abolished * surnombre_factor(k)
                not_replaced += gone
                abolished_total += cut
                abolition_cost += cost_ab
                host = unit.pool.host
                e = employer.setdefault((u, host), dict.fromkeys(EMPLOYER_COLUMNS[2:], 0.0))
                e["posts_not_replaced"] += gone
                e["posts_abolished"] += cut
                if k == 0:
                    for c, posts in unit.posts_by_member:
                        if c != host and posts:
                            e["posts_transferred_in"] += posts
                            o = employer.setdefault(
                                (u, c), dict.fromkeys(EMPLOYER_COLUMNS[2:], 0.0)
                            )
                            o["posts_transferred_out"] += posts
                    for c, part in unit.partial_by_member:
                        if c != host and part:
                            o = employer.setdefault(
                                (u, c), dict.fromkeys(EMPLOYER_COLUMNS[2:], 0.0)
                            )
                            o["fte_made_available"] += part
                staff_rows.append(
                    {
                        "service": ch.service,
                        "mode": unit.mode,
                        "host": host,
                        "year": u,
                        "k": k,
                        "staff": employed,
                        "partial": unit.partial,
                        "posts_not_replaced": gone,
                        "posts_abolished": cut,
                        "surplus_left": max(
                            0.0, employed - steady_staff(unit.target, unit.partial)
                        ),
                        "abolition_cost": cost_ab,
                    }
                )
        savings = base - plan_cost
        cumulative += savings
        disc = discount_factor(u, y0, sc.discount_rate)
        npv_total += savings * disc
        row: dict[str, Any] = {
            "year": u,
            "services_starting": ", ".join(ch.service for ch in starting),
            "n_starting": len(starting),
            "fte_moved": sum(ch.fte_moved for ch in starting),
            "transition_cost": sum(ch.one_off for ch in starting),
            "posts_not_replaced": not_replaced,
            "posts_abolished": abolished_total,
            "abolition_cost": abolition_cost,
            "cost_status_quo": base,
            "cost_plan": plan_cost,
            "savings": savings,
            "cumulative_savings": cumulative,
            "discounted_savings": savings * disc,
        }
        if sc.cif_upside:
            dgf = sum(r for s, r in dgf_rate.items() if u >= (given[s] or 0) + CIF_LAG)
            row["dgf_upside"] = dgf
            row["discounted_dgf_upside"] = dgf * disc
            npv_cif += dgf * disc
        rows.append(row)

    steady = base + sum(ch.steady_cost - ch.sq_cost for ch in started)
    cap, budget = _limits(sc)
    errors = _check_limits(started, given, cap, budget)
    start_rows = []
    for ch in started:
        s, ts = ch.service, given[ch.service]
        values = npv[s]
        best_j = max(range(len(allowed)), key=lambda j: (values[j], -j))
        reason, limits = _reason(ch, ts, allowed, values, started, given, cap, budget, status)
        r: dict[str, Any] = {
            "service": s,
            "start_year": ts,
            "npv_contribution": values[allowed.index(ts)] if ts is not None else 0.0,
            "npv_if_first_year": values[0],
            "best_npv": values[best_j],
            "best_year": allowed[best_j],
            "transition_cost": ch.one_off,
            "fte_moved": ch.fte_moved,
            "steady_savings": ch.sq_cost - ch.steady_cost,
            "reason": reason,
            "full_limits": limits,
        }
        if sc.cif_upside:
            r["delta_ac"] = ch.delta_ac
            r["delta_cif"] = dcif.get(s, 0.0)
            r["dgf_per_year"] = dgf_rate.get(s, 0.0)
        start_rows.append(r)
    cols = _START_COLUMNS + (["delta_ac", "delta_cif", "dgf_per_year"] if sc.cif_upside else [])
    starts_df = pd.DataFrame(start_rows, columns=cols)
    starts_df["start_year"] = pd.array(starts_df["start_year"].tolist(), dtype="Int64")
    npv_by_start = pd.DataFrame(
        [npv[ch.service] for ch in started],
        index=pd.Index([ch.service for ch in started], name="service"),
        columns=allowed,
        dtype=float,
    )
    road_cols = ROADMAP_COLUMNS + (
        ["dgf_upside", "discounted_dgf_upside"] if sc.cif_upside else []
    )
    employers = pd.DataFrame(
        [{"year": u, "employer": e, **v} for (u, e), v in sorted(employer.items())],
        columns=EMPLOYER_COLUMNS,
    )
    return Schedule(
        roadmap=pd.DataFrame(rows, columns=road_cols),
        starts=starts_df,
        staff=pd.DataFrame(staff_rows, columns=_STAFF_COLUMNS),
        pools=_pools_table(started, given, sc),
        employers=employers,
        npv_by_start=npv_by_start,
        npv=float(npv_total),
        npv_with_cif=float(npv_total + npv_cif) if sc.cif_upside else None,
        steady_cost=float(steady),
        steady_savings=float(base - steady),
        baseline_cost=base,
        discounted_baseline=float(
            base * sum(discount_factor(u, sc.start_year, sc.discount_rate) for u in sc.years)
        ),
        status=status if not errors else Status.ERROR,
        check_errors=errors,
    )


def _pools_table(
    started: list[_Change], given: Mapping[str, int | None], sc: Scenario
) -> pd.DataFrame:
    rate, reduction = sc.departure_rate, sc.staff_reduction
    rows = []
    for ch in started:
        ts = given[ch.service]
        assert ts is not None
        for unit in ch.units:
            floor = steady_staff(unit.target, unit.partial)
            absorbed: int | None = None
            for u in range(ts, sc.end_year + 1):
                if unit.staff(u - ts, rate, reduction)[0] <= floor + 1e-9:
                    absorbed = u
                    break
            rows.append(
                {
                    "service": ch.service,
                    "mode": unit.mode,
                    "host": unit.pool.host,
                    "start_year": ts,
                    "posts_in": unit.posts,
                    "old_staff": unit.old,
                    "partial": unit.partial,
                    "target": unit.target,
                    "steady_staff": floor,
                    "hired": max(0.0, floor - (unit.posts + unit.old)),
                    "absorbed_year": absorbed,
                    "absorbed": "after the horizon" if absorbed is None else str(absorbed),
                }
            )
    out = pd.DataFrame(rows, columns=_POOL_COLUMNS)
    for col in ("start_year", "absorbed_year"):
        out[col] = pd.array(out[col].tolist(), dtype="Int64")
    return out


def _cif(
    costs: CostData, sc: Scenario, started: list[_Change], given: Mapping[str, int | None]
) -> tuple[dict[str, float], dict[str, float]]:
    """CIF rise and yearly dotation upside of each newly transferred service (earliest first)."""
    if not sc.cif_upside:
        return {}, {}
    from mutusim.errors import ScenarioError

    if not sc.tax_receipts or sc.tax_receipts <= 0:
        raise ScenarioError(
            "cif_upside: tax_receipts must be > 0 EUR/year: the CIF's denominator, the taxes "
            "levied by the EPCI, its communes and their syndicates (DOMAIN.md §2.2)"
        )
    headroom = max(0.0, CIF_CAP - float(sc.cif_current or 0.0))
    population = float(sum(costs.population.values()))
    dcif, rate = {}, {}
    order = sorted((given[ch.service] or 0, i, ch) for i, ch in enumerate(started))
    for _y, _i, ch in order:
        raw = ch.delta_ac / float(sc.tax_receipts)
        dcif[ch.service] = min(raw, headroom)
        headroom -= dcif[ch.service]
        rate[ch.service] = (
            population * float(sc.dgf_per_inhabitant_per_cif or 0.0) * dcif[ch.service]
        )
    return dcif, rate


def _limits(sc: Scenario) -> tuple[int | None, float | None]:
    if "phasing_capacity" in sc.disabled_rules:
        return None, None
    return sc.max_changes_per_year, sc.transition_budget


def _check_limits(
    started: list[_Change], given: Mapping[str, int | None], cap: int | None, budget: float | None
) -> list[str]:
    """Re-verify the yearly limits on the start years."""
    errs = []
    per_year: dict[int, list[_Change]] = {}
    for ch in started:
        ts = given[ch.service]
        if ts is not None:
            per_year.setdefault(ts, []).append(ch)
    for y, chs in sorted(per_year.items()):
        if cap is not None and len(chs) > cap:
            errs.append(
                f"phasing_capacity: {len(chs)} services start in {y} > max_changes_per_year {cap}"
            )
        spent = sum(ch.one_off for ch in chs)
        if budget is not None and spent > budget + MONEY_TOL:
            errs.append(
                f"phasing_capacity: transition costs {spent:,.2f} EUR in {y} > "
                f"transition_budget {budget:,.2f}"
            )
    return errs


def _blockers(
    ch: _Change,
    t: int,
    started: list[_Change],
    given: Mapping[str, int | None],
    cap: int | None,
    budget: float | None,
) -> list[str]:
    """Limits that starting ``ch`` in year t (on top of the others) would break."""
    others = [o for o in started if o.service != ch.service and given[o.service] == t]
    out = []
    if cap is not None and len(others) + 1 > cap:
        out.append("max_changes_per_year")
    if budget is not None and sum(o.one_off for o in others) + ch.one_off > budget + MONEY_TOL:
        out.append("transition_budget")
    return out


def _reason(
    ch: _Change,
    ts: int | None,
    years: list[int],
    values: list[float],
    started: list[_Change],
    given: Mapping[str, int | None],
    cap: int | None,
    budget: float | None,
    status: Status,
) -> tuple[str | None, str]:
    """Why a service starts after the first possible year: a code and the limits in the way."""
    if ts is None or ts == years[0]:
        return None, ""
    current = values[years.index(ts)]
    better = [t for t, v in zip(years, values, strict=True) if t < ts and v > current + MONEY_TOL]
    if not better:
        return "later_start_better", ""
    blocked = {t: _blockers(ch, t, started, given, cap, budget) for t in better}
    if all(blocked.values()):
        return "capacity_full", ";".join(sorted({b for bs in blocked.values() for b in bs}))
    if status == Status.GIVEN:
        return "given", ""
    return "not_proven", ""
