// The frame of every staff page: the top bar (name, court, language,
// sign out), the section tabs, and the hash router between sections.

import { applyLanguage, setLanguage, lang, setTimeZone } from "./i18n.js";
import * as session from "./session.js";
import * as api from "./api.js";
import { h, replace } from "./ui.js";

/** The skip link moves focus, not the hash: the hash is the page's route. */
export function skipLink() {
  const skip = document.querySelector(".skip");
  const main = document.getElementById("main");
  if (!skip || !main || skip.dataset.wired) return;
  skip.dataset.wired = "1";
  skip.addEventListener("click", (e) => {
    e.preventDefault();
    main.focus();
  });
}

export function languageSwitch() {
  const other = () => (lang() === "ur" ? "en" : "ur");
  const btn = h("button", { type: "button", class: "lang-switch", lang: other(), id: "lang-switch" });
  const label = () => {
    // Each language is named in itself, so a reader finds their own.
    btn.textContent = other() === "ur" ? "اردو" : "English";
    btn.setAttribute("lang", other());
  };
  label();
  btn.addEventListener("click", () => {
    setLanguage(other());
    label();
  });
  return btn;
}

/**
 * Builds the shell for a staff page and returns { session, court, main }.
 * `sections`: [{ id, key, mount(el, ctx) }]; the hash picks the section.
 */
export async function staffPage({ roles, titleKey, sections }) {
  applyLanguage();
  skipLink();
  const s = session.require(roles);
  if (!s) return null;
  document.documentElement.dataset.titleKey = titleKey;
  const header = document.getElementById("shell");
  const main = document.getElementById("main");
  let court = null;
  if (s.court_id) {
    try {
      court = await api.get(`/api/courts/${s.court_id}`);
      setTimeZone(court.time_zone);
    } catch {
      court = null;
    }
  }
  const logout = h("button", { type: "button", i18n: "shell.logout", id: "logout" });
  logout.addEventListener("click", async () => {
    try {
      await api.post("/api/auth/logout");
    } catch {
      /* the token is dropped here either way */
    }
    session.leave("signed-out");
  });
  replace(
    header,
    h(
      "div",
      { class: "topbar" },
      h("p", { class: "brand", i18n: "app.name" }),
      h("span", { i18n: titleKey }),
      h("span", { class: "who" }, h("span", { text: s.display_name || "" }), court ? [" · ", h("span", { text: court.name })] : null),
      languageSwitch(),
      logout,
    ),
  );
  const ctx = { session: s, court, main };
  if (sections && sections.length) {
    const nav = h("nav", { class: "tabs", label: "shell.sections" });
    const links = sections.map((sec) => h("a", { href: `#${sec.id}`, i18n: sec.key, id: `tab-${sec.id}` }));
    nav.append(...links);
    header.append(nav);
    const show = () => {
      const id = location.hash.slice(1).split("/")[0];
      const sec = sections.find((x) => x.id === id) || sections[0];
      links.forEach((a, i) => (sections[i] === sec ? a.setAttribute("aria-current", "page") : a.removeAttribute("aria-current")));
      const el = h("section", { "aria-labelledby": `h-${sec.id}` });
      replace(main, el);
      sec.mount(el, ctx, location.hash.slice(1).split("/").slice(1));
    };
    window.addEventListener("hashchange", () => {
      show();
      main.focus();
    });
    show();
  }
  applyLanguage();
  return ctx;
}

/** The h1 of a section, with the id its section is labelled by. */
export function heading(id, key) {
  return h("h1", { id: `h-${id}`, i18n: key });
}
