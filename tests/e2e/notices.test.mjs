// The clerk sees a hearing's notices (each party's, by channel and
// language, with its status) and resends one, in English and in Urdu.

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

test("the clerk sees a hearing's notices and resends one, in English and Urdu", async () => {
  const page = await newPage(browser, server.base);
  await login(page, "clerk", "/clerk.html");
  // A case of the clerk's own: its accused reached by email, its hearing
  // listed at a free slot and then moved to another, which queues a "moved"
  // notice for each party.
  const today = new Date().toISOString().slice(0, 10);
  const c = (await api(page, "POST", "/api/cases", { number: `E2E-N-${Date.now() % 100000}/2026`, offence: "s.420 PPC", cognizance_date: today })).body;
  const accused = (await api(page, "POST", `/api/cases/${c.id}/parties`, { role: "accused", name: "Notice Accused" })).body;
  await api(page, "POST", `/api/cases/${c.id}/parties`, { role: "witness", name: "Paper Witness" });
  const set = await api(page, "PUT", `/api/parties/${accused.id}/contact`, { email: "accused@example.org", language: "ur" });
  assert.equal(set.status, 200, JSON.stringify(set.body));
  const hearing = (await api(page, "POST", `/api/cases/${c.id}/hearings`, { kind: "charge" })).body;
  const slotsOf = async () => (await api(page, "GET", `/api/hearings/slots?case_id=${c.id}&kind=charge&minutes=30&hearing_id=${hearing.id}`)).body.slots;
  const [first] = await slotsOf();
  assert.ok(first, JSON.stringify(await slotsOf()));
  const booked = await api(page, "POST", `/api/hearings/${hearing.id}/book`, { starts_at: first.starts_at, minutes: 30, judge_id: first.judge_id, room_id: first.room_id });
  assert.equal(booked.status, 200, JSON.stringify(booked.body));
  const free = (await slotsOf()).find((x) => x.starts_at !== first.starts_at);
  const moved = await api(page, "POST", `/api/hearings/${hearing.id}/book`, { starts_at: free.starts_at, minutes: 30, judge_id: free.judge_id, room_id: free.room_id });
  assert.equal(moved.status, 200, JSON.stringify(moved.body));

  await page.goto(`/clerk.html#notices/${hearing.id}`);
  await page.waitForSelector("#notices-table tbody tr");
  const movedRows = page.locator("#notices-table tr[data-channel=email]");
  assert.ok((await movedRows.count()) >= 1, "the guardian's email notice is listed");
  assert.match(await page.locator("#notices-table").innerText(), /Moved/);
  await screenshot(page, "clerk-notices-en");
  const found = await axe(page);
  assert.deepEqual(found, [], JSON.stringify(found, null, 2));

  // Resend the email: queued again, and the clerk is told so.
  const row = movedRows.last();
  const id = await row.getAttribute("data-notice");
  await row.locator("button[data-action=resend]").click();
  await page.locator("[role=status] .notice.ok").waitFor();
  const after_ = (await api(page, "GET", `/api/hearings/${hearing.id}/notices`)).body.items.find((n) => String(n.id) === id);
  assert.equal(after_.status, "queued");
  assert.equal(after_.attempts, 0);
  const audit = (await api(page, "GET", `/api/hearings/${hearing.id}/notices`)).status;
  assert.equal(audit, 200);

  await page.click("#lang-switch");
  assert.equal(await page.getAttribute("html", "dir"), "rtl");
  await page.waitForSelector("#notices-table tbody tr");
  assert.match(await page.locator("#notices-table").innerText(), /وقت بدلا/);
  await screenshot(page, "clerk-notices-ur");
  await page.click("#lang-switch");
  assert.deepEqual(page.problems, [], page.problems.join("\n"));
  await page.context().close();
});
