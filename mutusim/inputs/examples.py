"""Tiny example territories, small enough to check by hand.

They feed the tests, the docstrings and the first pages of the notebooks.
Real territories come from :mod:`mutusim.inputs.datasets` (``ms.datasets``).
"""

from __future__ import annotations

import pandas as pd

from mutusim.core.territory import Territory
from mutusim.inputs.io import territory_from_frames

__all__ = ["tiny", "tiny_frames"]


def tiny_frames() -> dict[str, pd.DataFrame]:
    """Raw tables of :func:`tiny`, as a loader would read them.

    Returns
    -------
    dict of str to DataFrame
        epci, communes, services, baseline, modes.
    """
    epci = pd.DataFrame(
        [{"siren": "200000001", "name": "CC Exemple", "nature": "CC", "fiscalite": "FPU"}]
    )
    communes = pd.DataFrame(
        {
            "commune": ["49001", "49002", "49003"],
            "name": ["Bourg-Centre", "Village-Est", "Hameau-Sud"],
            "population": [5000, 1500, 800],
            "polarity": [True, False, False],
        }
    )
    services = pd.DataFrame(
        {
            "service": ["rh_paie", "ads"],
            "name": ["Ressources humaines et paie", "Instruction du droit des sols (ADS)"],
            "domain": ["Pilotage et gestion des ressources", "Aménagement"],
            "unit": ["bulletins de paie", "dossiers ADS"],
            "transferable": [False, True],
            "mandatory_for": ["", ""],
        }
    )
    baseline = pd.DataFrame(
        {
            "commune": ["49001", "49002", "49003"] * 2,
            "service": ["rh_paie"] * 3 + ["ads"] * 3,
            "fte": [2.0, 0.5, 0.3, 1.0, 0.4, 0.2],
            "cost": [90_000.0, 25_000.0, 16_000.0, 48_000.0, 21_000.0, 12_000.0],
            "units": [1200.0, 300.0, 150.0, 250.0, 80.0, 30.0],
            "level": [60.0, 50.0, 40.0, 70.0, 50.0, 40.0],
        }
    )
    modes = pd.DataFrame(
        {
            "service": ["rh_paie", "ads", "ads"],
            "mode": ["share", "share", "transfer"],
            "fixed_cost": [10_000.0, 8_000.0, 12_000.0],
            "min_members": [2, 2, 1],
            "units_per_fte": [1000.0, 250.0, 250.0],
            "cost_per_fte": [42_000.0, 45_000.0, 45_000.0],
            "fte_step": [0.5, 0.5, 0.5],
            "cost_per_unit": [0.0, 0.0, 0.0],
            "overhead_per_member": [1_000.0, 1_500.0, 500.0],
            "transition_cost_per_member": [3_000.0, 3_000.0, 6_000.0],
            "transition_cost_per_fte": [0.0, 0.0, 0.0],
            "level": [75.0, 80.0, 85.0],
        }
    )
    return {
        "epci": epci,
        "communes": communes,
        "services": services,
        "baseline": baseline,
        "modes": modes,
    }


def tiny() -> Territory:
    """Three communes, two services (HR/payroll, ADS): the hand-checked example.

    Returns
    -------
    Territory

    Examples
    --------
    >>> import mutusim as ms
    >>> ms.examples.tiny()
    <Territory CC Exemple (CC, siren 200000001): 3 communes, 7,300 inhabitants, 2 services>
    """
    return territory_from_frames(**tiny_frames(), source="examples.tiny")
