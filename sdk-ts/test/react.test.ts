// The React bindings in headless Chromium: useLiveQuery subscribes, re-renders only when the rows
// change, and subscribes again (closing the old query) when its deps change.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { chromium } from "playwright-core";
import { CHROMIUM, CHROMIUM_ARGS } from "./browser.js";
import { serveStatic } from "./static.js";

const SDK = new URL("../..", import.meta.url).pathname;
const cleanup: (() => Promise<void>)[] = [];

after(async () => {
  for (const c of cleanup.reverse()) {
    await c();
  }
});

test("useLiveQuery re-renders only on change and resubscribes when deps change", async () => {
  const site = await serveStatic(join(SDK, "build/react-test"));
  cleanup.push(site.close);
  const profile = mkdtempSync(join(tmpdir(), "tributary-chromium-"));
  cleanup.push(async () => rmSync(profile, { recursive: true, force: true }));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
  });
  cleanup.push(() => context.close());
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto(`${site.url}/index.html`);
  await page.waitForFunction(() => (window as any).probe?.text() === "loading");
  const probe = <T>(js: string) => page.evaluate(js) as Promise<T>;

  const subs = await probe<{ sql: string; params: unknown[]; closed: boolean }[]>("probe.subs()");
  assert.deepEqual(subs, [{ sql: "SELECT id FROM demo.messages WHERE c = $1", params: ["general"], closed: false }]);
  const start = await probe<number>("probe.renders()");

  await probe("probe.emit('a')");
  assert.equal(await probe("probe.text()"), "a");
  assert.equal(await probe("probe.renders()"), start + 1, "one render for new rows");
  await probe("probe.emit('a')");
  assert.equal(await probe("probe.renders()"), start + 1, "no render when the same rows come again");
  await probe("probe.emit('ab')");
  assert.equal(await probe("probe.text()"), "a,b");
  assert.equal(await probe("probe.renders()"), start + 2);

  await probe("probe.switchTo('random')");
  const after = await probe<{ params: unknown[]; closed: boolean }[]>("probe.subs()");
  assert.deepEqual(after.map((s) => [s.params, s.closed]), [[["general"], true], [["random"], false]]);
  assert.equal(await probe("probe.text()"), "loading");
});
