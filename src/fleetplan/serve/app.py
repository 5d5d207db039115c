"""The dashboard's FastAPI application: a JSON API (OpenAPI at ``/api/openapi.json``) and HTML pages.

Contract of :func:`create_app`: it opens (and migrates) the store, marks runs a previous server
left ``queued`` or ``running`` as failed, and starts a pool of ``max_concurrent_solves`` solver
processes; the pool stops with the app. Every request is checked before it reaches a route:

* with a token, the ``Authorization: Bearer`` or ``X-Fleetplan-Token`` header or the session
  cookie set by ``/login`` must carry it (constant-time compare), else 401;
* without a token, only a loopback ``Host`` is served (a DNS-rebinding page cannot read the API);
* a state-changing request whose ``Origin`` is another site is refused (403);
* a body over :data:`MAX_UPLOAD_BYTES` is refused with 413 before it is read in full.

Scenario YAML goes through :func:`fleetplan.load.load_scenario_text`, the hostile-input-safe
loader; no value from a request is ever used as a file path; everything shown is escaped
(:mod:`fleetplan.serve.pages`). The interactive OpenAPI pages are off (they load scripts from a CDN).
"""

from __future__ import annotations

import hmac
import ipaddress
import json
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fleetplan._format import money
from fleetplan.errors import FleetplanError, InputError
from fleetplan.report.html import SCRIPT_SOURCE as REPORT_SCRIPT
from fleetplan.serve import pages
from fleetplan.serve.store import PlanRecord, Store
from fleetplan.serve.worker import RunPool

__all__ = [
    "COOKIE",
    "LOOPBACK_HOSTS",
    "MAX_UPLOAD_BYTES",
    "BodyLimit",
    "create_app",
    "is_loopback",
    "validate_scenario",
]

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
COOKIE = "fleetplan_token"
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
MAX_TIME_LIMIT_S = 86_400.0
REPORT_CACHE = 16
_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_YAML_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/yaml": {"schema": {"type": "string"}}, "text/plain": {"schema": {"type": "string"}}},
    }
}
_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    f"script-src 'self' {REPORT_SCRIPT}; connect-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


def is_loopback(host: str) -> bool:
    """``host`` (a name or an address) is this machine only: ``localhost``, 127.0.0.0/8, ``::1``."""
    host = host.strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class BodyLimit:
    """ASGI middleware: 413 for a request body over ``limit`` bytes (declared, or counted as it arrives);
    a body within the limit is read in full, then handed to the app."""

    def __init__(self, app: ASGIApp, limit: int = MAX_UPLOAD_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        declared = headers.get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await _too_large(scope, receive, send, self.limit)
            return
        chunks: list[bytes] = []
        seen = 0
        more = scope["method"] not in ("GET", "HEAD")
        while more:  # read the whole body (at most ``limit`` bytes) before the app sees any of it
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            chunk = message.get("body", b"")
            seen += len(chunk)
            if seen > self.limit:
                await _too_large(scope, receive, send, self.limit)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


async def _too_large(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
    response = JSONResponse({"detail": f"request body larger than {limit // (1024 * 1024)} MB"}, status_code=413)
    response.headers["Connection"] = "close"
    await response(scope, receive, send)


def validate_scenario(text: str, file: str = "scenario.yaml") -> tuple[str | None, list[dict[str, Any]]]:
    """Load ``text`` with the safe loader: ``(scenario name, [])`` or ``(None, problems)``, each problem
    ``{"line", "path", "message"}`` (line and path None when unknown)."""
    from fleetplan.load import load_scenario_text

    try:
        sc = load_scenario_text(text, file=file)
    except FleetplanError as exc:
        problems = getattr(exc, "errors", None) or [exc]
        return None, [
            {
                "line": getattr(p, "line", None),
                "path": getattr(p, "path", None),
                "message": p.message if isinstance(p, InputError) else str(p),
            }
            for p in problems
        ]
    return sc.name, []


def _decode(data: bytes) -> tuple[str | None, list[dict[str, Any]]]:
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        return None, [{"line": None, "path": None, "message": f"not UTF-8 text (byte {exc.start})"}]


def create_app(db_url: str | None = None, token: str | None = None, max_concurrent_solves: int = 1) -> FastAPI:
    """The dashboard app over the store at ``db_url`` (a SQLite file ``fleetplan.db`` when None); see the
    module docstring for the contract."""
    if token is not None and not token:
        raise InputError("must not be empty", path="--token")
    store = Store(db_url)
    state: dict[str, Any] = {}
    reports: OrderedDict[int, str] = OrderedDict()

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        store.fail_interrupted_runs()
        state["pool"] = RunPool(store, workers=max_concurrent_solves)
        try:
            yield
        finally:
            state.pop("pool").close()
            store.close()

    app = FastAPI(
        title="fleetplan dashboard",
        version="1",
        description="Scenarios (every saved version), plan runs and plans of fleetplan.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.store = store

    def pool() -> RunPool:
        return state["pool"]

    # checks on every request -------------------------------------------------------------------

    @app.middleware("http")
    async def guard(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        if token is None and not is_loopback(_host_name(request.headers.get("host", ""))):
            return PlainTextResponse("this server answers to localhost only (start it with --token)", 421)
        origin = request.headers.get("origin")
        if request.method in _UNSAFE and origin and urlsplit(origin).netloc != request.headers.get("host"):
            return PlainTextResponse("cross-site request refused", 403)
        if token is not None and request.url.path != "/login" and not _authorized(request, token):
            if request.url.path.startswith("/api/"):
                return JSONResponse({"detail": "missing or wrong token"}, 401, headers={"WWW-Authenticate": "Bearer"})
            return HTMLResponse(pages.login_page(), 401)
        response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", _CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "same-origin"  # "no-referrer" makes Chromium send Origin: null
        return response

    app.add_middleware(BodyLimit, limit=MAX_UPLOAD_BYTES)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": exc.detail}, exc.status_code)
        return HTMLResponse(pages.message_page(f"Error {exc.status_code}", str(exc.detail)), exc.status_code)

    # helpers -----------------------------------------------------------------------------------

    def need_plan(plan_id: int) -> PlanRecord:
        plan = store.plan(plan_id)
        if plan is None:
            raise HTTPException(404, f"no plan {plan_id}")
        return plan

    def need_doc(plan_id: int) -> dict[str, Any]:
        doc = store.plan_document(plan_id)
        if doc is None:
            raise HTTPException(404, f"no plan {plan_id}")
        return doc

    def report_html(plan_id: int) -> str:
        from fleetplan.report.html import plan_report_html

        if plan_id not in reports:
            reports[plan_id] = plan_report_html(need_doc(plan_id))
            while len(reports) > REPORT_CACHE:
                reports.popitem(last=False)
        return reports[plan_id]

    def start_run(scenario_id: int, version: int | None, time_limit_s: Any, mip_rel_gap: Any) -> int:
        try:
            limit = float(time_limit_s)
            gap = float(mip_rel_gap)
        except (TypeError, ValueError):
            raise HTTPException(422, "time_limit_s and mip_rel_gap must be numbers") from None
        if not (0 < limit <= MAX_TIME_LIMIT_S) or not (0 <= gap <= 1):
            raise HTTPException(422, f"time_limit_s must be in (0, {MAX_TIME_LIMIT_S:g}] and mip_rel_gap in [0, 1]")
        v = store.version(scenario_id, version)
        if v is None:
            raise HTTPException(404, f"no scenario {scenario_id}" + (f" version {version}" if version else ""))
        run = store.add_run(v.id, time_limit_s=limit, mip_rel_gap=gap)
        pool().submit(run.id)
        return run.id

    def compare_docs(old: int, new: int) -> tuple[dict[str, Any], PlanRecord, PlanRecord]:
        from fleetplan.report.diff import diff_plans

        return diff_plans(need_doc(old), need_doc(new)), need_plan(old), need_plan(new)

    def history(scenario_id: int) -> list[dict[str, Any]]:
        plans = store.plans(scenario_id)
        out = []
        for v in store.versions(scenario_id):
            vp = [p for p in plans if p.version == v.version]
            best = min(vp, key=lambda p: p.total_usd) if vp else None
            out.append(
                {
                    "version": v.version,
                    "name": v.name,
                    "saved_at": v.created_at.isoformat() + "Z",
                    "plans": len(vp),
                    "best_plan_id": best.id if best else None,
                    "total_usd": best.total_usd if best else None,
                    "gap": best.gap if best else None,
                }
            )
        return out

    # JSON API ----------------------------------------------------------------------------------

    @app.get("/api/scenarios", tags=["scenarios"])
    def api_scenarios() -> list[dict[str, Any]]:
        """Every scenario: id, name (of its newest version), number of versions."""
        return [
            {"id": s.id, "name": s.name, "versions": s.versions, "updated_at": s.updated_at.isoformat() + "Z"}
            for s in store.scenarios()
        ]

    async def save_yaml(request: Request, scenario_id: int | None) -> Response:
        text, problems = _decode(await request.body())
        if text is not None:
            name, problems = await run_in_threadpool(validate_scenario, text)
        if problems:
            return JSONResponse({"detail": "invalid scenario", "errors": problems}, 422)
        try:
            v = store.add_version(str(name), text or "", scenario_id)
        except KeyError:
            raise HTTPException(404, f"no scenario {scenario_id}") from None
        return JSONResponse({"scenario_id": v.scenario_id, "version": v.version, "name": v.name}, 201)

    @app.post("/api/scenarios", tags=["scenarios"], status_code=201, openapi_extra=_YAML_BODY)
    async def api_add_scenario(request: Request) -> Response:
        """Save a new scenario from its YAML (the request body, at most 5 MB); 422 lists each error with its line."""
        return await save_yaml(request, None)

    @app.put("/api/scenarios/{scenario_id}", tags=["scenarios"], status_code=201, openapi_extra=_YAML_BODY)
    async def api_add_version(scenario_id: int, request: Request) -> Response:
        """Save the YAML in the body as the scenario's next version; 422 with the errors, 404 without the scenario."""
        return await save_yaml(request, scenario_id)

    @app.get("/api/scenarios/{scenario_id}", tags=["scenarios"])
    def api_scenario(scenario_id: int) -> dict[str, Any]:
        """A scenario with its versions, plans and runs."""
        sc = store.scenario(scenario_id)
        if sc is None:
            raise HTTPException(404, f"no scenario {scenario_id}")
        return {
            "id": sc.id,
            "name": sc.name,
            "versions": [
                {"version": v.version, "name": v.name, "saved_at": v.created_at.isoformat() + "Z"}
                for v in store.versions(scenario_id)
            ],
            "plans": [p.to_dict() for p in store.plans(scenario_id)],
            "runs": [r.to_dict() for r in store.runs(scenario_id)],
        }

    @app.get("/api/scenarios/{scenario_id}/history", tags=["scenarios"])
    def api_history(scenario_id: int) -> list[dict[str, Any]]:
        """Per version: its best plan's total and gap (None without a plan)."""
        if store.scenario(scenario_id) is None:
            raise HTTPException(404, f"no scenario {scenario_id}")
        return history(scenario_id)

    @app.get("/api/scenarios/{scenario_id}/versions/{version}/yaml", tags=["scenarios"])
    def api_version_yaml(scenario_id: int, version: int) -> Response:
        """The YAML of one version, as saved."""
        v = store.version(scenario_id, version)
        if v is None:
            raise HTTPException(404, f"no scenario {scenario_id} version {version}")
        return Response(
            v.yaml_text,
            media_type="application/yaml; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="scenario-{scenario_id}-v{version}.yaml"'},
        )

    @app.post("/api/scenarios/{scenario_id}/runs", tags=["runs"], status_code=202)
    def api_start_run(scenario_id: int, body: dict[str, Any] | None = None) -> JSONResponse:
        """Queue a plan run of the newest version (or ``version``); body ``{"time_limit_s", "mip_rel_gap"}``."""
        body = body or {}
        version = body.get("version")
        if version is not None and not isinstance(version, int):
            raise HTTPException(422, "version must be an integer")
        run_id = start_run(scenario_id, version, body.get("time_limit_s", 60), body.get("mip_rel_gap", 5e-3))
        return JSONResponse(store.run(run_id).to_dict(), 202)  # type: ignore[union-attr]

    @app.get("/api/runs", tags=["runs"])
    def api_runs() -> list[dict[str, Any]]:
        """The latest runs, newest first."""
        return [r.to_dict() for r in store.runs()]

    @app.get("/api/runs/{run_id}", tags=["runs"])
    def api_run(run_id: int) -> dict[str, Any]:
        """A run: state, stage, live incumbent / bound / gap, error, plan id when done."""
        run = store.run(run_id)
        if run is None:
            raise HTTPException(404, f"no run {run_id}")
        return run.to_dict()

    @app.post("/api/runs/{run_id}/cancel", tags=["runs"])
    def api_cancel(run_id: int) -> dict[str, Any]:
        """Cancel a queued or running run (409 when it has already ended)."""
        if store.run(run_id) is None:
            raise HTTPException(404, f"no run {run_id}")
        if not pool().cancel(run_id):
            raise HTTPException(409, f"run {run_id} has already ended")
        return store.run(run_id).to_dict()  # type: ignore[union-attr]

    @app.get("/api/plans", tags=["plans"])
    def api_plans() -> list[dict[str, Any]]:
        """Stored plans' key figures (total, gap, verified, created), newest first."""
        return [p.to_dict() for p in store.plans()]

    @app.get("/api/plans/{plan_id}", tags=["plans"])
    def api_plan(plan_id: int) -> dict[str, Any]:
        """One plan's key figures."""
        return need_plan(plan_id).to_dict()

    @app.get("/api/plans/{plan_id}/document", tags=["plans"])
    def api_plan_document(plan_id: int) -> dict[str, Any]:
        """The full ``fleetplan.plan/1`` document."""
        return need_doc(plan_id)

    @app.get("/api/compare", tags=["plans"])
    def api_compare(old: int, new: int) -> dict[str, Any]:
        """The ``fleetplan.diff/1`` document from plan ``old`` to plan ``new``."""
        return compare_docs(old, new)[0]

    # pages -------------------------------------------------------------------------------------

    @app.get("/", include_in_schema=False)
    def home() -> RedirectResponse:
        return RedirectResponse("/scenarios", 303)

    @app.get("/assets/run.js", include_in_schema=False)
    def run_js() -> Response:
        return Response(pages.RUN_JS, media_type="text/javascript; charset=utf-8")

    @app.get("/login", include_in_schema=False)
    def login_form() -> HTMLResponse:
        return HTMLResponse(pages.login_page())

    @app.post("/login", include_in_schema=False)
    async def login(request: Request) -> Response:
        form = await request.form()
        given = str(form.get("token") or "")
        if token is None:
            return RedirectResponse("/scenarios", 303)
        if not hmac.compare_digest(given.encode(), token.encode()):
            return HTMLResponse(pages.login_page(error=True), 401)
        response = RedirectResponse("/scenarios", 303)
        response.set_cookie(COOKIE, token, httponly=True, samesite="strict", secure=request.url.scheme == "https")
        return response

    @app.get("/scenarios", include_in_schema=False)
    def scenarios_page() -> HTMLResponse:
        return HTMLResponse(pages.scenarios_page(store.scenarios()))

    @app.post("/scenarios", include_in_schema=False)
    async def upload_page(request: Request) -> Response:
        form = await request.form(max_files=1, max_fields=4, max_part_size=MAX_UPLOAD_BYTES)
        upload = form.get("file")
        data = b""
        if upload is not None and not isinstance(upload, str):
            data = await upload.read()
        if not data:
            data = str(form.get("text") or "").replace("\r\n", "\n").encode("utf-8")
        text, problems = _decode(data)
        if text is not None and not text.strip():
            problems = [{"line": None, "path": None, "message": "choose a YAML file or paste the scenario"}]
        elif text is not None:
            name, problems = await run_in_threadpool(validate_scenario, text)
        if problems:
            return HTMLResponse(pages.scenarios_page(store.scenarios(), yaml_text=text or "", problems=problems), 422)
        v = store.add_version(str(name), text or "")
        return RedirectResponse(f"/scenarios/{v.scenario_id}", 303)

    def render_scenario(scenario_id: int, version: int | None = None, **edit: Any) -> str:
        sc = store.scenario(scenario_id)
        shown = store.version(scenario_id, version)
        if sc is None or shown is None:
            raise HTTPException(404, f"no scenario {scenario_id}" + (f" version {version}" if version else ""))
        return pages.scenario_page(
            sc, store.versions(scenario_id), store.plans(scenario_id), store.runs(scenario_id), shown=shown, **edit
        )

    @app.get("/scenarios/{scenario_id}", include_in_schema=False)
    def scenario_page(scenario_id: int, version: int | None = None) -> HTMLResponse:
        return HTMLResponse(render_scenario(scenario_id, version))

    @app.post("/scenarios/{scenario_id}", include_in_schema=False)
    async def edit_page(scenario_id: int, request: Request) -> Response:
        form = await request.form(max_files=0, max_fields=4, max_part_size=MAX_UPLOAD_BYTES)
        text = str(form.get("text") or "").replace("\r\n", "\n")
        name, problems = await run_in_threadpool(validate_scenario, text)
        if problems:
            return HTMLResponse(render_scenario(scenario_id, yaml_text=text, problems=problems), 422)
        try:
            store.add_version(str(name), text, scenario_id)
        except KeyError:
            raise HTTPException(404, f"no scenario {scenario_id}") from None
        return RedirectResponse(f"/scenarios/{scenario_id}", 303)

    @app.post("/scenarios/{scenario_id}/runs", include_in_schema=False)
    async def run_form(scenario_id: int, request: Request) -> Response:
        form = await request.form(max_files=0, max_fields=8)
        raw_version = str(form.get("version") or "")
        version = int(raw_version) if raw_version.isdigit() else None
        run_id = await run_in_threadpool(
            start_run, scenario_id, version, form.get("time_limit_s", 60), form.get("mip_rel_gap", 5e-3)
        )
        return RedirectResponse(f"/runs/{run_id}", 303)

    @app.get("/runs", include_in_schema=False)
    def runs_page() -> HTMLResponse:
        rows = [
            (f'<a href="/runs/{r.id}">run {r.id}</a>',
             f'<a href="/scenarios/{r.scenario_id}">scenario {r.scenario_id}</a>',
             f"v{r.version}", pages.esc(r.state), pages.esc(r.error or ""))
            for r in store.runs()
        ]  # fmt: skip
        return HTMLResponse(pages.listing_page("Runs", ("run", "scenario", "version", "state", "error"), rows))

    @app.get("/runs/{run_id}", include_in_schema=False)
    def run_page(run_id: int) -> HTMLResponse:
        run = store.run(run_id)
        if run is None:
            raise HTTPException(404, f"no run {run_id}")
        sc = store.scenario(run.scenario_id)
        return HTMLResponse(pages.run_page(run, sc.name if sc else ""))

    @app.post("/runs/{run_id}/cancel", include_in_schema=False)
    def cancel_page(run_id: int) -> RedirectResponse:
        if store.run(run_id) is None:
            raise HTTPException(404, f"no run {run_id}")
        pool().cancel(run_id)
        return RedirectResponse(f"/runs/{run_id}", 303)

    @app.get("/plans", include_in_schema=False)
    def plans_page() -> HTMLResponse:
        rows = [
            (f'<a href="/plans/{p.id}">plan {p.id}</a>', pages.esc(p.scenario_name), f"v{p.version}",
             pages.esc(money(p.total_usd)), pages.esc(pages.pct(p.gap)), "yes" if p.verified else "no")
            for p in store.plans()
        ]  # fmt: skip
        return HTMLResponse(
            pages.listing_page("Plans", ("plan", "scenario", "version", "total", "gap", "verified"), rows)
        )

    @app.get("/plans/{plan_id}", include_in_schema=False)
    def plan_page(plan_id: int) -> HTMLResponse:
        plan = need_plan(plan_id)
        return HTMLResponse(pages.plan_page(report_html(plan_id), plan))

    @app.get("/plans/{plan_id}/plan.json", include_in_schema=False)
    def plan_json(plan_id: int) -> Response:
        body = json.dumps(need_doc(plan_id), indent=2, allow_nan=False)
        return Response(
            body,
            media_type="application/json",
            headers={"Content-Disposition": f'attachment; filename="plan-{plan_id}.json"'},
        )

    @app.get("/plans/{plan_id}/report.html", include_in_schema=False)
    def plan_report(plan_id: int) -> Response:
        return HTMLResponse(
            report_html(plan_id), headers={"Content-Disposition": f'attachment; filename="plan-{plan_id}.html"'}
        )

    @app.get("/compare", include_in_schema=False)
    def compare_page(old: int, new: int) -> HTMLResponse:
        diff, o, n = compare_docs(old, new)
        return HTMLResponse(pages.compare_page(diff, o, n))

    return app


def _host_name(header: str) -> str:
    """The host of a ``Host`` header, without the port (``[::1]:8080`` -> ``::1``)."""
    if header.startswith("["):
        return header[1 : header.find("]")] if "]" in header else header
    return header.rsplit(":", 1)[0]


def _authorized(request: Request, token: str) -> bool:
    expected = token.encode()
    auth = request.headers.get("authorization", "")
    candidates = [
        auth[7:] if auth[:7].lower() == "bearer " else "",
        request.headers.get("x-fleetplan-token", ""),
        request.cookies.get(COOKIE, ""),
    ]
    return any(c and hmac.compare_digest(c.encode(), expected) for c in candidates)
