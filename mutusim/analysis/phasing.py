"""Multi-year phasing of a plan: staff attrition (M3) and the roadmap over the mandate (M5).

The optimiser (:mod:`mutusim.model`) minimises a *steady-state* annual
cost. This module turns the chosen plan into a roadmap over the horizon
``scenario.start_year .. scenario.end_year`` (the mandate, default
2026-2032): which service changes in which year, how its staff shrinks as
agents leave, what each year costs against today's arrangements, and the net
present value (NPV) of the savings.

Model
-----
The unit of change is a **service**: every pair (s, c) of service *s* whose
mode differs from its current arrangement changes in the same start year
t_s, or not at all within the horizon. Services whose pairs all keep their
arrangement are not scheduled (their cost is the status quo every year).

Yearly cost of a changed service *s* in year *t* (EUR/year), with
k = t - t_s years since its change::

    C_s(t) = SQ_s                                                 if t < t_s
    C_s(t) = K_s + sum_pools [F_p + V_p + w_p * staff_p(k) + A_p(k)]
             + [k = 0] * T_s                                      if t >= t_s

* SQ_s: cost of *s* in today's arrangements (``evaluate_plan`` of the status
  quo);
* K_s: baseline cost of the plan's ``keep`` pairs;
* F_p: fixed cost of pooled unit p; V_p = sum over members of
  ``cost_per_unit * units + overhead_per_member`` (the member cost of
  :func:`mutusim.core.costs.member_cost` without its annualised transition part);
* w_p: ``cost_per_fte`` of the unit; staff_p(k): see below;
* A_p(k): cost of abolished posts (``staff_reduction = "abolition"`` only);
* T_s: one-off transition costs of the changing pairs (pay harmonisation, IT
  convergence, training; DOMAIN.md §3, §6.8), paid once in the start year
  and *not* annualised as the steady-state objective does.

Staff (DOMAIN.md §3, §6.7): civil servants cannot be laid off, so a pooled
unit starts with the staff of its members, F_in = FTE of the members moving
in (``fte_in`` of :func:`mutusim.core.evaluate.evaluate_plan`) + the status-quo FTE of
members already in the same unit, and its target is F* = the unit's staff in
the plan. With attrition rate r::

    staff(k) = max(F*, F_in * (1 - r)^k)          (F_in < F*: hire at once, staff = F*)

so staff never falls faster than departures, staff(k) - staff(k+1) <= r *
staff(k), and the surplus F_in - F* is absorbed after
k* = ceil(ln(F* / F_in) / ln(1 - r)) years (never if r = 0 or F* = 0).
With ``staff_reduction = "abolition"`` the surplus S = F_in - F* is abolished
at k = 0 (staff = F*), and its agents cost, per year, S * w_p times
1.0 (k = 0, *en surnombre*), 1.5 (k = 1, 2), 1.0 (k = 3), then 0.75 (k >= 4):
the contributions of the former employer to the centre de gestion
(DOMAIN.md §3 [V 67, 68]).

Savings and NPV::

    savings(t) = sum_s SQ_s - sum_s C_s(t)
    NPV        = sum_t savings(t) / (1 + d)^(t - start_year)

CIF upside (only when ``scenario.cif_upside``; DOMAIN.md §2.2, §6.6): a
newly transferred service lowers the attribution de compensation by
dAC_s = sum of the CLECT charges of the newly transferring communes, so the
CIF rises by dCIF_s = dAC_s / tax_receipts, capped so that cif_current +
sum dCIF <= 0.6 (earlier starts use the headroom first). The dotation
d'intercommunalité then rises by population * dgf_per_inhabitant_per_cif *
dCIF_s per year from t_s + 2 (AC changes reach the CIF at N+2). This is an
uncertain upside: shown in its own column and in ``npv_with_cif``, never in
the NPV of costs nor in the choice of start years.

Scheduling: choose t_s to maximise the NPV. With NPV_s(t) = sum over u >= t
of (SQ_s - C_s(u)) / (1 + d)^(u - start_year) the NPV is separable, so a
small MILP with binaries z[s,t] solves it::

    max  sum_{s,t} NPV_s(t) z[s,t]
    s.t. sum_t z[s,t] <= 1                          (one start at most)
         sum_s z[s,t] <= max_changes_per_year       (per year t)
         sum_s T_s z[s,t] <= transition_budget      (per year t)

the last two only when set and when the rule ``phasing_capacity`` is on.
Only z with NPV_s(t) > 0 are created (a z with a non-positive coefficient
can be set to 0 in any solution of these packing constraints). A second
pass keeps the NPV at its optimum and minimises the total delay
sum (t - start_year) z[s,t], earlier-listed services first: ties go to the
earliest start, deterministically. HiGHS (highspy) solves both passes; the
status is ``optimal`` only when HiGHS reports ``kOptimal`` for both.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from mutusim.core.costs import CostData, clect_charge, fte_moved, transition_cost
from mutusim.core.evaluate import PlanEvaluation, evaluate_plan, status_quo
from mutusim.core.result import Result
from mutusim.core.scenario import Scenario
from mutusim.core.schema import MODES
from mutusim.core.status import Status
from mutusim.core.territory import Territory
from mutusim.errors import NoPlanError, PlanError, ScenarioError
from mutusim.model.highs import Rows, run_highs

__all__ = [
    "CIF_CAP",
    "CIF_LAG",
    "SURNOMBRE_FACTORS",
    "SURNOMBRE_TAIL",
    "Schedule",
    "evaluate_schedule",
    "roadmap",
    "schedule_plan",
    "staff_path",
    "surnombre_factor",
    "years_to_absorb",
]

#: Multipliers of the surplus posts' cost by year since abolition (DOMAIN.md §3 [V 67, 68]):
#: 1 year en surnombre on full pay, then 1.5x for 2 years, 1x, then 0.75x every year.
SURNOMBRE_FACTORS: tuple[float, ...] = (1.0, 1.5, 1.5, 1.0)
SURNOMBRE_TAIL = 0.75
#: CIF cap of the 2019 DGF reform (DOMAIN.md §2.2 [V 56-58]).
CIF_CAP = 0.6
#: Lag between a transfer and its effect on the dotation [years] (AC changes reach the CIF at N+2).
CIF_LAG = 2
#: Tolerance on FTE [FTE] below which a surplus counts as absorbed.
FTE_TOL = 1e-9
#: Tolerance on money [EUR].
MONEY_TOL = 1e-6

Plan = dict[tuple[str, str], str]


# --------------------------------------------------------------------- staff
def surnombre_factor(k: int) -> float:
    """Cost of an abolished post in year k after abolition, as a multiple of its yearly cost.

    1.0 in year 0 (*en surnombre*, full pay), 1.5 in years 1-2, 1.0 in year
    3, 0.75 from year 4 (DOMAIN.md §3 [V 67, 68]).

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
    >>> [surnombre_factor(k) for k in range(6)]
    [1.0, 1.5, 1.5, 1.0, 0.75, 0.75]
    """
    if k < 0:
        return 0.0
    return SURNOMBRE_FACTORS[k] if k < len(SURNOMBRE_FACTORS) else SURNOMBRE_TAIL


def staff_path(
    fte_in: float, fte_target: float, rate: float, years: int, reduction: str = "attrition"
) -> list[float]:
    """Staff [FTE] of a pooled unit in years k = 0 .. years-1 after its creation.

    ``attrition``: staff(k) = max(F*, F_in (1 - r)^k); departures are not
    replaced until the target is reached, so staff never falls faster than
    r x staff (DOMAIN.md §3, §6.7). ``abolition``: F* from k = 0. Either way a
    unit short of staff (F_in < F*) hires at once.

    Parameters
    ----------
    fte_in : float
        Staff the unit starts with, F_in [FTE].
    fte_target : float
        Staff the unit needs, F* [FTE].
    rate : float
        Departure rate r [1/year].
    years : int
        Number of years to return.
    reduction : str
        ``attrition`` or ``abolition``.

    Returns
    -------
    list of float
        Staff in each year [FTE].

    Examples
    --------
    >>> [round(x, 3) for x in staff_path(2.0, 1.5, 0.1, 4)]
    [2.0, 1.8, 1.62, 1.5]
    """
    out = []
    for k in range(years):
        if reduction == "abolition" or fte_in <= fte_target:
            out.append(float(fte_target))
            continue
        s = fte_in * (1.0 - rate) ** k
        out.append(float(fte_target) if s - fte_target <= FTE_TOL * max(1.0, fte_target) else s)
    return out


def years_to_absorb(fte_in: float, fte_target: float, rate: float) -> float:
    """Years k* after which attrition has absorbed the surplus F_in - F* [years].

    k* = ceil(ln(F* / F_in) / ln(1 - r)); 0 without surplus; ``inf`` when it
    never happens (r = 0, or a target of 0 FTE).

    Parameters
    ----------
    fte_in : float
        Staff the unit starts with, F_in [FTE].
    fte_target : float
        Staff the unit needs, F* [FTE].
    rate : float
        Departure rate r [1/year].

    Returns
    -------
    float
        k* [years], ``inf`` when never.

    Examples
    --------
    >>> years_to_absorb(2.5, 1.5, 0.1)  # 0.9^5 = 0.59 <= 0.6 < 0.9^4
    5
    """
    if fte_in - fte_target <= FTE_TOL * max(1.0, fte_target):
        return 0
    if rate <= 0 or fte_target <= 0:
        return math.inf
    x = math.log(fte_target / fte_in) / math.log(1.0 - rate)
    return max(0, math.ceil(x - 1e-9))


@dataclass(frozen=True)
class _Pool:
    """A pooled unit of the plan, with what its yearly cost needs."""

    service: str
    mode: str
    fixed: float
    variable: float
    cost_per_fte: float
    fte_target: float
    fte_in: float
    rate: float
    reduction: str

    @property
    def surplus(self) -> float:
        return max(0.0, self.fte_in - self.fte_target)

    def staff(self, k: int) -> float:
        return staff_path(self.fte_in, self.fte_target, self.rate, k + 1, self.reduction)[k]

    def abolition_cost(self, k: int) -> float:
        """Cost of the abolished surplus posts in year k [EUR/year] (0 under attrition)."""
        if self.reduction != "abolition":
            return 0.0
        return self.surplus * self.cost_per_fte * surnombre_factor(k)

    def cost(self, k: int) -> float:
        return (
            self.fixed + self.variable + self.cost_per_fte * self.staff(k) + self.abolition_cost(k)
        )


@dataclass(frozen=True)
class _Change:
    """A changed service: its status-quo cost and its plan cost k years after the change."""

    service: str
    sq_cost: float
    keep_cost: float
    pools: tuple[_Pool, ...]
    one_off: float
    fte_moved: float
    delta_ac: float

    def cost(self, k: int) -> float:
        """C_s for k = t - t_s >= 0 [EUR/year]."""
        return (
            self.keep_cost + sum(p.cost(k) for p in self.pools) + (self.one_off if k == 0 else 0.0)
        )

    @property
    def steady_cost(self) -> float:
        """Plan cost once every surplus is absorbed, without one-off costs [EUR/year]."""
        return self.keep_cost + sum(
            p.fixed + p.variable + p.cost_per_fte * p.fte_target for p in self.pools
        )


# ------------------------------------------------------------------- result
@dataclass
class Schedule:
    """A roadmap of a plan over the horizon (PRODUCT.md M3, M5).

    Attributes
    ----------
    roadmap : DataFrame
        One row per year: ``year``, ``services_starting`` (comma-separated
        codes), ``n_starting``, ``fte_moved`` [FTE], ``transition_cost``
        (one-off, paid that year) [EUR], ``fte_absorbed`` (departures not
        replaced) [FTE], ``abolition_cost`` [EUR], ``cost_status_quo``,
        ``cost_plan``, ``savings``, ``cumulative_savings``,
        ``discounted_savings`` [EUR/year]; ``dgf_upside`` and
        ``discounted_dgf_upside`` [EUR/year] when the scenario asks for the
        CIF upside.
    starts : DataFrame
        One row per changed service: ``start_year`` (nullable Int64; NA = not
        within the horizon), ``npv_contribution`` [EUR], ``npv_if_first_year``
        and ``best_npv`` (highest NPV_s(t) over start years, limits aside;
        may be negative) [EUR], ``transition_cost`` [EUR], ``fte_moved`` [FTE], ``steady_savings``
        [EUR/year], ``best_year`` (the year of ``best_npv``), ``reason`` (a code,
        when not started or started late: ``negative_npv``, ``over_budget``,
        ``capacity_full``, ``later_start_better``, ``given``, ``not_proven``;
        :func:`mutusim.present.labels.start_reason` says it in French) and
        ``full_limits`` (the limits, ``max_changes_per_year`` and/or
        ``transition_budget``, that fill every better year, joined by ';');
        ``delta_ac`` [EUR/year],
        ``delta_cif`` [-] and ``dgf_per_year`` [EUR/year] with the CIF upside.
    staff : DataFrame
        One row per pooled unit of a started service and year from its
        start: ``k`` (years since start), ``staff``, ``fte_absorbed``,
        ``fte_abolished``, ``surplus_left`` [FTE], ``abolition_cost`` [EUR].
    pools : DataFrame
        One row per pooled unit of a changed service: ``fte_in``,
        ``fte_target``, ``surplus``, ``hired`` [FTE], ``years_to_absorb``
        (k*, inf = never), ``absorbed_year`` (Int64; NA = after the horizon or
        not started), ``absorbed`` ("2031", "after the horizon", "not started").
    npv_by_start : DataFrame
        NPV_s(t) [EUR]: services in rows, candidate start years in columns.
    npv : float
        NPV of the savings over the horizon [EUR].
    npv_with_cif : float or None
        The same plus the discounted CIF upside, when asked for.
    status : str
        ``optimal`` (HiGHS proved it), ``feasible`` (stopped early),
        ``time_limit``, ``infeasible``, ``error`` (the independent check
        failed: ``check_errors``), or ``given`` (start years given by the
        caller to :func:`evaluate_schedule`).
    """

    roadmap: pd.DataFrame
    starts: pd.DataFrame
    staff: pd.DataFrame
    pools: pd.DataFrame
    npv_by_start: pd.DataFrame
    npv: float
    npv_with_cif: float | None
    status: Status
    solver_status: str = ""
    seconds: float = 0.0
    check_errors: list[str] = field(default_factory=list)

    @property
    def start_years(self) -> dict[str, int | None]:
        """Start year of each changed service (None = not within the horizon)."""
        return {
            str(s): (None if pd.isna(y) else int(y))
            for s, y in zip(self.starts["service"], self.starts["start_year"], strict=True)
        }

    def summary(self) -> dict[str, Any]:
        """Headline figures: status, NPV [EUR], savings of the last year [EUR/year], starts."""
        last = float(self.roadmap["savings"].iloc[-1]) if len(self.roadmap) else 0.0
        return {
            "status": self.status,
            "npv": self.npv,
            "npv_with_cif": self.npv_with_cif,
            "savings_last_year": last,
            "cumulative_savings": float(self.roadmap["cumulative_savings"].iloc[-1])
            if len(self.roadmap)
            else 0.0,
            "starts": self.start_years,
        }


# ---------------------------------------------------------------- entry points
def roadmap(result: Result) -> Schedule:
    """The roadmap of a result's plan over its scenario's horizon (:func:`schedule_plan`).

    Parameters
    ----------
    result : Result
        A result with a plan.

    Returns
    -------
    Schedule

    Raises
    ------
    NoPlanError
        The result has no plan.
    """
    if not result.has_plan:
        raise NoPlanError(f"no roadmap: the result's status is '{result.status}'")
    return schedule_plan(result.territory, result.scenario, result.plan, result.after)


def schedule_plan(
    territory: Territory,
    scenario: Scenario,
    plan: Mapping[tuple[str, str], str] | pd.DataFrame,
    after: PlanEvaluation | None = None,
) -> Schedule:
    """Phase ``plan`` over the scenario's horizon: best start year of each changed service.

    Parameters
    ----------
    territory : Territory
        The input.
    scenario : Scenario
        Horizon, attrition, discount rate, limits.
    plan : dict or DataFrame
        Mode of each (service, commune) pair, or a table with columns
        ``service``, ``commune``, ``mode`` (``Result.decisions``). Pairs left
        out keep their current arrangement.
    after : PlanEvaluation, optional
        ``evaluate_plan`` of the plan, if already computed.

    Returns
    -------
    Schedule
        Never silent: ``status`` says whether HiGHS proved the schedule
        optimal; ``starts.reason`` says why a service starts late or not at
        all (negative NPV, ``max_changes_per_year``, ``transition_budget``).

    Raises
    ------
    PlanError
        If the plan names unknown pairs or modes, or ``after`` is not its evaluation.

    Examples
    --------
    >>> import mutusim as ms
    >>> terr = ms.examples.tiny()
    >>> plan = {("rh_paie", "49001"): "share", ("rh_paie", "49002"): "share"}
    >>> sch = schedule_plan(terr, ms.Scenario(attrition_rate=0.1), plan)
    >>> sch.status, sch.start_years, sch.pools.loc[0, "absorbed"]
    ('optimal', {'rh_paie': 2026}, '2031')
    """
    t0 = time.perf_counter()
    sc = scenario
    costs = CostData.from_inputs(territory, scenario)
    changes, sq = _prepare(costs, sc, plan, after)
    years = list(range(sc.start_year, sc.end_year + 1))
    npv = {
        ch.service: [_npv_from(ch, t, years, sc.discount_rate) for t in years] for ch in changes
    }
    cap, budget = _limits(sc)

    cand = [
        (i, j)
        for i, ch in enumerate(changes)
        for j in range(len(years))
        if npv[ch.service][j] > MONEY_TOL and (budget is None or ch.one_off <= budget + MONEY_TOL)
    ]
    status, text, chosen = _solve_starts(changes, years, npv, cand, cap, budget, sc.time_limit)
    starts: dict[str, int | None] = dict.fromkeys((ch.service for ch in changes), None)
    for i, j in chosen:
        starts[changes[i].service] = years[j]
    out = _build(costs, sc, changes, sq, starts, years, npv, cap, budget, status)
    out.solver_status = text
    if status == Status.OPTIMAL and not out.check_errors:
        milp = sum(npv[changes[i].service][j] for i, j in chosen)
        if abs(milp - out.npv) > MONEY_TOL * max(1.0, abs(out.npv)) * 1e3:
            out.check_errors.append(f"npv: the MILP says {milp:,.2f}, the roadmap {out.npv:,.2f}")
    if out.check_errors:
        out.status = Status.ERROR
    out.seconds = time.perf_counter() - t0
    return out


def evaluate_schedule(
    territory: Territory,
    scenario: Scenario,
    plan: Mapping[tuple[str, str], str] | pd.DataFrame,
    starts: Mapping[str, int | None],
    after: PlanEvaluation | None = None,
) -> Schedule:
    """Roadmap of ``plan`` with start years given by the caller (a what-if: "ADS in 2028").

    ``starts`` maps changed services to a start year in the horizon or None;
    changed services left out do not start. The limits of the scenario are
    checked, and any breach is listed in ``check_errors`` (status stays
    ``given``).

    Parameters
    ----------
    territory : Territory
        The input.
    scenario : Scenario
        Horizon, attrition, discount rate, limits.
    plan : dict or DataFrame
        As for :func:`schedule_plan`.
    starts : mapping
        Service -> start year (or None).
    after : PlanEvaluation, optional
        ``evaluate_plan`` of the plan, if already computed.

    Returns
    -------
    Schedule

    Raises
    ------
    PlanError
        If a service of ``starts`` does not change in the plan, or a year lies
        outside the horizon.
    """
    sc = scenario
    costs = CostData.from_inputs(territory, scenario)
    changes, sq = _prepare(costs, sc, plan, after)
    years = list(range(sc.start_year, sc.end_year + 1))
    names = {ch.service for ch in changes}
    bad = sorted(set(starts) - names)
    if bad:
        raise PlanError(
            f"starts: {bad} do not change in the plan; changed services: {sorted(names)}"
        )
    for s, y in starts.items():
        if y is not None and y not in years:
            raise PlanError(
                f"starts: {s} starts in {y}, outside the horizon {years[0]}-{years[-1]}"
            )
    npv = {
        ch.service: [_npv_from(ch, t, years, sc.discount_rate) for t in years] for ch in changes
    }
    cap, budget = _limits(sc)
    given = {ch.service: starts.get(ch.service) for ch in changes}
    return _build(costs, sc, changes, sq, given, years, npv, cap, budget, Status.GIVEN)


# ------------------------------------------------------------------ internals
def _normalise_plan(costs: CostData, plan: Mapping[tuple[str, str], str] | pd.DataFrame) -> Plan:
    if isinstance(plan, pd.DataFrame):
        missing = [c for c in ("service", "commune", "mode") if c not in plan.columns]
        if missing:
            raise PlanError(f"plan table lacks column(s) {missing}; give service, commune, mode")
        rows = plan[["service", "commune", "mode"]].itertuples(index=False)
        plan = {(str(s), str(c)): str(m) for s, c, m in rows}
    full = {pair: p.arrangement for pair, p in costs.pairs.items()}
    unknown = [p for p in plan if p not in costs.pairs]
    if unknown:
        raise PlanError(
            f"plan: unknown (service, commune) pair(s) {unknown[:3]}; see the territory's baseline"
        )
    bad = [(p, m) for p, m in plan.items() if m not in MODES]
    if bad:
        raise PlanError(f"plan: invalid mode(s) {bad[:3]}; use {list(MODES)}")
    full.update(plan)
    for (s, _c), m in full.items():
        if m != "keep" and (s, m) not in costs.pools:
            raise PlanError(f"plan: {s} takes '{m}' but modes.csv has no '{m}' row for it")
    return full


def _prepare(
    costs: CostData,
    sc: Scenario,
    plan: Mapping[tuple[str, str], str] | pd.DataFrame,
    after: PlanEvaluation | None,
) -> tuple[list[_Change], PlanEvaluation]:
    """Evaluate status quo and plan; one :class:`_Change` per changed service, in data order."""
    full = _normalise_plan(costs, plan)
    sq = evaluate_plan(costs, status_quo(costs))
    if after is None:
        after = evaluate_plan(costs, full)
    else:
        modes = {(r.service, r.commune): r.mode for r in after.pairs.itertuples()}
        if modes != full:
            raise PlanError("after: this PlanEvaluation is not the evaluation of the plan given")
    sq_fte = {(r.service, r.commune): float(r.fte_after) for r in sq.pairs.itertuples()}
    pairs = costs.pairs
    changed = {s for (s, c), m in full.items() if m != pairs[(s, c)].arrangement}
    changes = []
    for s in costs.services:
        if s not in changed:
            continue
        cs = [c for c in costs.communes if (s, c) in full]
        keep = sum(pairs[(s, c)].cost for c in cs if full[(s, c)] == "keep")
        pools = []
        for row in after.pools[after.pools["service"] == s].itertuples():
            pp = costs.pools[(s, str(row.mode))]
            members = [c for c in cs if full[(s, c)] == row.mode]
            variable = sum(
                pp.cost_per_unit * pairs[(s, c)].units + pp.overhead_per_member for c in members
            )
            # F_in: FTE of members moving in, plus the status-quo share of the unit's staff
            # of members already in it (so an unchanged unit starts at its target).
            staying = sum(sq_fte[(s, c)] for c in members if pairs[(s, c)].arrangement == row.mode)
            pools.append(
                _Pool(
                    service=s,
                    mode=str(row.mode),
                    fixed=float(row.fixed_cost),
                    variable=variable,
                    cost_per_fte=pp.cost_per_fte,
                    fte_target=float(row.fte),
                    fte_in=float(row.fte_in) + staying,
                    rate=sc.attrition_rate,
                    reduction=sc.staff_reduction,
                )
            )
        moving = [(c, full[(s, c)]) for c in cs if full[(s, c)] != pairs[(s, c)].arrangement]
        delta_ac = sum(clect_charge(pairs[(s, c)]) for c, m in moving if m == "transfer")
        changes.append(
            _Change(
                service=s,
                sq_cost=float(sq.service_costs[s]),
                keep_cost=keep,
                pools=tuple(pools),
                one_off=sum(
                    transition_cost(pairs[(s, c)], costs.pools.get((s, m)), m) for c, m in moving
                ),
                fte_moved=sum(fte_moved(pairs[(s, c)], m) for c, m in moving),
                delta_ac=delta_ac,
            )
        )
    return changes, sq


def _limits(sc: Scenario) -> tuple[int | None, float | None]:
    if "phasing_capacity" in sc.disabled_rules:
        return None, None
    return sc.max_changes_per_year, sc.transition_budget


def _npv_from(ch: _Change, t: int, years: list[int], rate: float) -> float:
    """NPV_s(t): discounted savings of service s if its change starts in year t [EUR]."""
    y0 = years[0]
    return sum((ch.sq_cost - ch.cost(u - t)) / (1.0 + rate) ** (u - y0) for u in years if u >= t)


def _solve_starts(
    changes: list[_Change],
    years: list[int],
    npv: dict[str, list[float]],
    cand: list[tuple[int, int]],
    cap: int | None,
    budget: float | None,
    time_limit: float,
) -> tuple[Status, str, list[tuple[int, int]]]:
    """The two-pass MILP of the module docstring. Returns status, HiGHS text and chosen (i, j)."""
    rows: list[tuple[list[int], list[float], float, float]] = []
    for i in range(len(changes)):
        idx = [k for k, (ii, _j) in enumerate(cand) if ii == i]
        if idx:
            rows.append((idx, [1.0] * len(idx), -math.inf, 1.0))
    for j in range(len(years)):
        idx = [k for k, (_i, jj) in enumerate(cand) if jj == j]
        if not idx:
            continue
        if cap is not None:
            rows.append((idx, [1.0] * len(idx), -math.inf, float(cap)))
        if budget is not None:
            rows.append(
                (idx, [changes[cand[k][0]].one_off for k in idx], -math.inf, float(budget))
            )
    value = [npv[changes[i].service][j] for i, j in cand]
    t0 = time.perf_counter()
    st1, text1, x1, obj1 = _highs(value, True, rows, time_limit)
    if x1 is None:
        return st1, text1, []
    # Second pass: same NPV, least total delay; earlier-listed services earlier on ties.
    n, horizon = max(1, len(changes)), len(years)
    weight = [j * (1.0 + (n - i) / (n * (n * horizon + 1.0))) for i, j in cand]
    tol = MONEY_TOL + 1e-9 * abs(obj1)
    rows2 = [*rows, (list(range(len(cand))), value, obj1 - tol, math.inf)]
    remaining = max(1e-3, time_limit - (time.perf_counter() - t0))
    st2, text2, x2, _ = _highs(weight, False, rows2, remaining)
    if x2 is None:
        return (
            (Status.FEASIBLE if st1 == Status.OPTIMAL else st1),
            f"{text1}; tie-break: {text2}",
            _picked(cand, x1),
        )
    status = Status.OPTIMAL if st1 == st2 == Status.OPTIMAL else Status.FEASIBLE
    return status, f"{text1}; tie-break: {text2}", _picked(cand, x2)


def _picked(cand: list[tuple[int, int]], x: list[float]) -> list[tuple[int, int]]:
    return [cand[k] for k, v in enumerate(x) if v > 0.5]


def _highs(
    cost: list[float],
    maximize: bool,
    rows: list[tuple[list[int], list[float], float, float]],
    time_limit: float,
) -> tuple[Status, str, list[float] | None, float]:
    """One HiGHS run on binaries through the shared bridge; the exact optimum is proven."""
    starts, index, value = [0], [], []
    for idx, vals, _lo, _up in rows:
        index += idx
        value += vals
        starts.append(len(index))
    run = run_highs(
        cost,
        [0.0] * len(cost),
        [1.0] * len(cost),
        [True] * len(cost),
        Rows(starts, index, value, [r[2] for r in rows], [r[3] for r in rows]),
        maximize=maximize,
        time_limit=time_limit,
        mip_rel_gap=0.0,
        mip_abs_gap=1e-9,
    )
    if not cost:
        return run.status, run.text, [], 0.0
    return run.status, run.text, run.x, run.objective or 0.0


def _build(
    costs: CostData,
    sc: Scenario,
    changes: list[_Change],
    sq: PlanEvaluation,
    starts: dict[str, int | None],
    years: list[int],
    npv: dict[str, list[float]],
    cap: int | None,
    budget: float | None,
    status: Status,
) -> Schedule:
    """Roadmap, staff, absorption and starts tables of a given start year per service."""
    d = sc.discount_rate
    y0, y_end = years[0], years[-1]
    by = {ch.service: ch for ch in changes}
    base = float(sq.total_cost)

    # CIF upside: headroom to the 0.6 cap, used by the earliest starts first.
    dcif: dict[str, float] = {}
    dgf_rate: dict[str, float] = {}
    if sc.cif_upside:
        if not sc.tax_receipts or sc.tax_receipts <= 0:
            raise ScenarioError(
                "cif_upside: tax_receipts must be > 0 EUR/year: the CIF's denominator, the taxes "
                "levied by the EPCI, its communes and their syndicates (DOMAIN.md §2.2)"
            )
        headroom = max(0.0, CIF_CAP - float(sc.cif_current or 0.0))
        population = float(sum(costs.population.values()))
        order = sorted(
            (y, i, ch.service)
            for i, ch in enumerate(changes)
            if (y := starts[ch.service]) is not None
        )
        for _y, _i, s in order:
            raw = by[s].delta_ac / float(sc.tax_receipts)
            dcif[s] = min(raw, headroom)
            headroom -= dcif[s]
            dgf_rate[s] = population * float(sc.dgf_per_inhabitant_per_cif or 0.0) * dcif[s]

    rows, staff_rows = [], []
    cumulative = 0.0
    npv_total = npv_cif = 0.0
    for t in years:
        starting = [ch for ch in changes if starts[ch.service] == t]
        plan_cost = base
        absorbed = abolition = 0.0
        for ch in changes:
            ts = starts[ch.service]
            if ts is None or t < ts:
                continue
            k = t - ts
            plan_cost += ch.cost(k) - ch.sq_cost
            for p in ch.pools:
                stf = p.staff(k)
                gone = p.staff(k - 1) - stf if k > 0 else 0.0
                cut = p.surplus if (p.reduction == "abolition" and k == 0) else 0.0
                absorbed += gone
                abolition += p.abolition_cost(k)
                staff_rows.append(
                    {
                        "service": ch.service,
                        "mode": p.mode,
                        "year": t,
                        "k": k,
                        "staff": stf,
                        "fte_absorbed": gone,
                        "fte_abolished": cut,
                        "surplus_left": max(0.0, stf - p.fte_target),
                        "abolition_cost": p.abolition_cost(k),
                    }
                )
        savings = base - plan_cost
        cumulative += savings
        disc = 1.0 / (1.0 + d) ** (t - y0)
        npv_total += savings * disc
        row = {
            "year": t,
            "services_starting": ", ".join(ch.service for ch in starting),
            "n_starting": len(starting),
            "fte_moved": sum(ch.fte_moved for ch in starting),
            "transition_cost": sum(ch.one_off for ch in starting),
            "fte_absorbed": absorbed,
            "abolition_cost": abolition,
            "cost_status_quo": base,
            "cost_plan": plan_cost,
            "savings": savings,
            "cumulative_savings": cumulative,
            "discounted_savings": savings * disc,
        }
        if sc.cif_upside:
            dgf = sum(r for s, r in dgf_rate.items() if t >= (starts[s] or 0) + CIF_LAG)
            row["dgf_upside"] = dgf
            row["discounted_dgf_upside"] = dgf * disc
            npv_cif += dgf * disc
        rows.append(row)
    roadmap = pd.DataFrame(rows)

    staff = pd.DataFrame(
        staff_rows,
        columns=[
            "service",
            "mode",
            "year",
            "k",
            "staff",
            "fte_absorbed",
            "fte_abolished",
            "surplus_left",
            "abolition_cost",
        ],
    )
    pool_rows = []
    for ch in changes:
        ts = starts[ch.service]
        for p in ch.pools:
            k_star = (
                0
                if p.reduction == "abolition"
                else years_to_absorb(p.fte_in, p.fte_target, p.rate)
            )
            if p.surplus <= FTE_TOL:
                k_star = 0
            year = (
                None
                if ts is None or math.isinf(k_star) or ts + k_star > y_end
                else ts + int(k_star)
            )
            if ts is None:
                label = "not started"
            else:
                label = "after the horizon" if year is None else str(year)
            pool_rows.append(
                {
                    "service": ch.service,
                    "mode": p.mode,
                    "start_year": ts,
                    "fte_in": p.fte_in,
                    "fte_target": p.fte_target,
                    "surplus": p.surplus,
                    "hired": max(0.0, p.fte_target - p.fte_in),
                    "reduction": p.reduction,
                    "years_to_absorb": float(k_star),
                    "absorbed_year": year,
                    "absorbed": label,
                }
            )
    pools = pd.DataFrame(
        pool_rows,
        columns=[
            "service",
            "mode",
            "start_year",
            "fte_in",
            "fte_target",
            "surplus",
            "hired",
            "reduction",
            "years_to_absorb",
            "absorbed_year",
            "absorbed",
        ],
    )
    for col in ("start_year", "absorbed_year"):
        pools[col] = pd.array(pools[col].tolist(), dtype="Int64")

    errors = _check_limits(changes, starts, cap, budget)
    start_rows = []
    for ch in changes:
        s, ts = ch.service, starts[ch.service]
        values = npv[s]
        best_j = max(range(len(years)), key=lambda j: (values[j], -j))
        reason, limits = _reason(ch, ts, years, values, changes, starts, cap, budget, status)
        r = {
            "service": s,
            "start_year": ts,
            "npv_contribution": values[years.index(ts)] if ts is not None else 0.0,
            "npv_if_first_year": values[0],
            "best_npv": values[best_j],
            "transition_cost": ch.one_off,
            "fte_moved": ch.fte_moved,
            "steady_savings": ch.sq_cost - ch.steady_cost,
            "best_year": years[best_j],
            "reason": reason,
            "full_limits": limits,
        }
        if sc.cif_upside:
            r["delta_ac"] = ch.delta_ac
            r["delta_cif"] = dcif.get(s, 0.0)
            r["dgf_per_year"] = dgf_rate.get(s, 0.0)
        start_rows.append(r)
    cols = [
        "service",
        "start_year",
        "npv_contribution",
        "npv_if_first_year",
        "best_npv",
        "transition_cost",
        "fte_moved",
        "steady_savings",
        "best_year",
        "reason",
        "full_limits",
    ]
    if sc.cif_upside:
        cols += ["delta_ac", "delta_cif", "dgf_per_year"]
    starts_df = pd.DataFrame(start_rows, columns=cols)
    starts_df["start_year"] = pd.array(starts_df["start_year"].tolist(), dtype="Int64")
    npv_by_start = pd.DataFrame(
        [npv[ch.service] for ch in changes],
        index=[ch.service for ch in changes],
        columns=years,
        dtype=float,
    )
    npv_by_start.index.name = "service"
    return Schedule(
        roadmap=roadmap,
        starts=starts_df,
        staff=staff,
        pools=pools,
        npv_by_start=npv_by_start,
        npv=float(npv_total),
        npv_with_cif=float(npv_total + npv_cif) if sc.cif_upside else None,
        status=status,
        check_errors=errors,
    )


def _check_limits(
    changes: list[_Change], starts: dict[str, int | None], cap: int | None, budget: float | None
) -> list[str]:
    """Re-verify the phasing limits on the start years, independently of the MILP."""
    errs = []
    per_year: dict[int, list[_Change]] = {}
    for ch in changes:
        ts = starts[ch.service]
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
                f"phasing_capacity: transition costs {spent:,.2f} EUR in {y} > transition_budget {budget:,.2f}"
            )
    return errs


def _blockers(
    ch: _Change,
    t: int,
    changes: Iterable[_Change],
    starts: dict[str, int | None],
    cap: int | None,
    budget: float | None,
) -> list[str]:
    """Limits that starting ``ch`` in year t (on top of the others) would break."""
    others = [o for o in changes if o.service != ch.service and starts[o.service] == t]
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
    changes: list[_Change],
    starts: dict[str, int | None],
    cap: int | None,
    budget: float | None,
    status: Status,
) -> tuple[str | None, str]:
    """Why a service starts late or not at all: a code, and the limits that fill better years."""
    y0 = years[0]
    if ts == y0:
        return None, ""
    if ts is None:
        if max(values) <= MONEY_TOL:
            return "negative_npv", ""
        if budget is not None and ch.one_off > budget + MONEY_TOL:
            return "over_budget", ""
        better = [t for t, v in zip(years, values, strict=True) if v > MONEY_TOL]
    else:
        current = values[years.index(ts)]
        better = [
            t for t, v in zip(years, values, strict=True) if t < ts and v > current + MONEY_TOL
        ]
        if not better:
            return "later_start_better", ""
    blocked = {t: _blockers(ch, t, changes, starts, cap, budget) for t in better}
    if all(blocked.values()):
        return "capacity_full", ";".join(sorted({b for bs in blocked.values() for b in bs}))
    if status == Status.GIVEN:
        return "given", ""
    return "not_proven", ""
