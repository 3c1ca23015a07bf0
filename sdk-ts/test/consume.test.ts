// Consumers against a real server (native gRPC): a table's change feed consumed and acknowledged
// through real Kafka consumer groups, redelivery of what a stopped member never acknowledged,
// retries with backoff and the dead-letter table, and the low-level consume() and ack().
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { type ConsumedRecord, createClient, type TributaryClient, TributaryError } from "../src/node.js";
import { createClient as createWebClient } from "../src/web.js";
import { eventually, TestServer } from "./server.js";

type Event = { id: number; body: string };

let server: TestServer;
let root: TributaryClient;
let agent: TributaryClient;

before(async () => {
  server = await TestServer.start();
  root = server.root();
  await root.execute(
    "CREATE NAMESPACE c; " +
      "CREATE USER TABLE c.feed (id INT PRIMARY KEY, body TEXT); " +
      "CREATE USER TABLE c.redo (id INT PRIMARY KEY, body TEXT); " +
      "CREATE USER TABLE c.poison (id INT PRIMARY KEY, body TEXT); " +
      "CREATE USER TABLE c.raw (id INT PRIMARY KEY, body TEXT); " +
      "CREATE USER TABLE c.restart (id INT PRIMARY KEY, body TEXT); " +
      "CREATE USER TABLE c.web (id INT PRIMARY KEY, body TEXT); " +
      "CREATE TABLE c.dead (id BIGINT PRIMARY KEY DEFAULT SNOWFLAKE_ID(), topic TEXT, `partition` INT, " +
      "`offset` BIGINT, error TEXT, record JSON) WITH (TYPE = 'SHARED'); " +
      "CREATE USER 'alice' WITH PASSWORD 'alice-password'; " +
      "CREATE USER 'agent' WITH PASSWORD 'agent-password' ROLE service",
  );
  agent = createClient({
    url: server.url,
    auth: { user: "agent", password: "agent-password" },
    reconnect: { initialDelayMs: 100, maxDelayMs: 1_000 },
  });
});

after(async () => {
  agent?.close();
  root?.close();
  await server?.close();
});

const key = (r: ConsumedRecord<unknown>) => `${r.partition}@${r.offset}`;

async function committed(topic: string, group: string): Promise<Map<number, bigint>> {
  const rows = await agent.query<{ topic: string; group: string; partition: number; committed_offset: bigint | null }>(
    "SELECT * FROM system.consumer_offsets",
  );
  return new Map(
    rows
      .filter((r) => r.topic === topic && r.group === group && r.committed_offset !== null)
      .map((r) => [r.partition, BigInt(r.committed_offset!)]),
  );
}

test("consumer() hands over a table's change feed and acknowledges what the handler took", async () => {
  const alice = createClient({ url: server.url, auth: { user: "alice", password: "alice-password" } });
  try {
    await alice.execute("INSERT INTO c.feed (id, body) VALUES (1, 'one'), (2, 'two')");
    await alice.execute("UPDATE c.feed SET body = 'two!' WHERE id = 2");
    await alice.execute("DELETE FROM c.feed WHERE id = 1");
    const seen: ConsumedRecord<Event>[] = [];
    const consumer = agent.consumer<Event>("c.feed", { group: "g1" });
    assert.equal(consumer.statement, "CONSUME FROM c.feed GROUP 'g1'");
    const running = consumer.run((r) => {
      seen.push(r);
    });
    await running.joined;
    await eventually("the four changes", () => seen.length === 4, 60_000);
    assert.deepEqual(
      seen.map((r) => [r.operation, r.row?.id, r.row?.body]),
      [
        ["INSERT", 1, "one"],
        ["INSERT", 2, "two"],
        ["UPDATE", 2, "two!"],
        ["DELETE", 1, "one"],
      ],
    );
    const update = seen[2]!;
    assert.deepEqual(update.oldRow, { id: 2, body: "two" });
    assert.equal(update.topic, "c.feed");
    assert.equal(update.table, "c.feed");
    assert.equal(update.owner, "alice");
    assert.equal(typeof update.offset, "bigint");
    assert.equal(typeof update.seq, "bigint");
    assert.ok(update.timestamp instanceof Date);
    assert.ok(seen[0]!.seq < seen[1]!.seq && seen[1]!.seq < update.seq, "in _seq order");
    // Acknowledged after the handler returned: the group's position is past the last record.
    const last = seen[3]!;
    // (A change feed's offsets count every table's changes: the position may be further on.)
    await eventually("the ack", async () => ((await committed("c.feed", "g1")).get(last.partition) ?? -1n) > last.offset);
    assert.ok(running.running);
    await running();
    assert.equal(running.running, false);
    assert.equal(running.error, null);
    await running.done;

    // A new member of the group starts after what was acknowledged.
    const again: ConsumedRecord<Event>[] = [];
    const second = agent.consumer<Event>("c.feed", { group: "g1" }).run((r) => {
      again.push(r);
    });
    await second.joined;
    await alice.execute("INSERT INTO c.feed (id, body) VALUES (3, 'three')");
    await eventually("the new record", () => again.length === 1, 60_000);
    assert.deepEqual(again[0]!.row, { id: 3, body: "three" });
    await second.stop();
  } finally {
    alice.close();
  }
});

test("a record not acknowledged when its member stops goes to the next member", async () => {
  for (let i = 1; i <= 3; i++) {
    await root.execute(`EXECUTE AS USER 'alice' (INSERT INTO c.redo (id, body) VALUES (${i}, 'event ${i}'))`);
  }
  const seenByFirst: ConsumedRecord<Event>[] = [];
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let received!: () => void;
  const receivedOne = new Promise<void>((r) => (received = r));
  const first = agent.consumer<Event>("c.redo", { group: "g" }).run(async (r) => {
    seenByFirst.push(r);
    received();
    await released; // still handling the first record when the consumer is stopped
  });
  await receivedOne;
  const stopped = first.stop();
  assert.equal(first.running, true, "stop() waits for the handler");
  release();
  await stopped;
  assert.equal(first.running, false);
  assert.equal(seenByFirst.length, 1, "no record after stop()");
  const position = (await committed("c.redo", "g")).get(seenByFirst[0]!.partition);
  assert.ok(position === undefined || position <= seenByFirst[0]!.offset, "nothing acknowledged");

  const seenBySecond = new Set<string>();
  const bodies: string[] = [];
  const second = agent.consumer<Event>("c.redo", { group: "g" }).run((r) => {
    seenBySecond.add(key(r));
    bodies.push(r.row!.body);
  });
  try {
    await eventually("all three records", () => seenBySecond.size === 3, 60_000);
    assert.ok(seenBySecond.has(key(seenByFirst[0]!)), "the unacknowledged record came again");
    assert.deepEqual(bodies, ["event 1", "event 2", "event 3"]);
    assert.equal(second.error, null);
  } finally {
    await second();
  }
});

test("a failing handler is retried with backoff, then its record is dead-lettered and the consumer goes on", async () => {
  for (const [id, body] of [
    [1, "fine"],
    [2, "poison"],
    [3, "fine too"],
  ] as const) {
    await root.execute(`EXECUTE AS USER 'alice' (INSERT INTO c.poison (id, body) VALUES (${id}, '${body}'))`);
  }
  const attempts = new Map<number, number[]>();
  const handled: number[] = [];
  const running = agent
    .consumer<Event>("c.poison", { group: "g", retries: 2, backoffMs: 50, deadLetter: "c.dead" })
    .run(async (r) => {
      const id = r.row!.id;
      attempts.set(id, [...(attempts.get(id) ?? []), Date.now()]);
      if (r.row!.body === "poison") {
        throw new Error(`cannot digest ${r.offset}`);
      }
      handled.push(id);
    });
  try {
    await eventually("the good records", () => handled.length === 2, 60_000);
    assert.deepEqual(handled, [1, 3]);
    const tries = attempts.get(2)!;
    assert.equal(tries.length, 3, "the first attempt and two retries");
    assert.ok(tries[1]! - tries[0]! >= 45 && tries[2]! - tries[1]! >= 95, `backoff doubles: ${tries}`);
    const dead = await root.query<{ topic: string; partition: number; offset: bigint; error: string; record: any }>(
      "SELECT topic, `partition`, `offset`, error, record FROM c.dead",
    );
    assert.equal(dead.length, 1);
    assert.equal(dead[0]!.topic, "c.poison");
    assert.match(dead[0]!.error, /^Error: cannot digest \d+$/);
    assert.equal(dead[0]!.record.row.body, "poison");
    assert.equal(dead[0]!.record.operation, "INSERT");
    assert.equal(BigInt(dead[0]!.record.offset), BigInt(dead[0]!.offset));
    assert.equal(running.error, null, "still running");
    assert.ok(running.running);
  } finally {
    await running();
  }

  // Without a dead-letter table the record stops the consumer with the handler's error.
  const failing = new Error("still indigestible");
  const errors: unknown[] = [];
  const strict = agent
    .consumer<Event>("c.poison", { group: "strict", retries: 0, onError: (e) => errors.push(e) })
    .run((r) => {
      if (r.row!.body === "poison") {
        throw failing;
      }
    });
  await assert.rejects(strict.done, (e) => e === failing);
  assert.equal(strict.running, false);
  assert.equal(strict.error, failing);
  assert.deepEqual(errors, [failing]);
});

test("consume() yields raw batches and ack() commits; bad input gets coded errors", async () => {
  await root.execute("EXECUTE AS USER 'alice' (INSERT INTO c.raw (id, body) VALUES (1, 'raw'))");
  const abort = new AbortController();
  let record: ConsumedRecord<Event> | undefined;
  let batches = 0;
  for await (const batch of agent.consume<Event>("CONSUME FROM c.raw GROUP 'low'", { signal: abort.signal })) {
    batches++;
    record = batch[0];
    if (record !== undefined) {
      break; // leaves the group
    }
  }
  assert.ok(batches >= 1);
  assert.deepEqual(record!.row, { id: 1, body: "raw" });
  await agent.ack({ topic: "c.raw", group: "low", partition: record!.partition, offset: record!.offset });
  // The ack commits past the record; with nothing returned after it, also past the transaction
  // markers that follow it (so a caught-up group shows no lag).
  const after = (await committed("c.raw", "low")).get(record!.partition)!;
  assert.ok(after >= record!.offset + 1n, `committed ${after} for offset ${record!.offset}`);

  await assert.rejects(
    agent.ack({ topic: "c.raw", group: "never", partition: 0, offset: 0 }),
    (e: TributaryError) => e.code === "CONSUMER_GROUP_NOT_FOUND" && e.message.startsWith("Cannot "),
  );
  assert.throws(() => agent.consumer("feed", { group: "g" }), (e: TributaryError) => e.code === "INVALID_ARGUMENT");
  assert.throws(() => agent.consumer("c.feed", { group: "" }), (e: TributaryError) => e.code === "INVALID_ARGUMENT");
  assert.throws(
    () => agent.consumer("c.feed", { group: "g", from: "YESTERDAY" as "LATEST" }),
    (e: TributaryError) => e.code === "INVALID_ARGUMENT",
  );
  assert.throws(
    () => agent.consumer("c.feed", { group: "g", deadLetter: "dead" }),
    (e: TributaryError) => e.code === "INVALID_ARGUMENT",
  );
  const missing = agent.consumer("c.nothing", { group: "g" }).run(() => {});
  await assert.rejects(missing.done, (e: TributaryError) => e.code === "TOPIC_NOT_FOUND");
  await assert.rejects(missing.joined, (e: TributaryError) => e.code === "TOPIC_NOT_FOUND");
});

test("a consumer over gRPC-Web (the browser build's transport, here under Node's fetch) consumes and acks", async () => {
  const web = createWebClient({ url: server.url, auth: { user: "agent", password: "agent-password" } });
  try {
    await root.execute("EXECUTE AS USER 'alice' (INSERT INTO c.web (id, body) VALUES (1, 'over gRPC-Web'))");
    const seen: ConsumedRecord<Event>[] = [];
    const running = web.consumer<Event>("c.web", { group: "g" }).run((r) => {
      seen.push(r);
    });
    await eventually("the record", () => seen.length === 1, 60_000);
    assert.deepEqual(seen[0]!.row, { id: 1, body: "over gRPC-Web" });
    const { partition, offset } = seen[0]!;
    await eventually("its ack", async () => ((await committed("c.web", "g")).get(partition) ?? -1n) > offset);
    await running();
    assert.equal(running.error, null);
  } finally {
    web.close();
  }
});

test("a consumer whose stream breaks (the server restarts) opens it again and goes on", async () => {
  await root.execute("EXECUTE AS USER 'alice' (INSERT INTO c.restart (id, body) VALUES (1, 'before'))");
  const bodies: string[] = [];
  let first: ConsumedRecord<Event> | undefined;
  const running = agent.consumer<Event>("c.restart", { group: "g" }).run((r) => {
    first ??= r;
    bodies.push(r.row!.body);
  });
  try {
    await eventually("the first record", () => bodies.length === 1, 60_000);
    const { partition, offset } = first!;
    await eventually("its ack", async () => ((await committed("c.restart", "g")).get(partition) ?? -1n) > offset);
    await server.restart();
    await root.execute("EXECUTE AS USER 'alice' (INSERT INTO c.restart (id, body) VALUES (2, 'after'))");
    await eventually("the record written after the restart", () => bodies.includes("after"), 120_000);
    assert.deepEqual(bodies, ["before", "after"], "the acknowledged record does not come again");
    assert.equal(running.error, null);
    assert.ok(running.running);
  } finally {
    await running();
  }
});
