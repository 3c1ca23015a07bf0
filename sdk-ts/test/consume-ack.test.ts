// Unit tests of the consumer's reaction to a failed ack, against a scripted stream: an account
// change closes the stream's member (the ack in flight fails as transient, "the member left") and
// then ends the stream with its final code, which must stop the consumer; a transient ack failure
// on a stream that goes on reopens the stream after the grace.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type ConsumeContext, runConsumer } from "../src/consume.js";
import { TributaryError } from "../src/errors.js";

type Script = (calls: number, signal: AbortSignal) => AsyncIterable<unknown>;

function context(script: Script, ack: () => Promise<void>): { ctx: ConsumeContext; calls: () => number } {
  let calls = 0;
  const rpc = {
    consume: (_request: unknown, options: { signal: AbortSignal }) => script(++calls, options.signal),
  };
  const ctx = {
    rpc,
    auth: { callOptions: async () => ({}), refresh: () => false },
    api: { ack, execute: async () => undefined },
    reconnect: { initialDelayMs: 10, maxDelayMs: 50 },
    running: new Set<() => Promise<void>>(),
  } as unknown as ConsumeContext;
  return { ctx, calls: () => calls };
}

const record = (offset: number) => ({
  topic: "app.events",
  partition: 0,
  offset: BigInt(offset),
  owner: "",
  operation: "INSERT",
  table: "app.events",
  rowJson: `{"id":${offset}}`,
  oldRowJson: "",
  seq: BigInt(offset),
  timestampMillis: 0n,
});

/** Resolves when the signal aborts, by throwing the abort's reason. */
const aborted = (signal: AbortSignal) =>
  new Promise<never>((_, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
    }
    signal.addEventListener("abort", () => reject(signal.reason));
  });

const within = <T>(promise: Promise<T>, ms: number) =>
  Promise.race([promise, new Promise<"timeout">((r) => setTimeout(() => r("timeout"), ms))]);

test("the stream's final code wins over a transient failure of the ack in flight", async () => {
  let endStream!: (e: unknown) => void;
  const { ctx, calls } = context(
    async function* (_n, signal) {
      const ended = new Promise<never>((_, reject) => (endStream = reject));
      ended.catch(() => {});
      yield { records: [record(0)] };
      await Promise.race([ended, aborted(signal)]);
    },
    async () => {
      // The account change closed the member (the ack fails), then ends the stream.
      endStream(new TributaryError("PERMISSION_DENIED", "Cannot continue consuming: the role of user agent changed"));
      throw new TributaryError("UNAVAILABLE", "Cannot ack app.events: the member left");
    },
  );
  const handled: bigint[] = [];
  const running = runConsumer(ctx, "app.events", "CONSUME FROM app.events GROUP 'g'", { group: "g" }, (r) => {
    handled.push(r.offset);
  });
  try {
    const outcome = await within(
      running.done.then(
        () => "stopped",
        (e: unknown) => e,
      ),
      5_000,
    );
    assert.ok(outcome instanceof TributaryError, `stopped by its error, not ${String(outcome)}`);
    assert.equal(outcome.code, "PERMISSION_DENIED");
    assert.equal(calls(), 1, "not reopened");
    assert.deepEqual(handled, [0n]);
    assert.equal(running.running, false);
  } finally {
    await running.stop();
  }
});

test("a transient ack failure on a stream that goes on reopens it after the grace", async () => {
  let acks = 0;
  const { ctx, calls } = context(
    async function* (_n, signal) {
      yield { records: [record(0)] };
      await aborted(signal); // the stream stays open until the consumer aborts it
    },
    async () => {
      if (++acks === 1) {
        throw new TributaryError("UNAVAILABLE", "Cannot ack app.events: the partition is being rebalanced; retry");
      }
    },
  );
  const handled: bigint[] = [];
  const running = runConsumer(ctx, "app.events", "CONSUME FROM app.events GROUP 'g'", { group: "g" }, (r) => {
    handled.push(r.offset);
  });
  try {
    const deadline = Date.now() + 10_000;
    while (acks < 2 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(acks, 2, "the record came again on a new stream and was acknowledged");
    assert.equal(calls(), 2);
    assert.deepEqual(handled, [0n, 0n]);
    assert.equal(running.running, true);
    assert.equal(running.error, null);
  } finally {
    await running.stop();
  }
});
