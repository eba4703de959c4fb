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
  // A coming hearing of the demo, its guardian given an email address, then
  // moved to a free slot: the move queues a "moved" notice to each party.
  const cases = (await api(page, "GET", "/api/cases?per_page=100")).body.items;
  let target = null;
  for (const c of cases) {
    const hearings = (await api(page, "GET", `/api/cases/${c.id}/hearings`)).body.items;
    const coming = hearings.find((x) => x.status === "scheduled" && new Date(x.starts_at) > new Date(Date.now() + 86_400_000));
    const parties = (await api(page, "GET", `/api/cases/${c.id}/parties`)).body.items;
    const guardian = parties.find((p) => p.role === "guardian");
    if (coming && guardian) {
      target = { c, hearing: coming, guardian };
      break;
    }
  }
  assert.ok(target, "the demo has a coming hearing with a guardian");
  const { c, hearing, guardian } = target;
  const set = await api(page, "PUT", `/api/parties/${guardian.id}/contact`, { email: "guardian@example.org", phone: "0300 1234567", language: "ur" });
  assert.equal(set.status, 200, JSON.stringify(set.body));
  const minutes = Math.round((new Date(hearing.ends_at) - new Date(hearing.starts_at)) / 60_000);
  const slots = (await api(page, "GET", `/api/hearings/slots?case_id=${c.id}&kind=${hearing.kind}&minutes=${minutes}&hearing_id=${hearing.id}`)).body.slots;
  const free = slots.find((s) => s.starts_at !== hearing.starts_at);
  assert.ok(free, "a free slot to move the hearing to");
  const moved = await api(page, "POST", `/api/hearings/${hearing.id}/book`, { starts_at: free.starts_at, minutes, judge_id: free.judge_id, room_id: free.room_id });
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
