// Find a slot: the scheduler's feasible slots for one hearing, earliest
// first, each with its never-meet plan, and booking one of them.

import * as api from "../core/api.js";
import * as court from "../core/court.js";
import { h, tx, code, when, field, checkbox, select, dataSelect, replace, status, showError, showOk, notAvailable, formData } from "../core/ui.js";
import { heading } from "../core/shell.js";
import { HEARING_KINDS } from "./cases.js";
import { book, waitingHearing } from "./booking.js";

/** The list in a response, whichever envelope the route uses. */
export function itemsOf(r) {
  if (Array.isArray(r)) return r;
  return r?.items || r?.slots || [];
}

export function mount(el, ctx, [caseArg]) {
  const results = h("div", { id: "slot-results" });
  const msg = status();
  el.append(heading("slots", "clerk.slots"), h("p", { i18n: "slots.intro" }));
  const form = h("form", { class: "inline panel", id: "slot-form" });
  el.append(form, msg, results);
  (async () => {
    let cases = [];
    try {
      cases = await court.cases();
    } catch (err) {
      showError(msg, err);
    }
    form.append(
      field("slots.case", dataSelect("case_id", cases.map((c) => [c.id, `${c.number}${c.child_victim ? " ★" : ""}`]), caseArg)),
      field("hearing.kind", select("kind", HEARING_KINDS, "kind.", "evidence")),
      field("hearing.minutes", h("input", { name: "minutes", type: "number", min: 15, max: 480, step: 15, value: 90 })),
      checkbox("hearing.child_testifies", "child_testifies", true),
      field("hearing.mode", select("mode", ["video_link", "in_person"], "mode.", "video_link")),
      h("button", { type: "submit", i18n: "slots.search" }),
    );
  })();
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const d = formData(form);
    replace(msg);
    replace(results, h("p", { i18n: "loading" }));
    try {
      // The case's hearing waiting for a date is the one the slots are for.
      const waiting = await waitingHearing(d.case_id, d.kind).catch(() => null);
      d.hearing_id = waiting?.id;
      const r = await api.get(`/api/hearings/slots${api.qs({ case_id: d.case_id, kind: d.kind, minutes: d.minutes, child_testifies: d.child_testifies, mode: d.mode, hearing_id: d.hearing_id })}`);
      const [rooms, judges] = await Promise.all([court.rooms(ctx.session.court_id), court.judges(ctx.session.court_id).catch(() => [])]);
      replace(results, slotList(itemsOf(r), d, rooms, judges, msg), ruledOut(r.ruled_out));
    } catch (err) {
      // Before the scheduler is served, `/hearings/slots` falls to the
      // sibling route `/hearings/{id}`, which refuses "slots" as an id.
      const missing = err.unavailable || (err.status === 400 && /^path:/.test(err.message));
      if (missing) replace(results, notAvailable("clerk.slots"));
      else showError(results, err);
    }
  });
}

function name(list, id, key) {
  return list.find((x) => x.id === id)?.[key] || (id ? `#${id}` : "");
}

function planLines(slot) {
  // The scheduler's never-meet plan: one line per side, whatever it names.
  const plan = slot.plan || slot.arrival || slot.separation || slot.sides;
  if (!plan) return null;
  const sides = Array.isArray(plan) ? plan : Object.entries(plan).map(([side, v]) => ({ side, ...(typeof v === "object" ? v : { note: v }) }));
  return h(
    "ul",
    { class: "plan" },
    sides.map((p) =>
      h(
        "li",
        {},
        h("strong", { i18n: `side.${p.side}` }),
        ": ",
        p.waiting_area_name || p.waiting_area?.name || p.waiting_area || "",
        p.entrance ? [" · ", h("span", { text: p.entrance })] : null,
        p.arrives_at || p.arrive_at ? [" · ", tx("arrival.arrive"), " ", when(p.arrives_at || p.arrive_at, "time")] : null,
        p.departs_at ? [" · ", tx("arrival.leave"), " ", when(p.departs_at, "time")] : null,
      ),
    ),
  );
}

function slotList(slots, d, rooms, judges, msg) {
  if (!slots.length) return h("p", { class: "notice", i18n: "slots.none" });
  return h(
    "ol",
    { class: "slots" },
    slots.map((s, i) => {
      const book = h("button", { type: "button", i18n: "slots.book", dataset: { slot: i } });
      book.addEventListener("click", async () => {
        book.disabled = true;
        try {
          const id = await book(d.case_id, {
            hearing_id: s.hearing_id || d.hearing_id,
            kind: d.kind,
            judge_id: s.judge_id,
            room_id: s.room_id,
            starts_at: s.starts_at,
            ends_at: s.ends_at,
            child_testifies: !!d.child_testifies,
            mode: d.mode,
          });
          showOk(msg, "slots.booked");
          location.hash = `#arrival/${id}`;
        } catch (err) {
          book.disabled = false;
          showError(msg, err);
        }
      });
      return h(
        "li",
        { class: "panel" },
        h(
          "p",
          {},
          h("strong", {}, when(s.starts_at), " – ", when(s.ends_at, "time")),
          " · ",
          h("bdi", { text: s.room || s.room_name || name(rooms, s.room_id, "name") }),
          " · ",
          h("bdi", { text: s.judge_name || name(judges, s.judge_id, "display_name") }),
          s.after_deadline ? [" ", h("span", { class: "badge custody", i18n: "slots.after_deadline" })] : null,
        ),
        planLines(s),
        book,
      );
    }),
  );
}

/** Why earlier times were not offered: the rule and its section. */
function ruledOut(list) {
  if (!list || !list.length) return null;
  return h(
    "details",
    { class: "panel why", id: "ruled-out" },
    h("summary", { i18n: "slots.ruled_out" }),
    h(
      "ul",
      {},
      list.slice(0, 12).map((r) => h("li", {}, r.starts_at ? when(r.starts_at) : when(r.day, "plain"), " · ", h("bdi", { text: r.detail || r.rule }), r.section ? [" ", code(`(${r.section})`)] : null)),
    ),
  );
}
