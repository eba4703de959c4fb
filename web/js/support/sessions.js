// The support officer's list: this week's hearings with a child, each
// opening its session console.

import * as court from "../core/court.js";
import * as dates from "../core/dates.js";
import { h, tx, code, when, load } from "../core/ui.js";
import { heading } from "../core/shell.js";

export function mount(el, ctx) {
  const from = dates.today();
  const to = dates.addDays(from, 13);
  const region = h("div", { id: "session-list" });
  el.append(heading("sessions", "support.sessions"), h("p", { i18n: "support.sessions_intro" }), region);
  load(region, "support.sessions", async () => {
    const rows = (await court.hearings(ctx.session.court_id, from, to)).filter((x) => x.child_testifies || x.mode === "video_link");
    if (!rows.length) return h("p", { i18n: "support.no_sessions" });
    return h(
      "ul",
      { class: "plain-list" },
      rows.map((x) =>
        h(
          "li",
          { class: "panel" },
          h("strong", {}, when(x.starts_at)),
          " · ",
          code(x.case_number),
          " · ",
          tx(`kind.${x.kind}`),
          x.mode === "video_link" ? [" ", h("span", { class: "badge video", i18n: "mode.video_link" })] : null,
          " ",
          h("a", { href: `#console/${x.id}`, class: "button", dataset: { hearing: x.id } }, tx("support.open_console"), h("span", { class: "visually-hidden", text: ` ${x.case_number}` })),
        ),
      ),
    );
  });
}
