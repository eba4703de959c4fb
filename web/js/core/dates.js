// Court-local calendar arithmetic. Dates travel as YYYY-MM-DD strings;
// instants as ISO strings with an offset.

import { courtTimeZone } from "./i18n.js";

/** Today's date at the court. */
export function today() {
  return localDate(new Date().toISOString());
}

/** The court-local date of an instant. */
export function localDate(iso) {
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone: courtTimeZone(), year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date(iso));
  return parts;
}

/** Minutes after local midnight of an instant, at the court. */
export function localMinutes(iso) {
  const p = new Intl.DateTimeFormat("en-GB", { timeZone: courtTimeZone(), hour: "2-digit", minute: "2-digit", hour12: false }).formatToParts(new Date(iso));
  const get = (t) => Number(p.find((x) => x.type === t)?.value || 0);
  return (get("hour") % 24) * 60 + get("minute");
}

export function addDays(date, n) {
  const d = new Date(`${date}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** The Monday on or before a date. */
export function monday(date) {
  const d = new Date(`${date}T12:00:00Z`);
  const back = (d.getUTCDay() + 6) % 7;
  return addDays(date, -back);
}

/** The court's UTC offset at a local date and time, as "+05:00". */
export function offsetAt(date, time) {
  const zone = courtTimeZone();
  if (!zone) return "Z";
  // Guess the instant as if UTC, read the zone's wall clock there, correct once.
  const guess = new Date(`${date}T${time}:00Z`);
  const wall = new Date(
    new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false })
      .format(guess)
      .replace(", ", "T")
      .replace(/T24/, "T00") + "Z",
  );
  const minutes = Math.round((wall - guess) / 60000);
  const sign = minutes < 0 ? "-" : "+";
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
}

/** An RFC 3339 instant for a court-local date and time, plus minutes. */
export function instant(date, time, plusMinutes = 0) {
  const off = offsetAt(date, time);
  const base = new Date(`${date}T${time}:00${off === "Z" ? "Z" : off}`);
  const t = new Date(base.getTime() + plusMinutes * 60000);
  // Re-express in the court's offset so the server records what the clerk meant.
  const shifted = new Date(t.getTime() + offsetMinutes(off) * 60000).toISOString().slice(0, 19);
  return `${shifted}${off === "Z" ? "Z" : off}`;
}

function offsetMinutes(off) {
  if (off === "Z") return 0;
  const m = /^([+-])(\d\d):(\d\d)$/.exec(off);
  return m ? (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
}
