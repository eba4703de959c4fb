// The monitor's escalation reports: each broken clock a court reported
// upward (the 2016 Act: to the Chief Justice), when it was made and sent,
// and the report itself to print. The reports hold pseudonyms and dates,
// never a child's name or any text typed into the court's record.

import * as api from "../core/api.js";
import * as session from "../core/session.js";
import { h, tx, replace, status, showError, when } from "../core/ui.js";
import { heading } from "../core/shell.js";
import { learn } from "../core/i18n.js";

const TEXT = {
  "monitor.reports": { en: "Escalation reports", ur: "رپورٹیں برائے اعلیٰ حکام" },
  "monitor.reports.intro": {
    en: "Reports the courts made when a clock the law escalates was broken, with the case's history.",
    ur: "وہ رپورٹیں جو عدالتوں نے قانونی مدت گزرنے پر مقدمے کی تاریخ کے ساتھ بنائیں۔",
  },
  "monitor.reports.none": { en: "No escalation reports.", ur: "کوئی رپورٹ نہیں۔" },
  "monitor.reports.case": { en: "Case", ur: "مقدمہ" },
  "monitor.reports.court": { en: "Court", ur: "عدالت" },
  "monitor.reports.clock": { en: "Deadline", ur: "آخری تاریخ" },
  "monitor.reports.overdue": { en: "Days overdue", ur: "تاخیر کے دن" },
  "monitor.reports.to": { en: "To", ur: "بنام" },
  "monitor.reports.sent": { en: "Sent", ur: "بھیجی گئی" },
  "monitor.reports.not_sent": { en: "not yet", ur: "ابھی نہیں" },
  "monitor.reports.print": { en: "Print", ur: "پرنٹ" },
};
for (const [key, texts] of Object.entries(TEXT)) learn(key, texts);

export function mount(el) {
  el.append(heading("reports", "monitor.reports"), h("p", { class: "lead", i18n: "monitor.reports.intro" }));
  const msg = status();
  const body = h("div", { id: "monitor-reports" });
  el.append(msg, body);
  load(body, msg);
}

async function print(id, msg) {
  try {
    const res = await fetch(`/api/monitor/escalation-reports/${id}/print`, { headers: { Authorization: `Bearer ${session.load()?.token}` } });
    if (!res.ok) throw new api.ApiError(res.status, await res.json());
    const url = URL.createObjectURL(new Blob([await res.text()], { type: "text/html" }));
    window.open(url, "_blank", "noopener");
  } catch (err) {
    showError(msg, err);
  }
}

async function load(body, msg) {
  let items;
  try {
    items = (await api.get("/api/monitor/escalation-reports")).items || [];
  } catch (err) {
    return showError(msg, err);
  }
  if (!items.length) return replace(body, h("p", { i18n: "monitor.reports.none" }));
  const head = ["case", "court", "clock", "overdue", "to", "sent", "print"].map((k) => h("th", { scope: "col", i18n: `monitor.reports.${k}` }));
  const rows = items.map((r) =>
    h(
      "tr",
      {},
      h("td", {}, h("bdi", { text: r.report.case.number })),
      h("td", { text: r.report.case.court }),
      h("td", {}, when(r.deadline, "plain")),
      h("td", { text: r.report.clock.days_overdue }),
      h("td", { text: r.escalate_to }),
      h("td", {}, r.sent_at ? when(r.sent_at) : tx("monitor.reports.not_sent")),
      h("td", {}, h("button", { type: "button", class: "secondary", i18n: "monitor.reports.print", onclick: () => print(r.id, msg) })),
    ),
  );
  replace(body, h("table", { class: "data" }, h("thead", {}, h("tr", {}, head)), h("tbody", {}, rows)));
}
