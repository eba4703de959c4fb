// Booking a hearing. With the scheduler served, a hearing is booked through
// POST /api/hearings/{id}/book, which checks every hard constraint and
// writes each side's never-meet plan; the case's waiting (unscheduled)
// hearing of that kind is booked, or one is made. Without it, the
// foundation's direct booking is used.

import * as api from "../core/api.js";

let bookRoute;
/** Whether this server books through the scheduler (asked once per page). */
export async function schedulerBooks() {
  if (bookRoute === undefined) {
    try {
      await api.post("/api/hearings/0/book", {});
      bookRoute = true;
    } catch (err) {
      bookRoute = !err.unavailable;
    }
  }
  return bookRoute;
}

/** The case's hearing of `kind` still waiting for a date, if any. */
export async function waitingHearing(caseId, kind) {
  const c = await api.get(`/api/cases/${caseId}`);
  return c.hearings.find((x) => x.status === "unscheduled" && x.kind === kind) || null;
}

/**
 * Books a hearing of `spec.kind` for the case at spec.starts_at–ends_at.
 * Returns the hearing's id.
 */
export async function book(caseId, spec) {
  if (!(await schedulerBooks())) {
    const made = await api.post(`/api/cases/${caseId}/hearings`, spec);
    return made.id;
  }
  let hearing = spec.hearing_id ? { id: spec.hearing_id } : await waitingHearing(caseId, spec.kind);
  if (!hearing) {
    hearing = await api.post(`/api/cases/${caseId}/hearings`, {
      kind: spec.kind,
      judge_id: spec.judge_id,
      child_testifies: spec.child_testifies,
      mode: spec.mode,
    });
  }
  const body = { starts_at: spec.starts_at, ends_at: spec.ends_at, judge_id: spec.judge_id, room_id: spec.room_id };
  if (spec.reappearance_reason) body.reappearance_reason = spec.reappearance_reason;
  if (spec.delay_reason) body.delay_reason = spec.delay_reason;
  await api.post(`/api/hearings/${hearing.id}/book`, body);
  return hearing.id;
}
