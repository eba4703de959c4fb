// Adjournment requests. The rule profile checks a request before it
// reaches the judge; a refused one shows the rule and statute that refused it.

import * as api from "../core/api.js";
import { h, tx, code, when, field, select, replace, status, showError, showOk, notAvailable, formData } from "../core/ui.js";
import { heading } from "../core/shell.js";
import { hearingPicker } from "./hearing-picker.js";

// The reason codes of the rule profiles; a code the court's profile does not
// allow is refused by the server, with the rule, which the page shows.
export const REASONS = ["child_unwell_certified", "judge_on_leave", "counsel_engaged_elsewhere", "witness_not_served", "documents_not_supplied", "accused_not_produced"];
export const REQUESTERS = ["prosecution", "defence", "court"];

export function mount(el, ctx, [hearingArg]) {
  const msg = status();
  const out = h("div", { id: "adjournment-result" });
  el.append(heading("adjournments", "clerk.adjournments"), h("p", { i18n: "adjourn.intro" }));
  const form = h(
    "form",
    { class: "stack panel", id: "adjourn-form" },
    field("arrival.hearing", hearingPicker(ctx, hearingArg)),
    field("adjourn.requested_by", select("requested_by", REQUESTERS, "requester.")),
    field("adjourn.reason", select("reason_code", REASONS, "reason.")),
    field("adjourn.details", h("textarea", { name: "details", rows: 3 })),
    field("adjourn.proposed_date", h("input", { name: "proposed_date", type: "date" }), "adjourn.proposed_hint"),
    h("div", { class: "actions" }, h("button", { type: "submit", i18n: "adjourn.submit" })),
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const d = formData(form);
    if (!d.hearing) {
      form.elements.hearing.focus();
      return;
    }
    const body = { requested_by: d.requested_by, reason_code: d.reason_code };
    if (d.details) body.details = d.details;
    if (d.proposed_date) body.proposed_date = d.proposed_date;
    try {
      const r = await api.post(`/api/hearings/${d.hearing}/adjournments`, body);
      replace(out, requestCard(r));
      showOk(msg, "adjourn.sent");
    } catch (err) {
      if (err.unavailable) replace(out, notAvailable("clerk.adjournments"));
      else {
        replace(out);
        showError(msg, err);
      }
    }
  });
  el.append(form, msg, out, h("h2", { i18n: "adjourn.recent" }), recent());
}

function requestCard(r) {
  const refused = r.status === "refused" || r.outcome === "refused";
  return h(
    "div",
    { class: `notice ${refused ? "error" : "ok"}`, dataset: { status: r.status || "" } },
    h("strong", { i18n: `adjourn.status.${r.status || "pending"}` }),
    r.rule ? h("span", { class: "rule" }, tx("error.rule"), " ", h("span", { text: r.rule.rule || r.rule }), r.rule.section || r.section ? [" — ", code(r.rule.section || r.section)] : null) : null,
    r.detail ? h("p", { text: r.detail }) : null,
  );
}

function recent() {
  const box = h("div", { id: "adjournment-list" });
  (async () => {
    try {
      const r = await api.get("/api/adjournments?per_page=50");
      const items = Array.isArray(r) ? r : r.items || [];
      if (!items.length) return replace(box, h("p", { i18n: "adjourn.none" }));
      replace(
        box,
        h(
          "table",
          {},
          h("thead", {}, h("tr", {}, ["arrival.hearing", "adjourn.reason", "hearing.status", "adjourn.rule", "adjourn.when"].map((k) => h("th", { scope: "col", i18n: k })))),
          h(
            "tbody",
            {},
            items.map((a) =>
              h(
                "tr",
                {},
                h("td", {}, code(String(a.hearing_id))),
                h("td", { i18n: `reason.${a.reason_code}` }),
                h("td", { i18n: `adjourn.status.${a.status}` }),
                h("td", {}, a.rule ? [h("span", { text: a.rule.rule || a.rule }), " ", code(a.rule.section || a.section || "")] : ""),
                h("td", {}, when(a.created_at || a.requested_at)),
              ),
            ),
          ),
        ),
      );
    } catch (err) {
      if (err.unavailable) replace(box, notAvailable("adjourn.recent"));
      else showError(box, err);
    }
  })();
  return box;
}
