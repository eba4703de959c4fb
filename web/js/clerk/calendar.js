// A week of the court: rooms down the side, working days across, each
// hearing a card that opens its case.

import * as court from "../core/court.js";
import * as dates from "../core/dates.js";
import { h, tx, code, when, replace, load } from "../core/ui.js";
import { heading } from "../core/shell.js";

const DAY_INDEX = { mon: 0, tue: 1, wed: 2, thu: 3, fri: 4, sat: 5, sun: 6 };

export function mount(el, ctx, [weekArg]) {
  const start = dates.monday(weekArg && /^\d{4}-\d{2}-\d{2}$/.test(weekArg) ? weekArg : dates.today());
  const workDays = (ctx.court?.working_days || "mon,tue,wed,thu,fri").split(",").map((d) => DAY_INDEX[d.trim()]).filter((n) => n !== undefined).sort();
  const days = workDays.map((i) => dates.addDays(start, i));
  const region = h("div");
  const nav = h(
    "div",
    { class: "week-nav" },
    h("a", { class: "button secondary", href: `#calendar/${dates.addDays(start, -7)}`, i18n: "calendar.previous", id: "week-prev" }),
    h("span", { class: "range" }, when(days[0], "plain"), " – ", when(days[days.length - 1], "plain")),
    h("a", { class: "button secondary", href: `#calendar/${dates.addDays(start, 7)}`, i18n: "calendar.next", id: "week-next" }),
    h("a", { class: "button secondary", href: "#calendar", i18n: "calendar.this_week" }),
  );
  el.append(heading("calendar", "clerk.calendar"), nav, region);
  load(region, "clerk.calendar", async () => {
    const [rooms, hearings] = await Promise.all([court.rooms(ctx.session.court_id), court.hearings(ctx.session.court_id, days[0], days[days.length - 1])]);
    return grid(rooms, hearings, days);
  });
}

function grid(rooms, hearings, days) {
  const today = dates.today();
  const g = h("div", { class: `calendar days-${days.length}`, role: "table", id: "week-calendar", label: "clerk.calendar" });
  const row = (...cells) => h("div", { role: "row", class: "calendar-row" }, ...cells);
  // The grid's cells are direct children for CSS grid; rows are expressed with
  // aria-owns-free "display: contents" wrappers.
  const header = row(h("div", { class: "head", role: "columnheader", i18n: "calendar.room" }), days.map((d) => h("div", { class: `head${d === today ? " today" : ""}`, role: "columnheader" }, when(d, "day"))));
  g.append(header);
  for (const room of rooms) {
    const cells = days.map((d) => {
      const here = hearings.filter((x) => x.room_id === room.id && x.starts_at && dates.localDate(x.starts_at) === d && x.status === "scheduled");
      return h(
        "div",
        { role: "cell", class: d === today ? "today" : "" },
        here.map((x) =>
          h(
            "a",
            { class: `slot-card${x.child_testifies ? " child" : ""}`, href: `#cases/${x.case_id}`, dataset: { hearing: x.id } },
            h("span", { class: "t ltr", dir: "ltr" }, when(x.starts_at, "time"), "–", when(x.ends_at, "time")),
            code(x.case_number),
            " · ",
            tx(`kind.${x.kind}`),
            x.child_testifies ? [" · ", tx("hearing.child_testifies")] : null,
          ),
        ),
      );
    });
    g.append(row(h("div", { class: "room", role: "rowheader" }, h("span", { text: room.name }), room.video_link ? [" ", h("span", { class: "badge video", i18n: "room.video" })] : null), cells));
  }
  const count = hearings.filter((x) => x.status === "scheduled").length;
  return h("div", {}, h("p", { role: "status" }, tx("calendar.count", { n: count })), h("div", { class: "table-wrap" }, g));
}

void replace;
