"""Shared fixtures and helpers of the test suite.

* ``tiny``: the hand-checked example territory (session-scoped);
* :func:`make_territory`: small random territories (1-3 communes, 1-3
  services) built through ``ms.territory_from_frames``, for brute-force and
  property tests; import it with ``from conftest import make_territory``
  (``tests/`` is on the path: ``pythonpath`` in pyproject.toml);
* every test closes the matplotlib figures it opened;
* hypothesis runs derandomized so that CI is deterministic.
"""

from __future__ import annotations

import os
import random

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from hypothesis import HealthCheck, settings

import mutusim as ms
from mutusim.core.territory import Territory

settings.register_profile(
    "default",
    deadline=None,
    max_examples=40,
    derandomize=True,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
# A longer, still deterministic run: HYPOTHESIS_PROFILE=thorough pytest ...
settings.register_profile(
    "thorough",
    parent=settings.get_profile("default"),
    max_examples=400,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture(scope="session")
def tiny() -> Territory:
    """The 3-commune, 2-service example of :mod:`mutusim.examples`."""
    return ms.examples.tiny()


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


# --------------------------------------------------------------------------
# Random small territories
# --------------------------------------------------------------------------
COMMUNE_CODES = ("49001", "49002", "49003")
SERVICE_CODES = ("svc_a", "svc_b", "svc_c")


def make_territory(
    seed: int = 0,
    n_communes: int | None = None,
    n_services: int | None = None,
    *,
    nature: str = "CC",
    transferable: bool | list[bool] | None = None,
    share: bool | None = None,
    transfer: bool | None = None,
    arrangement: bool = False,
    mandatory: bool = False,
    min_members: int | None = None,
    fte_step: float | None = None,
    idle: bool = True,
    equipment: bool = False,
    epci: bool = False,
) -> Territory:
    """A random territory of 1-3 communes and 1-3 services, validated by ``territory_from_frames``.

    Parameters
    ----------
    seed : int
        Seed of every random draw: same seed and options, same territory.
    n_communes, n_services : int, optional
        Sizes (1-3); random when omitted.
    nature : str
        Nature of the EPCI.
    transferable : bool or list of bool, optional
        ``services.transferable`` (one flag, or one per service); random when omitted.
    share, transfer : bool, optional
        Whether ``modes`` has a share / transfer row for every service
        (transfer only for transferable services); random per service when omitted.
    arrangement : bool
        Draw current arrangements: some pairs already ``share``, some services
        already ``transfer`` (for every commune); otherwise everything is ``keep``.
    mandatory : bool
        Make the transferable services with a transfer row mandatory for ``nature``.
    min_members, fte_step : optional
        Force these pooled-unit parameters for every mode row.
    idle : bool
        Allow communes that do not run a service (zero FTE, cost and units).
    equipment : bool
        Draw CLECT equipment charges for some pairs (their councils then vote
        against a transfer under the default ``vote_tolerance`` of 0).
    epci : bool
        The EPCI runs some services itself: baseline rows of party ``EPCI``
        (DOMAIN.md §1.3), and some shared units hosted by a commune.

    Units of work are whole numbers so that staffing steps never sit on a
    floating-point boundary.
    """
    rng = random.Random(seed)
    nc = n_communes if n_communes is not None else rng.randint(1, 3)
    ns = n_services if n_services is not None else rng.randint(1, 3)
    assert 1 <= nc <= 3
    assert 1 <= ns <= 3
    communes = list(COMMUNE_CODES[:nc])
    services = list(SERVICE_CODES[:ns])
    if isinstance(transferable, bool) or transferable is None:
        flags = [rng.random() < 0.6 if transferable is None else transferable for _ in services]
    else:
        flags = list(transferable)
    assert len(flags) == ns

    communes_df = pd.DataFrame(
        {
            "commune": communes,
            "name": [f"Commune {c}" for c in communes],
            # distinct: a tie for the most populous commune is a case of its own
            "population": rng.sample([300, 900, 2500, 4000, 7000, 15000], nc),
        }
    )
    mode_rows, base_rows, mandatory_for = [], [], []
    for s, flag in zip(services, flags, strict=True):
        upf = rng.choice([250.0, 500.0, 1000.0])
        has_share = share if share is not None else rng.random() < 0.85
        has_transfer = flag and (transfer if transfer is not None else rng.random() < 0.85)
        for mode, present in (("share", has_share), ("transfer", has_transfer)):
            if not present:
                continue
            mode_rows.append(
                {
                    "service": s,
                    "mode": mode,
                    "fixed_cost": float(rng.randrange(0, 20_001, 500)),
                    "min_members": min_members if min_members is not None else rng.randint(1, 3),
                    "units_per_fte": upf * rng.choice([0.8, 1.0, 1.2]),
                    "cost_per_fte": float(rng.randrange(38_000, 52_001, 1000)),
                    "fte_step": fte_step if fte_step is not None else rng.choice([0.25, 0.5, 1.0]),
                    "cost_per_unit": rng.choice([0.0, 0.0, 1.5, 4.0]),
                    "overhead_per_member": float(rng.randrange(0, 3_001, 250)),
                    "transition_cost_per_member": float(rng.randrange(0, 12_001, 1000)),
                    "transition_cost_per_fte": float(rng.randrange(0, 4_001, 500)),
                    "level": float(rng.randint(40, 95)),
                }
            )
        mandatory_for.append(nature if (mandatory and has_transfer) else "")
        already_transferred = arrangement and has_transfer and rng.random() < 0.3
        parties = communes + (["EPCI"] if epci and rng.random() < 0.6 else [])
        for c in parties:
            if idle and rng.random() < 0.12:
                fte = cost = units = level = 0.0
            else:
                units = float(round(upf * rng.uniform(0.1, 2.0)))
                fte = round(units / (upf * rng.uniform(0.5, 1.1)), 2)
                cost = float(round(fte * rng.uniform(38_000, 52_000) + rng.uniform(500, 6_000)))
                level = float(rng.randint(30, 90))
            if already_transferred:
                arr = "transfer"
            elif arrangement and has_share and rng.random() < 0.35:
                arr = "share"
            else:
                arr = "keep"
            charge = float(rng.choice([0, 0, 500, 2_000, 8_000])) if equipment else 0.0
            base_rows.append(
                {
                    "commune": c,
                    "service": s,
                    "fte": fte,
                    "cost": cost,
                    "units": units,
                    "level": level,
                    "equipment_charge": charge,
                    "arrangement": arr,
                }
            )
    services_df = pd.DataFrame(
        {
            "service": services,
            "name": [f"Service {s}" for s in services],
            "domain": ["Test"] * ns,
            "unit": ["dossiers"] * ns,
            "transferable": flags,
            "mandatory_for": mandatory_for,
        }
    )
    modes_df = pd.DataFrame(
        mode_rows,
        columns=[
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
        ],
    )
    if epci:
        # a service commun may be hosted by a member commune (DOMAIN.md §1.3)
        modes_df["host"] = [
            rng.choice(["EPCI", *communes]) if m == "share" else "EPCI" for m in modes_df["mode"]
        ]
    epci_df = pd.DataFrame(
        [{"siren": "200000001", "name": "CC Test", "nature": nature, "fiscalite": "FPU"}]
    )
    return ms.territory_from_frames(
        epci_df,
        communes_df,
        services_df,
        pd.DataFrame(base_rows),
        modes_df,
        source=f"make_territory({seed})",
    )
