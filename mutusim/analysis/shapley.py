"""Shapley allocation of a pooled unit's savings, beside the billing key.

A shared unit bills its members by a key (units of work by default,
DOMAIN.md §2.4). Cooperative game theory offers another reading of the same
money (DOMAIN.md §5: Young, Okada & Hashimoto on municipalities sharing a
water system): treat the members of a pooled unit as players and split the
unit's savings by each member's average marginal contribution, the Shapley
value.

The game of a pooled unit (service *s*, mode *p*, members *M*)
---------------------------------------------------------------
For a coalition S of members::

    v(S) = sum_{c in S} cost_c - pool_cost(S)   if |S| >= min_members, else 0
    pool_cost(S) = fixed_cost + cost_per_fte * (max(fte_step * steps(U_S) - Q_S, 0) + Q_S)
                   + sum_{c in S} member_cost(s, c, p)

where ``cost_c`` is the commune's cost alone today, ``U_S`` the coalition's
units of work, ``Q_S`` its members' partial shares (agents made available,
never saved) and ``steps`` the staffing steps they need (whole steps, as
:func:`mutusim.core.costs.staff_steps`, fractional when the scenario
switches ``indivisible_staffing`` off). ``v`` is not clipped at 0: a coalition
that would lose money has negative savings. The Shapley values add up to
``v(M)``, the pool's savings (efficiency), as the key's savings do, so the two
allocations can be compared member by member.

Exact values enumerate the 2^n coalitions (n <= 15; :func:`allocation` uses
them up to 12 members); larger pools are estimated by permutation sampling
with antithetic pairs, with a standard error per member.

Examples
--------
>>> import numpy as np
>>> glove = lambda S: (S[:, 0] & (S[:, 1] | S[:, 2])).astype(float)  # a glove game
>>> np.round(shapley_exact(3, glove), 4)
array([0.6667, 0.1667, 0.1667])
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mutusim.core.costs import CostData, member_cost
from mutusim.core.evaluate import Plan, PlanEvaluation, evaluate_plan
from mutusim.core.result import Result
from mutusim.core.scenario import Scenario
from mutusim.core.schema import POOL_MODES
from mutusim.errors import MutusimError, NoPlanError, NotFoundError

__all__ = [
    "ALLOCATION_COLUMNS",
    "EXACT_MAX_MEMBERS",
    "MAX_EXACT_PLAYERS",
    "PoolGame",
    "allocation",
    "plan_allocation",
    "pool_game",
    "shapley_exact",
    "shapley_sampled",
]

#: Largest game :func:`shapley_exact` accepts (2^15 = 32,768 coalitions).
MAX_EXACT_PLAYERS = 15
#: :func:`allocation` computes exact values up to this many members, samples above.
EXACT_MAX_MEMBERS = 12
#: Booleans per batch of coalitions handed to the value function (bounds memory).
_BATCH_CELLS = 1 << 22

ALLOCATION_COLUMNS = [
    "service",
    "mode",
    "commune",
    "cost_alone",
    "savings_key",
    "savings_shapley",
    "stderr",
    "method",
    "permutations",
]

Value = Callable[[np.ndarray], np.ndarray]


# ---------------------------------------------------------------------------
# Shapley values of a generic game
# ---------------------------------------------------------------------------
def _values(value: Value, coalitions: np.ndarray) -> np.ndarray:
    out = np.asarray(value(coalitions), dtype=float)
    if out.shape != (coalitions.shape[0],):
        raise MutusimError(
            f"the value function must return one number per coalition (shape "
            f"({coalitions.shape[0]},)), got shape {out.shape}"
        )
    return out


def _check_n(n: int) -> int:
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 0:
        raise MutusimError(f"the number of players must be an integer >= 0, got {n!r}")
    return int(n)


def shapley_exact(n: int, value: Value) -> np.ndarray:
    """Exact Shapley values of an ``n``-player game.

    Parameters
    ----------
    n : int
        Number of players, at most :data:`MAX_EXACT_PLAYERS` (15).
    value : callable
        Takes a boolean matrix of coalitions (one row per coalition, one
        column per player) and returns the value of each row. It is called
        once, on all 2^n coalitions (row k is the coalition whose bits are k).

    Returns
    -------
    ndarray of shape (n,)
        ``phi_i = sum_{S not containing i} |S|! (n-|S|-1)! / n! (v(S+i) - v(S))``.

    Raises
    ------
    MutusimError
        If ``n`` exceeds 15: use :func:`shapley_sampled`.
    """
    n = _check_n(n)
    if n > MAX_EXACT_PLAYERS:
        raise MutusimError(
            f"shapley_exact enumerates 2^n coalitions and accepts at most "
            f"{MAX_EXACT_PLAYERS} players, got {n}; use shapley_sampled for larger games"
        )
    if n == 0:
        return np.zeros(0)
    masks = np.arange(1 << n, dtype=np.int64)
    bits = np.int64(1) << np.arange(n, dtype=np.int64)
    coalitions = (masks[:, None] & bits[None, :]) != 0
    v = _values(value, coalitions)
    sizes = coalitions.sum(axis=1)
    # weight of a coalition of size s not containing i: s! (n-s-1)! / n! = 1 / (n C(n-1, s))
    weights = np.array([1.0 / (n * math.comb(n - 1, s)) for s in range(n)])
    phi = np.empty(n)
    for i in range(n):
        without = masks[(masks & bits[i]) == 0]
        phi[i] = np.dot(weights[sizes[without]], v[without | bits[i]] - v[without])
    return phi


def shapley_sampled(
    n: int,
    value: Value,
    samples: int = 2000,
    seed: int = 0,
    *,
    antithetic: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Shapley values estimated by sampling permutations of the players.

    Each permutation gives every player its marginal contribution when it
    joins the players before it; the estimate is their mean. The marginal
    contributions of one permutation add up to ``v(N) - v(∅)``, so the
    estimates are efficient exactly (up to rounding) whatever the sample.

    Parameters
    ----------
    n : int
        Number of players.
    value : callable
        As for :func:`shapley_exact`; called on batches of coalitions (the
        prefixes of several permutations at once).
    samples : int
        Number of permutations (>= 4 with antithetic pairs, >= 2 without;
        rounded up to an even number with antithetic pairs).
    seed : int
        Seed of the permutations: same seed, same estimate.
    antithetic : bool
        Pair each permutation with its reverse (a player early in one is late
        in the other), which lowers the variance; the standard error is then
        computed over the pairs' means.

    Returns
    -------
    values, stderr : ndarray of shape (n,)
        Estimates and the standard error of each (sample standard deviation
        over the independent draws / sqrt(draws)).
    """
    n = _check_n(n)
    if isinstance(samples, bool) or not isinstance(samples, int | np.integer):
        raise MutusimError(f"samples must be an integer, got {samples!r}")
    least = 4 if antithetic else 2
    if samples < least:
        raise MutusimError(
            f"samples must be >= {least} to estimate a standard error, got {samples}"
        )
    if n == 0:
        return np.zeros(0), np.zeros(0)
    rng = np.random.default_rng(seed)
    if antithetic:
        half = rng.permuted(np.tile(np.arange(n), (-(-samples // 2), 1)), axis=1)
        perms = np.empty((2 * half.shape[0], n), dtype=half.dtype)
        perms[0::2] = half
        perms[1::2] = half[:, ::-1]
    else:
        perms = rng.permuted(np.tile(np.arange(n), (samples, 1)), axis=1)

    v_empty = _values(value, np.zeros((1, n), dtype=bool))[0]
    contrib = np.empty(perms.shape)
    positions = np.arange(n)
    per_batch = max(1, _BATCH_CELLS // (n * n))
    for start in range(0, perms.shape[0], per_batch):
        p = perms[start : start + per_batch]
        b = p.shape[0]
        ranks = np.empty_like(p)
        np.put_along_axis(ranks, p, np.broadcast_to(positions, p.shape), axis=1)
        # prefix j of permutation q holds the players whose rank is <= j
        prefixes = ranks[:, None, :] <= positions[None, :, None]
        vals = _values(value, prefixes.reshape(b * n, n)).reshape(b, n)
        diff = np.diff(vals, axis=1, prepend=v_empty)
        contrib[start : start + b] = np.take_along_axis(diff, ranks, axis=1)

    draws = 0.5 * (contrib[0::2] + contrib[1::2]) if antithetic else contrib
    values = draws.mean(axis=0)
    stderr = draws.std(axis=0, ddof=1) / math.sqrt(draws.shape[0])
    return values, stderr


# ---------------------------------------------------------------------------
# The game of a pooled unit
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class PoolGame:
    """Savings game of a pooled unit: callable on a boolean coalition matrix.

    Attributes
    ----------
    service, mode : str
        The pooled unit.
    members : tuple of str
        Players, in column order.
    cost_alone, member_cost, units, partial : ndarray
        Per member: cost alone today [EUR/year], cost that depends on its
        joining [EUR/year], units of work, partial shares [FTE].
    fixed_cost, cost_per_fte, fte_step, units_per_step : float
        Pool parameters [EUR/year, EUR/FTE/year, FTE, units/year].
    min_members : int
        Smallest coalition that may open the unit (1 when the scenario
        switched ``min_members`` off; never more than the members).
    integral : bool
        Whole staffing steps (``indivisible_staffing``).
    """

    service: str
    mode: str
    members: tuple[str, ...]
    cost_alone: np.ndarray
    member_cost: np.ndarray
    units: np.ndarray
    partial: np.ndarray
    fixed_cost: float
    cost_per_fte: float
    fte_step: float
    units_per_step: float
    min_members: int
    integral: bool

    @property
    def n(self) -> int:
        return len(self.members)

    def steps(self, units: np.ndarray) -> np.ndarray:
        """Staffing steps for ``units`` of work, as :func:`mutusim.core.costs.staff_steps` (vectorised)."""
        need = np.asarray(units, dtype=float) / self.units_per_step
        if not self.integral:
            return need
        return np.where(need > 0, np.ceil(need - 1e-9), 0.0)

    def _staff(self, units: np.ndarray, partial: np.ndarray) -> np.ndarray:
        """Long-run staff [FTE]: posts max(target − Q, 0) plus the partial shares Q."""
        target = self.fte_step * self.steps(units)
        return np.maximum(target - partial, 0.0) + partial

    def pool_cost(self, coalitions: np.ndarray) -> np.ndarray:
        """Annual cost [EUR/year] of the unit each coalition would run (long run)."""
        s = np.asarray(coalitions, dtype=float)
        staff = self._staff(s @ self.units, s @ self.partial)
        return self.fixed_cost + self.cost_per_fte * staff + s @ self.member_cost

    def __call__(self, coalitions: np.ndarray) -> np.ndarray:
        """Savings v(S) [EUR/year] of each coalition (row of a boolean matrix)."""
        c = np.asarray(coalitions, dtype=bool)
        s = c.astype(float)
        w = np.column_stack([self.cost_alone - self.member_cost, self.units, self.partial])
        net, units, partial = (s @ w).T
        v = net - self.fixed_cost - self.cost_per_fte * self._staff(units, partial)
        return np.where(c.sum(axis=1) >= self.min_members, v, 0.0)

    @property
    def savings(self) -> float:
        """v(M): the savings of the whole pool [EUR/year]."""
        return float(self(np.ones((1, self.n), dtype=bool))[0])


def pool_game(
    costs: CostData,
    scenario: Scenario,
    service: str,
    mode: str,
    members: list[str] | tuple[str, ...],
) -> PoolGame:
    """The savings game of pooled unit (``service``, ``mode``) with ``members`` as players.

    Parameters
    ----------
    costs : CostData
        Baseline and pooled-unit records.
    scenario : Scenario
        Whether ``min_members`` and ``indivisible_staffing`` are on.
    service, mode : str
        The pooled unit.
    members : sequence of str
        Commune codes (the players, in order).

    Returns
    -------
    PoolGame
    """
    if mode not in POOL_MODES:
        raise MutusimError(f"mode must be one of {list(POOL_MODES)}, got '{mode}'")
    if (service, mode) not in costs.pools:
        raise NotFoundError(f"no '{mode}' pool for service '{service}' in the data")
    pp = costs.pools[(service, mode)]
    members = tuple(members)
    sc = scenario
    k = pp.min_members if sc.rule_on("min_members") else 1
    # a unit the plan opens is open to its members: keeps v(M) the pool's savings
    k = max(1, min(int(k), len(members)))
    return PoolGame(
        service=service,
        mode=mode,
        members=members,
        cost_alone=np.array([costs.pairs[(service, c)].cost for c in members], dtype=float),
        member_cost=np.array(
            [member_cost(costs.pairs[(service, c)], pp) for c in members], dtype=float
        ),
        units=np.array([costs.pairs[(service, c)].units for c in members], dtype=float),
        partial=np.array([costs.pairs[(service, c)].partial for c in members], dtype=float),
        fixed_cost=pp.fixed_cost,
        cost_per_fte=pp.cost_per_fte,
        fte_step=pp.fte_step,
        units_per_step=pp.units_per_step,
        min_members=k,
        integral=sc.rule_on("indivisible_staffing"),
    )


# ---------------------------------------------------------------------------
# Allocation of a plan
# ---------------------------------------------------------------------------
def allocation(result: Result, samples: int = 2000, seed: int = 0) -> pd.DataFrame:
    """Savings of each member of each pool of a result's plan: billing key and Shapley value.

    Exact Shapley values up to :data:`EXACT_MAX_MEMBERS` members, sampled
    beyond with a standard error (see :func:`plan_allocation`).

    Parameters
    ----------
    result : Result
        A result with a plan.
    samples, seed : int
        Permutations and seed of the sampled estimate.

    Returns
    -------
    DataFrame
        :data:`ALLOCATION_COLUMNS`.

    Raises
    ------
    NoPlanError
        The result has no plan.
    """
    if not result.has_plan:
        raise NoPlanError(f"no allocation: the result's status is '{result.status}'")
    costs = CostData.from_inputs(result.territory, result.scenario)
    return plan_allocation(
        costs, result.scenario, result.plan, result.after, samples=samples, seed=seed
    )


def plan_allocation(
    costs: CostData,
    scenario: Scenario,
    plan: Plan,
    after: PlanEvaluation | None = None,
    *,
    samples: int = 2000,
    seed: int = 0,
    exact_max: int = EXACT_MAX_MEMBERS,
) -> pd.DataFrame:
    """Savings of each member of each opened pool: by the billing key and by Shapley.

    Parameters
    ----------
    costs : CostData
        Baseline and pooled-unit records.
    scenario : Scenario
        Options (min members, indivisible staffing).
    plan : mapping
        Mode of each (service, commune) pair.
    after : PlanEvaluation, optional
        ``evaluate_plan(costs, plan)`` (computed when omitted).
    samples, seed : int
        Permutations and seed of the sampled estimate (pools above ``exact_max``).
    exact_max : int
        Largest pool whose Shapley values are computed exactly (at most 15).

    Returns
    -------
    DataFrame
        One row per member of every opened pool (share and transfer), columns
        :data:`ALLOCATION_COLUMNS`: ``cost_alone`` [EUR/year] (its cost today),
        ``savings_key`` [EUR/year] = cost alone − what it pays: its bill
        (``after.pairs.cost_after``) for a shared unit; for a transfer, whose
        money goes through the attribution de compensation, its share of the
        unit's cost by units of work (common cost × its units / the unit's
        units, plus its own member cost), so the comparison is about the
        unit's economics; ``savings_shapley`` [EUR/year]; ``stderr``
        [EUR/year] of the estimate (0 when exact); ``method`` ("exact" or
        "sampled") and ``permutations`` (0 when exact). Per pool, both savings columns add up
        to the pool's savings v(M) (sampled values up to rounding).
    """
    if exact_max > MAX_EXACT_PLAYERS:
        raise MutusimError(f"exact_max may not exceed {MAX_EXACT_PLAYERS}, got {exact_max}")
    after = after if after is not None else evaluate_plan(costs, plan)
    members: dict[tuple[str, str], list[str]] = {}
    for (s, c), m in plan.items():
        if m in POOL_MODES:
            members.setdefault((s, m), []).append(c)
    bills = {
        (s, c): cost
        for s, c, m, cost in zip(
            after.pairs["service"],
            after.pairs["commune"],
            after.pairs["mode"],
            after.pairs["cost_after"],
            strict=True,
        )
        if m == "share"
    }
    frames = []
    for (s, p), cs in sorted(members.items()):
        cs = sorted(cs)
        game = pool_game(costs, scenario, s, p, cs)
        if p == "share":
            pays = np.array([bills[(s, c)] for c in cs], dtype=float)
        else:
            pays = _units_key_bill(game)
        if game.n <= exact_max:
            phi, err, method = shapley_exact(game.n, game), np.zeros(game.n), "exact"
            permutations = 0
        else:
            phi, err = shapley_sampled(game.n, game, samples=samples, seed=seed)
            method, permutations = "sampled", 2 * -(-samples // 2)
        frames.append(
            pd.DataFrame(
                {
                    "service": s,
                    "mode": p,
                    "commune": cs,
                    "cost_alone": game.cost_alone,
                    "savings_key": game.cost_alone - pays,
                    "savings_shapley": phi,
                    "stderr": err,
                    "method": method,
                    "permutations": permutations,
                }
            )
        )
    if not frames:
        text = ("service", "mode", "commune", "method")
        dtypes = {c: object if c in text else float for c in ALLOCATION_COLUMNS}
        dtypes["permutations"] = int
        return pd.DataFrame({c: pd.Series(dtype=d) for c, d in dtypes.items()})
    return pd.concat(frames, ignore_index=True)[ALLOCATION_COLUMNS]


def _units_key_bill(game: PoolGame) -> np.ndarray:
    """What each member would pay if the unit billed its common cost by units of work."""
    everyone = np.ones((1, game.n), dtype=bool)
    common = float(game.pool_cost(everyone)[0]) - float(game.member_cost.sum())
    total = float(game.units.sum())
    share = game.units / total if total > 0 else np.full(game.n, 1.0 / game.n)
    return common * share + game.member_cost
