// Settings → Webhooks against a real server: an endpoint is added with event checkboxes, its
// secret shown once, a signed delivery reaches a receiver on loopback after an event and shows
// in the endpoint's log, and the endpoint is removed after a confirmation.

import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { createServer } from "node:http";
import { after, before, test } from "node:test";
import { By, until } from "selenium-webdriver";
import { createOperatorToken, operatorApi } from "../lib/api.mjs";
import { goTo, horizontalOverflow, resizeWindow, waitForAttribute, waitForText } from "../lib/flows.mjs";
import { startServer } from "../lib/server.mjs";
import { desktopForTheseTests } from "../lib/suite.mjs";

/** @type {Awaited<ReturnType<typeof startServer>> | undefined} */
let server;
let token = "";
/** @type {Array<{ id: string, timestamp: string, signature: string, body: string }>} */
const received = [];
const receiver = createServer((req, res) => {
  let body = "";
  req.on("data", (chunk) => (body += chunk));
  req.on("end", () => {
    received.push({
      id: String(req.headers["webhook-id"]),
      timestamp: String(req.headers["webhook-timestamp"]),
      signature: String(req.headers["webhook-signature"]),
      body,
    });
    res.writeHead(204).end();
  });
});

before(async () => {
  server = await startServer();
  token = await createOperatorToken(server.dataDir, "webhooks-e2e");
  await new Promise((resolve) => receiver.listen(0, "127.0.0.1", () => resolve(undefined)));
});

after(async () => {
  await server?.stop();
  receiver.close();
});

const { running, driver } = desktopForTheseTests("desktop-webhooks-e2e");

/** @param {string} css */
async function click(css) {
  const element = await driver().wait(until.elementLocated(By.css(css)), 10_000);
  await driver().wait(until.elementIsEnabled(element), 10_000);
  await driver().executeScript("arguments[0].scrollIntoView({ block: 'center' })", element);
  await element.click();
}

/** @param {string} testid @param {string} text */
async function fill(testid, text) {
  const field = await driver().findElement(By.css(`[data-testid=${testid}]`));
  await field.clear();
  await field.sendKeys(text);
}

/** @param {string} name @param {string} css what to scroll into view */
async function screenshots(name, css) {
  for (const [width, height] of [
    [900, 600],
    [1280, 800],
  ]) {
    await resizeWindow(driver(), width, height);
    await driver().executeScript("document.querySelector(arguments[0]).scrollIntoView({ block: 'center' })", css);
    assert.deepEqual(await horizontalOverflow(driver()), [], `Settings at ${width}x${height} scrolls sideways`);
    await running().app.screenshot(`${name}-${width}x${height}`);
  }
}

test("an admin adds a webhook in Settings, sees its secret once and a signed delivery in its log, then removes it", async () => {
  if (!server) throw new Error("no server");
  await goTo(driver(), "settings");
  await click("[data-testid=settings-remote]");
  await fill("settings-server-url", server.url);
  await fill("settings-server-token", token);
  await click("[data-testid=settings-save]");
  await waitForText(driver(), "[data-testid=settings-save-result]", /^Saved\.$/, 20_000);
  await waitForText(driver(), "[data-testid=webhook-none]", /No webhooks yet/, 20_000);

  const hookUrl = `http://127.0.0.1:${/** @type {import("node:net").AddressInfo} */ (receiver.address()).port}/hooks`;
  await fill("webhook-url", hookUrl);
  await click("[data-testid=webhook-kind][value=link_created]");
  await click("[data-testid=webhook-add]");
  const secret = await waitForText(driver(), "[data-testid=webhook-secret]", /^whsec_[A-Za-z0-9+/]+=*$/, 20_000);
  await waitForText(driver(), "[data-testid=webhook-counts]", /0 delivered · 0 pending · 0 failed/);
  await screenshots("desktop-settings-webhooks-secret", "[data-testid=webhook-secret-box]");
  await click("[data-testid=webhook-secret-done]");
  const page = await driver().getPageSource();
  assert.ok(!page.includes(secret), "the secret is gone once dismissed");

  const api = operatorApi(server.url, token);
  await api.putCampaign("spring");
  const [link] = await api.createLinks("spring", [{ handle: "maya.bakes" }]);
  await driver().wait(async () => received.length > 0, 20_000, "the receiver got no delivery");
  const delivery = received[0];
  const key = Buffer.from(secret.slice("whsec_".length), "base64");
  const expected = createHmac("sha256", key).update(`${delivery.id}.${delivery.timestamp}.${delivery.body}`).digest("base64");
  assert.equal(delivery.signature, `v1,${expected}`, "signed with the secret shown once");
  const body = JSON.parse(delivery.body);
  assert.equal(body.type, "link_created");
  assert.equal(body.data.link, link.token);

  await click("[data-testid=webhook-log-toggle]");
  await driver().wait(
    async () => {
      const rows = await driver().findElements(By.css("[data-testid=webhook-delivery][data-state=delivered]"));
      if (rows.length > 0) return true;
      await click("[data-testid=webhook-log-refresh]");
      return false;
    },
    20_000,
    "the delivery never showed as delivered",
  );
  await waitForAttribute(driver(), "[data-testid=webhook-delivery]", "data-state", "delivered");
  await waitForText(driver(), "[data-testid=webhook-counts]", /1 delivered · 0 pending · 0 failed/);
  await screenshots("desktop-settings-webhooks-log", "[data-testid=webhook-log]");

  await click("[data-testid=webhook-remove]");
  await click("[data-testid=webhook-remove-confirm]");
  await waitForText(driver(), "[data-testid=webhook-none]", /No webhooks yet/);
  const listed = await fetch(`${server.url}/api/v1/webhooks`, { headers: { authorization: `Bearer ${token}` } });
  assert.deepEqual((await listed.json()).webhooks, [], "removed on the server too");
});
