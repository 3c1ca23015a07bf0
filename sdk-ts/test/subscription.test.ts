// Unit tests of one subscription across incarnations: the statement of a resume, dropping the
// changes a resume repeats, and completing a change after all of its events (a live window).
import assert from "node:assert/strict";
import { test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { type LiveEvent, LiveEventSchema, type Row as WireRow, RowSchema } from "../src/gen/tributary/v1/tributary_pb.js";
import { type LiveConnection, ManagedSubscription, type SubscriptionEvent } from "../src/live.js";

const connection = { remove() {} } as unknown as LiveConnection;

function row(id: string, seq: number): WireRow {
  return create(RowSchema, {
    values: [{ kind: { case: "textValue", value: id } }, { kind: { case: "bigintValue", value: BigInt(seq) } }],
  });
}

const subscribed = (): LiveEvent =>
  create(LiveEventSchema, {
    subscriptionId: "s",
    event: {
      case: "subscribed",
      value: {
        columns: [
          { name: "id", type: "TEXT" },
          { name: "_seq", type: "BIGINT" },
        ],
        primaryKey: ["id"],
      },
    },
  });
const snapshot = (...rows: WireRow[]): LiveEvent =>
  create(LiveEventSchema, { subscriptionId: "s", event: { case: "initialRows", value: { rows, hasMore: false } } });
const ready = (seq: number): LiveEvent =>
  create(LiveEventSchema, { subscriptionId: "s", event: { case: "ready", value: { seq: BigInt(seq) } } });
const insert = (id: string, seq: number): LiveEvent =>
  create(LiveEventSchema, { subscriptionId: "s", event: { case: "insert", value: { row: row(id, seq), seq: BigInt(seq) } } });
const remove = (id: string, seq: number): LiveEvent =>
  create(LiveEventSchema, { subscriptionId: "s", event: { case: "delete", value: { row: row(id, seq), seq: BigInt(seq) } } });

function describe(e: SubscriptionEvent): string {
  switch (e.type) {
    case "insert":
    case "delete":
      return `${e.type}:${e.row["id"]}@${e.seq}`;
    case "ready":
    case "change-complete":
      return `${e.type}@${e.seq}`;
    case "snapshot":
      return `snapshot:${e.rows.map((r) => r["id"]).join(",")}`;
    default:
      return e.type;
  }
}

function setup(sql: string) {
  const events: string[] = [];
  const s = new ManagedSubscription(connection, sql, [], (e) => events.push(describe(e)), true);
  const feed = (...message: LiveEvent[]) => {
    for (const e of message) {
      s.handle(e);
    }
    s.endOfMessage();
  };
  return { s, events, feed };
}

test("a resume starts after the last _seq and drops the changes it repeats", () => {
  const { s, events, feed } = setup("SUBSCRIBE TO t.items");
  assert.equal(s.nextStatement(), "SUBSCRIBE TO t.items");
  feed(subscribed(), snapshot(row("a", 3)), ready(5));
  feed(insert("b", 6));
  assert.deepEqual(events, ["subscribed", "snapshot:a", "ready@5", "insert:b@6", "change-complete@6"]);

  // The stream broke: the next incarnation resumes after _seq 6, without a snapshot.
  assert.equal(s.nextStatement(), "SUBSCRIBE TO t.items OPTIONS (from_seq = 6)");
  events.length = 0;
  feed(subscribed(), insert("b", 6), insert("c", 7));
  assert.deepEqual(events, ["insert:c@7", "change-complete@7"], "no second subscribed, no repeat of 6");
  assert.equal(s.position, 7n);
});

test("a subscription that never saw a change takes a new snapshot instead of resuming", () => {
  const { s, feed } = setup("SUBSCRIBE TO t.items OPTIONS (last_rows = 10)");
  feed(subscribed(), snapshot(), ready(-1));
  assert.equal(s.nextStatement(), "SUBSCRIBE TO t.items OPTIONS (last_rows = 10)");
});

test("a live window completes a change after all of its events and never resumes", () => {
  const { s, events, feed } = setup("SELECT id FROM t.items ORDER BY id LIMIT 2");
  feed(subscribed(), snapshot(row("a", 1), row("b", 2)), ready(2));
  events.length = 0;
  // One change (_seq 9): a row enters above the cut and pushes one out, in one message.
  feed(remove("b", 9), insert("0", 9));
  assert.deepEqual(events, ["delete:b@9", "insert:0@9", "change-complete@9"]);
  assert.equal(s.nextStatement(), "SELECT id FROM t.items ORDER BY id LIMIT 2", "a new snapshot");
  events.length = 0;
  feed(subscribed(), snapshot(row("0", 9), row("a", 1)), ready(9));
  assert.deepEqual(events, ["subscribed", "snapshot:0,a", "ready@9"]);
});

test("two changes in one message complete one after the other", () => {
  const { events, feed } = setup("SUBSCRIBE TO t.items");
  feed(subscribed(), snapshot(), ready(1));
  events.length = 0;
  feed(insert("x", 2), insert("y", 3));
  assert.deepEqual(events, ["insert:x@2", "change-complete@2", "insert:y@3", "change-complete@3"]);
});
