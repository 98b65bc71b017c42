"""Votes on transfers: who votes for, and which councils block (L5211-5 II).

The votes themselves are computed by :func:`mutusim.core.law.vote_tables`
and carried by every result (``Result.votes``, ``Result.majorities``).
"""

from __future__ import annotations

import pandas as pd

from mutusim.core.result import Result
from mutusim.errors import NotFoundError

__all__ = ["blocking_communes"]


def blocking_communes(result: Result, service: str) -> pd.DataFrame:
    """Communes whose council votes against transferring ``service``, most populous first.

    Answers "which communes block this transfer": if the majority fails,
    these are the councils to convince (the most populous one first when it
    holds a veto).

    Parameters
    ----------
    result : Result
        Any result (votes do not depend on the plan).
    service : str
        A transferable service code.

    Returns
    -------
    DataFrame
        Rows of ``result.votes`` with ``vote`` false.

    Raises
    ------
    NotFoundError
        The service is not a transferable, non-mandatory service of the territory.
    """
    known = sorted(set(result.votes["service"]))
    if service not in known:
        raise NotFoundError(
            f"no vote on '{service}': it is not a transferable service of this territory "
            f"(transferable: {known})"
        )
    v = result.votes[(result.votes["service"] == service) & ~result.votes["vote"].astype(bool)]
    return v.sort_values("population", ascending=False).reset_index(drop=True)
