// The court's child cases with no hearing listed: the ones a busy list forgets.

import * as api from "../core/api.js";
import { h, tx, code, datum, when, load } from "../core/ui.js";
import { heading } from "../core/shell.js";
import { clocks, breakdown } from "./docket.js";

export function mount(el, ctx) {
  const region = h("div", { id: "child-cases" });
  el.append(heading("child-cases", "judge.child_cases"), h("p", { i18n: "judge.child_cases_intro" }), region);
  load(region, "judge.child_cases", async () => {
    const r = await api.get(`/api/courts/${ctx.session.court_id}/child-cases`);
    // The route lists every open child case, nearest deadline first; this
    // view keeps the ones with nothing listed.
    const items = (Array.isArray(r) ? r : r.items || []).filter((c) => !c.next_hearing);
    if (!items.length) return h("p", { i18n: "judge.no_unlisted" });
    return h(
      "ul",
      { class: "plain-list" },
      items.map((c) =>
        h(
          "li",
          { class: "panel", dataset: { case: c.case?.id || "" } },
          h("h2", {}, code(c.case?.number || c.number || ""), " · ", datum(c.case?.offence || c.offence || "")),
          " · ",
          (c.children || []).map((ch) => h("span", { class: "badge child" }, h("span", { text: ch.pseudonym }), ch.age != null ? [" · ", tx("age.years", { n: ch.age })] : null)),
          c.case?.cognizance_date ? [" · ", tx("case.cognizance"), ": ", when(c.case.cognizance_date, "plain")] : null,
          h("p", { class: "status" }, deadlineLine(c.days_to_deadline)),
          h("div", {}, clocks(c.clocks)),
          c.breakdown ? breakdown(c.breakdown) : null,
        ),
      ),
    );
  });
}

// What the clerk must act on, from the figure the server sends: the
// sentence is the page's, in the reader's language.
function deadlineLine(days) {
  if (days == null) return tx("judge.nothing_listed_no_deadline");
  if (days === 0) return tx("judge.nothing_listed_today");
  if (days < 0) return tx("judge.nothing_listed_broken", { n: -days });
  return tx("judge.nothing_listed_deadline", { n: days });
}
