"""Rich display in Jupyter: HTML representations of territories and results (French)."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from mutusim.labels import STATUS_LABELS, euros, french

if TYPE_CHECKING:
    from mutusim.result import Result
    from mutusim.scenario import Scenario
    from mutusim.territory import Territory


def territory_html(t: Territory) -> str:
    """Short HTML card of a territory: identity and per-service baseline totals."""
    head = (
        f"<b>{html.escape(t.name)}</b> ({html.escape(t.nature)}, {html.escape(str(t.epci['fiscalite']))}, "
        f"SIREN {html.escape(str(t.epci['siren']))}) : {len(t.communes)} communes, "
        f"{t.population:,} habitants, {len(t.services)} services".replace(",", "\u202f")
    )
    table = french(t.summary().reset_index()).to_html(
        index=False, float_format=lambda v: f"{v:,.1f}"
    )
    return f"<div><p>{head}</p>{table}</div>"


def result_html(r: Result) -> str:
    """Short HTML card of a result: status, headline costs, decisions per service."""
    status = html.escape(STATUS_LABELS.get(r.status, r.status))
    head = f"<p><b>Scénario {html.escape(r.scenario.name)}</b> sur {html.escape(r.territory.name)} : {status}</p>"
    if not r.has_plan:
        items = "".join(f"<li>{html.escape(x)}</li>" for x in (r.explanation or r.check_errors))
        return f"<div>{head}<ul>{items}</ul></div>"
    kpi = (
        f"<p>Coût actuel {euros(r.baseline_cost)} / an ; coût du plan {euros(r.total_cost)} / an ; "
        f"économies {euros(r.savings)} / an.</p>"
    )
    bs = french(
        r.by_service[["name", "keep", "share", "transfer", "cost_before", "cost_after", "savings"]]
    )
    return f"<div>{head}{kpi}{bs.to_html(index=False, float_format=lambda v: f'{v:,.0f}')}</div>"


def scenario_html(sc: Scenario) -> str:
    """Short HTML card of a scenario: name, description and the options it changes."""
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
