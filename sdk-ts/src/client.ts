// The client: statements, login and live queries over one transport.
import { type CallOptions, type Client, createClient as createRpcClient, type Transport } from "@connectrpc/connect";
import {
  AuthService,
  ConsumeService,
  LiveService,
  type StatementResult,
  StatementService,
} from "./gen/tributary/v1/tributary_pb.js";
import {
  type AckPosition,
  type ConsumeContext,
  type ConsumedRecord,
  consumeStatement,
  type ConsumerOptions,
  decodeRecord,
  type RecordHandler,
  type RunningConsumer,
  runConsumer,
  type TopicConsumer,
} from "./consume.js";
import { TributaryError } from "./errors.js";
import { type Auth, LiveConnection, type LiveOptions, type SubscriptionEvent } from "./live.js";
import { type Column, type LiveRow, LiveRows } from "./reconcile.js";
import { tableOf } from "./sql.js";
import { decodeValue, encodeParam, encodeTyped, type JsonValue, type Row } from "./values.js";

export interface ClientOptions extends LiveOptions {
  /** The server's address, e.g. "http://localhost:7070" (https with TLS). */
  url: string;
  /**
   * A token (from a login elsewhere), or a user and password to log in with on the first call and
   * again when the token expires. Without it, call {@link TributaryClient.login} first.
   */
  auth?: { token: string } | { user: string; password: string };
  /** Deadline of each unary call. Default 30 s. */
  timeoutMs?: number;
  /** How long an optimistic write the server confirmed stays pending waiting for its change. */
  optimisticSettleMs?: number;
}

export interface LoginResult {
  token: string;
  user: string;
  role: string;
  expiresAt: Date;
}

/** The outcome of one statement of {@link TributaryClient.execute}. */
export type ExecuteResult<R extends Row = Row> =
  | { statement: string; kind: "rows"; columns: Column[]; rows: R[] }
  | { statement: string; kind: "rowsAffected"; rowsAffected: number }
  | { statement: string; kind: "done"; done: string };

/** A live query's handle: call it (or `close()`) to unsubscribe. */
export interface LiveQuery<R extends Row = Row> {
  (): void;
  /** The reconciled rows, in the query's order (ORDER BY, then primary key). Empty until ready. */
  readonly rows: LiveRow<R>[];
  /** The error that ended the query, if one did. */
  readonly error: TributaryError | null;
  /** Resolves once the first snapshot is complete; rejects if the query ends before. */
  readonly ready: Promise<void>;
  /**
   * Inserts a row into the query's table, shown at once with `_pending: true` and reconciled when
   * the server's change arrives; rolled back (and the promise rejected) when the server refuses.
   * The row must carry its primary key.
   */
  insert(row: Partial<R>): Promise<void>;
  /** Updates the row with the given key columns, optimistically like {@link insert}. */
  update(key: Partial<R>, changes: Partial<R>): Promise<void>;
  /** Deletes the row with the given key columns, optimistically like {@link insert}. */
  delete(key: Partial<R>): Promise<void>;
  close(): void;
}

export interface LiveQueryOptions {
  params?: unknown[];
  /** Called when the query ends with an error it cannot resume from. */
  onError?: (error: TributaryError) => void;
}

export interface TributaryClient {
  /** Logs in; later calls carry the token. */
  login(user: string, password: string): Promise<LoginResult>;
  /** The current token, or null before a login. */
  readonly token: string | null;
  /** Runs statements separated by ';'; throws the first statement error (earlier ones ran). */
  execute(sql: string, params?: unknown[]): Promise<ExecuteResult[]>;
  /** Runs one query and returns its rows. */
  query<R extends Row = Row>(sql: string, params?: unknown[]): Promise<R[]>;
  /**
   * Keeps a `SUBSCRIBE TO` or live `SELECT` live: `onRows` gets the reconciled rows once the
   * snapshot is complete and after every change (never between the events of one change).
   */
  live<R extends Row = Row>(
    sql: string,
    onRows: (rows: LiveRow<R>[]) => void,
    options?: LiveQueryOptions,
  ): LiveQuery<R>;
  /** The raw events of a subscription (resumed across reconnects without repeats). */
  subscribe(sql: string, onEvent: (e: SubscriptionEvent) => void, options?: { params?: unknown[] }): () => void;
  /**
   * A consumer of a topic, or of a table's change feed, in a consumer group; nothing happens until
   * `run(handler)`: `client.consumer("chat.inbox", { group: "assistant" }).run(async (r) => …)`.
   * Throws INVALID_ARGUMENT for a bad name or option.
   */
  consumer<R = { [column: string]: JsonValue }>(topicOrTable: string, options: ConsumerOptions): TopicConsumer<R>;
  /**
   * The raw batches of one `CONSUME … GROUP 'g'` stream, as long as it is iterated (leaving the
   * loop, or aborting `signal`, leaves the group). The first batch, empty, says the stream has
   * joined its group. Nothing is acknowledged: call {@link ack}.
   */
  consume<R = { [column: string]: JsonValue }>(
    sql: string,
    options?: { params?: unknown[]; signal?: AbortSignal },
  ): AsyncIterable<ConsumedRecord<R>[]>;
  /** Acknowledges a partition's records up to `offset` for a group (`ACK`): the group resumes after it. */
  ack(position: AckPosition): Promise<void>;
  /** Ends every subscription, the live stream and every running consumer. */
  close(): void;
  /** The live stream's id while it is open (one per client), for diagnostics. */
  readonly liveStreamId: string | null;
}

/** Creates a client over a given transport; `createClient` of the Node or browser entry picks one. */
export function createClientWithTransport(transport: Transport, options: ClientOptions): TributaryClient {
  return new Impl(transport, options);
}

class Impl implements TributaryClient, Auth {
  private readonly authClient: Client<typeof AuthService>;
  private readonly statements: Client<typeof StatementService>;
  private readonly liveConnection: LiveConnection;
  private readonly consumeClient: Client<typeof ConsumeService>;
  private readonly consumers: ConsumeContext;
  private readonly timeoutMs: number;
  private readonly settleMs: number;
  private credentials: { user: string; password: string } | null = null;
  private currentToken: string | null = null;
  private loggingIn: Promise<LoginResult> | null = null;

  constructor(transport: Transport, options: ClientOptions) {
    this.authClient = createRpcClient(AuthService, transport);
    this.statements = createRpcClient(StatementService, transport);
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.settleMs = options.optimisticSettleMs ?? 5_000;
    const auth = options.auth;
    if (auth !== undefined && "token" in auth) {
      this.currentToken = auth.token;
    } else if (auth !== undefined) {
      this.credentials = { user: auth.user, password: auth.password };
    }
    this.liveConnection = new LiveConnection(createRpcClient(LiveService, transport), this, options);
    this.consumeClient = createRpcClient(ConsumeService, transport);
    this.consumers = {
      rpc: this.consumeClient,
      auth: this,
      api: { ack: (p) => this.ack(p), execute: (sql, params) => this.run(sql, params) },
      reconnect: {
        initialDelayMs: options.reconnect?.initialDelayMs ?? 250,
        maxDelayMs: options.reconnect?.maxDelayMs ?? 30_000,
      },
      running: new Set(),
    };
  }

  get token(): string | null {
    return this.currentToken;
  }

  get liveStreamId(): string | null {
    return this.liveConnection.streamId;
  }

  async login(user: string, password: string): Promise<LoginResult> {
    let response;
    try {
      response = await this.authClient.login({ user, password }, { timeoutMs: this.timeoutMs });
    } catch (e) {
      throw TributaryError.fromCall("log in", e);
    }
    this.credentials = { user, password };
    this.currentToken = response.token;
    return {
      token: response.token,
      user: response.user,
      role: response.role,
      expiresAt: new Date(Number(response.expiresAtMillis)),
    };
  }

  // ---- Auth (for the live connection) ----

  async callOptions(): Promise<CallOptions> {
    if (this.currentToken === null && this.credentials !== null) {
      if (this.loggingIn === null) {
        const { user, password } = this.credentials;
        this.loggingIn = this.login(user, password).finally(() => {
          this.loggingIn = null;
        });
      }
      await this.loggingIn;
    }
    return this.currentToken === null ? {} : { headers: { authorization: `Bearer ${this.currentToken}` } };
  }

  refresh(): boolean {
    if (this.credentials === null) {
      return false;
    }
    this.currentToken = null;
    return true;
  }

  // ---- statements ----

  async execute(sql: string, params: unknown[] = []): Promise<ExecuteResult[]> {
    return this.run(sql, params.map(encodeParam));
  }

  async query<R extends Row = Row>(sql: string, params: unknown[] = []): Promise<R[]> {
    const results = await this.execute(sql, params);
    const first = results[0];
    if (results.length !== 1 || first === undefined || first.kind !== "rows") {
      throw new TributaryError("NOT_A_QUERY", "Cannot query: give exactly one statement that returns rows");
    }
    return first.rows as R[];
  }

  private async run(sql: string, params: ReturnType<typeof encodeParam>[], retried = false): Promise<ExecuteResult[]> {
    let response;
    try {
      const options = await this.callOptions();
      response = await this.statements.execute({ sql, params }, { ...options, timeoutMs: this.timeoutMs });
    } catch (e) {
      const error = TributaryError.fromCall("execute", e);
      if (error.code === "UNAUTHENTICATED" && !retried && this.refresh()) {
        return this.run(sql, params, true);
      }
      throw error;
    }
    return response.results.map(toResult);
  }

  // ---- live ----

  subscribe(sql: string, onEvent: (e: SubscriptionEvent) => void, options: { params?: unknown[] } = {}): () => void {
    const s = this.liveConnection.subscribe(sql, (options.params ?? []).map(encodeParam), onEvent, false);
    return () => s.close();
  }

  live<R extends Row = Row>(
    sql: string,
    onRows: (rows: LiveRow<R>[]) => void,
    options: LiveQueryOptions = {},
  ): LiveQuery<R> {
    const state = new LiveRows<R>(onRows);
    let error: TributaryError | null = null;
    let resolveReady!: () => void;
    let rejectReady!: (e: TributaryError) => void;
    const ready = new Promise<void>((resolve, reject) => {
      resolveReady = resolve;
      rejectReady = reject;
    });
    ready.catch(() => {}); // reported through onError and `error` too
    // Writes made while a snapshot is being (re-)read wait for its `ready`: each incarnation of
    // the subscription (a reconnect may take a new snapshot) releases the writes made during it.
    let waiting: { resolve: () => void; reject: (e: TributaryError) => void }[] = [];
    const untilReady = () =>
      new Promise<void>((resolve, reject) => {
        if (error !== null) {
          reject(error);
        } else if (subscription.closed) {
          reject(closedBeforeReady());
        } else {
          waiting.push({ resolve, reject });
        }
      });
    const release = (failure: TributaryError | null) => {
      const released = waiting;
      waiting = [];
      for (const w of released) {
        if (failure === null) {
          w.resolve();
        } else {
          w.reject(failure);
        }
      }
    };
    const subscription = this.liveConnection.subscribe(
      sql,
      (options.params ?? []).map(encodeParam),
      (e) => {
        switch (e.type) {
          case "subscribed":
            state.subscribed(e.columns, e.primaryKey, e.orderBy);
            break;
          case "snapshot":
            state.snapshot(e.rows);
            break;
          case "ready":
            state.readyAt();
            resolveReady();
            release(null);
            break;
          case "insert":
            state.insert(e.row);
            break;
          case "update":
            state.update(e.oldRow, e.newRow);
            break;
          case "delete":
            state.delete(e.row);
            break;
          case "change-complete":
            state.changeComplete();
            break;
          case "error":
            error = e.error;
            rejectReady(e.error);
            release(e.error);
            options.onError?.(e.error);
            break;
        }
      },
      true,
    );
    const table = tableOf(sql);
    const write = (kind: "insert" | "update" | "delete", values: Row, changes: Row): Promise<void> => {
      if (!state.isReady) {
        return untilReady().then(() => write(kind, values, changes));
      }
      let id: number;
      let statement: { sql: string; params: ReturnType<typeof encodeParam>[] };
      try {
        if (table === null) {
          throw new TributaryError("INVALID_ARGUMENT", `Cannot ${kind}: the live query names no table`);
        }
        const missing = state.keys.filter((k) => values[k] === undefined);
        if (missing.length > 0) {
          throw new TributaryError(
            "INVALID_ARGUMENT",
            `Cannot ${kind} optimistically: the row has no value for key column ${missing.join(", ")}`,
          );
        }
        statement = writeStatement(kind, table, state.columns, state.keys, values, changes);
        // Shown at once (synchronously), before the call goes out.
        id = state.addPending(kind, kind === "update" ? { ...values, ...changes } : values);
      } catch (e) {
        return Promise.reject(e);
      }
      return (async () => {
        try {
          await this.run(statement.sql, statement.params);
        } catch (e) {
          state.rollback(id);
          throw e;
        }
        if (state.confirm(id)) {
          const timer = setTimeout(() => state.settle(id), this.settleMs);
          (timer as { unref?: () => void }).unref?.();
        }
      })();
    };
    const close = () => {
      subscription.close();
      release(closedBeforeReady());
    };
    // A function (call it to unsubscribe) carrying the query's state; getters stay live.
    const handle = Object.defineProperties(close, {
      rows: { get: () => state.rows },
      error: { get: () => error },
      ready: { value: ready },
      insert: { value: (row: Partial<R>) => write("insert", row as Row, {}) },
      update: { value: (key: Partial<R>, changes: Partial<R>) => write("update", key as Row, changes as Row) },
      delete: { value: (key: Partial<R>) => write("delete", key as Row, {}) },
      close: { value: close },
    });
    return handle as unknown as LiveQuery<R>;
  }

  // ---- consumers ----

  consumer<R = { [column: string]: JsonValue }>(topicOrTable: string, options: ConsumerOptions): TopicConsumer<R> {
    const statement = consumeStatement(topicOrTable, options);
    const consumers = this.consumers;
    return {
      statement,
      run(handler: RecordHandler<R>): RunningConsumer {
        return runConsumer(consumers, topicOrTable, statement, options, handler);
      },
    };
  }

  async *consume<R = { [column: string]: JsonValue }>(
    sql: string,
    options: { params?: unknown[]; signal?: AbortSignal } = {},
  ): AsyncGenerator<ConsumedRecord<R>[]> {
    const params = (options.params ?? []).map(encodeParam);
    const abort = new AbortController();
    const outer = options.signal;
    const onAbort = () => abort.abort();
    outer?.addEventListener("abort", onAbort);
    if (outer?.aborted) {
      abort.abort();
    }
    let received = false;
    try {
      for (let retried = false; ; retried = true) {
        try {
          const callOptions = await this.callOptions();
          for await (const batch of this.consumeClient.consume({ sql, params }, { ...callOptions, signal: abort.signal })) {
            received = true;
            yield batch.records.map((r) => decodeRecord<R>(r));
          }
          return;
        } catch (e) {
          const error = TributaryError.fromCall("consume", e);
          if (error.code === "UNAUTHENTICATED" && !received && !retried && this.refresh()) {
            continue;
          }
          throw error;
        }
      }
    } finally {
      outer?.removeEventListener("abort", onAbort);
      abort.abort(); // leaving the loop cancels the call: the stream leaves its group
    }
  }

  async ack(position: AckPosition, retried = false): Promise<void> {
    const { topic, group, partition, offset } = position;
    if (!Number.isInteger(partition) || partition < 0 || (typeof offset === "number" && !Number.isSafeInteger(offset))) {
      throw new TributaryError(
        "INVALID_ARGUMENT",
        `Cannot ack ${topic}: give a partition >= 0 and a whole offset, not ${partition} and ${offset}`,
      );
    }
    try {
      const options = await this.callOptions();
      await this.consumeClient.ack(
        { topic, group, partition, offset: BigInt(offset) },
        { ...options, timeoutMs: this.timeoutMs },
      );
    } catch (e) {
      const error = TributaryError.fromCall(`ack ${topic}`, e);
      if (error.code === "UNAUTHENTICATED" && !retried && this.refresh()) {
        return this.ack(position, true);
      }
      throw error;
    }
  }

  close(): void {
    this.liveConnection.close();
    for (const stop of [...this.consumers.running]) {
      void stop();
    }
  }
}

function writeStatement(
  kind: "insert" | "update" | "delete",
  table: string,
  columns: Column[],
  keys: string[],
  values: Row,
  changes: Row,
): { sql: string; params: ReturnType<typeof encodeParam>[] } {
  const typeOf = (name: string) => columns.find((c) => c.name === name)?.type;
  const params: ReturnType<typeof encodeParam>[] = [];
  const param = (name: string, v: unknown) => {
    const type = typeOf(name);
    params.push(type === undefined ? encodeParam(v) : encodeTyped(type, v));
    return `$${params.length}`;
  };
  const where = () => keys.map((k) => `${quote(k)} = ${param(k, values[k])}`).join(" AND ");
  if (kind === "insert") {
    const names = Object.keys(values).filter((n) => !n.startsWith("_") && values[n] !== undefined);
    const placeholders = names.map((n) => param(n, values[n]));
    return { sql: `INSERT INTO ${table} (${names.map(quote).join(", ")}) VALUES (${placeholders.join(", ")})`, params };
  }
  if (kind === "update") {
    const names = Object.keys(changes).filter((n) => !n.startsWith("_") && changes[n] !== undefined);
    if (names.length === 0) {
      throw new TributaryError("INVALID_ARGUMENT", "Cannot update: no column to change");
    }
    const set = names.map((n) => `${quote(n)} = ${param(n, changes[n])}`).join(", ");
    return { sql: `UPDATE ${table} SET ${set} WHERE ${where()}`, params };
  }
  return { sql: `DELETE FROM ${table} WHERE ${where()}`, params };
}

function closedBeforeReady(): TributaryError {
  return new TributaryError(
    "UNAVAILABLE",
    "Cannot write through the live query: it was closed before its rows were ready",
  );
}

/** A column name as the server's SQL reads it: always back-ticked (reserved words too), case kept. */
function quote(name: string): string {
  return `\`${name.replace(/`/g, "``")}\``;
}

function toResult(r: StatementResult): ExecuteResult {
  const o = r.outcome;
  switch (o.case) {
    case "rows": {
      const columns = o.value.columns.map((c) => ({ name: c.name, type: c.type, nullable: c.nullable }));
      const rows = o.value.rows.map((row) => {
        const decoded: Row = {};
        row.values.forEach((v, i) => {
          const c = columns[i];
          if (c !== undefined) {
            decoded[c.name] = decodeValue(v);
          }
        });
        return decoded;
      });
      return { statement: r.statement, kind: "rows", columns, rows };
    }
    case "rowsAffected":
      return { statement: r.statement, kind: "rowsAffected", rowsAffected: Number(o.value) };
    case "done":
      return { statement: r.statement, kind: "done", done: o.value };
    case "error":
      throw TributaryError.fromWire(o.value);
    default:
      throw new TributaryError("INTERNAL", `Cannot execute: the server sent no outcome for "${r.statement}"`);
  }
}
