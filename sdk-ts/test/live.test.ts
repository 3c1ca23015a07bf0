// The Node client against a real server: statements, live() and subscribe(), optimistic writes,
// and resume after the server restarts (native gRPC over HTTP/2).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createClient, type LiveRow, type SubscriptionEvent, TributaryError } from "../src/node.js";
import { eventually, TestServer } from "./server.js";

type Item = { id: string; label: string; n: number | null };

let server: TestServer;

before(async () => {
  server = await TestServer.start();
  const root = server.root();
  await root.execute(
    "CREATE NAMESPACE t; " +
      "CREATE USER TABLE t.items (id TEXT PRIMARY KEY, label TEXT NOT NULL, n INT); " +
      "CREATE USER TABLE t.cased (id TEXT PRIMARY KEY, `createdAt` TIMESTAMP, `value` INT, `user` TEXT); " +
      "CREATE USER 'alice' WITH PASSWORD 'alice-password'; " +
      "CREATE USER 'bob' WITH PASSWORD 'bob-password'",
  );
  root.close();
});

after(async () => {
  await server?.close();
});

function alice(options = {}) {
  return createClient({
    url: server.url,
    auth: { user: "alice", password: "alice-password" },
    reconnect: { initialDelayMs: 100, maxDelayMs: 1_000 },
    ...options,
  });
}

test("execute and query return typed rows; errors carry the server's code", async () => {
  const client = alice();
  try {
    const [result] = await client.execute("INSERT INTO t.items (id, label, n) VALUES ($1, $2, $3)", ["q1", "first", 7]);
    assert.deepEqual(result, { statement: "INSERT INTO t.items (id, label, n) VALUES ($1, $2, $3)", kind: "rowsAffected", rowsAffected: 1 });
    const rows = await client.query<Item & { _seq: bigint }>("SELECT id, label, n, _seq FROM t.items WHERE id = $1", ["q1"]);
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.label, "first");
    assert.equal(rows[0]!.n, 7);
    assert.equal(typeof rows[0]!._seq, "bigint");
    await assert.rejects(client.query("SELEC 1"), (e: TributaryError) => e instanceof TributaryError && e.code === "SYNTAX_ERROR");
    await assert.rejects(
      client.execute("INSERT INTO t.items (id, label) VALUES ('q1', 'again')"),
      (e: TributaryError) => e.code === "DUPLICATE_KEY" && e.message.startsWith("Cannot "),
    );
    const wrong = createClient({ url: server.url });
    await assert.rejects(wrong.login("alice", "not-her-password"), (e: TributaryError) => e.code === "AUTHENTICATION_FAILED");
  } finally {
    client.close();
  }
});

test("live() holds the reconciled rows in ORDER BY order; other users' rows never show", async () => {
  const client = alice();
  const bob = createClient({ url: server.url, auth: { user: "bob", password: "bob-password" } });
  try {
    await client.execute("INSERT INTO t.items (id, label, n) VALUES ('l1', 'b', 1), ('l2', 'a', 2)");
    const calls: LiveRow<Item>[][] = [];
    const live = client.live<Item>("SELECT id, label, n FROM t.items WHERE id LIKE 'l%' ORDER BY label", (rows) => calls.push(rows));
    await live.ready;
    assert.deepEqual(live.rows.map((r) => r.id), ["l2", "l1"]);
    await bob.execute("INSERT INTO t.items (id, label) VALUES ('l0', '0')");
    await client.execute("INSERT INTO t.items (id, label) VALUES ('l3', 'c')");
    await client.execute("UPDATE t.items SET label = 'z' WHERE id = 'l2'");
    await client.execute("DELETE FROM t.items WHERE id = 'l1'");
    await eventually("the changes", () => live.rows.map((r) => r.id).join() === "l3,l2");
    assert.equal(live.rows[1]!.label, "z");
    assert.ok(calls.every((rows) => rows.every((r) => r.id !== "l0")), "bob's row never shows");
    const stream = client.liveStreamId;
    const second = client.live<Item>("SUBSCRIBE TO t.items", () => {});
    await second.ready;
    assert.equal(client.liveStreamId, stream, "one live stream per client carries every subscription");
    second();
    live();
    const before = calls.length;
    await client.execute("INSERT INTO t.items (id, label) VALUES ('l4', 'd')");
    await client.query("SELECT 1");
    assert.equal(calls.length, before, "no rows after unsubscribing");
  } finally {
    client.close();
    bob.close();
  }
});

test("optimistic writes show at once as pending, then reconcile or roll back with the error", async () => {
  const client = alice();
  try {
    const live = client.live<Item>("SELECT id, label, n FROM t.items WHERE id LIKE 'o%'", () => {});
    await live.ready;
    const write = live.insert({ id: "o1", label: "optimistic", n: 1 });
    assert.deepEqual(live.rows, [{ id: "o1", label: "optimistic", n: 1, _pending: true }], "shown at once, pending");
    await write;
    await eventually("the server's row", () => live.rows.some((r) => r.id === "o1" && !r._pending));
    assert.equal(typeof live.rows[0]!._seq, "bigint");
    const update = live.update({ id: "o1" }, { n: 2 });
    assert.equal(live.rows[0]!.n, 2);
    assert.equal(live.rows[0]!._pending, true);
    await update;
    await eventually("the update", () => live.rows[0]!.n === 2 && !live.rows[0]!._pending);
    // A write the server refuses is shown, then rolled back.
    const refused = live.insert({ id: "o1", label: "duplicate", n: 3 });
    assert.equal(live.rows[0]!.label, "duplicate");
    await assert.rejects(refused, (e: TributaryError) => e.code === "DUPLICATE_KEY");
    assert.deepEqual(
      live.rows.map((r) => [r.id, r.label, r.n, r._pending ?? false]),
      [["o1", "optimistic", 2, false]],
    );
    await assert.rejects(live.insert({ label: "no key" }), (e: TributaryError) => e.code === "INVALID_ARGUMENT");
    live();
  } finally {
    client.close();
  }
});

test("optimistic writes quote column names as the server does: mixed case and reserved words", async () => {
  type Cased = { id: string; createdAt: Date | null; value: number | null; user: string | null };
  const client = alice();
  try {
    const live = client.live<Cased>("SELECT id, `createdAt`, `value`, `user` FROM t.cased", () => {});
    await live.ready;
    const at = new Date("2026-01-02T03:04:05.000Z");
    await live.insert({ id: "c1", createdAt: at, value: 1, user: "me" });
    await live.update({ id: "c1" }, { createdAt: new Date(at.getTime() + 1_000), value: 2 });
    await eventually("the update", () => live.rows[0]?.value === 2 && !live.rows[0]._pending);
    const rows = await client.query<Cased>("SELECT id, `createdAt`, `value`, `user` FROM t.cased");
    assert.deepEqual(rows, [{ id: "c1", createdAt: new Date(at.getTime() + 1_000), value: 2, user: "me" }]);
    await live.delete({ id: "c1" });
    await eventually("the delete", () => live.rows.length === 0);
    assert.deepEqual(await client.query("SELECT id FROM t.cased"), []);
    live();
  } finally {
    client.close();
  }
});

test("a subscription to a missing table ends with its error", async () => {
  const client = alice();
  try {
    const errors: TributaryError[] = [];
    const live = client.live("SUBSCRIBE TO t.nothing", () => {}, { onError: (e) => errors.push(e) });
    await assert.rejects(live.ready, (e: TributaryError) => e.code === "TABLE_NOT_FOUND");
    assert.equal(errors.length, 1);
    assert.equal(live.error?.code, "TABLE_NOT_FOUND");
  } finally {
    client.close();
  }
});

test("after the server restarts, live() resumes from the last _seq: no change lost or repeated", async () => {
  const client = alice();
  const writer = alice();
  try {
    await writer.execute("INSERT INTO t.items (id, label) VALUES ('r1', 'before')");
    const events: SubscriptionEvent[] = [];
    const unsubscribe = client.subscribe("SUBSCRIBE TO t.items WHERE id LIKE 'r%'", (e) => events.push(e));
    const live = client.live<Item>("SELECT id, label FROM t.items WHERE id LIKE 'r%' ORDER BY id", () => {});
    await live.ready;
    await eventually("the raw snapshot", () => events.some((e) => e.type === "ready"));
    await writer.execute("INSERT INTO t.items (id, label) VALUES ('r2', 'live')");
    await eventually("r2", () => live.rows.length === 2);
    const firstStream = client.liveStreamId;

    await server.restart();

    await writer.execute("INSERT INTO t.items (id, label) VALUES ('r3', 'after restart')");
    await eventually("r3 after the restart", () => live.rows.length === 3, 120_000);
    assert.deepEqual(live.rows.map((r) => r.id), ["r1", "r2", "r3"]);
    assert.notEqual(client.liveStreamId, firstStream, "a new stream");
    await eventually("r3 on the raw subscription", () => events.some((e) => e.type === "insert" && e.row["id"] === "r3"));
    const types = events.map((e) => (e.type === "insert" ? `insert:${e.row["id"]}` : e.type));
    assert.deepEqual(
      types.filter((t) => t !== "change-complete"),
      ["subscribed", "snapshot", "ready", "insert:r2", "insert:r3"],
      "resumed after the last _seq: no second snapshot, no repeat",
    );
    unsubscribe();
    live();
  } finally {
    client.close();
    writer.close();
  }
});

test("a stream that receives nothing within the heartbeat timeout is reopened and resumes", async () => {
  // The server sends a heartbeat every 15 s; a 2 s timeout makes the client reopen the stream.
  const client = alice({ heartbeatTimeoutMs: 2_000 });
  const writer = alice();
  try {
    const live = client.live<Item>("SELECT id, label FROM t.items WHERE id LIKE 'h%'", () => {});
    await live.ready;
    const first = client.liveStreamId;
    await eventually("a new stream", () => client.liveStreamId !== null && client.liveStreamId !== first, 20_000);
    await writer.execute("INSERT INTO t.items (id, label) VALUES ('h1', 'after reopen')");
    await eventually("h1", () => live.rows.length === 1);
    assert.equal(live.rows[0]!.id, "h1");
    live();
  } finally {
    client.close();
    writer.close();
  }
});
