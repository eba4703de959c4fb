// The day's board: the judge marks what happened at the last sitting day's
// hearings in one or two taps, in English and in Urdu; the docket changes
// with it; the clerk marks one on the judge's behalf.

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

const rows = (page) => page.locator("#board li.board-row");

test("the judge marks the day's outcomes on the board in English and Urdu, and the docket follows", async () => {
  const day = lastSittingDay();
  const page = await newPage(browser, server.base);
  await login(page, "judge", "/judge.html");
  await page.goto(`/judge.html#board/${day}`);
  await page.waitForSelector("#board li.board-row, #board-empty");
  assert.equal(await rows(page).count(), 3, "the demo left three hearings of the last sitting day to mark");
  assert.equal(await page.locator("#board li[data-state=awaiting]").count(), 3);
  await screenshot(page, "judge-board-en");
  await noSeriousViolations(page, "the board");

  // One tap: the child was heard in full.
  const first = rows(page).first();
  const firstId = await first.getAttribute("data-hearing");
  await first.locator("button[data-action=full]").click();
  await page.locator(`#board li[data-hearing="${firstId}"][data-state=recorded]`).waitFor();
  const recorded = (await api(page, "GET", `/api/hearings/${firstId}/outcome`)).body;
  assert.equal(recorded.outcome.kind, "held");
  assert.equal(recorded.outcome.child_evidence, "full");
  assert.equal(recorded.outcome.on_behalf_of, null, "the judge recorded it herself");
  const marked = page.locator(`#board li[data-hearing="${firstId}"]`);
  assert.match(await marked.innerText(), /Held/);
  assert.match(await marked.innerText(), /testified 2/, "the child's second time heard is counted");

  // In Urdu: not held, the accused not produced; two taps, the reason in Urdu.
  await page.click("#lang-switch");
  assert.equal(await page.getAttribute("html", "dir"), "rtl");
  const second = page.locator("#board li[data-state=awaiting]").first();
  const secondId = await second.getAttribute("data-hearing");
  await second.locator("button[data-action=not-held]").click();
  const reason = second.locator("button[data-reason=accused_not_produced]");
  assert.equal(await reason.innerText(), "ملزم کو حراست سے پیش نہیں کیا گیا");
  await screenshot(page, "judge-board-reasons-ur");
  await reason.click();
  const notHeld = page.locator(`#board li[data-hearing="${secondId}"][data-state=recorded]`);
  await notHeld.waitFor();
  assert.match(await notHeld.innerText(), /سماعت نہیں ہوئی/);
  assert.match(await notHeld.innerText(), /ملزم کو حراست سے پیش نہیں کیا گیا/);
  const second_ = (await api(page, "GET", `/api/hearings/${secondId}/outcome`)).body;
  assert.deepEqual([second_.outcome.kind, second_.outcome.reason.code, second_.outcome.caused_by], ["not_held", "accused_not_produced", "state_custody"]);
  await screenshot(page, "judge-board-ur");
  await noSeriousViolations(page, "the board (Urdu)");
  await page.click("#lang-switch");

  // The docket of that day shows what happened and the child's count.
  await page.goto(`/judge.html#docket/week/${day}`);
  const docketRow = page.locator(`.docket-table tr[data-hearing="${firstId}"]`);
  await docketRow.waitFor();
  assert.match(await docketRow.innerText(), /brought 2, testified 2/);
  const docket = (await api(page, "GET", `/api/docket?from=${day}&to=${day}`)).body;
  const item = docket.items.find((i) => String(i.hearing.id) === firstId);
  assert.equal(item.hearing.outcome.kind, "held");
  assert.equal(item.children[0].testified, 2);
  assert.deepEqual(page.problems, [], page.problems.join("\n"));
  await page.context().close();
});

test("the clerk keeps the same board for the judge and records on the judge's behalf", async () => {
  const day = lastSittingDay();
  const page = await newPage(browser, server.base);
  await login(page, "clerk", "/clerk.html");
  await page.goto(`/clerk.html#board/${day}`);
  await page.waitForSelector("#board li.board-row, #board-empty");
  // The clerk picks the judge whose board to keep.
  await page.selectOption("#board-judge", { label: "Justice Amna Siddiqui" });
  const judge = await page.locator("#board-judge").inputValue();
  await page.waitForURL(`**#board/${day}/${judge}`);
  const waiting = page.locator("#board li[data-state=awaiting]").last();
  await waiting.waitFor();
  const id = await waiting.getAttribute("data-hearing");
  const isChild = (await waiting.locator("button[data-action=part]").count()) > 0;
  if (isChild) {
    await waiting.locator("button[data-action=part]").click();
    await waiting.locator("input[name=continues_because]").fill("Child A was tired after an hour; the court rose.");
    await waiting.locator("button[type=submit]").click();
  } else {
    await waiting.locator("button[data-action=arguments]").click();
  }
  await page.locator(`#board li[data-hearing="${id}"][data-state=recorded]`).waitFor();
  const o = (await api(page, "GET", `/api/hearings/${id}/outcome`)).body.outcome;
  assert.equal(String(o.on_behalf_of), judge, "the clerk recorded it for the judge");
  await screenshot(page, "clerk-board-en");
  await noSeriousViolations(page, "the clerk's board");
  assert.deepEqual(page.problems, [], page.problems.join("\n"));
  await page.context().close();
});
