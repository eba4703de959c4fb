// The end-to-end harness: `amaan demo` on a free port over a temporary
// SQLite file, and Debian's Chromium driven by playwright-core.

import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, existsSync, mkdirSync, readFileSync, appendFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname, resolve } from "node:path";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
export const ROOT = resolve(here, "..", "..");
export const SCREENSHOTS = join(ROOT, "docs", "screenshots");
export const PASSWORD = "e2e-demo-password-123";
export const CHROMIUM = process.env.AMAAN_CHROMIUM || "/usr/bin/chromium";

const require = createRequire(import.meta.url);
export const AXE_SOURCE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", fail);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

async function waitForHealth(base, child, log) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`amaan exited with ${child.exitCode}:\n${log.join("")}`);
    try {
      const r = await fetch(`${base}/health`);
      if (r.ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`amaan did not answer /health within 60 s:\n${log.join("")}`);
}

// Servers still running when a test file's process exits (a test that
// failed before its `after` hook, or the runner's --test-force-exit) are
// killed with it rather than left behind.
const running = new Set();
process.on("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

/** Starts `amaan demo` and returns { base, stop }. */
export async function startServer() {
  const bin = process.env.AMAAN_BIN || join(ROOT, "target", "debug", "amaan");
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run \`cargo build\` first`);
  const dataDir = mkdtempSync(join(tmpdir(), "amaan-e2e-"));
  const port = await freePort();
  const log = [];
  const env = { ...process.env, AMAAN_DEMO_PASSWORD: PASSWORD, AMAAN_LOG: process.env.AMAAN_LOG || "warn" };
  // The demo always runs on its own SQLite file, whatever DATABASE_URL says.
  delete env.DATABASE_URL;
  const child = spawn(
    bin,
    ["--data-dir", dataDir, "--database-url", join(dataDir, "demo.db"), "demo", "--bind", `127.0.0.1:${port}`, "--web-dir", join(ROOT, "web")],
    { env, stdio: ["ignore", "pipe", "pipe"] },
  );
  running.add(child);
  child.stdout.on("data", (d) => log.push(String(d)));
  child.stderr.on("data", (d) => log.push(String(d)));
  // AMAAN_SERVER_LOG=<file>: the server's log is kept there too, to read
  // what it did during a failing page test.
  if (process.env.AMAAN_SERVER_LOG) {
    for (const out of [child.stdout, child.stderr]) out.on("data", (d) => appendFileSync(process.env.AMAAN_SERVER_LOG, d));
  }
  const base = `http://127.0.0.1:${port}`;
  await waitForHealth(base, child, log);
  return {
    base,
    log,
    async stop() {
      // A server that does not stop on SIGTERM within 10 s is killed: a
      // suite must end even when a test left a session open.
      const exited = new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once("exit", r)));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
      running.delete(child);
      rmSync(dataDir, { recursive: true, force: true });
      // The demo's master key, which it keeps beside its data directory.
      rmSync(`${dataDir}.demo-master-key`, { force: true });
    },
  };
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--use-fake-device-for-media-stream",
      "--use-fake-ui-for-media-stream",
    ],
  });
}

/** A fresh browser context (its own storage) with camera and microphone allowed. */
export async function newPage(browser, base, { lang = "en", viewport = { width: 1280, height: 900 } } = {}) {
  const context = await browser.newContext({ baseURL: base, viewport, permissions: ["camera", "microphone"], locale: lang === "ur" ? "ur-PK" : "en-GB" });
  await context.addInitScript((l) => localStorage.setItem("amaan.lang", l), lang);
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    // The browser logs every refused request; the pages handle those. What
    // counts is a script error.
    if (m.type() === "error" && !/^Failed to load resource/.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  page.problems = problems;
  return page;
}

/** Signs in through the login form and waits for the landing page. */
export async function login(page, username, landing) {
  await page.goto("/");
  await page.fill("#username", username);
  await page.fill("#password", PASSWORD);
  await Promise.all([page.waitForURL(`**${landing}*`), page.click("button[type=submit]")]);
  await page.waitForSelector("#logout");
}

/** The API as a signed-in user of the page sees it. */
export async function api(page, method, path, body) {
  return page.evaluate(
    async ({ method, path, body }) => {
      const s = JSON.parse(sessionStorage.getItem("amaan.session"));
      const r = await fetch(path, {
        method,
        headers: { Authorization: `Bearer ${s.token}`, "Content-Type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await r.text();
      return { status: r.status, body: text ? JSON.parse(text) : null };
    },
    { method, path, body },
  );
}

/** Whether the server has a route (a missing one answers problem "route not found"). */
export async function hasRoute(base, method, path) {
  const r = await fetch(`${base}${path}`, { method });
  if (r.status !== 404) return true;
  const body = await r.json().catch(() => ({}));
  return !/^route\b/.test(body.detail || "");
}

export async function screenshot(page, name) {
  // Only when asked (run.sh --screenshots): a plain test run leaves docs/ alone.
  if (process.env.AMAAN_SCREENSHOTS !== "1") return;
  mkdirSync(SCREENSHOTS, { recursive: true });
  // Let the web font settle so Urdu is drawn in Nastaliq, not a fallback.
  await page.evaluate(() => document.fonts.ready);
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Runs axe-core on the page; returns the serious and critical violations. */
export async function axe(page) {
  // Evaluated through the DevTools protocol: the page's CSP (rightly)
  // refuses inline scripts, so a script tag would not run.
  if (!(await page.evaluate(() => typeof window.axe === "object"))) await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ["violations"] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")) }));
  });
  return result.filter((v) => v.impact === "serious" || v.impact === "critical");
}
