// The judge's docket in priority order: each row says why it is where it
// is, and its statutory clocks turn red when near or broken.

import * as api from "../core/api.js";
import * as court from "../core/court.js";
import * as dates from "../core/dates.js";
import { h, tx, code, datum, when, replace, load, notAvailable } from "../core/ui.js";
import { heading } from "../core/shell.js";

export function mount(el, ctx, [spanArg, dayArg]) {
  const span = spanArg === "today" ? "today" : "week";
  // #docket/week/YYYY-MM-DD opens the week of that day (a judge looking ahead).
  const day = /^\d{4}-\d{2}-\d{2}$/.test(dayArg || "") ? dayArg : dates.today();
  const from = span === "today" ? dates.today() : dates.monday(day);
  const to = span === "today" ? from : dates.addDays(from, 6);
  const region = h("div", { id: "docket" });
  el.append(
    heading("docket", "judge.docket"),
    h(
      "div",
      { class: "week-nav" },
      h("a", { class: "button secondary", href: "#docket/today", "aria-current": span === "today" ? "true" : null, i18n: "judge.today", id: "docket-today" }),
      h("a", { class: "button secondary", href: "#docket/week", "aria-current": span === "week" ? "true" : null, i18n: "judge.this_week", id: "docket-week" }),
      h("span", { class: "range" }, when(from, "plain"), to !== from ? [" – ", when(to, "plain")] : null),
    ),
    region,
  );
  load(region, "judge.docket", async () => {
    try {
      const r = await api.get(`/api/docket${api.qs({ judge_id: ctx.session.user_id, from, to })}`);
      return docketTable(Array.isArray(r) ? r : r.items || []);
    } catch (err) {
      if (!err.unavailable) throw err;
      // Until the priority docket is served, the judge still sees the list.
      const hearings = (await court.hearings(ctx.session.court_id, from, to)).filter((x) => x.judge_id === ctx.session.user_id);
      return h("div", {}, notAvailable("judge.priority_order"), plainList(hearings));
    }
  });
}

/** Days left at which a running clock turns amber. */
const NEAR_DAYS = 14;

/** "broken" (red), "near" (amber) or "fine", from the server's clock state. */
export function clockClass(c) {
  const left = c.days_left;
  if (c.state === "broken" || (c.state === undefined && left < 0)) return "broken";
  if ((c.state === "running" || c.state === undefined) && left != null && left <= NEAR_DAYS) return "near";
  return "fine";
}

export function clocks(list) {
  return (list || []).map((c) => {
    const cls = clockClass(c);
    const left = c.state === "running" || c.state === "broken" ? c.days_left : null;
    return h(
      "div",
      { class: `clock ${cls}`, dataset: { clock: c.id || "", state: cls } },
      h("strong", {}, datum(c.title || c.id || "")),
      c.section ? [" ", h("bdi", { text: `(${c.section})` })] : null,
      h("br"),
      left != null ? (left < 0 ? tx("clock.overdue", { n: -left }) : tx("clock.days_left", { n: left })) : null,
      c.state && c.state !== "running" && c.state !== "broken" ? [" ", tx(`clock.${c.state}`)] : null,
      c.deadline ? [" · ", when(c.deadline, "plain")] : null,
    );
  });
}

export function breakdown(b) {
  const all = Array.isArray(b) ? b : Object.entries(b || {}).map(([factor, points]) => ({ factor, points }));
  // The parts that moved the score; the zero ones only when nothing did.
  const moved = all.filter((p) => p.points);
  const parts = moved.length ? moved : all;
  return h(
    "details",
    { class: "why" },
    h("summary", { i18n: "judge.why_first" }),
    h(
      "ul",
      {},
      parts.map((p) => h("li", {}, p.points != null ? [code(`${p.points >= 0 ? "+" : ""}${p.points}`), " · "] : null, datum(p.label || p.reason || p.factor || ""), p.section ? [" (", code(p.section), ")"] : null)),
    ),
  );
}

/** Adjournments granted over the rules in this case, never silently: the rules and the judge's reasons. */
function overrides(list) {
  if (!list?.length) return null;
  return h(
    "div",
    { class: "overrides" },
    list.map((o) =>
      h(
        "p",
        { class: "notice", dataset: { adjournment: o.adjournment_id } },
        h("strong", { i18n: "adjourn.status.overridden" }),
        (o.rules || []).map((r) => [" · ", h("span", { text: r.rule }), " (", code(r.section), ")"]),
        h("br"),
        tx("adjourn.judge_reasons"),
        ": ",
        datum(o.reasons || ""),
      ),
    ),
  );
}

function docketTable(rows) {
  if (!rows.length) return h("p", { i18n: "judge.nothing_listed" });
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { id: "docket-table" },
      h("caption", { class: "visually-hidden", i18n: "judge.docket" }),
      h("thead", {}, h("tr", {}, ["judge.rank", "case.number", "case.children", "hearing.when", "judge.score", "judge.clocks"].map((k) => h("th", { scope: "col", i18n: k })))),
      h(
        "tbody",
        {},
        rows.map((r, i) => {
          const hr = r.hearing || r;
          const c = r.case || {};
          const children = c.children || r.children || [];
          return h(
            "tr",
            { dataset: { hearing: hr.id || hr.hearing_id || "" } },
            h("td", {}, code(String(r.rank ?? i + 1))),
            h("td", {}, code(c.number || r.case_number || ""), h("br"), datum(c.offence || r.offence || "")),
            h("td", {}, children.length ? children.map((ch) => h("span", { class: "badge child" }, h("span", { text: ch.pseudonym }), ch.age != null ? [" · ", tx("age.years", { n: ch.age })] : null, ch.brought != null ? [" · ", tx("child.appearances", { brought: ch.brought, testified: ch.testified ?? 0 })] : null)) : tx("case.no_child")),
            h("td", {}, hr.starts_at ? when(hr.starts_at) : tx("hearing.unscheduled"), h("br"), tx(`kind.${hr.kind}`), hr.room_name ? [h("br"), h("span", { text: hr.room_name })] : null),
            h("td", {}, code(String(r.score ?? r.priority?.score ?? ""))),
            h("td", {}, breakdown(r.breakdown || r.priority?.breakdown || r.why), clocks(r.clocks || r.priority?.clocks), overrides(r.overrides)),
          );
        }),
      ),
    ),
  );
}

function plainList(hearings) {
  if (!hearings.length) return h("p", { i18n: "judge.nothing_listed" });
  return h(
    "ul",
    { id: "plain-docket" },
    hearings.map((x) => h("li", {}, when(x.starts_at), " · ", code(x.case_number), " · ", tx(`kind.${x.kind}`), x.child_testifies ? [" ", h("span", { class: "badge child", i18n: "hearing.child_testifies" })] : null)),
  );
}

void replace;
