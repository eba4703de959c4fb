// Families' feedback as the monitor reads it: each answer of the families
// of the monitor's courts, with what they wrote to the cell. Court staff
// never read these; their court sees counts of five or more.

import * as api from "../core/api.js";
import { h, tx, replace, status, showError, when } from "../core/ui.js";
import { heading } from "../core/shell.js";
import { learn } from "../core/i18n.js";

const TEXT = {
  "monitor.feedback": { en: "Families' feedback", ur: "خاندانوں کی رائے" },
  "monitor.feedback.intro": {
    en: "What families said about their hearing. The courts see only totals of five or more.",
    ur: "خاندانوں نے اپنی سماعت کے بارے میں کیا کہا۔ عدالتیں صرف پانچ یا زیادہ کے مجموعے دیکھتی ہیں۔",
  },
  "monitor.feedback.none": { en: "No answers in this period.", ur: "اس مدت میں کوئی جواب نہیں۔" },
  "monitor.feedback.day": { en: "Hearing", ur: "سماعت" },
  "monitor.feedback.court": { en: "Court", ur: "عدالت" },
  "monitor.feedback.saw": { en: "Saw the accused's side", ur: "ملزم فریق کو دیکھا" },
  "monitor.feedback.waited": { en: "Waited", ur: "انتظار" },
  "monitor.feedback.respected": { en: "Respected", ur: "عزت" },
  "monitor.feedback.report": { en: "Their words", ur: "ان کے الفاظ" },
  "monitor.feedback.by_staff": { en: "(with the support officer)", ur: "(سپورٹ آفیسر کے ساتھ)" },
  "fb.no": { en: "No", ur: "نہیں" },
  "fb.saw_from_afar": { en: "From far away", ur: "دور سے" },
  "fb.came_close": { en: "Came close", ur: "قریب آئے" },
  "fb.under_half_hour": { en: "Under ½ hour", ur: "آدھ گھنٹے سے کم" },
  "fb.half_hour_to_hour": { en: "½–1 hour", ur: "آدھ سے ایک گھنٹہ" },
  "fb.one_to_two_hours": { en: "1–2 hours", ur: "ایک سے دو گھنٹے" },
  "fb.over_two_hours": { en: "Over 2 hours", ur: "دو گھنٹے سے زیادہ" },
  "fb.yes": { en: "Yes", ur: "ہاں" },
  "fb.partly": { en: "Partly", ur: "کچھ حد تک" },
};
for (const [key, texts] of Object.entries(TEXT)) learn(key, texts);

export function mount(el) {
  el.append(heading("feedback", "monitor.feedback"), h("p", { class: "lead", i18n: "monitor.feedback.intro" }));
  const msg = status();
  const body = h("div", { id: "monitor-feedback" });
  el.append(msg, body);
  load(body, msg);
}

async function load(body, msg) {
  let items;
  try {
    items = (await api.get("/api/monitor/feedback")).items || [];
  } catch (err) {
    return showError(msg, err);
  }
  if (!items.length) return replace(body, h("p", { i18n: "monitor.feedback.none" }));
  const head = ["day", "court", "saw", "waited", "respected", "report"].map((k) => h("th", { scope: "col", i18n: `monitor.feedback.${k}` }));
  const rows = items.map((r) =>
    h(
      "tr",
      {},
      h("td", {}, when(r.hearing_day, "plain")),
      h("td", { text: r.court }),
      h("td", {}, tx(`fb.${r.saw_accused_side}`)),
      h("td", {}, tx(`fb.${r.waited}`)),
      h("td", {}, tx(`fb.${r.respected}`)),
      h("td", {}, h("bdi", { text: r.report || "" }), r.entered_by_staff ? [" ", tx("monitor.feedback.by_staff")] : null),
    ),
  );
  replace(body, h("table", { class: "data" }, h("thead", {}, h("tr", {}, head)), h("tbody", {}, rows)));
}
