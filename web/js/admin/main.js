// The administrator's landing page: courts, their rooms and waiting areas,
// and staff accounts (read here; changes go through the API or the CLI).

import * as api from "../core/api.js";
import { staffPage, heading } from "../core/shell.js";
import { h, tx, load } from "../core/ui.js";

function courts(el) {
  const region = h("div");
  el.append(heading("courts", "admin.courts"), region);
  load(region, "admin.courts", async () => {
    const list = (await api.get("/api/courts?per_page=100")).items;
    if (!list.length) return h("p", { i18n: "admin.no_courts" });
    const blocks = [];
    for (const c of list) {
      const [rooms, areas] = await Promise.all([api.get(`/api/courts/${c.id}/rooms?per_page=100`), api.get(`/api/courts/${c.id}/waiting-areas?per_page=100`)]);
      blocks.push(
        h(
          "article",
          { class: "panel" },
          h("h2", { text: c.name }),
          h("p", {}, tx("admin.profile"), ": ", h("span", { class: "ltr", text: `${c.rule_profile} · ${c.time_zone}` })),
          h("h3", { i18n: "admin.rooms" }),
          h("ul", {}, rooms.items.map((r) => h("li", {}, h("span", { text: r.name }), r.video_link ? [" ", h("span", { class: "badge video", i18n: "room.video" })] : null))),
          h("h3", { i18n: "admin.areas" }),
          h("ul", {}, areas.items.map((a) => h("li", {}, h("span", { text: `${a.name} — ${a.entrance}` }), a.child_friendly ? [" ", h("span", { class: "badge child", i18n: "admin.child_friendly" })] : null))),
        ),
      );
    }
    return h("div", {}, blocks);
  });
}

function users(el) {
  const region = h("div");
  el.append(heading("users", "admin.users"), region);
  load(region, "admin.users", async () => {
    const list = (await api.get("/api/users?per_page=100")).items;
    return h(
      "table",
      { id: "user-table" },
      h("thead", {}, h("tr", {}, ["admin.username", "admin.name", "admin.role", "admin.active"].map((k) => h("th", { scope: "col", i18n: k })))),
      h("tbody", {}, list.map((u) => h("tr", {}, h("td", { class: "ltr", text: u.username }), h("td", { text: u.display_name }), h("td", { i18n: `staff.${u.role}` }), h("td", { i18n: u.active ? "yes" : "no" })))),
    );
  });
}

staffPage({
  roles: ["admin"],
  titleKey: "admin.title",
  sections: [
    { id: "courts", key: "admin.courts", mount: courts },
    { id: "users", key: "admin.users", mount: users },
  ],
});
