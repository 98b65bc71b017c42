"""Every French word the steering committee reads, in one place.

Code, identifiers and column names stay in English; the report, the
workbook, the plots, the notebooks' tables and the CLI use these labels.
Reasons and findings of the model (:mod:`mutusim.core.findings`) become
sentences here, and every number in them goes through
:mod:`mutusim.present.formatting`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd

from mutusim.core.findings import Finding, Reason
from mutusim.present.formatting import (
    MISSING,
    count,
    euros,
    fte,
    is_missing,
    number,
    percent,
    year,
)

if TYPE_CHECKING:
    from mutusim.core.result import Result
    from mutusim.core.scenario import Scenario
    from mutusim.core.territory import Territory

__all__ = [
    "ALREADY_LABELS",
    "BILLING_LABELS",
    "COLUMN_LABELS",
    "DECISION_LABELS",
    "FINANCING_LABELS",
    "INSTRUMENTS",
    "INSTRUMENT_LABELS",
    "MODE_LABELS",
    "MODE_SHORT",
    "NATURE_LABELS",
    "OPTION_LABELS",
    "PARAMETER_LABELS",
    "RULE_LABELS",
    "START_REASON_LABELS",
    "STATUS_LABELS",
    "STEP_LABELS",
    "explanation",
    "finding_text",
    "fiscal_regime_text",
    "french",
    "infeasibility_summary",
    "name_list",
    "option_value",
    "plural",
    "reason_text",
    "scenario_title",
    "start_reason",
    "vote_reason",
]

MODE_LABELS: dict[str, str] = {
    "keep": "Conservé par la commune",
    "share": "Mutualisé (service commun)",
    "transfer": "Transféré à l'EPCI",
}
#: Short verbs of the modes, inside sentences.
MODE_SHORT: dict[str, str] = {"keep": "conserver", "share": "mutualiser", "transfer": "transférer"}
#: A mode the plan keeps from today's arrangements: nothing to decide ("déjà transféré").
ALREADY_LABELS: dict[str, str] = {
    "share": "Déjà mutualisé (service commun existant)",
    "transfer": "Déjà transféré à l'EPCI",
}
#: Legal category of an EPCI, in words.
NATURE_LABELS: dict[str, str] = {
    "CC": "communauté de communes",
    "CA": "communauté d'agglomération",
    "CU": "communauté urbaine",
    "METRO": "métropole",
    "MET69": "Métropole de Lyon",
}
#: The legal instrument of each mode (DOMAIN.md §1): what the councils adopt.
INSTRUMENTS: dict[str, str] = {
    "keep": "Gestion communale : aucun acte",
    "share": (
        "Service commun (art. L5211-4-2 CGCT) : convention entre l'EPCI et chaque commune "
        "membre, après fiche d'impact et avis des comités sociaux territoriaux"
    ),
    "transfer": (
        "Transfert de compétence (art. L5211-17 CGCT) : délibérations concordantes à la "
        "majorité qualifiée (art. L5211-5 II), arrêté préfectoral, évaluation des charges "
        "par la CLECT (art. 1609 nonies C CGI)"
    ),
    "transfer_a_la_carte": (
        "Transfert à la carte (art. L5211-17-2 CGCT) : délibérations concordantes à la "
        "majorité qualifiée, pour les seules communes qui transfèrent"
    ),
    "transfer_by_law": (
        "Transfert de plein droit d'une compétence obligatoire de l'EPCI (sa loi de "
        "catégorie) : sans vote des conseils municipaux, évaluation des charges par la CLECT "
        "en fiscalité professionnelle unique"
    ),
    "share_communal": (
        "Service commun géré par une commune (art. L5211-4-2 CGCT, par dérogation) : "
        "convention entre la commune gestionnaire, l'EPCI et chaque commune membre, après "
        "fiche d'impact et avis des comités sociaux territoriaux"
    ),
    "already": "Situation actuelle maintenue : aucun acte",
}

STATUS_LABELS: dict[str, str] = {
    "optimal": "optimal (prouvé)",
    "feasible": "réalisable, optimalité non prouvée (limite de temps)",
    "infeasible": "infaisable",
    "time_limit": "limite de temps atteinte sans solution",
    "unbounded": "non borné",
    "error": "erreur : plan rejeté par la vérification indépendante",
    "given": "années de démarrage imposées",
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
    "balance": "Économie annuelle (€/an)",
    "saving": "Économie annuelle (€/an)",
    "savings": "Économies (€/an)",
    "transferred_before": "Communes ayant déjà transféré",
    "largest_name": "Commune la plus peuplée",
    "instrument": "Instrument juridique",
    "employer": "Code employeur",
    "employer_name": "Employeur",
    "fte_posts": "dont postes entiers (ETP)",
    "ratio": "Part",
    "services_started": "Services réorganisés",
    "fte_today": "ETP employés aujourd'hui",
    "fte_out": "ETP rejoignant l'EPCI (reçus, pour l'EPCI)",
    "fte_steady": "ETP employés après le plan (régime permanent)",
    "fte_end": "ETP employés la dernière année de la période",
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
    "pairs_keep": "Services conservés (communes × services)",
    "pairs_share": "Nouvelles adhésions à un service commun (communes × services)",
    "pairs_transfer": "Nouveaux transferts (communes × services)",
    "pools_opened": "Services mutualisés ou transférés, existants compris",
    "cost_per_inhabitant": "Coût par habitant (€/an)",
    # votes and majorities
    "balance_if_transferred": "Économie pour la commune en cas de transfert (€/an)",
    "saving_if_transferred": "Économie pour la commune en cas de transfert (€/an)",
    "vote": "Vote favorable",
    "vote_basis": "Motif du vote",
    "councils": "Conseils municipaux",
    "yes": "Conseils favorables",
    "yes_population": "Population des communes favorables",
    "branch_two_thirds": "2/3 des conseils et plus de 1/2 de la population",
    "branch_half": "1/2 des conseils et au moins 2/3 de la population",
    "largest": "Code INSEE de la commune la plus peuplée",
    "veto_applies": "Accord de la plus peuplée requis (> 1/4)",
    "largest_yes": "Accord de la plus peuplée",
    "majority": "Majorité qualifiée atteinte",
    # roadmap
    "year": "Année",
    "services_starting": "Services réorganisés",
    "n_starting": "Nombre de services réorganisés",
    "transition_cost": "Coûts de transition (€)",
    "posts_not_replaced": "Postes non remplacés (départs)",
    "posts_abolished": "Postes supprimés (surnombre)",
    "article": "Article",
    "manager": "Code du gestionnaire",
    "min_level": "Niveau de service minimal atteint (0-100)",
    "average_level": "Niveau de service moyen par habitant (0-100)",
    "communes_changed": "Communes dont l'organisation change",
    "decision": "Décision du plan",
    "alternative": "Autre décision",
    "decision_price": "Ce qu'elle coûterait (VAN, €)",
    "parameter": "Paramètre",
    "current_value": "Valeur actuelle",
    "lower": "Bascule en dessous de",
    "decision_below": "Décision en dessous",
    "upper": "Bascule au-dessus de",
    "decision_above": "Décision au-dessus",
    "p10": "P10",
    "p50": "Médiane",
    "p90": "P90",
    "p_loss": "Probabilité de perte",
    "draw_decision": "Décision optimale dans les tirages",
    "draws_optimal": "Tirages où elle est optimale",
    "share_of_draws": "Part des tirages",
    "share_low": "Borne basse (intervalle à 95 %)",
    "share_high": "Borne haute (intervalle à 95 %)",
    "p_worse": "Probabilité de payer plus",
    "extra_cost": "Écart au meilleur plan (VAN, €)",
    "rank": "Rang",
    "manager_name": "Gestionnaire",
    "category": "Code de la catégorie d'achats",
    "volume": "Volume groupé (€/an)",
    "price_cut": "Baisse de prix obtenue",
    "coordinator_cost": "Coût du coordonnateur (€/an)",
    "net": "Gain net (€/an)",
    "new_members": "Nouveaux membres",
    "billing": "Financement",
    "posts_transferred": "Postes transférés (ETP)",
    "financing": "Financement",
    "winners": "Communes gagnantes",
    "losers": "Communes perdantes",
    "largest_gain": "Plus fort gain (€/an)",
    "largest_loss": "Plus forte perte (€/an)",
    "epci_balance": "Solde de l'EPCI (€/an)",
    "charged_on_ac": "Imputé sur l'attribution de compensation (€/an)",
    "abolition_cost": "Coût des suppressions de postes (€)",
    "cost_status_quo": "Coût sans changement (€)",
    "cost_plan": "Coût avec le plan (€)",
    "cumulative_savings": "Économies cumulées (€)",
    "discounted_savings": "Économies actualisées (€)",
    "start_year": "Année de démarrage",
    "npv_contribution": "Valeur actuelle nette (€)",
    "reason": "Motif",
    "detail": "Commentaire",
    "npv_if_first_year": "VAN si démarrage la première année (€)",
    "best_npv": "Meilleure VAN possible (€)",
    "best_year": "Année de la meilleure VAN",
    "full_limits": "Limites atteintes",
    "k": "Années depuis le démarrage",
    "staff": "Postes (ETP)",
    "partial": "Temps d'agents mis à disposition (ETP)",
    "posts": "Postes (ETP)",
    "host": "Code de l'employeur d'accueil",
    "host_name": "Employeur d'accueil",
    "surplus_left": "Sureffectif restant (ETP)",
    "fte_in": "ETP d'origine",
    "posts_in": "Postes transférés (ETP)",
    "old_staff": "Postes du service existant (ETP)",
    "target": "Besoin (ETP)",
    "steady_staff": "Postes en régime permanent (ETP)",
    "hired": "Recrutements (ETP)",
    "absorbed_year": "Année d'absorption du sureffectif",
    "absorbed": "Sureffectif absorbé",
    "steady_savings": "Économies annuelles en régime (€/an)",
    "posts_transferred_in": "Postes reçus (ETP)",
    "posts_transferred_out": "Postes transférés (ETP)",
    "fte_made_available": "Temps mis à disposition (ETP)",
    "step": "Étape",
    "date": "Date au plus tard",
    "parties": "Parties concernées",
    "source": "Référence",
    "npv": "Valeur actuelle nette (€)",
    "fte_target": "ETP cible",
    "surplus": "Sureffectif de départ (ETP)",
    "reduction": "Réduction des effectifs",
    "years_to_absorb": "Années pour résorber le sureffectif",
    "transition_one_off_pool": "Coûts de transition ponctuels (€)",
    "delta_ac": "Baisse des attributions de compensation (€/an)",
    "delta_cif": "Hausse du coefficient d'intégration fiscale",
    "dgf_per_year": "Dotation d'intercommunalité supplémentaire (€/an)",
    "dgf_upside": "Dotation d'intercommunalité supplémentaire (€)",
    "discounted_dgf_upside": "Dotation supplémentaire actualisée (€)",
    # allocation
    "cost_alone": "Coût sans mutualisation (€/an)",
    "savings_key": "Économies selon la clé (€/an)",
    "savings_shapley": "Économies selon Shapley (€/an)",
    "stderr": "Erreur type (€/an)",
    "method": "Méthode",
    "permutations": "Permutations tirées",
    # rules
    "rule": "Règle",
    "active": "Active",
    "npv_without": "VAN sans la règle (€)",
    "cost_without": "Coût annuel sans la règle, régime établi (€/an)",
    "price": "Coût de la règle (VAN, €)",
    "binds": "Contraignante",
    # yearly follow-up
    "arrangement": "Organisation",
    "arrangement_planned": "Organisation prévue",
    "arrangement_actual": "Organisation réalisée",
    "fte_planned": "ETP prévus",
    "fte_actual": "ETP réalisés",
    "fte_gap": "Écart d'effectif (ETP, réalisé − prévu)",
    "cost_planned": "Dépense prévue (€)",
    "cost_actual": "Dépense réalisée (€)",
    "cost_gap": "Écart de dépense (€, positif = dépense inférieure au plan)",
    "reported": "Renseigné",
    "gap_arrangement": "Écart d'organisation",
    "gap_fte": "Écart d'effectif",
    "gap_cost": "Écart de dépense",
    "gap_flag": "Écart à examiner",
    "employers_reported": "Employeurs renseignés",
    "employers_missing": "Employeurs non renseignés",
    "arrangement_gaps": "Organisations différentes du plan",
    "services_reported": "Services renseignés",
    "services_with_gaps": "Services avec un écart",
    # options and sources
    "option": "Option",
    "option_code": "Code de l'option (fichier YAML)",
    "default": "Valeur par défaut",
    "topic": "Objet",
}

#: French name of every rule of :data:`mutusim.core.rulebook.RULES`.
RULE_LABELS: dict[str, str] = {
    "data": "Modes offerts par les données",
    "already_transferred": "Compétences déjà transférées",
    "qualified_majority": "Majorité qualifiée des conseils municipaux",
    "no_worse_off": "Aucune commune perdante",
    "allowed_modes": "Modes autorisés par le scénario",
    "mandatory_competences": "Compétences obligatoires",
    "perimeter": "Périmètre du scénario",
    "forced_decisions": "Décisions imposées ou exclues",
    "service_levels": "Niveaux de service minimaux",
    "one_mode": "Un mode par service et par commune",
    "pool_membership": "Adhésion à un service ouvert",
    "transfer_all_or_nothing": "Transfert pour toutes les communes",
    "min_members": "Taille minimale d'un service commun",
    "pooled_staffing": "Effectifs suffisants des services mutualisés",
    "indivisible_staffing": "Effectifs par postes entiers",
    "cost_cap": "Plafond de coût",
    "fte_moved_cap": "Plafond d'ETP concernés",
    "communes_changed_cap": "Plafond de communes concernées",
    "average_level_floor": "Niveau de service moyen minimal",
    "phasing_capacity": "Capacité annuelle de réorganisation",
}

#: The legal steps of a change (codes of :mod:`mutusim.analysis.legal_calendar`).
STEP_LABELS: dict[str, str] = {
    "cst_opinion": "Fiche d'impact et avis du comité social territorial",
    "epci_deliberation": "Délibération du conseil communautaire",
    "council_votes": "Délibérations des conseils municipaux (3 mois ; le silence vaut accord)",
    "prefectoral_order": "Arrêté préfectoral",
    "effective": "Entrée en vigueur",
    "clect_report": "Rapport de la CLECT (9 mois après le transfert)",
    "impact_study": "Fiche d'impact (organisation, conditions de travail, rémunérations)",
    "deliberations": "Délibérations de l'EPCI et des communes concernées",
    "convention": "Signature de la convention de service commun",
}

#: Why a change starts late or not at all (codes of :mod:`mutusim.core.timeline`), short form.
START_REASON_LABELS: dict[str, str] = {
    "negative_npv": "valeur actuelle nette négative sur la période",
    "over_budget": "coût de transition supérieur au budget annuel",
    "capacity_full": "capacité annuelle de réorganisation atteinte",
    "later_start_better": "un démarrage plus tardif est plus avantageux",
    "not_proven": "calendrier non prouvé optimal (limite de temps)",
    "given": "année imposée",
}
_LIMITS: dict[str, str] = {
    "max_changes_per_year": "nombre de services réorganisés par an",
    "transition_budget": "budget annuel de transition",
}
_METHODS: dict[str, str] = {"exact": "exacte", "sampled": "estimée par tirage"}
_REDUCTIONS: dict[str, str] = {
    "attrition": "départs non remplacés",
    "abolition": "suppression de postes (surnombre)",
}
_DEPARTURES: dict[str, str] = {
    "retirements": "départs en retraite seulement",
    "all": "tous les départs (retraites, mutations, fins de contrat)",
}
_ABSORBED: dict[str, str] = {"after the horizon": "après l'horizon", "not started": "non engagé"}
_BOOL_COLUMNS = (
    "changed",
    "reported",
    "gap_arrangement",
    "gap_fte",
    "gap_cost",
    "gap_flag",
    "vote",
    "branch_two_thirds",
    "branch_half",
    "veto_applies",
    "largest_yes",
    "majority",
    "active",
    "binds",
)


# ------------------------------------------------------------------ reasons
#: Legal instruments of :func:`mutusim.analysis.instruments.instruments`, in French.
INSTRUMENT_LABELS = {
    "service_commun": "Service commun géré par l'EPCI",
    "service_commun_communal": "Service commun géré par une commune",
    "transfer": "Transfert de compétence (toutes les communes)",
    "transfer_a_la_carte": "Transfert de compétence à la carte",
    "transfer_by_law": "Transfert de plein droit (compétence obligatoire)",
}
#: Parameters of :func:`mutusim.analysis.tipping.tipping_points`, in French (with units).
PARAMETER_LABELS = {
    "units_per_fte": "Productivité du service mutualisé (unités par ETP)",
    "fixed_cost": "Coût fixe du service mutualisé (€/an)",
    "cost_per_fte": "Coût d'un ETP du service mutualisé (€/an)",
    "transition_cost": "Coût de transition par commune membre (€)",
    "departure_rate": "Taux de départ des agents (par an)",
    "discount_rate": "Taux d'actualisation (par an)",
}
#: Decisions on a service (keep, share, transfer) as a committee says them.
DECISION_LABELS = {"keep": "conserver", "share": "mutualiser", "transfer": "transférer"}
#: Financing scenarios of :func:`mutusim.analysis.financing.financing`, in French.
FINANCING_LABELS = {
    "units": "Coût unitaire × unités d'œuvre",
    "population": "Clé population",
    "fte": "Clé ETP",
    "ac": "Imputation sur l'attribution de compensation",
}
#: How each instrument is paid for, in French.
BILLING_LABELS = {
    "convention_units": "Convention : coût unitaire × unités d'œuvre",
    "convention_population": "Convention : clé population",
    "convention_fte": "Convention : clé ETP",
    "clect": "Réduction de l'attribution de compensation (évaluation CLECT)",
    "additional_rates": "Taux additionnels de l'EPCI (fiscalité additionnelle)",
}


def _name(territory: Territory | None, table: str, code: object) -> str:
    if territory is None or code is None:
        return str(code)
    frame = territory.communes if table == "communes" else territory.services
    return str(frame.at[code, "name"]) if code in frame.index else str(code)


def fiscal_regime_text(fiscalite: str, neutralisation: bool = True) -> str:
    """The EPCI's fiscal regime and how a transfer is financed, in French (DOMAIN.md §1.1, §2.1).

    Parameters
    ----------
    fiscalite : str
        ``FPU`` or ``FA``.
    neutralisation : bool
        Under FA, whether the communes lower their rates (``Scenario.fa_neutralisation``).

    Returns
    -------
    str

    Examples
    --------
    >>> fiscal_regime_text("FPU")[:40]
    'Fiscalité professionnelle unique (FPU) :'
    """
    if fiscalite == "FA":
        how = (
            "chaque commune qui transfère baisse ses taux du coût qu'elle ne porte plus "
            "(neutralisation fiscale) : son budget est inchangé"
            if neutralisation
            else "les communes gardent leurs taux : leur budget gagne le coût transféré"
        )
        return (
            "Fiscalité additionnelle (FA) : ni attribution de compensation ni CLECT ; "
            f"l'EPCI finance une compétence transférée par ses taux additionnels, et {how}."
        )
    return (
        "Fiscalité professionnelle unique (FPU) : un transfert réduit l'attribution de "
        "compensation de la commune du coût évalué par la CLECT (charges de l'année "
        "précédente et coût annualisé des équipements, art. 1609 nonies C CGI)."
    )


def vote_reason(basis: str, balance: float | None = None) -> str:
    """Why a council votes as it does, in French.

    Parameters
    ----------
    basis : str
        ``stance_for``, ``stance_against``, ``stance_undecided`` or ``budget``.
    balance : float, optional
        Change of the commune's budget if the service is transferred
        [EUR/year], positive = the commune pays more (``budget``).

    Returns
    -------
    str

    Examples
    --------
    >>> vote_reason("budget", 907.0)
    'le transfert coûterait 907\xa0€/an de plus à la commune'
    """
    if basis == "stance_for":
        return "position connue : pour"
    if basis == "stance_against":
        return "position connue : contre"
    if basis == "stance_undecided":
        return "sans position : le silence vaut accord"
    if balance is None or is_missing(balance):
        return "effet sur le budget communal non chiffré"
    if balance > 0.5:
        return f"le transfert coûterait {euros(balance, per_year=True)} de plus à la commune"
    if balance < -0.5:
        return f"le transfert ferait économiser {euros(-balance, per_year=True)} à la commune"
    return "le transfert ne change pas le budget communal"


def reason_text(reason: Reason, territory: Territory | None = None) -> str:
    """A reason of the model in French (why a mode is excluded, why a council votes no).

    Parameters
    ----------
    reason : Reason
        Rule, code and figures.
    territory : Territory, optional
        To name communes instead of giving their codes.

    Returns
    -------
    str
    """
    v: Mapping[str, Any] = reason.values
    code = reason.code
    mode = MODE_SHORT.get(str(v.get("mode")), str(v.get("mode")))
    if code == "not_transferable":
        return "mode indisponible : le service n'est pas une compétence transférable"
    if code == "no_mode_row":
        return f"mode indisponible : les données n'en donnent pas les paramètres ({mode})"
    if code == "mode_not_allowed":
        return f"le scénario n'autorise pas ce mode ({mode})"
    if code == "mandatory":
        nature = NATURE_LABELS.get(str(v.get("nature")), str(v.get("nature")))
        return f"compétence obligatoire pour une {nature} : transférée par la loi"
    if code == "service_outside":
        return "service hors du périmètre du scénario (garde sa situation actuelle)"
    if code == "commune_outside":
        return "commune hors du périmètre du scénario (garde sa situation actuelle)"
    if code == "population_above":
        return (
            f"commune de {number(v['population'])} habitants, au-delà du seuil du périmètre "
            f"({number(v['threshold'])}) : garde sa situation actuelle"
        )
    if code == "forbidden":
        return f"exclu par le scénario ({mode})"
    if code == "forced_other":
        return f"le scénario impose un autre mode ({mode})"
    if code == "level_below":
        return (
            f"niveau de service {number(v['level'], 1)} inférieur au minimum "
            f"{number(v['minimum'], 1)}"
        )
    if code == "already_transferred":
        return "déjà transféré à l'EPCI (la restitution est hors du modèle)"
    if code == "no_majority":
        why = []
        if v.get("branches_fail"):
            why.append(
                f"{v['yes']} conseils favorables sur {v['councils']}, représentant "
                f"{number(v['yes_population'])} habitants sur {number(v['population'])}"
            )
        if v.get("vetoed"):
            largest = _name(territory, "communes", v.get("largest"))
            why.append(
                f"la commune la plus peuplée ({largest}, plus du quart de la population) vote contre"
            )
        return "pas de majorité qualifiée pour le transfert : " + " ; ".join(why)
    if code == "a_la_carte_against":
        basis = vote_reason(str(v.get("basis")), v.get("balance"))
        return f"transfert à la carte : le conseil vote contre ({basis})"
    if code == "own_costs_exceed":
        return (
            f"ses propres coûts dans le service commun ({euros(v['own'], per_year=True)}) "
            f"dépassent son coût actuel ({euros(v['today'], per_year=True)}) : aucune commune "
            "perdante"
        )
    if code == "transfer_costs_more":
        return (
            f"le transfert coûterait {euros(v['delta'], per_year=True)} de plus à la commune : "
            "aucune commune perdante"
        )
    if code.startswith("stance_") or code == "budget":
        return vote_reason(code, v.get("balance"))
    return "exclu"


def finding_text(finding: Finding, territory: Territory | None = None) -> str:
    """One item of an infeasibility explanation in French.

    Parameters
    ----------
    finding : Finding
        From :mod:`mutusim.model.explain`.
    territory : Territory, optional
        To name services and communes.

    Returns
    -------
    str
    """
    if finding.code == "no_mode":
        service = _name(territory, "services", finding.service)
        commune = _name(territory, "communes", finding.commune)
        why = " ; ".join(
            f"{MODE_SHORT.get(m, m)} : {reason_text(r, territory)}"
            for m, r in finding.reasons.items()
        )
        return f"Aucun mode possible pour le service « {service} » à {commune} : {why}."
    v = finding.values
    rule = finding.rule
    if finding.code == "relax" and rule == "cost_cap" and v:
        return (
            f"Le plafond de coût ({euros(v['cap'], per_year=True)}) ne peut être tenu avec les "
            f"autres règles ; sans lui, le meilleur plan coûte "
            f"{euros(v['cost_without'], per_year=True)} en régime établi : "
            f"le relever de {euros(v['cost_without'] - v['cap'])} suffit à le permettre."
        )
    if finding.code == "relax" and rule == "fte_moved_cap" and v:
        return (
            f"Le plafond d'ETP concernés ({fte(v['cap'])}) ne peut être tenu avec les autres "
            f"règles ; sans lui, le plan concerne {fte(v['fte_without'])}."
        )
    if finding.code == "relax" and rule == "communes_changed_cap" and v:
        return (
            f"Le plafond de communes concernées ({count(v['cap'])}) ne peut être tenu avec les "
            f"autres règles ; sans lui, le plan change l'organisation de "
            f"{count(v['communes_without'])} communes."
        )
    if finding.code == "relax" and rule == "average_level_floor" and v:
        return (
            f"Le niveau de service moyen minimal ({number(v['floor'], 1)}) ne peut être tenu avec "
            f"les autres règles ; sans lui, le niveau moyen du plan est de "
            f"{number(v['average_without'], 1)}."
        )
    if finding.code == "relax" and rule == "no_worse_off":
        return (
            "La règle « aucune commune perdante » ne peut être tenue avec les autres règles ; "
            "le plan est réalisable sans elle."
        )
    if finding.code == "relax" and rule == "qualified_majority":
        return (
            "Un transfert imposé n'obtient pas la majorité qualifiée des conseils municipaux ; "
            "le plan serait réalisable si elle était atteinte (voir les votes)."
        )
    if finding.code == "relax" and rule == "min_members":
        return (
            "La taille minimale d'un service commun ne peut être atteinte dans le périmètre ; "
            "le plan est réalisable sans cette règle."
        )
    if finding.code == "relax" and rule == "transfer_all_or_nothing":
        return (
            "Un transfert de compétence doit couvrir toutes les communes, mais une commune ne "
            "peut pas le prendre ; le plan est réalisable avec un transfert à la carte."
        )
    if finding.code == "relax":
        return (
            f"Le scénario devient réalisable sans la règle « {RULE_LABELS.get(str(rule), rule)} »."
        )
    if finding.code == "numerical":
        return (
            "Le solveur a rencontré une difficulté numérique : il rend pour "
            f"{number(v.get('pairs', 0))} décision(s) des valeurs qui ne sont ni 0 ni 1, aucun "
            f"plan n'est donc présenté. Les coefficients du modèle s'étendent sur "
            f"{number(_orders(v.get('smallest'), v.get('largest')))} ordres de grandeur (jusqu'à "
            f"{number(v.get('largest', 0))}) : vérifier les unités des données (coûts en euros "
            "par an, unités d'œuvre, ETP) et les valeurs extrêmes, ou essayer l'autre solveur."
        )
    if finding.code == "explain_time_limit":
        return (
            "L'explication est peut-être incomplète : une résolution sans l'une des règles a "
            f"atteint sa limite de temps ({number(v.get('seconds', 0))} s) ; augmenter la "
            "limite de temps pour la compléter."
        )
    return (
        "Le scénario est infaisable sans qu'une règle seule l'explique : plusieurs règles se "
        "contredisent (les lever une à une)."
    )


def _orders(smallest: float | None, largest: float | None) -> float:
    """Orders of magnitude between two positive numbers (0 when unknown)."""
    if not smallest or not largest or smallest <= 0:
        return 0.0
    return max(0.0, math.log10(largest / smallest))


def explanation(result: Result) -> list[str]:
    """Why a result has no plan, in French: the explanation, or the checker's rejection.

    Parameters
    ----------
    result : Result
        Any result.

    Returns
    -------
    list of str
        Empty when the result has a plan.
    """
    if result.has_plan:
        return []
    lines = [finding_text(f, result.territory) for f in result.explanation]
    if result.check_errors:
        lines.append(
            "La vérification indépendante a rejeté le plan du solveur ; détail technique : "
            + " ; ".join(result.check_errors)
        )
    if not lines and str(result.status) == "time_limit":
        limit = number(result.scenario.time_limit, 1 if result.scenario.time_limit < 10 else 0)
        lines.append(
            f"Le solveur s'est arrêté à sa limite de temps ({limit} s) avant de trouver un plan : "
            "augmenter la limite de temps (option time_limit du scénario, ou --time-limit)."
        )
    if not lines and str(result.status) == "unbounded":
        lines.append(
            "Le modèle n'est pas borné : c'est une erreur de modélisation de mutusim, à signaler "
            "avec les données."
        )
    if not lines and str(result.status) == "error":
        what = result.solve.solver_status if result.solve is not None else "inconnu"
        lines.append(f"Le solveur a échoué (son statut : {what}) ; essayer l'autre solveur.")
    return lines


def start_reason(row: Mapping[str, Any], scenario: Scenario) -> str:
    """Why a changed service starts late or not at all, in one French sentence.

    Parameters
    ----------
    row : mapping
        A row of ``Schedule.starts``.
    scenario : Scenario
        Horizon and limits.

    Returns
    -------
    str
        Empty when the service starts in the first year.
    """
    code = row.get("reason")
    if code is None or (isinstance(code, float) and pd.isna(code)):
        return ""
    ts = row.get("start_year")
    started = ts is not None and not pd.isna(ts)
    verb = f"reporté à {int(ts)}" if started else "non engagé"  # type: ignore[arg-type]
    if code == "negative_npv":
        return (
            f"valeur actuelle nette négative sur {scenario.start_year}-{scenario.end_year} "
            f"quelle que soit l'année de démarrage (au mieux {euros(row.get('best_npv'))}, "
            f"en {row.get('best_year')})"
        )
    if code == "over_budget":
        return (
            f"coût de transition ponctuel ({euros(row.get('transition_cost'))}) supérieur au "
            f"budget annuel de transition ({euros(scenario.transition_budget)})"
        )
    if code == "capacity_full":
        limits = [x for x in str(row.get("full_limits") or "").split(";") if x]
        what = " et ".join(_LIMITS.get(x, x) for x in limits)
        return f"{verb} : chaque année plus favorable est déjà pleine ({what})"
    if code == "later_start_better":
        return (
            f"un démarrage en {int(ts)} donne une meilleure valeur actuelle nette que toute "  # type: ignore[arg-type]
            "année antérieure"
        )
    if code == "given":
        return f"{verb} : année de démarrage imposée"
    return f"{verb} : le solveur s'est arrêté avant de prouver ce calendrier optimal"


# ------------------------------------------------------------------- tables
def french(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` with French headers and French values for modes, booleans, codes.

    Modes (``déjà transféré`` when the plan keeps today's transfer), statuses,
    booleans (oui/non), rule names, vote bases, start reasons, staff
    reductions and Shapley methods are translated. Balances follow the sign
    convention of :data:`mutusim.present.formatting.SIGN_CONVENTION`:
    ``balance`` (after − before) becomes the saving (before − after), and
    ``balance_if_transferred`` the saving of a transfer. Other cells are
    unchanged.

    Parameters
    ----------
    df : DataFrame
        A table of mutusim (English column names).

    Returns
    -------
    DataFrame
    """
    out = df.copy()
    if "mode" in out.columns:
        current = out["current"] if "current" in out.columns else None
        out["mode"] = [
            ALREADY_LABELS[m]
            if current is not None and m == current.iloc[i] and m in ALREADY_LABELS
            else MODE_LABELS.get(m, m)
            for i, m in enumerate(out["mode"])
        ]
    if "current" in out.columns:
        out["current"] = out["current"].map(lambda m: MODE_LABELS.get(m, m))
    for col in ("arrangement", "arrangement_planned", "arrangement_actual"):
        if col in out.columns:
            out[col] = out[col].map(lambda m: MODE_LABELS.get(m, m) if m else MISSING)
    for col in _BOOL_COLUMNS:
        if col in out.columns:
            out[col] = out[col].map({True: "oui", False: "non"})
    if "vote_basis" in out.columns:
        balance = out.get("balance_if_transferred")
        out["vote_basis"] = [
            vote_reason(b, None if balance is None else balance.iloc[i])
            for i, b in enumerate(out["vote_basis"])
        ]
    for col in ("balance", "balance_if_transferred"):  # the sign convention: saving > 0
        if col in out.columns:
            out[col] = -pd.to_numeric(out[col]) + 0.0
    if "reason" in out.columns:
        out["reason"] = out["reason"].map(
            lambda r: START_REASON_LABELS.get(r, r) if isinstance(r, str) else MISSING
        )
    if "full_limits" in out.columns:
        out["full_limits"] = out["full_limits"].map(
            lambda x: ", ".join(_LIMITS.get(v, v) for v in str(x).split(";") if v) or MISSING
        )
    if "start_year" in out.columns:
        out["start_year"] = [
            "non engagé" if is_missing(y) else int(y) for y in out["start_year"].tolist()
        ]
    if "absorbed" in out.columns:
        out["absorbed"] = out["absorbed"].map(lambda a: _ABSORBED.get(str(a), a))
    if "reduction" in out.columns:
        out["reduction"] = out["reduction"].map(lambda r: _REDUCTIONS.get(str(r), r))
    if "rule" in out.columns:
        out["rule"] = out["rule"].map(lambda r: RULE_LABELS.get(r, r))
    if "method" in out.columns:
        out["method"] = out["method"].map(lambda m: _METHODS.get(m, m))
    if "step" in out.columns:
        out["step"] = out["step"].map(lambda x: STEP_LABELS.get(x, x))
    if "status" in out.columns:
        out["status"] = out["status"].map(lambda s: STATUS_LABELS.get(str(s), s))
    return out.rename(columns=COLUMN_LABELS)


# ---------------------------------------------------------------- scenarios
#: French name of every option of :class:`mutusim.core.scenario.Scenario`.
OPTION_LABELS: dict[str, str] = {
    "name": "Nom du scénario",
    "description": "Description",
    "allowed_modes": "Modes autorisés",
    "min_level": "Niveau de service minimal (0-100)",
    "min_level_by_service": "Niveau de service minimal par service (0-100)",
    "max_total_cost": "Plafond du coût annuel du plan",
    "max_fte_moved": "Plafond des ETP concernés par un changement",
    "max_communes_changed": "Plafond du nombre de communes dont l'organisation change",
    "min_average_level": "Niveau de service moyen minimal, pondéré par la population (0-100)",
    "force": "Décisions imposées",
    "forbid": "Décisions exclues",
    "perimeter_communes": "Communes du périmètre",
    "perimeter_max_population": "Population maximale d'une commune du périmètre",
    "perimeter_services": "Services du périmètre",
    "disabled_rules": "Règles désactivées",
    "solver": "Solveur",
    "time_limit": "Limite de temps du solveur",
    "mip_gap": "Écart d'optimalité toléré",
    "decompose": "Résolution service par service (quand aucune règle ne les lie)",
    "vote_tolerance": "Tolérance du vote (hausse admise du budget communal)",
    "stances": "Positions connues des conseils municipaux",
    "billing_keys": "Clés de facturation des services communs",
    "no_worse_off": "Aucune commune perdante",
    "cif_upside": "Effet du CIF sur la dotation d'intercommunalité",
    "fa_neutralisation": "Neutralisation fiscale des transferts (fiscalité additionnelle)",
    "cif_current": "Coefficient d'intégration fiscale actuel",
    "tax_receipts": "Recettes fiscales du territoire",
    "dgf_per_inhabitant_per_cif": "Dotation par habitant et par unité de CIF",
    "hosts": "Employeur qui porte chaque nouveau service commun",
    "departures": "Départs d'agents qui réduisent les postes",
    "retirement_rate": "Taux annuel de départs en retraite",
    "all_departure_rate": "Taux annuel de départs des agents (tous motifs)",
    "staff_reduction": "Réduction des effectifs",
    "start_year": "Première année du plan",
    "end_year": "Dernière année du plan",
    "adoption_year": "Année d'adoption du scénario (les changements prennent effet au 1er janvier suivant)",
    "discount_rate": "Taux d'actualisation",
    "max_changes_per_year": "Services réorganisés par an, au plus",
    "transition_budget": "Budget annuel de transition",
}
_KEYS: dict[str, str] = {
    "units": "unités d'œuvre (coût unitaire × unités, méthode de l'art. D5211-16 CGCT)",
    "population": "population",
    "fte": "ETP",
    "ac": "unités d'œuvre, imputées sur l'attribution de compensation",
}
_STANCES: dict[str, str] = {"for": "pour", "against": "contre", "undecided": "sans position"}


def scenario_title(scenario: Scenario) -> str:
    """How a scenario is named in a document: its description, else its name in words.

    Parameters
    ----------
    scenario : Scenario
        The scenario.

    Returns
    -------
    str

    Examples
    --------
    >>> from mutusim.core.scenario import Scenario
    >>> scenario_title(Scenario(name="plan_optimal"))
    'plan optimal'
    """
    if scenario.description:
        return scenario.description
    return scenario.name.replace("_", " ").strip() or "scénario"


def plural(n: int, one: str, many: str) -> str:
    """A count and its noun, agreed in number: ``1 commune perd``, ``3 perdent``.

    Parameters
    ----------
    n : int
        The count.
    one, many : str
        The words after it, singular (0 and 1, as French does) and plural.

    Returns
    -------
    str

    Examples
    --------
    >>> plural(1, "commune", "communes"), plural(12345, "commune", "communes")
    ('1 commune', '12\u202f345 communes')
    """
    return f"{count(n)} {one if abs(n) < 2 else many}"


def name_list(names: list[str], *, most: int = 6, total: int | None = None) -> str:
    """A French list of names, shortened: ``A, B et 12 autres``.

    Parameters
    ----------
    names : list of str
        The names, in the order to show.
    most : int
        Most names written out.
    total : int, optional
        Size of the whole set: ``toutes (29)`` when every one is listed.

    Returns
    -------
    str

    Examples
    --------
    >>> name_list(["Angers", "Avrillé", "Trélazé"])
    'Angers, Avrillé et Trélazé'
    >>> name_list(["A", "B", "C"], total=3)
    'toutes (3)'
    """
    if not names:
        return "aucune"
    if total is not None and len(names) == total and total > 2:
        return f"toutes ({count(total)})"
    if len(names) == 1:
        return names[0]
    if len(names) <= most:
        return ", ".join(names[:-1]) + " et " + names[-1]
    rest = len(names) - (most - 1)
    return ", ".join(names[: most - 1]) + f" et {count(rest)} autres"


def _names(territory: Territory | None, table: str, codes: Any) -> list[str]:
    return [_name(territory, table, c) for c in codes]


def option_value(name: str, value: Any, territory: Territory | None = None) -> str:
    """The value of a scenario option, in French words and figures.

    Parameters
    ----------
    name : str
        An option of :data:`OPTION_LABELS`.
    value : object
        Its value.
    territory : Territory, optional
        To name services and communes.

    Returns
    -------
    str

    Examples
    --------
    >>> option_value("all_departure_rate", 0.069), option_value("allowed_modes", ("keep", "share"))
    ('6,9\\xa0%', 'conserver, mutualiser')
    """
    if value is None:
        return "non fixé"
    if isinstance(value, bool):
        return "oui" if value else "non"
    if name == "name":
        return str(value).replace("_", " ")
    if name == "allowed_modes":
        return ", ".join(MODE_SHORT.get(m, m) for m in value)
    if name == "disabled_rules":
        return ", ".join(RULE_LABELS.get(r, r) for r in value) or "aucune"
    if name == "perimeter_communes":
        return name_list(_names(territory, "communes", value), most=12)
    if name == "perimeter_services":
        return name_list(_names(territory, "services", value), most=12)
    if name in ("force", "forbid"):
        parts = []
        for d in value:
            service = (
                "tous les services"
                if d.service == "*"
                else _name(territory, "services", d.service)
            )
            commune = (
                "toutes les communes"
                if d.commune == "*"
                else _name(territory, "communes", d.commune)
            )
            parts.append(f"{service}, {commune} : {MODE_SHORT.get(d.mode, d.mode)}")
        return " ; ".join(parts) or "aucune"
    if name == "min_level_by_service":
        return (
            " ; ".join(
                f"{_name(territory, 'services', s)} : {number(v, 1)}" for s, v in value.items()
            )
            or "aucun"
        )
    if name == "billing_keys":
        return (
            " ; ".join(
                f"{_name(territory, 'services', s)} : {_KEYS.get(k, k)}" for s, k in value.items()
            )
            or "unités d'œuvre pour tous les services"
        )
    if name == "stances":
        parts = []
        for s, m in value.items():
            service = "tous les services" if s == "*" else _name(territory, "services", s)
            who = ", ".join(
                f"{_name(territory, 'communes', c)} {_STANCES.get(v, v)}" for c, v in m.items()
            )
            parts.append(f"{service} : {who}")
        return " ; ".join(parts) or "aucune"
    if name == "staff_reduction":
        return _REDUCTIONS.get(str(value), str(value))
    if name == "solver":
        return {"highs": "HiGHS", "cbc": "CBC"}.get(str(value), str(value))
    if name == "departures":
        return _DEPARTURES.get(str(value), str(value))
    if name == "hosts":
        return (
            " ; ".join(
                f"{_name(territory, 'services', sv)} : "
                + ("l'EPCI" if h == "EPCI" else _name(territory, "communes", h))
                for sv, h in value.items()
            )
            or "l'EPCI, ou l'employeur du fichier des modes"
        )
    if name in ("retirement_rate", "all_departure_rate", "discount_rate", "mip_gap"):
        return percent(value, 2 if name == "mip_gap" else 1)
    if name == "cif_current":
        return number(value, 2)
    if name in ("max_total_cost", "tax_receipts", "vote_tolerance"):
        return euros(value, per_year=True)
    if name in ("transition_budget", "dgf_per_inhabitant_per_cif"):
        return euros(value) + (" par an" if name == "transition_budget" else "")
    if name in ("start_year", "end_year", "adoption_year"):
        return year(value)
    if name == "time_limit":
        return f"{number(value, 0 if float(value).is_integer() else 1)} s"
    if name == "max_fte_moved":
        return fte(value)
    if name == "perimeter_max_population":
        return f"{count(value)} habitants"
    if name in ("min_level", "min_average_level"):
        return number(value, 1)
    if name in ("max_changes_per_year", "max_communes_changed"):
        return count(value)
    return str(value)


# ------------------------------------------------------------- infeasibility
#: What excludes a mode, said once for a whole group of pairs (no figures).
_REASON_SHORT: dict[str, str] = {
    "not_transferable": "le service n'est pas une compétence transférable",
    "no_mode_row": "les données ne décrivent pas ce mode",
    "mode_not_allowed": "le scénario n'autorise pas ce mode",
    "mandatory": "la compétence est transférée par la loi",
    "service_outside": "le service est hors du périmètre",
    "commune_outside": "la commune est hors du périmètre",
    "population_above": "la commune dépasse le seuil de population du périmètre",
    "forbidden": "le scénario l'exclut",
    "forced_other": "le scénario impose un autre mode",
    "level_below": "le niveau de service est inférieur au minimum exigé",
    "already_transferred": "le service est déjà transféré",
    "no_majority": "la majorité qualifiée n'est pas atteinte",
    "a_la_carte_against": "le conseil municipal vote contre",
    "own_costs_exceed": "la commune paierait plus qu'aujourd'hui",
    "transfer_costs_more": "la commune paierait plus qu'aujourd'hui",
    "excluded": "exclu",
}
#: What to relax, per rule that excludes modes.
_RELAX: dict[str, str] = {
    "service_levels": "abaisser le niveau de service minimal exigé",
    "allowed_modes": "autoriser d'autres modes dans le scénario",
    "forced_decisions": "retirer les décisions imposées ou exclues qui se contredisent",
    "perimeter": "élargir le périmètre du scénario",
    "qualified_majority": "convaincre les conseils municipaux opposés, ou renoncer au transfert",
    "no_worse_off": "lever la règle « aucune commune perdante »",
    "data": "compléter les données des modes (fichier des modes)",
}


#: Reasons that state a fact of the territory or of the law, not a rule one can relax.
_STRUCTURAL = ("not_transferable", "already_transferred", "mandatory")


def _places(t: Territory, found: list[Finding]) -> tuple[str, str]:
    services = list(dict.fromkeys(str(f.service) for f in found))
    communes = list(dict.fromkeys(str(f.commune) for f in found))
    s_list = [f"« {n} »" for n in _names(t, "services", services)]
    c_list = _names(t, "communes", communes)
    if len(s_list) == len(t.services) and len(s_list) > 1:
        s_phrase = f"tous les services étudiés ({count(len(s_list))})"
    elif len(s_list) == 1:
        s_phrase = f"le service {s_list[0]}"
    else:
        s_phrase = f"les services {name_list(s_list, most=5)}"
    if len(c_list) == len(t.communes) and len(c_list) > 1:
        c_phrase = f"toutes les communes ({count(len(c_list))})"
    elif len(c_list) == 1:
        c_phrase = f"la commune {c_list[0]}"
    else:
        c_phrase = f"les communes {name_list(c_list, most=6)}"
    return s_phrase, c_phrase


def _no_mode_sentence(t: Territory, rules: tuple[str, ...], found: list[Finding]) -> str:
    """One sentence for pairs left without a mode by the same relaxable rules."""
    s_phrase, c_phrase = _places(t, found)
    text = f"Aucune organisation n'est possible pour {s_phrase} dans {c_phrase}."
    if not rules:
        return text + (
            " Les données ne décrivent aucun mode possible pour ces couples : compléter le "
            "fichier des modes."
        )
    text += " " + ("Règle en cause : " if len(rules) == 1 else "Règles en cause : ")
    text += ", ".join(f"« {RULE_LABELS.get(r, r)} »" for r in rules) + "."
    relax = []
    for rule in rules:
        if rule == "service_levels":
            # the best level each pair could reach; the minimum must come down to the lowest
            best = []
            need = []
            for f in found:
                levels = [
                    float(r.values["level"])
                    for r in f.reasons.values()
                    if r.code == "level_below" and "level" in r.values
                ]
                need += [
                    float(r.values["minimum"])
                    for r in f.reasons.values()
                    if r.code == "level_below" and "minimum" in r.values
                ]
                if levels:
                    best.append(max(levels))
            if best and need:
                relax.append(
                    f"abaisser le niveau de service minimal exigé ({number(max(need), 1)}) à "
                    f"{number(min(best), 1)} au plus"
                )
                continue
        if rule == "allowed_modes":
            modes = sorted(
                {
                    str(r.values.get("mode"))
                    for f in found
                    for r in f.reasons.values()
                    if r.code == "mode_not_allowed"
                }
            )
            names = " ou ".join(MODE_SHORT.get(m, m) for m in modes)
            relax.append(f"autoriser le scénario à {names}")
            continue
        if rule in _RELAX:
            relax.append(_RELAX[rule])
    if relax:
        text += f" À assouplir : {' ; ou '.join(relax)}."
    return text


def infeasibility_summary(result: Result) -> list[str]:
    """Why a scenario has no plan, in a few grouped French sentences (before any detail).

    Pairs left without any mode are grouped by the rules one could relax
    that exclude their modes (facts such as a competence already transferred
    or not transferable are no such rule): one sentence per group names the
    services and the communes, the rules at stake and what to relax, by how
    much for a minimum service level. Rules whose removal restores
    feasibility come next (their figures included).

    Parameters
    ----------
    result : Result
        A result without a plan (empty list otherwise).

    Returns
    -------
    list of str
        A short paragraph, one sentence per item.
    """
    if result.has_plan:
        return []
    t = result.territory
    groups: dict[tuple[str, ...], list[Finding]] = {}
    others: list[Finding] = []
    for f in result.explanation:
        if f.code == "no_mode":
            acting = {r.rule for r in f.reasons.values() if r.code not in _STRUCTURAL}
            groups.setdefault(tuple(sorted(acting)), []).append(f)
        else:
            others.append(f)
    out = []
    for group, found in groups.items():
        out.append(_no_mode_sentence(t, group, found))
    relaxable = [f for f in others if f.code == "relax"]
    if relaxable:
        names = ", ".join(f"« {RULE_LABELS.get(str(f.rule), f.rule)} »" for f in relaxable)
        one = len(relaxable) == 1
        out.append(
            "Le scénario devient réalisable si l'on assouplit "
            + (f"la règle {names}." if one else f"l'une de ces règles : {names}.")
        )
        out += [finding_text(f, t) for f in relaxable if f.values]
    if any(f.code == "unexplained" for f in others):
        out.append(finding_text(Finding("unexplained"), t))
    if result.check_errors:
        out.append(
            "La vérification indépendante a rejeté le plan du solveur : le plan n'est pas "
            "présenté (détail technique dans le journal)."
        )
    if not out and str(result.status) == "time_limit":
        out.append(
            "Le solveur s'est arrêté à sa limite de temps avant de trouver un plan : "
            "augmenter la limite de temps du solveur (option du scénario, ou --time-limit "
            "en ligne de commande)."
        )
    return out
