"""The family registry: every family is classified, the built models hold only registered rows in
registry order, and what warm start, explain and operations mode know of families comes from it."""

from __future__ import annotations

import inspect
import re
from dataclasses import replace

import pytest

from fleetplan.optimize import explain, warm_start
from fleetplan.optimize.context import Context, Var, slack_block
from fleetplan.optimize.families import FAMILIES, Family, family, row, rows_of, slacks_of
from fleetplan.optimize.formulation import build_model
from tests.optimize.test_fingerprint import _cuda_shop, _example, _inputs

WORKLOAD_ROWS = {
    "coverage",
    "coverage_served",
    "placement_link",
    "placement_one",
    "onboarding_link",
    "onboarding_implied",
    "skills_link",
    "diversity_share",
    "diversity_count",
    "diversity_others",
    "n_minus_1",
}
"""The rows the rounded start treats as one workload's own (its hand-kept list before the registry)."""


def _doc_tags(f: Family) -> dict[str, str]:
    doc = " ".join((f.build.__doc__ or "").split())
    m = re.search(r"Rows: (.+?) Switch: (.+?) Scope: (\w+)\. Ops mode: (on|off)\b", doc)
    assert m, f"{f.name}: docstring must end with 'Rows: … Switch: … Scope: … Ops mode: …'"
    return {"rows": m[1], "switch": m[2], "scope": m[3], "ops": m[4]}


@pytest.mark.parametrize("f", FAMILIES, ids=lambda f: f.name)
def test_every_family_is_classified_and_says_so_in_its_docstring(f: Family) -> None:
    assert f.scope in ("workload", "shared")
    assert f.elastic_sign in (-1, 0, 1)
    assert isinstance(f.in_operations, bool)
    assert f.rows and all(isinstance(r, str) for r in f.rows)
    assert bool(f.slacks) == (f.elastic_sign != 0)
    assert list(inspect.signature(f.build).parameters) == ["ctx"]
    tags = _doc_tags(f)
    assert tags["scope"] == f.scope
    assert tags["ops"] == ("on" if f.in_operations else "off")


def test_names_rows_and_slacks_are_unique() -> None:
    for items in ([f.name for f in FAMILIES], rows_of(), slacks_of()):
        assert len(items) == len(set(items))
    assert family("coverage").build.__name__ == "coverage"
    assert row("coverage") == "coverage"
    with pytest.raises(KeyError):
        row("no_such_rows")
    with pytest.raises(KeyError):
        rows_of(names=("no_such_family",))


@pytest.mark.parametrize("kind", ["plain", "elastic", "operations"])
def test_built_rows_are_registered_and_in_registry_order(kind: str) -> None:
    from fleetplan.optimize.context import Operations

    sc = _cuda_shop(_example())  # with a team: the software stacks' rows too
    cand, options = _inputs(sc)
    kw = {"elastic": {"elastic": True}, "operations": {"operations": Operations({}, {}, frozenset())}}.get(kind, {})
    m = build_model(sc, cand, options, **kw).model
    order = list(rows_of())
    built = list(m.rows)
    assert set(built) <= set(order)
    assert built == sorted(built, key=order.index)
    if kind == "operations":  # operations mode builds exactly the families registered for it
        skipped = rows_of(names=[f.name for f in FAMILIES if not f.in_operations])
        assert not set(built) & set(skipped)
        assert Var.UNSERVED in m.columns
    slacks = {name for name in m.columns if name.startswith("slack_")}
    assert slacks <= {slack_block(s) for s in slacks_of()}
    if kind == "elastic":
        assert slacks


def test_warm_start_and_explain_take_their_families_from_the_registry() -> None:
    assert set(warm_start._LOCAL_ROWS) == set(rows_of(scope="workload")) == WORKLOAD_ROWS
    assert set(warm_start._CAPACITY_ROWS) == {"owned_capacity", "availability"}
    # every elastic slack of every registered family has its sentence
    assert set(explain._REASONS) == set(slacks_of())


def test_a_family_added_to_the_registry_is_seen() -> None:
    def extra(ctx: Context) -> None:
        """A new family. Rows: extra. Switch: always. Scope: workload. Ops mode: off."""

    new = Family("extra", extra, "workload", +1, False, ("extra_rows",), ("extra_slack",))
    more = (*FAMILIES, new)
    assert "extra_rows" in rows_of(scope="workload", families=more)
    assert "extra_rows" not in rows_of(scope="shared", families=more)
    assert "extra_slack" in slacks_of(more)
    assert rows_of(names=("extra",), families=more) == ("extra_rows",)
    # and the registry's checks apply to it
    test_every_family_is_classified_and_says_so_in_its_docstring(new)
    with pytest.raises(AssertionError):
        test_every_family_is_classified_and_says_so_in_its_docstring(replace(new, scope="shared"))
