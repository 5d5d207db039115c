"""What a constraint family reads: the named column blocks, the build context and the inputs of
operations mode.

Every family of :mod:`fleetplan.optimize.families` is a function of one :class:`Context`; the
builder (:func:`fleetplan.optimize.formulation.build_model`) fills it with the scenario's tables and
the columns, then hands it to each registered family in turn.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
import pandas as pd
import scipy.sparse as sp

from fleetplan.catalog.hardware import resolve_accelerator
from fleetplan.model.scenario import Scenario
from fleetplan.model.team import stack_for
from fleetplan.optimize.sparse import ColumnBlock, SparseModel

__all__ = ["Context", "Operations", "Var", "slack_block"]


class Var(StrEnum):
    """The model's column blocks; each value is the block's name in ``SparseModel.columns``."""

    PLACEMENT = "y"
    """y[w,o,t] >= 0: amount of option o used by w in t (replicas, integer, or accelerator-hours)."""
    ON_DEMAND = "h"
    """h[k,t] >= 0: on-demand accelerator-hours of pricing pool k."""
    DRAW = "rho"
    """rho[k,r,t] >= 0: accelerator-hours pool k draws from reservation r."""
    COMMITTED = "e"
    """e[c,t] >= 0: accelerator-hours existing reservation c runs in t (at most count x accelerators x H)."""
    CREDIT = "sp"
    """sp[c,v,t] >= 0: on-demand spend (USD) of chip vendor v savings plan c covers in t (together
    at most C / (1 - discount))."""
    RESERVE = "n"
    """n[o,s] >= 0: instances of reserved option o whose term starts in s (integer)."""
    BUY = "b"
    """b[i,k,s] >= 0: servers of type k ordered for site i in s (integer)."""
    GANG = "z"
    """z[w,g] in {0,1}: gang placement of a training run on group g."""
    ONBOARD = "u"
    """u[p] in {0,1}: provider p onboarded."""
    COUNTED = "q"
    """q[w,p] in {0,1}: critical workload w counts provider p toward its diversity minimum."""
    SERVED = "s"
    """s[w] in {0,1}: optional workload w is served."""
    UNSERVED = "unserved"
    """Operations mode: share of a coverage row's demand left unserved, in [0, 1]."""
    PROVIDER_SPEND = "share_spend_provider"
    """Share caps: spend per provider (free, scaled), one column per owner."""
    VENDOR_SPEND = "share_spend_vendor"
    """Share caps: spend per chip vendor (free, scaled), one column per owner."""
    ROLLOUT_START = "rollout_start"
    """Rollout: r[e,t] in {0,1}, the use of new entity e (provider, vendor, accelerator) has begun by t."""
    ROLLOUT_TOTAL = "rollout_total"
    """Rollout: accelerators in service in t over every placement (free), for share-based pilot caps."""
    ADOPTED = "adopt"
    """a[k,t] in {0,1}: software stack k adopted by period t (monotone in t; only with a ``team``)."""


def slack_block(slack: str) -> str:
    """Name of the column block of elastic slack ``slack`` (one of a family's ``slacks``)."""
    return f"slack_{slack}"


@dataclass(frozen=True)
class Operations:
    """Operations-only mode (contingency re-planning): investments are fixed, policies set aside.

    Reservations and purchases are fixed to the given amounts (zero where absent), only the given
    providers may be used (no onboarding mid-incident), and the families registered with
    ``in_operations=False`` (share caps, budgets, carbon budgets, diversity, N-1) are not built.
    Unmet demand is allowed (column block ``unserved``, one per coverage row) at ``unserved_usd``
    of its (workload index, period index) for the whole period's demand, or at
    ``unserved_penalty_usd`` where that has no entry.

    ``served_optional``: the optional workloads that must stay served (their ``s`` fixed to 1;
    every other optional workload is fixed to 0); None leaves ``s`` free. ``relax_placement``:
    a training run may spread over several placement groups (``placement_one`` becomes
    ``sum_g z[w,g] >= 1``), e.g. to migrate while capacity is lost.
    """

    reservations: Mapping[tuple[int, int], int]  # (option_id, start t) -> instances
    purchases: Mapping[tuple[str, str, int], int]  # (site, server_type, order t) -> servers
    onboarded: frozenset[str]
    unserved_penalty_usd: float = 1e9
    unserved_usd: Mapping[tuple[int, int], float] = field(default_factory=dict)
    served_optional: frozenset[str] | None = None
    relax_placement: bool = False
    adopted: Mapping[str, int] = field(default_factory=dict)
    """Software stacks the plan adopts: stack -> period index its adoption starts (``a`` fixed to 1
    from there on, 0 before; every other stack to adopt stays unadopted, as onboarding does)."""


def _empty() -> pd.DataFrame:
    return pd.DataFrame()


@dataclass
class Context:
    """The build context: inputs, tables and column blocks every constraint family reads.

    The tables map column blocks back to the scenario: one row per column of ``y``
    (``cand``), ``rho`` (``pool_draws``), ``e`` (``commitment_draws``), ``sp`` (``credits``),
    ``n`` (``reservations``), ``b`` (``purchases``),
    ``z`` (``groups``), ``u`` (``onboard``), ``q`` (``diversity``) and ``s`` (``optional``); one
    per (pricing pool, period) for ``h`` (``pool_periods``). ``spend`` is complete before the
    first family runs: every column that carries spend is defined with the columns.
    """

    sc: Scenario
    cand: pd.DataFrame
    options: pd.DataFrame
    m: SparseModel
    avail: pd.Series  # accelerators per option_id (as the candidate table states it)
    T: int  # periods
    H: float  # hours per period
    ppy: float  # periods per year
    first: int  # the first period's index (see ``parse_period``)
    d: np.ndarray  # discount factor per period
    elastic: bool = False
    operations: Operations | None = None
    col: dict[Var, ColumnBlock] = field(default_factory=dict)
    pools: pd.DataFrame = field(default_factory=_empty)  # (site, server type): existing servers by period
    pool_periods: pd.DataFrame = field(default_factory=_empty)
    pool_draws: pd.DataFrame = field(default_factory=_empty)
    reservations: pd.DataFrame = field(default_factory=_empty)
    purchases: pd.DataFrame = field(default_factory=_empty)
    commitment_draws: pd.DataFrame = field(default_factory=_empty)
    """One row per e column: commitment, option_id (the instance's on-demand option), t_idx,
    provider, vendor, hours (capacity), usd_per_accelerator_hour (the on-demand rate it saves)."""
    credits: pd.DataFrame = field(default_factory=_empty)
    """One row per sp column: commitment, provider, vendor (the credit's owner), t_idx, limit_usd
    (C / (1 - discount), the savings plan's, shared by its vendors' columns)."""
    committed: pd.DataFrame = field(default_factory=_empty)
    """Constants: one row per (commitment, covered period): commitment, kind, provider, vendor
    ('' for savings plans), t_idx, usd."""
    groups: pd.DataFrame = field(default_factory=_empty)
    onboard: pd.DataFrame = field(default_factory=_empty)
    diversity: pd.DataFrame = field(default_factory=_empty)
    optional: pd.DataFrame = field(default_factory=_empty)
    adoption: pd.DataFrame = field(default_factory=_empty)
    """One row per a column: stack, t_idx, level, cost_usd, lead (see :mod:`fleetplan.model.team`)."""
    served: dict[int, int] = field(default_factory=dict)  # optional workload index -> column of s
    spend: sp.csr_matrix | None = None  # periods x columns, undiscounted USD
    fixed: pd.DataFrame = field(default_factory=_empty)  # period x provider: existing opex + commitments
    owner: dict[str, np.ndarray] = field(default_factory=dict)
    """``provider`` and ``vendor``: who each column's spend goes to ('' for none), one entry per
    column of ``spend``."""
    penalty: float = 0.0  # elastic slacks' cost per unit
    # accumulated while the columns are defined / the families are built
    spend_parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=list)
    extra: dict[int, float] = field(default_factory=dict)  # objective terms beyond discounted spend
    slack_rows: list[dict[str, object]] = field(default_factory=list)
    unserved: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["w_idx", "t_idx", "col"]))

    def add_spend(self, t: np.ndarray, col: np.ndarray, usd: np.ndarray) -> None:
        """Record spend (undiscounted USD) of columns ``col`` in periods ``t``."""
        self.spend_parts.append(
            (np.asarray(t, dtype=np.int64), np.asarray(col, dtype=np.int64), np.asarray(usd, dtype=float))
        )

    def row_stacks(self) -> np.ndarray:
        """The software stack each candidate row's accelerator needs (:func:`~fleetplan.model.team.stack_for`;
        '' for none), one entry per row of ``cand``."""
        names = self.cand["accelerator"].astype(str)
        of = {a: stack_for(resolve_accelerator(a)) or "" for a in names.unique()}
        return names.map(of).to_numpy(dtype=object)

    def spend_matrix(self, n_cols: int) -> sp.csr_matrix:
        """The recorded spend as a periods x ``n_cols`` matrix (duplicates summed)."""
        r, c, v = (np.concatenate([p[i] for p in self.spend_parts]) for i in range(3))
        return sp.csr_matrix((v, (r, c)), shape=(self.T, n_cols))

    def slack(self, name: str, labels: list[dict[str, object]], sign: float) -> tuple[np.ndarray, np.ndarray]:
        """Elastic mode: one penalized slack column per row of slack ``name``; returns the columns
        and their coefficient sign (+1 on a ``>=`` row, -1 on a ``<=`` row)."""
        block = self.m.add_columns(slack_block(name), len(labels), cost=self.penalty)
        for lab in labels:
            self.slack_rows.append({"family": name, **lab})
        return block.idx(np.arange(len(labels))), np.full(len(labels), sign)
