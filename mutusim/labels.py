"""French labels for everything the steering committee reads.

Code and column names stay in English; tables exported to Excel or HTML,
plot titles and reports use these labels.
"""

from __future__ import annotations

import pandas as pd

MODE_LABELS: dict[str, str] = {
    "keep": "Conservé par la commune",
    "share": "Mutualisé (service commun)",
    "transfer": "Transféré à l'EPCI",
}

STATUS_LABELS: dict[str, str] = {
    "optimal": "optimal (prouvé)",
    "feasible": "réalisable, optimalité non prouvée (limite de temps)",
    "infeasible": "infaisable",
    "time_limit": "limite de temps atteinte sans solution",
    "unbounded": "non borné",
    "error": "erreur : plan rejeté par la vérification indépendante",
}

COLUMN_LABELS: dict[str, str] = {
    "service": "Code service",
    "service_name": "Service",
    "commune": "Code INSEE",
    "commune_name": "Commune",
    "name": "Nom",
    "population": "Population",
    "mode": "Mode retenu",
    "current": "Situation actuelle",
    "changed": "Changement",
    "fte_before": "ETP avant",
    "fte_after": "ETP après",
    "cost_before": "Coût avant (€/an)",
    "cost_after": "Coût après (€/an)",
    "level_before": "Niveau de service avant (0-100)",
    "level_after": "Niveau de service après (0-100)",
    "balance": "Solde (€/an, négatif = économie)",
    "savings": "Économies (€/an)",
    "keep": "Communes conservant",
    "share": "Communes mutualisant",
    "transfer": "Communes transférant",
    "members": "Communes membres",
    "units": "Unités d'œuvre par an",
    "fte": "ETP",
    "fixed_cost": "Coût fixe (€/an)",
    "staff_cost": "Coût du personnel (€/an)",
    "member_costs": "Coûts par membre (€/an)",
    "cost": "Coût total (€/an)",
    "level": "Niveau de service (0-100)",
    "domain": "Domaine",
    "unit": "Unité d'œuvre",
    "communes": "Communes exerçant le service",
    "indicator": "Indicateur",
    "value": "Valeur",
    "scenario": "Scénario",
    "status": "Statut",
    "baseline_cost": "Coût actuel (€/an)",
    "total_cost": "Coût du plan (€/an)",
    "transition_one_off": "Coûts de transition ponctuels (€)",
    "fte_moved": "ETP concernés par un changement",
}


def french(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` with French column headers and French mode labels."""
    out = df.copy()
    for col in ("mode", "current"):
        if col in out.columns:
            out[col] = out[col].map(lambda m: MODE_LABELS.get(m, m))
    if "changed" in out.columns:
        out["changed"] = out["changed"].map({True: "oui", False: "non"})
    return out.rename(columns=COLUMN_LABELS)


def euros(x: float | None) -> str:
    """Format an amount in euros the French way: ``1 234 567 €``."""
    if x is None:
        return "—"
    return f"{x:,.0f} €".replace(",", "\u202f")
