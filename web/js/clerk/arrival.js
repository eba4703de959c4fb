// The arrival plan of a hearing: for each side its waiting area, entrance
// and time to arrive. Printed one side per page, so each family is handed
// only its own.

import * as api from "../core/api.js";
import * as court from "../core/court.js";
import { h, tx, code, when, replace, status, showError, notAvailable, field, formData } from "../core/ui.js";
import { heading } from "../core/shell.js";
import { hearingPicker } from "./hearing-picker.js";

export const SIDES = ["child", "accused", "neutral"];

export function mount(el, ctx, [hearingArg]) {
  const out = h("div", { id: "arrival-plans" });
  const msg = status();
  const input = hearingPicker(ctx, hearingArg);
  input.id = "arrival-hearing";
  input.addEventListener("change", () => input.value && (location.hash = `#arrival/${input.value}`));
  const form = h("form", { class: "inline panel no-print" }, field("arrival.hearing", input), h("button", { type: "submit", i18n: "arrival.show" }));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const { hearing } = formData(form);
    if (hearing) location.hash = `#arrival/${hearing}`;
  });
  el.append(heading("arrival", "clerk.arrival"), form, msg, out);
  if (hearingArg) show(out, msg, Number(hearingArg), ctx);
}

async function show(out, msg, hearingId, ctx) {
  replace(out, h("p", { i18n: "loading" }));
  try {
    const hearing = await api.get(`/api/hearings/${hearingId}`);
    const [c, rooms] = await Promise.all([api.get(`/api/cases/${hearing.case_id}`), court.rooms(ctx.session.court_id)]);
    const plans = [];
    for (const side of SIDES) {
      try {
        plans.push([side, await api.get(`/api/hearings/${hearingId}/arrival-plan?side=${side}`)]);
      } catch (err) {
        if (err.unavailable) {
          replace(out, notAvailable("clerk.arrival"));
          return;
        }
        plans.push([side, err]);
      }
    }
    const print = h("button", { type: "button", class: "no-print", i18n: "arrival.print", id: "print-arrival" });
    print.addEventListener("click", () => window.print());
    const room = rooms.find((r) => r.id === hearing.room_id);
    replace(
      out,
      h("div", { class: "actions no-print" }, print),
      plans.map(([side, plan]) => sidePage(side, plan, hearing, c, room)),
    );
  } catch (err) {
    replace(out);
    showError(msg, err);
  }
}

function sidePage(side, plan, hearing, c, room) {
  const page = h("section", { class: "panel arrival-side", dataset: { side } });
  page.append(h("h2", {}, tx("arrival.for_side"), " ", h("span", { i18n: `side.${side}` })));
  page.append(h("p", {}, tx("case.heading"), " ", code(c.number), " · ", tx(`kind.${hearing.kind}`), " · ", when(hearing.starts_at), room ? [" · ", h("span", { text: room.name })] : null));
  if (plan instanceof Error) {
    page.append(h("div", { class: "notice" }, h("span", { text: plan.message })));
    return page;
  }
  // Times arrive as the court's own clock ("09:15") or as instants.
  const clock = (v) => (v == null ? null : /^\d{1,2}:\d{2}$/.test(v) ? code(v) : when(v, "time"));
  const rows = [
    ["arrival.date", plan.date ? when(plan.date, "date") : null],
    ["arrival.arrive", clock(plan.arrive_at ?? plan.arrives_at)],
    ["arrival.entrance", plan.entrance],
    ["arrival.waiting_area", plan.waiting_area?.name ?? plan.waiting_area],
    ["arrival.court_room", plan.on_video_link ? tx("arrival.by_video") : plan.court_room],
    ["arrival.go_in", clock(plan.go_into_court_at)],
    ["arrival.come_out", clock(plan.leave_court_at)],
    ["arrival.breaks", plan.breaks?.length ? code(plan.breaks.join(", ")) : null],
    ["arrival.leave", clock(plan.depart_at ?? plan.departs_at)],
  ].filter(([, v]) => v != null && v !== "");
  page.append(h("dl", {}, rows.map(([k, v]) => [h("dt", { i18n: k }), h("dd", {}, v instanceof Node ? v : h("bdi", { text: v }))])));
  if (plan.instructions?.length) {
    // The server words the instructions in both languages; the page shows the reader's.
    page.append(h("ol", { class: "en-only", lang: "en" }, plan.instructions.map((i) => h("li", { text: i }))));
  }
  if (plan.instructions_ur?.length) {
    page.append(h("ol", { class: "ur-only", lang: "ur", dir: "rtl" }, plan.instructions_ur.map((i) => h("li", { text: i }))));
  }
  page.append(h("p", { class: "hint", i18n: `arrival.advice.${side}` }));
  return page;
}
