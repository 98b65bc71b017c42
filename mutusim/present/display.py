"""Rich display in Jupyter: French tables and HTML cards of territories, scenarios and results.

:func:`table` renders any table of mutusim for the committee (pandas
Styler): French headers and values, figures through
:mod:`mutusim.present.formatting`, names instead of codes, ``—`` for a
missing value, no index. The classes of :mod:`mutusim.core` know nothing of
Jupyter: :func:`register` teaches IPython's HTML formatter to draw them as
cards. ``import mutusim`` calls it when it runs inside IPython.
"""

from __future__ import annotations

import html
import sys
from typing import Any

import pandas as pd

from mutusim.core.result import Result
from mutusim.core.scenario import Scenario
from mutusim.core.territory import Territory
from mutusim.present.formatting import COLUMN_KINDS, MISSING, count, euros, format_value, siren
from mutusim.present.htmltable import table_html
from mutusim.present.labels import (
    NATURE_LABELS,
    STATUS_LABELS,
    french,
    infeasibility_summary,
    scenario_title,
)

__all__ = ["register", "result_html", "scenario_html", "styled", "table", "territory_html"]

#: Code columns dropped by :func:`table` once their names are beside them.
_CODES = ("service", "commune", "largest", "employer")


def table(
    df: pd.DataFrame,
    territory: Territory | None = None,
    *,
    kinds: dict[str, str] | None = None,
    caption: str | None = None,
    codes: bool = False,
) -> Any:
    """A table of mutusim as the committee reads it in a notebook (pandas Styler).

    Parameters
    ----------
    df : DataFrame
        A table with English column names (a result's, an analysis's, or the
        territory's), e.g. ``res.by_commune``.
    territory : Territory, optional
        To put names beside the codes of services and communes (and then drop
        the codes, unless ``codes``).
    kinds : dict, optional
        Kind of figure of columns beyond :data:`mutusim.present.formatting.COLUMN_KINDS`.
    caption : str, optional
        A title above the table.
    codes : bool
        Keep the code columns next to the names.

    Returns
    -------
    pandas.io.formats.style.Styler
        Displays as an HTML table in Jupyter; ``.data`` holds the French table.
    """
    from mutusim.present.views import with_names

    data = df.reset_index(drop=True)
    if territory is not None:
        data = with_names(data, territory)
        named = {
            "service": "service_name",
            "commune": "commune_name",
            "largest": "largest_name",
            "employer": "employer_name",
        }
        if not codes:
            cols = set(data.columns)
            drop = [
                c
                for c in _CODES
                if c in cols
                and (
                    named.get(c) in cols
                    or (c == "commune" and "name" in cols)
                    or (c == "service" and "name" in cols and "commune" not in cols)
                )
            ]
            data = data.drop(columns=drop)
    col_kinds = [(kinds or {}).get(str(c), COLUMN_KINDS.get(str(c))) for c in data.columns]
    styler = styled(french(data), col_kinds)
    if caption:
        styler = styler.set_caption(caption)
    return styler


def styled(shown: pd.DataFrame, kinds: list[str | None]) -> Any:
    """A French table (headers already French) as a Styler: figures by kind, right-aligned.

    Parameters
    ----------
    shown : DataFrame
        The table with its French headers.
    kinds : list of str or None
        Kind of figure of each column, in order (:data:`mutusim.present.formatting.KINDS`),
        None for text.

    Returns
    -------
    pandas.io.formats.style.Styler
    """
    formatters = {}
    numeric = []
    for french_name, kind in zip(shown.columns, kinds, strict=True):
        if kind is not None:
            numeric.append(french_name)

        def fmt(v: object, kind: str | None = kind) -> str:
            return format_value(v, None if isinstance(v, str) else kind)

        formatters[french_name] = fmt
    styler = shown.style.format(formatters, na_rep=MISSING).hide(axis="index")
    if numeric:
        styler = styler.set_properties(subset=numeric, **{"text-align": "right"})
    return styler


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
    nature = NATURE_LABELS.get(t.nature, t.nature)
    fiscal = {"FPU": "fiscalité professionnelle unique", "FA": "fiscalité additionnelle"}
    head = (
        f"<b>{html.escape(t.name)}</b> ({html.escape(nature)}, "
        f"{html.escape(fiscal.get(str(t.epci['fiscalite']), str(t.epci['fiscalite'])))}, "
        f"SIREN {html.escape(siren(t.epci['siren']))}) : "
        f"{count(len(t.communes))} communes, {count(t.population)} habitants, "
        f"{count(len(t.services))} services"
    )
    summary = t.summary().reset_index().drop(columns=["service"])
    return f"<div><p>{head}</p>{table_html(summary)}</div>"


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
    from mutusim.present.keyfigures import headline
    from mutusim.present.views import service_summary

    status = html.escape(STATUS_LABELS.get(str(r.status), str(r.status)))
    head = (
        f"<p><b>Scénario « {html.escape(scenario_title(r.scenario))} »</b> sur "
        f"{html.escape(r.territory.name)} : {status}</p>"
    )
    if not r.has_plan:
        items = "".join(f"<li>{html.escape(x)}</li>" for x in infeasibility_summary(r))
        return f"<div>{head}<ul>{items}</ul></div>"
    h = headline(r).set_index("key")["value"]
    sc = r.scenario
    years = f"{sc.start_year}-{sc.end_year}"
    kpi = (
        f"<p>Valeur actuelle nette {years} : {euros(h['npv'], signed=True)} ; économies "
        f"cumulées {years} : {euros(h['cumulative_savings'], signed=True)} ; en régime "
        f"permanent : coût actuel {euros(h['baseline_cost'], per_year=True)}, coût du plan "
        f"{euros(h['total_cost'], per_year=True)}, économies "
        f"{euros(h['savings'], per_year=True, signed=True)}.</p>"
    )
    return f"<div>{head}{kpi}{table_html(service_summary(r))}</div>"


def scenario_html(sc: Scenario) -> str:
    """Short HTML card of a scenario: its title and the options it changes, in French.

    Parameters
    ----------
    sc : Scenario
        The scenario.

    Returns
    -------
    str
    """
    from mutusim.present.sources import option_table

    head = f"<p><b>Scénario « {html.escape(scenario_title(sc))} »</b></p>"
    options = option_table(sc)
    changed = options[
        (options["value"] != options["default"]) & (options["option_code"] != "name")
    ]
    if changed.empty:
        return f"<div>{head}<p>Options par défaut : toutes les règles actives.</p></div>"
    return f"<div>{head}{table_html(changed[['option', 'value', 'default']])}</div>"


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
