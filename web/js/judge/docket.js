// The judge's docket in priority order: each row says why it is where it
// is, and its statutory clocks turn red when near or broken.

import * as api from "../core/api.js";
import * as court from "../core/court.js";
import * as dates from "../core/dates.js";
import { h, tx, code, datum, when, replace, load, notAvailable } from "../core/ui.js";
import { learn } from "../core/i18n.js";
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
  // The week day by day, today first: a judge with a hundred matters a
  // day reads today's list while the rest of the week arrives.
  const days = [];
  for (let d = from; d <= to; d = dates.addDays(d, 1)) days.push(d);
  const today = dates.today();
  const order = days.includes(today) ? [today, ...days.filter((d) => d !== today)] : days;
  const sections = new Map(days.map((d) => [d, h("section", { class: "docket-day", dataset: { day: d } })]));
  if (days.length > 1) {
    for (const d of days) sections.get(d).append(h("h2", {}, when(d, "day")));
  }
  const boxes = new Map(days.map((d) => [d, h("div", {}, h("p", { class: "muted", i18n: "loading" }))]));
  for (const d of days) sections.get(d).append(boxes.get(d));
  region.append(...sections.values());
  (async () => {
    for (const d of order) {
      await load(boxes.get(d), "judge.docket", () => dayOfDocket(ctx, d, days.length === 1));
    }
  })();
}

/** One day of the judge's docket; the plain list where the docket is not served. */
async function dayOfDocket(ctx, day, only) {
  try {
    const r = await api.get(`/api/docket${api.qs({ judge_id: ctx.session.user_id, date: day })}`);
    learnClockTitles(r.clock_titles);
    const items = Array.isArray(r) ? r : r.items || [];
    // A quiet day in a week says nothing; a day asked for alone says so.
    if (!items.length && !only) return h("p", { class: "muted", i18n: "judge.nothing_listed" });
    return docketTable(items, day);
  } catch (err) {
    if (!err.unavailable) throw err;
    // Until the priority docket is served, the judge still sees the list.
    const hearings = (await court.hearings(ctx.session.court_id, day, day)).filter((x) => x.judge_id === ctx.session.user_id);
    return h("div", {}, notAvailable("judge.priority_order"), plainList(hearings));
  }
}

/** The profile's clock titles, in both languages, as page text. */
export function learnClockTitles(titles) {
  for (const c of titles || []) {
    learn(`clock_title.${c.id}`, { en: c.title, ur: c.title_ur || c.title });
    clockSections.set(c.id, c.section);
  }
}
const clockSections = new Map();

/** A clock's name in the reader's language, learnt from the profile's titles. */
function clockName(c) {
  if (c.title) learn(`clock_title.${c.id}`, { en: c.title, ur: c.title_ur || c.title });
  if (c.section) clockSections.set(c.id, c.section);
  return tx(`clock_title.${c.id}`);
}

function clockSection(c) {
  const section = c.section || clockSections.get(c.id);
  return section ? [" ", h("bdi", { text: `(${section})` })] : null;
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
      h("strong", {}, clockName(c)),
      clockSection(c),
      h("br"),
      left != null ? (left < 0 ? tx("clock.overdue", { n: -left }) : tx("clock.days_left", { n: left })) : null,
      c.state && c.state !== "running" && c.state !== "broken" ? [" ", tx(`clock.${c.state}`)] : null,
      c.deadline ? [" · ", when(c.deadline, "plain")] : null,
    );
  });
}

/**
 * One part of the score as a sentence in the reader's language, from its
 * factor and figures (the server sends no prose).
 */
export function whySentence(p) {
  const f = p.factor;
  switch (f) {
    case "broken_clock":
      return p.clock
        ? [tx("why.broken_clock", { days: p.days }), " ", tx(`clock_title.${p.clock}`), clockSection({ id: p.clock }), p.others ? [" · ", tx("why.broken_clock.others", { n: p.others })] : null, " · ", when(p.on, "plain")]
        : tx("why.broken_clock.none");
    case "child_victim":
      return tx(p.applies ? "why.child_victim" : "why.child_victim.none");
    case "youngest_child":
      return p.age != null ? [tx("why.youngest_child", { age: p.age, under: p.under, years: Math.max(0, p.under - p.age) }), p.section ? [" (", code(p.section), ")"] : null] : tx("why.youngest_child.none");
    case "nearest_deadline":
      return p.clock ? [tx("why.nearest_deadline", { days: p.days }), " ", tx(`clock_title.${p.clock}`), clockSection({ id: p.clock }), " · ", when(p.on, "plain")] : tx("why.nearest_deadline.none");
    case "adjournments":
      return tx(p.count ? "why.adjournments" : "why.adjournments.none", { count: p.count || 0 });
    case "accused_in_custody":
      return tx(p.applies ? "why.accused_in_custody" : "why.accused_in_custody.none");
    case "days_since_cognizance":
      return [tx("why.days_since_cognizance", { days: p.days }), " ", when(p.on, "plain")];
    default:
      return datum(p.label || p.reason || f || "");
  }
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
      parts.map((p) => h("li", { dataset: { factor: p.factor || "" } }, p.points != null ? [code(`${p.points >= 0 ? "+" : ""}${p.points}`), " · "] : null, whySentence(p))),
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
        (o.rules || []).map((r) => [" · ", code(r.rule), " (", code(r.section), ")"]),
        h("br"),
        tx("adjourn.judge_reasons"),
        ": ",
        datum(o.reasons || ""),
      ),
    ),
  );
}

function docketTable(rows, day) {
  if (!rows.length) return h("p", { i18n: "judge.nothing_listed" });
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: "docket-table", id: `docket-table-${day}` },
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
            h("td", {}, children.length ? children.map((ch) => h("span", { class: "badge child" }, datum(ch.pseudonym), ch.age != null ? [" · ", tx("age.years", { n: ch.age })] : null, ch.brought != null ? [" · ", tx("child.appearances", { brought: ch.brought, testified: ch.testified ?? 0 })] : null)) : tx("case.no_child")),
            h("td", {}, hr.starts_at ? when(hr.starts_at) : tx("hearing.unscheduled"), h("br"), tx(`kind.${hr.kind}`), hr.room_name ? [h("br"), datum(hr.room_name)] : null),
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
