// The clerk's cases: the list, registering a case, its parties (the child's
// name and date of birth only where the API gives them) and its hearings.

import * as api from "../core/api.js";
import * as court from "../core/court.js";
import * as dates from "../core/dates.js";
import { h, tx, code, when, field, checkbox, select, dataSelect, replace, status, showError, showOk, load, formData } from "../core/ui.js";
import { heading } from "../core/shell.js";
import { book } from "./booking.js";

export const PARTY_ROLES = ["child_witness", "guardian", "support_person", "intermediary", "prosecutor", "defence_counsel", "accused", "witness"];
export const SIDES = ["child", "accused", "neutral"];
export const HEARING_KINDS = ["mention", "charge", "ground_rules", "evidence", "cross_examination", "arguments", "bail", "judgment"];

export function mount(el, ctx, [caseId]) {
  if (caseId) return detail(el, ctx, Number(caseId));
  return list(el, ctx);
}

export function childBadges(c) {
  return (c.children || []).map((ch) => h("span", { class: "badge child" }, h("span", { text: ch.pseudonym }), ch.age != null ? [" · ", tx("age.years", { n: ch.age })] : null));
}

function list(el, ctx) {
  const region = h("div");
  el.append(heading("cases", "clerk.cases"), newCaseForm(ctx), h("h2", { i18n: "clerk.case_list" }), region);
  load(region, "clerk.cases", async () => {
    const cases = await court.cases();
    if (!cases.length) return h("p", { i18n: "clerk.no_cases" });
    return h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { id: "case-table" },
        h("caption", { class: "visually-hidden", i18n: "clerk.case_list" }),
        h("thead", {}, h("tr", {}, ["case.number", "case.offence", "case.children", "case.cognizance", "case.custody"].map((k) => h("th", { scope: "col", i18n: k })))),
        h(
          "tbody",
          {},
          cases.map((c) =>
            h(
              "tr",
              {},
              h("td", {}, h("a", { href: `#cases/${c.id}`, class: "ltr", text: c.number })),
              h("td", { text: c.offence }),
              h("td", {}, c.child_victim ? childBadges(c) : tx("case.no_child")),
              h("td", {}, when(c.cognizance_date, "plain")),
              h("td", {}, c.accused_in_custody ? h("span", { class: "badge custody", i18n: "case.in_custody" }) : tx("case.on_bail")),
            ),
          ),
        ),
      ),
    );
  });
}

function newCaseForm(ctx) {
  const msg = status();
  const form = h(
    "form",
    { class: "stack", id: "new-case" },
    field("case.number", h("input", { name: "number", required: true, autocomplete: "off" }), "case.number_hint"),
    field("case.offence", h("input", { name: "offence", required: true, autocomplete: "off" })),
    field("case.cognizance", h("input", { name: "cognizance_date", type: "date", required: true, max: dates.today() })),
    checkbox("case.custody_check", "accused_in_custody"),
    h("div", { class: "actions" }, h("button", { type: "submit", i18n: "clerk.register" })),
    msg,
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const d = formData(form);
    try {
      const c = await api.post("/api/cases", d);
      showOk(msg, "clerk.registered", { number: c.number });
      location.hash = `#cases/${c.id}`;
    } catch (err) {
      showError(msg, err);
      focusField(form, err);
    }
  });
  return h("details", { class: "panel", id: "new-case-box" }, h("summary", { i18n: "clerk.new_case" }), form);
}

export function focusField(form, err) {
  const name = err?.field;
  const input = name && form.elements[name];
  if (input) {
    input.setAttribute("aria-invalid", "true");
    input.focus();
  }
}

async function detail(el, ctx, caseId) {
  const region = h("div");
  el.append(h("p", { class: "no-print" }, h("a", { href: "#cases", i18n: "clerk.back_to_cases" })), region);
  await load(region, "clerk.cases", async () => {
    const [c, rooms, judges] = await Promise.all([api.get(`/api/cases/${caseId}`), court.rooms(ctx.session.court_id), court.judges(ctx.session.court_id).catch(() => [])]);
    const roomName = (id) => rooms.find((r) => r.id === id)?.name || (id ? `#${id}` : "");
    const judgeName = (id) => judges.find((j) => j.id === id)?.display_name || (id ? `#${id}` : "");
    return h(
      "div",
      {},
      h("h1", { id: "h-cases" }, tx("case.heading"), " ", code(c.number)),
      h(
        "div",
        { class: "panel" },
        h("p", {}, h("strong", { i18n: "case.offence" }), ": ", h("span", { text: c.offence })),
        h("p", {}, h("strong", { i18n: "case.cognizance" }), ": ", when(c.cognizance_date, "date")),
        h("p", {}, c.accused_in_custody ? h("span", { class: "badge custody", i18n: "case.in_custody" }) : tx("case.on_bail"), " ", childBadges(c)),
      ),
      h("h2", { i18n: "case.parties" }),
      partiesTable(c.parties),
      addPartyForm(ctx, caseId),
      h("h2", { i18n: "case.hearings" }),
      hearingsTable(c, roomName, judgeName),
      h("p", {}, h("a", { href: `#slots/${caseId}`, class: "button", i18n: "clerk.find_slot_for_case" })),
      scheduleForm(ctx, c, rooms, judges),
    );
  });
}

function partiesTable(parties) {
  if (!parties.length) return h("p", { i18n: "case.no_parties" });
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { id: "party-table" },
      h("caption", { class: "visually-hidden", i18n: "case.parties" }),
      h("thead", {}, h("tr", {}, ["party.name", "party.role", "party.side", "party.dob"].map((k) => h("th", { scope: "col", i18n: k })))),
      h(
        "tbody",
        {},
        parties.map((p) =>
          h(
            "tr",
            { dataset: { role: p.role } },
            h("td", {}, h("span", { text: p.name }), p.identity_withheld ? [" ", h("span", { class: "badge", i18n: "party.withheld" })] : null),
            h("td", { i18n: `role.${p.role}` }),
            h("td", { i18n: `side.${p.side}` }),
            h("td", {}, p.date_of_birth ? [when(p.date_of_birth, "plain"), " "] : null, p.age != null ? h("span", { class: "badge" }, tx("age.years", { n: p.age })) : null),
          ),
        ),
      ),
    ),
  );
}

function addPartyForm(ctx, caseId) {
  const msg = status();
  const role = select("role", PARTY_ROLES, "role.");
  const dob = h("input", { name: "date_of_birth", type: "date", max: dates.today() });
  const dobField = field("party.dob", dob, "party.dob_hint");
  const side = select("side", ["", ...SIDES], "side.");
  side.options[0].dataset.i18n = "party.side_default";
  const sync = () => {
    dobField.hidden = role.value !== "child_witness";
  };
  role.addEventListener("change", sync);
  sync();
  const form = h(
    "form",
    { class: "stack", id: "add-party" },
    field("party.role", role),
    field("party.name", h("input", { name: "name", required: true, autocomplete: "off" })),
    dobField,
    field("party.side", side, "party.side_hint"),
    h("div", { class: "actions" }, h("button", { type: "submit", i18n: "party.add" })),
    msg,
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const d = formData(form);
    const body = { role: d.role, name: d.name };
    if (d.side) body.side = d.side;
    if (d.role === "child_witness") body.date_of_birth = d.date_of_birth;
    try {
      await api.post(`/api/cases/${caseId}/parties`, body);
      court.invalidate();
      window.dispatchEvent(new HashChangeEvent("hashchange"));
    } catch (err) {
      showError(msg, err);
      focusField(form, err);
    }
  });
  return h("details", { class: "panel", id: "add-party-box" }, h("summary", { i18n: "party.add_title" }), form);
}

function hearingsTable(c, roomName, judgeName) {
  if (!c.hearings.length) return h("p", { i18n: "case.no_hearings" });
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { id: "hearing-table" },
      h("caption", { class: "visually-hidden", i18n: "case.hearings" }),
      h("thead", {}, h("tr", {}, ["hearing.when", "hearing.kind", "hearing.room", "hearing.judge", "hearing.status", "hearing.actions"].map((k) => h("th", { scope: "col", i18n: k })))),
      h(
        "tbody",
        {},
        c.hearings.map((hr) =>
          h(
            "tr",
            { dataset: { hearing: hr.id } },
            h("td", {}, hr.starts_at ? [when(hr.starts_at), " – ", when(hr.ends_at, "time")] : tx("hearing.unscheduled")),
            h("td", {}, tx(`kind.${hr.kind}`), hr.child_testifies ? [" ", h("span", { class: "badge child", i18n: "hearing.child_testifies" })] : null, hr.mode === "video_link" ? [" ", h("span", { class: "badge video", i18n: "mode.video_link" })] : null),
            h("td", { text: roomName(hr.room_id) }),
            h("td", { text: judgeName(hr.judge_id) }),
            h("td", { i18n: `status.${hr.status}` }),
            h(
              "td",
              { class: "actions" },
              hr.starts_at ? h("a", { href: `#arrival/${hr.id}`, i18n: "clerk.arrival_plan" }) : null,
              h("a", { href: `#adjournments/${hr.id}`, i18n: "clerk.request_adjournment" }),
            ),
          ),
        ),
      ),
    ),
  );
}

function scheduleForm(ctx, c, rooms, judges) {
  const msg = status();
  // Shown when the scheduler refuses a date past a statutory deadline: the
  // clerk may still book it, with the reason recorded (CrPC s.344).
  const delayField = field("hearing.delay_reason", h("textarea", { name: "delay_reason", rows: 2 }), "hearing.delay_hint");
  delayField.hidden = true;
  const hasChild = c.child_victim;
  const form = h(
    "form",
    { class: "stack", id: "schedule-hearing" },
    field("hearing.kind", select("kind", HEARING_KINDS, "kind.", hasChild ? "evidence" : "mention")),
    field("hearing.judge", dataSelect("judge_id", judges.map((j) => [j.id, j.display_name]))),
    field("hearing.room", dataSelect("room_id", rooms.map((r) => [r.id, r.name + (r.video_link ? " (video)" : "")]))),
    field("hearing.date", h("input", { name: "date", type: "date", required: true, min: dates.today() })),
    field("hearing.start", h("input", { name: "time", type: "time", required: true, value: "10:00", step: 900 })),
    field("hearing.minutes", h("input", { name: "minutes", type: "number", min: 15, max: 480, step: 15, value: 60, required: true })),
    checkbox("hearing.child_testifies", "child_testifies", hasChild),
    field("hearing.mode", select("mode", ["video_link", "in_person"], "mode.", hasChild ? "video_link" : "in_person")),
    delayField,
    h("div", { class: "actions" }, h("button", { type: "submit", i18n: "hearing.book" })),
    msg,
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const d = formData(form);
    if (!d.date || !d.time) {
      showError(msg, new api.ApiError(422, { detail: "—", field: d.date ? "time" : "date" }));
      focusField(form, { field: d.date ? "time" : "date" });
      return;
    }
    const body = {
      kind: d.kind,
      judge_id: Number(d.judge_id),
      room_id: Number(d.room_id),
      starts_at: dates.instant(d.date, d.time),
      ends_at: dates.instant(d.date, d.time, Number(d.minutes) || 60),
      child_testifies: d.child_testifies,
      mode: d.mode,
    };
    if (d.delay_reason) body.delay_reason = d.delay_reason;
    try {
      await book(c.id, body);
      showOk(msg, "hearing.booked");
      window.dispatchEvent(new HashChangeEvent("hashchange"));
    } catch (err) {
      showError(msg, err);
      if (err.rule?.rule === "statutory_clock" && /delay_reason/.test(err.message)) {
        delayField.hidden = false;
        form.elements.delay_reason.focus();
      } else focusField(form, err);
    }
  });
  return h("details", { class: "panel", id: "schedule-box" }, h("summary", { i18n: "hearing.book_title" }), form);
}
