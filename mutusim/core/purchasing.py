"""Groupements de commandes: what joint purchasing saves, as plain functions (DOMAIN.md §1.5).

Buyers may award contracts jointly under a *convention constitutive* (Code de
la commande publique L2113-6 to L2113-8); the EPCI may coordinate its
communes' groupements free of charge whatever its competences (CGCT
L5211-4-4). No staff moves and no competence changes: a commune joins the
groupement of a purchasing category or not.

Price model (illustrative calibration, ``data/calibration/purchasing*.csv``):
a buyer gets a price cut that grows with the volume of the contract, by tiers
(:func:`price_cut`). A member of a groupement pays the group's price instead
of its own, so it saves ``(cut(group volume) − cut(own volume)) × spend``
(:func:`member_saving`): a large buyer that already gets good prices alone
saves little, and may lose by joining a small group. A groupement costs its
coordinator a yearly amount, and each member its own part (convention,
orders). DOMAIN.md §1.5 quotes 10-15 % of grouped spend (Malvy-Lambert, [U])
and a survey that questioned the reality of such savings [V 36]: the tiers
stay below that range and are uncertain.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from mutusim.core.status import SolveInfo, Status

__all__ = [
    "GROUPEMENT_COLUMNS",
    "MEMBER_COLUMNS",
    "GroupementPlan",
    "PurchasingParams",
    "groupement_net",
    "member_saving",
    "price_cut",
]

#: Columns of :attr:`GroupementPlan.groupements`.
GROUPEMENT_COLUMNS = [
    "category",
    "name",
    "members",
    "volume",
    "price_cut",
    "savings",
    "coordinator_cost",
    "member_costs",
    "net",
]
#: Columns of :attr:`GroupementPlan.members`.
MEMBER_COLUMNS = [
    "category",
    "commune",
    "name",
    "spend",
    "price_cut_alone",
    "price_cut_group",
    "saving",
]


@dataclass(frozen=True)
class PurchasingParams:
    """The price model of groupements de commandes.

    Attributes
    ----------
    tiers : tuple of (float, float)
        (contract volume [EUR/year], price cut [-]) in increasing volume; the
        first tier at volume 0.
    coordinator_cost : float
        Yearly cost of coordinating one groupement [EUR/year].
    member_cost : float
        Yearly cost for each member of taking part [EUR/year].
    """

    tiers: tuple[tuple[float, float], ...]
    coordinator_cost: float
    member_cost: float

    def __post_init__(self) -> None:
        vols = [v for v, _ in self.tiers]
        cuts = [c for _, c in self.tiers]
        if not vols or vols[0] != 0 or vols != sorted(vols) or len(set(vols)) != len(vols):
            raise ValueError("tiers must start at volume 0 and increase strictly")
        if cuts != sorted(cuts) or not all(0 <= c < 1 for c in cuts):
            raise ValueError("price cuts must lie in [0, 1) and grow with the volume")


def price_cut(volume: float, tiers: Sequence[tuple[float, float]]) -> float:
    """Price cut a contract of ``volume`` gets: the highest tier it reaches [-].

    Parameters
    ----------
    volume : float
        Contract volume [EUR/year].
    tiers : sequence of (float, float)
        (volume, cut) in increasing volume.

    Returns
    -------
    float

    Examples
    --------
    >>> t = ((0, 0.0), (200_000, 0.02), (1_000_000, 0.04))
    >>> price_cut(150_000, t), price_cut(200_000, t), price_cut(5e6, t)
    (0.0, 0.02, 0.04)
    """
    cut = 0.0
    for v, c in tiers:
        if volume + 1e-9 >= v:
            cut = c
    return cut


def member_saving(
    spend: float, group_volume: float, tiers: Sequence[tuple[float, float]]
) -> float:
    """What a member saves by buying at the group's price instead of its own [EUR/year].

    ``(price_cut(group_volume) − price_cut(spend)) × spend``; negative when the
    group gets a smaller cut than the member alone.

    Parameters
    ----------
    spend : float
        The member's groupable spend [EUR/year].
    group_volume : float
        The groupement's volume [EUR/year].
    tiers : sequence of (float, float)
        (volume, cut) in increasing volume.

    Returns
    -------
    float
        [EUR/year]

    Examples
    --------
    >>> t = ((0, 0.0), (200_000, 0.02), (1_000_000, 0.04))
    >>> member_saving(100_000, 300_000, t), member_saving(1_200_000, 1_300_000, t)
    (2000.0, 0.0)
    """
    return (price_cut(group_volume, tiers) - price_cut(spend, tiers)) * spend


def groupement_net(spends: Mapping[str, float], params: PurchasingParams) -> float:
    """Yearly net saving of one groupement of the communes in ``spends`` [EUR/year].

    Members' savings minus the coordinator's cost and the members' costs; a
    groupement needs at least two buyers (L2113-6): fewer is no groupement (0).

    Parameters
    ----------
    spends : mapping
        Member -> its groupable spend in the category [EUR/year].
    params : PurchasingParams

    Returns
    -------
    float
    """
    if len(spends) < 2:
        return 0.0
    volume = float(sum(spends.values()))
    saved = sum(member_saving(s, volume, params.tiers) for s in spends.values())
    return saved - params.coordinator_cost - params.member_cost * len(spends)


@dataclass(frozen=True)
class GroupementPlan:
    """The groupements de commandes chosen for a territory (plain data).

    Attributes
    ----------
    status : Status
        Read from the solver.
    groupements : DataFrame
        One row per category with a groupement (:data:`GROUPEMENT_COLUMNS`),
        amounts in EUR/year.
    members : DataFrame
        One row per member (:data:`MEMBER_COLUMNS`).
    net : float or None
        Yearly net saving of all groupements [EUR/year].
    npv : float or None
        Its NPV over the horizon's effective years [EUR].
    spend : float
        Groupable spend of the territory [EUR/year].
    solve : SolveInfo or None
        What the solver said.
    """

    status: Status
    groupements: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=GROUPEMENT_COLUMNS)
    )
    members: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=MEMBER_COLUMNS))
    net: float | None = None
    npv: float | None = None
    spend: float = 0.0
    solve: SolveInfo | None = None
