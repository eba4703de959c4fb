// Adjournment requests of the court, read case by case: the API lists them
// per case (GET /api/cases/{id}/adjournments), with the judge's overrides.

import * as api from "./api.js";
import * as court from "./court.js";

/** At most this many case lists are asked for at once. */
const PARALLEL = 6;

/**
 * Every request of the court's cases, newest first, each with its case's
 * number; `overrides` are the judges' grants against a rule, with reasons.
 */
export async function ofCourt() {
  const cases = await court.cases();
  const items = [];
  let next = 0;
  const worker = async () => {
    while (next < cases.length) {
      const c = cases[next++];
      const r = await api.get(`/api/cases/${c.id}/adjournments`);
      for (const a of r.items || []) items.push({ ...a, case_number: c.number });
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, cases.length) }, worker));
  items.sort((a, b) => (b.created_at || "").localeCompare(a.created_at || "") || b.id - a.id);
  return items;
}

/** The status a person reads: a grant over the rules is an override. */
export const shownStatus = (a) => (a.status === "granted" && a.overridden ? "overridden" : a.status || "pending");
