// A linked group of cases as one: its cases, every child's single planned
// sitting (pseudonyms and ages where the clerk may not see names), the
// late children, the what-if answers as a table and a small chart, and a
// printable schedule per family (one family a page: each is handed only
// its own).

import * as api from "../core/api.js";
import { h, tx, code, when, replace, status, showError, notAvailable, field, formData } from "../core/ui.js";
import { heading } from "../core/shell.js";

export function mount(el, ctx, [caseArg]) {
  const out = h("div", { id: "group-plan" });
  const msg = status();
  const caseInput = h("input", { name: "case", id: "group-case", type: "number", min: "1", required: true, value: caseArg || "" });
  const from = h("input", { name: "from", id: "group-from", type: "date" });
  const until = h("input", { name: "until", id: "group-until", type: "date" });
  const days = h("input", { name: "video_days", id: "group-video-days", placeholder: "group.video_days_hint" });
  const form = h(
    "form",
    { class: "inline panel no-print", id: "group-form" },
    field("group.case", caseInput),
    field("group.from", from),
    field("group.until", until),
    field("group.video_days", days),
    h("button", { type: "submit", i18n: "group.plan" }),
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const f = formData(form);
    if (!f.case) return;
    const ask = {};
    if (f.from) ask.from = f.from;
    if (f.until) ask.until = f.until;
    if (f.video_days) ask.video_days = f.video_days;
    show(out, msg, Number(f.case), ask);
  });
  el.append(heading("group", "clerk.group"), h("p", { class: "hint no-print", i18n: "group.intro" }), form, msg, out);
  if (caseArg) show(out, msg, Number(caseArg), {});
}

async function show(out, msg, caseId, ask) {
  replace(out, h("p", { i18n: "loading" }));
  replace(msg);
  try {
    const group = await api.get(`/api/case-groups/${caseId}`);
    const plan = await api.post(`/api/case-groups/${caseId}/testimony-plan`, ask);
    const print = h("button", { type: "button", class: "no-print", i18n: "group.print", id: "print-families" });
    print.addEventListener("click", () => window.print());
    replace(
      out,
      summary(group, plan),
      sittingsTable(plan, group),
      lateList(plan),
      whatIf(plan),
      h("div", { class: "actions no-print" }, print),
      families(plan, group),
    );
  } catch (err) {
    if (err.unavailable) {
      replace(out, notAvailable("clerk.group"));
      return;
    }
    replace(out);
    showError(msg, err);
  }
}

function childName(c) {
  return c.identity_withheld ? c.pseudonym || c.name : c.name;
}

function summary(group, plan) {
  return h(
    "section",
    { class: "panel no-print", id: "group-summary" },
    h("h2", { i18n: "group.cases" }),
    h("ul", {}, group.cases.map((c) => h("li", {}, code(c.number)))),
    h("p", { id: "group-counts" }, tx("group.counts", { children: plan.children, in_time: plan.in_time, late: plan.late.length })),
    plan.evidence_read_in_each ? h("p", { class: "hint", i18n: "group.read_in_each" }) : h("p", { class: "hint", i18n: "group.each_case" }),
    group.associates.length
      ? [h("h3", { i18n: "group.associates" }), h("p", { class: "hint", i18n: "group.associates_hint" }), h("ul", {}, group.associates.map((a) => h("li", {}, h("bdi", { text: a.name }), " — ", h("bdi", { text: a.relation }))))]
      : null,
  );
}

/** Families numbered 1, 2, … in the order of their first sitting. */
function familyNumbers(plan) {
  const n = new Map();
  for (const s of plan.sittings) if (!n.has(s.family)) n.set(s.family, n.size + 1);
  return n;
}

function sittingsTable(plan, group) {
  const fam = familyNumbers(plan);
  const numbers = new Map(group.cases.map((c) => [c.id, c.number]));
  const rows = plan.sittings.map((s) =>
    h(
      "tr",
      { class: s.days_late > 0 ? "late" : null, dataset: { child: s.child.id } },
      h("td", {}, h("bdi", { text: childName(s.child) })),
      h("td", { text: s.child.age ?? "" }),
      h("td", { text: fam.get(s.family) }),
      h("td", {}, s.read_in.map((id, i) => [i ? ", " : "", code(numbers.get(id) || String(id))])),
      h("td", {}, when(s.booking.starts_at)),
      h("td", {}, h("bdi", { text: s.booking.room })),
      h("td", {}, s.days_late > 0 ? tx("group.days_late", { n: s.days_late }) : tx("group.in_time")),
    ),
  );
  return h(
    "section",
    { class: "panel no-print" },
    h("h2", { i18n: "group.sittings" }),
    h(
      "table",
      { id: "group-sittings" },
      h("thead", {}, h("tr", {}, ["group.child", "group.age", "group.family", "group.read_in", "group.when", "group.room", "group.clock"].map((k) => h("th", { i18n: k })))),
      h("tbody", {}, rows),
    ),
    plan.not_placed.length
      ? h("ul", { class: "notice" }, plan.not_placed.map((n) => h("li", {}, h("bdi", { text: childName(n.child) }), ": ", h("span", { text: n.detail })))) 
      : null,
  );
}

function lateList(plan) {
  if (!plan.late.length) return h("p", { class: "no-print", id: "group-none-late", i18n: "group.none_late" });
  return h(
    "section",
    { class: "panel no-print", id: "group-late" },
    h("h2", { i18n: "group.late" }),
    h("ul", {}, plan.late.map((l) => h("li", {}, h("bdi", { text: childName(l.child) }), " — ", tx("group.days_late", { n: l.days_late })))),
  );
}

function whatIf(plan) {
  const rows = plan.what_if.map((w) =>
    h("tr", { dataset: { extra: w.extra } }, h("td", { i18n: `group.extra.${w.extra}` }), h("td", {}, code(w.detail)), h("td", { text: w.in_time }), h("td", {}, code(w.gained >= 0 ? `+${w.gained}` : String(w.gained)))),
  );
  return h(
    "section",
    { class: "panel no-print" },
    h("h2", { i18n: "group.what_if" }),
    h(
      "table",
      { id: "group-what-if" },
      h("thead", {}, h("tr", {}, ["group.extra", "group.detail", "group.in_time_count", "group.gained"].map((k) => h("th", { i18n: k })))),
      h("tbody", {}, h("tr", {}, h("td", { i18n: "group.as_it_stands" }), h("td"), h("td", { text: plan.in_time }), h("td")), rows),
    ),
    chart(plan),
  );
}

const SVG = "http://www.w3.org/2000/svg";

function svg(tag, attrs, text) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text != null) el.textContent = String(text);
  return el;
}

/** Children heard in time: the plan as it stands and each answer, as bars. */
function chart(plan) {
  const bars = [{ key: "group.as_it_stands", n: plan.in_time }, ...plan.what_if.map((w) => ({ key: `group.extra.${w.extra}`, n: w.in_time }))];
  const max = Math.max(plan.children, 1);
  const rowH = 26;
  const labelW = 250;
  const barW = 260;
  const width = labelW + barW + 60;
  const height = bars.length * rowH + 10;
  const el = svg("svg", { id: "group-chart", role: "img", viewBox: `0 0 ${width} ${height}`, direction: "ltr", style: `width: 100%; max-width: ${width}px; height: auto` });
  // The bars grow left to right in both languages; each label keeps its own script's shaping.
  el.setAttribute("dir", "ltr");
  el.setAttribute("aria-label", `${plan.in_time} / ${plan.children}`);
  bars.forEach((b, i) => {
    const y = 5 + i * rowH;
    const label = svg("text", { x: labelW - 8, y: y + 16, "text-anchor": "end", "font-size": 12 });
    label.dataset.i18n = b.key;
    label.textContent = h("span", { i18n: b.key }).textContent;
    el.append(label);
    el.append(svg("rect", { x: labelW, y, width: barW, height: rowH - 8, fill: "#eee" }));
    el.append(svg("rect", { x: labelW, y, width: Math.round((barW * b.n) / max), height: rowH - 8, fill: i === 0 ? "#555" : "#2a7d5f", "data-n": b.n }));
    el.append(svg("text", { x: labelW + barW + 6, y: y + 16, "font-size": 12 }, `${b.n}/${plan.children}`));
  });
  return h("figure", {}, el, h("figcaption", { class: "hint", i18n: "group.chart" }));
}

/** One page per family: its children's sittings, the child side's gate,
 * waiting area and arrival. Nothing of the accused side is on it. */
function families(plan, group) {
  const byFamily = new Map();
  for (const s of plan.sittings) {
    if (!byFamily.has(s.family)) byFamily.set(s.family, []);
    byFamily.get(s.family).push(s);
  }
  const numbers = new Map(group.cases.map((c) => [c.id, c.number]));
  return h(
    "div",
    { id: "family-schedules" },
    [...byFamily.entries()].map(([family, sittings]) =>
      h(
        "section",
        { class: "panel family-page arrival-side", dataset: { family } },
        h("h2", {}, tx("group.family_schedule"), " · ", h("span", { text: familyNumbers(plan).get(family) })),
        sittings.map((s) => {
          const child = s.booking.sides.find((x) => x.side === "child");
          return h(
            "dl",
            {},
            h("dt", { i18n: "group.child" }),
            h("dd", {}, h("bdi", { text: childName(s.child) })),
            h("dt", { i18n: "case.heading" }),
            h("dd", {}, s.read_in.map((id) => code(numbers.get(id) || id))),
            h("dt", { i18n: "arrival.date" }),
            h("dd", {}, when(s.booking.starts_at, "date")),
            child ? [h("dt", { i18n: "arrival.arrive" }), h("dd", {}, when(child.arrives_at, "time")), h("dt", { i18n: "arrival.entrance" }), h("dd", {}, h("bdi", { text: child.entrance })), h("dt", { i18n: "arrival.waiting_area" }), h("dd", {}, h("bdi", { text: child.waiting_area }))] : null,
            h("dt", { i18n: "arrival.court_room" }),
            h("dd", { i18n: "arrival.by_video" }),
            h("dt", { i18n: "arrival.leave" }),
            h("dd", {}, child ? when(child.departs_at, "time") : null),
          );
        }),
        h("p", { class: "hint", i18n: "arrival.advice.child" }),
      ),
    ),
  );
}
