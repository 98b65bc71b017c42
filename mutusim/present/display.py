"""Rich display in Jupyter: HTML cards of territories, scenarios and results (French).

The classes of :mod:`mutusim.core` know nothing of Jupyter: :func:`register`
teaches IPython's HTML formatter to draw them. ``import mutusim`` calls it
when it runs inside IPython.
"""

from __future__ import annotations

import html
import sys
from typing import Any

from mutusim.core.result import Result
from mutusim.core.scenario import Scenario
from mutusim.core.territory import Territory
from mutusim.present.formatting import euros, number
from mutusim.present.labels import STATUS_LABELS, explanation, french

__all__ = ["register", "result_html", "scenario_html", "territory_html"]


def _frame_html(df: Any, decimals: int) -> str:
    return str(df.to_html(index=False, float_format=lambda v: number(v, decimals)))


def territory_html(t: Territory) -> str:
    """Short HTML card of a territory: identity and per-service baseline totals.

    Parameters
    ----------
    t : Territory
        The territory.

    Returns
    -------
    str
    """
    head = (
        f"<b>{html.escape(t.name)}</b> ({html.escape(t.nature)}, "
        f"{html.escape(str(t.epci['fiscalite']))}, SIREN {html.escape(str(t.epci['siren']))}) : "
        f"{number(len(t.communes))} communes, {number(t.population)} habitants, "
        f"{number(len(t.services))} services"
    )
    return f"<div><p>{head}</p>{_frame_html(french(t.summary().reset_index()), 1)}</div>"


def result_html(r: Result) -> str:
    """Short HTML card of a result: status, headline costs, decisions per service.

    Parameters
    ----------
    r : Result
        The result.

    Returns
    -------
    str
    """
    status = html.escape(STATUS_LABELS.get(str(r.status), str(r.status)))
    head = (
        f"<p><b>Scénario {html.escape(r.scenario.name)}</b> sur "
        f"{html.escape(r.territory.name)} : {status}</p>"
    )
    if not r.has_plan:
        items = "".join(f"<li>{html.escape(x)}</li>" for x in explanation(r))
        return f"<div>{head}<ul>{items}</ul></div>"
    kpi = (
        f"<p>Coût actuel {euros(r.baseline_cost)} / an ; coût du plan {euros(r.total_cost)} / an ; "
        f"économies {euros(r.savings)} / an.</p>"
    )
    bs = french(
        r.by_service[["name", "keep", "share", "transfer", "cost_before", "cost_after", "savings"]]
    )
    return f"<div>{head}{kpi}{_frame_html(bs, 0)}</div>"


def scenario_html(sc: Scenario) -> str:
    """Short HTML card of a scenario: name, description and the options it changes.

    Parameters
    ----------
    sc : Scenario
        The scenario.

    Returns
    -------
    str
    """
    head = f"<p><b>Scénario {html.escape(sc.name)}</b>"
    if sc.description:
        head += f" : {html.escape(sc.description)}"
    head += "</p>"
    changes = sc.changes()
    if not changes:
        return f"<div>{head}<p>Options par défaut : toutes les règles actives.</p></div>"
    rows = "".join(
        f"<tr><td>{html.escape(k)}</td><td>{html.escape(str(v))}</td></tr>"
        for k, v in changes.items()
    )
    return (
        f"<div>{head}<table><thead><tr><th>Option</th><th>Valeur</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></div>"
    )


def register() -> bool:
    """Register the HTML cards with the running IPython, if any.

    Returns
    -------
    bool
        True when an IPython shell was found and the cards registered.
    """
    ipython_module = sys.modules.get("IPython")
    if ipython_module is None:
        return False
    shell = ipython_module.get_ipython()
    if shell is None:
        return False
    formatter = shell.display_formatter.formatters["text/html"]
    formatter.for_type(Territory, territory_html)
    formatter.for_type(Scenario, scenario_html)
    formatter.for_type(Result, result_html)
    return True
