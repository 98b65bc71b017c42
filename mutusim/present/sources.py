"""What a scenario assumed and where the figures come from, for the committee (French).

The workbook's "Options et sources" sheet, the report's method section and
the schéma's annex list the options of the scenario (every option, its
value, its default) and the sources of the data, the law and the
parameters, from here.
"""

from __future__ import annotations

import dataclasses
from datetime import date

import pandas as pd

from mutusim.core.result import Result
from mutusim.core.scenario import Scenario
from mutusim.core.territory import Territory
from mutusim.present.labels import OPTION_LABELS, option_value

__all__ = ["LEGAL_SOURCES", "option_table", "source_table"]

#: The articles of law the model codes, and what each governs.
LEGAL_SOURCES: tuple[tuple[str, str], ...] = (
    (
        "Services communs",
        "Art. L5211-4-2 CGCT : création par convention, fiche d'impact, avis des comités "
        "sociaux territoriaux, transfert de plein droit des agents affectés en totalité",
    ),
    (
        "Mise à disposition et facturation",
        "Art. L5211-4-1 et D5211-16 CGCT : remboursement au coût unitaire de fonctionnement "
        "multiplié par les unités d'œuvre",
    ),
    (
        "Transferts de compétence",
        "Art. L5211-17 et L5211-5 II CGCT : délibérations concordantes, majorité qualifiée des "
        "conseils municipaux (deux tiers représentant plus de la moitié de la population, ou la "
        "moitié représentant plus des deux tiers, avec la commune la plus peuplée si elle "
        "dépasse le quart), trois mois pour délibérer, le silence valant accord",
    ),
    ("Transfert à la carte", "Art. L5211-17-2 CGCT (loi 3DS du 21 février 2022, art. 17)"),
    (
        "Attribution de compensation",
        "Art. 1609 nonies C CGI : évaluation des charges transférées par la CLECT dans les neuf "
        "mois, rapport adopté à la majorité qualifiée dans les trois mois",
    ),
    (
        "Schéma de mutualisation",
        "Art. L5211-39-1 CGCT : rapport et projet de schéma du président, avis des conseils "
        "municipaux sous trois mois, approbation par le conseil communautaire, état "
        "d'avancement présenté chaque année au débat d'orientation budgétaire",
    ),
    (
        "Effectifs",
        "Les fonctionnaires ne sont pas licenciés : un poste supprimé laisse l'agent en "
        "surnombre un an, puis pris en charge par le centre de gestion aux frais de l'ancien "
        "employeur (art. 97 de la loi 84-53) ; les effectifs baissent par départs non remplacés",
    ),
)


def option_table(scenario: Scenario, territory: Territory | None = None) -> pd.DataFrame:
    """Every option of a scenario: French name, value, default value and its YAML key.

    Parameters
    ----------
    scenario : Scenario
        The scenario.
    territory : Territory, optional
        To name services and communes.

    Returns
    -------
    DataFrame
        ``option``, ``value``, ``default`` (French text) and ``option_code``
        (the key of the scenario file), in the order of the scenario's fields.
    """
    default = Scenario()
    rows = []
    for f in dataclasses.fields(scenario):
        if f.name == "description":
            continue
        value = getattr(scenario, f.name)
        rows.append(
            {
                "option": OPTION_LABELS.get(f.name, f.name),
                "value": option_value(f.name, value, territory),
                "default": option_value(f.name, getattr(default, f.name), territory),
                "option_code": f.name,
            }
        )
    return pd.DataFrame(rows, columns=["option", "value", "default", "option_code"])


def source_table(result: Result) -> pd.DataFrame:
    """Where the figures come from: data, parameters, law and calculation.

    Parameters
    ----------
    result : Result
        The result presented.

    Returns
    -------
    DataFrame
        ``topic``, ``source`` (French).
    """
    from mutusim import __version__
    from mutusim.present.formatting import count, percent

    sc = result.scenario
    solver = "HiGHS" if sc.solver == "highs" else "CBC"
    rows = [
        (
            "Communes et populations",
            "Référentiel INSEE et DGCL, découpage administratif 2026 (Etalab, Licence Ouverte) "
            "pour les territoires issus des données nationales ; sinon les tables fournies par "
            "la collectivité.",
        ),
        (
            "Effectifs, coûts et unités d'œuvre",
            "Tables du territoire étudié. Pour un territoire issu des données nationales, ce "
            "sont des valeurs illustratives calibrées sur des ratios publiés (documentation "
            "de la calibration) : à remplacer par les comptes administratifs de la collectivité.",
        ),
        (
            "Taux de départs des agents",
            (
                f"Scénario : {percent(sc.departure_rate)} par an, "
                + (
                    "départs en retraite seulement (CNRACL, hypothèse prudente). "
                    if sc.departures == "retirements"
                    else "tous les départs. "
                )
            )
            + f"Ensemble des départs de fonctionnaires territoriaux en 2021 : "
            f"{count(100_700)} départs, {percent(0.069)} par an (DGAFP, La Gazette des "
            f"communes) ; départs en retraite seuls : environ {percent(0.032)} par an (CNRACL).",
        ),
        (
            "Taux d'actualisation",
            f"{percent(sc.discount_rate)} par an, taux réel d'actualisation des investissements "
            "publics (France Stratégie, 2013).",
        ),
        *LEGAL_SOURCES,
        (
            "Calcul",
            f"mutusim, version {__version__} : optimisation linéaire en nombres entiers (PuLP, "
            f"solveur {solver}), chaque plan revérifié indépendamment du solveur ; calcul du "
            f"{date.today():%d/%m/%Y}.",
        ),
    ]
    return pd.DataFrame(rows, columns=["topic", "source"])
