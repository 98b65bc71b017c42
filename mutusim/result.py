"""The result of one optimisation: status, plan and tidy tables (PRODUCT.md R1)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from mutusim.check import PlanEvaluation
from mutusim.scenario import Scenario
from mutusim.solve import SolveInfo
from mutusim.territory import Territory

DECISION_COLUMNS = [
    "service",
    "service_name",
    "commune",
    "commune_name",
    "mode",
    "current",
    "changed",
    "fte_before",
    "fte_after",
    "cost_before",
    "cost_after",
    "level_before",
    "level_after",
]


@dataclass
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
    decisions : DataFrame
        One row per service and commune: mode, current arrangement, FTE
        [FTE], cost [EUR/year] and level [0-100] before and after.
    by_commune : DataFrame
        Each commune's budget for the services studied [EUR/year] before and
        after: its own costs, its bills for shared units, and the cut of its
        attribution de compensation for transfers; ``balance`` = after −
        before (negative = the commune saves). FTE before / after.
    by_service : DataFrame
        Economic cost of each service [EUR/year] before and after, whoever
        pays it; plan counts and FTE.
    budgets : DataFrame
        ``by_commune`` plus one row for the EPCI: the budgets add up to the
        baseline and plan costs.
    votes, majorities : DataFrame
        Each council's vote on each transferable service and the qualified
        majority count (L5211-5 II).
    pools : DataFrame
        Pooled units opened: members, workload, staff and costs.
    baseline_cost, total_cost, savings : float or None
        Annual cost of today's arrangements, of the plan (one-off transition
        costs spread over ``scenario.transition_years``), and their difference
        [EUR/year].
    """

    territory: Territory
    scenario: Scenario
    status: str
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
    explanation: list[str] = field(default_factory=list)
    check_errors: list[str] = field(default_factory=list)
    #: recomputed evaluations of today's arrangements and of the plan
    before: PlanEvaluation | None = field(default=None, repr=False)
    after: PlanEvaluation | None = field(default=None, repr=False)
    #: one row per transferable service and commune: vote and why
    votes: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: one row per transferable service: the qualified-majority count
    majorities: pd.DataFrame = field(default_factory=pd.DataFrame)
    _schedule: object = field(default=None, repr=False)

    # ---------------------------------------------------------------- derived
    @property
    def has_plan(self) -> bool:
        return self.status in ("optimal", "feasible")

    @property
    def savings(self) -> float | None:
        if self.total_cost is None or self.baseline_cost is None:
            return None
        return self.baseline_cost - self.total_cost

    @property
    def gap(self) -> float | None:
        return None if self.solve is None else self.solve.gap

    @property
    def bound(self) -> float | None:
        return None if self.solve is None else self.solve.bound

    @property
    def solve_seconds(self) -> float | None:
        return None if self.solve is None else self.solve.seconds

    @property
    def by_commune(self) -> pd.DataFrame:
        cols = [
            "commune",
            "name",
            "population",
            "cost_before",
            "cost_after",
            "balance",
            "fte_before",
            "fte_after",
        ]
        if self.decisions.empty:
            return pd.DataFrame(columns=cols)
        g = self.decisions.groupby("commune", sort=False)[
            ["cost_before", "cost_after", "fte_before", "fte_after"]
        ].sum()
        g = g.reindex(self.territory.communes.index)
        g.index.name = "commune"
        out = g.reset_index()
        out["name"] = self.territory.communes["name"].to_numpy()
        out["population"] = self.territory.communes["population"].to_numpy()
        out["balance"] = out["cost_after"] - out["cost_before"]
        return out[cols]

    @property
    def by_service(self) -> pd.DataFrame:
        cols = [
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
        if self.decisions.empty:
            return pd.DataFrame(columns=cols)
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
        return out[cols]

    @property
    def budgets(self) -> pd.DataFrame:
        cols = ["commune", "name", "cost_before", "cost_after", "balance"]
        if self.decisions.empty:
            return pd.DataFrame(columns=cols)
        bc = self.by_commune[cols].copy()
        epci = {
            "commune": "EPCI",
            "name": self.territory.name,
            "cost_before": self.before.epci_cost,
            "cost_after": self.after.epci_cost,
            "balance": self.after.epci_cost - self.before.epci_cost,
        }
        return pd.concat([bc, pd.DataFrame([epci])], ignore_index=True)

    def blocking_communes(self, service: str) -> pd.DataFrame:
        """Communes whose council votes against transferring ``service``, with why.

        Answers "which communes block this transfer": if the majority fails,
        these are the councils to convince (the most populous one first when
        it holds a veto).
        """
        from mutusim.errors import MutusimError

        if self.votes.empty or service not in set(self.votes["service"]):
            raise MutusimError(
                f"no vote on '{service}': it is not a transferable service of this territory "
                f"(transferable: {sorted(set(self.votes.get('service', [])))})"
            )
        v = self.votes[(self.votes["service"] == service) & ~self.votes["vote"]]
        return v.sort_values("population", ascending=False).reset_index(drop=True)

    @property
    def plan(self) -> dict[tuple[str, str], str]:
        """The mode of each (service, commune) pair, as a dict (empty without a plan)."""
        d = self.decisions
        return {
            (str(s), str(c)): str(m)
            for s, c, m in zip(d["service"], d["commune"], d["mode"], strict=True)
        }

    def allocation(self, samples: int = 2000, seed: int = 0) -> pd.DataFrame:
        """Savings of each member of each pool: by the billing key and by the Shapley value.

        Exact Shapley values up to 12 members, sampled beyond with a standard
        error (``stderr``) [EUR/year]. See :mod:`mutusim.shapley`.
        """
        from mutusim.problem import ModelData
        from mutusim.shapley import ALLOCATION_COLUMNS, allocation

        if not self.has_plan:
            return pd.DataFrame(columns=ALLOCATION_COLUMNS)
        data = ModelData.from_inputs(self.territory, self.scenario)
        return allocation(data, self.plan, self.after, samples=samples, seed=seed)

    def schedule(self):  # noqa: ANN201
        """The plan's roadmap over the horizon (:func:`mutusim.phasing.schedule`), computed once.

        Staff reductions by attrition, transition costs in the start year,
        yearly capacity and budget, net present value.
        """
        from mutusim.errors import MutusimError
        from mutusim.phasing import schedule
        from mutusim.problem import ModelData

        if not self.has_plan:
            raise MutusimError(f"no roadmap: the result's status is '{self.status}'")
        if self._schedule is None:
            data = ModelData.from_inputs(self.territory, self.scenario)
            self._schedule = schedule(data, self.plan, self.after)
        return self._schedule

    def rule_prices(self):  # noqa: ANN201
        """Which rules bind and what each costs [EUR/year] (one extra solve per active rule)."""
        from mutusim.explain import rule_prices

        return rule_prices(self.territory, self.scenario)

    def summary(self) -> dict:
        """Headline figures as a dict (status, costs in EUR/year, times in s)."""
        return {
            "scenario": self.scenario.name,
            "status": self.status,
            "baseline_cost": self.baseline_cost,
            "total_cost": self.total_cost,
            "savings": self.savings,
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

    def _repr_html_(self) -> str:
        from mutusim.display import result_html

        return result_html(self)


def decisions_table(
    territory: Territory, before: PlanEvaluation, after: PlanEvaluation
) -> pd.DataFrame:
    """Join the status-quo and plan evaluations into the tidy decisions table."""
    b = territory.baseline.reset_index()
    key = ["service", "commune"]
    a = after.pairs.set_index(key)
    q = before.pairs.set_index(key)
    out = b[key].copy()
    idx = pd.MultiIndex.from_frame(out)
    out["service_name"] = territory.services["name"].reindex(out["service"]).to_numpy()
    out["commune_name"] = territory.communes["name"].reindex(out["commune"]).to_numpy()
    out["mode"] = a["mode"].reindex(idx).to_numpy()
    out["current"] = b["arrangement"].to_numpy()
    out["changed"] = out["mode"] != out["current"]
    out["fte_before"] = q["fte_after"].reindex(idx).to_numpy()
    out["fte_after"] = a["fte_after"].reindex(idx).to_numpy()
    out["cost_before"] = q["cost_after"].reindex(idx).to_numpy()
    out["cost_after"] = a["cost_after"].reindex(idx).to_numpy()
    out["level_before"] = q["level_after"].reindex(idx).to_numpy()
    out["level_after"] = a["level_after"].reindex(idx).to_numpy()
    return out[DECISION_COLUMNS]


__all__ = ["Result", "decisions_table"]
