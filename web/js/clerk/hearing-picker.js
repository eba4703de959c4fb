// A select of the court's coming hearings ("Wed 25 Nov 09:00 · CSA-2026/001
// · Evidence"), so a clerk picks a hearing by what she knows of it.

import * as api from "../core/api.js";
import * as court from "../core/court.js";
import * as dates from "../core/dates.js";
import { formatWhen, t } from "../core/i18n.js";
import { onLanguageChange } from "../core/i18n.js";
import { h } from "../core/ui.js";

/** The picker's days ahead; a court's list rarely looks further. */
const DAYS_AHEAD = 30;

export function hearingPicker(ctx, selected) {
  const sel = h("select", { name: "hearing", required: true });
  const rows = [];
  const label = (x) => `${formatWhen(x.starts_at)} · ${x.case_number || `#${x.case_id}`} · ${t(`kind.${x.kind}`)}`;
  const draw = () => {
    const keep = sel.value || String(selected || "");
    sel.replaceChildren(h("option", { value: "", i18n: "picker.choose" }), ...rows.map((x) => h("option", { value: x.id, text: label(x), selected: String(x.id) === keep })));
  };
  onLanguageChange(draw);
  (async () => {
    const today = dates.today();
    try {
      rows.push(...(await court.hearings(ctx.session.court_id, today, dates.addDays(today, DAYS_AHEAD))).filter((x) => x.status === "scheduled"));
    } catch {
      /* the select still offers the hearing the page was opened for */
    }
    if (selected && !rows.some((x) => String(x.id) === String(selected))) {
      try {
        const one = await api.get(`/api/hearings/${selected}`);
        const c = await api.get(`/api/cases/${one.case_id}`);
        rows.unshift({ ...one, case_number: c.number });
      } catch {
        /* an unknown id: nothing to preselect */
      }
    }
    draw();
    sel.dispatchEvent(new Event("ready"));
  })();
  draw();
  return sel;
}
