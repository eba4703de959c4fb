// Pending adjournment requests: grant, refuse, or override a refusal with
// written reasons (which the docket and the audit trail then show).

import * as api from "../core/api.js";
import { h, tx, code, when, field, replace, status, showError, showOk, load, formData } from "../core/ui.js";
import { heading } from "../core/shell.js";

export function mount(el) {
  const region = h("div", { id: "pending-adjournments" });
  el.append(heading("adjournments", "judge.adjournments"), region);
  const refresh = () =>
    load(region, "judge.adjournments", async () => {
      const r = await api.get("/api/adjournments?status=pending&per_page=100");
      const items = Array.isArray(r) ? r : r.items || [];
      if (!items.length) return h("p", { i18n: "judge.no_pending" });
      return h("div", {}, items.map((a) => card(a, refresh)));
    });
  refresh();
}

function card(a, refresh) {
  const msg = status();
  const refusedByRule = a.status === "refused" || !!a.rule;
  const reasons = h("textarea", { name: "reasons", rows: 3 });
  const form = h(
    "form",
    { class: "stack", dataset: { adjournment: a.id } },
    field("judge.reasons", reasons, refusedByRule ? "judge.override_hint" : "judge.reasons_hint"),
    h(
      "div",
      { class: "actions" },
      refusedByRule ? null : h("button", { type: "submit", value: "grant", i18n: "judge.grant" }),
      h("button", { type: "submit", value: "refuse", class: "secondary", i18n: "judge.refuse" }),
      refusedByRule ? h("button", { type: "submit", value: "override", class: "danger", i18n: "judge.override" }) : null,
    ),
    msg,
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const decision = e.submitter?.value || "refuse";
    const { reasons: text } = formData(form);
    if (decision === "override" && !text) {
      replace(msg, h("div", { class: "notice error", role: "alert" }, tx("judge.override_needs_reasons")));
      reasons.focus();
      return;
    }
    try {
      await api.post(`/api/adjournments/${a.id}/decision`, { decision, reasons: text || undefined });
      showOk(msg, "judge.decided");
      refresh();
    } catch (err) {
      showError(msg, err);
    }
  });
  return h(
    "article",
    { class: "panel", "aria-labelledby": `adj-${a.id}` },
    h("h2", { id: `adj-${a.id}` }, code(a.case_number || `#${a.case_id || ""}`), " · ", tx(`reason.${a.reason_code}`)),
    h("p", {}, tx(`requester.${a.requested_by}`), a.created_at ? [" · ", when(a.created_at)] : null, a.hearing_starts_at ? [" · ", tx("hearing.when"), ": ", when(a.hearing_starts_at)] : null),
    a.details ? h("p", { text: a.details }) : null,
    a.rule ? h("div", { class: "notice error" }, tx("adjourn.refused_by"), h("span", { class: "rule" }, h("span", { text: a.rule.rule || a.rule }), " — ", code(a.rule.section || a.section || ""))) : null,
    form,
  );
}
