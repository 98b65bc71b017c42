"""Where each EPCI lies: its département and région, with their names (reference data).

An EPCI may straddle départements (and, rarely, régions). Each EPCI is
placed in the département, and the région, that hold the largest part of
its population (population municipale 2026; ties go to the smaller code),
so that the EPCIs of France split into départements and régions with no
double counting. ``departements_count`` says how many départements its
communes belong to.

The names come from ``data/departements.csv`` and ``data/regions.csv``
(shipped in the package as :mod:`mutusim.data`; Source : INSEE — Code
officiel géographique 2026, Licence Ouverte).

Examples
--------
>>> g = epci_geography()
>>> row = g.set_index("siren").loc["244900015"]
>>> row["departement"], row["departement_name"], row["region_name"]
('49', 'Maine-et-Loire', 'Pays de la Loire')
"""

from __future__ import annotations

import functools
from pathlib import Path

import pandas as pd

from mutusim.errors import MutusimError
from mutusim.inputs.datasets import communes_2026, data_dir, epcis_2026

__all__ = ["GEOGRAPHY_COLUMNS", "departements", "epci_geography", "regions"]

#: Columns of :func:`epci_geography`.
GEOGRAPHY_COLUMNS = [
    "siren",
    "name",
    "nature",
    "fiscalite",
    "communes",
    "population",
    "departement",
    "departement_name",
    "region",
    "region_name",
    "departements_count",
]


def _read_codes(path: Path, columns: list[str]) -> pd.DataFrame:
    if not path.is_file():
        raise MutusimError(
            f"Reference data not found: {path.name} missing in {path.parent}. "
            "Set MUTUSIM_DATA to the folder holding the reference CSV files, or reinstall mutusim."
        )
    df = pd.read_csv(path, dtype="string", keep_default_na=False)
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise MutusimError(
            f"{path}: column(s) {missing} missing; expected {columns} (see data/README.md)."
        )
    return df[columns].astype(str)


@functools.lru_cache(maxsize=4)
def _regions(path: str) -> pd.DataFrame:
    return _read_codes(Path(path) / "regions.csv", ["code", "nom"])


@functools.lru_cache(maxsize=4)
def _departements(path: str) -> pd.DataFrame:
    return _read_codes(Path(path) / "departements.csv", ["code", "nom", "region"])


def regions() -> pd.DataFrame:
    """The 26 régions (a copy): ``code`` (string, e.g. ``'52'``) and ``nom``.

    Returns
    -------
    DataFrame
    """
    return _regions(str(data_dir())).copy()


def departements() -> pd.DataFrame:
    """The 109 départements and collectivités (a copy): ``code`` (``'01'``, ``'2A'``), ``nom``, ``region``.

    Returns
    -------
    DataFrame
    """
    return _departements(str(data_dir())).copy()


@functools.lru_cache(maxsize=4)
def _geography(path: str) -> pd.DataFrame:
    c = communes_2026()
    c = c[c["epci_siren"].notna()]
    pop = c["population_municipale"].fillna(0).astype("int64")
    by_dep = (
        pd.DataFrame(
            {
                "siren": c["epci_siren"].astype(str),
                "departement": c["departement"].astype(str),
                "region": c["region"].astype(str),
                "population": pop,
            }
        )
        .groupby(["siren", "departement", "region"], as_index=False)["population"]
        .sum()
    )
    count = by_dep.groupby("siren")["departement"].nunique().rename("departements_count")
    # the département holding most of the population; ties go to the smaller code
    main_dep = (
        by_dep.sort_values(["siren", "population", "departement"], ascending=[True, False, True])
        .drop_duplicates("siren")
        .set_index("siren")["departement"]
    )
    by_reg = by_dep.groupby(["siren", "region"], as_index=False)["population"].sum()
    main_reg = (
        by_reg.sort_values(["siren", "population", "region"], ascending=[True, False, True])
        .drop_duplicates("siren")
        .set_index("siren")["region"]
    )
    e = epcis_2026()
    out = pd.DataFrame(
        {
            "siren": e["siren"].astype(str),
            "name": e["nom"].astype(str),
            "nature": e["nature"].astype(str),
            "fiscalite": e["fiscalite"].astype(str),
            "communes": e["n_communes"].astype("int64"),
            "population": e["population_municipale"].astype("int64"),
        }
    )
    out["departement"] = out["siren"].map(main_dep)
    out["region"] = out["siren"].map(main_reg)
    out["departements_count"] = out["siren"].map(count).fillna(0).astype("int64")
    dep_names = _departements(path).set_index("code")["nom"]
    reg_names = _regions(path).set_index("code")["nom"]
    out["departement_name"] = out["departement"].map(dep_names)
    out["region_name"] = out["region"].map(reg_names)
    unknown = out[out["departement_name"].isna() | out["region_name"].isna()]
    if len(unknown):
        raise MutusimError(
            f"{len(unknown)} EPCI(s) lie in a département or région missing from "
            f"departements.csv / regions.csv, e.g. {unknown.iloc[0]['siren']} "
            f"(département {unknown.iloc[0]['departement']}, région {unknown.iloc[0]['region']}); "
            "add the missing codes to those files."
        )
    return out.sort_values("siren", ignore_index=True)[GEOGRAPHY_COLUMNS]


def epci_geography() -> pd.DataFrame:
    """Every EPCI of 2026 with its main département and région (a copy).

    Returns
    -------
    DataFrame
        :data:`GEOGRAPHY_COLUMNS`, sorted by SIREN: ``communes`` (members),
        ``population`` [inhabitants], ``departement`` / ``region`` (codes,
        strings) and their names, ``departements_count`` (départements its
        communes belong to).
    """
    return _geography(str(data_dir())).copy()
