// The desktop a test file (or a describe block) works against: started before its tests and
// stopped after them, so each file does not repeat the hooks.

import { after, before } from "node:test";
import { startWithOpener } from "./flows.mjs";

/** @typedef {Awaited<ReturnType<typeof startWithOpener>>} Desk */

/**
 * Registers hooks that start the app with {@link startWithOpener} (a fresh data folder named
 * after `name`), then run `prepare` on it, before the tests, and stop it after them.
 * `running()` is the started app and its data folder, failing the test instead of a TypeError
 * when it did not start; `driver()` is its WebDriver. Setting up goes in `prepare`, not in a
 * `before` of the file's own: at a file's top level, node:test runs its `before` hooks as they
 * are registered, all at once.
 * @param {string} name
 * @param {(desk: Desk) => Promise<void>} [prepare]
 */
export function desktopForTheseTests(name, prepare) {
  /** @type {Desk | undefined} */
  let desk;
  before(async () => {
    desk = await startWithOpener(name);
    await prepare?.(desk);
  });
  after(async () => {
    await desk?.stop();
  });
  function running() {
    if (!desk) throw new Error("the app did not start");
    return desk;
  }
  return {
    running,
    /** @returns {import("selenium-webdriver").WebDriver} */
    driver: () => running().app.driver,
  };
}
