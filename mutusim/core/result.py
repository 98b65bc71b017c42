"""The result of one optimisation, as plain data (PRODUCT.md R1).

A :class:`Result` holds what :func:`mutusim.optimise` found and tidy tables
derived from it. It never solves and imports no solver: analyses that need
more solves or more computation (roadmap, Shapley allocation, rule prices)
are functions of :mod:`mutusim.analysis` that take a result.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from mutusim.core.evaluate import PlanEvaluation
from mutusim.core.findings import Finding
from mutusim.core.law import MAJORITY_COLUMNS, VOTE_COLUMNS
from mutusim.core.scenario import Scenario
from mutusim.core.schema import EPCI_PARTY
from mutusim.core.status import SolveInfo, Status
from mutusim.core.territory import Territory
from mutusim.core.timeline import Schedule

__all__ = ["DECISION_COLUMNS", "Result", "decisions_table"]

DECISION_COLUMNS = [
    "service",
    "service_name",
    "commune",
    "commune_name",
    "mode",
    "current",
    "changed",
    "start_year",
    "fte_before",
    "fte_after",
    "cost_before",
    "cost_after",
    "level_before",
    "level_after",
]
_BY_COMMUNE = [
    "commune",
    "name",
    "population",
    "cost_before",
    "cost_after",
    "balance",
    "fte_before",
    "fte_after",
]
_BY_SERVICE = [
    "service",
    "name",
    "keep",
    "share",
    "transfer",
    "cost_before",
    "cost_after",
    "savings",
    "fte_before",
    "fte_after",
]


@dataclass(frozen=True)
class Result:
    """Outcome of :func:`mutusim.optimise`.

    A result always says what happened: ``status`` is ``optimal`` (proven
    within the MIP gap), ``feasible`` (a plan, not proven optimal: time
    limit), ``infeasible`` (``explanation`` says which rules conflict),
    ``time_limit`` (stopped before any plan), or ``error`` (the independent
    checker rejected the solver's plan: ``check_errors``). Tables are empty
    whenever there is no plan; costs are then ``None``.

    Attributes
    ----------
    territory : Territory
        The input.
    scenario : Scenario
        The options.
    status : Status
        See above.
    solve : SolveInfo or None
        What the solver said (status, bound, gap, time).
    build_seconds : float
        Model build time [s].
    num_variables, num_constraints : int
        Size of the MILP (all sub-models).
    decisions : DataFrame
        One row per service and commune (:data:`DECISION_COLUMNS`): mode,
        current arrangement, FTE [FTE], cost [EUR/year] and level [0-100]
        before and after.
    pools : DataFrame
        Pooled units opened: members, workload, staff and costs.
    baseline_cost, total_cost : float or None
        Annual cost of today's arrangements and of the plan in the long run
        (every change in force, posts at their steady staff, no one-off cost)
        [EUR/year].
    transition_one_off : float or None
        One-off transition costs of the plan [EUR].
    fte_moved : float or None
        FTE whose arrangement changes [FTE].
    explanation : tuple of Finding
        Why an infeasible scenario is infeasible (French text:
        :func:`mutusim.present.labels.explanation`).
    check_errors : tuple of str
        What the independent checker rejected (status ``error``).
    before, after : PlanEvaluation or None
        Evaluations of today's arrangements and of the plan in the long run.
    schedule : Schedule or None
        The plan year by year over the horizon, as the optimiser chose it with
        its start years (the roadmap: what starts when, savings per year,
        cumulative, NPV, staff of each employer). The headline of every output.
    votes, majorities : DataFrame
        Each council's vote on each transferable service and the qualified
        majority count (L5211-5 II).
    """

    territory: Territory
    scenario: Scenario
    status: Status
    solve: SolveInfo | None = None
    build_seconds: float = 0.0
    num_variables: int = 0
    num_constraints: int = 0
    decisions: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=DECISION_COLUMNS))
    pools: pd.DataFrame = field(default_factory=pd.DataFrame)
    baseline_cost: float | None = None
    total_cost: float | None = None
    transition_one_off: float | None = None
    fte_moved: float | None = None
    explanation: tuple[Finding, ...] = ()
    check_errors: tuple[str, ...] = ()
    before: PlanEvaluation | None = field(default=None, repr=False)
    after: PlanEvaluation | None = field(default=None, repr=False)
    schedule: Schedule | None = field(default=None, repr=False)
    votes: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=VOTE_COLUMNS))
    majorities: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=MAJORITY_COLUMNS)
    )

    # ---------------------------------------------------------------- derived
    @property
    def has_plan(self) -> bool:
        """True when the result carries a plan (optimal or feasible)."""
        return Status(self.status) in (Status.OPTIMAL, Status.FEASIBLE)

    @property
    def savings(self) -> float | None:
        """Annual savings of the plan against today in the long run [EUR/year] (None without a plan)."""
        if self.total_cost is None or self.baseline_cost is None:
            return None
        return self.baseline_cost - self.total_cost

    @property
    def npv(self) -> float | None:
        """Net present value of the plan's savings over the horizon [EUR] (None without a plan)."""
        return None if self.schedule is None else self.schedule.npv

    @property
    def starts(self) -> dict[str, int]:
        """The year each changed service's changes take effect."""
        if self.schedule is None:
            return {}
        return {s: y for s, y in self.schedule.start_years.items() if y is not None}

    @property
    def gap(self) -> float | None:
        """Relative MIP gap the solver proved [-]."""
        return None if self.solve is None else self.solve.gap

    @property
    def bound(self) -> float | None:
        """Best bound the solver proved on its objective, minus the NPV [EUR].

        ``-bound`` is the highest NPV any plan could reach under the scenario.
        """
        return None if self.solve is None else self.solve.bound

    @property
    def solve_seconds(self) -> float | None:
        """Solver time [s]."""
        return None if self.solve is None else self.solve.seconds

    @property
    def by_commune(self) -> pd.DataFrame:
        """Each commune's budget for the services studied [EUR/year] before and after.

        Its own costs, its bills for shared units, and the cut of its
        attribution de compensation for transfers; ``balance`` = after −
        before (negative = the commune saves); FTE before / after.
        """
        if self.decisions.empty:
            return pd.DataFrame(columns=_BY_COMMUNE)
        g = self.decisions.groupby("commune", sort=False)[
            ["cost_before", "cost_after", "fte_before", "fte_after"]
        ].sum()
        g = g.reindex(self.territory.communes.index)
        g.index.name = "commune"
        out = g.reset_index()
        out["name"] = self.territory.communes["name"].to_numpy()
        out["population"] = self.territory.communes["population"].to_numpy()
        out["balance"] = out["cost_after"] - out["cost_before"]
        return out[_BY_COMMUNE]

    @property
    def by_service(self) -> pd.DataFrame:
        """Economic cost of each service [EUR/year] before and after, plan counts and FTE."""
        if self.decisions.empty or self.before is None or self.after is None:
            return pd.DataFrame(columns=_BY_SERVICE)
        d = self.decisions
        counts = pd.crosstab(d["service"], d["mode"]).reindex(
            columns=["keep", "share", "transfer"], fill_value=0
        )
        sums = d.groupby("service")[["fte_before", "fte_after"]].sum()
        sums["cost_before"] = self.before.service_costs
        sums["cost_after"] = self.after.service_costs
        out = counts.join(sums).reindex(self.territory.services.index)
        out.index.name = "service"
        out = out.reset_index()
        out["name"] = self.territory.services["name"].to_numpy()
        out["savings"] = out["cost_before"] - out["cost_after"]
        return out[_BY_SERVICE]

    @property
    def budgets(self) -> pd.DataFrame:
        """``by_commune`` plus one row for the EPCI: the budgets add up to the costs [EUR/year]."""
        cols = ["commune", "name", "cost_before", "cost_after", "balance"]
        if self.decisions.empty or self.before is None or self.after is None:
            return pd.DataFrame(columns=cols)
        bc = self.by_commune[cols].copy()
        own = self.decisions[self.decisions["commune"] == EPCI_PARTY]
        before = self.before.epci_cost + float(own["cost_before"].sum())
        after = self.after.epci_cost + float(own["cost_after"].sum())
        epci = {
            "commune": EPCI_PARTY,
            "name": self.territory.name,
            "cost_before": before,
            "cost_after": after,
            "balance": after - before,
        }
        return pd.concat([bc, pd.DataFrame([epci])], ignore_index=True)

    @property
    def plan(self) -> dict[tuple[str, str], str]:
        """The mode of each (service, commune) pair (empty without a plan)."""
        d = self.decisions
        return {
            (str(s), str(c)): str(m)
            for s, c, m in zip(d["service"], d["commune"], d["mode"], strict=True)
        }

    @property
    def communes_changed(self) -> int | None:
        """Communes whose arrangement changes for at least one service (None without a plan)."""
        if not self.has_plan:
            return None
        d = self.decisions
        changed = d.loc[d["changed"] & d["commune"].isin(self.territory.communes.index), "commune"]
        return int(changed.nunique())

    @property
    def average_level(self) -> float | None:
        """Average service level after the plan [0-100] (None without a plan).

        The communes' levels over every service they have, each weighted by the
        commune's population (``Scenario.min_average_level``); the EPCI's own
        services do not count.
        """
        return self._average("level_after")

    @property
    def average_level_today(self) -> float | None:
        """Average service level today, before the plan [0-100], weighted as :attr:`average_level`."""
        return self._average("level_before")

    def _average(self, column: str) -> float | None:
        if not self.has_plan:
            return None
        d = self.decisions
        pops = self.territory.communes["population"]
        rows = d[d["commune"].isin(pops.index)]
        weights = pops.reindex(rows["commune"]).to_numpy(dtype=float)
        total = float(weights.sum())
        return (
            float((weights * rows[column].to_numpy(dtype=float)).sum() / total) if total else 0.0
        )

    def summary(self) -> dict[str, Any]:
        """Headline figures: status, costs [EUR/year], transition [EUR], FTE, times [s]."""
        return {
            "scenario": self.scenario.name,
            "status": str(self.status),
            "baseline_cost": self.baseline_cost,
            "total_cost": self.total_cost,
            "savings": self.savings,
            "npv": self.npv,
            "transition_one_off": self.transition_one_off,
            "fte_moved": self.fte_moved,
            "gap": self.gap,
            "bound": self.bound,
            "build_seconds": self.build_seconds,
            "solve_seconds": self.solve_seconds,
            "solver": None if self.solve is None else self.solve.solver,
        }

    def __repr__(self) -> str:
        head = f"<Result '{self.scenario.name}' on {self.territory.name}: {self.status}"
        if self.has_plan:
            head += (
                f", cost {self.total_cost:,.0f} EUR/year vs {self.baseline_cost:,.0f} today "
                f"(savings {self.savings:,.0f})"
            )
        return head + ">"


def decisions_table(
    territory: Territory,
    before: PlanEvaluation,
    after: PlanEvaluation,
    starts: dict[str, int] | None = None,
) -> pd.DataFrame:
    """Join the status-quo and plan evaluations into the tidy decisions table.

    Parameters
    ----------
    territory : Territory
        Names of services and communes, current arrangements.
    before, after : PlanEvaluation
        Evaluations of today's arrangements and of the plan (long run).
    starts : dict, optional
        Service -> the year its changes take effect.

    Returns
    -------
    DataFrame
        :data:`DECISION_COLUMNS`, in the baseline's order.
    """
    b = territory.baseline.reset_index()
    key = ["service", "commune"]
    a = after.pairs.set_index(key)
    q = before.pairs.set_index(key)
    out = b[key].copy()
    idx = pd.MultiIndex.from_frame(out)
    out["service_name"] = territory.services["name"].reindex(out["service"]).to_numpy()
    names = territory.communes["name"].reindex(out["commune"]).to_numpy()
    out["commune_name"] = [
        territory.name if c == EPCI_PARTY else n
        for c, n in zip(out["commune"], names, strict=True)
    ]
    out["mode"] = a["mode"].reindex(idx).to_numpy()
    out["current"] = b["arrangement"].to_numpy()
    out["changed"] = out["mode"] != out["current"]
    starts = starts or {}
    out["start_year"] = pd.array(
        [
            starts.get(s) if ch else None
            for s, ch in zip(out["service"], out["changed"], strict=True)
        ],
        dtype="Int64",
    )
    out["fte_before"] = q["fte_after"].reindex(idx).to_numpy()
    out["fte_after"] = a["fte_after"].reindex(idx).to_numpy()
    out["cost_before"] = q["cost_after"].reindex(idx).to_numpy()
    out["cost_after"] = a["cost_after"].reindex(idx).to_numpy()
    out["level_before"] = q["level_after"].reindex(idx).to_numpy()
    out["level_after"] = a["level_after"].reindex(idx).to_numpy()
    return out[DECISION_COLUMNS]
