import assert from "node:assert/strict";
import { test } from "node:test";
import { isWindow, resumingAfter, snapshotting, tableOf } from "../src/sql.js";

test("resuming adds from_seq and drops last_rows and an earlier from_seq", () => {
  assert.equal(resumingAfter("SUBSCRIBE TO demo.messages", 7n), "SUBSCRIBE TO demo.messages OPTIONS (from_seq = 7)");
  assert.equal(
    resumingAfter("SUBSCRIBE TO a.b WHERE x = 'OPTIONS (1)' OPTIONS (last_rows = 5, batch_size = 10);", 9n),
    "SUBSCRIBE TO a.b WHERE x = 'OPTIONS (1)' OPTIONS (batch_size = 10, from_seq = 9)",
  );
  assert.equal(snapshotting("SELECT * FROM a.b OPTIONS (from_seq = 3)"), "SELECT * FROM a.b");
});

test("a live SELECT with LIMIT is a window; the table is found", () => {
  assert.equal(isWindow("SELECT * FROM a.b ORDER BY x LIMIT 3"), true);
  assert.equal(isWindow("SELECT * FROM a.b WHERE t = 'LIMIT'"), false);
  assert.equal(isWindow("SUBSCRIBE TO a.b"), false);
  assert.equal(tableOf("SELECT id, body FROM demo.messages WHERE c = $1"), "demo.messages");
  assert.equal(tableOf("subscribe to demo.typing"), "demo.typing");
});
