// The chat demo in headless Chromium (Debian's, driven by playwright-core) against a real server:
// two users in two browser contexts each see their own messages appear live, never the other's.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { createClient } from "../src/node.js";
import { CHROMIUM, CHROMIUM_ARGS } from "./browser.js";
import { TestServer } from "./server.js";
import { serveStatic } from "./static.js";

const SDK = new URL("../..", import.meta.url).pathname;
const TIMEOUT = 60_000;

let server: TestServer;
let demo: { url: string; close: () => Promise<void> };
const contexts: BrowserContext[] = [];
const profiles: string[] = [];

before(async () => {
  server = await TestServer.start();
  const root = server.root();
  await root.execute(readFileSync(join(SDK, "demo/setup.sql"), "utf8"));
  await root.execute(
    "CREATE USER 'alice' WITH PASSWORD 'alice-password'; CREATE USER 'bob' WITH PASSWORD 'bob-password'",
  );
  root.close();
  demo = await serveStatic(join(SDK, "build/demo"));
});

after(async () => {
  for (const c of contexts) {
    await c.close().catch(() => {});
  }
  for (const p of profiles) {
    rmSync(p, { recursive: true, force: true });
  }
  await demo?.close();
  await server?.close();
});

/** A browser of its own (a persistent context with a fresh profile) logged in as `user`. */
async function openAs(user: string, password: string): Promise<Page> {
  const profile = mkdtempSync(join(tmpdir(), "tributary-chromium-"));
  profiles.push(profile);
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 900, height: 560 },
  });
  contexts.push(context);
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(TIMEOUT);
  page.on("pageerror", (e) => console.error(`[${user}] page error:`, e));
  page.on("console", (m) => {
    // (Refused and cut connections are expected while the server restarts.)
    if (m.type() === "error" && !/ERR_CONNECTION_REFUSED|ERR_INCOMPLETE_CHUNKED_ENCODING/.test(m.text())) {
      console.error(`[${user}] console.error:`, m.text());
    }
  });
  await page.goto(`${demo.url}/index.html?api=${encodeURIComponent(server.url)}`);
  await page.fill("input[name=user]", user);
  await page.fill("input[name=password]", password);
  await page.click("form.login button");
  await page.getByTestId("whoami").filter({ hasText: user }).waitFor();
  return page;
}

async function send(page: Page, text: string): Promise<void> {
  await page.fill("input[name=message]", text);
  await page.click("button.send");
}

async function messages(page: Page): Promise<string[]> {
  return page.locator("[data-testid=message]").evaluateAll((els) =>
    els.map((el) => el.firstChild?.textContent ?? ""),
  );
}

test("two users chat in two browsers: each sees their own messages live, never the other's, also after a server restart", async () => {
  const alice = await openAs("alice", "alice-password");
  const bob = await openAs("bob", "bob-password");

  // The conversation list (a SHARED table) is the same for both.
  for (const page of [alice, bob]) {
    await page.getByTestId("conv-general").waitFor();
    await page.getByTestId("conv-random").waitFor();
  }

  // Typing shows the indicator (a STREAM table row, live).
  await alice.fill("input[name=message]", "hel");
  await alice.getByTestId("typing").filter({ hasText: "typing" }).waitFor();

  await send(alice, "hello from alice");
  await send(bob, "hello from bob");
  // Each message appears (optimistically, then confirmed by the server's change).
  await alice.locator("[data-testid=message][data-pending=false]", { hasText: "hello from alice" }).waitFor();
  await bob.locator("[data-testid=message][data-pending=false]", { hasText: "hello from bob" }).waitFor();
  await alice.getByTestId("typing").filter({ hasText: /^$/ }).waitFor();

  // A message alice writes elsewhere (another device: the Node SDK) appears live in her page.
  const device = createClient({ url: server.url, auth: { user: "alice", password: "alice-password" } });
  await device.execute("INSERT INTO demo.messages (id, conversation_id, body) VALUES ($1, 'general', $2)", [
    "from-device",
    "alice on her phone",
  ]);
  device.close();
  await alice.locator("[data-testid=message]", { hasText: "alice on her phone" }).waitFor();

  // A conversation bob creates shows up in alice's list live.
  await bob.fill("nav input", "Launch");
  await bob.click("nav form button");
  await alice.locator("nav button.conv", { hasText: "Launch" }).waitFor();
  await bob.locator("nav button.conv.active", { hasText: "Launch" }).waitFor();
  assert.deepEqual(await messages(bob), [], "a new conversation has no messages");
  await bob.click("[data-testid=conv-general]");

  // Each sees exactly their own messages: bob's write after alice's view settled never reaches her.
  await send(bob, "bob again");
  await bob.locator("[data-testid=message][data-pending=false]", { hasText: "bob again" }).waitFor();
  await alice.click("[data-testid=conv-general]");
  assert.deepEqual(await messages(alice), ["hello from alice", "alice on her phone"]);
  assert.deepEqual(await messages(bob), ["hello from bob", "bob again"]);

  const shots = join(SDK, "build/screenshots");
  mkdirSync(shots, { recursive: true });
  await alice.fill("input[name=message]", "see you at the launch");
  await alice.getByTestId("typing").filter({ hasText: "typing" }).waitFor();
  await alice.screenshot({ path: join(shots, "chat-demo.png") });

  // The server restarts: each page's live stream (gRPC-Web) is reopened and resumes.
  await server.restart();
  const phone = createClient({ url: server.url, auth: { user: "alice", password: "alice-password" } });
  await phone.execute("INSERT INTO demo.messages (id, conversation_id, body) VALUES ($1, 'general', $2)", [
    "after-restart",
    "back after the restart",
  ]);
  phone.close();
  await alice.locator("[data-testid=message]", { hasText: "back after the restart" }).waitFor({ timeout: 120_000 });
  await send(bob, "bob after the restart");
  await bob.locator("[data-testid=message][data-pending=false]", { hasText: "bob after the restart" }).waitFor();
  assert.deepEqual(await messages(alice), ["hello from alice", "alice on her phone", "back after the restart"]);
  assert.deepEqual(await messages(bob), ["hello from bob", "bob again", "bob after the restart"]);
});
