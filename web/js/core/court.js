// The court's own reference data (rooms, waiting areas, judges), fetched
// once per page and shared by its sections.

import * as api from "./api.js";

const cache = new Map();

function once(key, fn) {
  if (!cache.has(key)) {
    cache.set(
      key,
      fn().catch((e) => {
        cache.delete(key);
        throw e;
      }),
    );
  }
  return cache.get(key);
}

export const rooms = (courtId) => once(`rooms${courtId}`, async () => (await api.get(`/api/courts/${courtId}/rooms?per_page=100`)).items);
export const waitingAreas = (courtId) => once(`areas${courtId}`, async () => (await api.get(`/api/courts/${courtId}/waiting-areas?per_page=100`)).items);
export const judges = (courtId) => once(`judges${courtId}`, async () => (await api.get(`/api/courts/${courtId}/judges`)).items);

/** Every case of the court (a court's open list is a few hundred). */
export async function cases() {
  const all = [];
  for (let page = 1; page <= 50; page++) {
    const p = await api.get(`/api/cases?per_page=100&page=${page}`);
    all.push(...p.items);
    if (all.length >= p.total || p.items.length === 0) break;
  }
  return all;
}

/** Hearings of the court between two court-local dates (YYYY-MM-DD). */
export async function hearings(courtId, from, to) {
  return (await api.get(`/api/courts/${courtId}/hearings${api.qs({ from, to })}`)).items;
}

export function invalidate() {
  cache.clear();
}
