// The rows of one live query, reconciled by primary key and kept in the query's order, with an
// overlay of the optimistic writes made through it. Pure: no network, no timers of its own.
import { compareValues, type Row, type SqlValue, stableText } from "./values.js";

export interface Column {
  name: string;
  /** BOOLEAN, INT, BIGINT, DOUBLE, DECIMAL(p,s), TEXT, BYTES, JSON, TIMESTAMP, DATE or UUID. */
  type: string;
  nullable: boolean;
}

export interface SortKey {
  column: string;
  descending: boolean;
  nullsFirst: boolean;
}

/**
 * A row of a live query: its columns, `_seq` (the change that last wrote it), and `_pending: true`
 * while it shows an optimistic write the server has not confirmed yet (column names starting with
 * `_` are reserved, so these never clash with a table's columns).
 */
export type LiveRow<R extends Row = Row> = R & { _seq?: bigint; _pending?: true };

type PendingKind = "insert" | "update" | "delete";

interface Pending {
  id: number;
  kind: PendingKind;
  key: string;
  /** The whole row (insert) or the changed columns (update). */
  values: Row;
  /** The server confirmed the write; it waits for its change to arrive. */
  confirmed: boolean;
}

const SEQ = "_seq";

export class LiveRows<R extends Row = Row> {
  columns: Column[] = [];
  primaryKey: string[] = [];
  orderBy: SortKey[] = [];

  private keyColumns: string[] = [];
  private readonly byKey = new Map<string, Row>();
  private pending: Pending[] = [];
  private nextPendingId = 1;
  private ready = false;
  private changed = false;
  private published: LiveRow<R>[] = [];

  /** @param onRows called with the rows once the snapshot is complete and after each change */
  constructor(private readonly onRows: (rows: LiveRow<R>[]) => void) {}

  /** The rows last handed to the callback. */
  get rows(): LiveRow<R>[] {
    return this.published;
  }

  get isReady(): boolean {
    return this.ready;
  }

  /** A (new) snapshot starts: what came before is replaced once it is complete. */
  subscribed(columns: Column[], primaryKey: string[], orderBy: SortKey[]): void {
    this.columns = columns;
    this.primaryKey = primaryKey;
    this.orderBy = orderBy.filter((k) => columns.some((c) => c.name === k.column));
    this.keyColumns =
      primaryKey.length > 0
        ? primaryKey
        : columns.map((c) => c.name).filter((name) => name !== SEQ);
    this.byKey.clear();
    this.ready = false;
    this.changed = false;
  }

  snapshot(rows: Row[]): void {
    for (const row of rows) {
      this.byKey.set(this.keyOf(row), row);
    }
  }

  /** The snapshot is complete. */
  readyAt(): void {
    this.ready = true;
    this.changed = false;
    this.publish();
  }

  insert(row: Row): void {
    const key = this.keyOf(row);
    this.byKey.set(key, row);
    this.serverChanged(key);
  }

  update(oldRow: Row, newRow: Row): void {
    const oldKey = this.keyOf(oldRow);
    this.byKey.delete(oldKey);
    const key = this.keyOf(newRow);
    this.byKey.set(key, newRow);
    this.serverChanged(oldKey);
    this.serverChanged(key);
  }

  delete(row: Row): void {
    const key = this.keyOf(row);
    this.byKey.delete(key);
    this.serverChanged(key);
  }

  /** All events of one change were applied: publish if it changed anything. */
  changeComplete(): void {
    if (this.changed) {
      this.changed = false;
      this.publish();
    }
  }

  // ---- optimistic writes ----

  /** Shows a write at once, marked pending; returns its id for {@link confirm}/{@link rollback}. */
  addPending(kind: PendingKind, values: Row): number {
    const id = this.nextPendingId++;
    this.pending.push({ id, kind, key: this.keyOf(values), values, confirmed: false });
    this.publish();
    return id;
  }

  /**
   * The server accepted the write. Its change may already have arrived (then the overlay is gone);
   * otherwise the overlay stays until the change arrives or {@link settle} drops it.
   *
   * @returns whether the write still waits for its change
   */
  confirm(id: number): boolean {
    const p = this.pending.find((x) => x.id === id);
    if (p === undefined) {
      return false;
    }
    p.confirmed = true;
    return true;
  }

  /** Drops a confirmed write whose change never came (the row is not in the query's result). */
  settle(id: number): void {
    this.drop(id);
  }

  /** The server refused the write: the rows go back to what the server sent. */
  rollback(id: number): void {
    this.drop(id);
  }

  /** The key columns of the rows (the primary key, or every column but `_seq` without one). */
  get keys(): string[] {
    return this.keyColumns;
  }

  private drop(id: number): void {
    const before = this.pending.length;
    this.pending = this.pending.filter((p) => p.id !== id);
    if (this.pending.length !== before) {
      this.publish();
    }
  }

  /** The server's change of a key supersedes the optimistic writes of that key. */
  private serverChanged(key: string): void {
    this.changed = true;
    if (this.pending.length > 0) {
      this.pending = this.pending.filter((p) => p.key !== key);
    }
  }

  private publish(): void {
    if (!this.ready) {
      return;
    }
    let rows: Map<string, Row> = this.byKey;
    if (this.pending.length > 0) {
      rows = new Map(this.byKey);
      for (const p of this.pending) {
        const current = rows.get(p.key);
        if (p.kind === "delete") {
          rows.delete(p.key);
        } else if (p.kind === "insert") {
          rows.set(p.key, { ...this.blankRow(), ...p.values, _pending: true });
        } else if (current !== undefined) {
          rows.set(p.key, { ...current, ...p.values, _pending: true });
        }
      }
    }
    const list = [...rows.values()] as LiveRow<R>[];
    list.sort((a, b) => this.compare(a, b));
    this.published = list;
    this.onRows(list);
  }

  private blankRow(): Row {
    const row: Row = {};
    for (const c of this.columns) {
      if (c.name !== SEQ) {
        row[c.name] = null;
      }
    }
    return row;
  }

  /** ORDER BY terms (with the server's NULL placement), then the key columns ascending. */
  private compare(a: Row, b: Row): number {
    for (const term of this.orderBy) {
      const c = compareTerm(a[term.column] ?? null, b[term.column] ?? null, term.descending, term.nullsFirst);
      if (c !== 0) {
        return c;
      }
    }
    for (const k of this.keyColumns) {
      const c = compareTerm(a[k] ?? null, b[k] ?? null, false, false);
      if (c !== 0) {
        return c;
      }
    }
    return 0;
  }

  private keyOf(row: Row): string {
    return this.keyColumns.map((c) => stableText(row[c])).join("\u0000");
  }
}

function compareTerm(x: SqlValue, y: SqlValue, descending: boolean, nullsFirst: boolean): number {
  if (x === null || y === null) {
    if (x === y) {
      return 0;
    }
    return (x === null) === nullsFirst ? -1 : 1;
  }
  const c = compareValues(x, y);
  return descending ? -c : c;
}
