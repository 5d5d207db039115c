"""The dashboard in process (TestClient): every endpoint, its errors, and the safety rules.

One app per module holds the carbon-budget example with one finished plan (a 10 s limit; it plans in
about 6 s with the solver process's start), so most tests only read.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from fleetplan.cli import main
from fleetplan.cli.serve import check_bind
from fleetplan.errors import InputError
from fleetplan.serve.app import MAX_UPLOAD_BYTES, create_app

HOSTILE = "<script>alert(1)</script>"
LOCAL = "http://127.0.0.1"
FINAL = ("done", "failed", "cancelled")


def wait(client: TestClient, run_id: int, timeout_s: float = 40.0) -> dict:
    """Poll a run until it ends."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        run = client.get(f"/api/runs/{run_id}").json()
        if run["state"] in FINAL:
            return run
        time.sleep(0.2)
    raise AssertionError(f"run {run_id} still {run['state']} after {timeout_s} s")


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    db = tmp_path_factory.mktemp("api") / "dash.db"
    with TestClient(create_app(f"sqlite:///{db}"), base_url=LOCAL) as c:
        yield c


@pytest.fixture(scope="module")
def planned(client: TestClient, example_text: str) -> dict:
    """The example saved, then hostile-named as version 2, with one finished plan of version 1."""
    r = client.post("/api/scenarios", content=example_text, headers={"content-type": "application/yaml"})
    assert r.status_code == 201, r.text
    sid = r.json()["scenario_id"]
    hostile = example_text.replace("name: Fabrikam carbon budget 2027", f"name: '{HOSTILE} & \"Co\"'", 1)
    assert hostile != example_text
    r = client.put(f"/api/scenarios/{sid}", content=hostile)
    assert (r.status_code, r.json()["version"]) == (201, 2)
    r = client.post(f"/api/scenarios/{sid}/runs", json={"version": 1, "time_limit_s": 10})
    assert r.status_code == 202 and r.json()["state"] in ("queued", "running")
    run = wait(client, r.json()["id"])
    assert run["state"] == "done", run
    return {"scenario_id": sid, "run": run, "plan_id": run["plan_id"]}


def test_scenario_api(client: TestClient, planned: dict) -> None:
    sid = planned["scenario_id"]
    listed = {s["id"]: s for s in client.get("/api/scenarios").json()}
    assert listed[sid]["versions"] == 2 and listed[sid]["name"].startswith(HOSTILE)
    detail = client.get(f"/api/scenarios/{sid}").json()
    assert [v["version"] for v in detail["versions"]] == [1, 2]
    assert detail["plans"][0]["id"] == planned["plan_id"]
    yaml_v1 = client.get(f"/api/scenarios/{sid}/versions/1/yaml")
    assert yaml_v1.status_code == 200 and "Fabrikam carbon budget 2027" in yaml_v1.text
    assert "attachment" in yaml_v1.headers["content-disposition"]
    history = client.get(f"/api/scenarios/{sid}/history").json()
    assert history[0]["best_plan_id"] == planned["plan_id"] and history[0]["total_usd"] > 0
    assert history[1]["total_usd"] is None
    for url in ("/api/scenarios/999", "/api/scenarios/999/history", f"/api/scenarios/{sid}/versions/9/yaml"):
        assert client.get(url).status_code == 404, url


def test_an_invalid_scenario_is_422_with_lines(client: TestClient) -> None:
    r = client.post("/api/scenarios", content="schema: fleetplan.scenario/1\nname: x\nhorizon: 3\n")
    assert r.status_code == 422
    assert {(e["line"], e["path"]) for e in r.json()["errors"]} >= {(3, "horizon")}
    assert client.post("/api/scenarios", content=b"\xff\xfe bad").status_code == 422
    assert client.post("/api/scenarios", content="a: [unclosed\n").status_code == 422
    assert client.put("/api/scenarios/999", content="x: 1").status_code == 422


def test_run_and_plan_api(client: TestClient, planned: dict) -> None:
    run = planned["run"]
    assert run["plan_id"] and run["incumbent_usd"] and run["finished_at"]
    assert any(r["id"] == run["id"] for r in client.get("/api/runs").json())
    pid = planned["plan_id"]
    key = client.get(f"/api/plans/{pid}").json()
    assert key["verified"] is True and key["total_usd"] > 0
    doc = client.get(f"/api/plans/{pid}/document").json()
    assert doc["schema"] == "fleetplan.plan/1" and doc["totals"]["total_usd"] == key["total_usd"]
    assert any(p["id"] == pid for p in client.get("/api/plans").json())
    diff = client.get(f"/api/compare?old={pid}&new={pid}").json()
    assert diff["schema"] == "fleetplan.diff/1" and diff["total"]["delta_usd"] == 0
    assert client.post(f"/api/runs/{run['id']}/cancel").status_code == 409
    for url in ("/api/runs/999", "/api/plans/999", "/api/plans/999/document", f"/api/compare?old={pid}&new=999"):
        assert client.get(url).status_code == 404, url
    assert client.post("/api/runs/999/cancel").status_code == 404
    assert client.post("/api/scenarios/999/runs", json={}).status_code == 404
    sid = planned["scenario_id"]
    for body in ({"time_limit_s": 0}, {"time_limit_s": "x"}, {"mip_rel_gap": 2}, {"version": "1"}):
        assert client.post(f"/api/scenarios/{sid}/runs", json=body).status_code == 422, body


def test_a_run_can_be_cancelled(client: TestClient, planned: dict) -> None:
    r = client.post(f"/api/scenarios/{planned['scenario_id']}/runs", json={"time_limit_s": 60})
    run_id = r.json()["id"]
    r = client.post(f"/api/runs/{run_id}/cancel")
    assert r.status_code == 200 and r.json()["state"] == "cancelled"
    assert wait(client, run_id)["state"] == "cancelled"


def test_pages(client: TestClient, planned: dict) -> None:
    sid, pid, rid = planned["scenario_id"], planned["plan_id"], planned["run"]["id"]
    pages = {
        "/scenarios": "Add a scenario",
        f"/scenarios/{sid}": "History",
        f"/scenarios/{sid}?version=1": "Plan version 1",
        f"/runs/{rid}": "Open the plan",
        "/runs": f"run {rid}",
        "/plans": f"plan {pid}",
        f"/plans/{pid}": 'class="chart"',
        f"/compare?old={pid}&new={pid}": "workloads",
    }
    for url, text in pages.items():
        r = client.get(url)
        assert r.status_code == 200 and text in r.text, url
        assert HOSTILE not in r.text, url
        assert "default-src 'none'" in r.headers["content-security-policy"]
    assert client.get("/", follow_redirects=False).headers["location"] == "/scenarios"
    assert client.get("/assets/run.js").headers["content-type"].startswith("text/javascript")
    j = client.get(f"/plans/{pid}/plan.json")
    assert j.json()["schema"] == "fleetplan.plan/1" and "attachment" in j.headers["content-disposition"]
    h = client.get(f"/plans/{pid}/report.html")
    assert h.text.startswith("<!DOCTYPE html>") and "attachment" in h.headers["content-disposition"]
    for url in ("/scenarios/999", "/runs/999", "/plans/999", f"/compare?old={pid}&new=999", "/scenarios/x"):
        assert client.get(url).status_code in (404, 422), url


def test_hostile_scenario_names_are_escaped(client: TestClient, planned: dict) -> None:
    page = client.get(f"/scenarios/{planned['scenario_id']}").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Co&quot;" in page
    assert "<script>alert" not in page
    listing = client.get("/scenarios").text
    assert "&lt;script&gt;" in listing and "<script>alert" not in listing


def test_upload_edit_and_run_forms(client: TestClient, example_text: str) -> None:
    r = client.post("/scenarios", files={"file": ("x.yaml", example_text.encode(), "application/yaml")})
    assert r.status_code == 200 and "Plan version 1" in r.text  # followed the 303
    sid = int(str(r.url).rstrip("/").rsplit("/", 1)[1])
    bad = client.post("/scenarios", data={"text": f"name: {HOSTILE}\nhorizon: 3\n"})
    assert bad.status_code == 422
    assert 'id="L2"' in bad.text and "horizon" in bad.text and "<script>alert" not in bad.text
    assert client.post("/scenarios", data={"text": "  "}).status_code == 422
    edited = client.post(f"/scenarios/{sid}", data={"text": example_text.replace("2027", "2027 edited", 1)})
    assert edited.status_code == 200 and "2 versions" in edited.text
    bad_edit = client.post(f"/scenarios/{sid}", data={"text": "horizon: [\n"})
    assert bad_edit.status_code == 422 and "The scenario has errors" in bad_edit.text
    started = client.post(f"/scenarios/{sid}/runs", data={"version": "2", "time_limit_s": "30"}, follow_redirects=False)
    assert started.status_code == 303 and started.headers["location"].startswith("/runs/")
    run_id = int(started.headers["location"].rsplit("/", 1)[1])
    page = client.get(f"/runs/{run_id}").text
    assert 'data-api="/api/runs/' in page and "Cancel run" in page and "/assets/run.js" in page
    assert client.post(f"/runs/{run_id}/cancel", follow_redirects=False).status_code == 303
    assert wait(client, run_id)["state"] == "cancelled"


def test_uploads_over_5_mb_are_413(client: TestClient) -> None:
    big = b"#" * (MAX_UPLOAD_BYTES + 1)
    assert client.post("/api/scenarios", content=big).status_code == 413
    assert client.post("/scenarios", files={"file": ("x.yaml", big, "application/yaml")}).status_code == 413

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        for _ in range(6):
            yield b"#" * (1024 * 1024)

    assert client.post("/api/scenarios", content=chunks()).status_code == 413


def test_foreign_hosts_and_cross_site_posts_are_refused(client: TestClient) -> None:
    assert client.get("/api/scenarios", headers={"host": "evil.example"}).status_code == 421
    r = client.post("/api/scenarios", content="x: 1", headers={"origin": "http://evil.example"})
    assert r.status_code == 403


def test_the_openapi_document_lists_the_api(client: TestClient) -> None:
    paths = client.get("/api/openapi.json").json()["paths"]
    assert {"/api/scenarios", "/api/runs/{run_id}", "/api/plans/{plan_id}/document", "/api/compare"} <= set(paths)
    assert not any(p.startswith(("/scenarios", "/plans")) for p in paths)
    assert client.get("/docs").status_code == 404  # its pages load from a CDN


def test_a_token_is_checked_on_every_request(tmp_path: Path) -> None:
    with TestClient(create_app(f"sqlite:///{tmp_path / 't.db'}", token="s3cret"), base_url="http://10.0.0.5") as c:
        for url in ("/api/scenarios", "/scenarios", "/api/openapi.json", "/assets/run.js", "/plans/1"):
            assert c.get(url).status_code == 401, url
        assert c.post("/api/scenarios", content="x").status_code == 401
        assert c.get("/api/scenarios", headers={"authorization": "Bearer wrong"}).status_code == 401
        assert c.get("/api/scenarios", headers={"authorization": "Bearer s3cret"}).status_code == 200
        assert c.get("/api/scenarios", headers={"x-fleetplan-token": "s3cret"}).status_code == 200
        assert c.post("/login", data={"token": "nope"}).status_code == 401
        r = c.post("/login", data={"token": "s3cret"}, follow_redirects=False)
        assert r.status_code == 303 and "httponly" in r.headers["set-cookie"].lower()
        assert c.get("/scenarios").status_code == 200  # the cookie now
    with pytest.raises(InputError):
        create_app(f"sqlite:///{tmp_path / 't.db'}", token="")


def test_a_non_local_bind_needs_a_token() -> None:
    for host in ("0.0.0.0", "192.168.1.4", "::", "example.org"):
        with pytest.raises(InputError, match="without a token"):
            check_bind(host, None)
        check_bind(host, "t")
    for host in ("127.0.0.1", "localhost", "::1", "127.0.0.2"):
        check_bind(host, None)
    assert main(["serve", "--host", "0.0.0.0", "--port", "1"]) == 2
