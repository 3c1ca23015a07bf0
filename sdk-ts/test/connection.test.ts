// The live connection against a scripted server in the same process (connect's router transport:
// real protocol messages, no network): writes during a new snapshot, the reconnect backoff, and
// a failing AddSubscription retried for that subscription alone.
import assert from "node:assert/strict";
import { test } from "node:test";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError, createRouterTransport } from "@connectrpc/connect";
import {
  type AddSubscriptionRequest,
  type LiveEvent,
  type LiveEventBatch,
  LiveEventBatchSchema,
  LiveEventSchema,
  LiveService,
  StatementService,
  type Value,
  type ValueSchema,
} from "../src/gen/tributary/v1/tributary_pb.js";
import { createClientWithTransport, type TributaryClient } from "../src/client.js";
import type { ReconnectOptions, SubscriptionEvent } from "../src/live.js";
import { eventually } from "./server.js";

/** A stream of the scripted server: the test pushes batches, or ends it with an error. */
class ScriptedStream {
  private readonly queue: (LiveEventBatch | Error)[] = [];
  private wake: (() => void) | null = null;

  constructor(readonly id: string) {}

  push(...events: LiveEvent[]): void {
    this.offer(create(LiveEventBatchSchema, { events }));
  }

  fail(): void {
    this.offer(new ConnectError("the server went away", Code.Unavailable));
  }

  private offer(item: LiveEventBatch | Error): void {
    this.queue.push(item);
    this.wake?.();
  }

  async *batches(signal: AbortSignal): AsyncGenerator<LiveEventBatch> {
    const aborted = new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve()));
    while (!signal.aborted) {
      const item = this.queue.shift();
      if (item === undefined) {
        await Promise.race([new Promise<void>((resolve) => (this.wake = resolve)), aborted]);
        continue;
      }
      if (item instanceof Error) {
        throw item;
      }
      yield item;
    }
  }
}

type AddHandler = (request: AddSubscriptionRequest, stream: ScriptedStream, call: number) => string;

/** A scripted server: every OpenStream is recorded (with its time) and opened at once. */
function scriptedServer(onAdd: AddHandler, onOpen: (stream: ScriptedStream) => void = () => {}) {
  const streams: ScriptedStream[] = [];
  const openedAt: number[] = [];
  const adds: string[] = [];
  const removed: string[] = [];
  const statements: { sql: string; params: Value[] }[] = [];
  const transport = createRouterTransport(({ service }) => {
    service(LiveService, {
      async *openStream(_request, context) {
        const stream = new ScriptedStream(`stream-${streams.length + 1}`);
        streams.push(stream);
        openedAt.push(performance.now());
        stream.push(event("", { case: "opened", value: { streamId: stream.id } }));
        onOpen(stream);
        yield* stream.batches(context.signal);
      },
      addSubscription(request) {
        adds.push(request.sql);
        const stream = streams.find((s) => s.id === request.streamId);
        if (stream === undefined) {
          throw new ConnectError(`stream ${request.streamId} is not open`, Code.NotFound);
        }
        return { subscriptionId: onAdd(request, stream, adds.length) };
      },
      removeSubscription(request) {
        removed.push(request.subscriptionId);
        return {};
      },
      subscribe() {
        throw new ConnectError("not scripted", Code.Unimplemented);
      },
    });
    service(StatementService, {
      execute(request) {
        statements.push({ sql: request.sql, params: request.params });
        return { results: [{ statement: request.sql, outcome: { case: "rowsAffected", value: 1n } }] };
      },
    });
  });
  const client = (reconnect: ReconnectOptions = {}): TributaryClient =>
    createClientWithTransport(transport, {
      url: "http://scripted",
      auth: { token: "token" },
      reconnect: { initialDelayMs: 10, maxDelayMs: 1_000, ...reconnect },
    });
  return { streams, openedAt, adds, removed, statements, client };
}

function event(subscriptionId: string, e: MessageInitShape<typeof LiveEventSchema>["event"]): LiveEvent {
  return create(LiveEventSchema, { subscriptionId, event: e });
}

type ValueInit = MessageInitShape<typeof ValueSchema>;
const text = (v: string): ValueInit => ({ kind: { case: "textValue", value: v } });
const int = (v: number): ValueInit => ({ kind: { case: "intValue", value: v } });
const bigint = (v: number): ValueInit => ({ kind: { case: "bigintValue", value: BigInt(v) } });

/** The events of a subscription to (id TEXT, n INT, _seq BIGINT) keyed by id, up to its ready. */
function snapshot(id: string, seq: number, ...rows: [string, number][]): LiveEvent[] {
  return [
    event(id, {
      case: "subscribed",
      value: {
        columns: [
          { name: "id", type: "TEXT" },
          { name: "n", type: "INT", nullable: true },
          { name: "_seq", type: "BIGINT" },
        ],
        primaryKey: ["id"],
      },
    }),
    event(id, {
      case: "initialRows",
      value: { rows: rows.map(([k, n]) => ({ values: [text(k), int(n), bigint(seq)] })), hasMore: false },
    }),
    event(id, { case: "ready", value: { seq: BigInt(seq) } }),
  ];
}

function insert(id: string, key: string, seq: number): LiveEvent {
  return event(id, { case: "insert", value: { row: { values: [text(key), int(0), bigint(seq)] }, seq: BigInt(seq) } });
}

test("a write made while a reconnect re-reads the snapshot waits for its ready, then goes out", async () => {
  // A live window (LIMIT) takes a new snapshot on every new stream; `probe` (a raw subscription on
  // the same stream) calls insert() from inside the batch that started the window's new snapshot.
  const server = scriptedServer((request, stream) => {
    const window = request.sql.includes("LIMIT");
    const id = `${window ? "window" : "probe"}@${stream.id}`;
    if (stream.id === "stream-1") {
      stream.push(...(window ? snapshot(id, 5, ["a", 1]) : snapshot(id, 5)));
    }
    return id;
  });
  const client = server.client();
  try {
    const live = client.live<{ id: string; n: number }>("SELECT id, n FROM t.items ORDER BY id LIMIT 10", () => {});
    const writes: Promise<void>[] = [];
    client.subscribe("SUBSCRIBE TO t.other", (e: SubscriptionEvent) => {
      if (e.type === "insert") {
        writes.push(live.insert({ id: "b", n: 2 }));
      }
    });
    await live.ready;
    await eventually("the probe's snapshot", () => server.adds.length === 2);
    assert.deepEqual(live.rows.map((r) => r.id), ["a"]);

    server.streams[0]!.fail();
    await eventually("both subscriptions added to the second stream", () => server.adds.length === 4);
    const second = server.streams[1]!;
    // The window's new snapshot starts; the write is made before its ready.
    second.push(snapshot("window@stream-2", 6)[0]!, insert("probe@stream-2", "x", 6));
    await eventually("the write made during the new snapshot", () => writes.length === 1);
    // The event loop is not starved (the write does not spin on an old, resolved promise): this
    // timer fires, and nothing went out before the snapshot is complete.
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(server.statements.length, 0, "no write before the new snapshot is complete");

    second.push(...snapshot("window@stream-2", 6, ["a", 1]).slice(1));
    await writes[0];
    assert.deepEqual(server.statements.map((s) => s.sql), ["INSERT INTO t.items (`id`, `n`) VALUES ($1, $2)"]);
    assert.deepEqual(
      live.rows.map((r) => [r.id, r._pending ?? false]),
      [
        ["a", false],
        ["b", true],
      ],
    );
  } finally {
    client.close();
  }
});

test("a write waiting for a snapshot fails when the live query is closed", async () => {
  const server = scriptedServer((_request, stream) => `s@${stream.id}`); // never ready
  const client = server.client();
  try {
    const live = client.live("SELECT id, n FROM t.items", () => {});
    const write = live.insert({ id: "a", n: 1 });
    live();
    await assert.rejects(write, (e: Error & { code?: string }) => e.code === "UNAVAILABLE");
    assert.equal(server.statements.length, 0);
  } finally {
    client.close();
  }
});

test("the reconnect backoff keeps doubling for streams that fail right after the server opened them", async () => {
  // Each stream is opened (the server's `opened` comes first), its subscription added, and then
  // it fails at once: not a healthy stream, so the wait doubles every time (10, 20, 40, 80 ms...).
  const server = scriptedServer((_request, stream) => {
    const id = `s@${stream.id}`;
    stream.push(...snapshot(id, 5));
    stream.fail();
    return id;
  });
  const client = server.client({ initialDelayMs: 10, maxDelayMs: 10_000 });
  try {
    client.subscribe("SUBSCRIBE TO t.items", () => {});
    await eventually("six streams", () => server.openedAt.length >= 6, 30_000);
    const waits = server.openedAt.slice(1, 6).map((t, i) => t - server.openedAt[i]!);
    waits.forEach((wait, i) => {
      const least = 10 * 2 ** i * 0.8;
      assert.ok(wait >= least - 1, `reconnect ${i + 1} waited ${wait.toFixed(1)} ms, at least ${least} expected`);
    });
  } finally {
    client.close();
  }
});

test("a stream that stayed open long enough counts as healthy: the next wait starts over", async () => {
  const server = scriptedServer(
    (_request, stream) => {
      const id = `s@${stream.id}`;
      stream.push(...snapshot(id, 5));
      return id;
    },
    (stream) => {
      if (server.streams.length <= 6) {
        stream.fail(); // six failures in a row (waits of 10 to 320 ms): the next would be ~640 ms
      }
    },
  );
  const client = server.client({ initialDelayMs: 10, maxDelayMs: 10_000, healthyAfterMs: 50 });
  try {
    const events: string[] = [];
    client.subscribe("SUBSCRIBE TO t.items", (e) => events.push(e.type));
    // Only the seventh stream stays open long enough to deliver a snapshot.
    await eventually("the snapshot on the seventh stream", () => events.includes("ready"), 30_000);
    assert.equal(server.streams.length, 7);
    // It stays open past healthyAfterMs, then fails: the wait starts at initialDelayMs again
    // (10 ms ±20%, plus scheduling), far below the ~640 ms of a seventh failure in a row.
    await new Promise((resolve) => setTimeout(resolve, 60));
    const failedAt = performance.now();
    server.streams[6]!.fail();
    await eventually("the eighth stream", () => server.streams.length === 8);
    const wait = server.openedAt[7]! - failedAt;
    assert.ok(wait < 300, `the wait after a healthy stream was ${wait.toFixed(1)} ms`);
  } finally {
    client.close();
  }
});

test("a failing AddSubscription is retried for that subscription alone; the stream stays open", async () => {
  let failing = 2;
  const server = scriptedServer((request, stream) => {
    if (request.sql.includes("t.second") && failing-- > 0) {
      throw new ConnectError("the server is busy", Code.Unavailable);
    }
    const id = `${request.sql.includes("t.second") ? "second" : "first"}@${stream.id}`;
    stream.push(...snapshot(id, 5, ["a", 1]));
    return id;
  });
  const client = server.client();
  try {
    const first: string[] = [];
    client.subscribe("SUBSCRIBE TO t.first", (e) => first.push(e.type));
    await eventually("the first subscription's ready", () => first.includes("ready"));
    const second = client.live("SUBSCRIBE TO t.second", () => {});
    await second.ready;
    assert.equal(server.streams.length, 1, "one stream: the failed adds did not reopen it");
    assert.deepEqual(server.adds, [
      "SUBSCRIBE TO t.first",
      "SUBSCRIBE TO t.second", // fails
      "SUBSCRIBE TO t.second", // fails
      "SUBSCRIBE TO t.second",
    ]);
    assert.deepEqual(first, ["subscribed", "snapshot", "ready"], "the first subscription was left alone");
    assert.deepEqual(second.rows.map((r) => r["id"]), ["a"]);

    // A subscription the server holds but the client does not know (an add whose response was
    // lost) is removed when its events arrive.
    server.streams[0]!.push(insert("lost", "z", 9));
    await eventually("the unknown subscription removed", () => server.removed.includes("lost"));
  } finally {
    client.close();
  }
});
