// The monitor's dashboard: for a place (its province, a district, a court)
// and a period, the headline figures, a chart per trend by month drawn here
// as SVG with its table under it, the rows one level down, each judge's
// override rate, and the open data to download. Aggregates only: the
// server sends no child's identity and no free text to a monitor.

import * as api from "../core/api.js";
import { h, tx, replace, status, showError, t, field } from "../core/ui.js";
import { heading } from "../core/shell.js";
import { onLanguageChange, locale } from "../core/i18n.js";

const CAUSES = ["court", "prosecution", "defence", "state_custody", "child_side"];
const COLOURS = ["#0b5d5b", "#8f1116", "#6b4100", "#1a4fd6", "#5b2a86", "#4a5560"];

export function mount(el) {
  el.append(heading("dashboard", "monitor.dashboard"), h("p", { class: "lead", i18n: "monitor.intro" }));
  const msg = status();
  const controls = h("form", { class: "inline", id: "monitor-controls" });
  const body = h("div", { id: "monitor-body" });
  el.append(msg, controls, body);
  setup(controls, body, msg);
}

function isoDay(d) {
  return d.toISOString().slice(0, 10);
}

async function setup(form, body, msg) {
  let courts = [];
  try {
    courts = (await api.get("/api/monitor/courts")).items || [];
  } catch (err) {
    return showError(msg, err);
  }
  const provinces = [...new Set(courts.map((c) => c.province).filter(Boolean))];
  const districts = [...new Set(courts.map((c) => `${c.province}|${c.district}`))].filter((k) => !k.endsWith("|null"));
  const place = h("select", { name: "place", id: "monitor-place" });
  place.append(h("option", { value: "", i18n: "monitor.all" }));
  for (const p of provinces) place.append(h("option", { value: `p:${p}` }, tx("monitor.province"), ` ${p}`));
  for (const d of districts) place.append(h("option", { value: `d:${d}` }, tx("monitor.district"), ` ${d.split("|")[1]}`));
  for (const c of courts) place.append(h("option", { value: `c:${c.id}`, text: c.name }));
  const today = new Date();
  const yearAgo = new Date(today.getTime() - 364 * 86_400_000);
  const from = h("input", { type: "date", name: "from", id: "monitor-from", value: isoDay(new Date(Date.UTC(yearAgo.getUTCFullYear(), yearAgo.getUTCMonth(), 1))) });
  const to = h("input", { type: "date", name: "to", id: "monitor-to", value: isoDay(today) });
  const csv = h("button", { type: "button", class: "secondary", id: "export-csv", i18n: "monitor.export_csv" });
  const json = h("button", { type: "button", class: "secondary", id: "export-json", i18n: "monitor.export_json" });
  form.append(field("monitor.place", place), field("monitor.from", from), field("monitor.to", to), h("button", { type: "submit", i18n: "monitor.show" }), csv, json);
  const query = () => {
    const q = new URLSearchParams({ from: from.value, to: to.value });
    const [kind, value] = [place.value.slice(0, 1), place.value.slice(2)];
    if (kind === "p") q.set("province", value);
    if (kind === "d") {
      const [p, d] = value.split("|");
      q.set("province", p);
      q.set("district", d);
    }
    if (kind === "c") q.set("court_id", value);
    return q;
  };
  let last = null;
  const show = async () => {
    replace(body, h("p", { i18n: "loading" }));
    try {
      last = await api.get(`/api/monitor/dashboard?${query()}`);
      draw(body, last);
    } catch (err) {
      replace(body);
      showError(msg, err);
    }
  };
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    show();
  });
  for (const [btn, format] of [
    [csv, "csv"],
    [json, "json"],
  ]) {
    btn.addEventListener("click", () => download(format, query(), msg));
  }
  onLanguageChange(() => last && draw(body, last));
  show();
}

/** The open data, fetched with the token and saved as a file. */
async function download(format, q, msg) {
  q.set("format", format);
  q.set("by", "court");
  try {
    const s = JSON.parse(sessionStorage.getItem("amaan.session") || "null");
    const res = await fetch(`/api/monitor/export?${q}`, { headers: { Authorization: `Bearer ${s?.token}` } });
    if (!res.ok) throw new api.ApiError(res.status, await res.json().catch(() => ({})));
    const blob = await res.blob();
    const a = h("a", { href: URL.createObjectURL(blob), download: `amaan-figures.${format}` });
    document.body.append(a);
    a.click();
    a.remove();
  } catch (err) {
    showError(msg, err);
  }
}

const num = (v, digits = 0) => (v === null || v === undefined ? "—" : Number(v).toLocaleString(locale(), { maximumFractionDigits: digits }));
const pct = (v) => (v === null || v === undefined ? "—" : `${num(v * 100, 0)}%`);

function draw(body, d) {
  const f = d.totals;
  const cards = [
    ["monitor.pending", num(f.child_cases.pending)],
    ["monitor.decided", num(f.child_cases.decided)],
    ["monitor.evidence_in_time", pct(f.child_evidence_in_time.share_within)],
    ["monitor.median_to_evidence", num(f.cognizance_to_child_evidence.median_days, 1)],
    ["monitor.p90_to_evidence", num(f.cognizance_to_child_evidence.p90_days)],
    ["monitor.median_to_decision", num(f.cognizance_to_decision.median_days, 1)],
    ["monitor.not_held", num(f.hearings.not_held)],
    ["monitor.recalls", num(f.appearances.recalls)],
    ["monitor.override_rate", pct(f.adjournments.override_rate)],
    ["monitor.incidents", num(f.incidents.total)],
    ["monitor.video_sessions", num(f.video.sessions)],
  ];
  const months = d.months || [];
  const label = (m) => new Date(`${m.from}T00:00:00Z`).toLocaleDateString(locale(), { month: "short", year: "2-digit", timeZone: "UTC" });
  const charts = [
    {
      id: "chart-evidence",
      key: "monitor.chart_evidence",
      kind: "line",
      percent: true,
      series: [{ key: "monitor.evidence_in_time", values: months.map((m) => m.figures.child_evidence_in_time.share_within) }],
    },
    {
      id: "chart-not-held",
      key: "monitor.chart_not_held",
      kind: "stack",
      series: CAUSES.map((c) => ({ key: `cause.${c}`, values: months.map((m) => m.figures.hearings.not_held_by_cause[c] || 0) })),
    },
    {
      id: "chart-adjournments",
      key: "monitor.chart_adjournments",
      kind: "group",
      series: [
        { key: "monitor.adj_requested", values: months.map((m) => m.figures.adjournments.requested) },
        { key: "monitor.adj_refused_by_rule", values: months.map((m) => m.figures.adjournments.refused_by_rule) },
        { key: "monitor.adj_granted", values: months.map((m) => m.figures.adjournments.granted) },
        { key: "monitor.adj_overridden", values: months.map((m) => m.figures.adjournments.overridden) },
      ],
    },
    {
      id: "chart-appearances",
      key: "monitor.chart_appearances",
      kind: "group",
      series: [
        { key: "monitor.appearances", values: months.map((m) => m.figures.appearances.appearances) },
        { key: "monitor.without_evidence", values: months.map((m) => m.figures.appearances.without_evidence) },
        { key: "monitor.recalls", values: months.map((m) => m.figures.appearances.recalls) },
      ],
    },
  ];
  replace(
    body,
    h("ul", { class: "cards", id: "monitor-cards" }, cards.map(([k, v]) => h("li", { class: "panel card" }, h("span", { class: "card-label", i18n: k }), h("strong", { class: "card-value", text: v })))),
    charts.map((c) => chartPanel(c, months.map(label))),
    rowsPanel(d),
    judgesPanel(f),
  );
}

/** A chart drawn as SVG, with the same figures as a table under it. */
function chartPanel(c, labels) {
  return h(
    "figure",
    { class: "panel chart", id: c.id },
    h("figcaption", {}, h("h2", { i18n: c.key })),
    h("div", { class: "chart-svg", dir: "ltr" }, svg(c, labels)),
    legend(c),
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { class: "chart-table" },
        h("caption", { i18n: c.key }),
        h("thead", {}, h("tr", {}, h("th", { scope: "col", i18n: "monitor.month" }), c.series.map((s) => h("th", { scope: "col", i18n: s.key })))),
        h("tbody", {}, labels.map((l, i) => h("tr", {}, h("th", { scope: "row", text: l }), c.series.map((s) => h("td", { text: c.percent ? pct(s.values[i]) : num(s.values[i]) }))))),
      ),
    ),
  );
}

function legend(c) {
  if (c.series.length < 2) return null;
  return h(
    "ul",
    { class: "legend" },
    c.series.map((s, i) => h("li", {}, swatch(COLOURS[i % COLOURS.length]), h("span", { i18n: s.key }))),
  );
}

const NS = "http://www.w3.org/2000/svg";

/** A legend's colour: a drawn square (the page's policy allows no inline style). */
function swatch(colour) {
  const box = el("svg", { viewBox: "0 0 10 10", class: "swatch", "aria-hidden": "true", focusable: "false" });
  box.append(el("rect", { width: 10, height: 10, rx: 2, fill: colour }));
  return box;
}
function el(tag, attrs = {}, text) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

/** Bars (grouped or stacked) or a line over the months, with a y axis. */
function svg(c, labels) {
  const W = 640;
  const H = 220;
  const pad = { l: 44, r: 8, t: 10, b: 28 };
  const n = Math.max(labels.length, 1);
  const stackTotals = labels.map((_, i) => c.series.reduce((a, s) => a + (s.values[i] || 0), 0));
  const all = c.kind === "stack" ? stackTotals : c.series.flatMap((s) => s.values.map((v) => v || 0));
  const max = c.percent ? 1 : Math.max(1, ...all);
  const y = (v) => pad.t + (H - pad.t - pad.b) * (1 - v / max);
  const slot = (W - pad.l - pad.r) / n;
  const root = el("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", class: "chart-canvas", "aria-label": t(c.key), preserveAspectRatio: "xMidYMid meet" });
  root.append(el("title", {}, t(c.key)));
  for (const tick of [0, 0.5, 1]) {
    const v = tick * max;
    root.append(el("line", { x1: pad.l, x2: W - pad.r, y1: y(v), y2: y(v), stroke: "#c9ccd1" }));
    root.append(el("text", { x: pad.l - 6, y: y(v) + 4, "text-anchor": "end", "font-size": 11, fill: "#1d2327" }, c.percent ? `${Math.round(tick * 100)}%` : String(Math.round(v))));
  }
  labels.forEach((l, i) => root.append(el("text", { x: pad.l + slot * (i + 0.5), y: H - 8, "text-anchor": "middle", "font-size": 11, fill: "#1d2327" }, l)));
  if (c.kind === "line") {
    const s = c.series[0];
    const pts = s.values.map((v, i) => (v === null || v === undefined ? null : [pad.l + slot * (i + 0.5), y(v)])).filter(Boolean);
    if (pts.length) root.append(el("polyline", { points: pts.map((p) => p.join(",")).join(" "), fill: "none", stroke: COLOURS[0], "stroke-width": 2.5 }));
    for (const [px, py] of pts) root.append(el("circle", { cx: px, cy: py, r: 3.5, fill: COLOURS[0] }));
    return root;
  }
  labels.forEach((_, i) => {
    let base = 0;
    c.series.forEach((s, k) => {
      const v = s.values[i] || 0;
      const colour = COLOURS[k % COLOURS.length];
      if (c.kind === "stack") {
        if (v > 0) root.append(el("rect", { x: pad.l + slot * i + slot * 0.15, width: slot * 0.7, y: y(base + v), height: y(base) - y(base + v), fill: colour }));
        base += v;
      } else {
        const w = (slot * 0.8) / c.series.length;
        if (v > 0) root.append(el("rect", { x: pad.l + slot * i + slot * 0.1 + w * k, width: w, y: y(v), height: y(0) - y(v), fill: colour }));
      }
    });
  });
  return root;
}

function rowsPanel(d) {
  if (!d.rows || !d.rows.length) return null;
  const name = (r) => r.court || r.district || r.province || "—";
  return h(
    "div",
    { class: "panel", id: "monitor-rows" },
    h("h2", { i18n: `monitor.rows_${d.rows_by}` }),
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        {},
        h("caption", { i18n: `monitor.rows_${d.rows_by}` }),
        h(
          "thead",
          {},
          h("tr", {}, ["monitor.place", "monitor.pending", "monitor.decided", "monitor.evidence_in_time", "monitor.median_to_evidence", "monitor.not_held", "monitor.recalls", "monitor.override_rate"].map((k) => h("th", { scope: "col", i18n: k }))),
        ),
        h(
          "tbody",
          {},
          d.rows.map((r) => {
            const f = r.figures;
            return h(
              "tr",
              {},
              h("th", { scope: "row", text: name(r) }),
              [num(f.child_cases.pending), num(f.child_cases.decided), pct(f.child_evidence_in_time.share_within), num(f.cognizance_to_child_evidence.median_days, 1), num(f.hearings.not_held), num(f.appearances.recalls), pct(f.adjournments.override_rate)].map((v) => h("td", { text: v })),
            );
          }),
        ),
      ),
    ),
  );
}

function judgesPanel(f) {
  const judges = f.adjournments.by_judge || [];
  if (!judges.length) return null;
  return h(
    "div",
    { class: "panel", id: "monitor-judges" },
    h("h2", { i18n: "monitor.judges" }),
    h(
      "table",
      {},
      h("caption", { i18n: "monitor.judges" }),
      h("thead", {}, h("tr", {}, ["monitor.judge", "monitor.decisions", "monitor.adj_overridden", "monitor.override_rate"].map((k) => h("th", { scope: "col", i18n: k })))),
      h("tbody", {}, judges.map((j) => h("tr", {}, h("th", { scope: "row", text: j.judge }), h("td", { text: num(j.decided) }), h("td", { text: num(j.overridden) }), h("td", { text: pct(j.override_rate) })))),
    ),
  );
}
