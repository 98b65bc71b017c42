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
    # votes and majorities
    "balance_if_transferred": "Effet du transfert sur le budget communal (€/an)",
    "vote": "Vote favorable",
    "reason": "Motif",
    "councils": "Conseils municipaux",
    "yes": "Conseils favorables",
    "yes_population": "Population des communes favorables",
    "branch_two_thirds": "2/3 des conseils et plus de 1/2 de la population",
    "branch_half": "1/2 des conseils et plus de 2/3 de la population",
    "largest": "Commune la plus peuplée",
    "veto_applies": "Accord de la plus peuplée requis (> 1/4)",
    "largest_yes": "Accord de la plus peuplée",
    "majority": "Majorité qualifiée atteinte",
    # roadmap
    "year": "Année",
    "services_starting": "Services réorganisés",
    "n_starting": "Nombre de services réorganisés",
    "transition_cost": "Coûts de transition (€)",
    "fte_absorbed": "ETP non remplacés (départs)",
    "abolition_cost": "Coût des suppressions de postes (€)",
    "cost_status_quo": "Coût sans changement (€)",
    "cost_plan": "Coût avec le plan (€)",
    "cumulative_savings": "Économies cumulées (€)",
    "discounted_savings": "Économies actualisées (€)",
    "start_year": "Année de démarrage",
    "npv_contribution": "Valeur actuelle nette (€)",
    "detail": "Commentaire",
    "npv_if_first_year": "VAN si démarrage la première année (€)",
    "best_npv": "Meilleure VAN possible (€)",
    "k": "Années depuis le démarrage",
    "staff": "Effectif (ETP)",
    "fte_abolished": "Postes supprimés (ETP)",
    "surplus_left": "Sureffectif restant (ETP)",
    "fte_in": "ETP d'origine",
    "steady_savings": "Économies annuelles en régime (€/an)",
    # allocation
    "cost_alone": "Coût seule (€/an)",
    "savings_key": "Économies selon la clé (€/an)",
    "savings_shapley": "Économies selon Shapley (€/an)",
    "stderr": "Erreur type (€/an)",
    "method": "Méthode",
    # rules
    "rule": "Règle",
    "active": "Active",
    "cost_without": "Coût sans la règle (€/an)",
    "price": "Coût de la règle (€/an)",
    "binds": "Contraignante",
}

#: Why a change starts late or not at all (codes of mutusim.phasing), in French.
REASON_LABELS: dict[str, str] = {
    "negative_npv": "valeur actuelle nette négative sur la période",
    "over_budget": "coût de transition supérieur au budget annuel",
    "max_changes_per_year": "capacité annuelle de réorganisation atteinte",
    "transition_budget": "budget annuel de transition épuisé",
    "later_start_better": "un démarrage plus tardif est plus avantageux",
    "not_proven": "calendrier non prouvé optimal (limite de temps)",
    "given": "année imposée",
}

RULE_LABELS: dict[str, str] = {
    "min_members": "Taille minimale d'un service commun",
    "indivisible_staffing": "Effectifs par postes entiers",
    "transfer_all_or_nothing": "Transfert pour toutes les communes",
    "mandatory_competences": "Compétences obligatoires",
    "service_levels": "Niveaux de service minimaux",
    "cost_cap": "Plafond de coût",
    "fte_moved_cap": "Plafond d'ETP concernés",
    "forced_decisions": "Décisions imposées ou exclues",
    "perimeter": "Périmètre du scénario",
    "qualified_majority": "Majorité qualifiée des conseils municipaux",
    "no_worse_off": "Aucune commune perdante",
    "phasing_capacity": "Capacité annuelle de réorganisation",
}


def french(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` with French column headers and French mode labels."""
    out = df.copy()
    for col in ("mode", "current"):
        if col in out.columns:
            out[col] = out[col].map(lambda m: MODE_LABELS.get(m, m))
    for col in (
        "changed",
        "vote",
        "branch_two_thirds",
        "branch_half",
        "veto_applies",
        "largest_yes",
        "majority",
        "active",
        "binds",
    ):
        if col in out.columns:
            out[col] = out[col].map({True: "oui", False: "non"})
    if "reason" in out.columns:  # phasing codes, possibly joined by '+'; other reasons unchanged
        out["reason"] = out["reason"].map(
            lambda r: (
                " ; ".join(REASON_LABELS.get(x, x) for x in r.split("+"))
                if isinstance(r, str)
                else r
            )
        )
    if "rule" in out.columns:
        out["rule"] = out["rule"].map(lambda r: RULE_LABELS.get(r, r))
    return out.rename(columns=COLUMN_LABELS)


def euros(x: float | None) -> str:
    """Format an amount in euros the French way: ``1 234 567 €``."""
    if x is None:
        return "—"
    return f"{x:,.0f} €".replace(",", "\u202f")
