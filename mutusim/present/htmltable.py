"""HTML tables and the shared style of mutusim's documents (report, schéma, follow-up, cards).

Kept apart from the report so that the Jupyter cards of :mod:`mutusim.present.display`
use the same French tables without loading matplotlib.
"""

from __future__ import annotations

import html

import pandas as pd

from mutusim.present.formatting import COLUMN_KINDS, MISSING, format_value
from mutusim.present.labels import french

__all__ = ["CSS", "table_html"]

#: Screen and print style of every HTML document of mutusim (report, schéma, follow-up).
CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;max-width:1100px;margin:2em auto;
color:#222;line-height:1.45;padding:0 1em}
h1{font-size:1.6em;border-bottom:3px solid #1f77b4;padding-bottom:.3em}
h2{font-size:1.25em;margin-top:2em;color:#1f4e79}
h3{font-size:1.05em;color:#1f4e79}
table{border-collapse:collapse;font-size:.85em;margin:.5em 0 1em}
th,td{border:1px solid #ccc;padding:3px 8px;vertical-align:top}
th{background:#eef3f8;text-align:left}
td.n{text-align:right;white-space:nowrap}
.kpi{display:flex;gap:1em;flex-wrap:wrap}
.kpi div{background:#eef3f8;border-radius:6px;padding:.6em 1em;min-width:180px}
.kpi b{display:block;font-size:1.3em}
.warn{background:#fff3cd;border-left:4px solid #e0a800;padding:.5em 1em}
.note{color:#555;font-size:.85em}
figure{margin:1em 0}
figcaption{color:#555;font-size:.8em}
img{max-width:100%}
@page{size:A4;margin:14mm 12mm 16mm}
@media print{
 body{max-width:none;margin:0;padding:0;font-size:10pt}
 section.major{break-before:page;page-break-before:always}
 h1,h2,h3{break-after:avoid;page-break-after:avoid}
 .keep{break-inside:avoid;page-break-inside:avoid}
 figure,img,.kpi,tr{break-inside:avoid;page-break-inside:avoid}
 thead{display:table-header-group}
 table{width:100%;font-size:8pt}
 th,td{padding:2px 4px}
 td{overflow-wrap:anywhere}
 .kpi div{border:1px solid #ccc}
}
"""


def table_html(df: pd.DataFrame, kinds: dict[str, str] | None = None) -> str:
    """A table of mutusim as HTML: French headers and values, French figures, ``—`` if missing.

    Parameters
    ----------
    df : DataFrame
        English column names (translated by :func:`mutusim.present.labels.french`).
    kinds : dict, optional
        Kind of figure of columns beyond :data:`mutusim.present.formatting.COLUMN_KINDS`.

    Returns
    -------
    str
    """
    col_kinds = [(kinds or {}).get(str(c), COLUMN_KINDS.get(str(c))) for c in df.columns]
    shown = french(df)
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in shown.columns)
    rows = []
    for row in shown.itertuples(index=False):
        cells = []
        for v, kind in zip(row, col_kinds, strict=True):
            text = format_value(v, None if isinstance(v, str) else kind)
            numeric = kind is not None and not isinstance(v, str)
            cells.append(f"<td{' class=n' if numeric else ''}>{html.escape(text)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    note = ""
    if any(MISSING in r for r in rows):
        note = f"<p class='note'>{MISSING} : sans objet ou non disponible.</p>"
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>{note}"
