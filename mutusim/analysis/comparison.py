"""Side-by-side comparison of results (first version of PRODUCT.md S2)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from mutusim.core.result import Result
from mutusim.errors import MutusimError, NoPlanError

__all__ = ["compare", "diff_decisions"]


def compare(results: Sequence[Result]) -> pd.DataFrame:
    """One row per result: status, costs [EUR/year], savings, FTE moved, and plan counts.

    Parameters
    ----------
    results : sequence of Result
        Results whose scenario names are unique (they index the table).

    Returns
    -------
    DataFrame
        Indexed by scenario name.
    """
    names = [r.scenario.name for r in results]
    if len(set(names)) != len(names):
        raise MutusimError(
            f"compare(): scenario names must be unique, got {names}; rename with scenario.replace(name=...)"
        )
    rows = []
    for r in results:
        row = r.summary()
        counts = r.decisions["mode"].value_counts() if r.has_plan else pd.Series(dtype=int)
        for m in ("keep", "share", "transfer"):
            row[f"pairs_{m}"] = int(counts.get(m, 0)) if r.has_plan else None
        row["pools_opened"] = len(r.pools) if r.has_plan else None
        rows.append(row)
    return pd.DataFrame(rows).set_index("scenario")


def diff_decisions(a: Result, b: Result) -> pd.DataFrame:
    """Pairs whose mode differs between two results (service, commune, mode in each).

    Parameters
    ----------
    a, b : Result
        Two results with a plan, on the same territory.

    Returns
    -------
    DataFrame
        ``service``, ``commune``, ``mode_<a>``, ``mode_<b>``.
    """
    if not (a.has_plan and b.has_plan):
        raise NoPlanError("diff_decisions(): both results need a plan")
    key = ["service", "commune"]
    m = a.decisions[[*key, "mode"]].merge(
        b.decisions[[*key, "mode"]],
        on=key,
        suffixes=(f"_{a.scenario.name}", f"_{b.scenario.name}"),
    )
    cols = m.columns[-2:]
    return m[m[cols[0]] != m[cols[1]]].reset_index(drop=True)
