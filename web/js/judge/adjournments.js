// Adjournment requests waiting for the judge: grant or refuse one the rules
// let through; refuse, or override with written reasons, one they refused.
// Below them, the court's overrides with their reasons, as the record shows.

import * as api from "../core/api.js";
import * as dates from "../core/dates.js";
import { ofCourt, shownStatus } from "../core/adjournments.js";
import { h, tx, code, datum, when, field, replace, status, showError, showOk, load, formData } from "../core/ui.js";
import { heading } from "../core/shell.js";
import { refusalList } from "../clerk/adjournments.js";

const WAITING = new Set(["pending", "refused_by_rule"]);

export function mount(el) {
  const region = h("div", { id: "pending-adjournments" });
  const overrides = h("div", { id: "adjournment-overrides" });
  el.append(heading("adjournments", "judge.adjournments"), region, h("h2", { i18n: "adjourn.overrides" }), overrides);
  const refresh = async () => {
    let items = [];
    await load(region, "judge.adjournments", async () => {
      items = await ofCourt();
      const waiting = items.filter((a) => WAITING.has(a.status));
      if (!waiting.length) return h("p", { i18n: "judge.no_pending" });
      return h("div", {}, waiting.map((a) => card(a, refresh)));
    });
    const done = items.filter((a) => a.overridden);
    replace(overrides, done.length ? h("div", {}, done.map(overridden)) : h("p", { i18n: "adjourn.no_overrides" }));
  };
  refresh();
}

function card(a, refresh) {
  const msg = status();
  const byRule = a.status === "refused_by_rule";
  const reasons = h("textarea", { name: "reasons", rows: 3, maxlength: 4000 });
  const proposed = a.proposed_starts_at;
  const form = h(
    "form",
    { class: "stack", dataset: { adjournment: a.id } },
    field("judge.reasons", reasons, byRule ? "judge.override_hint" : "judge.reasons_hint"),
    h(
      "div",
      { class: "inline-fields" },
      field("judge.next_date", h("input", { name: "new_date", type: "date", min: dates.today(), value: proposed ? dates.localDate(proposed) : "" }), "judge.next_hint"),
      field("judge.next_time", h("input", { name: "new_time", type: "time", value: proposed ? minutesToTime(dates.localMinutes(proposed)) : "10:00" })),
    ),
    h(
      "div",
      { class: "actions" },
      byRule ? null : h("button", { type: "submit", value: "grant", i18n: "judge.grant" }),
      h("button", { type: "submit", value: "refuse", class: "secondary", i18n: "judge.refuse" }),
      byRule ? h("button", { type: "submit", value: "override", class: "danger", i18n: "judge.override" }) : null,
    ),
    msg,
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const choice = e.submitter?.value || "refuse";
    const d = formData(form);
    if (choice === "override" && !d.reasons) {
      replace(msg, h("div", { class: "notice error", role: "alert" }, tx("judge.override_needs_reasons")));
      reasons.focus();
      return;
    }
    // An override is a grant against the rules; the server insists on a full written sentence.
    const body = { decision: choice === "refuse" ? "refuse" : "grant" };
    if (d.reasons) body.reasons = d.reasons;
    if (body.decision === "grant" && d.new_date) {
      const at = dates.instant(d.new_date, d.new_time || "10:00");
      if (!proposed || new Date(at).getTime() !== new Date(proposed).getTime()) body.new_starts_at = at;
    }
    try {
      await api.post(`/api/adjournments/${a.id}/decision`, body);
      showOk(msg, "judge.decided");
      refresh();
    } catch (err) {
      showError(msg, err);
    }
  });
  return h(
    "article",
    { class: "panel", "aria-labelledby": `adj-${a.id}`, dataset: { adjournment: a.id, status: a.status } },
    h("h2", { id: `adj-${a.id}` }, code(a.case_number || `#${a.case_id}`), " · ", tx(`reason.${a.reason_code}`)),
    h(
      "p",
      {},
      tx(`requester.${a.requested_by}`),
      " · ",
      when(a.created_at),
      proposed ? [" · ", tx("adjourn.proposed_date"), ": ", when(proposed)] : null,
      a.for_child_welfare ? [" · ", tx("adjourn.for_child_welfare")] : null,
    ),
    a.details ? h("p", {}, datum(a.details)) : null,
    byRule ? h("div", { class: "notice error" }, h("strong", { i18n: "adjourn.refused_by" }), refusalList(a.refusals)) : null,
    form,
  );
}

function overridden(a) {
  return h(
    "article",
    { class: "panel", dataset: { adjournment: a.id, status: shownStatus(a) } },
    h("h3", {}, code(a.case_number || `#${a.case_id}`), " · ", tx(`reason.${a.reason_code}`), " · ", tx(`adjourn.status.${shownStatus(a)}`)),
    h("p", {}, a.decided_at ? when(a.decided_at) : null, a.new_hearing_id ? [" · ", tx("adjourn.new_hearing"), " ", code(`#${a.new_hearing_id}`)] : null),
    refusalList(a.refusals),
    h("blockquote", { class: "reasons" }, h("strong", { i18n: "adjourn.judge_reasons" }), " ", datum(a.decision_reasons || "")),
  );
}

function minutesToTime(m) {
  return `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
}
