"""Alternatives: the k best plans that differ in structure, by no-good cuts (issue 11.2).

A committee never adopts "the optimum" alone: it asks which other plans are
nearly as good. Two plans differ *structurally* when at least one service
differs in its **signature**: whether it changes at all within the horizon,
whether it opens (or joins) a service commun, whether it transfers. Plans that
only differ by one commune more or less in the same unit, or by a start year,
have the same signature and are not alternatives of each other: for each
signature the model keeps its best perimeter and years. The distance between
two plans is the number of services whose signature differs (at least 1).

:func:`alternatives` solves the whole model, records the optimum's signature,
adds a cut excluding it, solves again, and so on: the i-th plan is the best of
those whose signature differs from every earlier one. Each is a full
:class:`~mutusim.core.result.Result`, re-verified by the checker.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pandas as pd
import pulp

from mutusim.core.result import Result
from mutusim.core.scenario import Scenario
from mutusim.core.territory import Territory
from mutusim.errors import MutusimError
from mutusim.model.milp import MilpModel
from mutusim.model.pipeline import optimise_extended

__all__ = ["ALTERNATIVE_COLUMNS", "alternatives", "signature"]

#: Columns of :func:`alternatives`.
ALTERNATIVE_COLUMNS = [
    "rank",
    "npv",
    "extra_cost",
    "steady_savings",
    "status",
    "signature",
    "result",
]

#: The flags of a service's signature.
_FLAGS = ("changes", "share", "transfer")


def signature(result: Result) -> tuple[tuple[str, bool, bool, bool], ...]:
    """The structure of a plan: per service, (changes, opens or joins a share, transfers).

    Parameters
    ----------
    result : Result
        A result with a plan.

    Returns
    -------
    tuple
        ``(service, changes, share, transfer)`` per service, in the territory's order.
    """
    d = result.decisions
    out = []
    for s in result.territory.service_codes:
        rows = d[d["service"] == s]
        moved = rows[rows["mode"] != rows["current"]]
        out.append(
            (
                s,
                not moved.empty,
                bool((moved["mode"] == "share").any()),
                bool((moved["mode"] == "transfer").any()),
            )
        )
    return tuple(out)


def _flags(model: MilpModel) -> dict[tuple[str, str], pulp.LpAffineExpression]:
    """Per (service, flag) an expression equal to the flag in every integer solution."""
    out: dict[tuple[str, str], pulp.LpAffineExpression] = {}
    data = model.data
    for s in data.services:
        out[(s, "changes")] = pulp.lpSum(z for (s2, _t), z in model.z.items() if s2 == s)
        for p in ("share", "transfer"):
            moves = [
                v
                for (s2, c, m, _t), v in model.x.items()
                if s2 == s and m == p and data.pair(s, c).arrangement != p
            ]
            flag = pulp.LpVariable(f"alt_{p}__{s}", cat=pulp.LpBinary)
            model.aux[f"alt_{p}__{s}"] = flag
            for i, v in enumerate(moves):
                model.lp += flag >= v, f"alt_{p}_ge__{s}__{i}"
            model.lp += flag <= pulp.lpSum(moves), f"alt_{p}_le__{s}"
            out[(s, p)] = pulp.LpAffineExpression(flag)
    return out


def _cuts(
    signatures: list[tuple[tuple[str, bool, bool, bool], ...]],
) -> Callable[[MilpModel], None]:
    def extend(model: MilpModel) -> None:
        flags = _flags(model)
        for k, sig in enumerate(signatures):
            terms = []
            for s, *values in sig:
                for name, on in zip(_FLAGS, values, strict=True):
                    e = flags[(s, name)]
                    terms.append(1 - e if on else e)
            model.lp += pulp.lpSum(terms) >= 1, f"alt_nogood__{k}"

    return extend


def alternatives(
    territory: Territory,
    scenario: Scenario | None = None,
    k: int = 3,
    within: float | None = None,
    services: Iterable[str] | None = None,
) -> pd.DataFrame:
    """The k best plans of distinct structure, best first.

    Parameters
    ----------
    territory : Territory
    scenario : Scenario, optional
    k : int
        How many plans, the optimum included.
    within : float, optional
        Stop at plans whose NPV is more than ``within`` below the optimum's [EUR].
    services : iterable of str, optional
        Restrict the comparison to these services (the others may vary freely
        between alternatives).

    Returns
    -------
    DataFrame
        Columns :data:`ALTERNATIVE_COLUMNS`: ``rank`` (1 = the optimum),
        ``npv`` [EUR], ``extra_cost`` = the optimum's NPV minus it [EUR],
        ``steady_savings`` [EUR/year], ``status``, ``signature`` (see
        :func:`signature`) and the full ``result``. Fewer than k rows when no
        other structure is feasible (or within reach).

    Raises
    ------
    MutusimError
        k < 1, or the scenario has no plan.
    """
    if k < 1:
        raise MutusimError("k must be >= 1")
    sc = (scenario or Scenario()).replace(decompose=False)
    keep = set(services) if services is not None else None
    seen: list[tuple[tuple[str, bool, bool, bool], ...]] = []
    rows = []
    best = None
    for rank in range(1, k + 1):
        res = optimise_extended(territory, sc, _cuts(seen))
        if not res.has_plan or res.npv is None:
            if rank == 1:
                raise MutusimError(f"the scenario has no plan (status {res.status})")
            break
        best = res.npv if best is None else best
        if within is not None and best - res.npv > within + 1e-6:
            break
        sig = signature(res)
        if keep is not None:
            sig = tuple(x for x in sig if x[0] in keep)
        seen.append(sig)
        rows.append(
            {
                "rank": rank,
                "npv": float(res.npv),
                "extra_cost": float(best - res.npv),
                "steady_savings": float(res.savings or 0.0),
                "status": str(res.status),
                "signature": sig,
                "result": res,
            }
        )
    return pd.DataFrame(rows, columns=ALTERNATIVE_COLUMNS)
