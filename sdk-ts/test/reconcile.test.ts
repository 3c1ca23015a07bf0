// Unit tests of the live query's reconciliation: by primary key, in ORDER BY order, published once
// per change, with optimistic writes shown pending and then reconciled or rolled back.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type Column, type LiveRow, LiveRows } from "../src/reconcile.js";
import type { Row } from "../src/values.js";

const COLUMNS: Column[] = [
  { name: "id", type: "TEXT", nullable: false },
  { name: "score", type: "INT", nullable: true },
  { name: "_seq", type: "BIGINT", nullable: false },
];

function setup(orderBy = [{ column: "score", descending: true, nullsFirst: true }]) {
  const published: LiveRow[][] = [];
  const rows = new LiveRows((r) => published.push(r));
  rows.subscribed(COLUMNS, ["id"], orderBy);
  return { rows, published };
}

const ids = (rows: Row[]) => rows.map((r) => r["id"]);

test("publishes nothing before the snapshot is complete, then the rows in ORDER BY order", () => {
  const { rows, published } = setup();
  rows.snapshot([{ id: "a", score: 1, _seq: 1n }, { id: "b", score: 3, _seq: 2n }]);
  rows.snapshot([{ id: "c", score: null, _seq: 3n }, { id: "d", score: 3, _seq: 4n }]);
  assert.equal(published.length, 0);
  rows.readyAt();
  assert.equal(published.length, 1);
  // DESC puts NULL first (the server resolved nulls_first); ties broken by the key ascending.
  assert.deepEqual(ids(published[0]!), ["c", "b", "d", "a"]);
});

test("reconciles inserts, updates and deletes by primary key, once per complete change", () => {
  const { rows, published } = setup();
  rows.snapshot([{ id: "a", score: 1, _seq: 1n }]);
  rows.readyAt();
  rows.insert({ id: "b", score: 5, _seq: 2n });
  assert.equal(published.length, 1, "not published between the events of a change");
  rows.changeComplete();
  assert.deepEqual(ids(rows.rows), ["b", "a"]);
  rows.update({ id: "a", score: 1, _seq: 1n }, { id: "a", score: 9, _seq: 3n });
  rows.changeComplete();
  assert.deepEqual(rows.rows.map((r) => [r["id"], r["score"]]), [["a", 9], ["b", 5]]);
  rows.delete({ id: "b", score: 5, _seq: 2n });
  rows.changeComplete();
  assert.deepEqual(ids(rows.rows), ["a"]);
  rows.changeComplete();
  assert.equal(published.length, 4, "a change that changed nothing publishes nothing");
});

test("an insert of an existing key replaces the row (no duplicates)", () => {
  const { rows } = setup([]);
  rows.snapshot([{ id: "a", score: 1, _seq: 1n }]);
  rows.readyAt();
  rows.insert({ id: "a", score: 2, _seq: 5n });
  rows.changeComplete();
  assert.deepEqual(rows.rows, [{ id: "a", score: 2, _seq: 5n }]);
});

test("a new snapshot replaces the old rows only once it is complete", () => {
  const { rows, published } = setup([]);
  rows.snapshot([{ id: "a", score: 1, _seq: 1n }, { id: "b", score: 1, _seq: 2n }]);
  rows.readyAt();
  rows.subscribed(COLUMNS, ["id"], []);
  rows.snapshot([{ id: "b", score: 2, _seq: 7n }]);
  assert.deepEqual(ids(rows.rows), ["a", "b"], "the old rows until the new snapshot is ready");
  rows.readyAt();
  assert.deepEqual(ids(rows.rows), ["b"]);
  assert.equal(published.length, 2);
});

test("an optimistic insert shows at once as pending and is replaced by the server's row", () => {
  const { rows, published } = setup([]);
  rows.readyAt();
  const id = rows.addPending("insert", { id: "x", score: 4 });
  assert.deepEqual(rows.rows, [{ id: "x", score: 4, _pending: true }]);
  assert.equal(rows.confirm(id), true);
  rows.insert({ id: "x", score: 4, _seq: 10n });
  rows.changeComplete();
  assert.deepEqual(rows.rows, [{ id: "x", score: 4, _seq: 10n }]);
  assert.equal(published.length, 3);
  rows.settle(id); // the timer firing later changes nothing
  assert.equal(published.length, 3);
});

test("a refused optimistic update is rolled back to the server's row", () => {
  const { rows } = setup([]);
  rows.snapshot([{ id: "a", score: 1, _seq: 1n }]);
  rows.readyAt();
  const id = rows.addPending("update", { id: "a", score: 100 });
  assert.deepEqual(rows.rows, [{ id: "a", score: 100, _seq: 1n, _pending: true }]);
  rows.rollback(id);
  assert.deepEqual(rows.rows, [{ id: "a", score: 1, _seq: 1n }]);
});

test("an optimistic delete hides the row until the server's delete arrives", () => {
  const { rows } = setup([]);
  rows.snapshot([{ id: "a", score: 1, _seq: 1n }, { id: "b", score: 2, _seq: 2n }]);
  rows.readyAt();
  const id = rows.addPending("delete", { id: "a" });
  assert.deepEqual(ids(rows.rows), ["b"]);
  rows.confirm(id);
  rows.delete({ id: "a", score: 1, _seq: 1n });
  rows.changeComplete();
  assert.deepEqual(ids(rows.rows), ["b"]);
  rows.settle(id);
  assert.deepEqual(ids(rows.rows), ["b"]);
});

test("without a primary key every column but _seq identifies a row", () => {
  const published: LiveRow[][] = [];
  const rows = new LiveRows((r) => published.push(r));
  rows.subscribed(COLUMNS, [], []);
  rows.snapshot([{ id: "a", score: 1, _seq: 1n }]);
  rows.readyAt();
  rows.delete({ id: "a", score: 1, _seq: 4n });
  rows.changeComplete();
  assert.deepEqual(rows.rows, []);
});
