// JSON over HTTP with the session's token. Errors arrive as
// application/problem+json; a 404 for a route the server does not have yet
// becomes `unavailable`, so a page shows a calm note instead of an error.

import * as session from "./session.js";

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
  /** The server has no such route: a feature another release brings. */
  get unavailable() {
    return this.status === 404 && /^route\b/.test(this.problem.detail || "");
  }
  get rule() {
    return this.problem.rule ? { rule: this.problem.rule, section: this.problem.section } : null;
  }
  get field() {
    return this.problem.field || null;
  }
}

export async function request(method, path, body, { token } = {}) {
  const s = session.load();
  const headers = { Accept: "application/json" };
  const bearer = token ?? s?.token;
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let res;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    throw new ApiError(0, { title: "offline", detail: String(e.message || e), code: "offline" });
  }
  if (res.status === 204) return null;
  const text = await res.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = { detail: text };
  }
  if (!res.ok) {
    if (res.status === 401 && bearer && path !== "/api/auth/login") {
      session.leave("expired");
    }
    throw new ApiError(res.status, data || {});
  }
  return data;
}

export const get = (path, opts) => request("GET", path, undefined, opts);
export const post = (path, body, opts) => request("POST", path, body ?? {}, opts);
export const patch = (path, body, opts) => request("PATCH", path, body, opts);

/** A query string from an object, leaving out empty values. */
export function qs(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== "") q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : "";
}
