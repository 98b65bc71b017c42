"""Real reference data and ready territories for any EPCI of France (PRODUCT.md D3).

The 34,969 communes and 1,255 EPCI à fiscalité propre of 2026 ship in
``data/`` (``data/README.md``; Source : INSEE, DGCL — découpage administratif
2026 (Etalab), Licence Ouverte). They hold no staff and no cost:
:func:`epci` adds the **illustrative** calibration of
:mod:`mutusim.inputs.calibration` (documented in ``docs/calibration.md``) so that
any EPCI becomes a territory the optimiser can run on. Its numbers are
orders of magnitude; an analyst must replace them with the territory's own
accounts before showing results to a committee.

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
import os
import re
import unicodedata
from collections.abc import Iterable
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from mutusim.core.costs import CostData
from mutusim.core.evaluate import evaluate_plan, status_quo
from mutusim.core.scenario import Scenario, ScenarioSet, load_scenarios
from mutusim.core.territory import Territory
from mutusim.errors import MutusimError, NotFoundError
from mutusim.inputs.calibration import (
    CALIBRATION,
    DATA_CREDIT,
    SERVICE_CATALOGUE,
    Calibration,
    ServiceCalibration,
    baseline_frame,
    epci_baseline_frame,
    existing_pooling,
    modes_frame,
    services_frame,
)
from mutusim.inputs.io import territory_from_frames

__all__ = [
    "ANGERS_SIREN",
    "CALIBRATION",
    "DATA_CREDIT",
    "SERVICE_CATALOGUE",
    "Calibration",
    "ServiceCalibration",
    "angers",
    "angers_scenarios",
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


# ------------------------------------------------------------ reference data
def data_dir() -> Path:
    """Folder of the reference CSV files: ``$MUTUSIM_DATA`` if set, else the package's data.

    The data ship inside the package (``mutusim.data``, the repository's
    ``data/`` folder), so a plain ``pip install`` has them.

    Returns
    -------
    Path

    Raises
    ------
    MutusimError
        The files are missing.
    """
    env = os.environ.get("MUTUSIM_DATA")
    path = Path(env) if env else Path(str(resources.files("mutusim.data")))
    missing = [f for f in ("communes_2026.csv", "epci_2026.csv") if not (path / f).is_file()]
    if missing:
        how = "the MUTUSIM_DATA variable" if env else "the installed package (mutusim.data)"
        raise MutusimError(
            f"Reference data not found: {', '.join(missing)} missing in {path} (from {how}). "
            "Set MUTUSIM_DATA to the folder holding communes_2026.csv and epci_2026.csv, "
            "or reinstall mutusim."
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


@functools.lru_cache(maxsize=4)
def _siren_index(path: str) -> dict[str, int]:
    return {str(s): i for i, s in enumerate(_epcis(path)["siren"])}


@functools.lru_cache(maxsize=4)
def _commune_names(path: str) -> pd.Series:
    return _communes(path)["nom"].astype(str).map(_norm)


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
    then a unique substring, then a unique name holding all the words given.

    Parameters
    ----------
    siren_or_name : str
        SIREN (9 digits) or name.

    Returns
    -------
    Series
        siren, nom, nature, fiscalite, populations [inhabitants], n_communes.

    Raises
    ------
    NotFoundError
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
        pos = _siren_index(path).get(query)
        if pos is not None:
            return e.iloc[pos].copy()
        hint = ""
        c = _communes(path)
        com = c[c["siren"] == query]
        if len(com):
            r = com.iloc[0]
            member = "" if pd.isna(r["epci_siren"]) else f", member of EPCI {r['epci_siren']}"
            hint = f" It is the SIREN of the commune {r['nom']} ({r['code_insee']}{member})."
        raise NotFoundError(
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
        raise NotFoundError(
            f"EPCI name '{query}' is ambiguous: {len(exact)} EPCIs have this name: "
            f"{_describe(exact)}. " + how.format(exact.iloc[0]["siren"])
        )
    sub = e[idx["norm"].str.contains(q, regex=False)] if q else e.iloc[:0]
    if len(sub) == 1:
        return sub.iloc[0].copy()
    if len(sub) > 1:
        raise NotFoundError(
            f"EPCI name '{query}' is ambiguous: {len(sub)} EPCIs match: {_describe(sub)}. "
            + how.format(sub.sort_values("population_municipale").iloc[-1]["siren"])
        )
    words = q.split()
    every = idx["norm"].map(lambda n: all(w in n.split() for w in words))
    if every.sum() == 1:
        return e[every].iloc[0].copy()
    if every.sum() > 1:
        raise NotFoundError(
            f"EPCI name '{query}' is ambiguous: {int(every.sum())} EPCIs contain these words: "
            f"{_describe(e[every])}. "
            + how.format(e[every].sort_values("population_municipale").iloc[-1]["siren"])
        )
    raise NotFoundError(
        f"No EPCI matches '{query}'.{_suggest(path, q)} Pass a SIREN (9 digits) or part of "
        "the name; epcis_2026() lists all 1,255 EPCIs."
    )


def _suggest(path: str, q: str) -> str:
    """Hints for an unknown name: a commune of that name, then the closest EPCI names."""
    e, idx = _epcis(path), _name_index(path)
    hint = ""
    c = _communes(path)
    com = c[(_commune_names(path) == q).to_numpy() & c["epci_siren"].notna().to_numpy()]
    if len(com):
        sirens = com["epci_siren"].astype(str).tolist()
        owners = e.set_index("siren").loc[sirens, "nom"].tolist()
        pairs = [
            f"{n} ({code}) is a commune of {o} (siren {s})"
            for n, code, o, s in zip(com["nom"], com["code_insee"], owners, sirens, strict=True)
        ]
        hint += " " + "; ".join(pairs[:5]) + "."
    close = difflib.get_close_matches(q, idx["norm"].tolist(), n=5, cutoff=0.6)
    if close:
        pos = {n: i for i, n in enumerate(close)}
        near = e[idx["norm"].isin(close)].assign(_rank=idx["norm"].map(pos)).sort_values("_rank")
        items = [f"{r.nom} (siren {r.siren})" for r in near.head(5).itertuples()]
        hint += " Closest names: " + "; ".join(items) + "."
    return hint


# ---------------------------------------------------------------- territories
def _select_services(services: Iterable[str] | None, cal: Calibration) -> list[str]:
    if services is None:
        return cal.service_codes
    if isinstance(services, str):
        services = [services]
    codes = [str(s) for s in services]
    unknown = [c for c in codes if c not in cal.service_codes]
    if not codes:
        raise MutusimError(
            f"services: an empty list of services; choose among {cal.service_codes}."
        )
    if unknown:
        raise NotFoundError(
            f"services: unknown service code(s) {unknown}; choose among {cal.service_codes}."
        )
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
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int | np.integer)):
        raise MutusimError(f"seed must be an integer or None, got {seed!r}.")
    codes = _select_services(services, cal)
    nature = epci_row.get("nature")
    baseline = pd.concat(
        [
            baseline_frame(communes, codes, cal, seed, nature=nature),
            epci_baseline_frame(int(communes["population"].sum()), codes, cal, nature=nature),
        ],
        ignore_index=True,
    )
    modes = modes_frame(codes, cal)
    pooled = False
    for row in existing_pooling(str(epci_row.get("siren"))):
        if row["service"] not in codes:
            continue
        parties = row["parties"].split(";")
        mask = (baseline["service"] == row["service"]) & baseline["commune"].isin(parties)
        baseline.loc[mask, "arrangement"] = row["mode"]
        at = (modes["service"] == row["service"]) & (modes["mode"] == row["mode"])
        modes.loc[at, "host"] = row["host"]
        pooled = True
    frames = {
        "epci": pd.DataFrame([epci_row]),
        "communes": communes.reset_index(drop=True).copy(),
        "services": services_frame(codes, cal),
        "baseline": baseline,
        "modes": modes,
    }
    if pooled:
        _bill_existing_units(frames)
    return frames


def _bill_existing_units(frames: dict[str, pd.DataFrame]) -> None:
    """Set the cost of each member of today's pooled units to its bill in that unit.

    A member of a unit shared today pays its bill (common cost by the billing key,
    plus its own costs; docs/model.md), not the cost of running the service alone:
    the recorded costs and the unit's parameters then describe the same unit, and
    the status quo priced by the model is the recorded one. Otherwise leaving a
    unit would show savings that only come from two descriptions of today
    disagreeing.
    """
    territory = territory_from_frames(**{k: v.copy() for k, v in frames.items()})
    costs = CostData.from_inputs(territory, Scenario())
    today = evaluate_plan(costs, status_quo(costs)).pairs
    bills = today[today["mode"] == "share"].set_index(["service", "commune"])["cost_after"]
    b = frames["baseline"]
    keys = list(zip(b["service"], b["commune"], strict=True))
    b["cost"] = [
        float(bills[k]) if k in bills.index else float(cost)
        for k, cost in zip(keys, b["cost"], strict=True)
    ]


def epci_frames(
    siren_or_name: str,
    services: Iterable[str] | None = None,
    seed: int | None = None,
    calibration: Calibration = CALIBRATION,
) -> dict[str, pd.DataFrame]:
    """Raw tables (columns of :mod:`mutusim.core.schema`) of :func:`epci`, before validation.

    Parameters
    ----------
    siren_or_name : str
        SIREN (9 digits) or name of the EPCI.
    services : list of str, optional
        Service codes to keep.
    seed : int, optional
        Seed of the productivity spread.
    calibration : Calibration
        Parameters of the generator.

    Returns
    -------
    dict of str to DataFrame
    """
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
    return territory_from_frames(**frames, source=f"datasets.epci({siren})")


def angers(
    services: Iterable[str] | None = None,
    seed: int | None = None,
    calibration: Calibration = CALIBRATION,
) -> Territory:
    """Angers Loire Métropole (siren 244900015, CU, 29 communes, 308,806 inhabitants).

    The embedded default territory (PRODUCT.md D3): :func:`epci` of its SIREN.

    Parameters
    ----------
    services : list of str, optional
        Service codes to keep (default: the whole catalogue).
    seed : int, optional
        Seed of the productivity spread (default: none).
    calibration : Calibration
        Parameters of the generator.

    Returns
    -------
    Territory
    """
    return epci(ANGERS_SIREN, services=services, seed=seed, calibration=calibration)


def angers_scenarios() -> ScenarioSet:
    """The scenarios of the 2012 Angers deck (``scenarios/angers.yaml``) as a ScenarioSet.

    Its base, ``plan_optimal``, is the cost-optimal plan under every legal
    rule with a yearly capacity and transition budget: what ``mutusim demo``
    runs. Overrides: ``statu_quo``, ``plateforme_petites_communes``,
    ``ads_technicien_pour_tous``, ``sans_perdant``.
    """
    path = resources.files("mutusim.scenarios").joinpath("angers.yaml")
    return load_scenarios(Path(str(path)))


def synthetic_frames(
    n_communes: int, seed: int = 0, calibration: Calibration = CALIBRATION
) -> dict[str, pd.DataFrame]:
    """Raw tables of :func:`synthetic`.

    Parameters
    ----------
    n_communes : int
        Number of communes (1 to 99,999).
    seed : int
        Seed of the population draw.
    calibration : Calibration
        Parameters of the generator.

    Returns
    -------
    dict of str to DataFrame
    """
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

    Parameters
    ----------
    n_communes : int
        Number of communes (1 to 99,999).
    seed : int
        Seed of the population draw.
    calibration : Calibration
        Parameters of the generator.

    Returns
    -------
    Territory

    Examples
    --------
    >>> t = synthetic(50, seed=1)
    >>> len(t.communes), t.commune_codes[:2]
    (50, ['00001', '00002'])
    """
    frames = synthetic_frames(n_communes, seed, calibration)
    return territory_from_frames(**frames, source=f"datasets.synthetic({n_communes}, seed={seed})")
