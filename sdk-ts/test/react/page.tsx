// A page for test/react.test.ts: the React bindings over a scripted client, with a render counter.
import { useState } from "react";
import { flushSync } from "react-dom";
import { createRoot } from "react-dom/client";
import type { LiveQuery, TributaryClient } from "../../src/client.js";
import { TributaryProvider, useLiveQuery } from "../../src/react.js";
import type { LiveRow } from "../../src/reconcile.js";

type Sub = { sql: string; params: unknown[]; onRows: (rows: LiveRow[]) => void; closed: boolean };
const subs: Sub[] = [];

const client = {
  live(sql: string, onRows: (rows: LiveRow[]) => void, options?: { params?: unknown[] }) {
    const sub: Sub = { sql, params: options?.params ?? [], onRows, closed: false };
    subs.push(sub);
    return Object.assign(() => {
      sub.closed = true;
    }, { rows: [], error: null, ready: Promise.resolve() }) as unknown as LiveQuery;
  },
} as unknown as TributaryClient;

let renders = 0;
let setConversation: (c: string) => void = () => {};

function Probe() {
  const [conversation, set] = useState("general");
  setConversation = set;
  const { rows, ready } = useLiveQuery("SELECT id FROM demo.messages WHERE c = $1", [conversation], [conversation]);
  renders++;
  return <div id="out">{ready ? rows.map((r) => String(r["id"])).join(",") : "loading"}</div>;
}

const rowSets: Record<string, LiveRow[]> = {
  a: [{ id: "a" }],
  ab: [{ id: "a" }, { id: "b" }],
};

const w = window as unknown as Record<string, unknown>;
w["probe"] = {
  renders: () => renders,
  subs: () => subs.map((s) => ({ sql: s.sql, params: s.params, closed: s.closed })),
  /** Hands the last subscription a row set (by name), as the SDK does after a change. */
  emit: (name: string) => flushSync(() => subs[subs.length - 1]!.onRows(rowSets[name]!)),
  text: () => document.getElementById("out")!.textContent,
  switchTo: (c: string) => flushSync(() => setConversation(c)),
};

createRoot(document.getElementById("root")!).render(
  <TributaryProvider client={client}>
    <Probe />
  </TributaryProvider>,
);
