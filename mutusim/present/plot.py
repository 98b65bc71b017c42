"""Plots for the committee (matplotlib): honest scales, values printed, French words.

Each takes a result (or the analysis it draws, e.g. a roadmap) and an
optional Axes, and returns the Axes; none computes anything beyond
reshaping the tables it is given. Every figure has a French title, its unit
on the axis, a source line, labels of at least 8 points written
horizontally where they are names, and bars that start from zero with their
value printed. Numbers go through :mod:`mutusim.present.formatting`; savings
follow its sign convention (positive = money saved).
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Iterable
from typing import Any, cast

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

from mutusim.core.result import Result
from mutusim.core.territory import Territory
from mutusim.core.timeline import Schedule
from mutusim.errors import NoPlanError
from mutusim.present.formatting import euros, kilo_euros, number, percent
from mutusim.present.labels import ALREADY_LABELS, MODE_LABELS, plural, scenario_title

__all__ = [
    "GAIN",
    "LOSS",
    "MODE_COLOURS",
    "commune_savings",
    "plot_commune_balance",
    "plot_mode_matrix",
    "plot_roadmap",
    "plot_savings_waterfall",
    "plot_scenario_savings",
    "plot_staff",
    "source_line",
]

MODE_COLOURS = {
    "keep": "#d9d9d9",
    "share": "#4c9be8",
    "transfer": "#e8864c",
    "already_share": "#b9d7f5",
    "already_transfer": "#f5cfb5",
}
#: Colours of a saving and of an extra cost.
GAIN = "#2ca02c"
LOSS = "#d62728"
_LABEL_PT = 9
_SOURCE_PT = 8
_K = 1e-3


def _literal(names: Iterable[Any]) -> list[str]:
    """Names as matplotlib shows them literally: a ``$`` opens no mathtext formula.

    A service called ``$x^$`` would otherwise be parsed as a formula and make
    the figure (and the report) fail.
    """
    return [str(n).replace("$", r"\$") for n in names]


def _need_plan(result: Result) -> None:
    if not result.has_plan:
        raise NoPlanError(f"no plan to plot: the result's status is '{result.status}'")


def source_line(result: Result) -> str:
    """The source line of a figure drawn from ``result``.

    Parameters
    ----------
    result : Result
        The result drawn.

    Returns
    -------
    str
    """
    return (
        f"Source : calculs mutusim — {result.territory.name}, scénario "
        f"« {scenario_title(result.scenario)} »."
    )


def _finish(ax: Axes, source: str | None, own: bool) -> None:
    """Lay out a figure the plot created, and put the source line under it.

    A figure handed in by the caller (``ax`` given) keeps its layout and gets
    the source line only when one is given.
    """
    fig = cast("Figure", ax.figure)
    if not own and source is None:
        return
    if own:
        height = float(fig.get_figheight()) * 72.0
        fig.tight_layout(rect=(0.0, min(0.2, 22.0 / height), 1.0, 1.0))
    text = source or "Source : calculs mutusim."
    fig.text(0.01, 0.01, text, fontsize=_SOURCE_PT, color="#555555", ha="left", va="bottom")


def _tick(value: float, _pos: object = None) -> str:
    """French tick label: grouped thousands, decimal comma when needed."""
    return number(value, 0 if float(value).is_integer() else 1)


def _french_axis(axis: object) -> None:
    axis.set_major_formatter(FuncFormatter(_tick))  # type: ignore[attr-defined]


def _wrap(text: str, width: int = 38) -> str:
    return textwrap.fill(str(text), width)


def plot_mode_matrix(
    result: Result, ax: Axes | None = None, max_communes: int = 60, source: str | None = None
) -> Axes:
    """Matrix of the mode chosen for each service (rows) and commune (columns).

    Communes are sorted by decreasing population; beyond ``max_communes`` only
    the largest are shown (the title says so). A mode the plan keeps from
    today (already shared or transferred) has a lighter colour of its own.

    Parameters
    ----------
    result : Result
        A result with a plan.
    ax : Axes, optional
        Where to draw (a new figure by default).
    max_communes : int
        Most communes shown.
    source : str, optional
        Source line (default: :func:`source_line`).

    Returns
    -------
    Axes
        Its image holds the codes 0 keep, 1 share, 2 transfer, 3 already
        shared, 4 already transferred.
    """
    _need_plan(result)
    d = result.decisions
    communes = result.territory.communes.sort_values("population", ascending=False)
    shown = communes.index[:max_communes]
    services = list(result.territory.services.index)
    code = {"keep": 0, "share": 1, "transfer": 2}
    values = [
        3 + (m == "transfer") if m == cur and m in ("share", "transfer") else code[m]
        for m, cur in zip(d["mode"], d["current"], strict=True)
    ]
    grid = (
        d.assign(code=values)
        .pivot(index="service", columns="commune", values="code")
        .reindex(index=services, columns=shown)
    )
    z = grid.to_numpy(dtype=float)
    own = ax is None
    if ax is None:
        longest = max((len(str(n)) for n in communes.loc[shown, "name"]), default=0)
        _, ax = plt.subplots(  # room for the commune names, written upwards
            figsize=(
                max(7.0, 0.3 * len(shown) + 4.5),
                0.42 * len(services) + 2.8 + 0.075 * min(longest, 60),
            )
        )
    keys = ["keep", "share", "transfer", "already_share", "already_transfer"]
    cmap = ListedColormap([MODE_COLOURS[k] for k in keys])
    ax.imshow(z, aspect="auto", cmap=cmap, vmin=-0.5, vmax=4.5, interpolation="nearest")
    ax.set_yticks(
        range(len(services)),
        [_wrap(n, 45) for n in _literal(result.territory.services["name"])],
        fontsize=_LABEL_PT,
    )
    ax.set_xticks(
        range(len(shown)), _literal(communes.loc[shown, "name"]), rotation=90, fontsize=_LABEL_PT
    )
    more = "" if len(communes) <= max_communes else f" ({max_communes} communes les plus peuplées)"
    present = set(np.unique(z[~np.isnan(z)]).astype(int).tolist())
    n_legend = 3 + len(present & {3, 4})
    ax.set_title(
        f"Mode retenu par service et par commune{more}", pad=10 + 16 * math.ceil(n_legend / 3)
    )
    labels = [
        MODE_LABELS["keep"],
        MODE_LABELS["share"],
        MODE_LABELS["transfer"],
        ALREADY_LABELS["share"],
        ALREADY_LABELS["transfer"],
    ]
    ax.legend(
        handles=[
            Patch(color=MODE_COLOURS[k], label=lab)
            for i, (k, lab) in enumerate(zip(keys, labels, strict=True))
            if i < 3 or i in present
        ],
        loc="lower center",
        bbox_to_anchor=(0.5, 1.0),
        ncol=3,
        fontsize=_LABEL_PT,
        frameon=False,
    )
    ax.set_xlabel("Communes, de la plus peuplée à la moins peuplée", fontsize=_LABEL_PT)
    _finish(ax, source or source_line(result), own)
    return ax


def plot_savings_waterfall(
    result: Result, ax: Axes | None = None, source: str | None = None
) -> Axes:
    """Annual savings service by service, adding up from zero to the total [k€/year].

    One horizontal bar per service whose saving is not zero (largest first):
    each starts where the previous one ended, so the last bar, the total,
    starts at zero and reads the plan's annual savings. An extra cost (a
    negative saving) steps back, in red. Each bar prints its value.

    Parameters
    ----------
    result : Result
        A result with a plan.
    ax : Axes, optional
        Where to draw.
    source : str, optional
        Source line (default: :func:`source_line`).

    Returns
    -------
    Axes
        Its bars, top to bottom: one per service, then the total; widths in
        k€/year.
    """
    _need_plan(result)
    bs = result.by_service
    bs = bs[bs["savings"].abs() > 0.5].sort_values("savings", ascending=False)
    names = [_wrap(n) for n in _literal(bs["name"])] + ["Total des économies"]
    lefts, widths, colours = [], [], []
    level = 0.0
    for s in bs["savings"].astype(float):
        lefts.append(level if s >= 0 else level + s)
        widths.append(abs(s))
        colours.append(GAIN if s >= 0 else LOSS)
        level += s
    total = float(result.savings or 0.0)
    lefts.append(min(0.0, total))
    widths.append(abs(total))
    colours.append("#1f77b4" if total >= 0 else LOSS)
    own = ax is None
    if ax is None:
        _, ax = plt.subplots(figsize=(9.5, 0.45 * len(names) + 2.2))
    y = np.arange(len(names))
    bars = ax.barh(y, np.array(widths) * _K, left=np.array(lefts) * _K, color=colours, height=0.7)
    signed = [*bs["savings"].astype(float).tolist(), total]
    for bar, value in zip(bars, signed, strict=True):
        ax.text(
            bar.get_x() + bar.get_width() + 0.01 * max(widths) * _K,
            bar.get_y() + bar.get_height() / 2,
            euros(value, signed=True),
            va="center",
            fontsize=_LABEL_PT - 1,
        )
    ax.set_yticks(y, names, fontsize=_LABEL_PT)
    ax.invert_yaxis()
    ax.axvline(0, color="#555555", linewidth=0.8)
    right = max(lefts[i] + widths[i] for i in range(len(widths))) * _K
    ax.set_xlim(min(0.0, min(lefts) * _K), right * 1.25 if right > 0 else 1.0)
    ax.set_xlabel("Économies annuelles cumulées (k€ par an)")
    _french_axis(ax.xaxis)
    base = float(result.baseline_cost or 0.0)
    ratio = total / base if base else None
    ax.set_title(
        f"Économies annuelles par service : {euros(total, per_year=True)} au total, "
        f"soit {percent(ratio)} du coût actuel ({euros(base, per_year=True)})",
        fontsize=11,
    )
    _finish(ax, source or source_line(result), own)
    return ax


def commune_savings(result: Result) -> np.ndarray:
    """Annual saving of each commune's budget, in the order of the territory [EUR/year].

    Parameters
    ----------
    result : Result
        A result with a plan.

    Returns
    -------
    ndarray
        before − after (> 0: the commune saves).
    """
    bc = result.by_commune
    return (bc["cost_before"] - bc["cost_after"]).to_numpy(dtype=float)


def plot_commune_balance(
    result: Result, ax: Axes | None = None, per_panel: int = 40, source: str | None = None
) -> Axes:
    """Winners and losers: every commune's annual saving as a diverging bar chart [€/year].

    All communes, sorted from the largest saving to the largest extra cost;
    a saving goes right in green, an extra cost left in red, each with its
    value. Beyond ``per_panel`` communes the chart is split into side-by-side
    panels sharing the same scale (small multiples), unless ``ax`` is given.

    Parameters
    ----------
    result : Result
        A result with a plan.
    ax : Axes, optional
        Where to draw (every commune in this one Axes).
    per_panel : int
        Most communes in one panel.
    source : str, optional
        Source line (default: :func:`source_line`).

    Returns
    -------
    Axes
        The first panel; every panel's bars, top to bottom, are the communes
        in decreasing order of saving, widths in k€/year.
    """
    _need_plan(result)
    bc = result.by_commune.assign(saving=commune_savings(result))
    bc = bc.sort_values(["saving", "name"], ascending=[False, True]).reset_index(drop=True)
    n = len(bc)
    own = ax is None
    if ax is None:
        panels = max(1, math.ceil(n / per_panel))
        rows = math.ceil(n / panels)
        fig, axes = plt.subplots(
            1, panels, figsize=(7.5 * panels, 0.28 * rows + 2.2), sharex=True, squeeze=False
        )
        axs = list(axes[0])
    else:
        axs, rows = [ax], n
    lim = float(np.abs(bc["saving"]).max() * _K) or 1.0
    left = -1.45 * lim if bool((bc["saving"] < -0.5).any()) else -0.1 * lim
    for i, a in enumerate(axs):
        part = bc.iloc[i * rows : (i + 1) * rows]
        y = np.arange(len(part))
        values = part["saving"].to_numpy(dtype=float)
        a.barh(
            y,
            values * _K,
            color=[GAIN if v > 0.5 else LOSS if v < -0.5 else "#7f7f7f" for v in values],
            height=0.7,
        )
        for yy, v in zip(y, values, strict=True):
            a.text(
                v * _K + (0.02 if v >= 0 else -0.02) * lim,
                yy,
                euros(v, signed=True),
                va="center",
                ha="left" if v >= 0 else "right",
                fontsize=_LABEL_PT - 1,
            )
        a.set_yticks(y, _literal(part["name"]), fontsize=_LABEL_PT)
        a.set_ylim(len(part) - 0.5, -0.5)
        a.axvline(0, color="#555555", linewidth=0.8)
        a.set_xlim(left, 1.45 * lim)
        a.set_xlabel("Économie annuelle (k€ par an) — à droite la commune gagne")
        _french_axis(a.xaxis)
    axs[0].figure.suptitle(
        f"Gagnants et perdants : économie annuelle du budget de chaque commune ({n} communes)",
        fontsize=11,
    )
    axs[0].set_title(
        f"{plural(int((bc['saving'] > 0.5).sum()), 'commune gagne', 'communes gagnent')}, "
        f"{plural(int((bc['saving'] < -0.5).sum()), 'perd', 'perdent')}",
        fontsize=_LABEL_PT,
    )
    _finish(axs[0], source or source_line(result), own)
    return axs[0]


def plot_roadmap(schedule: Schedule, ax: Axes | None = None, source: str | None = None) -> Axes:
    """Savings of each year over the horizon, and their running total [k€].

    Parameters
    ----------
    schedule : Schedule
        A roadmap (:func:`mutusim.analysis.phasing.roadmap`).
    ax : Axes, optional
        Where to draw.
    source : str, optional
        Source line.

    Returns
    -------
    Axes
        Its bars are the savings of each year [k€] (negative: the transition
        costs more than it saves that year); its line the cumulative savings.
    """
    rm = schedule.roadmap
    own = ax is None
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 4.8))
    years = rm["year"].to_numpy()
    savings = rm["savings"].to_numpy(dtype=float)
    colours = [GAIN if v >= 0 else LOSS for v in savings]
    bars = ax.bar(years, savings * _K, color=colours, label="Économies de l'année")
    ax.bar_label(
        bars,
        labels=[kilo_euros(v, signed=True) for v in savings],
        fontsize=_LABEL_PT - 1,
        padding=2,
    )
    cumulative = rm["cumulative_savings"].to_numpy(dtype=float)
    ax.plot(years, cumulative * _K, color="#1f77b4", marker="o", label="Économies cumulées")
    if len(years):
        ax.annotate(
            kilo_euros(cumulative[-1], signed=True),
            (years[-1], cumulative[-1] * _K),
            textcoords="offset points",
            xytext=(6, 6),
            fontsize=_LABEL_PT - 1,
            color="#1f77b4",
        )
    ax.axhline(0, color="#555555", linewidth=0.8)
    ax.set_xticks(years, [str(int(y)) for y in years], fontsize=_LABEL_PT)
    ax.set_ylabel("k€ (économie > 0, surcoût < 0)")
    ax.margins(y=0.15)
    _french_axis(ax.yaxis)
    ax.set_title(
        f"Feuille de route : économies par année (valeur actuelle nette "
        f"{euros(schedule.npv, signed=True)})",
        fontsize=11,
    )
    ax.legend(
        handles=[
            Patch(color=GAIN, label="Économie de l'année"),
            Patch(color=LOSS, label="Surcoût de l'année (transition)"),
            Line2D([], [], color="#1f77b4", marker="o", label="Économies cumulées"),
        ],
        frameon=False,
        fontsize=_LABEL_PT,
        loc="upper left",
    )
    _finish(ax, source, own)
    return ax


def plot_staff(
    schedule: Schedule, territory: Territory, ax: Axes | None = None, source: str | None = None
) -> Axes:
    """Staff of the pooled units year by year: reductions arrive only with departures [FTE].

    Parameters
    ----------
    schedule : Schedule
        A roadmap.
    territory : Territory
        For the services' names.
    ax : Axes, optional
        Where to draw.
    source : str, optional
        Source line.

    Returns
    -------
    Axes
        One line per pooled unit; the y axis starts at zero.
    """
    st = schedule.staff
    own = ax is None
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 4.8))
    names = territory.services["name"]
    for (s, m), g in st.groupby(["service", "mode"], sort=True):
        short = "service commun" if m == "share" else "transfert"
        ax.plot(
            g["year"],
            g["staff"],
            marker=".",
            label=_wrap(f"{_literal([names.get(s, s)])[0]} ({short})", 45),
        )
    years = sorted(st["year"].unique()) if len(st) else []
    ax.set_xticks(years, [str(int(y)) for y in years], fontsize=_LABEL_PT)
    ax.set_ylim(bottom=0)
    ax.set_ylabel("Effectif (ETP)")
    _french_axis(ax.yaxis)
    ax.set_title(
        "Effectifs des services mutualisés : réduction par départs non remplacés", fontsize=11
    )
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
        ax.legend(
            frameon=False, fontsize=_LABEL_PT - 1, loc="upper left", bbox_to_anchor=(1.01, 1.0)
        )
    _finish(ax, source, own)
    return ax


def plot_scenario_savings(
    results: list[Result], ax: Axes | None = None, source: str | None = None
) -> Axes:
    """Net present value of the savings of several scenarios side by side, bars from zero [k€].

    The headline of each scenario: the NPV of its savings over the mandate
    (``result.npv``). A scenario without a plan has no bar and says so.

    Parameters
    ----------
    results : list of Result
        The scenarios (their titles label the bars).
    ax : Axes, optional
        Where to draw.
    source : str, optional
        Source line.

    Returns
    -------
    Axes
        One bar per scenario, top to bottom, widths in k€ (0 without a plan).
    """
    titles = [_wrap(_literal([scenario_title(r.scenario)])[0], 45) for r in results]
    values = [float(r.npv) if r.has_plan and r.npv is not None else 0.0 for r in results]
    own = ax is None
    if ax is None:
        _, ax = plt.subplots(figsize=(9.5, 0.6 * len(results) + 1.8))
    y = np.arange(len(results))
    ax.barh(y, np.array(values) * _K, color=[GAIN if v >= 0 else LOSS for v in values], height=0.6)
    lim = max((abs(v) for v in values), default=0.0) * _K or 1.0
    for yy, v, r in zip(range(len(results)), values, results, strict=True):
        text = euros(v, signed=True) if r.has_plan else "aucun plan"
        ax.text(max(v * _K, 0.0) + 0.02 * lim, yy, text, va="center", fontsize=_LABEL_PT - 1)
    ax.set_yticks(y, titles, fontsize=_LABEL_PT)
    ax.invert_yaxis()
    ax.axvline(0, color="#555555", linewidth=0.8)
    ax.set_xlim(min(0.0, min(values, default=0.0) * _K * 1.3), lim * 1.35)
    years = {f"{r.scenario.start_year}-{r.scenario.end_year}" for r in results}
    horizon = f" {years.pop()}" if len(years) == 1 else ""
    ax.set_xlabel(f"Valeur actuelle nette des économies{horizon} (k€)")
    _french_axis(ax.xaxis)
    ax.set_title(
        f"Valeur actuelle nette des économies sur le mandat{horizon}, par scénario", fontsize=11
    )
    _finish(
        ax,
        source or (source_line(results[0]).split(", scénario")[0] + "." if results else None),
        own,
    )
    return ax
