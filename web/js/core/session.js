// The signed-in staff session. Kept in sessionStorage (one tab, gone when
// the browser closes: court computers are shared) and ended at the token's
// own expires_at, so the page never outlives the token.

const KEY = "amaan.session";

export const LANDING = {
  clerk: "/clerk.html",
  judge: "/judge.html",
  support_officer: "/support.html",
  admin: "/admin.html",
  monitor: "/monitor.html",
};

export function load() {
  try {
    const s = JSON.parse(sessionStorage.getItem(KEY) || "null");
    if (!s || !s.token || !s.expires_at) return null;
    if (Date.parse(s.expires_at) <= Date.now()) {
      sessionStorage.removeItem(KEY);
      return null;
    }
    return s;
  } catch {
    return null;
  }
}

export function save(s) {
  sessionStorage.setItem(KEY, JSON.stringify(s));
}

export function clear() {
  sessionStorage.removeItem(KEY);
}

/** Back to the sign-in page, saying why (`expired`, `signed-out`, `role`). */
export function leave(reason) {
  clear();
  const here = location.pathname + location.search + location.hash;
  const q = new URLSearchParams({ reason });
  if (reason === "expired" && here !== "/") q.set("next", here);
  location.replace(`/?${q}`);
}

/**
 * The session a staff page needs, or a redirect to sign in. Arms a timer
 * that signs out the moment the token expires.
 */
export function require(roles) {
  const s = load();
  if (!s) {
    leave("expired");
    return null;
  }
  if (roles && !roles.includes(s.role)) {
    location.replace(LANDING[s.role] || "/");
    return null;
  }
  const left = Date.parse(s.expires_at) - Date.now();
  // setTimeout holds at most ~24.8 days; tokens last hours.
  setTimeout(() => leave("expired"), Math.min(left, 2 ** 31 - 1));
  return s;
}
