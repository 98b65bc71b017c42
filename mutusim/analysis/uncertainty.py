"""Robustness: the plan under uncertain parameters, by Monte Carlo (issue 11.4, DOMAIN.md §4).

Pooling often saves nothing (DOMAIN.md §4): the calibrated parameters of the
pooled units are uncertain. :func:`robustness` draws them from documented
ranges (:data:`UNCERTAINTY`, which the analyst can replace) and

(a) prices the **chosen plan, with its start years**, under each draw (no
    re-solve): the distribution of its NPV and long-run savings, P10 / P50 /
    P90, the probability of losing money, per service and per commune;
(b) optionally **re-optimises** a number of the draws: how often each
    service's decision (keep, share, transfer) is the optimal one, with the 95 %
    Wilson interval of that share (:func:`wilson_interval`): how far more draws
    could still move it.

Every pooled parameter of a service moves by one factor drawn for that service
(its share and transfer units together); the departure rate is one value per
draw. Draws are seeded and reproducible; re-optimised draws run in parallel
on ``workers`` processes (the machine's cores by default), in draw order
whatever the number of workers.

Re-optimised draws take long (about 0.2 s each on Angers with two workers). With
a ``journal`` file each one is written there as it finishes (one JSON line,
flushed to disk), so a run interrupted, even killed, loses at most the draws
being solved: the same call again reads the draws already solved and solves
only the others. The journal's first line is a digest of everything the draws
depend on (territory, scenario, seed, ranges, number of draws, mutusim's
version); a journal of other inputs is refused, never mixed in.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import os
from collections.abc import Callable, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import norm

from mutusim._files import atomic_write
from mutusim.analysis.decisions import service_decisions
from mutusim.analysis.perturb import POOLED_PARAMETERS, scale_pooled, with_departure_rate
from mutusim.analysis.phasing import evaluate_schedule
from mutusim.core.costs import CostData
from mutusim.core.evaluate import evaluate_plan, status_quo
from mutusim.core.result import Result
from mutusim.core.scenario import Scenario
from mutusim.core.territory import Territory
from mutusim.errors import MutusimError
from mutusim.model import phased
from mutusim.model.pipeline import optimise

__all__ = [
    "DECISION_CONFIDENCE",
    "UNCERTAINTY",
    "Robustness",
    "draw_parameters",
    "robustness",
    "wilson_interval",
]

#: Uniform ranges of the uncertain parameters: (low, high, kind, source). ``factor``
#: multiplies the service's pooled-unit value, ``value`` replaces the departure rate.
UNCERTAINTY: dict[str, tuple[float, float, str, str]] = {
    "units_per_fte": (
        0.8,
        1.2,
        "factor",
        "DOMAIN §4: pooled productivity gains are uncertain, many poolings saved nothing [V 82-91]",
    ),
    "fixed_cost": (0.7, 1.5, "factor", "DOMAIN §4, §6.9: fixed costs of a new unit [U]"),
    "cost_per_fte": (
        0.97,
        1.08,
        "factor",
        "DOMAIN §3 [V 64, 65]: pay harmonised upwards, 40.7 % expect a higher payroll",
    ),
    "transition_cost": (
        0.5,
        2.0,
        "factor",
        "DOMAIN §3, §6.8 [V 64]: harmonisation, training, IT [U]",
    ),
    "departure_rate": (
        0.025,
        0.040,
        "value",
        "DOMAIN §3: retirements ≈ 3.2 %/yr and rising [V 70-73]; for departures 'all', "
        "the range is scaled to 6.9 %",
    ),
}


#: Confidence level of the interval around each decision's share of re-optimised draws.
DECISION_CONFIDENCE = 0.95


@dataclass(frozen=True)
class Robustness:
    """The plan under uncertainty (plain data).

    Attributes
    ----------
    draws : DataFrame
        One row per draw: ``draw``, ``departure_rate``, ``npv`` [EUR],
        ``steady_savings`` [EUR/year], ``loses`` (NPV < 0).
    summary : DataFrame
        ``measure`` (npv, steady_savings), ``p10``, ``p50``, ``p90``, ``mean``,
        and ``p_loss`` (share of draws below 0).
    by_service : DataFrame
        Per started service: P10 / P50 / P90 of its NPV contribution [EUR] and
        the share of draws where it loses money.
    by_commune : DataFrame
        Per commune: P10 / P50 / P90 of its long-run budget balance
        [EUR/year, negative = saving] and the share of draws where it pays more.
    decisions : DataFrame or None
        With re-optimised draws: per service and decision, the number and share of
        those draws where it is optimal (``draws_optimal``, ``share_of_draws``), the
        95 % Wilson interval of that share (``share_low``, ``share_high``: what more
        draws could still move it to) and the plan's decision (``plan_decision``),
        which is listed even when no draw finds it optimal.
    factors : DataFrame
        The draws themselves: ``draw``, ``service``, ``parameter``, ``factor``.
    """

    draws: pd.DataFrame
    summary: pd.DataFrame
    by_service: pd.DataFrame
    by_commune: pd.DataFrame
    decisions: pd.DataFrame | None
    factors: pd.DataFrame


def draw_parameters(
    services: list[str],
    draws: int,
    seed: int,
    uncertainty: Mapping[str, tuple[float, float, str, str]] = UNCERTAINTY,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Seeded draws of the pooled-unit factors per service and of the departure rate.

    Parameters
    ----------
    services : list of str
        Services whose pooled units move.
    draws : int
        Number of draws.
    seed : int
        Seed of ``numpy.random.default_rng``.
    uncertainty : mapping
        Parameter -> (low, high, kind, source), uniform (see :data:`UNCERTAINTY`).

    Returns
    -------
    (DataFrame, ndarray)
        Factors (``draw``, ``service``, ``parameter``, ``factor``) and the
        departure rate of each draw (NaN when not drawn).
    """
    rng = np.random.default_rng(seed)
    rows = []
    unit_params = [p for p in POOLED_PARAMETERS if p in uncertainty]
    for p in unit_params:
        low, high, kind, _ = uncertainty[p]
        if kind != "factor" or not 0 < low <= high:
            raise MutusimError(f"uncertainty[{p}] must be a factor range 0 < low <= high")
        values = rng.uniform(low, high, size=(draws, len(services)))
        for d in range(draws):
            for j, s in enumerate(services):
                rows.append((d, s, p, float(values[d, j])))
    rates = np.full(draws, np.nan)
    if "departure_rate" in uncertainty:
        low, high, _, _ = uncertainty["departure_rate"]
        rates = rng.uniform(low, high, size=draws)
    factors = pd.DataFrame(rows, columns=["draw", "service", "parameter", "factor"])
    return factors, rates


def _drawn(
    t: Territory, sc: Scenario, factors: pd.DataFrame, rate: float
) -> tuple[Territory, Scenario]:
    scaled = factors.set_index(["service", "parameter"])["factor"].to_dict()
    if np.isnan(rate):
        drawn_sc = sc
    elif sc.departures == "retirements":
        drawn_sc = with_departure_rate(sc, rate)
    else:  # the range is given for retirements: scaled to all departures
        drawn_sc = with_departure_rate(sc, rate * sc.all_departure_rate / sc.retirement_rate)
    return scale_pooled(t, scaled), drawn_sc


def _reoptimised(args: tuple[Territory, Scenario, list[str]]) -> dict[str, str]:
    t, sc, services = args
    res = optimise(t, sc)
    if not res.has_plan:
        return dict.fromkeys(services, str(res.status))
    return service_decisions(res, services)


#: What a journal's first line says it is.
JOURNAL_KIND = "mutusim.robustness journal"


class _Journal:
    """Re-optimised draws on disk: a header line, then one JSON line per draw solved."""

    def __init__(self, path: Path, key: str, services: list[str], draws: int) -> None:
        self.path, self.key, self.services, self.draws = path, key, services, draws

    def _fix(self, line: int, what: str) -> MutusimError:
        return MutusimError(
            f"{self.path}, line {line}: {what}. This file is not a robustness journal mutusim "
            f"can resume from; give another journal file, or delete this one to start again."
        )

    def _unusable(self, err: OSError) -> MutusimError:
        return MutusimError(
            f"{self.path}: the journal cannot be read or written ({err.strerror or err}); "
            f"give a file in a folder you can write to."
        )

    def read(self) -> dict[int, dict[str, str]]:
        """The draws already solved (a new journal gets its header), checked line by line."""
        try:
            return self._read()
        except OSError as err:
            raise self._unusable(err) from err

    def _read(self) -> dict[int, dict[str, str]]:
        if not self.path.exists() or self.path.stat().st_size == 0:
            header = json.dumps({"kind": JOURNAL_KIND, "key": self.key}) + "\n"
            atomic_write(self.path, lambda p: p.write_text(header, encoding="utf-8"))
            return {}
        data = self.path.read_bytes()
        complete = data[: data.rfind(b"\n") + 1]
        if len(complete) < len(data):
            # the last line was being written when the run stopped: it is dropped
            with self.path.open("r+b") as f:
                f.truncate(len(complete))
        try:
            lines = complete.decode("utf-8").splitlines()
        except UnicodeDecodeError:
            raise self._fix(1, "not UTF-8 text") from None
        head: object = None
        with contextlib.suppress(json.JSONDecodeError):
            head = json.loads(lines[0]) if lines else None
        if not isinstance(head, dict) or head.get("kind") != JOURNAL_KIND:
            raise self._fix(1, "no robustness journal header")
        if head.get("key") != self.key:
            raise MutusimError(
                f"{self.path}: this journal records the draws of other inputs (territory, "
                f"scenario, seed, ranges, number of draws or mutusim's version). Give another "
                f"journal file for these inputs, or delete this one to start again."
            )
        done: dict[int, dict[str, str]] = {}
        for n, text in enumerate(lines[1:], start=2):
            try:
                row = json.loads(text)
            except json.JSONDecodeError:
                raise self._fix(n, "not a JSON line") from None
            draw = row.get("draw") if isinstance(row, dict) else None
            decisions = row.get("decisions") if isinstance(row, dict) else None
            if not isinstance(draw, int) or not 0 <= draw < self.draws:
                raise self._fix(n, f"'draw' must be a draw number from 0 to {self.draws - 1}")
            if not isinstance(decisions, dict) or sorted(decisions) != sorted(self.services):
                raise self._fix(
                    n, f"'decisions' must give one decision per service {self.services}"
                )
            done[draw] = {str(k): str(v) for k, v in decisions.items()}
        return done

    def write(self, draw: int, decisions: dict[str, str]) -> None:
        """Append one solved draw, on disk before returning."""
        line = json.dumps({"draw": draw, "decisions": decisions}, ensure_ascii=False) + "\n"
        try:
            with self.path.open("a", encoding="utf-8") as f:
                f.write(line)
                f.flush()
                os.fsync(f.fileno())
        except OSError as err:
            raise self._unusable(err) from err


def _journal_key(
    territory: Territory,
    scenario: Scenario,
    seed: int,
    draws: int,
    uncertainty: Mapping[str, tuple[float, float, str, str]],
) -> str:
    """Digest of everything the re-optimised draws depend on."""
    from mutusim import __version__

    parts: dict[str, Any] = {
        "territory": territory.digest(),
        "scenario": scenario.to_dict(),
        "seed": seed,
        "draws": draws,
        "uncertainty": {k: list(v) for k, v in sorted(uncertainty.items())},
        "mutusim": __version__,
    }
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.blake2b(text.encode("utf-8"), digest_size=20).hexdigest()


def _one_thread() -> None:
    """Set up a worker process: one thread, and the inherited objects out of the collector's way.

    The processes already share the cores, so each solves on one thread. The objects
    the worker starts with (modules, territory, scenario) live as long as it does:
    :func:`gc.freeze` leaves them out of the cyclic collector's full collections,
    which otherwise walk every one of them every few draws (measured in one process
    on Angers: 20 ms of collection a draw, 8-11 ms with them frozen).
    """
    phased.THREADS = 1
    gc.freeze()


def _quantiles(values: pd.Series) -> dict[str, float]:
    q = values.quantile([0.1, 0.5, 0.9]).to_numpy()
    return {"p10": float(q[0]), "p50": float(q[1]), "p90": float(q[2])}


def robustness(
    result: Result,
    draws: int = 1000,
    seed: int = 0,
    uncertainty: Mapping[str, tuple[float, float, str, str]] | None = None,
    reoptimise: int = 0,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    journal: str | os.PathLike[str] | None = None,
) -> Robustness:
    """Monte Carlo over the uncertain parameters: the plan's NPV and decisions.

    Parameters
    ----------
    result : Result
        A result with a plan (its plan and start years are priced under each draw).
    draws : int
        Number of draws priced.
    seed : int
        Seed: the same seed gives the same draws and results.
    uncertainty : mapping, optional
        Replaces :data:`UNCERTAINTY` (a parameter left out does not move).
    reoptimise : int
        How many of the draws (the first ones) are also re-optimised (0: none).
    workers : int, optional
        Processes for the re-optimised draws; by default the machine's cores
        (``os.cpu_count()``), 1 solving in this process. The results do not depend on it.
    progress : callable, optional
        Called as ``progress(done, total)`` after each draw priced or re-optimised
        (draws read from the journal count as done).
    journal : str or path-like, optional
        A file that keeps each re-optimised draw as it is solved (created if absent):
        called again with the same inputs and journal, the run solves only the draws
        the file does not have yet (module docstring).

    Returns
    -------
    Robustness

    Raises
    ------
    MutusimError
        No plan, a bad number of draws, or a journal of other inputs (or not a journal).
    """
    if not result.has_plan:
        raise MutusimError("robustness needs a result with a plan")
    if workers is None:
        workers = os.cpu_count() or 1
    if draws < 1 or not 0 <= reoptimise <= draws or workers < 1:
        raise MutusimError("draws >= 1, 0 <= reoptimise <= draws and workers >= 1")
    t, sc = result.territory, result.scenario
    services = t.service_codes
    ranges = UNCERTAINTY if uncertainty is None else uncertainty
    factors, rates = draw_parameters(services, draws, seed, ranges)
    log = None
    known: dict[int, dict[str, str]] = {}
    if journal is not None and reoptimise:
        key = _journal_key(t, sc, seed, draws, ranges)
        log = _Journal(Path(journal), key, services, draws)
        known = log.read()  # before any work: a wrong journal is refused at once
    by_draw = dict(tuple(factors.groupby("draw"))) if len(factors) else {}
    empty = pd.DataFrame(columns=["service", "parameter", "factor"])
    plan, starts = result.plan, result.starts
    total = draws + reoptimise
    rows, service_rows, commune_rows = [], [], []
    scenarios = []
    for d in range(draws):
        dt, dsc = _drawn(t, sc, by_draw.get(d, empty), float(rates[d]))
        if d < reoptimise:
            scenarios.append((dt, dsc, services))
        sch = evaluate_schedule(dt, dsc, plan, starts)
        rows.append(
            {
                "draw": d,
                "departure_rate": float(rates[d]),
                "npv": sch.npv,
                "steady_savings": sch.steady_savings,
                "loses": sch.npv < 0,
            }
        )
        for s, v in zip(sch.starts["service"], sch.starts["npv_contribution"], strict=True):
            service_rows.append((d, str(s), float(v)))
        costs = CostData.from_inputs(dt, dsc)
        after = evaluate_plan(costs, plan).pairs.groupby("commune")["cost_after"].sum()
        before = (
            evaluate_plan(costs, status_quo(costs)).pairs.groupby("commune")["cost_after"].sum()
        )
        for c in t.communes.index:
            commune_rows.append((d, str(c), float(after.get(c, 0.0) - before.get(c, 0.0))))
        if progress is not None:
            progress(d + 1, total)
    table = pd.DataFrame(rows)
    summary = pd.DataFrame(
        [
            {
                "measure": m,
                **_quantiles(table[m]),
                "mean": float(table[m].mean()),
                "p_loss": float((table[m] < 0).mean()),
            }
            for m in ("npv", "steady_savings")
        ]
    )
    per_service = pd.DataFrame(service_rows, columns=["draw", "service", "npv"])
    by_service = pd.DataFrame(
        [
            {"service": s, **_quantiles(g["npv"]), "p_loss": float((g["npv"] < 0).mean())}
            for s, g in per_service.groupby("service", sort=False)
        ],
        columns=["service", "p10", "p50", "p90", "p_loss"],
    )
    per_commune = pd.DataFrame(commune_rows, columns=["draw", "commune", "balance"])
    by_commune = pd.DataFrame(
        [
            {
                "commune": c,
                "name": str(t.communes.at[c, "name"]),
                **_quantiles(g["balance"]),
                "p_worse": float((g["balance"] > 1e-6).mean()),
            }
            for c, g in per_commune.groupby("commune", sort=False)
        ],
        columns=["commune", "name", "p10", "p50", "p90", "p_worse"],
    )
    decisions = None
    if reoptimise:
        solved = {d: v for d, v in known.items() if d < reoptimise}
        todo = [d for d in range(reoptimise) if d not in solved]

        def record(d: int, out: dict[str, str]) -> None:
            solved[d] = out
            if log is not None:
                log.write(d, out)
            if progress is not None:
                progress(draws + len(solved), total)

        if solved and progress is not None:
            progress(draws + len(solved), total)
        if workers > 1 and len(todo) > 1:
            pool = ProcessPoolExecutor(max_workers=workers, initializer=_one_thread)
            try:
                jobs = pool.map(_reoptimised, [scenarios[d] for d in todo])
                for d, out in zip(todo, jobs, strict=True):
                    record(d, out)
            finally:
                # interrupted: the draws not started are dropped, not solved first
                pool.shutdown(wait=True, cancel_futures=True)
        else:
            for d in todo:
                record(d, _reoptimised(scenarios[d]))
        outcomes = [solved[d] for d in range(reoptimise)]
        decisions = _decision_shares(outcomes, service_decisions(result, services))
    return Robustness(table, summary, by_service, by_commune, decisions, factors)


def _decision_shares(outcomes: list[dict[str, str]], plan: dict[str, str]) -> pd.DataFrame:
    """Per service and decision, how many re-optimised draws find it optimal, with a 95 % interval.

    ``outcomes``: each draw's decision per service; ``plan``: the plan's decision per
    service, listed even when no draw finds it optimal (0 draws).
    """
    n = len(outcomes)
    counts: dict[tuple[str, str], int] = {(s, d): 0 for s, d in plan.items()}
    for out in outcomes:
        for s, d in out.items():
            counts[(s, d)] = counts.get((s, d), 0) + 1
    keys = sorted(counts)
    k = np.array([counts[key] for key in keys], dtype=float)
    low, high = wilson_interval(k, n, DECISION_CONFIDENCE)
    return pd.DataFrame(
        {
            "service": [s for s, _ in keys],
            "decision": [d for _, d in keys],
            "draws_optimal": k.astype(int),
            "share_of_draws": k / n,
            "share_low": low,
            "share_high": high,
            "plan_decision": [plan[s] for s, _ in keys],
        }
    )


def wilson_interval(
    successes: np.ndarray, trials: int, level: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of a binomial proportion (Wilson 1927).

    With ``p = k / n`` and ``z`` the standard normal quantile of ``(1 + level) / 2``,
    the interval is ``(p + z²/2n ± z √(p(1 − p)/n + z²/4n²)) / (1 + z²/n)``. Unlike
    ``p ± z √(p(1 − p)/n)`` it stays within [0, 1] and is not empty at ``k = 0`` or
    ``k = n``: 0 optimal draws out of 100 still leave up to 3.7 % at 95 %.

    Parameters
    ----------
    successes : ndarray
        Counts ``k`` (draws where a decision is optimal).
    trials : int
        ``n`` (re-optimised draws), at least 1.
    level : float
        Confidence level, in (0, 1).

    Returns
    -------
    (ndarray, ndarray)
        Lower and upper bounds, as shares in [0, 1].
    """
    if trials < 1 or not 0 < level < 1:
        raise MutusimError("wilson_interval needs trials >= 1 and 0 < level < 1")
    z = float(norm.ppf(0.5 + level / 2))
    k = np.asarray(successes, dtype=float)
    p = k / trials
    z2n = z * z / trials
    centre = (p + z2n / 2) / (1 + z2n)
    half = z / (1 + z2n) * np.sqrt(p * (1 - p) / trials + z2n / (4 * trials))
    # exact at the ends (centre - half is 0 at k = 0 only up to rounding)
    low = np.where(k <= 0, 0.0, np.clip(centre - half, 0.0, 1.0))
    high = np.where(k >= trials, 1.0, np.clip(centre + half, 0.0, 1.0))
    return low, high
