// Filling the queue from the operator's side: contacts imported through the Contacts screen,
// searched and paged from the Rust side, through a real WebDriver session; then working it at
// the cap: triage of the contact shown, "Send anyway" and the count of who is left.

import assert from "node:assert/strict";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { By, until } from "selenium-webdriver";
import { E2E_OPERATOR, startDesktop } from "../lib/desktop.mjs";
import {
  addAllContacts,
  clickInView,
  clipboardText,
  copyAndOpen,
  createCampaign,
  ENTER,
  ESCAPE,
  horizontalOverflow,
  importContacts,
  openQueueAndStart,
  openQueueOn,
  press,
  resizeWindow,
  waitForText,
} from "../lib/flows.mjs";
import { fixturesDir } from "../lib/paths.mjs";
import { desktopForTheseTests } from "../lib/suite.mjs";

describe("filling the queue and working it by keyboard", () => {
  /** @type {Awaited<ReturnType<typeof startDesktop>>} */
  let app;
  /** @type {string} */
  let dataDir;

  before(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "clipdesk-desktop-queue-e2e-"));
    app = await startDesktop({ dataDir });
  });

  after(async () => {
    await app?.stop();
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  test("with no campaign the queue says to create one", async () => {
    const { driver } = app;
    await driver.wait(until.elementLocated(By.css("main[data-screen=queue]")), 20_000);
    await waitForText(app.driver, "[data-testid=empty-state] p", /Create a campaign in Campaigns/);
  });

  test("a CSV imported through the Contacts screen fills the table", async () => {
    const { driver } = app;
    await driver.findElement(By.css("nav a[data-screen=contacts]")).click();
    await waitForText(app.driver, "[data-testid=contacts-empty]", /No contacts yet/);

    await driver.findElement(By.css("[data-testid=import-toggle]")).click();
    await driver
      .findElement(By.css("[data-testid=import-path]"))
      .sendKeys(path.join(fixturesDir, "contacts-sample.csv"));
    await driver.findElement(By.css("[data-testid=import-preview]")).click();
    const preview = await driver.wait(until.elementLocated(By.css("[data-testid=import-preview-table]")), 10_000);
    const headers = await preview.findElements(By.css("thead th select"));
    const fields = await Promise.all(headers.map((el) => el.getAttribute("value")));
    assert.deepEqual(fields, ["handle", "user_id", "display_name", "tags", "notes"], "each column maps to its field");

    await driver.findElement(By.css("[data-testid=import-run]")).click();
    await waitForText(app.driver, "[data-testid=import-report]", /^10 imported, 0 updated, 0 skipped, 0 rejected/);
    await waitForText(app.driver, "[data-testid=contacts-total]", /^10 contacts$/);
    const rows = await driver.findElements(By.css("[data-testid=contacts-table] tbody tr"));
    assert.equal(rows.length, 10);
    await app.screenshot("desktop-contacts-imported");
  });

  test("searching as you type narrows the table", async () => {
    const { driver } = app;
    await driver.findElement(By.css("[data-testid=contacts-search]")).sendKeys("maya");
    await waitForText(app.driver, "[data-testid=contacts-total]", /^1 matching$/);
    const handle = await driver.findElement(By.css("[data-testid=contacts-table] tbody tr td")).getText();
    assert.equal(handle, "@maya.bakes");
  });

  test("a path that cannot be read is reported, not imported", async () => {
    const { driver } = app;
    const input = await driver.findElement(By.css("[data-testid=import-path]"));
    await input.clear();
    await input.sendKeys(path.join(dataDir, "missing.csv"));
    await driver.findElement(By.css("[data-testid=import-preview]")).click();
    await waitForText(app.driver, "[data-testid=import-error]", /cannot read .*missing\.csv/);
  });

  test("a campaign made in Campaigns takes the imported contacts", async () => {
    const { driver } = app;
    await driver.findElement(By.css("nav a[data-screen=campaigns]")).click();
    await driver.wait(until.elementLocated(By.css("[data-testid=campaign-new]")), 10_000).click();
    const editor = await driver.wait(until.elementLocated(By.css("[data-testid=campaign-editor]")), 10_000);
    await clickInView(driver, await editor.findElement(By.css("[data-testid=campaign-save]")));
    await waitForText(app.driver, "[data-testid=campaign-editor] .error.field[data-field=name]", /name/);
    await editor.findElement(By.css("[data-testid=campaign-name]")).sendKeys("Spring bakes");
    await editor.findElement(By.css("textarea")).sendKeys("Hi {{first_name|there}}, record a clip for us: {{link}}");
    // The live preview renders the unsaved template for a chosen contact.
    await editor.findElement(By.css("[data-testid=campaign-preview-search]")).sendKeys("maya");
    await waitForText(app.driver, "[data-testid=campaign-preview] pre", /^Hi Maya, record a clip for us: \S+$/);
    await editor.findElement(By.css("textarea")).sendKeys(" {{nope}}");
    await waitForText(app.driver, "[data-testid=campaign-preview-error]", /nope/);
    await editor.findElement(By.css("textarea")).sendKeys("\uE003".repeat(" {{nope}}".length)); // Backspace
    await waitForText(app.driver, "[data-testid=campaign-preview] pre", /^Hi Maya, record a clip for us: \S+$/);
    // A second part: `C` copies it after the first.
    await editor.findElement(By.css("[data-testid=campaign-add-part]")).click();
    const second = await editor.findElements(By.css("[data-testid=campaign-part] textarea"));
    await second[1]?.sendKeys("Any questions, {{handle}}? Just reply here.");
    await waitForText(app.driver, "[data-testid=campaign-preview] li:nth-child(2) pre", /^Any questions, maya\.bakes\? Just reply here\.$/);
    await clickInView(driver, await editor.findElement(By.css("[data-testid=campaign-save]")));
    await waitForText(app.driver, "[data-testid=campaign-notice]", /Saved “Spring bakes”/);

    await driver.findElement(By.css("nav a[data-screen=contacts]")).click();
    const add = await driver.wait(until.elementLocated(By.css("[data-testid=add-matching]")), 10_000);
    await driver.wait(until.elementIsEnabled(add), 5_000);
    await add.click();
    await waitForText(app.driver, ".add .notice", /^Added 10 to Spring bakes/);
  });

  test("the queue serves contacts by keyboard: skip, send, pacing wait, undo", async () => {
    const { driver } = app;
    await driver.findElement(By.css("nav a[data-screen=queue]")).click();
    await driver.wait(until.elementLocated(By.css("[data-testid=queue]")), 10_000);
    await driver.wait(until.elementLocated(By.css("[data-testid=queue-campaign]")), 10_000);
    await driver.findElement(By.css("body")).sendKeys("\uE007"); // Enter
    // Links are registered by the sync loop's next round; the queue retries by itself.
    await waitForText(app.driver, "[data-testid=queue-contact] h2", /^@maya\.bakes/, 60_000);
    const part = await waitForText(app.driver, "[data-testid=queue-parts] pre", /\S/);
    assert.match(part, /^Hi Maya, record a clip for us: https?:\/\/\S+\/r\/\S+$/, "the link is the contact's own");
    const parts = await driver.findElements(By.css("[data-testid=queue-parts] pre"));
    assert.equal(parts.length, 2, "both parts are shown");

    await driver.findElement(By.css("body")).sendKeys("k");
    await waitForText(app.driver, "[data-testid=queue-contact] h2", /^@dan_rides/);
    await driver.findElement(By.css("body")).sendKeys("s");
    await waitForText(app.driver, "[data-testid=pacing-wait]", /next send allowed in \d:\d\d/);
    await waitForText(app.driver, "[data-testid=pace]", /^1 of 50 sent in the last 24 hours/);
    await app.screenshot("desktop-queue-pacing");

    // Away and back, no key pressed: the Queue asks for pacing when it opens, so the wait and
    // the next allowed send are shown instead of a "Ready … Start next" that Enter would refuse.
    await driver.findElement(By.css("nav a[data-screen=contacts]")).click();
    await driver.wait(until.elementLocated(By.css("main[data-screen=contacts]")), 10_000);
    await driver.findElement(By.css("nav a[data-screen=queue]")).click();
    await waitForText(app.driver, "[data-testid=pace]", /^1 of 50 sent in the last 24 hours · next send allowed in \d:\d\d \(at \d\d:\d\d\)/, 5_000);
    await waitForText(app.driver, "[data-testid=pacing-wait]", /next send allowed in \d:\d\d \(at \d\d:\d\d\)/, 5_000);
    assert.equal((await driver.findElements(By.css("[data-testid=queue] .prompt"))).length, 0, "no Start next while pacing waits");
    await app.screenshot("desktop-queue-pacing-back");

    await driver.findElement(By.css("body")).sendKeys("u");
    await waitForText(app.driver, "[data-testid=queue-contact] h2", /^@dan_rides/);
    await waitForText(app.driver, "[data-testid=queue-history]", /First time in any campaign/);
  });

  test("a campaign's outcomes export to a CSV file, whole", async () => {
    const { driver } = app;
    await driver.findElement(By.css("nav a[data-screen=campaigns]")).click();
    const item = await driver.wait(until.elementLocated(By.css("[data-testid=campaign-list] button")), 10_000);
    await item.click();
    await app.screenshot("desktop-campaign-export");
    const field = await driver.wait(until.elementLocated(By.css("[data-testid=campaign-export-path]")), 10_000);
    await field.sendKeys(path.join(dataDir, "no-such-folder", "spring.csv"));
    // Export is enabled once the typed path reached the form; a click before that does nothing.
    const run = driver.findElement(By.css("[data-testid=campaign-export-run]"));
    await driver.wait(until.elementIsEnabled(run), 10_000);
    await run.click();
    await waitForText(app.driver, "[data-testid=campaign-export-result]", /^path: the folder .*no-such-folder does not exist/);

    const file = path.join(dataDir, "spring.csv");
    await field.clear();
    await field.sendKeys(file);
    await driver.wait(until.elementIsEnabled(run), 10_000);
    await run.click();
    await waitForText(app.driver, "[data-testid=campaign-export-result]", /^Exported 10 rows to /);
    const lines = (await fs.readFile(file, "utf8")).trim().split(/\r?\n/);
    assert.equal(lines[0], "handle,display_name,state,cant_dm_reason,sent_at,link_opened_at,video_state,review,note");
    assert.equal(lines.length, 11);
    assert.match(lines[1] ?? "", /^maya\.bakes,Maya Lopez,skipped,/, "the skip is exported");
    // Undone, then given back to the pool when the operator left the Queue for Campaigns.
    assert.match(lines[2] ?? "", /^dan_rides,.*,queued,/, "the undone send is back in the queue");
  });
});

describe("at the cap: triage, Send anyway and who is left", () => {
  const { running } = desktopForTheseTests("desktop-queue-cap-e2e", async ({ app: { driver } }) => {
    await importContacts(driver);
    // One send a day: the first send puts the desktop at the cap.
    await createCampaign(driver, { name: "Tight", template: "Hi {{first_name|there}}: {{link}}", dailyCap: 1, spacingS: 600 });
    await addAllContacts(driver, "Tight");
  });

  /** Lets a key that must do nothing have its chance to do something. */
  const settle = () => new Promise((resolve) => setTimeout(resolve, 1500));

  test("at the cap the next contact is shown: K and F work, S and Enter do not, and the count left goes down", async () => {
    const { app, opener } = running();
    const { driver } = app;
    await openQueueAndStart(driver);
    await waitForText(driver, "[data-testid=queue-left]", /^9 left$/);
    // Maya has a user id: her DM page is opened, and the notice says so.
    assert.match(await copyAndOpen(driver), /opened the DM page: paste and send/);
    assert.match((await opener.waitForOpened(1))[0] ?? "", /tiktok\.com\/messages\?.*u=7277192393706324999/);
    const copied = await clipboardText();
    await press(driver, "s");
    await waitForText(driver, "[data-testid=queue-notice]", /^Sent: @maya\.bakes /);

    await waitForText(driver, "[data-testid=pacing-wait]", /daily cap reached: 1 of 1/);
    await waitForText(driver, "[data-testid=pace]", /^1 of 1 sent in the last 24 hours · next send allowed in /);
    await waitForText(driver, "[data-testid=queue-next] h2", /^@dan_rides/);
    await waitForText(driver, "[data-testid=queue-left]", /^9 left$/);
    for (const [width, height] of [[900, 600], [1280, 800]]) {
      await resizeWindow(driver, width, height);
      assert.deepEqual(await horizontalOverflow(driver), [], `nothing scrolls sideways at ${width}×${height}`);
      await app.screenshot(`desktop-queue-cap-${width}x${height}`);
    }

    // S and Enter send: at the cap they do nothing. Nothing is copied, no page is opened.
    await press(driver, "s");
    await press(driver, ENTER);
    await settle();
    await waitForText(driver, "[data-testid=queue-next] h2", /^@dan_rides/);
    await waitForText(driver, "[data-testid=queue-notice]", /^Sent: @maya\.bakes /);
    assert.equal((await opener.opened()).length, 1, "Enter at the cap opens no DM page");
    assert.equal(await clipboardText(), copied, "Enter at the cap copies no message");
    assert.equal((await driver.findElements(By.css("[data-testid=queue-contact]"))).length, 0, "nobody is started");

    // K and F send nothing: they work, and the next contact comes up.
    await press(driver, "k");
    await waitForText(driver, "[data-testid=queue-notice]", /^Skipped: @dan_rides \(U undoes\)/);
    await waitForText(driver, "[data-testid=queue-left]", /^8 left$/);
    const third = (await waitForText(driver, "[data-testid=queue-next] h2", /^@(?!dan_rides)\S+/)).slice(1).split(/\s/)[0];
    await press(driver, "f");
    await driver.wait(until.elementLocated(By.css("[data-testid=queue] .reasons")), 5_000);
    await press(driver, "1");
    await waitForText(driver, "[data-testid=queue-notice]", new RegExp(`^Can't DM: @${third?.replace(/\./g, "\\.")} `));
    await waitForText(driver, "[data-testid=queue-left]", /^7 left$/);

    // U undoes a triage like any outcome: the contact is back, not started, and counted.
    await press(driver, "u");
    await waitForText(driver, "[data-testid=queue-notice]", /^Undone/);
    await waitForText(driver, "[data-testid=queue-next] h2", new RegExp(`^@${third?.replace(/\./g, "\\.")}`));
    await waitForText(driver, "[data-testid=queue-left]", /^8 left$/);
    await waitForText(driver, "[data-testid=pace]", /^1 of 1 sent/);
  });

  test("Send anyway asks first, lets one DM go, is logged in the contact's history, and the next contact waits", async () => {
    const { app, opener } = running();
    const { driver } = app;
    const shown = (await waitForText(driver, "[data-testid=queue-next] h2", /^@\S+/)).slice(1).split(/\s/)[0] ?? "";
    const escaped = shown.replace(/\./g, "\\.");

    // Asked, then cancelled: nothing happens.
    await driver.findElement(By.css("[data-testid=send-anyway]")).click();
    await waitForText(driver, "[data-testid=send-anyway-confirm]", /restricted or blocked[\s\S]*logged with your name/);
    await press(driver, ESCAPE);
    await driver.wait(async () => (await driver.findElements(By.css("[data-testid=send-anyway-confirm]"))).length === 0, 5_000);
    assert.equal((await driver.findElements(By.css("[data-testid=queue-contact]"))).length, 0);

    // Asked and confirmed: this one contact is started past pacing.
    await driver.findElement(By.css("[data-testid=send-anyway]")).click();
    await driver.wait(until.elementLocated(By.css("[data-testid=send-anyway-yes]")), 5_000).click();
    await waitForText(driver, "[data-testid=queue-contact] h2", new RegExp(`^@${escaped}`));
    await waitForText(driver, "[data-testid=queue-notice]", /past pacing; logged as an override/);
    // No user id (the fixture's third contact): the profile page is what opens, and is named.
    assert.match(await copyAndOpen(driver), /opened their profile page \(no user id: press Message there\)/);
    assert.match((await opener.waitForOpened(2))[1] ?? "", /tiktok\.com\/@/);
    await press(driver, "s");
    await waitForText(driver, "[data-testid=queue-notice]", new RegExp(`^Sent: @${escaped} `));
    await waitForText(driver, "[data-testid=pace]", /^2 of 1 sent/);

    // One DM only: the next contact waits again, and S does nothing.
    const next = await waitForText(driver, "[data-testid=queue-next] h2", /^@\S+/);
    assert.ok(!next.startsWith(`@${shown}`), "the next contact is shown, not started");
    await press(driver, "s");
    await settle();
    await waitForText(driver, "[data-testid=pacing-wait]", /daily cap reached: 2 of 1/);
    assert.equal((await driver.findElements(By.css("[data-testid=queue-contact]"))).length, 0);
    assert.equal((await opener.opened()).length, 2);

    // The override is in the contact's history, with who sent it: seen from a second campaign,
    // where the cross-campaign hold keeps the contact back until the operator overrides it.
    await createCampaign(driver, { name: "Roomy", template: "Hello {{handle}}: {{link}}", dailyCap: 50, spacingS: 1 });
    await addAllContacts(driver, "Roomy");
    await openQueueOn(driver, "Roomy");
    const held = await driver.wait(until.elementLocated(By.css("[data-testid=queue-held]")), 30_000);
    await held.findElement(By.css("summary")).click();
    const row = await driver.wait(until.elementLocated(By.css(`[data-testid=queue-held] li[data-handle="${shown}"]`)), 10_000);
    assert.match(await row.getText(), new RegExp(`@${escaped}[\\s\\S]*Tight · sent by \\S+ just now · held until`));
    await row.findElement(By.css("[data-testid=held-message-anyway]")).click();
    await waitForText(driver, "[data-testid=held-confirm]", /TikTok treats repeated messages as spam/);
    await driver.findElement(By.css("[data-testid=held-confirm-yes]")).click();
    await waitForText(driver, "[data-testid=queue-contact] h2", new RegExp(`^@${escaped}`));
    await waitForText(driver, "[data-testid=queue-history]", new RegExp(`^Tight: sent just now · sent past pacing by ${E2E_OPERATOR}$`));
  });
});
