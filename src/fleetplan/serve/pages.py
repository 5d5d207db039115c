"""The dashboard's server-rendered pages: plain f-strings, every value from a scenario or plan escaped.

Contract: each function returns one complete HTML document (or fragment, for ``_``-less helpers
noted so) and escapes every string it did not write itself with :func:`esc`. Pages work without
JavaScript; the run page adds one small script, served from ``/assets/run.js`` (no inline script,
no CDN), that polls ``/api/runs/{id}`` for live progress, and reloads every 2 s without it.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Sequence
from typing import Any

from fleetplan._format import money
from fleetplan.serve.store import PlanRecord, RunRecord, ScenarioRecord, VersionRecord

__all__ = [
    "RUN_JS",
    "compare_page",
    "esc",
    "history_svg",
    "listing_page",
    "login_page",
    "message_page",
    "pct",
    "plan_page",
    "run_page",
    "scenario_page",
    "scenarios_page",
]

CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1d2433;background:#f6f7f9}
header{background:#1d2433;color:#fff;padding:.6rem 1.2rem;display:flex;gap:1.2rem;align-items:center}
header a{color:#fff;text-decoration:none}header b{margin-right:1rem}
main{max-width:1100px;margin:1.2rem auto;padding:0 1.2rem}
table{border-collapse:collapse;margin:.6rem 0;background:#fff}
td,th{border:1px solid #d5d9e0;padding:.25rem .55rem;text-align:left;vertical-align:top}
th{background:#eef1f5}td.num{text-align:right;font-variant-numeric:tabular-nums}
textarea{width:100%;font:13px/1.35 ui-monospace,monospace}
.err{color:#a4161a}.ok{color:#1b7a3a}.muted{color:#6b7280}
pre.yaml{background:#fff;border:1px solid #d5d9e0;padding:.5rem;overflow:auto;font-size:13px}
pre.yaml .bad{background:#fde2e1;display:inline-block;width:100%}
.card{background:#fff;border:1px solid #d5d9e0;padding:.8rem 1rem;margin:.8rem 0}
dl.live{display:grid;grid-template-columns:max-content auto;gap:.2rem 1rem}dl.live dt{color:#6b7280}
button,input[type=submit]{padding:.3rem .8rem}
"""

RUN_JS = """(() => {
  const root = document.getElementById('run');
  if (!root) return;
  const url = root.dataset.api;
  const money = (v) => v === null || v === undefined ? '\\u2014' : '$' + Math.round(v).toLocaleString('en-US');
  const pct = (v) => v === null || v === undefined ? '\\u2014' : (100 * v).toFixed(2) + ' %';
  const set = (id, text) => { const el = document.getElementById(id); if (el) el.textContent = text; };
  const tick = () => fetch(url, {credentials: 'same-origin'}).then((r) => r.json()).then((run) => {
    set('state', run.state);
    set('stage', run.stage || '');
    set('elapsed', run.elapsed_s === null ? '\\u2014' : run.elapsed_s.toFixed(1) + ' s');
    set('incumbent', money(run.incumbent_usd));
    set('bound', money(run.bound_usd));
    set('gap', pct(run.gap));
    if (run.error) set('error', run.error);
    if (run.state === 'queued' || run.state === 'running') { setTimeout(tick, 700); }
    else { window.location.reload(); }
  }).catch(() => setTimeout(tick, 2000));
  setTimeout(tick, 300);
})();
"""

FINAL = ("done", "failed", "cancelled")


def esc(value: object) -> str:
    """``value`` as HTML text (quotes escaped too, so it is safe in attributes)."""
    return html.escape("" if value is None else str(value), quote=True)


def _page(title: str, body: str, *, script: bool = False, refresh: bool = False) -> str:
    head = [
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(title)} · fleetplan</title><style>{CSS}</style>",
    ]
    if refresh:
        head.append('<noscript><meta http-equiv="refresh" content="2"></noscript>')
    if script:
        head.append('<script src="/assets/run.js" defer></script>')
    nav = (
        '<header><b>fleetplan</b><a href="/scenarios">Scenarios</a><a href="/runs">Runs</a>'
        '<a href="/plans">Plans</a></header>'
    )
    return "".join(head) + f"</head><body>{nav}<main>{body}</main></body></html>\n"


def pct(v: float | None) -> str:
    """A fraction as a percentage with two decimals; ``—`` when unknown."""
    return "—" if v is None else f"{100 * v:.2f} %"


def _table(headers: Sequence[str], rows: Iterable[Sequence[str]], *, raw: bool = False) -> str:
    """A table; cells are escaped unless ``raw`` (then the caller escaped them)."""
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c if raw else esc(c)}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def listing_page(title: str, headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A titled table of rows whose cells the caller escaped."""
    return _page(title, f"<h1>{esc(title)}</h1>" + (_table(headers, rows, raw=True) if rows else "<p>None yet.</p>"))


def message_page(title: str, message: str) -> str:
    """A page with a title and one line (errors: 404, 413 …)."""
    return _page(title, f"<h1>{esc(title)}</h1><p>{esc(message)}</p>")


def login_page(error: bool = False) -> str:
    """The token form; sets the session cookie on success."""
    note = '<p class="err">Wrong token.</p>' if error else ""
    return _page(
        "Sign in",
        f"<h1>Sign in</h1>{note}<form method=post action=/login>"
        "<label>Token <input type=password name=token autocomplete=current-password required></label> "
        "<input type=submit value='Sign in'></form>",
    )


def _errors_html(yaml_text: str, problems: Sequence[dict[str, Any]]) -> str:
    """The validation errors as a list, then the YAML with line numbers and the bad lines marked."""
    items = "".join(
        f"<li>{'line ' + esc(p['line']) + ': ' if p.get('line') else ''}"
        f"{esc(p.get('path') or '')}{': ' if p.get('path') else ''}{esc(p['message'])}</li>"
        for p in problems
    )
    bad = {p.get("line") for p in problems}
    lines = yaml_text.splitlines()[:5000]
    width = len(str(len(lines)))
    listing = "\n".join(
        (f'<span class="bad" id="L{i}">' if i in bad else "")
        + f"{i:>{width}}  {esc(line)}"
        + ("</span>" if i in bad else "")
        for i, line in enumerate(lines, start=1)
    )
    return (
        f'<div class="card err" id="errors"><b>The scenario has errors</b><ul>{items}</ul></div>'
        f'<pre class="yaml">{listing}</pre>'
    )


def scenarios_page(
    scenarios: Sequence[ScenarioRecord],
    *,
    yaml_text: str = "",
    problems: Sequence[dict[str, Any]] = (),
) -> str:
    """The list of scenarios and the upload form (with the errors of a rejected upload)."""
    rows = [
        (f'<a href="/scenarios/{s.id}">{esc(s.name)}</a>', esc(s.versions), esc(f"{s.updated_at:%Y-%m-%d %H:%M}"))
        for s in scenarios
    ]
    listing = _table(("scenario", "versions", "saved (UTC)"), rows, raw=True) if rows else "<p>No scenarios yet.</p>"
    errs = _errors_html(yaml_text, problems) if problems else ""
    form = (
        '<div class="card"><h2>Add a scenario</h2>'
        f"{errs}"
        '<form method=post action="/scenarios" enctype="multipart/form-data">'
        '<p><label>YAML file <input type=file name=file accept=".yaml,.yml,text/yaml"></label></p>'
        f"<p><label>or paste it<br><textarea name=text rows=12>{esc(yaml_text)}</textarea></label></p>"
        "<input type=submit value='Save scenario'></form></div>"
    )
    return _page("Scenarios", f"<h1>Scenarios</h1>{listing}{form}")


def history_svg(plans: Sequence[PlanRecord]) -> str:
    """A small inline SVG of each version's best plan cost (line) with its gap (labels); '' for no plans."""
    best: dict[int, PlanRecord] = {}
    for p in plans:
        if p.version not in best or p.total_usd < best[p.version].total_usd:
            best[p.version] = p
    if not best:
        return ""
    pts = sorted(best.values(), key=lambda p: p.version)
    w, h, pad = 560, 180, 40
    lo, hi = min(p.total_usd for p in pts), max(p.total_usd for p in pts)
    span = (hi - lo) or max(abs(hi), 1.0)
    x0, x1 = pts[0].version, pts[-1].version

    def xy(p: PlanRecord) -> tuple[float, float]:
        x = pad + (w - 2 * pad) * ((p.version - x0) / (x1 - x0) if x1 > x0 else 0.5)
        y = h - pad - (h - 2 * pad) * ((p.total_usd - lo) / span if hi > lo else 0.5)
        return x, y

    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in map(xy, pts))
    marks = "".join(
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="#2f6fdb"><title>v{p.version}: {esc(money(p.total_usd))},'
        f" gap {esc(pct(p.gap))}</title></circle>"
        f'<text x="{x:.1f}" y="{y - 9:.1f}" font-size="11" text-anchor="middle">{esc(money(p.total_usd))}</text>'
        f'<text x="{x:.1f}" y="{h - pad + 16:.1f}" font-size="11" text-anchor="middle">v{p.version}</text>'
        for p in pts
        for x, y in [xy(p)]
    )
    return (
        f'<figure class="chart" id="chart-history"><svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
        f'viewBox="0 0 {w} {h}" role="img" aria-label="Best plan cost per scenario version">'
        f'<rect width="{w}" height="{h}" fill="#fff"/><polyline points="{line}" fill="none" stroke="#2f6fdb" '
        f'stroke-width="2"/>{marks}</svg><figcaption>Best plan total (USD) per version</figcaption></figure>'
    )


def scenario_page(
    sc: ScenarioRecord,
    versions: Sequence[VersionRecord],
    plans: Sequence[PlanRecord],
    runs: Sequence[RunRecord],
    *,
    shown: VersionRecord,
    yaml_text: str | None = None,
    problems: Sequence[dict[str, Any]] = (),
) -> str:
    """One scenario: run form, history (cost and gap over versions), plans, runs, versions, the editor."""
    run_form = (
        f'<div class="card"><h2>Plan version {shown.version}</h2>'
        f'<form method=post action="/scenarios/{sc.id}/runs"><input type=hidden name=version value="{shown.version}">'
        '<label>time limit (s) <input type=number name=time_limit_s value="60" min="1" max="86400" step="any"></label> '
        '<label>gap <input type=number name=mip_rel_gap value="0.005" min="0" max="1" step="any"></label> '
        "<input type=submit value='Start plan'></form></div>"
    )
    by_version: dict[int, list[PlanRecord]] = {}
    for p in plans:
        by_version.setdefault(p.version, []).append(p)
    hist_rows = []
    for v in versions:
        vp = by_version.get(v.version, [])
        best = min(vp, key=lambda p: p.total_usd) if vp else None
        hist_rows.append(
            (
                f'<a href="/scenarios/{sc.id}?version={v.version}">v{v.version}</a>',
                esc(f"{v.created_at:%Y-%m-%d %H:%M}"),
                esc(v.name),
                f'<a href="/plans/{best.id}">{esc(money(best.total_usd))}</a>' if best else "—",
                esc(pct(best.gap)) if best else "—",
                esc(len(vp)),
            )
        )
    history = (
        "<h2>History</h2>"
        + history_svg(plans)
        + _table(("version", "saved (UTC)", "name", "best total", "gap", "plans"), hist_rows, raw=True)
    )
    plan_rows = [
        (
            f'<a href="/plans/{p.id}">plan {p.id}</a>',
            f"v{p.version}",
            esc(money(p.total_usd)),
            esc(pct(p.gap)),
            '<span class="ok">yes</span>' if p.verified else '<span class="err">no</span>',
            esc(p.status),
            esc(f"{p.created_at:%Y-%m-%d %H:%M}"),
        )
        for p in plans
    ]
    compare = ""
    if len(plans) >= 2:
        opts = "".join(
            f'<option value="{p.id}">plan {p.id} (v{p.version}, {esc(money(p.total_usd))})</option>' for p in plans
        )
        compare = (
            "<form method=get action=/compare><b>Compare</b> "
            f"<select name=old>{opts}</select> → <select name=new>{opts}</select> "
            "<input type=submit value=Compare></form>"
        )
    plans_html = "<h2>Plans</h2>" + (
        _table(("plan", "version", "total", "gap", "verified", "status", "created (UTC)"), plan_rows, raw=True)
        + compare
        if plan_rows
        else "<p>No plans yet.</p>"
    )
    runs_html = "<h2>Runs</h2>" + (
        _table(
            ("run", "version", "state", "error"),
            [
                (f'<a href="/runs/{r.id}">run {r.id}</a>', f"v{r.version}", esc(r.state), esc(r.error or ""))
                for r in runs
            ],
            raw=True,
        )
        if runs
        else "<p>No runs yet.</p>"
    )
    text = shown.yaml_text if yaml_text is None else yaml_text
    errs = _errors_html(text, problems) if problems else ""
    editor = (
        f'<div class="card"><h2>Edit (saves version {len(versions) + 1})</h2>{errs}'
        f'<form method=post action="/scenarios/{sc.id}"><textarea name=text rows=24>{esc(text)}</textarea>'
        "<input type=submit value='Save new version'></form>"
        f'<p><a href="/api/scenarios/{sc.id}/versions/{shown.version}/yaml">'
        f"download v{shown.version} YAML</a></p></div>"
    )
    body = f"<h1>{esc(sc.name)}</h1><p class=muted>scenario {sc.id} · {len(versions)} versions</p>"
    return _page(sc.name, body + run_form + history + plans_html + runs_html + editor)


def run_page(run: RunRecord, scenario_name: str) -> str:
    """A run: state and live incumbent / bound / gap (polled), cancel while active, the plan when done."""
    live = run.state not in FINAL
    cancel = (
        f'<form method=post action="/runs/{run.id}/cancel"><input type=submit value="Cancel run"></form>'
        if live
        else ""
    )
    plan = f'<p><a id="plan-link" href="/plans/{run.plan_id}">Open the plan</a></p>' if run.plan_id else ""
    body = (
        f"<h1>Run {run.id}</h1>"
        f'<p><a href="/scenarios/{run.scenario_id}">{esc(scenario_name)}</a> · version {run.version} · '
        f"time limit {run.time_limit_s:g} s · gap target {run.mip_rel_gap:g}</p>"
        f'<div class="card" id="run" data-api="/api/runs/{run.id}"><dl class="live">'
        f'<dt>state</dt><dd id="state">{esc(run.state)}</dd>'
        f'<dt>stage</dt><dd id="stage">{esc(run.stage or "")}</dd>'
        f'<dt>elapsed</dt><dd id="elapsed">{"—" if run.elapsed_s is None else f"{run.elapsed_s:.1f} s"}</dd>'
        f'<dt>incumbent</dt><dd id="incumbent">{esc(money(run.incumbent_usd))}</dd>'
        f'<dt>bound</dt><dd id="bound">{esc(money(run.bound_usd))}</dd>'
        f'<dt>gap</dt><dd id="gap">{esc(pct(run.gap))}</dd>'
        f'<dt>error</dt><dd id="error" class="err">{esc(run.error or "")}</dd></dl></div>'
        f"{cancel}{plan}"
    )
    return _page(f"Run {run.id}", body, script=live, refresh=live)


def plan_page(report_html: str, plan: PlanRecord) -> str:
    """The plan report of :func:`fleetplan.report.html.plan_report_html`, as rendered, with the dashboard's
    navigation and download links put in after ``<body>``."""
    nav = (
        '<nav style="font:14px system-ui,sans-serif;background:#1d2433;padding:.5rem 1rem;margin:-8px -8px 1rem">'
        '<a style="color:#fff;margin-right:1rem" href="/scenarios">Scenarios</a>'
        f'<a style="color:#fff;margin-right:1rem" href="/scenarios/{plan.scenario_id}">Scenario (v{plan.version})</a>'
        f'<a style="color:#fff;margin-right:1rem" href="/plans/{plan.id}/plan.json">Download JSON</a>'
        f'<a style="color:#fff;margin-right:1rem" href="/plans/{plan.id}/report.html">Download HTML</a></nav>'
    )
    head, sep, rest = report_html.partition("<body>")
    return head + sep + nav + rest if sep else nav + report_html


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)[:400]
    return "" if value is None else str(value)


def _records_table(rows: Sequence[Any]) -> str:
    if not rows:
        return "<p class=muted>none</p>"
    if not all(isinstance(r, dict) for r in rows):
        return _table(("value",), [(_cell(r),) for r in rows[:500]])
    cols: list[str] = []
    for r in rows:
        cols += [k for k in r if k not in cols]
    return _table(cols, [[_cell(r.get(c)) for c in cols] for r in rows[:500]])


def _section(name: str, value: Any) -> str:
    title = f"<h3>{esc(name.replace('_', ' '))}</h3>"
    if isinstance(value, list):
        return title + _records_table(value)
    if isinstance(value, dict):
        if value and all(isinstance(v, list) for v in value.values()):
            return title + "".join(f"<h4>{esc(k)}</h4>{_records_table(v)}" for k, v in value.items())
        return title + _table(("field", "value"), [(k, _cell(v)) for k, v in value.items()])
    return title + f"<p>{esc(_cell(value))}</p>"


def compare_page(diff: dict[str, Any], old: PlanRecord, new: PlanRecord) -> str:
    """The ``fleetplan.diff/1`` document of two plans, section by section, as tables."""
    total = diff.get("total") or {}
    head = (
        f'<h1>Compare plan <a href="/plans/{old.id}">{old.id}</a> → <a href="/plans/{new.id}">{new.id}</a></h1>'
        f"<p>{esc(old.scenario_name)} v{old.version} → {esc(new.scenario_name)} v{new.version}: total "
        f"{esc(money(total.get('old_usd')))} → {esc(money(total.get('new_usd')))} "
        f"(Δ {esc(money(total.get('delta_usd')))})</p>"
        f'<p><a href="/api/compare?old={old.id}&amp;new={new.id}">download the diff JSON</a></p>'
    )
    parts = [_section(k, v) for k, v in diff.items() if k not in ("schema", "currency")]
    return _page(f"Compare {old.id} → {new.id}", head + "".join(parts))
