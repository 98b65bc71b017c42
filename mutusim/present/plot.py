"""Plots for the committee (matplotlib, French titles).

Each takes a result (or the analysis it draws, e.g. a roadmap) and an
optional Axes, and returns the Axes; none computes anything beyond
reshaping the tables it is given. Numbers in titles go through
:mod:`mutusim.present.formatting`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap
from matplotlib.patches import Patch

from mutusim.core.result import Result
from mutusim.core.territory import Territory
from mutusim.core.timeline import Schedule
from mutusim.errors import NoPlanError
from mutusim.present.formatting import number
from mutusim.present.labels import MODE_LABELS

__all__ = [
    "MODE_COLOURS",
    "plot_commune_balance",
    "plot_mode_matrix",
    "plot_roadmap",
    "plot_savings_waterfall",
    "plot_staff",
]

MODE_COLOURS = {"keep": "#d9d9d9", "share": "#4c9be8", "transfer": "#e8864c"}


def _literal(names: Iterable[Any]) -> list[str]:
    """Names as matplotlib shows them literally: a ``$`` opens no mathtext formula.

    A service called ``$x^$`` would otherwise be parsed as a formula and make
    the figure (and the report) fail.
    """
    return [str(n).replace("$", r"\$") for n in names]


def _need_plan(result: Result) -> None:
    if not result.has_plan:
        raise NoPlanError(f"no plan to plot: the result's status is '{result.status}'")


def plot_mode_matrix(result: Result, ax: Axes | None = None, max_communes: int = 60) -> Axes:
    """Matrix of the mode chosen for each service (rows) and commune (columns).

    Communes are sorted by decreasing population; beyond ``max_communes`` only
    the largest are shown (the title says so).

    Parameters
    ----------
    result : Result
        A result with a plan.
    ax : Axes, optional
        Where to draw (a new figure by default).
    max_communes : int
        Most communes shown.

    Returns
    -------
    Axes
    """
    _need_plan(result)
    d = result.decisions
    communes = result.territory.communes.sort_values("population", ascending=False)
    shown = communes.index[:max_communes]
    services = list(result.territory.services.index)
    code = {"keep": 0, "share": 1, "transfer": 2}
    grid = d.pivot(index="service", columns="commune", values="mode").reindex(
        index=services, columns=shown
    )
    z = grid.apply(lambda col: col.map(code)).to_numpy(dtype=float)
    if ax is None:
        _, ax = plt.subplots(figsize=(max(6, 0.25 * len(shown) + 3), 0.4 * len(services) + 1.5))
    cmap = ListedColormap([MODE_COLOURS[m] for m in ("keep", "share", "transfer")])
    ax.imshow(z, aspect="auto", cmap=cmap, vmin=-0.5, vmax=2.5, interpolation="nearest")
    ax.set_yticks(range(len(services)), _literal(result.territory.services["name"]), fontsize=8)
    ax.set_xticks(
        range(len(shown)), _literal(communes.loc[shown, "name"]), rotation=90, fontsize=7
    )
    more = "" if len(communes) <= max_communes else f" ({max_communes} communes les plus peuplées)"
    ax.set_title(f"Mode retenu par service et par commune{more}", pad=28)
    ax.legend(
        handles=[Patch(color=MODE_COLOURS[m], label=MODE_LABELS[m]) for m in MODE_COLOURS],
        loc="lower center",
        bbox_to_anchor=(0.5, 1.0),
        ncol=3,
        fontsize=8,
        frameon=False,
    )
    return ax


def plot_savings_waterfall(result: Result, ax: Axes | None = None) -> Axes:
    """From today's annual cost to the plan's, one step per service [EUR/year].

    Parameters
    ----------
    result : Result
        A result with a plan.
    ax : Axes, optional
        Where to draw.

    Returns
    -------
    Axes
    """
    _need_plan(result)
    bs = result.by_service
    bs = bs[bs["savings"].abs() > 0.5].sort_values("savings", ascending=False)
    labels = ["Coût actuel", *_literal(bs["name"]), "Coût du plan"]
    steps = -bs["savings"].to_numpy()
    start = float(result.baseline_cost or 0.0)
    bottoms, heights, colours = [0.0], [start], ["#7f7f7f"]
    level = start
    for s in steps:
        bottoms.append(level + min(s, 0.0))
        heights.append(abs(s))
        colours.append("#2ca02c" if s < 0 else "#d62728")
        level += s
    bottoms.append(0.0)
    heights.append(level)
    colours.append("#1f77b4")
    if ax is None:
        _, ax = plt.subplots(figsize=(max(6, 0.6 * len(labels) + 2), 4.5))
    k = 1e-3
    ax.bar(range(len(labels)), np.array(heights) * k, bottom=np.array(bottoms) * k, color=colours)
    ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right", fontsize=8)
    ax.set_ylabel("k€ par an")
    ax.set_title(
        f"Du coût actuel au coût du plan : {number((result.savings or 0.0) * k)} k€ "
        "d'économies par an"
    )
    lo = min(b for b in bottoms[1:-1]) if len(bottoms) > 2 else level
    ax.set_ylim(bottom=max(0.0, 0.9 * min(lo, level)) * k)
    return ax


def plot_commune_balance(result: Result, ax: Axes | None = None, top: int = 30) -> Axes:
    """Annual cost before and after for each commune (the ``top`` largest) [EUR/year].

    Parameters
    ----------
    result : Result
        A result with a plan.
    ax : Axes, optional
        Where to draw.
    top : int
        Most communes shown (the most populous).

    Returns
    -------
    Axes
    """
    _need_plan(result)
    bc = result.by_commune.sort_values("population", ascending=False).head(top)
    if ax is None:
        _, ax = plt.subplots(figsize=(max(6, 0.35 * len(bc) + 2), 4.5))
    x = np.arange(len(bc))
    k = 1e-3
    ax.bar(x - 0.2, bc["cost_before"] * k, width=0.4, label="Avant", color="#7f7f7f")
    ax.bar(x + 0.2, bc["cost_after"] * k, width=0.4, label="Après", color="#1f77b4")
    ax.set_xticks(x, _literal(bc["name"]), rotation=90, fontsize=7)
    ax.set_yscale("log")
    ax.set_ylabel("k€ par an (échelle log)")
    ax.set_title("Coût annuel des services étudiés, par commune : avant / après")
    ax.legend(frameon=False)
    return ax


def plot_roadmap(schedule: Schedule, ax: Axes | None = None) -> Axes:
    """Yearly and cumulative savings over the horizon, and the plan's NPV in the title [EUR].

    Parameters
    ----------
    schedule : Schedule
        A roadmap (:func:`mutusim.analysis.phasing.roadmap`).
    ax : Axes, optional
        Where to draw.

    Returns
    -------
    Axes
    """
    rm = schedule.roadmap
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 4.5))
    k = 1e-3
    years = rm["year"].to_numpy()
    colours = ["#2ca02c" if v >= 0 else "#d62728" for v in rm["savings"]]
    ax.bar(years, rm["savings"] * k, color=colours, label="Économies de l'année")
    ax.plot(
        years,
        rm["cumulative_savings"] * k,
        color="#1f77b4",
        marker="o",
        label="Économies cumulées",
    )
    ax.axhline(0, color="#555", linewidth=0.8)
    ax.set_xticks(years)
    ax.set_ylabel("k€")
    ax.set_title(f"Feuille de route : économies par année (VAN {number(schedule.npv * k)} k€)")
    ax.legend(frameon=False, fontsize=8)
    return ax


def plot_staff(schedule: Schedule, territory: Territory, ax: Axes | None = None) -> Axes:
    """Staff of the pooled units year by year: reductions arrive only with departures [FTE].

    Parameters
    ----------
    schedule : Schedule
        A roadmap.
    territory : Territory
        For the services' names.
    ax : Axes, optional
        Where to draw.

    Returns
    -------
    Axes
    """
    st = schedule.staff
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 4.5))
    names = territory.services["name"]
    for (s, m), g in st.groupby(["service", "mode"], sort=True):
        ax.plot(
            g["year"],
            g["staff"],
            marker=".",
            label=f"{_literal([names.get(s, s)])[0]} ({MODE_LABELS[m].split(' ')[0].lower()})",
        )
    ax.set_ylabel("ETP")
    ax.set_title("Effectifs des services mutualisés : réduction par départs non remplacés")
    if st.empty:
        ax.text(
            0.5,
            0.5,
            "Aucun service mutualisé ne change dans la période",
            ha="center",
            va="center",
            transform=ax.transAxes,
        )
    else:
        ax.legend(frameon=False, fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return ax
