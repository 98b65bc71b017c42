"""The illustrative calibration of the reference territories (PRODUCT.md D3).

The reference data (:mod:`mutusim.inputs.datasets`) hold real communes and
EPCIs but no staff, cost or volume. This module turns a commune's population
into an illustrative baseline, and a service into pooled-unit parameters.
Every parameter is data, in ``data/calibration/`` (package ``mutusim.data``):
a value, a unit, a source tag from DOMAIN.md (**[V n]** verified in source
*n*, **[I]** inference from verified figures, **[U]** unverified) and a
status (verified, inferred, illustrative, convention). Most per-service
numbers are illustrative: orders of magnitude to be replaced by the
analyst's own accounts. ``docs/calibration.md`` is generated
from these files (``make docs``).

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

import csv
import math
import re
from dataclasses import dataclass, field, fields, replace
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from mutusim.core.schema import BASELINE, MODE_PARAMS, NATURES
from mutusim.errors import MutusimError, NotFoundError

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
    "epci_baseline_frame",
    "existing_pooling",
    "size_examples",
    "size_factor",
    "source_status",
]

#: Credit line required by the Licence Ouverte for the reference data.
DATA_CREDIT = "Source : INSEE, DGCL — découpage administratif 2026 (Etalab)"


def _rows(name: str) -> list[dict[str, str]]:
    """Rows of ``data/calibration/<name>`` (package ``mutusim.data``), as text."""
    path = resources.files("mutusim.data").joinpath("calibration").joinpath(name)
    text = path.read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


def _number(text: str) -> float | int:
    value = float(text)
    return int(value) if value.is_integer() and "." not in text and "e" not in text else value


def source_status(source: str) -> str:
    """Status of a value from its source tag: verified, inferred, illustrative or convention.

    Parameters
    ----------
    source : str
        The source, with DOMAIN.md's tags ([V n], [I], [U]).

    Returns
    -------
    str

    Examples
    --------
    >>> source_status("DOMAIN §2.1 [V 53]"), source_status("[I]; value [U]")
    ('verified', 'illustrative')
    """
    if "[U]" in source:
        return "illustrative"
    if "[V" in source and "[I]" not in source:
        return "verified"
    if "[I]" in source:
        return "inferred"
    return "convention"


_PARAMETERS = _rows("parameters.csv")
#: Global parameters: name -> (unit, source tag, meaning).
GLOBAL_PARAMETERS: dict[str, tuple[str, str, str]] = {
    r["parameter"]: (r["unit"], r["default_source"], r["description"])
    for r in _PARAMETERS
    if r["scope"] == "global"
}
#: Per-service parameters: name -> (unit, default source tag, meaning).
SERVICE_PARAMETERS: dict[str, tuple[str, str, str]] = {
    r["parameter"]: (r["unit"], r["default_source"], r["description"])
    for r in _PARAMETERS
    if r["scope"] == "service"
}
#: Default sources of the catalogue fields of a service.
_FIELD_SOURCES: dict[str, str] = {
    r["parameter"]: r["default_source"] for r in _PARAMETERS if r["scope"] == "catalogue"
}
_TRANSFER_PARAMETERS = (
    "transfer_gain",
    "transfer_fixed_cost",
    "transfer_overhead",
    "transfer_transition",
    "level_transfer",
)
_GLOBAL_VALUES: dict[str, Any] = {r["parameter"]: _number(r["value"]) for r in _rows("global.csv")}


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
    #: the EPCI runs this service for itself (support functions): its own rows in the baseline
    epci_runs: bool = False
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
        raise NotFoundError(f"ServiceCalibration has no parameter '{parameter}'.")


def _load_services() -> tuple[ServiceCalibration, ...]:
    """The catalogue and per-service values of ``data/calibration/``."""
    values: dict[str, dict[str, float]] = {}
    sources: dict[str, list[tuple[str, str]]] = {}
    for r in _rows("service_values.csv"):
        values.setdefault(r["service"], {})[r["parameter"]] = float(r["value"])
        if r["source"] != SERVICE_PARAMETERS[r["parameter"]][1]:
            sources.setdefault(r["service"], []).append((r["parameter"], r["source"]))
    out = []
    for r in _rows("services.csv"):
        code = r["service"]
        own = list(sources.get(code, []))
        if r["mandatory_for_source"]:
            own.append(("mandatory_for", r["mandatory_for_source"]))
        out.append(
            ServiceCalibration(
                service=code,
                name=r["name"],
                domain=r["domain"],
                unit=r["unit"],
                transferable=r["transferable"] == "true",
                epci_runs=r["epci_runs"] == "true",
                mandatory_for=tuple(x for x in r["mandatory_for"].split(";") if x),
                notes=r["notes"],
                sources=tuple(own),
                **values.get(code, {}),
            )
        )
    return tuple(out)


_SERVICES = _load_services()


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

    cost_per_fte: float = float(_GLOBAL_VALUES["cost_per_fte"])
    size_small: float = float(_GLOBAL_VALUES["size_small"])
    size_large: float = float(_GLOBAL_VALUES["size_large"])
    pop_ref: float = float(_GLOBAL_VALUES["pop_ref"])
    pooled_pay_uplift: float = float(_GLOBAL_VALUES["pooled_pay_uplift"])
    transition_cost_per_fte: float = float(_GLOBAL_VALUES["transition_cost_per_fte"])
    share_min_members: int = int(_GLOBAL_VALUES["share_min_members"])
    transfer_min_members: int = int(_GLOBAL_VALUES["transfer_min_members"])
    share_fte_step: float = float(_GLOBAL_VALUES["share_fte_step"])
    transfer_fte_step: float = float(_GLOBAL_VALUES["transfer_fte_step"])
    heterogeneity: float = float(_GLOBAL_VALUES["heterogeneity"])
    no_depreciation_below: float = float(_GLOBAL_VALUES["no_depreciation_below"])
    equipment_share: float = float(_GLOBAL_VALUES["equipment_share"])
    epci_staff_share: float = float(_GLOBAL_VALUES["epci_staff_share"])
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
            "epci_staff_share",
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
        raise NotFoundError(f"Unknown service '{code}'; known services: {self.service_codes}.")

    def with_service(self, code: str, **changes: object) -> Calibration:
        """A copy where service ``code`` has the given parameters changed."""
        self.service(code)  # raises on an unknown code
        known = {f.name for f in fields(ServiceCalibration)} - {"service"}
        bad = sorted(k for k in changes if k not in known)
        if bad:
            raise MutusimError(
                f"with_service(): unknown parameter(s) {bad}; choose among {sorted(known)}."
            )
        new = tuple(
            replace(s, **changes) if s.service == code else s  # type: ignore[arg-type]
            for s in self.services
        )
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
        ``value``, ``unit``, ``source``, ``status``, ``description``. Transfer parameters
        are listed only for transferable services.
        """
        rows = [
            ("", n, getattr(self, n), unit, src, source_status(src), doc)
            for n, (unit, src, doc) in GLOBAL_PARAMETERS.items()
        ]
        for s in self.services:
            for n, (unit, _, doc) in SERVICE_PARAMETERS.items():
                if s.transferable or n not in _TRANSFER_PARAMETERS:
                    src = s.source(n)
                    rows.append((s.service, n, getattr(s, n), unit, src, source_status(src), doc))
        cols = ["service", "parameter", "value", "unit", "source", "status", "description"]
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

    Parameters
    ----------
    population : array
        Populations [inhabitants].
    calibration : Calibration
        ``size_small`` and ``size_large``.

    Returns
    -------
    ndarray
        t(P) [-].

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

    Returns
    -------
    DataFrame
        Columns of ``baseline.csv``; ``fte_posts`` is the whole part of ``fte``
        (each whole FTE an agent wholly in the service, the rest shares of
        agents who also work elsewhere: an illustrative split, [I]).
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
            "fte_posts": np.floor(fte.ravel() + 1e-9),
            "arrangement": arrangement.ravel(),
        }
    )


def epci_baseline_frame(
    population: int,
    codes: list[str],
    calibration: Calibration = CALIBRATION,
    nature: str | None = None,
) -> pd.DataFrame:
    """Baseline rows of the EPCI's own services (commune ``EPCI``), for services with ``epci_runs``.

    The EPCI is sized like a commune of ``epci_staff_share × population``
    inhabitants (illustrative, [U]); it bears no equipment charge (it has no
    attribution de compensation).

    Parameters
    ----------
    population : int
        The EPCI's population [inhabitants].
    codes : list of str
        Service codes of the calibration.
    calibration : Calibration
        Parameters.
    nature : str, optional
        EPCI nature (a mandatory competence is already transferred).

    Returns
    -------
    DataFrame
        Columns of ``baseline.csv``, commune ``EPCI``.
    """
    own = [c for c in codes if calibration.service(c).epci_runs]
    size = int(round(population * calibration.epci_staff_share))
    if not own or size <= 0:
        return pd.DataFrame(columns=BASELINE.names)
    frame = baseline_frame(
        pd.DataFrame({"commune": ["EPCI"], "population": [size]}), own, calibration, nature=nature
    )
    frame["equipment_charge"] = 0.0
    return frame


def existing_pooling(siren: str) -> list[dict[str, str]]:
    """Arrangements in force today for an EPCI, from ``data/calibration/existing_pooling.csv``.

    Parameters
    ----------
    siren : str
        SIREN of the EPCI.

    Returns
    -------
    list of dict
        One per (service, mode): ``service``, ``parties`` (INSEE codes and
        ``EPCI``, ';'-separated), ``mode``, ``host``, ``source``, ``status``.
    """
    return [r for r in _rows("existing_pooling.csv") if r["siren"] == str(siren)]


_MODE_COLUMNS = MODE_PARAMS.names


def modes_frame(codes: list[str], calibration: Calibration = CALIBRATION) -> pd.DataFrame:
    """Rows of ``modes.csv``: a 'share' row per service, a 'transfer' row per transferable one.

    Parameters
    ----------
    codes : list of str
        Service codes of the calibration.
    calibration : Calibration
        Parameters.

    Returns
    -------
    DataFrame
        Columns of ``modes.csv``.
    """
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
                "host": "EPCI",
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
                    "host": "EPCI",
                }
            )
    return pd.DataFrame(rows, columns=_MODE_COLUMNS)


def services_frame(codes: list[str], calibration: Calibration = CALIBRATION) -> pd.DataFrame:
    """Rows of ``services.csv`` for the given service codes.

    Parameters
    ----------
    codes : list of str
        Service codes of the calibration.
    calibration : Calibration
        The catalogue.

    Returns
    -------
    DataFrame
        Columns of ``services.csv``.
    """
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

    Parameters
    ----------
    calibration : Calibration
        Parameters.
    sizes : tuple of int
        Populations to show [inhabitants].

    Returns
    -------
    DataFrame
        ``population`` [inhabitants], ``fte`` [FTE], ``cost`` [EUR/year],
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
    """``docs/calibration.md``: the template of ``data/calibration/`` with its tables filled in.

    Run ``make docs`` after any change to the calibration files.

    Parameters
    ----------
    calibration : Calibration
        The calibration to document (default :data:`CALIBRATION`).

    Returns
    -------
    str
        Markdown.
    """
    cal = calibration
    glob = [
        "| parameter | value | unit | source | status | meaning |",
        "|---|---|---|---|---|---|",
    ]
    for n, (unit, source, doc) in GLOBAL_PARAMETERS.items():
        glob.append(
            f"| `{n}` | {_fmt(getattr(cal, n))} | {unit} | {source} | {source_status(source)} "
            f"| {doc} |"
        )
    catalogue = [
        "| service | name | domain | unit of work | transferable | mandatory for | why |",
        "|---|---|---|---|---|---|---|",
    ]
    for s in cal.services:
        catalogue.append(
            f"| `{s.service}` | {s.name} | {s.domain} | {s.unit} | {_fmt(s.transferable)} "
            f"| {_fmt(s.mandatory_for)} | {s.notes} |"
        )
    params = ["| parameter | unit | default source | meaning |", "|---|---|---|---|"]
    for n, (unit, source, doc) in SERVICE_PARAMETERS.items():
        params.append(f"| `{n}` | {unit} | {source} | {doc} |")
    short = [n for n in SERVICE_PARAMETERS if n not in _TRANSFER_PARAMETERS]
    values = ["| service | " + " | ".join(f"`{n}`" for n in short) + " |"]
    values.append("|---|" + "---|" * len(short))
    for s in cal.services:
        values.append(
            f"| `{s.service}` | " + " | ".join(_fmt(getattr(s, n)) for n in short) + " |"
        )
    values += ["", "| service | " + " | ".join(f"`{n}`" for n in _TRANSFER_PARAMETERS) + " |"]
    values.append("|---|" + "---|" * len(_TRANSFER_PARAMETERS))
    for s in cal.services:
        if s.transferable:
            row = " | ".join(_fmt(getattr(s, n)) for n in _TRANSFER_PARAMETERS)
            values.append(f"| `{s.service}` | {row} |")
    values += ["", "Sources that differ from the parameter's default:", ""]
    for s in cal.services:
        for name, tag in s.sources:
            values.append(f"- `{s.service}.{name}`: {tag} ({source_status(tag)})")
    sizes = [
        "| population | FTE | FTE per 1,000 inhabitants | cost [EUR/year] "
        "| cost per inhabitant [EUR/year] | mean level [0-100] |",
        "|---|---|---|---|---|---|",
    ]
    for r in size_examples(cal).itertuples():
        sizes.append(
            f"| {r.population:,} | {r.fte:.2f} | {r.fte_per_1000:.2f} | {r.cost:,.0f} "
            f"| {r.cost_per_inhabitant:,.0f} | {r.level:.1f} |"
        )
    text = (
        resources.files("mutusim.data")
        .joinpath("calibration")
        .joinpath("template.md")
        .read_text(encoding="utf-8")
    )
    for key, lines in (
        ("global_table", glob),
        ("catalogue_table", catalogue),
        ("parameter_table", params),
        ("value_tables", values),
        ("size_table", sizes),
    ):
        text = text.replace("{{" + key + "}}", "\n".join(lines))
    return text
