// Adjournment requests. The rule profile checks a request before it
// reaches the judge; a refused one is still recorded (for the judge to
// override) and the page shows the rule and statute that refused it.

import * as api from "../core/api.js";
import * as dates from "../core/dates.js";
import { ofCourt, shownStatus } from "../core/adjournments.js";
import { h, tx, code, datum, when, field, select, checkbox, replace, status, showError, notAvailable, formData } from "../core/ui.js";
import { learn } from "../core/i18n.js";
import { heading } from "../core/shell.js";
import { hearingPicker } from "./hearing-picker.js";

// The reason codes of the rule profiles; a code the court's profile does not
// allow is refused by the server, with the rule, which the page shows.
export const REASONS = ["child_unwell_certified", "judge_on_leave", "counsel_engaged_elsewhere", "witness_not_served", "documents_not_supplied", "accused_not_produced"];
export const REQUESTERS = ["prosecution", "defence", "court", "child_side"];

/** Shown in the list; a court's history runs long. */
const LIST_LIMIT = 50;

export function mount(el, ctx, [hearingArg]) {
  const msg = status();
  const out = h("div", { id: "adjournment-result" });
  const list = h("div", { id: "adjournment-list" });
  el.append(heading("adjournments", "clerk.adjournments"), h("p", { i18n: "adjourn.intro" }));
  const form = h(
    "form",
    { class: "stack panel", id: "adjourn-form" },
    field("arrival.hearing", hearingPicker(ctx, hearingArg)),
    field("adjourn.requested_by", select("requested_by", REQUESTERS, "requester.")),
    field("adjourn.reason", select("reason_code", REASONS, "reason.")),
    checkbox("adjourn.for_child_welfare", "for_child_welfare"),
    field("adjourn.details", h("textarea", { name: "details", rows: 3, required: true, maxlength: 2000 }), "adjourn.details_hint"),
    field("adjourn.proposed_date", h("input", { name: "proposed_date", type: "date", min: dates.today() }), "adjourn.proposed_hint"),
    field("adjourn.proposed_time", h("input", { name: "proposed_time", type: "time", value: "10:00" })),
    h("div", { class: "actions" }, h("button", { type: "submit", i18n: "adjourn.submit" })),
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const d = formData(form);
    if (!d.hearing) return form.elements.hearing.focus();
    if (!d.details) return form.elements.details.focus();
    const body = { requested_by: d.requested_by, reason_code: d.reason_code, details: d.details, for_child_welfare: d.for_child_welfare };
    // The new hearing keeps the old one's length; the server works it out.
    if (d.proposed_date) body.proposed_starts_at = dates.instant(d.proposed_date, d.proposed_time || "10:00");
    replace(msg);
    try {
      const a = await api.post(`/api/hearings/${d.hearing}/adjournments`, body);
      replace(out, requestCard(a));
      refreshList(list);
    } catch (err) {
      if (err.unavailable) return replace(out, notAvailable("clerk.adjournments"));
      if (err.problem?.adjournment_id) {
        // Refused by rule, yet recorded: the clerk sees which rule, and the judge may override it.
        const a = { id: err.problem.adjournment_id, status: "refused_by_rule", refusals: err.problem.refusals || [], detail: err.message, rule: err.rule };
        replace(out, requestCard(a));
        refreshList(list);
      } else {
        replace(out);
        showError(msg, err);
      }
    }
  });
  el.append(form, msg, out, h("h2", { i18n: "adjourn.recent" }), list);
  refreshList(list);
}

/** The rules that refused a request, each with its statute section. */
export function refusalList(refusals) {
  if (!refusals?.length) return null;
  return h(
    "ul",
    { class: "refusals" },
    refusals.map((r) => h("li", { class: "rule", dataset: { rule: r.rule, code: r.code || "" } }, refusalSentence(r), " ", code(`(${r.section})`))),
  );
}

/**
 * A refusal in the reader's language, from its code and figures; a refusal
 * stored before they were kept shows the server's English detail, isolated.
 */
export function refusalSentence(r) {
  const p = r.params || {};
  const known = {
    reason_not_for_child: () => [tx("refusal.reason_not_for_child"), " ", tx(`reason.${p.reason}`)],
    no_fixed_date: () => tx("refusal.no_fixed_date"),
    remand_too_long: () => tx("refusal.remand_too_long", { days: p.days, max: p.max }),
    child_present: () => [tx("refusal.child_present"), " ", tx(`requester.${p.party}`)],
    same_reason_twice: () => [tx("refusal.same_reason_twice"), " ", tx(`requester.${p.party}`), " · ", tx(`reason.${p.reason}`)],
    party_limit: () => [tx("refusal.party_limit", { count: p.count, max: p.max }), " ", tx(`requester.${p.party}`)],
    case_limit: () => tx("refusal.case_limit", { count: p.count, max: p.max }),
    past_deadline: () => [tx("refusal.past_deadline"), " ", clockTitle(p), " · ", when(p.deadline, "plain")],
    broken_not_earliest: () => [tx("refusal.broken_not_earliest"), " ", when(p.earliest, "plain"), " · ", clockTitle(p)],
  };
  const say = known[r.code];
  return say ? h("span", { class: "sentence" }, say()) : h("p", { class: "muted" }, datum(r.detail || ""));
}

function clockTitle(p) {
  learn(`clock_title.${p.clock}`, { en: p.clock_title, ur: p.clock_title_ur || p.clock_title });
  return tx(`clock_title.${p.clock}`);
}

function requestCard(a) {
  const shown = shownStatus(a);
  const refused = a.status === "refused_by_rule";
  return h(
    "div",
    { class: `notice ${refused ? "error" : "ok"}`, role: refused ? "alert" : "status", dataset: { status: shown, adjournment: a.id } },
    h("strong", { i18n: `adjourn.status.${shown}` }),
    refused ? [h("p", {}, tx("adjourn.refusals")), refusalList(a.refusals)] : null,
    refused ? h("p", { i18n: "adjourn.recorded_as", vars: { id: a.id } }) : null,
  );
}

async function refreshList(box) {
  try {
    const items = (await ofCourt()).slice(0, LIST_LIMIT);
    if (!items.length) return replace(box, h("p", { i18n: "adjourn.none" }));
    const cols = ["adjourn.case", "arrival.hearing", "adjourn.reason", "hearing.status", "adjourn.rule", "adjourn.when"];
    replace(
      box,
      h(
        "table",
        {},
        h("thead", {}, h("tr", {}, cols.map((k) => h("th", { scope: "col", i18n: k })))),
        h(
          "tbody",
          {},
          items.map((a) =>
            h(
              "tr",
              { dataset: { adjournment: a.id, status: shownStatus(a) } },
              h("td", {}, code(a.case_number || `#${a.case_id}`)),
              h("td", {}, code(`#${a.hearing_id}`), a.new_hearing_id ? [" → ", code(`#${a.new_hearing_id}`)] : null),
              h("td", {}, tx(`reason.${a.reason_code}`), " · ", tx(`requester.${a.requested_by}`)),
              h("td", {}, tx(`adjourn.status.${shownStatus(a)}`), a.decision_reasons ? h("p", { class: "muted" }, tx("adjourn.judge_reasons"), ": ", datum(a.decision_reasons)) : null),
              h("td", {}, refusalList(a.refusals) || ""),
              h("td", {}, when(a.created_at)),
            ),
          ),
        ),
      ),
    );
  } catch (err) {
    if (err.unavailable) replace(box, notAvailable("adjourn.recent"));
    else showError(box, err);
  }
}
