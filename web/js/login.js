// Sign in; the role decides where the user lands.

import { applyLanguage, t } from "./core/i18n.js";
import * as api from "./core/api.js";
import * as session from "./core/session.js";
import { h, field, replace, showError, formData, tx } from "./core/ui.js";
import { languageSwitch, skipLink } from "./core/shell.js";

function safeNext(next, role) {
  // Only our own pages, and only the one this role lands on.
  if (!next || !next.startsWith("/") || next.startsWith("//")) return null;
  const landing = session.LANDING[role];
  return landing && next.split(/[?#]/)[0] === landing ? next : null;
}

function render() {
  const params = new URLSearchParams(location.search);
  const existing = session.load();
  if (existing && session.LANDING[existing.role]) {
    location.replace(session.LANDING[existing.role]);
    return;
  }
  const header = document.getElementById("shell");
  replace(header, h("div", { class: "topbar" }, h("p", { class: "brand", i18n: "app.name" }), h("span", { class: "who" }), languageSwitch()));
  const reason = params.get("reason");
  const msg = h("div", { id: "login-status", role: "status", "aria-live": "polite" });
  if (reason === "expired") msg.append(h("div", { class: "notice" }, tx("login.expired")));
  if (reason === "signed-out") msg.append(h("div", { class: "notice ok" }, tx("login.signed_out")));
  const user = h("input", { name: "username", autocomplete: "username", required: true, id: "username" });
  const pass = h("input", { name: "password", type: "password", autocomplete: "current-password", required: true, id: "password" });
  const submit = h("button", { type: "submit", i18n: "login.submit" });
  const form = h("form", { class: "stack", novalidate: true }, field("login.username", user), field("login.password", pass), h("div", { class: "actions" }, submit));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const { username, password } = formData(form);
    if (!username || !password) {
      replace(msg, h("div", { class: "notice error", role: "alert" }, tx("login.missing")));
      (username ? pass : user).focus();
      return;
    }
    submit.disabled = true;
    try {
      const out = await api.post("/api/auth/login", { username, password });
      session.save(out);
      location.assign(safeNext(params.get("next"), out.role) || session.LANDING[out.role] || "/");
    } catch (err) {
      submit.disabled = false;
      if (err.status === 401) replace(msg, h("div", { class: "notice error", role: "alert" }, tx("login.failed")));
      else showError(msg, err);
      pass.value = "";
      pass.focus();
    }
  });
  const main = document.getElementById("main");
  replace(
    main,
    h(
      "div",
      { class: "login panel" },
      h("h1", { i18n: "login.title" }),
      h("p", { i18n: "login.intro" }),
      msg,
      form,
    ),
  );
  applyLanguage();
  skipLink();
  user.focus();
}

render();
void t;
