"""Real reference data and ready territories for any EPCI of France (PRODUCT.md D3).

The 34,969 communes and 1,255 EPCI à fiscalité propre of 2026 ship in
``data/`` (see ``data/README.md``; Source : INSEE, DGCL — découpage
administratif 2026 (Etalab), Licence Ouverte). These files hold no staff and
no cost: :func:`epci` adds an **illustrative** calibration (:data:`CALIBRATION`,
documented in ``docs/calibration.md``) so that any EPCI becomes a territory
the optimiser can run on. Every number of the calibration is an order of
magnitude, sourced where DOMAIN.md has a source and marked [U] where it has
none; an analyst must replace it with the territory's own accounts.

Formulas (for commune *c* of population *P*, service *s*)::

    units   = driver_s * P * (P / pop_ref) ** (driver_elasticity_s - 1)
    t(P)    = clip(ln(P / size_small) / ln(size_large / size_small), 0, 1)
    q_alone = units_per_fte_s * (efficiency_small_s + (1 - efficiency_small_s) * t(P))
    fte     = max(min_fte_s, units / q_alone)          (0 when units = 0)
    cost    = fte * cost_per_fte * (1 + non_staff_share_s)
    level   = level_small_s + (level_large_s - level_small_s) * t(P)

and for the pooled units (``modes`` table): ``units_per_fte = units_per_fte_s
* share_gain_s`` (or ``transfer_gain_s``), ``cost_per_fte = cost_per_fte * (1
+ pooled_pay_uplift)``, ``cost_per_unit = non_staff_share_s * cost_per_fte /
units_per_fte_s``.

Examples
--------
>>> import mutusim as ms
>>> ms.datasets.angers()
<Territory CU Angers Loire Métropole (CU, siren 244900015): 29 communes, 308,806 inhabitants, 14 services>
>>> ms.datasets.find_epci("angers loire metropole")["siren"]
'244900015'
"""

from __future__ import annotations

import difflib
import functools
import math
import os
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

import numpy as np
import pandas as pd

from mutusim.errors import MutusimError
from mutusim.schema import NATURES
from mutusim.territory import Territory

__all__ = [
    "CALIBRATION",
    "SERVICE_CATALOGUE",
    "Calibration",
    "ServiceCalibration",
    "angers",
    "calibration_markdown",
    "communes_2026",
    "data_dir",
    "epci",
    "epci_frames",
    "epcis_2026",
    "find_epci",
    "synthetic",
    "synthetic_frames",
]

#: SIREN of the embedded default territory, Angers Loire Métropole (CU, 29 communes).
ANGERS_SIREN = "244900015"
#: Credit line required by the Licence Ouverte for the reference data.
DATA_CREDIT = "Source : INSEE, DGCL — découpage administratif 2026 (Etalab)"

_PILOTAGE = "Pilotage et gestion des ressources"
_AMENAGEMENT = "Aménagement"
_TECHNIQUE = "Interventions techniques"
_ROAD_NATURES = ("CU", "METRO", "MET69")


def _p(unit: str, source: str, doc: str) -> dict:
    """Field metadata: unit, default source tag and meaning of a calibration parameter."""
    return {"unit": unit, "source": source, "doc": doc}


# ---------------------------------------------------------------- calibration
@dataclass(frozen=True)
class ServiceCalibration:
    """Catalogue entry and illustrative calibration of one service.

    Each field's unit, meaning and default source tag are in its metadata
    (see :meth:`Calibration.table`); ``sources`` overrides the tag of single
    parameters for this service.
    """

    service: str = field(metadata=_p("-", "[V] deck slide 17", "Service identifier."))
    name: str = field(metadata=_p("-", "[V] deck slide 17", "French label (committee)."))
    domain: str = field(metadata=_p("-", "[V] deck slide 17", "Domain of the deck."))
    unit: str = field(metadata=_p("-", "DOMAIN §2.4 [I]", "Unit of work (billing unit)."))
    transferable: bool = field(
        metadata=_p("-", "DOMAIN §1.1, §1.3 [V 1, 25]", "Competence that may be transferred.")
    )
    mandatory_for: tuple[str, ...] = field(
        metadata=_p("-", "DOMAIN §1.1", "EPCI natures for which the competence is mandatory.")
    )
    driver: float = field(
        metadata=_p(
            "units/inhabitant/year",
            "[U]",
            "Units of work per inhabitant per year (for a commune of pop_ref inhabitants).",
        )
    )
    units_per_fte: float = field(
        metadata=_p(
            "units/FTE/year",
            "[U] order of magnitude, not in DOMAIN.md",
            "Productivity of a large commune (≥ size_large) working alone.",
        )
    )
    efficiency_small: float = field(
        metadata=_p(
            "ratio",
            "DOMAIN §4 [V 89, 83] (small units less efficient); value [U]",
            "Productivity of a commune of ≤ size_small inhabitants, relative to a large one.",
        )
    )
    min_fte: float = field(
        metadata=_p(
            "FTE",
            "DOMAIN §4 (indivisible skilled posts) [I]; value [U]",
            "Minimum staff of a commune running the service alone (when it has work).",
        )
    )
    non_staff_share: float = field(
        metadata=_p(
            "ratio of staff cost",
            "[U]",
            "Non-staff operating cost (supplies, licences, equipment) as a share of staff cost.",
        )
    )
    share_gain: float = field(
        metadata=_p(
            "ratio",
            "DOMAIN §4 table (specialisation in support functions) [I]; value [U]",
            "Productivity of the shared unit relative to units_per_fte.",
        )
    )
    share_fixed_cost: float = field(
        metadata=_p(
            "EUR/year",
            "DOMAIN §4 (fixed cost of specialists and licences) [I]; value [U]",
            "Fixed cost of the shared unit once opened (management, software).",
        )
    )
    share_overhead: float = field(
        metadata=_p(
            "EUR/year/commune",
            "DOMAIN §4, §6.9 [V 82-88, 91] (pooling often saves nothing) [I]; value [U]",
            "Coordination overhead per member of the shared unit.",
        )
    )
    share_transition: float = field(
        metadata=_p(
            "EUR/commune",
            "DOMAIN §3, §6.8 [V 64] (IT convergence, procedures); value [U]",
            "One-off cost for a commune joining the shared unit.",
        )
    )
    level_small: float = field(
        metadata=_p(
            "score 0-100",
            "DOMAIN §6.10 [V 91, 97] [I]; value [U]",
            "Level reached alone by a commune of ≤ size_small inhabitants.",
        )
    )
    level_large: float = field(
        metadata=_p(
            "score 0-100",
            "DOMAIN §6.10 [I]; value [U]",
            "Level reached alone by a commune of ≥ size_large inhabitants.",
        )
    )
    level_share: float = field(
        metadata=_p(
            "score 0-100",
            "DOMAIN §6.10 [V 91, 97] (expertise, continuity) [I]; value [U]",
            "Level delivered by the shared unit.",
        )
    )
    driver_elasticity: float = field(
        default=1.0,
        metadata=_p(
            "-",
            "[I] proportional to population",
            "Elasticity of units to population (1 = proportional).",
        ),
    )
    transfer_gain: float = field(
        default=0.0,
        metadata=_p("ratio", "[I]; value [U]", "Productivity of the transferred service (0 = none)."),
    )
    transfer_fixed_cost: float = field(
        default=0.0,
        metadata=_p("EUR/year", "[U]", "Fixed cost of the transferred service."),
    )
    transfer_overhead: float = field(
        default=0.0,
        metadata=_p(
            "EUR/year/commune",
            "DOMAIN §2.1 (CLECT, AC reporting) [I]; value [U]",
            "Overhead per commune of a transferred service.",
        ),
    )
    transfer_transition: float = field(
        default=0.0,
        metadata=_p(
            "EUR/commune",
            "DOMAIN §1.1, §2.1 [V 5, 51] (PV of goods, CLECT); value [U]",
            "One-off cost per commune of the transfer.",
        ),
    )
    level_transfer: float = field(
        default=0.0,
        metadata=_p("score 0-100", "DOMAIN §6.10 [I]; value [U]", "Level of the transferred service."),
    )
    notes: str = field(
        default="",
        metadata=_p("-", "", "Why the service is (not) transferable or mandatory; derivations."),
    )
    sources: tuple[tuple[str, str], ...] = field(
        default=(),
        metadata=_p("-", "", "Per-parameter source tags overriding the defaults."),
    )

    def source(self, parameter: str) -> str:
        """Source tag of ``parameter`` for this service."""
        own = dict(self.sources)
        if parameter in own:
            return own[parameter]
        return SERVICE_PARAMETERS[parameter]["source"]


#: Per-service numeric parameters, in table order, with their metadata.
SERVICE_PARAMETERS: dict[str, dict] = {
    f.name: dict(f.metadata)
    for f in fields(ServiceCalibration)
    if f.name
    not in (
        "service",
        "name",
        "domain",
        "unit",
        "transferable",
        "mandatory_for",
        "notes",
        "sources",
    )
}

_PAYSLIPS = "DOMAIN §3 [I]: 12 payslips x 19 agents per 1,000 inhabitants (52.4 Md€ / 42 k€ / 67.4 M)"
_AGENTS = "DOMAIN §3 [I]: 19 agents per 1,000 inhabitants"
_ROADS = (
    "[U] ≈ 12 km for 500 inhabitants, ≈ 95 km for 10,000, ≈ 580 km for 150,000 "
    "(rural communes have more road per inhabitant: DOMAIN §4, density)"
)
_PROXIMITY = "DOMAIN §4 table: proximity services, little scale economy, travel time [I]"

_SERVICES: tuple[ServiceCalibration, ...] = (
    ServiceCalibration(
        service="rh_paie",
        name="Ressources humaines et paie",
        domain=_PILOTAGE,
        unit="bulletins de paie",
        transferable=False,
        mandatory_for=(),
        driver=0.228,
        units_per_fte=850.0,
        efficiency_small=0.5,
        min_fte=0.05,
        non_staff_share=0.10,
        share_gain=1.05,
        share_fixed_cost=30_000.0,
        share_overhead=800.0,
        share_transition=3_000.0,
        level_small=45.0,
        level_large=75.0,
        level_share=80.0,
        notes="Support function, not a competence: shared as a service commun (L5211-4-2). "
        "850 payslips per FTE is about one HR/payroll agent per 70 agents.",
        sources=(("driver", _PAYSLIPS),),
    ),
    ServiceCalibration(
        service="juridique",
        name="Affaires juridiques, contentieux et assurances",
        domain=_PILOTAGE,
        unit="dossiers juridiques et sinistres",
        transferable=False,
        mandatory_for=(),
        driver=0.0025,
        units_per_fte=80.0,
        efficiency_small=0.4,
        min_fte=0.02,
        non_staff_share=0.30,
        share_gain=1.10,
        share_fixed_cost=15_000.0,
        share_overhead=500.0,
        share_transition=1_500.0,
        level_small=30.0,
        level_large=75.0,
        level_share=80.0,
        notes="Support function, not a competence. Non-staff share covers external counsel.",
    ),
    ServiceCalibration(
        service="commande_publique",
        name="Commande publique et marchés",
        domain=_PILOTAGE,
        unit="procédures de marché",
        transferable=False,
        mandatory_for=(),
        driver=0.0015,
        units_per_fte=40.0,
        efficiency_small=0.5,
        min_fte=0.03,
        non_staff_share=0.10,
        share_gain=1.05,
        share_fixed_cost=15_000.0,
        share_overhead=800.0,
        share_transition=1_500.0,
        level_small=40.0,
        level_large=75.0,
        level_share=80.0,
        notes="Support function, not a competence (groupement de commandes, L2113-6, or service "
        "commun). The 10-15 % price effect on grouped purchases (DOMAIN §1.5 [U]) is not in "
        "this calibration: it concerns purchases, not the service's own cost.",
    ),
    ServiceCalibration(
        service="informatique",
        name="Informatique et systèmes d'information",
        domain=_PILOTAGE,
        unit="postes informatiques",
        transferable=False,
        mandatory_for=(),
        driver=0.0114,
        units_per_fte=120.0,
        efficiency_small=0.5,
        min_fte=0.02,
        non_staff_share=0.60,
        share_gain=1.10,
        share_fixed_cost=40_000.0,
        share_overhead=1_500.0,
        share_transition=8_000.0,
        level_small=40.0,
        level_large=70.0,
        level_share=80.0,
        notes="Support function, not a competence; the most pooled service (DOMAIN §4 [V 29, 99]). "
        "Workstations: 0.6 per agent.",
        sources=(
            ("driver", "DOMAIN §3 [I]: 0.6 workstation [U] x 19 agents per 1,000 inhabitants"),
            ("share_transition", "DOMAIN §3 [V 64] (IT convergence); value [U]"),
        ),
    ),
    ServiceCalibration(
        service="imprimerie",
        name="Imprimerie et reprographie",
        domain=_PILOTAGE,
        unit="milliers de pages",
        transferable=False,
        mandatory_for=(),
        driver=0.06,
        units_per_fte=1_500.0,
        efficiency_small=0.4,
        min_fte=0.0,
        non_staff_share=0.80,
        share_gain=1.10,
        share_fixed_cost=25_000.0,
        share_overhead=300.0,
        share_transition=1_000.0,
        level_small=50.0,
        level_large=70.0,
        level_share=75.0,
        notes="Support function. Small communes have no print shop (min_fte = 0): their volume "
        "is a copier's, at a small share of a post.",
    ),
    ServiceCalibration(
        service="controle_gestion",
        name="Conseil et contrôle de gestion",
        domain=_PILOTAGE,
        unit="millions d'euros de dépenses suivies",
        transferable=False,
        mandatory_for=(),
        driver=0.001,
        units_per_fte=50.0,
        efficiency_small=0.3,
        min_fte=0.0,
        non_staff_share=0.10,
        share_gain=1.05,
        share_fixed_cost=10_000.0,
        share_overhead=500.0,
        share_transition=1_500.0,
        level_small=20.0,
        level_large=70.0,
        level_share=75.0,
        notes="Support function. Driver: about 1,000 EUR of operating spending per inhabitant.",
        sources=(
            ("driver", "DOMAIN §3 [V 81]: 760-1,700 EUR/inhabitant of operating spending [I]"),
        ),
    ),
    ServiceCalibration(
        service="assemblees",
        name="Assemblées et actes administratifs",
        domain=_PILOTAGE,
        unit="délibérations et actes",
        transferable=False,
        mandatory_for=(),
        driver=0.04,
        driver_elasticity=0.5,
        units_per_fte=500.0,
        efficiency_small=0.6,
        min_fte=0.05,
        non_staff_share=0.10,
        share_gain=1.00,
        share_fixed_cost=10_000.0,
        share_overhead=500.0,
        share_transition=1_500.0,
        level_small=55.0,
        level_large=75.0,
        level_share=75.0,
        notes="Support function. Every council meets, whatever its size: acts grow with the "
        "square root of population (about 90 a year at 500 inhabitants, 1,500 at 150,000).",
        sources=(("driver_elasticity", "[U] every council deliberates, whatever its size"),),
    ),
    ServiceCalibration(
        service="communication",
        name="Communication",
        domain=_PILOTAGE,
        unit="supports de communication publiés",
        transferable=False,
        mandatory_for=(),
        driver=0.002,
        units_per_fte=40.0,
        efficiency_small=0.5,
        min_fte=0.02,
        non_staff_share=0.50,
        share_gain=1.00,
        share_fixed_cost=15_000.0,
        share_overhead=800.0,
        share_transition=1_500.0,
        level_small=40.0,
        level_large=75.0,
        level_share=70.0,
        notes="Support function. A shared unit speaks less for each commune: its level is "
        "below a large commune's own.",
    ),
    ServiceCalibration(
        service="prevention",
        name="Prévention et santé-sécurité au travail",
        domain=_PILOTAGE,
        unit="agents couverts",
        transferable=False,
        mandatory_for=(),
        driver=0.019,
        units_per_fte=800.0,
        efficiency_small=0.4,
        min_fte=0.02,
        non_staff_share=0.20,
        share_gain=1.10,
        share_fixed_cost=10_000.0,
        share_overhead=400.0,
        share_transition=1_000.0,
        level_small=35.0,
        level_large=70.0,
        level_share=80.0,
        notes="Support function (conseiller / assistant de prévention), not a competence.",
        sources=(("driver", _AGENTS),),
    ),
    ServiceCalibration(
        service="ads",
        name="Instruction des autorisations du droit des sols (ADS)",
        domain=_AMENAGEMENT,
        unit="dossiers ADS",
        transferable=False,
        mandatory_for=(),
        driver=0.008,
        units_per_fte=250.0,
        efficiency_small=0.5,
        min_fte=0.03,
        non_staff_share=0.15,
        share_gain=1.10,
        share_fixed_cost=25_000.0,
        share_overhead=800.0,
        share_transition=2_000.0,
        level_small=40.0,
        level_large=75.0,
        level_share=85.0,
        notes="Instruction of permits is a service commun (L5211-4-2 names it, DOMAIN §1.3 "
        "[V 25]); the mayor still signs. The planning competence (PLU/PLUi) is a different, "
        "mandatory competence and is not this service: not transferable here.",
        sources=(
            ("share_gain", "DOMAIN §4 table: ADS linear in files, specialisation [I]; value [U]"),
            (
                "level_share",
                "DOMAIN §0, §4 [V 43, 44, 99] (most pooled service; legal security) [I]; [U]",
            ),
        ),
    ),
    ServiceCalibration(
        service="bureau_etudes_voirie",
        name="Bureau d'études voirie",
        domain=_AMENAGEMENT,
        unit="km de voirie communale",
        transferable=True,
        mandatory_for=_ROAD_NATURES,
        driver=0.009,
        driver_elasticity=0.69,
        units_per_fte=60.0,
        efficiency_small=0.4,
        min_fte=0.0,
        non_staff_share=0.30,
        share_gain=1.05,
        share_fixed_cost=20_000.0,
        share_overhead=1_000.0,
        share_transition=2_000.0,
        level_small=30.0,
        level_large=75.0,
        level_share=80.0,
        transfer_gain=1.10,
        transfer_fixed_cost=30_000.0,
        transfer_overhead=500.0,
        transfer_transition=5_000.0,
        level_transfer=80.0,
        notes="Part of the voirie competence: transferable (L5211-17), with the design office "
        "following the competence (L5211-4-1 I). Voirie is in the CU and Métropole lists, "
        "so mandatory for CU, METRO and MET69 (DOMAIN §1.1: lists partly verified [U]).",
        sources=(
            ("mandatory_for", "DOMAIN §1.1 [V 14, partly; full CU/Métropole lists U]"),
            ("driver", _ROADS),
            ("driver_elasticity", _ROADS),
        ),
    ),
    ServiceCalibration(
        service="sig",
        name="Système d'information géographique (SIG)",
        domain=_AMENAGEMENT,
        unit="habitants couverts",
        transferable=False,
        mandatory_for=(),
        driver=1.0,
        units_per_fte=40_000.0,
        efficiency_small=0.3,
        min_fte=0.0,
        non_staff_share=0.50,
        share_gain=1.15,
        share_fixed_cost=30_000.0,
        share_overhead=300.0,
        share_transition=1_500.0,
        level_small=20.0,
        level_large=70.0,
        level_share=80.0,
        notes="A support tool of every competence, not a competence itself: shared as a service "
        "commun (DOMAIN §4 lists GIS among support functions).",
        sources=(("driver", "[I] the work of a GIS grows with the population mapped"),),
    ),
    ServiceCalibration(
        service="espace_public",
        name="Entretien de l'espace public (propreté, espaces verts, petits travaux)",
        domain=_TECHNIQUE,
        unit="heures d'intervention",
        transferable=True,
        mandatory_for=(),
        driver=1.2,
        driver_elasticity=0.9,
        units_per_fte=1_400.0,
        efficiency_small=0.85,
        min_fte=0.2,
        non_staff_share=0.35,
        share_gain=0.95,
        share_fixed_cost=40_000.0,
        share_overhead=2_000.0,
        share_transition=3_000.0,
        level_small=70.0,
        level_large=75.0,
        level_share=65.0,
        transfer_gain=0.95,
        transfer_fixed_cost=60_000.0,
        transfer_overhead=1_000.0,
        transfer_transition=5_000.0,
        level_transfer=65.0,
        notes="Proximity maintenance (cleaning, green spaces, small works), billed by the hour. "
        "May become a supplementary competence of the EPCI: transferable; not mandatory, as "
        "the voirie competence itself is held by bureau_etudes_voirie. 1,400 productive hours "
        "per FTE out of the legal 1,607.",
        sources=(
            ("share_gain", _PROXIMITY),
            ("transfer_gain", _PROXIMITY),
            ("efficiency_small", _PROXIMITY),
            ("level_share", "DOMAIN §4 table, §6.10 (loss of responsiveness) [I]; value [U]"),
            ("level_transfer", "DOMAIN §4 table, §6.10 (loss of responsiveness) [I]; value [U]"),
        ),
    ),
    ServiceCalibration(
        service="technicien_secteur",
        name="Technicien de secteur",
        domain=_TECHNIQUE,
        unit="km de voirie communale",
        transferable=False,
        mandatory_for=(),
        driver=0.009,
        driver_elasticity=0.69,
        units_per_fte=150.0,
        efficiency_small=0.5,
        min_fte=0.05,
        non_staff_share=0.20,
        share_gain=1.05,
        share_fixed_cost=10_000.0,
        share_overhead=500.0,
        share_transition=1_500.0,
        level_small=30.0,
        level_large=70.0,
        level_share=75.0,
        notes="Technical assistance to communes (the deck's service commun 'technicien de "
        "secteur', slide 18, filling the end of ATESAT, DOMAIN §0 [V 43]): a functional "
        "mission, not a competence.",
        sources=(("driver", _ROADS), ("driver_elasticity", _ROADS)),
    ),
)


@dataclass(frozen=True)
class Calibration:
    """Every parameter of the illustrative calibration (see ``docs/calibration.md``).

    Global parameters are fields; per-service parameters live in
    ``services``. Override with :func:`dataclasses.replace` or
    :meth:`with_service`, e.g.::

        cal = replace(CALIBRATION, cost_per_fte=45_000)
        cal = CALIBRATION.with_service("ads", units_per_fte=300)
        terr = epci("244900015", calibration=cal)
    """

    cost_per_fte: float = field(
        default=42_000.0,
        metadata=_p(
            "EUR/FTE/year",
            "DOMAIN §3 [I]: 41-45 k€ fully loaded, ≈ 1.8 x net pay (V 77, 78, 79)",
            "Fully loaded cost of one FTE (pay and employer charges).",
        ),
    )
    size_small: float = field(
        default=500.0,
        metadata=_p(
            "inhabitants",
            "DOMAIN §3 [V 81] (spending curve turns near 500 inhabitants) [I]",
            "At or below this population a commune has the small-commune productivity and level.",
        ),
    )
    size_large: float = field(
        default=25_000.0,
        metadata=_p(
            "inhabitants",
            "DOMAIN §4 [V 89]: units under 25,000 less efficient, little size effect above",
            "At or above this population a commune has the large-commune productivity and level.",
        ),
    )
    pop_ref: float = field(
        default=10_000.0,
        metadata=_p(
            "inhabitants",
            "convention",
            "Population at which a service's driver is read (matters when elasticity ≠ 1).",
        ),
    )
    pooled_pay_uplift: float = field(
        default=0.02,
        metadata=_p(
            "ratio",
            "DOMAIN §3 [V 64, 65]: pay harmonised upwards, 40.7 % of communes expect higher "
            "payroll; value [U]",
            "Permanent increase of the cost per FTE in a pooled unit.",
        ),
    )
    transition_cost_per_fte: float = field(
        default=5_000.0,
        metadata=_p(
            "EUR/FTE",
            "DOMAIN §3, §6.8 [V 64, 65] (maintenance bonus, training); value [U]",
            "One-off cost per FTE that moves to a pooled unit (share or transfer).",
        ),
    )
    share_min_members: int = field(
        default=2,
        metadata=_p(
            "communes",
            "[I] a shared unit serves several communes; one commune served by the EPCI is a "
            "convention de gestion (DOMAIN §1.6)",
            "Minimum members for a shared unit to open.",
        ),
    )
    transfer_min_members: int = field(
        default=1,
        metadata=_p(
            "communes",
            "DOMAIN §6.1 [I]: transfer is all-or-nothing, the rule is the optimiser's",
            "Minimum members of a transferred service.",
        ),
    )
    share_fte_step: float = field(
        default=0.5,
        metadata=_p(
            "FTE",
            "DOMAIN §4 (step costs) and §1.3 [V 28] (partial mise à disposition) [I]",
            "Staffing granularity of a shared unit (half posts).",
        ),
    )
    transfer_fte_step: float = field(
        default=1.0,
        metadata=_p(
            "FTE",
            "DOMAIN §1.1 [V 7, 8] (agents fully in the service are transferred) [I]",
            "Staffing granularity of a transferred service (whole posts).",
        ),
    )
    heterogeneity: float = field(
        default=0.15,
        metadata=_p(
            "-",
            "[U] spread between communes of the same size",
            "Standard deviation of the log of alone productivity, used only when a seed is given.",
        ),
    )
    services: tuple[ServiceCalibration, ...] = field(
        default=_SERVICES,
        metadata=_p("-", "", "Per-service catalogue and parameters."),
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "services", tuple(self.services))
        errs: list[str] = []
        for name in ("cost_per_fte", "size_small", "pop_ref", "share_fte_step", "transfer_fte_step"):
            if not getattr(self, name) > 0:
                errs.append(f"{name} must be > 0, got {getattr(self, name)}")
        if not self.size_large > self.size_small:
            errs.append(f"size_large ({self.size_large}) must exceed size_small ({self.size_small})")
        if self.pooled_pay_uplift < 0 or self.transition_cost_per_fte < 0 or self.heterogeneity < 0:
            errs.append("pooled_pay_uplift, transition_cost_per_fte and heterogeneity must be ≥ 0")
        if self.share_min_members < 1 or self.transfer_min_members < 1:
            errs.append("share_min_members and transfer_min_members must be ≥ 1")
        codes = [s.service for s in self.services]
        if not codes:
            errs.append("services: the catalogue is empty")
        dup = sorted({c for c in codes if codes.count(c) > 1})
        if dup:
            errs.append(f"services: duplicate service code(s) {dup}")
        for s in self.services:
            errs += [f"service '{s.service}': {e}" for e in _service_errors(s)]
        if errs:
            raise MutusimError("Invalid calibration:\n" + "\n".join(f"  - {e}" for e in errs))

    # ------------------------------------------------------------- accessors
    @property
    def service_codes(self) -> list[str]:
        return [s.service for s in self.services]

    def service(self, code: str) -> ServiceCalibration:
        """The calibration of service ``code``."""
        for s in self.services:
            if s.service == code:
                return s
        raise MutusimError(f"Unknown service '{code}'; known services: {self.service_codes}.")

    def with_service(self, code: str, **changes: object) -> Calibration:
        """A copy where service ``code`` has the given parameters changed."""
        self.service(code)  # raises on an unknown code
        bad = [k for k in changes if k not in {f.name for f in fields(ServiceCalibration)}]
        if bad:
            raise MutusimError(
                f"with_service(): unknown parameter(s) {bad}; see Calibration.table() for names."
            )
        new = tuple(replace(s, **changes) if s.service == code else s for s in self.services)
        return replace(self, services=new)

    def catalogue(self) -> pd.DataFrame:
        """The service catalogue with every per-service parameter, one row per service.

        ``mandatory_for`` is written as in ``services.csv`` ('CU;METRO;MET69').
        """
        rows = []
        for s in self.services:
            row = {f.name: getattr(s, f.name) for f in fields(ServiceCalibration)}
            row["mandatory_for"] = ";".join(s.mandatory_for)
            del row["sources"]
            rows.append(row)
        return pd.DataFrame(rows)

    def table(self) -> pd.DataFrame:
        """Every parameter with its value, unit, source tag and meaning (long format).

        Columns: ``service`` (empty for global parameters), ``parameter``,
        ``value``, ``unit``, ``source``, ``description``.
        """
        rows = []
        for f in fields(self):
            if f.name == "services":
                continue
            m = f.metadata
            rows.append(("", f.name, getattr(self, f.name), m["unit"], m["source"], m["doc"]))
        for s in self.services:
            for name, m in SERVICE_PARAMETERS.items():
                if not s.transferable and name.startswith(("transfer_", "level_transfer")):
                    continue
                value = getattr(s, name)
                rows.append((s.service, name, value, m["unit"], s.source(name), m["doc"]))
        return pd.DataFrame(
            rows, columns=["service", "parameter", "value", "unit", "source", "description"]
        )


def _service_errors(s: ServiceCalibration) -> list[str]:
    errs = []
    if not re.fullmatch(r"[a-z0-9_]+", s.service):
        errs.append("code must use lower-case letters, digits and '_'")
    bad = [n for n in s.mandatory_for if n not in NATURES]
    if bad:
        errs.append(f"mandatory_for has unknown nature(s) {bad}; use {list(NATURES)}")
    if s.mandatory_for and not s.transferable:
        errs.append("a mandatory competence must be transferable")
    positive = ["driver", "units_per_fte", "share_gain", "driver_elasticity"]
    if s.transferable:
        positive.append("transfer_gain")
    errs += [f"{n} must be > 0, got {getattr(s, n)}" for n in positive if not getattr(s, n) > 0]
    if not 0 < s.efficiency_small <= 1:
        errs.append(f"efficiency_small must lie in (0, 1], got {s.efficiency_small}")
    nonneg = [
        "min_fte",
        "non_staff_share",
        "share_fixed_cost",
        "share_overhead",
        "share_transition",
        "transfer_fixed_cost",
        "transfer_overhead",
        "transfer_transition",
    ]
    errs += [f"{n} must be ≥ 0, got {getattr(s, n)}" for n in nonneg if getattr(s, n) < 0]
    for n in ("level_small", "level_large", "level_share", "level_transfer"):
        if not 0 <= getattr(s, n) <= 100:
            errs.append(f"{n} must lie in [0, 100], got {getattr(s, n)}")
    return errs


#: The default illustrative calibration. Replace it with your own accounts.
CALIBRATION = Calibration()
#: The service catalogue (14 services of the deck, slide 17-18) with every
#: per-service parameter. A copy: change :data:`CALIBRATION` to change a territory.
SERVICE_CATALOGUE: pd.DataFrame = CALIBRATION.catalogue()


# ------------------------------------------------------------ reference data
def data_dir() -> Path:
    """Folder of the reference CSV files: ``$MUTUSIM_DATA`` if set, else ``<repo>/data``."""
    env = os.environ.get("MUTUSIM_DATA")
    path = Path(env) if env else Path(__file__).resolve().parents[1] / "data"
    missing = [f for f in ("communes_2026.csv", "epci_2026.csv") if not (path / f).is_file()]
    if missing:
        how = "the MUTUSIM_DATA variable" if env else "the repository's data/ folder"
        raise MutusimError(
            f"Reference data not found: {', '.join(missing)} missing in {path} (from {how}). "
            "Set MUTUSIM_DATA to the folder holding communes_2026.csv and epci_2026.csv, "
            "or reinstall mutusim from a full clone."
        )
    return path


_POP = {"population_municipale": "Int64", "population_totale": "Int64"}


@functools.lru_cache(maxsize=4)
def _communes(path: str) -> pd.DataFrame:
    codes = ["code_insee", "siren", "departement", "region", "zone", "epci_siren"]
    dtype = {c: "string" for c in codes} | {"nom": "string"} | _POP
    empty_is_na = {k: [""] for k in (*_POP, "epci_siren", "siren")}
    return pd.read_csv(
        Path(path) / "communes_2026.csv", dtype=dtype, keep_default_na=False, na_values=empty_is_na
    )


@functools.lru_cache(maxsize=4)
def _epcis(path: str) -> pd.DataFrame:
    dtype = {c: "string" for c in ("siren", "nom", "nature", "fiscalite")}
    dtype |= _POP | {"n_communes": "int64"}
    df = pd.read_csv(Path(path) / "epci_2026.csv", dtype=dtype, keep_default_na=False)
    return df.astype({"population_municipale": "int64", "population_totale": "int64"})


def communes_2026() -> pd.DataFrame:
    """All 34,969 communes of 2026 (a copy).

    Codes are strings with their leading zeros; ``population_municipale`` and
    ``population_totale`` are nullable integers [inhabitants] (empty for the
    six communes without legal population, e.g. the TAAF); ``epci_siren`` is
    missing for the 98 communes outside any EPCI.
    """
    return _communes(str(data_dir())).copy()


def epcis_2026() -> pd.DataFrame:
    """All 1,255 EPCI à fiscalité propre of 2026 (a copy): siren, nom, nature,
    fiscalite, population_municipale, population_totale [inhabitants], n_communes."""
    return _epcis(str(data_dir())).copy()


@functools.lru_cache(maxsize=4)
def _members(path: str) -> dict[str, pd.DataFrame]:
    """Member communes of each EPCI, by siren, sorted by INSEE code (code, name, population)."""
    c = _communes(path)
    c = c[c["epci_siren"].notna()].sort_values("code_insee")
    out = pd.DataFrame(
        {
            "commune": c["code_insee"].astype(str).to_numpy(),
            "name": c["nom"].astype(str).to_numpy(),
            "population": c["population_municipale"].fillna(0).astype("int64").to_numpy(),
        }
    )
    groups = c["epci_siren"].astype(str).to_numpy()
    return {k: out.iloc[idx] for k, idx in pd.Series(groups).groupby(groups).indices.items()}


# ------------------------------------------------------------------- lookup
_PREFIXES = (
    ("communaute de communes ", "cc "),
    ("communaute d agglomeration ", "ca "),
    ("communaute urbaine ", "cu "),
)


def _norm(text: str) -> str:
    """Case-, accent- and punctuation-insensitive form of a name."""
    t = unicodedata.normalize("NFKD", str(text))
    t = "".join(ch for ch in t if not unicodedata.combining(ch)).casefold()
    t = re.sub(r"[^a-z0-9]+", " ", t).strip()
    for long, short in _PREFIXES:
        if t.startswith(long):
            t = short + t[len(long) :]
    return t


def _core(norm: str) -> str:
    """A normalised name without its leading nature (cc, ca, cu)."""
    return re.sub(r"^(cc|ca|cu) ", "", norm)


@functools.lru_cache(maxsize=4)
def _name_index(path: str) -> pd.DataFrame:
    e = _epcis(path)
    norm = [_norm(n) for n in e["nom"]]
    return pd.DataFrame({"norm": norm, "core": [_core(n) for n in norm]}, index=e.index)


def _describe(rows: pd.DataFrame, limit: int = 5) -> str:
    rows = rows.sort_values("population_municipale", ascending=False)
    items = [
        f"{r.nom} (siren {r.siren}, {r.nature}, {int(r.population_municipale):,} inhabitants)"
        for r in rows.head(limit).itertuples()
    ]
    more = f"; and {len(rows) - limit} more" if len(rows) > limit else ""
    return "; ".join(items) + more


def find_epci(siren_or_name: str) -> pd.Series:
    """The row of :func:`epcis_2026` for an EPCI given by SIREN or by name.

    A 9-digit string is read as a SIREN. Otherwise the name is matched
    ignoring case, accents and punctuation ("Communauté de communes" may be
    written "CC"): an exact match first (with or without the leading CC/CA/CU),
    then a unique substring.

    Raises
    ------
    MutusimError
        Unknown SIREN, unknown or ambiguous name; the message lists up to five
        candidates with their SIREN, to be passed instead.

    Examples
    --------
    >>> find_epci("244900015")["nom"]
    'CU Angers Loire Métropole'
    >>> find_epci("ANGERS LOIRE METROPOLE")["siren"]
    '244900015'
    """
    path = str(data_dir())
    e = _epcis(path)
    query = str(siren_or_name).strip()
    if not query:
        raise MutusimError("find_epci(): empty name; pass a SIREN (9 digits) or an EPCI name.")
    if re.fullmatch(r"\d{9}", query):
        hit = e[e["siren"] == query]
        if len(hit) == 1:
            return hit.iloc[0].copy()
        hint = ""
        c = _communes(path)
        com = c[c["siren"] == query]
        if len(com):
            r = com.iloc[0]
            member = "" if pd.isna(r["epci_siren"]) else f", member of EPCI {r['epci_siren']}"
            hint = f" It is the SIREN of the commune {r['nom']} ({r['code_insee']}{member})."
        raise MutusimError(
            f"No EPCI with SIREN {query} in the 2026 list.{hint} "
            "Check the number, or search by name: find_epci('part of the name')."
        )
    q = _norm(query)
    idx = _name_index(path)
    exact = e[(idx["norm"] == q) | (idx["core"] == _core(q))]
    if len(exact) == 1:
        return exact.iloc[0].copy()
    how = "Pass the SIREN instead, e.g. epci('{}')."
    if len(exact) > 1:
        raise MutusimError(
            f"EPCI name '{query}' is ambiguous: {len(exact)} EPCIs have this name: "
            f"{_describe(exact)}. " + how.format(exact.iloc[0]["siren"])
        )
    sub = e[idx["norm"].str.contains(q, regex=False)] if q else e.iloc[:0]
    if len(sub) == 1:
        return sub.iloc[0].copy()
    if len(sub) > 1:
        raise MutusimError(
            f"EPCI name '{query}' is ambiguous: {len(sub)} EPCIs match: {_describe(sub)}. "
            + how.format(sub.sort_values("population_municipale").iloc[-1]["siren"])
        )
    close = difflib.get_close_matches(q, idx["norm"].tolist(), n=5, cutoff=0.6)
    near = e[idx["norm"].isin(close)]
    suggestion = f" Closest names: {_describe(near)}." if len(near) else ""
    raise MutusimError(
        f"No EPCI matches '{query}'.{suggestion} Pass a SIREN (9 digits) or part of the "
        "name; epcis_2026() lists all 1,255 EPCIs."
    )


# ---------------------------------------------------------------- generator
def _service_arrays(cal: Calibration, codes: list[str]) -> dict[str, np.ndarray]:
    svc = [cal.service(c) for c in codes]
    names = [f.name for f in fields(ServiceCalibration)]
    return {n: np.array([getattr(s, n) for s in svc]) for n in names if n in SERVICE_PARAMETERS}


def _size_factor(pop: np.ndarray, cal: Calibration) -> np.ndarray:
    """t(P) in [0, 1]: 0 at or below size_small, 1 at or above size_large (log scale)."""
    with np.errstate(divide="ignore"):
        t = np.log(np.maximum(pop, 1e-9) / cal.size_small) / math.log(
            cal.size_large / cal.size_small
        )
    return np.clip(t, 0.0, 1.0)


def _baseline(
    communes: pd.DataFrame, codes: list[str], cal: Calibration, seed: int | None
) -> pd.DataFrame:
    """Baseline rows for every (commune, service) pair, vectorised (services x communes)."""
    a = _service_arrays(cal, codes)
    col = {k: v[:, None] for k, v in a.items()}
    pop = communes["population"].to_numpy(dtype=float)
    t = _size_factor(pop, cal)[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(pop > 0, (pop / cal.pop_ref), 1.0)[None, :] ** (col["driver_elasticity"] - 1)
    units = col["driver"] * pop[None, :] * scale
    q_alone = col["units_per_fte"] * (col["efficiency_small"] + (1 - col["efficiency_small"]) * t)
    if seed is not None and cal.heterogeneity > 0:
        # Draw for the whole catalogue so that a service subset gets the same values.
        rng = np.random.default_rng(seed)
        noise = rng.normal(0.0, cal.heterogeneity, size=(len(cal.services), len(pop)))
        rows = [cal.service_codes.index(c) for c in codes]
        q_alone = q_alone * np.exp(noise[rows])
    has_work = units > 0
    fte = np.where(has_work, np.maximum(col["min_fte"], units / q_alone), 0.0)
    fte = np.where(has_work, np.maximum(np.round(fte, 4), 1e-4), 0.0)
    cost = np.round(fte * cal.cost_per_fte * (1 + col["non_staff_share"]), 2)
    level = col["level_small"] + (col["level_large"] - col["level_small"]) * t
    k, n = units.shape
    return pd.DataFrame(
        {
            "commune": np.tile(communes["commune"].to_numpy(dtype=object), k),
            "service": np.repeat(np.array(codes, dtype=object), n),
            "fte": fte.ravel(),
            "cost": cost.ravel(),
            "units": np.round(units, 4).ravel(),
            "level": np.round(level, 1).ravel(),
            "arrangement": "keep",
        }
    )


def _modes(codes: list[str], cal: Calibration) -> pd.DataFrame:
    """One 'share' row per service and one 'transfer' row per transferable service."""
    rows = []
    pooled_cpf = round(cal.cost_per_fte * (1 + cal.pooled_pay_uplift), 2)
    for s in (cal.service(c) for c in codes):
        cpu = round(s.non_staff_share * cal.cost_per_fte / s.units_per_fte, 6)
        common = {"service": s.service, "cost_per_fte": pooled_cpf, "cost_per_unit": cpu}
        rows.append(
            common
            | {
                "mode": "share",
                "fixed_cost": s.share_fixed_cost,
                "min_members": cal.share_min_members,
                "units_per_fte": round(s.units_per_fte * s.share_gain, 6),
                "fte_step": cal.share_fte_step,
                "overhead_per_member": s.share_overhead,
                "transition_cost_per_member": s.share_transition,
                "transition_cost_per_fte": cal.transition_cost_per_fte,
                "level": s.level_share,
            }
        )
        if s.transferable:
            rows.append(
                common
                | {
                    "mode": "transfer",
                    "fixed_cost": s.transfer_fixed_cost,
                    "min_members": cal.transfer_min_members,
                    "units_per_fte": round(s.units_per_fte * s.transfer_gain, 6),
                    "fte_step": cal.transfer_fte_step,
                    "overhead_per_member": s.transfer_overhead,
                    "transition_cost_per_member": s.transfer_transition,
                    "transition_cost_per_fte": cal.transition_cost_per_fte,
                    "level": s.level_transfer,
                }
            )
    cols = [
        "service",
        "mode",
        "fixed_cost",
        "min_members",
        "units_per_fte",
        "cost_per_fte",
        "fte_step",
        "cost_per_unit",
        "overhead_per_member",
        "transition_cost_per_member",
        "transition_cost_per_fte",
        "level",
    ]
    return pd.DataFrame(rows, columns=cols)


def _services_frame(codes: list[str], cal: Calibration) -> pd.DataFrame:
    cat = cal.catalogue().set_index("service").loc[codes].reset_index()
    return cat[["service", "name", "domain", "unit", "transferable", "mandatory_for"]]


def _select_services(services: Iterable[str] | None, cal: Calibration) -> list[str]:
    if services is None:
        return cal.service_codes
    if isinstance(services, str):
        services = [services]
    codes = [str(s) for s in services]
    unknown = [c for c in codes if c not in cal.service_codes]
    if unknown or not codes:
        what = f"unknown service code(s) {unknown}" if unknown else "an empty list of services"
        raise MutusimError(f"services: {what}; choose among {cal.service_codes}.")
    return list(dict.fromkeys(codes))


def _frames(
    epci_row: dict,
    communes: pd.DataFrame,
    services: Iterable[str] | None,
    seed: int | None,
    cal: Calibration,
) -> dict[str, pd.DataFrame]:
    if not isinstance(cal, Calibration):
        raise MutusimError(
            f"calibration must be a mutusim.datasets.Calibration, got {type(cal).__name__}."
        )
    codes = _select_services(services, cal)
    return {
        "epci": pd.DataFrame([epci_row]),
        "communes": communes.reset_index(drop=True).copy(),
        "services": _services_frame(codes, cal),
        "baseline": _baseline(communes, codes, cal, seed),
        "modes": _modes(codes, cal),
    }


def epci_frames(
    siren_or_name: str,
    services: Iterable[str] | None = None,
    seed: int | None = None,
    calibration: Calibration = CALIBRATION,
) -> dict[str, pd.DataFrame]:
    """Raw tables (columns of :mod:`mutusim.schema`) of :func:`epci`, before validation."""
    row = find_epci(siren_or_name)
    members = _members(str(data_dir())).get(str(row["siren"]))
    if members is None or members.empty:  # pragma: no cover - every EPCI has members in 2026
        raise MutusimError(f"EPCI {row['siren']} has no member commune in communes_2026.csv.")
    epci_row = {
        "siren": str(row["siren"]),
        "name": str(row["nom"]),
        "nature": str(row["nature"]),
        "fiscalite": str(row["fiscalite"]),
    }
    return _frames(epci_row, members, services, seed, calibration)


def epci(
    siren_or_name: str,
    services: Iterable[str] | None = None,
    seed: int | None = None,
    calibration: Calibration = CALIBRATION,
) -> Territory:
    """A ready territory for any EPCI of France, with the illustrative calibration.

    Parameters
    ----------
    siren_or_name : str
        SIREN (9 digits) or name of the EPCI (see :func:`find_epci`).
    services : list of str, optional
        Service codes to keep (default: the whole catalogue, :data:`SERVICE_CATALOGUE`).
    seed : int, optional
        ``None`` (default): no randomness, communes of equal size look alike.
        An integer: each (service, commune) productivity is multiplied by a
        seeded log-normal factor of spread ``calibration.heterogeneity``;
        the same seed gives the same territory.
    calibration : Calibration
        Parameters of the generator (default :data:`CALIBRATION`).

    Returns
    -------
    Territory
        Real communes (INSEE code, name, population municipale 2026) and EPCI
        (siren, name, nature, fiscalité); an illustrative baseline with every
        pair kept by its commune; a 'share' mode for every service and a
        'transfer' mode for transferable ones.

    Examples
    --------
    >>> t = epci("CA du Pays Basque", services=["rh_paie", "ads"])
    >>> len(t.communes), t.service_codes
    (158, ['rh_paie', 'ads'])
    """
    frames = epci_frames(siren_or_name, services, seed, calibration)
    siren = frames["epci"].at[0, "siren"]
    return Territory.from_frames(**frames, source=f"datasets.epci({siren})")


def angers(
    services: Iterable[str] | None = None,
    seed: int | None = None,
    calibration: Calibration = CALIBRATION,
) -> Territory:
    """Angers Loire Métropole (siren 244900015, CU, 29 communes, 308,806 inhabitants).

    The embedded default territory (PRODUCT.md D3): :func:`epci` of its SIREN.
    """
    return epci(ANGERS_SIREN, services=services, seed=seed, calibration=calibration)


def synthetic_frames(
    n_communes: int, seed: int = 0, calibration: Calibration = CALIBRATION
) -> dict[str, pd.DataFrame]:
    """Raw tables of :func:`synthetic`."""
    if isinstance(n_communes, bool) or not isinstance(n_communes, int | np.integer):
        raise MutusimError(f"n_communes must be an integer, got {n_communes!r}.")
    if not 1 <= n_communes <= 99_999:
        raise MutusimError(f"n_communes must lie in [1, 99999] (5-digit codes), got {n_communes}.")
    pops = _real_populations(str(data_dir()))
    rng = np.random.default_rng(seed)
    pop = rng.choice(pops, size=int(n_communes), replace=True)
    ids = np.arange(1, n_communes + 1)
    communes = pd.DataFrame(
        {
            "commune": [f"{i:05d}" for i in ids],
            "name": [f"Commune {i:05d}" for i in ids],
            "population": pop.astype("int64"),
        }
    )
    epci_row = {
        "siren": "000000000",
        "name": f"CA synthétique ({n_communes} communes)",
        "nature": "CA",
        "fiscalite": "FPU",
    }
    return _frames(epci_row, communes, None, None, calibration)


@functools.lru_cache(maxsize=4)
def _real_populations(path: str) -> np.ndarray:
    c = _communes(path)
    pop = c.loc[c["epci_siren"].notna(), "population_municipale"].dropna()
    return np.sort(pop[pop > 0].to_numpy(dtype="int64"))


def synthetic(n_communes: int, seed: int = 0, calibration: Calibration = CALIBRATION) -> Territory:
    """A fictitious EPCI for benchmarks: ``n_communes`` communes whose
    populations are drawn (seeded, with replacement) from the real populations
    of the communes of France that belong to an EPCI.

    Siren '000000000', nature CA, FPU; codes '00001', '00002', …; same
    calibration as :func:`epci`.

    Examples
    --------
    >>> t = synthetic(50, seed=1)
    >>> len(t.communes), t.commune_codes[:2]
    (50, ['00001', '00002'])
    """
    frames = synthetic_frames(n_communes, seed, calibration)
    return Territory.from_frames(
        **frames, source=f"datasets.synthetic({n_communes}, seed={seed})"
    )


# ------------------------------------------------------------ documentation
def _fmt(v: object) -> str:
    if isinstance(v, bool):
        return "oui" if v else "non"
    if isinstance(v, tuple):
        return ";".join(v) if v else "—"
    if isinstance(v, float):
        return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:g}"
    return str(v)


def _size_examples(cal: Calibration) -> pd.DataFrame:
    """FTE, cost per inhabitant and mean level of a lone commune of typical sizes."""
    sizes = [100, 500, 2_000, 10_000, 50_000, 150_000]
    communes = pd.DataFrame(
        {
            "commune": [f"{i:05d}" for i in range(len(sizes))],
            "name": "",
            "population": sizes,
        }
    )
    b = _baseline(communes, cal.service_codes, cal, None)
    g = b.groupby("commune", sort=True)
    out = pd.DataFrame(
        {
            "population": sizes,
            "fte": g["fte"].sum().to_numpy(),
            "cost": g["cost"].sum().to_numpy(),
            "level": g["level"].mean().to_numpy(),
        }
    )
    out["fte_per_1000"] = out["fte"] / out["population"] * 1000
    out["cost_per_inhabitant"] = out["cost"] / out["population"]
    return out


def calibration_markdown(calibration: Calibration = CALIBRATION) -> str:
    """``docs/calibration.md``, generated from the calibration (``python -m mutusim.datasets``)."""
    cal = calibration
    out = [
        "# Illustrative calibration of the reference territories",
        "",
        "<!-- Generated by `python -m mutusim.datasets > docs/calibration.md`; "
        "edit mutusim/datasets.py instead. -->",
        "",
        "> **Warning: illustrative numbers.** `mutusim.datasets.epci()` turns any of the",
        "> 1,255 EPCIs of 2026 into a territory by adding staff, costs, volumes and",
        "> service levels that **no public source gives per commune**. They are orders of",
        "> magnitude from DOMAIN.md's national ratios and from assumptions marked [U].",
        "> They make the optimiser run and show plausible trade-offs; they say nothing of a",
        "> real commune. Before any figure is shown to a committee, replace the baseline",
        "> and the pooled-unit parameters with the territory's own accounts (comptes",
        "> administratifs, payroll, activity counts): `ms.load_territory(folder)`.",
        "",
        "Tags, as in DOMAIN.md: **[V n]** verified in source *n*, **[I]** inference from",
        "verified figures, **[U]** unverified (an assumption of this calibration).",
        "Most per-service numbers are [U]: DOMAIN.md has no per-service productivity.",
        "",
        "## Data",
        "",
        f"Communes (INSEE code, name, population municipale) and EPCIs (SIREN, name, "
        f"nature, fiscalité) are real: {DATA_CREDIT}, Licence Ouverte / Open Licence. "
        "See `data/README.md`.",
        "",
        "## Formulas",
        "",
        "For a commune of population *P* and a service *s* (parameters below):",
        "",
        "```",
        "units   = driver * P * (P / pop_ref) ** (driver_elasticity - 1)   [units/year]",
        "t(P)    = clip(ln(P / size_small) / ln(size_large / size_small), 0, 1)",
        "q_alone = units_per_fte * (efficiency_small + (1 - efficiency_small) * t(P))",
        "fte     = max(min_fte, units / q_alone), or 0 when units = 0       [FTE]",
        "cost    = fte * cost_per_fte * (1 + non_staff_share)               [EUR/year]",
        "level   = level_small + (level_large - level_small) * t(P)         [0-100]",
        "arrangement = keep",
        "```",
        "",
        "Small communes are less productive alone (indivisible posts, no specialists) and",
        "reach lower service levels; both improve on a log scale up to `size_large`, above",
        "which size no longer matters (DOMAIN §4 [V 89]). With `seed=` the alone",
        "productivity of each (service, commune) is multiplied by `exp(N(0, heterogeneity))`,",
        "drawn from a seeded generator; without a seed there is no randomness.",
        "",
        "Pooled units (`modes` table): a `share` row for every service, a `transfer` row for",
        "transferable services only.",
        "",
        "```",
        "units_per_fte  = units_per_fte_s * share_gain (or transfer_gain)",
        "cost_per_fte   = cost_per_fte * (1 + pooled_pay_uplift)",
        "cost_per_unit  = non_staff_share * cost_per_fte / units_per_fte_s",
        "fixed_cost, overhead_per_member, transition_cost_per_member, level: per service",
        "min_members    = share_min_members / transfer_min_members",
        "fte_step       = share_fte_step / transfer_fte_step",
        "transition_cost_per_fte = transition_cost_per_fte",
        "```",
        "",
        "Why not every service is worth pooling: the pooled unit pays a fixed cost, a",
        "per-member coordination overhead, one-off transition costs and a pay uplift, and",
        "its productivity gain is small (5-20 %) or negative for proximity services. A large",
        "commune, already at full productivity, gains little; a small one, far below it,",
        "gains most. This follows the evidence that pooling often saves nothing",
        "(DOMAIN §4 [V 82-92]) and that savings concentrate in small members and",
        "specialised support functions (DOMAIN §4 table [I]).",
        "",
        "## Global parameters",
        "",
        "| parameter | value | unit | source | meaning |",
        "|---|---|---|---|---|",
    ]
    tab = cal.table()
    for r in tab[tab["service"] == ""].itertuples():
        out.append(f"| `{r.parameter}` | {_fmt(r.value)} | {r.unit} | {r.source} | {r.description} |")
    out += [
        "",
        "## Service catalogue",
        "",
        "The 14 services of the Angers deck (slide 17, and the *technicien de secteur* of",
        "slide 18). Support functions are not competences and cannot be transferred",
        "(L5211-4-2 services communs, DOMAIN §1.3); only competences can (L5211-17, §1.1).",
        "",
        "| service | name | domain | unit of work | transferable | mandatory for | why |",
        "|---|---|---|---|---|---|---|",
    ]
    for s in cal.services:
        out.append(
            f"| `{s.service}` | {s.name} | {s.domain} | {s.unit} | {_fmt(s.transferable)} "
            f"| {_fmt(s.mandatory_for)} | {s.notes} |"
        )
    names = list(SERVICE_PARAMETERS)
    out += [
        "",
        "## Per-service parameters",
        "",
        "| parameter | unit | default source | meaning |",
        "|---|---|---|---|",
    ]
    for n in names:
        m = SERVICE_PARAMETERS[n]
        out.append(f"| `{n}` | {m['unit']} | {m['source']} | {m['doc']} |")
    short = [n for n in names if not n.startswith(("transfer_", "level_transfer"))]
    out += ["", "Values (transfer parameters in the next table):", ""]
    out.append("| service | " + " | ".join(f"`{n}`" for n in short) + " |")
    out.append("|---|" + "---|" * len(short))
    for s in cal.services:
        out.append(f"| `{s.service}` | " + " | ".join(_fmt(getattr(s, n)) for n in short) + " |")
    tnames = [n for n in names if n.startswith(("transfer_", "level_transfer"))]
    out += ["", "| service | " + " | ".join(f"`{n}`" for n in tnames) + " |"]
    out.append("|---|" + "---|" * len(tnames))
    for s in cal.services:
        if s.transferable:
            out.append(
                f"| `{s.service}` | " + " | ".join(_fmt(getattr(s, n)) for n in tnames) + " |"
            )
    out += [
        "",
        "Sources that differ from the default of the parameter:",
        "",
    ]
    for s in cal.services:
        for name, tag in s.sources:
            out.append(f"- `{s.service}.{name}`: {tag}")
    ex = _size_examples(cal)
    out += [
        "",
        "## What it gives",
        "",
        "One commune alone, all 14 services (no seed):",
        "",
        "| population | FTE | FTE per 1,000 inhabitants | cost [EUR/year] "
        "| cost per inhabitant [EUR] | mean level |",
        "|---|---|---|---|---|---|",
    ]
    for r in ex.itertuples():
        out.append(
            f"| {r.population:,} | {r.fte:.2f} | {r.fte_per_1000:.2f} | {r.cost:,.0f} "
            f"| {r.cost_per_inhabitant:,.0f} | {r.level:.1f} |"
        )
    out += [
        "",
        "For scale: the *bloc communal* employs about 19 FTE per 1,000 inhabitants in all",
        "its services (DOMAIN §3 [I]); these 14 services are a part of it.",
        "",
        "## Overriding",
        "",
        "```python",
        "from dataclasses import replace",
        "import mutusim as ms",
        "from mutusim.datasets import CALIBRATION",
        "",
        "cal = replace(CALIBRATION, cost_per_fte=45_000)          # a global parameter",
        'cal = cal.with_service("ads", units_per_fte=300)         # one service',
        'terr = ms.datasets.epci("244900015", calibration=cal)',
        "CALIBRATION.table()                                      # every parameter, long format",
        "```",
        "",
    ]
    return "\n".join(out)


if __name__ == "__main__":  # pragma: no cover
    print(calibration_markdown(), end="")
