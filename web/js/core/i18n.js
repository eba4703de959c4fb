// English and Urdu. Every piece of page text carries `data-i18n` (and
// `data-i18n-vars` for its values), so switching the language rewrites the
// page in place: a child already in a video session is not disconnected.

import { STRINGS } from "./strings.js";

const KEY = "amaan.lang";
const LANGS = ["en", "ur"];

export function lang() {
  const chosen = localStorage.getItem(KEY);
  return LANGS.includes(chosen) ? chosen : "en";
}

export function t(key, vars) {
  const table = STRINGS[lang()] || STRINGS.en;
  let text = table[key] ?? STRINGS.en[key] ?? key;
  if (vars) {
    for (const [name, value] of Object.entries(vars)) {
      text = text.split(`{${name}}`).join(String(value));
    }
  }
  return text;
}

/**
 * Text the server sends in both languages (a rule profile's clock titles),
 * learnt under `key` so that it switches with the page like any other.
 */
export function learn(key, texts) {
  for (const l of LANGS) {
    if (texts[l]) STRINGS[l][key] = texts[l];
  }
}

/** Writes the current language into every marked element under `root`. */
export function translate(root = document) {
  const scope = root.querySelectorAll ? root : document;
  const marked = [];
  if (scope.matches && scope.matches("[data-i18n]")) marked.push(scope);
  marked.push(...scope.querySelectorAll("[data-i18n]"));
  for (const el of marked) {
    const vars = el.dataset.i18nVars ? JSON.parse(el.dataset.i18nVars) : undefined;
    el.textContent = t(el.dataset.i18n, vars);
  }
  for (const el of scope.querySelectorAll("[data-i18n-label]")) {
    el.setAttribute("aria-label", t(el.dataset.i18nLabel));
  }
  for (const el of scope.querySelectorAll("[data-i18n-placeholder]")) {
    el.setAttribute("placeholder", t(el.dataset.i18nPlaceholder));
  }
  for (const el of scope.querySelectorAll("[data-i18n-title]")) {
    el.setAttribute("title", t(el.dataset.i18nTitle));
  }
  for (const el of scope.querySelectorAll("[data-when]")) {
    el.textContent = formatWhen(el.dataset.when, el.dataset.whenStyle || "datetime");
  }
}

let timeZone;
/** Times are shown in the court's zone, whatever the browser's is. */
export function setTimeZone(zone) {
  timeZone = zone || undefined;
}
export function courtTimeZone() {
  return timeZone;
}

const STYLES = {
  datetime: { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", hour12: false },
  date: { weekday: "short", day: "numeric", month: "short", year: "numeric" },
  day: { weekday: "long", day: "numeric", month: "short" },
  time: { hour: "2-digit", minute: "2-digit", hour12: false },
  plain: { day: "numeric", month: "short", year: "numeric" },
};

/** An ISO instant (or a YYYY-MM-DD date) in the current language. */
export function formatWhen(iso, style = "datetime") {
  if (!iso) return "";
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(iso);
  const d = new Date(dateOnly ? `${iso}T12:00:00Z` : iso);
  if (Number.isNaN(d.getTime())) return iso;
  const opts = { ...STYLES[style] };
  opts.timeZone = dateOnly ? "UTC" : timeZone;
  try {
    return new Intl.DateTimeFormat(locale(), opts).format(d);
  } catch {
    return new Intl.DateTimeFormat(locale(), { ...STYLES[style] }).format(d);
  }
}

export function applyLanguage() {
  const l = lang();
  document.documentElement.lang = l;
  document.documentElement.dir = l === "ur" ? "rtl" : "ltr";
  const titleKey = document.documentElement.dataset.titleKey;
  if (titleKey) document.title = `${t(titleKey)} · ${t("app.name")}`;
  translate(document);
  for (const fn of listeners) fn(l);
}

const listeners = [];
/** Called after every switch, for text that is drawn (dates, canvases). */
export function onLanguageChange(fn) {
  listeners.push(fn);
}

export function setLanguage(l) {
  if (!LANGS.includes(l)) return;
  localStorage.setItem(KEY, l);
  applyLanguage();
}

/** The BCP 47 locale for dates and numbers in the current language. */
export function locale() {
  return lang() === "ur" ? "ur-PK" : "en-GB";
}
