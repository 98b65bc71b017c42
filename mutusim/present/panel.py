"""A what-if panel for JupyterLab (issue 11.5): move an option, see the plan change.

:func:`whatif` returns an ipywidgets panel: sliders and toggles for the main
options (population threshold of the perimeter, allowed modes, minimum service
level, departure rate, yearly transition budget, and the pooled productivity
and fixed cost of a chosen service). Each change builds the scenario
(:meth:`WhatIf.scenario`), re-solves it through the pipeline
(:func:`mutusim.optimise`), and renders the headline figures and the
decision matrix in French through the formatting layer. The panel is a
controller: its renderers (:func:`headline_html`, :func:`matrix_html`) take a
Result and never solve.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, replace
from typing import Any

from mutusim.analysis.perturb import departure_rate, scale_pooled, with_departure_rate
from mutusim.core.result import Result
from mutusim.core.scenario import Scenario
from mutusim.core.territory import Territory
from mutusim.model.pipeline import optimise
from mutusim.present.formatting import euros, fte, percent
from mutusim.present.labels import STATUS_LABELS, explanation

__all__ = ["WhatIf", "headline_html", "matrix_html", "whatif"]

#: What the panel shows while a change re-solves.
BUSY = "<p><i>Calcul en cours…</i></p>"
#: One letter per mode in the decision matrix.
_CELL = {"keep": "·", "share": "M", "transfer": "T"}


def headline_html(result: Result) -> str:
    """The headline figures of a result, in French (HTML).

    Parameters
    ----------
    result : Result

    Returns
    -------
    str
    """
    status = STATUS_LABELS.get(str(result.status), str(result.status))
    if not result.has_plan:
        why = "".join(f"<li>{html.escape(x)}</li>" for x in explanation(result)[:5])
        return f"<p><b>Aucun plan</b> (statut : {html.escape(status)}).</p><ul>{why}</ul>"
    sc = result.scenario
    ratio = (result.savings or 0.0) / result.baseline_cost if result.baseline_cost else 0.0
    sch = result.schedule
    return (
        "<table>"
        f"<tr><td>Valeur actuelle nette {sc.start_year}-{sc.end_year}</td>"
        f"<td><b>{euros(result.npv)}</b></td></tr>"
        f"<tr><td>Économies cumulées sur la période</td>"
        f"<td>{euros(sch.total_savings if sch else None)}</td></tr>"
        f"<tr><td>Économies annuelles en régime permanent</td>"
        f"<td>{euros(result.savings, per_year=True)} ({percent(ratio)})</td></tr>"
        f"<tr><td>ETP concernés</td><td>{fte(result.fte_moved)}</td></tr>"
        f"<tr><td>Statut</td><td>{html.escape(status)}</td></tr>"
        "</table>"
    )


def matrix_html(result: Result) -> str:
    """The decision matrix, service by commune (M mutualisé, T transféré, · conservé), HTML.

    Parameters
    ----------
    result : Result

    Returns
    -------
    str
    """
    if not result.has_plan:
        return ""
    t = result.territory
    d = result.decisions
    d = d[d["commune"].isin(t.communes.index)]
    grid = d.pivot(index="service", columns="commune", values="mode")
    grid = grid.reindex(index=t.service_codes, columns=t.communes.index)
    head = "".join(
        f"<th title='{html.escape(str(t.communes.at[c, 'name']))}'>"
        f"{html.escape(str(t.communes.at[c, 'name'])[:12])}</th>"
        for c in grid.columns
    )
    rows = []
    for s, row in grid.iterrows():
        cells = "".join(f"<td>{_CELL.get(str(m), '')}</td>" for m in row)
        rows.append(f"<tr><th>{html.escape(str(t.services.at[s, 'name']))}</th>{cells}</tr>")
    return (
        "<p>M : mutualisé ; T : transféré à l'EPCI ; · : conservé par la commune.</p>"
        f"<table><tr><th>Service</th>{head}</tr>{''.join(rows)}</table>"
    )


@dataclass
class WhatIf:
    """The panel and its state.

    Attributes
    ----------
    territory : Territory
    base : Scenario
        The scenario the controls start from.
    controls : dict
        Control name -> widget: ``max_population``, ``modes``, ``min_level``,
        ``departure_rate``, ``transition_budget``, ``service``,
        ``productivity``, ``fixed_cost`` (factors on the chosen service's
        pooled units).
    headline, matrix : ipywidgets.HTML
        What the panel shows.
    status : ipywidgets.HTML
        "Calcul en cours…" while a change re-solves (a first transition budget on
        a large territory takes seconds), empty otherwise.
    widget : ipywidgets.VBox
        The panel to display.
    result : Result or None
        The last result shown.
    """

    territory: Territory
    base: Scenario
    controls: dict[str, Any]
    headline: Any
    matrix: Any
    status: Any
    widget: Any
    result: Result | None = None

    def scenario(self) -> tuple[Territory, Scenario]:
        """The territory and scenario the controls describe."""
        c = self.controls
        sc = self.base
        modes = tuple(c["modes"].value)
        sc = replace(
            sc,
            perimeter_max_population=int(c["max_population"].value) or None,
            allowed_modes=("keep", *[m for m in modes if m != "keep"]),
            min_level=float(c["min_level"].value),
            transition_budget=float(c["transition_budget"].value) or None,
        )
        sc = with_departure_rate(sc, float(c["departure_rate"].value))
        s = c["service"].value
        factors = {
            (s, "units_per_fte"): float(c["productivity"].value),
            (s, "fixed_cost"): float(c["fixed_cost"].value),
        }
        t = scale_pooled(self.territory, factors)
        return t, sc

    def update(self, *_: object) -> Result:
        """Re-solve with the controls' values and show the result."""
        t, sc = self.scenario()
        self.status.value = BUSY
        try:
            res = optimise(t, sc)
        finally:
            self.status.value = ""
        self.result = res
        self.headline.value = headline_html(res)
        self.matrix.value = matrix_html(res)
        return res


def whatif(territory: Territory, scenario: Scenario | None = None) -> WhatIf:
    """A what-if panel on ``territory``, starting from ``scenario`` (JupyterLab).

    Display ``panel.widget``; every change of a control re-solves and updates
    the figures (one :func:`mutusim.optimise`; sliders act when released). The
    services' sub-models already solved are reused (docs/model.md): moving a
    service's factors re-solves that service only.

    Parameters
    ----------
    territory : Territory
    scenario : Scenario, optional

    Returns
    -------
    WhatIf
        With its first result computed.
    """
    import ipywidgets as w

    sc = scenario or Scenario()
    population = int(territory.communes["population"].max())
    rate = departure_rate(sc)
    style = {"description_width": "16em"}
    # sliders act when released: one re-solve per change, not one per step of a drag
    slider: dict[str, Any] = {
        "style": style,
        "layout": w.Layout(width="38em"),
        "continuous_update": False,
    }
    controls: dict[str, Any] = {
        "max_population": w.IntSlider(
            value=int(sc.perimeter_max_population or 0),
            min=0,
            max=population,
            step=max(population // 100, 1),
            description="Communes jusqu'à (hab., 0 = toutes)",
            **slider,
        ),
        "modes": w.SelectMultiple(
            options=[("mutualiser", "share"), ("transférer", "transfer")],
            value=tuple(m for m in sc.allowed_modes if m != "keep"),
            description="Modes permis",
            style=style,
        ),
        "min_level": w.FloatSlider(
            value=float(sc.min_level),
            min=0,
            max=100,
            step=1,
            description="Niveau de service minimal",
            **slider,
        ),
        "departure_rate": w.FloatSlider(
            value=rate,
            min=0.0,
            max=max(0.15, min(1.0, 2 * rate)),
            step=0.001,
            readout_format=".1%",
            description="Taux de départ (par an)",
            **slider,
        ),
        "transition_budget": w.FloatSlider(
            value=float(sc.transition_budget or 0.0),
            min=0.0,
            max=max(2_000_000.0, 2 * float(sc.transition_budget or 0.0)),
            step=50_000.0,
            readout_format=",.0f",
            description="Budget annuel de transition (€, 0 = sans)",
            **slider,
        ),
        "service": w.Dropdown(
            options=[(str(n), str(s)) for s, n in territory.services["name"].items()],
            description="Service",
            style=style,
        ),
        "productivity": w.FloatSlider(
            value=1.0,
            min=0.5,
            max=1.5,
            step=0.05,
            description="Productivité mutualisée (×)",
            **slider,
        ),
        "fixed_cost": w.FloatSlider(
            value=1.0,
            min=0.0,
            max=3.0,
            step=0.1,
            description="Coût fixe du service mutualisé (×)",
            **slider,
        ),
    }
    headline, matrix, status = w.HTML(), w.HTML(), w.HTML()
    widget = w.VBox([*controls.values(), status, headline, matrix])
    panel = WhatIf(territory, sc, controls, headline, matrix, status, widget)
    for control in controls.values():
        control.observe(panel.update, names="value")
    panel.update()
    return panel
