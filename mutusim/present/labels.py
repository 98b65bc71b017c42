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
from mutusim.present.formatting import MISSING, euros, fte, number

if TYPE_CHECKING:
    from mutusim.core.result import Result
    from mutusim.core.scenario import Scenario
    from mutusim.core.territory import Territory

__all__ = [
    "COLUMN_LABELS",
    "MODE_LABELS",
    "MODE_SHORT",
    "RULE_LABELS",
    "START_REASON_LABELS",
    "STATUS_LABELS",
    "STEP_LABELS",
    "explanation",
    "finding_text",
    "french",
    "reason_text",
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
    "vote_basis": "Motif du vote",
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
    "posts_not_replaced": "Postes non remplacés (départs)",
    "posts_abolished": "Postes supprimés (surnombre)",
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
    "host": "Employeur",
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
    "employer": "Employeur",
    "posts_transferred_in": "Postes reçus (ETP)",
    "posts_transferred_out": "Postes transférés (ETP)",
    "fte_made_available": "Temps mis à disposition (ETP)",
    "step": "Étape",
    "date": "Date au plus tard",
    "parties": "Parties concernées",
    "source": "Référence",
    "npv": "Valeur actuelle nette (€)",
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
_BOOL_COLUMNS = (
    "changed",
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
def _name(territory: Territory | None, table: str, code: object) -> str:
    if territory is None or code is None:
        return str(code)
    frame = territory.communes if table == "communes" else territory.services
    return str(frame.at[code, "name"]) if code in frame.index else str(code)


def vote_reason(basis: str, balance: float | None = None) -> str:
    """Why a council votes as it does, in French.

    Parameters
    ----------
    basis : str
        ``stance_for``, ``stance_against``, ``stance_undecided`` or ``budget``.
    balance : float, optional
        Effect of the transfer on the commune's budget [EUR/year] (``budget``).

    Returns
    -------
    str
    """
    if basis == "stance_for":
        return "position connue : pour"
    if basis == "stance_against":
        return "position connue : contre"
    if basis == "stance_undecided":
        return "sans position : le silence vaut accord"
    return f"effet sur le budget communal : {euros(balance, signed=True, per_year=True)}"


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
        return f"compétence obligatoire pour une {v.get('nature')} : transférée par la loi"
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

    Modes, statuses, booleans (oui/non), rule names, vote bases, start
    reasons and Shapley methods are translated; other cells are unchanged.

    Parameters
    ----------
    df : DataFrame
        A table of mutusim (English column names).

    Returns
    -------
    DataFrame
    """
    out = df.copy()
    for col in ("mode", "current"):
        if col in out.columns:
            out[col] = out[col].map(lambda m: MODE_LABELS.get(m, m))
    for col in _BOOL_COLUMNS:
        if col in out.columns:
            out[col] = out[col].map({True: "oui", False: "non"})
    if "vote_basis" in out.columns:
        balance = out.get("balance_if_transferred")
        out["vote_basis"] = [
            vote_reason(b, None if balance is None else balance.iloc[i])
            for i, b in enumerate(out["vote_basis"])
        ]
    if "reason" in out.columns:
        out["reason"] = out["reason"].map(
            lambda r: START_REASON_LABELS.get(r, r) if isinstance(r, str) else MISSING
        )
    if "full_limits" in out.columns:
        out["full_limits"] = out["full_limits"].map(
            lambda x: ", ".join(_LIMITS.get(v, v) for v in str(x).split(";") if v) or MISSING
        )
    if "rule" in out.columns:
        out["rule"] = out["rule"].map(lambda r: RULE_LABELS.get(r, r))
    if "method" in out.columns:
        out["method"] = out["method"].map(lambda m: _METHODS.get(m, m))
    if "step" in out.columns:
        out["step"] = out["step"].map(lambda x: STEP_LABELS.get(x, x))
    if "status" in out.columns:
        out["status"] = out["status"].map(lambda s: STATUS_LABELS.get(str(s), s))
    return out.rename(columns=COLUMN_LABELS)
