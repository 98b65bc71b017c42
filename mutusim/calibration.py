"""The illustrative calibration of the reference territories (PRODUCT.md D3).

The reference data (:mod:`mutusim.datasets`) hold real communes and EPCIs but
no staff, cost or volume. This module turns a commune's population into an
illustrative baseline, and a service into pooled-unit parameters, with
parameters that are each documented with a value, a unit and a source tag
from DOMAIN.md: **[V n]** verified in source *n*, **[I]** inference from
verified figures, **[U]** unverified (an assumption of this calibration).
Most per-service numbers are [U]: they are orders of magnitude to be
replaced by the analyst's own accounts. ``docs/calibration.md`` is generated
from this module (``python -m mutusim.calibration > docs/calibration.md``).

Formulas (for a commune of population *P* and a service)::

    units   = driver * P * (P / pop_ref) ** (driver_elasticity - 1)
    t(P)    = clip(ln(P / size_small) / ln(size_large / size_small), 0, 1)
    q_alone = units_per_fte * (efficiency_small + (1 - efficiency_small) * t(P))
    fte     = max(min_fte, units / q_alone)          (0 when units = 0)
    cost    = fte * cost_per_fte * (1 + non_staff_share)
    level   = level_small + (level_large - level_small) * t(P)

and for the pooled units (``modes`` table): ``units_per_fte * share_gain`` (or
``transfer_gain``), ``cost_per_fte * (1 + pooled_pay_uplift)`` and a non-staff
``cost_per_unit = non_staff_share * cost_per_fte / units_per_fte``.

Examples
--------
>>> from dataclasses import replace
>>> cal = replace(CALIBRATION, cost_per_fte=45_000).with_service("ads", units_per_fte=300)
>>> cal.cost_per_fte, cal.service("ads").units_per_fte
(45000, 300)
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, fields, replace

import numpy as np
import pandas as pd

from mutusim.errors import MutusimError
from mutusim.schema import MODE_PARAMS, NATURES

__all__ = [
    "CALIBRATION",
    "DATA_CREDIT",
    "GLOBAL_PARAMETERS",
    "SERVICE_CATALOGUE",
    "SERVICE_PARAMETERS",
    "Calibration",
    "ServiceCalibration",
    "baseline_frame",
    "calibration_markdown",
    "modes_frame",
    "services_frame",
    "size_examples",
    "size_factor",
]

#: Credit line required by the Licence Ouverte for the reference data.
DATA_CREDIT = "Source : INSEE, DGCL — découpage administratif 2026 (Etalab)"

#: Global parameters: name -> (unit, source tag, meaning).
GLOBAL_PARAMETERS: dict[str, tuple[str, str, str]] = {
    "no_depreciation_below": (
        "inhabitants",
        "DOMAIN §2.1 [V 53]: communes under 3,500 inhabitants do not depreciate assets",
        "Below this population the commune's budget does not bear its equipment charge today.",
    ),
    "equipment_share": (
        "ratio of cost",
        "DOMAIN §2.1 [V 51, 52]: the CLECT counts equipment at annualised cost; value [U]",
        "Annualised equipment charge of a service, as a share of its operating cost, that the "
        "CLECT adds on transfer for communes that do not depreciate.",
    ),
    "cost_per_fte": (
        "EUR/FTE/year",
        "DOMAIN §3 [I]: 41-45 k€ fully loaded, ≈ 1.8 x net pay (V 77, 78, 79)",
        "Fully loaded cost of one FTE (pay and employer charges).",
    ),
    "size_small": (
        "inhabitants",
        "DOMAIN §3 [V 81] (the spending curve turns near 500 inhabitants) [I]",
        "At or below this population a commune has the small-commune productivity and level.",
    ),
    "size_large": (
        "inhabitants",
        "DOMAIN §4 [V 89]: units under 25,000 less efficient, little size effect above",
        "At or above this population a commune has the large-commune productivity and level.",
    ),
    "pop_ref": (
        "inhabitants",
        "convention",
        "Population at which a driver is read (matters when driver_elasticity ≠ 1).",
    ),
    "pooled_pay_uplift": (
        "ratio",
        "DOMAIN §3 [V 64, 65]: pay harmonised upwards, 40.7 % of communes expect a higher "
        "payroll; value [U]",
        "Permanent increase of the cost per FTE in a pooled unit.",
    ),
    "transition_cost_per_fte": (
        "EUR/FTE",
        "DOMAIN §3, §6.8 [V 64, 65] (maintenance bonus, training); value [U]",
        "One-off cost per FTE that moves to a pooled unit (share or transfer).",
    ),
    "share_min_members": (
        "communes",
        "[I] a shared unit serves several communes; one commune served by the EPCI is a "
        "convention de gestion (DOMAIN §1.6)",
        "Minimum members for a shared unit to open.",
    ),
    "transfer_min_members": (
        "communes",
        "DOMAIN §6.1 [I]: transfer is all-or-nothing, a rule of the optimiser",
        "Minimum members of a transferred service.",
    ),
    "share_fte_step": (
        "FTE",
        "DOMAIN §4 (step costs) and §1.3 [V 28] (partial mise à disposition) [I]",
        "Staffing granularity of a shared unit (half posts).",
    ),
    "transfer_fte_step": (
        "FTE",
        "DOMAIN §1.1 [V 7, 8] (agents wholly in the service are transferred) [I]",
        "Staffing granularity of a transferred service (whole posts).",
    ),
    "heterogeneity": (
        "-",
        "[U] spread between communes of the same size",
        "Standard deviation of the log of alone productivity; used only when a seed is given.",
    ),
}

#: Per-service parameters: name -> (unit, default source tag, meaning).
SERVICE_PARAMETERS: dict[str, tuple[str, str, str]] = {
    "driver": (
        "units/inhabitant/year",
        "[U]",
        "Units of work per inhabitant per year (read at pop_ref inhabitants).",
    ),
    "driver_elasticity": (
        "-",
        "[I] proportional to population",
        "Elasticity of units to population (1 = proportional).",
    ),
    "units_per_fte": (
        "units/FTE/year",
        "[U] order of magnitude, not in DOMAIN.md",
        "Productivity of a large commune (≥ size_large) working alone.",
    ),
    "efficiency_small": (
        "ratio",
        "DOMAIN §4 [V 89, 83] (small units less efficient); value [U]",
        "Productivity of a commune of ≤ size_small inhabitants, relative to a large one.",
    ),
    "min_fte": (
        "FTE",
        "DOMAIN §4 (indivisible skilled posts) [I]; value [U]",
        "Minimum staff of a commune running the service alone (when it has work).",
    ),
    "non_staff_share": (
        "ratio of staff cost",
        "[U]",
        "Non-staff operating cost (supplies, licences, equipment) as a share of staff cost.",
    ),
    "share_gain": (
        "ratio",
        "DOMAIN §4 table (specialisation in support functions) [I]; value [U]",
        "Productivity of the shared unit relative to units_per_fte.",
    ),
    "share_fixed_cost": (
        "EUR/year",
        "DOMAIN §4 (fixed cost of specialists and licences) [I]; value [U]",
        "Fixed cost of the shared unit once opened (management, software).",
    ),
    "share_overhead": (
        "EUR/year/commune",
        "DOMAIN §4, §6.9 [V 82-88, 91] (pooling often saves nothing) [I]; value [U]",
        "Coordination overhead per member of the shared unit.",
    ),
    "share_transition": (
        "EUR/commune",
        "DOMAIN §3, §6.8 [V 64] (IT convergence, procedures); value [U]",
        "One-off cost for a commune joining the shared unit.",
    ),
    "level_small": (
        "score 0-100",
        "DOMAIN §6.10 [V 91, 97] [I]; value [U]",
        "Level reached alone by a commune of ≤ size_small inhabitants.",
    ),
    "level_large": (
        "score 0-100",
        "DOMAIN §6.10 [I]; value [U]",
        "Level reached alone by a commune of ≥ size_large inhabitants.",
    ),
    "level_share": (
        "score 0-100",
        "DOMAIN §6.10 [V 91, 97] (expertise, continuity) [I]; value [U]",
        "Level delivered by the shared unit.",
    ),
    "transfer_gain": (
        "ratio",
        "[I]; value [U]",
        "Productivity of the transferred service relative to units_per_fte.",
    ),
    "transfer_fixed_cost": ("EUR/year", "[U]", "Fixed cost of the transferred service."),
    "transfer_overhead": (
        "EUR/year/commune",
        "DOMAIN §2.1 (CLECT, AC reporting) [I]; value [U]",
        "Overhead per commune of a transferred service.",
    ),
    "transfer_transition": (
        "EUR/commune",
        "DOMAIN §1.1, §2.1 [V 5, 51] (PV of goods, CLECT); value [U]",
        "One-off cost per commune of the transfer.",
    ),
    "level_transfer": (
        "score 0-100",
        "DOMAIN §6.10 [I]; value [U]",
        "Level delivered by the transferred service.",
    ),
}
#: Default sources of the catalogue fields of a service.
_FIELD_SOURCES: dict[str, str] = {
    "service": "deck slide 17 (seeds/)",
    "name": "deck slide 17 (seeds/)",
    "domain": "deck slide 17 (seeds/)",
    "unit": "DOMAIN §2.4 (keys used in practice) [I]",
    "transferable": "DOMAIN §1.1, §1.3 [V 1, 25]: competences transfer, support functions do not",
    "mandatory_for": "DOMAIN §1.1",
}
_TRANSFER_PARAMETERS = (
    "transfer_gain",
    "transfer_fixed_cost",
    "transfer_overhead",
    "transfer_transition",
    "level_transfer",
)


@dataclass(frozen=True)
class ServiceCalibration:
    """Catalogue entry and illustrative calibration of one service.

    Units, meanings and default sources of the numeric fields are in
    :data:`SERVICE_PARAMETERS`; ``sources`` overrides the source tag of single
    parameters for this service. Transfer fields matter only when
    ``transferable`` is True.
    """

    service: str
    name: str
    domain: str
    unit: str
    transferable: bool
    mandatory_for: tuple[str, ...]
    driver: float
    units_per_fte: float
    efficiency_small: float
    min_fte: float
    non_staff_share: float
    share_gain: float
    share_fixed_cost: float
    share_overhead: float
    share_transition: float
    level_small: float
    level_large: float
    level_share: float
    driver_elasticity: float = 1.0
    transfer_gain: float = 0.0
    transfer_fixed_cost: float = 0.0
    transfer_overhead: float = 0.0
    transfer_transition: float = 0.0
    level_transfer: float = 0.0
    #: why the service is (not) transferable or mandatory; derivations
    notes: str = ""
    #: (parameter, source tag) pairs overriding SERVICE_PARAMETERS' defaults
    sources: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "mandatory_for", tuple(self.mandatory_for))
        object.__setattr__(self, "sources", tuple(tuple(p) for p in self.sources))

    def source(self, parameter: str) -> str:
        """Source tag of ``parameter`` (a field name) for this service."""
        own = dict(self.sources)
        if parameter in own:
            return own[parameter]
        if parameter in SERVICE_PARAMETERS:
            return SERVICE_PARAMETERS[parameter][1]
        if parameter in _FIELD_SOURCES:
            return _FIELD_SOURCES[parameter]
        raise MutusimError(f"ServiceCalibration has no parameter '{parameter}'.")


_PILOTAGE = "Pilotage et gestion des ressources"
_AMENAGEMENT = "Aménagement"
_TECHNIQUE = "Interventions techniques"
_ROAD_NATURES = ("CU", "METRO", "MET69")
_PAYSLIPS = (
    "DOMAIN §3 [I]: 12 payslips x 19 agents per 1,000 inhabitants (52.4 Md€ / 42 k€ / 67.4 M)"
)
_AGENTS = "DOMAIN §3 [I]: 19 agents per 1,000 inhabitants"
_ROADS = (
    "[U] ≈ 12 km for 500 inhabitants, ≈ 95 km for 10,000, ≈ 580 km for 150,000; "
    "≈ 720,000 km over all communes of France (rural communes have more road per "
    "inhabitant: DOMAIN §4, density)"
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

    Global parameters are fields (units and sources in
    :data:`GLOBAL_PARAMETERS`); per-service parameters live in ``services``.
    Override with :func:`dataclasses.replace` or :meth:`with_service`::

        cal = replace(CALIBRATION, cost_per_fte=45_000)
        cal = cal.with_service("ads", units_per_fte=300)
        terr = mutusim.datasets.epci("244900015", calibration=cal)

    Invalid values raise :class:`~mutusim.MutusimError` listing every problem.
    """

    cost_per_fte: float = 42_000.0
    size_small: float = 500.0
    size_large: float = 25_000.0
    pop_ref: float = 10_000.0
    pooled_pay_uplift: float = 0.02
    transition_cost_per_fte: float = 5_000.0
    share_min_members: int = 2
    transfer_min_members: int = 1
    share_fte_step: float = 0.5
    transfer_fte_step: float = 1.0
    heterogeneity: float = 0.15
    no_depreciation_below: float = 3_500.0
    equipment_share: float = 0.08
    services: tuple[ServiceCalibration, ...] = field(default=_SERVICES)

    def __post_init__(self) -> None:
        object.__setattr__(self, "services", tuple(self.services))
        errs: list[str] = []
        for name in (
            "cost_per_fte",
            "size_small",
            "pop_ref",
            "share_fte_step",
            "transfer_fte_step",
        ):
            if not getattr(self, name) > 0:
                errs.append(f"{name} must be > 0, got {getattr(self, name)}")
        if not self.size_large > self.size_small:
            errs.append(
                f"size_large ({self.size_large}) must exceed size_small ({self.size_small})"
            )
        for name in (
            "pooled_pay_uplift",
            "transition_cost_per_fte",
            "heterogeneity",
            "no_depreciation_below",
            "equipment_share",
        ):
            if getattr(self, name) < 0:
                errs.append(f"{name} must be ≥ 0, got {getattr(self, name)}")
        for name in ("share_min_members", "transfer_min_members"):
            if int(getattr(self, name)) != getattr(self, name) or getattr(self, name) < 1:
                errs.append(f"{name} must be an integer ≥ 1, got {getattr(self, name)}")
        codes = [s.service for s in self.services]
        if not codes:
            errs.append("services: the catalogue is empty")
        dup = sorted({c for c in codes if codes.count(c) > 1})
        if dup:
            errs.append(f"services: duplicate service code(s) {dup}")
        for s in self.services:
            if not isinstance(s, ServiceCalibration):
                errs.append(f"services: {s!r} is not a ServiceCalibration")
                continue
            errs += [f"service '{s.service}': {e}" for e in _service_errors(s)]
        if errs:
            raise MutusimError("Invalid calibration:\n" + "\n".join(f"  - {e}" for e in errs))

    @property
    def service_codes(self) -> list[str]:
        """Codes of the catalogue's services, in catalogue order."""
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
        known = {f.name for f in fields(ServiceCalibration)} - {"service"}
        bad = sorted(k for k in changes if k not in known)
        if bad:
            raise MutusimError(
                f"with_service(): unknown parameter(s) {bad}; choose among {sorted(known)}."
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
        ``value``, ``unit``, ``source``, ``description``. Transfer parameters
        are listed only for transferable services.
        """
        rows = [("", n, getattr(self, n), *meta) for n, meta in GLOBAL_PARAMETERS.items()]
        for s in self.services:
            for n, (unit, _, doc) in SERVICE_PARAMETERS.items():
                if s.transferable or n not in _TRANSFER_PARAMETERS:
                    rows.append((s.service, n, getattr(s, n), unit, s.source(n), doc))
        cols = ["service", "parameter", "value", "unit", "source", "description"]
        return pd.DataFrame(rows, columns=cols)


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
    unknown = [p for p, _ in s.sources if p not in SERVICE_PARAMETERS and p not in _FIELD_SOURCES]
    if unknown:
        errs.append(f"sources name unknown parameter(s) {unknown}")
    return errs


#: The default illustrative calibration. Replace it with your own accounts.
CALIBRATION = Calibration()
#: The service catalogue (the 14 services of the deck, slides 17-18) with every
#: per-service parameter. A copy for reading: change :data:`CALIBRATION` to
#: change the territories.
SERVICE_CATALOGUE: pd.DataFrame = CALIBRATION.catalogue()


# ------------------------------------------------------------------ formulas
def size_factor(population: np.ndarray, calibration: Calibration = CALIBRATION) -> np.ndarray:
    """t(P) in [0, 1]: 0 at or below ``size_small``, 1 at or above ``size_large``, log scale.

    Examples
    --------
    >>> size_factor(np.array([100, 500, 25_000, 100_000])).tolist()
    [0.0, 0.0, 1.0, 1.0]
    """
    cal = calibration
    pop = np.maximum(np.asarray(population, dtype=float), 1e-9)
    t = np.log(pop / cal.size_small) / math.log(cal.size_large / cal.size_small)
    return np.clip(t, 0.0, 1.0)


def _column(cal: Calibration, codes: list[str], name: str) -> np.ndarray:
    return np.array([getattr(cal.service(c), name) for c in codes], dtype=float)[:, None]


def baseline_frame(
    communes: pd.DataFrame,
    codes: list[str],
    calibration: Calibration = CALIBRATION,
    seed: int | None = None,
    nature: str | None = None,
) -> pd.DataFrame:
    """Baseline rows (columns of ``baseline.csv``) for every (service, commune) pair.

    Vectorised over a (services x communes) grid.

    Parameters
    ----------
    communes : DataFrame
        Columns ``commune`` (INSEE code) and ``population`` [inhabitants].
    codes : list of str
        Service codes, all in the calibration.
    calibration : Calibration
        Parameters (default :data:`CALIBRATION`).
    seed : int, optional
        If given, each alone productivity is multiplied by
        ``exp(N(0, heterogeneity))`` from ``numpy.random.default_rng(seed)``,
        drawn for the whole catalogue so that a subset of services gets the
        same values. ``None``: no randomness.
    nature : str, optional
        EPCI nature: services whose competence is mandatory for it are
        already transferred (``arrangement = transfer``): the law has done it.
    """
    cal = calibration
    col = {n: _column(cal, codes, n) for n in SERVICE_PARAMETERS}
    pop = communes["population"].to_numpy(dtype=float)
    t = size_factor(pop, cal)[None, :]
    ratio = np.where(pop > 0, pop / cal.pop_ref, 1.0)[None, :]
    units = col["driver"] * pop[None, :] * ratio ** (col["driver_elasticity"] - 1.0)
    eff = col["efficiency_small"] + (1.0 - col["efficiency_small"]) * t
    q_alone = col["units_per_fte"] * eff
    if seed is not None and cal.heterogeneity > 0:
        rng = np.random.default_rng(seed)
        noise = rng.normal(0.0, cal.heterogeneity, size=(len(cal.services), len(pop)))
        q_alone = q_alone * np.exp(noise[[cal.service_codes.index(c) for c in codes]])
    has_work = units > 0
    fte = np.maximum(col["min_fte"], units / q_alone)
    # Rounded to 1e-6 FTE, never to zero when there is work (cost > 0 whenever units > 0).
    fte = np.where(has_work, np.maximum(np.round(fte, 6), 1e-6), 0.0)
    cost = np.round(fte * cal.cost_per_fte * (1.0 + col["non_staff_share"]), 2)
    level = col["level_small"] + (col["level_large"] - col["level_small"]) * t
    # Small communes do not depreciate: the CLECT adds an equipment charge their budget never bore.
    equipment = np.where(
        pop[None, :] < cal.no_depreciation_below, np.round(cost * cal.equipment_share, 2), 0.0
    )
    mandatory = np.array([nature in cal.service(c).mandatory_for for c in codes])[:, None]
    arrangement = np.broadcast_to(np.where(mandatory, "transfer", "keep"), units.shape).astype(
        object
    )
    k, n = units.shape
    return pd.DataFrame(
        {
            "commune": np.tile(communes["commune"].to_numpy(dtype=object), k),
            "service": np.repeat(np.array(codes, dtype=object), n),
            "fte": fte.ravel(),
            "cost": cost.ravel(),
            "units": np.round(units, 6).ravel(),
            "level": np.round(level, 1).ravel(),
            "equipment_charge": equipment.ravel(),
            "arrangement": arrangement.ravel(),
        }
    )


_MODE_COLUMNS = MODE_PARAMS.names


def modes_frame(codes: list[str], calibration: Calibration = CALIBRATION) -> pd.DataFrame:
    """Rows of ``modes.csv``: a 'share' row per service, a 'transfer' row per transferable one."""
    cal = calibration
    pooled_cpf = round(cal.cost_per_fte * (1.0 + cal.pooled_pay_uplift), 2)
    rows = []
    for s in (cal.service(c) for c in codes):
        common = {
            "service": s.service,
            "cost_per_fte": pooled_cpf,
            "cost_per_unit": round(s.non_staff_share * cal.cost_per_fte / s.units_per_fte, 6),
            "transition_cost_per_fte": cal.transition_cost_per_fte,
        }
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
                    "level": s.level_transfer,
                }
            )
    return pd.DataFrame(rows, columns=_MODE_COLUMNS)


def services_frame(codes: list[str], calibration: Calibration = CALIBRATION) -> pd.DataFrame:
    """Rows of ``services.csv`` for the given service codes."""
    svc = [calibration.service(c) for c in codes]
    return pd.DataFrame(
        {
            "service": [s.service for s in svc],
            "name": [s.name for s in svc],
            "domain": [s.domain for s in svc],
            "unit": [s.unit for s in svc],
            "transferable": [s.transferable for s in svc],
            "mandatory_for": [";".join(s.mandatory_for) for s in svc],
        }
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


def size_examples(
    calibration: Calibration = CALIBRATION,
    sizes: tuple[int, ...] = (100, 500, 2_000, 10_000, 50_000, 150_000),
) -> pd.DataFrame:
    """What the calibration gives for one commune alone, all services, per population.

    Columns: ``population`` [inhabitants], ``fte`` [FTE], ``cost`` [EUR/year],
    ``level`` (mean over services) [0-100], ``fte_per_1000`` and
    ``cost_per_inhabitant`` [EUR/inhabitant/year].
    """
    communes = pd.DataFrame(
        {"commune": [f"{i:05d}" for i in range(len(sizes))], "population": sizes}
    )
    b = baseline_frame(communes, calibration.service_codes, calibration)
    g = b.groupby("commune", sort=True)
    out = pd.DataFrame(
        {
            "population": list(sizes),
            "fte": g["fte"].sum().to_numpy(),
            "cost": g["cost"].sum().to_numpy(),
            "level": g["level"].mean().to_numpy(),
        }
    )
    out["fte_per_1000"] = out["fte"] / out["population"] * 1000
    out["cost_per_inhabitant"] = out["cost"] / out["population"]
    return out


def calibration_markdown(calibration: Calibration = CALIBRATION) -> str:
    """``docs/calibration.md``, generated from the calibration.

    Run ``python -m mutusim.calibration > docs/calibration.md`` after any change.
    """
    cal = calibration
    out = [
        "# Illustrative calibration of the reference territories",
        "",
        "<!-- Generated by `python -m mutusim.calibration > docs/calibration.md`; "
        "edit mutusim/calibration.py instead. -->",
        "",
        "> **Warning: illustrative numbers.** `mutusim.datasets.epci()` turns any of the",
        "> 1,255 EPCIs of 2026 into a territory by adding staff, costs, volumes and",
        "> service levels that **no public source gives per commune**. They are orders of",
        "> magnitude built from DOMAIN.md's national ratios and from assumptions marked [U].",
        "> They make the optimiser run on real communes and show plausible trade-offs; they",
        "> say nothing about a real commune. Before any figure reaches a committee, replace",
        "> the baseline and the pooled-unit parameters with the territory's own accounts",
        "> (comptes administratifs, payroll, activity counts) and load them with",
        "> `ms.load_territory(folder)`.",
        "",
        "Tags, as in DOMAIN.md: **[V n]** verified in source *n*, **[I]** inference from",
        "verified figures, **[U]** unverified (an assumption of this calibration).",
        "DOMAIN.md has no per-service productivity, cost or level: those numbers are [U].",
        "",
        "## Data",
        "",
        "Communes (INSEE code, name, population municipale) and EPCIs (SIREN, name,",
        "nature, fiscalité) are real and unchanged:",
        f"**{DATA_CREDIT}**, Licence Ouverte / Open Licence (see `data/README.md`).",
        "",
        "## Formulas",
        "",
        "Baseline of a commune of population *P* for a service (parameters below):",
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
        "FTE and units are rounded to 1e-6 (FTE never to zero when there is work), costs to",
        "the cent, levels to 0.1. A commune has a row for every service, even one it hardly runs",
        "(a village's 'print shop' is a share of a copier and of a secretary's time).",
        "Small communes are less productive alone (indivisible posts, no specialists) and",
        "reach lower levels; both improve on a log scale up to `size_large`, above which",
        "size no longer matters (DOMAIN §4 [V 89]). Without a seed there is no randomness;",
        "with `seed=`, each (service, commune) alone productivity is multiplied by",
        "`exp(N(0, heterogeneity))` from `numpy.random.default_rng(seed)`.",
        "",
        "Pooled units (`modes` table): a `share` row for every service, a `transfer` row for",
        "transferable services only.",
        "",
        "```",
        "units_per_fte  = units_per_fte * share_gain   (transfer: * transfer_gain)",
        "cost_per_fte   = cost_per_fte * (1 + pooled_pay_uplift)",
        "cost_per_unit  = non_staff_share * cost_per_fte / units_per_fte",
        "fixed_cost, overhead_per_member, transition_cost_per_member, level: per service",
        "min_members    = share_min_members           (transfer: transfer_min_members)",
        "fte_step       = share_fte_step              (transfer: transfer_fte_step)",
        "transition_cost_per_fte = transition_cost_per_fte",
        "```",
        "",
        "Why not every service is worth pooling: a pooled unit pays a fixed cost, a",
        "coordination overhead per member, one-off transition costs (per member and per FTE",
        "moved) and a pay uplift, and staffs in steps; its productivity gain is small",
        "(0-15 %) and negative for proximity maintenance. A large commune, already at full",
        "productivity, gains little or loses; a small one, far below it, gains most, unless",
        "its volume is so small that the overhead outweighs the gain. This follows the",
        "evidence that pooling often saves nothing (DOMAIN §4 [V 82-92]) and that savings",
        "concentrate in small members and specialised support functions (DOMAIN §4 table",
        "[I]); the service levels carry the rest of the case for pooling (DOMAIN §6.10).",
        "",
        "## Global parameters",
        "",
        "| parameter | value | unit | source | meaning |",
        "|---|---|---|---|---|",
    ]
    for n, (unit, source, doc) in GLOBAL_PARAMETERS.items():
        out.append(f"| `{n}` | {_fmt(getattr(cal, n))} | {unit} | {source} | {doc} |")
    out += [
        "",
        "## Service catalogue",
        "",
        "The 14 services of the Angers deck (slide 17, plus the *technicien de secteur* of",
        "slide 18), in its three domains. Support functions are not competences and cannot",
        "be transferred: they are pooled as services communs (L5211-4-2, DOMAIN §1.3). Only",
        "competences can be transferred (L5211-17, §1.1); `mandatory for` lists the EPCI",
        "natures for which the law already makes the competence the EPCI's, so that the",
        "optimiser treats its transfer as fixed.",
        "",
        "| service | name | domain | unit of work | transferable | mandatory for | why |",
        "|---|---|---|---|---|---|---|",
    ]
    for s in cal.services:
        out.append(
            f"| `{s.service}` | {s.name} | {s.domain} | {s.unit} | {_fmt(s.transferable)} "
            f"| {_fmt(s.mandatory_for)} | {s.notes} |"
        )
    out += [
        "",
        "## Per-service parameters",
        "",
        "| parameter | unit | default source | meaning |",
        "|---|---|---|---|",
    ]
    for n, (unit, source, doc) in SERVICE_PARAMETERS.items():
        out.append(f"| `{n}` | {unit} | {source} | {doc} |")
    short = [n for n in SERVICE_PARAMETERS if n not in _TRANSFER_PARAMETERS]
    out += ["", "Values (the transfer parameters follow in a second table):", ""]
    out.append("| service | " + " | ".join(f"`{n}`" for n in short) + " |")
    out.append("|---|" + "---|" * len(short))
    for s in cal.services:
        out.append(f"| `{s.service}` | " + " | ".join(_fmt(getattr(s, n)) for n in short) + " |")
    out += ["", "| service | " + " | ".join(f"`{n}`" for n in _TRANSFER_PARAMETERS) + " |"]
    out.append("|---|" + "---|" * len(_TRANSFER_PARAMETERS))
    for s in cal.services:
        if s.transferable:
            values = " | ".join(_fmt(getattr(s, n)) for n in _TRANSFER_PARAMETERS)
            out.append(f"| `{s.service}` | {values} |")
    out += ["", "Sources that differ from the parameter's default:", ""]
    for s in cal.services:
        for name, tag in s.sources:
            out.append(f"- `{s.service}.{name}`: {tag}")
    out += [
        "",
        "## What it gives",
        "",
        "One commune alone, all services, no seed:",
        "",
        "| population | FTE | FTE per 1,000 inhabitants | cost [EUR/year] "
        "| cost per inhabitant [EUR/year] | mean level [0-100] |",
        "|---|---|---|---|---|---|",
    ]
    for r in size_examples(cal).itertuples():
        out.append(
            f"| {r.population:,} | {r.fte:.2f} | {r.fte_per_1000:.2f} | {r.cost:,.0f} "
            f"| {r.cost_per_inhabitant:,.0f} | {r.level:.1f} |"
        )
    out += [
        "",
        "For scale, the *bloc communal* employs about 19 FTE per 1,000 inhabitants in all",
        "its services (DOMAIN §3 [I]) and spends 760-1,700 EUR per inhabitant (§3 [V 81]);",
        "these services are a part of that.",
        "",
        "## Known limits",
        "",
        "- Only the scale effect (indivisible posts, specialisation) is modelled. The scope",
        "  effect that makes large cities spend more per inhabitant (more services, ville-centre",
        "  charges, DOMAIN §3 [V 81]) is not: per inhabitant, a large commune comes out cheaper.",
        "- Units grow with population only; density, tourism or growth do not enter.",
        "- The 10-15 % price effect of *groupements de commandes* on purchases (DOMAIN §1.5 [U])",
        "  is not in `commande_publique`, whose cost is the procurement service itself.",
        "- Every pair starts as `keep`, except services whose competence is mandatory for the",
        "  EPCI's nature (roads for CU and Métropoles), which the law has already transferred:",
        "  `arrangement = transfer`, so they are not decisions.",
        "- The CLECT valuation is today's cost plus, for communes under 3,500 inhabitants that",
        "  do not depreciate, an equipment charge of `equipment_share` of the cost; grants",
        "  (CIF, DGF) need the territory's accounts.",
        "",
        "## Overriding",
        "",
        "```python",
        "from dataclasses import replace",
        "import mutusim as ms",
        "from mutusim.calibration import CALIBRATION",
        "",
        "cal = replace(CALIBRATION, cost_per_fte=45_000)   # a global parameter",
        'cal = cal.with_service("ads", units_per_fte=300)  # one service',
        'terr = ms.datasets.epci("244900015", calibration=cal)',
        "CALIBRATION.table()                               # every parameter, long format",
        "```",
        "",
    ]
    return "\n".join(out)


if __name__ == "__main__":  # pragma: no cover
    print(calibration_markdown(), end="")
