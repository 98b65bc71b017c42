"""The territory: an EPCI, its member communes, their services and baseline.

A :class:`Territory` is an immutable bundle of validated tables (see
:mod:`mutusim.core.schema` for every column). Build one with
:func:`mutusim.load_territory`, :mod:`mutusim.inputs.datasets`, or
:func:`mutusim.territory_from_frames` from your own DataFrames; all three
validate every table before anything is built (PRODUCT.md D2).
"""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from mutusim.core.schema import EPCI_PARTY
from mutusim.errors import MutusimError, NotFoundError

__all__ = ["Territory", "content_digest", "table_values"]


def table_values(frame: pd.DataFrame) -> tuple[object, ...]:
    """A table's whole content as plain values: index, columns, types and cells.

    Parameters
    ----------
    frame : DataFrame

    Returns
    -------
    tuple
        Plain Python values, pickled the same in any process.
    """
    return (
        list(frame.index),
        list(frame.columns),
        [str(t) for t in frame.dtypes],
        [frame[c].tolist() for c in frame.columns],
    )


def content_digest(parts: object) -> str:
    """A digest of plain values (:func:`table_values`, strings, numbers, tuples, lists).

    Parameters
    ----------
    parts : object
        Plain values.

    Returns
    -------
    str
        40 hexadecimal digits.
    """
    return hashlib.blake2b(pickle.dumps(parts, protocol=4), digest_size=20).hexdigest()


@dataclass(frozen=True, eq=False)
class Territory:
    """Validated input of the model.

    Attributes
    ----------
    epci : dict
        ``siren``, ``name``, ``nature`` (CC/CA/CU/METRO/MET69), ``fiscalite`` (FPU/FA).
    communes : DataFrame
        Indexed by INSEE code ``commune``: ``name``, ``population`` [inhabitants],
        ``polarity`` [bool], ``potentiel_financier`` [EUR/inhabitant].
    services : DataFrame
        Indexed by ``service``: ``name``, ``domain``, ``unit``, ``transferable``
        [bool], ``mandatory_for`` [tuple of natures].
    baseline : DataFrame
        Indexed by (``service``, ``commune``), sorted: ``fte`` [FTE], ``cost``
        [EUR/year], ``units`` [units/year], ``level`` [0-100], ``arrangement``.
    modes : DataFrame
        Indexed by (``service``, ``mode``) with mode in share/transfer: the
        pooled-unit parameters of :data:`mutusim.core.schema.MODE_PARAMS`.

    Do not call the constructor directly: use
    :func:`mutusim.territory_from_frames`, which validates, or a loader.
    """

    epci: dict[str, Any]
    communes: pd.DataFrame
    services: pd.DataFrame
    baseline: pd.DataFrame
    modes: pd.DataFrame

    @classmethod
    def from_validated(
        cls,
        epci: dict[str, Any] | pd.DataFrame,
        communes: pd.DataFrame,
        services: pd.DataFrame,
        baseline: pd.DataFrame,
        modes: pd.DataFrame,
    ) -> Territory:
        """Assemble tables already validated and typed by :mod:`mutusim.inputs.validation`.

        Use :func:`mutusim.territory_from_frames` or a loader to build a territory
        from raw tables: they validate first.

        Parameters
        ----------
        epci : dict or DataFrame
            The EPCI (one row).
        communes, services, baseline, modes : DataFrame
            Typed, indexed tables.

        Returns
        -------
        Territory
        """
        if isinstance(epci, pd.DataFrame):
            epci = epci.iloc[0].to_dict()
        return cls(
            epci=dict(epci),
            communes=communes,
            services=services,
            baseline=baseline.sort_index(),
            modes=modes.sort_index(),
        )

    # ------------------------------------------------------------- accessors
    @property
    def name(self) -> str:
        """Name of the EPCI."""
        return str(self.epci["name"])

    @property
    def nature(self) -> str:
        """Legal category of the EPCI (CC, CA, CU, METRO, MET69)."""
        return str(self.epci["nature"])

    @property
    def population(self) -> int:
        """Population of the member communes [inhabitants]."""
        return int(self.communes["population"].sum())

    @property
    def commune_codes(self) -> list[str]:
        """INSEE codes of the communes, in table order."""
        return [str(c) for c in self.communes.index]

    @property
    def service_codes(self) -> list[str]:
        """Codes of the services, in table order."""
        return [str(s) for s in self.services.index]

    def is_mandatory(self, service: str) -> bool:
        """True if the competence is mandatory by law for this EPCI's nature (DOMAIN.md §1.1).

        Parameters
        ----------
        service : str
            A service code.

        Returns
        -------
        bool
        """
        return self.nature in self.services.at[service, "mandatory_for"]

    # -------------------------------------------------------------- perimeter
    def subset(
        self,
        communes: Iterable[str] | None = None,
        services: Iterable[str] | None = None,
        max_population: int | None = None,
    ) -> Territory:
        """Restrict the territory to a perimeter of communes and services.

        Parameters
        ----------
        communes : iterable of str, optional
            INSEE codes to keep (default: all).
        services : iterable of str, optional
            Service identifiers to keep (default: all).
        max_population : int, optional
            Keep only communes with at most this population [inhabitants], e.g.
            4500 for the deck's "communes de moins de 4 500 habitants".

        Returns
        -------
        Territory

        Raises
        ------
        NotFoundError
            An unknown commune or service code.
        MutusimError
            Nothing left in the perimeter.

        Examples
        --------
        >>> import mutusim as ms
        >>> small = ms.examples.tiny().subset(max_population=2000)
        >>> list(small.communes.index)
        ['49002', '49003']
        """
        keep_c = list(self.communes.index) if communes is None else [str(c) for c in communes]
        keep_s = list(self.services.index) if services is None else [str(s) for s in services]
        unknown = [c for c in keep_c if c not in self.communes.index]
        unknown += [s for s in keep_s if s not in self.services.index]
        if unknown:
            raise NotFoundError(
                f"subset(): unknown commune or service code(s) {unknown}; "
                f"use codes from territory.communes.index / territory.services.index."
            )
        communes_df = self.communes.loc[keep_c]
        if max_population is not None:
            communes_df = communes_df[communes_df["population"] <= max_population]
        if communes_df.empty:
            raise MutusimError("subset(): no commune left in the perimeter; widen the selection.")
        if not keep_s:
            raise MutusimError("subset(): no service left in the perimeter; widen the selection.")
        cset, sset = set(communes_df.index), set(keep_s)
        b = self.baseline
        # the EPCI's own services stay: the EPCI is a party of every perimeter
        b = b[
            b.index.get_level_values("service").isin(sset)
            & b.index.get_level_values("commune").isin(cset | {EPCI_PARTY})
        ]
        m = self.modes[self.modes.index.get_level_values("service").isin(sset)].copy()
        if "host" in m.columns:
            # a unit hosted by a commune left out of the perimeter is hosted by the EPCI
            m.loc[~m["host"].isin(cset | {EPCI_PARTY}), "host"] = EPCI_PARTY
        return Territory.from_validated(
            self.epci, communes_df.copy(), self.services.loc[keep_s].copy(), b.copy(), m
        )

    def equals(self, other: Territory) -> bool:
        """True if both territories hold the same data.

        Parameters
        ----------
        other : Territory
            Another territory.

        Returns
        -------
        bool
        """
        if self.epci != other.epci:
            return False
        pairs = [
            (self.communes, other.communes),
            (self.services, other.services),
            (self.baseline, other.baseline),
            (self.modes, other.modes),
        ]
        return all(a.equals(b) for a, b in pairs)

    def digest(self) -> str:
        """A digest of the whole content: equal data give equal digests, in any process.

        Built from plain values (the EPCI's record; each table's index, columns, types
        and cells), not from pandas' own pickling, so a file that records it (the journal
        of :func:`mutusim.robustness`) is read again after a restart.

        Returns
        -------
        str
            40 hexadecimal digits.
        """
        tables = (self.communes, self.services, self.baseline, self.modes)
        return content_digest(
            (repr(sorted(self.epci.items())), *(table_values(f) for f in tables))
        )

    # --------------------------------------------------------------- display
    def summary(self) -> pd.DataFrame:
        """Per-service totals of the baseline: FTE [FTE], cost [EUR/year], units, communes running it."""
        b = self.baseline
        g = b.groupby(level="service")
        out = pd.DataFrame(
            {
                "fte": g["fte"].sum(),
                "cost": g["cost"].sum(),
                "units": g["units"].sum(),
                "communes": g["cost"].apply(lambda s: int((s > 0).sum())),
            }
        )
        out.insert(0, "name", self.services["name"].reindex(out.index))
        return out

    def __repr__(self) -> str:
        return (
            f"<Territory {self.name} ({self.nature}, siren {self.epci['siren']}): "
            f"{len(self.communes)} communes, {self.population:,} inhabitants, "
            f"{len(self.services)} services>"
        )
