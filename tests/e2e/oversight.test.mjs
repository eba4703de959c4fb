// After a video session with the child ends, the support officer's console
// marks the child's evidence recorded with the recordings' hashes; the
// monitoring cell reads the courts' figures as charts with tables under
// them, in English and Urdu, and never a child's name.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, launchBrowser, newPage, login, api, screenshot, axe } from "./harness.mjs";

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** The working day (Monday to Friday) before today in Karachi: the demo's last sitting day. */
function lastSittingDay() {
  const d = new Date(Date.now() + 5 * 3_600_000);
  do {
    d.setUTCDate(d.getUTCDate() - 1);
  } while (d.getUTCDay() === 0 || d.getUTCDay() === 6);
  return d.toISOString().slice(0, 10);
}

async function noSeriousViolations(page, where) {
  const found = await axe(page);
  assert.deepEqual(found, [], `${where}: ${JSON.stringify(found, null, 2)}`);
}

test("when the session with the child has ended, the console marks the child's evidence recorded", async () => {
  const page = await newPage(browser, server.base);
  await login(page, "support", "/support.html");
  // The last sitting day's child hearing on the link, its outcome not yet recorded.
  const me = (await api(page, "GET", "/api/auth/me")).body;
  const day = lastSittingDay();
  const list = (await api(page, "GET", `/api/courts/${me.court_id}/hearings?from=${day}&to=${day}`)).body.items;
  const hearing = list.find((h) => h.child_testifies && h.mode === "video_link");
  assert.ok(hearing, "the demo's last sitting day has a child's hearing on the link");
  const made = await api(page, "POST", `/api/hearings/${hearing.id}/video-session`, {});
  assert.equal(made.status, 201, JSON.stringify(made.body));
  const sid = made.body.id;
  const parties = (await api(page, "GET", `/api/cases/${hearing.case_id}/parties`)).body.items;
  const child = parties.find((p) => p.role === "child_witness");
  assert.equal((await api(page, "POST", `/api/video-sessions/${sid}/invites`, { role: "child_witness", party_id: child.id })).status, 201);

  await page.goto(`/support.html#console/${hearing.id}`);
  await page.waitForSelector("#state-now[data-state=lobby]");
  assert.ok(await page.locator("#evidence").isHidden(), "nothing to mark before the session");
  await page.click("#btn-start");
  await page.waitForSelector("#state-now[data-state=live]");
  assert.ok(await page.locator("#evidence").isHidden(), "nothing to mark while it is live");
  page.once("dialog", (d) => d.accept());
  await page.click("#btn-end");
  await page.waitForSelector("#state-now[data-state=ended]");
  await page.waitForSelector("#evidence:not([hidden]) #btn-evidence-part");
  assert.match(await page.locator("#evidence-now").innerText(), /Not yet marked/);

  // In part: the reason it continues, then marked.
  await page.click("#btn-evidence-part");
  await page.fill("#evidence input[name=continues_because]", "Child A asked to stop after forty minutes; cross-examination continues.");
  await screenshot(page, "support-evidence-en");
  await noSeriousViolations(page, "the console's evidence panel");
  await page.click("#btn-evidence-part-save");
  await page.waitForSelector("#evidence[data-evidence=part]");
  assert.match(await page.locator("#evidence-now").innerText(), /in part/);
  const o = (await api(page, "GET", `/api/hearings/${hearing.id}/outcome`)).body;
  assert.equal(o.outcome.kind, "held");
  assert.equal(o.outcome.child_evidence, "part");
  assert.equal(o.outcome.child_mode, "video_link");
  assert.equal(String(o.outcome.on_behalf_of), String(hearing.judge_id), "for the judge who sat");
  assert.match(o.outcome.continues_because, /forty minutes/);

  // In Urdu, later: in full, as a correction with its reason.
  await page.click("#lang-switch");
  assert.equal(await page.getAttribute("html", "dir"), "rtl");
  await page.fill("#evidence input[name=correction_reason]", "Child A finished after the break; the evidence is complete.");
  await page.click("#btn-evidence-full");
  await page.waitForSelector("#evidence[data-evidence=full]");
  assert.match(await page.locator("#evidence-now").innerText(), /مکمل/);
  await screenshot(page, "support-evidence-ur");
  await noSeriousViolations(page, "the console's evidence panel (Urdu)");
  const corrected = (await api(page, "GET", `/api/hearings/${hearing.id}/outcome`)).body;
  assert.equal(corrected.outcome.child_evidence, "full");
  assert.equal(corrected.history.length, 2, "the first record is kept");
  assert.deepEqual(page.problems, [], page.problems.join("\n"));
  await page.context().close();
});

test("the monitor reads the province's figures as charts with tables, in English and Urdu, with no child named", async () => {
  const page = await newPage(browser, server.base);
  await login(page, "monitor", "/monitor.html");
  await page.waitForSelector("#monitor-cards li");
  for (const id of ["chart-evidence", "chart-not-held", "chart-adjournments", "chart-appearances"]) {
    const chart = page.locator(`#${id}`);
    assert.equal(await chart.locator("svg.chart-canvas").count(), 1, `${id} is drawn`);
    assert.ok((await chart.locator("table tbody tr").count()) >= 1, `${id} has its table`);
  }
  assert.ok((await page.locator("#chart-not-held svg rect").count()) >= 1, "the demo's hearings not held are drawn");
  const text = await page.locator("main").innerText();
  const pending = Number((await page.locator("#monitor-cards li").first().locator(".card-value").innerText()).replace(/,/g, ""));
  assert.ok(pending > 0, "the demo court's child cases are counted");
  await screenshot(page, "monitor-dashboard-en");
  await noSeriousViolations(page, "the monitor's dashboard");

  // Nothing of a child reaches the monitor: the clerk's names are not on the page.
  const clerk = await newPage(browser, server.base);
  await login(clerk, "clerk", "/clerk.html");
  const cases = (await api(clerk, "GET", "/api/cases?per_page=100")).body.items;
  await clerk.context().close();
  for (const c of cases) {
    assert.ok(!text.includes(c.number), `the case number ${c.number} reached the monitor`);
  }
  const answer = JSON.stringify((await api(page, "GET", "/api/monitor/dashboard")).body);
  assert.ok(!/child_witness|date_of_birth|pseudonym/.test(answer), "no party of a case in the monitor's answer");

  await page.click("#lang-switch");
  assert.equal(await page.getAttribute("html", "dir"), "rtl");
  await page.locator("#chart-evidence h2", { hasText: "مقررہ مدت" }).waitFor();
  await screenshot(page, "monitor-dashboard-ur");
  await noSeriousViolations(page, "the monitor's dashboard (Urdu)");
  assert.deepEqual(page.problems, [], page.problems.join("\n"));
  await page.context().close();
});

test("a family answers the feedback questions without an account, in English or Urdu, once", async () => {
  // The support officer makes the link with the family, as the notice's would be.
  const staff = await newPage(browser, server.base);
  await login(staff, "support", "/support.html");
  const me = (await api(staff, "GET", "/api/auth/me")).body;
  const day = lastSittingDay();
  const list = (await api(staff, "GET", `/api/courts/${me.court_id}/hearings?from=${day}&to=${day}`)).body.items;
  const hearing = list.find((h) => h.child_testifies);
  assert.ok(hearing, "the demo's last sitting day has a child's hearing");
  const parties = (await api(staff, "GET", `/api/cases/${hearing.case_id}/parties`)).body.items;
  const family = parties.find((p) => p.side === "child" && p.role !== "child_witness") ?? parties.find((p) => p.side === "child");
  const made = await api(staff, "POST", `/api/hearings/${hearing.id}/feedback-links`, { party_id: family.id });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  const link = new URL(made.body.url);
  assert.equal(link.origin, server.base, "a full address on this server");
  await staff.context().close();

  const page = await newPage(browser, server.base);
  await page.goto(link.pathname + link.hash);
  await page.waitForSelector("form.feedback-form");
  assert.equal(await page.getAttribute("html", "lang"), "en");
  assert.equal(await page.locator("fieldset.question").count(), 3);
  assert.match(await page.locator("h1").innerText(), /How did it go/);
  await page.check("#saw_accused_side-saw_from_afar");
  await page.check("#waited-one_to_two_hours");
  await screenshot(page, "feedback-en");
  await noSeriousViolations(page, "the feedback page");

  // Unanswered, it asks again rather than sending.
  await page.click("form.feedback-form button[type=submit]");
  await page.locator("[role=alert]", { hasText: "three questions" }).waitFor();

  await page.click("#lang-switch");
  assert.equal(await page.getAttribute("html", "dir"), "rtl");
  await page.locator("legend", { hasText: "کیا آپ کے ساتھ عزت سے" }).waitFor();
  await page.check("#respected-partly");
  await screenshot(page, "feedback-ur");
  await noSeriousViolations(page, "the feedback page (Urdu)");
  await page.click("form.feedback-form button[type=submit]");
  await page.locator(".notice.ok", { hasText: "شکریہ" }).waitFor();
  await noSeriousViolations(page, "the feedback page's thanks (Urdu)");

  // The link works once: opened again, it says so.
  await page.reload();
  await page.locator(".notice.ok", { hasText: "already been answered" }).waitFor();
  assert.equal(await page.locator("form.feedback-form").count(), 0);
  assert.deepEqual(page.problems, [], page.problems.join("\n"));
  await page.context().close();
});
