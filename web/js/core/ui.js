// Small DOM helpers. Pages build elements with `h`, never with innerHTML,
// so names typed by a clerk cannot become markup.

import { t, translate, formatWhen } from "./i18n.js";

/**
 * h("button", { i18n: "save", class: "secondary", onclick: fn }, child...)
 * `i18n` (+ `vars`) marks translated text; `text` is literal data.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "i18n") {
      el.dataset.i18n = v;
      el.textContent = t(v, attrs.vars);
    } else if (k === "vars") {
      el.dataset.i18nVars = JSON.stringify(v);
      if (attrs.i18n) el.textContent = t(attrs.i18n, v);
    } else if (k === "text") {
      el.textContent = String(v);
    } else if (k === "class") {
      el.className = v;
    } else if (k === "label") {
      el.dataset.i18nLabel = v;
      el.setAttribute("aria-label", t(v));
    } else if (k === "placeholder") {
      el.dataset.i18nPlaceholder = v;
      el.setAttribute("placeholder", t(v));
    } else if (k.startsWith("on") && typeof v === "function") {
      el.addEventListener(k.slice(2), v);
    } else if (k === "dataset") {
      Object.assign(el.dataset, v);
    } else if (v === true) {
      el.setAttribute(k, "");
    } else {
      el.setAttribute(k, String(v));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** Translated text as a span (for mixing with data). */
export const tx = (key, vars) => h("span", { i18n: key, vars });

/** A date or time in the court's zone, re-drawn when the language changes. */
export function when(iso, style = "datetime") {
  const el = h("span", { dataset: { when: iso || "", whenStyle: style } });
  el.textContent = formatWhen(iso, style);
  return el;
}

/** Left-to-right data (case numbers, codes) inside Urdu text. */
export const code = (text) => h("bdi", { class: "ltr", text, dir: "ltr" });

/** Data as entered (names, offences, titles), isolated from the text around it. */
export const datum = (text) => h("bdi", { text: text ?? "" });

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

export function replace(el, ...children) {
  clear(el);
  append(el, children);
  return el;
}

let fieldCounter = 0;
/** A labelled form field. `input` is an element or a spec for one. */
export function field(labelKey, input, hintKey) {
  const id = input.id || `f${++fieldCounter}`;
  input.id = id;
  const parts = [h("label", { for: id, i18n: labelKey })];
  if (hintKey) {
    const hid = `${id}-hint`;
    input.setAttribute("aria-describedby", hid);
    parts.push(h("span", { class: "hint", id: hid, i18n: hintKey }));
  }
  parts.push(input);
  return h("div", { class: "field" }, parts);
}

export function checkbox(labelKey, name, checked) {
  const id = `f${++fieldCounter}`;
  return h("div", { class: "check" }, h("input", { type: "checkbox", id, name, checked: !!checked }), h("label", { for: id, i18n: labelKey }));
}

/** A select whose option texts are translation keys (`prefix + value`). */
export function select(name, values, prefix, selected) {
  return h(
    "select",
    { name },
    values.map((v) => h("option", { value: v, i18n: prefix ? `${prefix}${v}` : undefined, text: prefix ? undefined : v, selected: v === selected })),
  );
}

/** A select of data rows: `[value, text]` pairs. */
export function dataSelect(name, pairs, selected, emptyKey) {
  const opts = pairs.map(([v, text]) => h("option", { value: v, text, selected: String(v) === String(selected) }));
  if (emptyKey) opts.unshift(h("option", { value: "", i18n: emptyKey }));
  return h("select", { name }, opts);
}

/** A status region that screen readers announce. */
export function status() {
  return h("div", { role: "status", "aria-live": "polite" });
}

/** Shows an API error: the rule and section when a rule refused it. */
export function showError(region, err) {
  const box = h("div", { class: "notice error", role: "alert" });
  if (err && err.unavailable) {
    return replace(region, notAvailable());
  }
  box.append(h("strong", { i18n: err?.rule ? "error.rule_refused" : "error.title" }), " ");
  box.append(h("span", { text: err?.message || String(err) }));
  if (err?.rule) {
    box.append(h("span", { class: "rule" }, tx("error.rule"), " ", h("span", { text: err.rule.rule }), err.rule.section ? [" — ", code(err.rule.section)] : null));
  }
  return replace(region, box);
}

export function showOk(region, key, vars) {
  return replace(region, h("div", { class: "notice ok" }, tx(key, vars)));
}

/** The calm note for a feature this server does not offer yet. */
export function notAvailable(featureKey) {
  return h(
    "div",
    { class: "notice unavailable", role: "note", dataset: { unavailable: featureKey || "" } },
    featureKey ? [h("strong", { i18n: featureKey }), ": "] : null,
    tx("unavailable.body"),
  );
}

/** Runs an async loader into `region`, turning a missing route into the calm note. */
export async function load(region, featureKey, fn) {
  replace(region, h("p", { class: "muted", i18n: "loading" }));
  try {
    const content = await fn();
    replace(region, content);
  } catch (err) {
    if (err && err.unavailable) replace(region, notAvailable(featureKey));
    else showError(region, err);
  }
}

export function formData(form) {
  const out = {};
  for (const el of form.elements) {
    if (!el.name) continue;
    if (el.type === "checkbox") out[el.name] = el.checked;
    else out[el.name] = el.value.trim();
  }
  return out;
}

export { translate, t };
