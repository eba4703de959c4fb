// The court's child cases with no hearing listed: the ones a busy list forgets.

import * as api from "../core/api.js";
import { h, tx, code, when, load } from "../core/ui.js";
import { heading } from "../core/shell.js";

export function mount(el, ctx) {
  const region = h("div", { id: "child-cases" });
  el.append(heading("child-cases", "judge.child_cases"), h("p", { i18n: "judge.child_cases_intro" }), region);
  load(region, "judge.child_cases", async () => {
    const r = await api.get(`/api/courts/${ctx.session.court_id}/child-cases?unlisted=true`);
    const items = Array.isArray(r) ? r : r.items || [];
    if (!items.length) return h("p", { i18n: "judge.no_unlisted" });
    return h(
      "ul",
      {},
      items.map((c) =>
        h(
          "li",
          { class: "panel" },
          code(c.number || c.case_number || ""),
          " · ",
          h("span", { text: c.offence || "" }),
          " · ",
          (c.children || []).map((ch) => h("span", { class: "badge child" }, h("span", { text: ch.pseudonym }), ch.age != null ? [" · ", tx("age.years", { n: ch.age })] : null)),
          c.cognizance_date ? [" · ", tx("case.cognizance"), ": ", when(c.cognizance_date, "plain")] : null,
          c.days_waiting != null ? [" · ", tx("judge.days_waiting", { n: c.days_waiting })] : null,
        ),
      ),
    );
  });
}
