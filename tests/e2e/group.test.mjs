// Linked cases: the clerk links two of the demo's child cases, opens the
// group, and sees every child's planned sitting, the what-if table and
// chart, and one printable page per family, in English and in Urdu.

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

test("the clerk plans a linked group's children and prints each family's day", async () => {
  const page = await newPage(browser, server.base);
  await login(page, "clerk", "/clerk.html");
  const listed = await api(page, "GET", "/api/cases?per_page=100");
  assert.equal(listed.status, 200, JSON.stringify(listed.body));
  const cases = listed.body.items;
  const withChild = [];
  for (const c of cases) {
    const parties = (await api(page, "GET", `/api/cases/${c.id}/parties`)).body.items;
    if (parties.some((p) => p.role === "child_witness")) withChild.push(c.id);
    if (withChild.length === 2) break;
  }
  assert.equal(withChild.length, 2, "the demo has two child cases");
  const [one, two] = withChild;
  const linked = await api(page, "POST", `/api/cases/${one}/links`, { case_id: two, reason: "same_occurrence" });
  assert.equal(linked.status, 201, JSON.stringify(linked.body));
  const group = (await api(page, "GET", `/api/case-groups/${one}`)).body;

  await page.goto(`/clerk.html#group/${one}`);
  await page.waitForSelector("#group-sittings tbody tr, #group-plan .notice");
  const planned = await page.locator("#group-sittings tbody tr").count();
  const unplaced = await page.locator("#group-sittings + ul li").count();
  assert.equal(planned + unplaced, group.children.length, "each child of the group once");
  assert.ok((await page.locator("#group-what-if tbody tr").count()) >= 3, "the what-if answers");
  assert.ok((await page.locator("#group-chart rect").count()) >= 6, "the chart's bars");
  assert.ok((await page.locator("#family-schedules .family-page").count()) >= 1, "a page per family");
  assert.equal(await page.locator("#family-schedules").getByText("accused", { exact: false }).count(), 0);
  await screenshot(page, "clerk-group-en");
  const found = await axe(page);
  assert.deepEqual(found, [], JSON.stringify(found, null, 2));

  await page.click("#lang-switch");
  assert.equal(await page.getAttribute("html", "dir"), "rtl");
  assert.equal(await page.locator("#h-group").innerText(), "منسلک مقدمات");
  await screenshot(page, "clerk-group-ur");
  await page.context().close();
});
