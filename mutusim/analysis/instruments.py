"""The legal instrument of each arrangement of a plan (DOMAIN.md §1.1-§1.3, §2.4).

"share" and "transfer" are the model's modes; a council signs an instrument.
Each pooled unit of a plan is named here with the article that governs it, how
it is paid for and what happens to its staff:

- a **service commun** (CGCT L5211-4-2) run by the EPCI, or by derogation by a
  member commune (the scenario's or the data's host); billed by convention
  (the run's billing key; under FPU it may be charged on the attribution de
  compensation); agents wholly in the service are transferred to the managing
  body, agents partly in it are *mis à disposition de plein droit* for that
  share (DOMAIN.md §1.3, §3);
- a **transfer of competence** decided by the councils (L5211-17, at the
  qualified majority of L5211-5 II; à la carte for some communes only,
  L5211-17-2), or imposed by law when the competence is mandatory for the
  EPCI's nature (L5214-16 for a CC, L5216-5 CA, L5215-20 CU, L5217-2
  Métropole; L3641-1 for the Métropole de Lyon); financed through the CLECT's
  cut of the AC under FPU (CGI 1609 nonies C) or the EPCI's additional rates
  under FA; agents wholly in the service transferred, agents partly in it
  *mis à disposition* for that share (L5211-4-1 I).

The model proposes neither a *mise à disposition descendante* (L5211-4-1 III,
only alongside a transfer) nor a *convention de prestation ou de gestion*
(L5214-16-1, L5216-7-1, L5215-27, L5217-7: temporary and of limited size, not
a lasting arrangement): none appears in this table.
"""

from __future__ import annotations

import pandas as pd

from mutusim.core.result import Result
from mutusim.core.schema import EPCI_PARTY

__all__ = ["INSTRUMENT_COLUMNS", "MANDATORY_ARTICLES", "legal_instruments"]

#: Article listing the mandatory competences of each nature (DOMAIN.md §1.1).
MANDATORY_ARTICLES = {
    "CC": "L5214-16 CGCT",
    "CA": "L5216-5 CGCT",
    "CU": "L5215-20 CGCT",
    "METRO": "L5217-2 CGCT",
    "MET69": "L3641-1 CGCT",
}

#: Columns of :func:`instruments`.
INSTRUMENT_COLUMNS = [
    "service",
    "mode",
    "instrument",
    "article",
    "manager",
    "members",
    "new_members",
    "billing",
    "posts_transferred",
    "fte_made_available",
]


def legal_instruments(result: Result) -> pd.DataFrame:
    """The legal instrument, billing and staff consequence of each pooled unit of a plan.

    Parameters
    ----------
    result : Result
        A result with a plan.

    Returns
    -------
    DataFrame
        One row per pooled unit of the plan (service, mode), columns
        :data:`INSTRUMENT_COLUMNS`: ``instrument`` (``service_commun``,
        ``service_commun_communal``, ``transfer``, ``transfer_a_la_carte``,
        ``transfer_by_law``), ``article``, ``manager`` (EPCI or the host
        commune's code), ``members`` and ``new_members`` (parties, and those
        joining in this plan), ``billing`` (``convention_units``,
        ``convention_population``, ``convention_fte``, ``clect`` or
        ``additional_rates``), ``posts_transferred`` [FTE: whole posts of the
        joining members that move to the manager] and ``fte_made_available``
        [FTE: their partial shares, mis à disposition de plein droit]. Empty
        without a plan.

    Examples
    --------
    >>> import mutusim as ms
    >>> sc = ms.Scenario(end_year=2028, discount_rate=0, departures="all", all_departure_rate=0.5)
    >>> res = ms.optimise(ms.examples.tiny(), sc)
    >>> legal_instruments(res)[["service", "instrument", "article", "manager"]].to_dict("records")
    [{'service': 'rh_paie', 'instrument': 'service_commun', 'article': 'L5211-4-2 CGCT', 'manager': 'EPCI'}]
    """
    if not result.has_plan or result.pools is None or result.pools.empty:
        return pd.DataFrame(columns=INSTRUMENT_COLUMNS)
    t = result.territory
    sc = result.scenario
    d = result.decisions
    b = t.baseline
    fiscalite = str(t.epci.get("fiscalite", "FPU"))
    communes = [str(c) for c in t.communes.index]
    rows = []
    for pool in result.pools.itertuples(index=False):
        s, m = str(pool.service), str(pool.mode)
        here = d[(d["service"] == s) & (d["mode"] == m)]
        members = [str(c) for c in here["commune"]]
        joining = [
            str(c) for c, cur in zip(here["commune"], here["current"], strict=True) if cur != m
        ]
        posts = float(sum(b.at[(s, c), "fte_posts"] for c in joining))
        partial = float(sum(b.at[(s, c), "fte"] - b.at[(s, c), "fte_posts"] for c in joining))
        if m == "share":
            host = str(pool.host)
            instrument = "service_commun" if host == EPCI_PARTY else "service_commun_communal"
            article = "L5211-4-2 CGCT"
            billing = "convention_" + sc.billing_keys.get(s, "units")
        else:
            host = EPCI_PARTY
            by_law = t.is_mandatory(s) and sc.rule_on("mandatory_competences")
            transferring = [c for c in members if c != EPCI_PARTY]
            if by_law:
                instrument, article = "transfer_by_law", MANDATORY_ARTICLES.get(t.nature, "")
            elif set(transferring) != set(communes):
                instrument, article = "transfer_a_la_carte", "L5211-17-2 CGCT"
            else:
                instrument, article = "transfer", "L5211-17 CGCT"
            billing = "additional_rates" if fiscalite == "FA" else "clect"
        rows.append(
            {
                "service": s,
                "mode": m,
                "instrument": instrument,
                "article": article,
                "manager": host,
                "members": len(members),
                "new_members": len(joining),
                "billing": billing,
                "posts_transferred": posts,
                "fte_made_available": partial,
            }
        )
    return pd.DataFrame(rows, columns=INSTRUMENT_COLUMNS)
