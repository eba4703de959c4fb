// A hearing's notices: what each party was sent, by which channel and in
// which language, and what became of it. The clerk resends one that failed
// (or was never confirmed) and prints the paper ones.

import * as api from "../core/api.js";
import { h, tx, when, replace, status, showError, showOk, field, formData } from "../core/ui.js";
import { heading } from "../core/shell.js";
import { hearingPicker } from "./hearing-picker.js";

export function mount(el, ctx, [hearingArg]) {
  const out = h("div", { id: "notices" });
  const msg = status();
  const input = hearingPicker(ctx, hearingArg);
  input.id = "notices-hearing";
  input.addEventListener("change", () => input.value && (location.hash = `#notices/${input.value}`));
  const form = h("form", { class: "inline panel" }, field("notices.hearing", input), h("button", { type: "submit", i18n: "notices.show" }));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const { hearing } = formData(form);
    if (hearing) location.hash = `#notices/${hearing}`;
  });
  el.append(heading("notices", "clerk.notices"), form, msg, out);
  if (hearingArg) show(out, msg, Number(hearingArg));
}

async function show(out, msg, hearingId) {
  replace(out, h("p", { i18n: "loading" }));
  try {
    const { items } = await api.get(`/api/hearings/${hearingId}/notices`);
    if (!items.length) {
      replace(out, h("p", { id: "notices-empty", i18n: "notices.none" }));
      return;
    }
    const table = h(
      "table",
      { id: "notices-table" },
      h(
        "thead",
        {},
        h("tr", {}, ["notices.kind", "notices.channel", "notices.language", "notices.status", "notices.attempts", "notices.when", ""].map((k) => h("th", { scope: "col", i18n: k || undefined }))),
      ),
      h("tbody", {}, items.map((n) => row(n, out, msg, hearingId))),
    );
    replace(out, table);
  } catch (err) {
    replace(out);
    showError(msg, err);
  }
}

function row(n, out, msg, hearingId) {
  const actions = h("td", {});
  if (n.channel === "paper") {
    actions.append(h("a", { href: `/api/notices/${n.id}/print`, class: "button", target: "_blank", i18n: "notices.print", dataset: { action: "print" } }));
  } else if (n.status !== "sending") {
    const resend = h("button", { type: "button", i18n: "notices.resend", dataset: { action: "resend" } });
    resend.addEventListener("click", async () => {
      resend.disabled = true;
      try {
        await api.post(`/api/notices/${n.id}/resend`);
        await show(out, msg, hearingId);
        showOk(msg, "notices.resent");
      } catch (err) {
        resend.disabled = false;
        showError(msg, err);
      }
    });
    actions.append(resend);
  }
  const state = h("td", {}, h("span", { class: `badge status-${n.status}`, i18n: `notices.status.${n.status}` }));
  if (n.last_error) state.append(h("div", { class: "hint", text: n.last_error }));
  return h(
    "tr",
    { dataset: { notice: n.id, status: n.status, channel: n.channel } },
    h("td", { i18n: `notices.kind.${n.kind}` }),
    h("td", { i18n: `notices.channel.${n.channel}` }),
    h("td", { i18n: `lang.${n.language}` }),
    state,
    h("td", { text: String(n.attempts) }),
    h("td", {}, when(n.sent_at || n.created_at)),
    actions,
  );
}
