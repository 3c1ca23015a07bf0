// Consumers of topics and of tables' change feeds (docs/sql.md "Topics and consumer groups"): one
// ConsumeService/Consume stream is one member of a consumer group; a record is acknowledged after
// the handler returned for it (at-least-once), a failing record is retried with exponential
// backoff and then dead-lettered (or stops the consumer).
import type { Client } from "@connectrpc/connect";
import {
  ConsumeService,
  type ConsumedRecord as WireRecord,
  type Value,
} from "./gen/tributary/v1/tributary_pb.js";
import { TributaryError } from "./errors.js";
import type { Auth } from "./live.js";
import { encodeParam, encodeTyped, type JsonValue } from "./values.js";

/** One record of a topic or of a table's change feed. */
export interface ConsumedRecord<R = { [column: string]: JsonValue }> {
  /** The topic or table consumed (ns.name), as the consumer named it. */
  topic: string;
  partition: number;
  offset: bigint;
  /** The name of the user whose row changed; null for rows of SHARED tables. */
  owner: string | null;
  operation: "INSERT" | "UPDATE" | "DELETE";
  /** The table that changed (ns.name). */
  table: string;
  /**
   * The row per the topic's payload mode, parsed from JSON: the key columns ('key'), the row
   * after the change, before it for a delete ('full', change feeds), the row after the change
   * ('diff'); null when there is none. BIGINT values beyond 2^53 lose precision in a JavaScript
   * number: read them from `rowJson`.
   */
  row: R | null;
  /** The row before the change (payload 'diff' and change feeds), or null. */
  oldRow: R | null;
  /** `row` as the server sent it (JSON text), or null. */
  rowJson: string | null;
  /** `oldRow` as the server sent it (JSON text), or null. */
  oldRowJson: string | null;
  /** The change's `_seq`. */
  seq: bigint;
  /** When the change was written, or null when unknown. */
  timestamp: Date | null;
}

/** What {@link ConsumeApi.ack} commits: the group resumes after `offset` of `partition`. */
export interface AckPosition {
  /** The topic or table (ns.name). */
  topic: string;
  group: string;
  partition: number;
  /** The last offset handled. */
  offset: bigint | number;
}

export interface ConsumerOptions {
  /** The consumer group (required); a `user`'s groups are private to its account. */
  group: string;
  /** Where a group that never consumed starts: "EARLIEST" (default), "LATEST" or an offset. */
  from?: "EARLIEST" | "LATEST" | number | bigint;
  /** A WHERE condition over the source table's columns, e.g. "conversation_id = $1". */
  where?: string;
  /** The parameters of `where`. */
  params?: unknown[];
  /** How often a record whose handler failed is tried again (default 3)... */
  retries?: number;
  /** ...after this long (default 100 ms), doubled after each attempt. */
  backoffMs?: number;
  /**
   * A table (ns.name) that receives a record still failing after its retries, which is then
   * acknowledged so that it never blocks its partition. Its columns: `id BIGINT PRIMARY KEY
   * DEFAULT SNOWFLAKE_ID()`, `topic TEXT`, `` `partition` INT ``, `` `offset` BIGINT ``,
   * `error TEXT`, `record JSON`. Without it a record that still fails stops the consumer.
   */
  deadLetter?: string;
  /** Called with the error that stopped the consumer by itself (see {@link RunningConsumer.done}). */
  onError?: (error: unknown) => void;
}

/** Handles one record; throwing (or rejecting) means it failed. */
export type RecordHandler<R> = (record: ConsumedRecord<R>) => void | Promise<void>;

/** A consumer ready to run: {@link run} starts it. */
export interface TopicConsumer<R = { [column: string]: JsonValue }> {
  /** The CONSUME statement each of its streams runs. */
  readonly statement: string;
  /**
   * Starts consuming: records are handed to `handler` one at a time, in their order within a
   * partition, the next only after the previous one's promise settled. A stream that fails (the
   * server restarting, the network) is opened again with backoff until the consumer is stopped.
   */
  run(handler: RecordHandler<R>): RunningConsumer;
}

/** A running consumer: call it (or `stop()`) to stop it. */
export interface RunningConsumer {
  /**
   * Stops: leaves the group (records not acknowledged stay the group's and are delivered again,
   * also the one being handled). Resolves once the handler being run, if any, has returned.
   */
  (): Promise<void>;
  stop(): Promise<void>;
  /** Whether it still runs. */
  readonly running: boolean;
  /** The error that stopped it by itself (a handler's error without dead-letter table, a refused statement), or null. */
  readonly error: unknown;
  /** Resolves once the stream has joined its group the first time; rejects if it stops before. */
  readonly joined: Promise<void>;
  /** Resolves when stopped by `stop()`; rejects with the error that stopped it by itself. */
  readonly done: Promise<void>;
}

/** What the consumer needs of its client. */
export interface ConsumeApi {
  ack(position: AckPosition): Promise<void>;
  /** Runs a statement with encoded parameters. */
  execute(sql: string, params: Value[]): Promise<unknown>;
}

export interface ConsumeContext {
  rpc: Client<typeof ConsumeService>;
  auth: Auth;
  api: ConsumeApi;
  reconnect: { initialDelayMs: number; maxDelayMs: number };
  /** Keeps the running consumers, so that closing the client stops them. */
  running: Set<() => Promise<void>>;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * How long a stream whose ack failed with a transient error may still end by itself before it is
 * aborted and reopened: a stream the server ends (an account change, a dropped topic) closes its
 * member first, so an ack in flight fails as transient ("the member left") just before the
 * stream's own final code arrives, which must decide.
 */
export const ACK_FAILURE_GRACE_MS = 1_000;

/** Checks a consumer's options and builds its statement; throws INVALID_ARGUMENT for bad input. */
export function consumeStatement(name: string, given: ConsumerOptions): string {
  requireName(name, "consume");
  const options: Partial<ConsumerOptions> = given ?? {};
  const group = options.group;
  if (typeof group !== "string" || group === "") {
    throw new TributaryError("INVALID_ARGUMENT", `Cannot consume ${name}: give the consumer group (options.group)`);
  }
  let from = "";
  const f = options.from;
  if (f !== undefined) {
    if (typeof f === "string" && /^(EARLIEST|LATEST)$/i.test(f)) {
      from = ` FROM ${f.toUpperCase()}`;
    } else if ((typeof f === "number" && Number.isSafeInteger(f) && f >= 0) || (typeof f === "bigint" && f >= 0n)) {
      from = ` FROM ${f}`;
    } else {
      throw new TributaryError(
        "INVALID_ARGUMENT",
        `Cannot consume ${name} from ${String(f)}: give EARLIEST, LATEST or an offset >= 0`,
      );
    }
  }
  const retries = options.retries ?? 3;
  const backoff = options.backoffMs ?? 100;
  if (!Number.isInteger(retries) || retries < 0 || !(backoff >= 0)) {
    throw new TributaryError(
      "INVALID_ARGUMENT",
      `Cannot consume ${name}: retries must be an integer >= 0 and backoffMs >= 0, not ${retries} and ${backoff}`,
    );
  }
  if (options.deadLetter !== undefined) {
    requireName(options.deadLetter, "dead-letter into");
  }
  const where = options.where === undefined || options.where.trim() === "" ? "" : ` WHERE ${options.where}`;
  return `CONSUME FROM ${name}${where} GROUP '${group.replace(/'/g, "''")}'${from}`;
}

function requireName(name: string, action: string): void {
  if (typeof name !== "string" || !NAME.test(name)) {
    throw new TributaryError("INVALID_ARGUMENT", `Cannot ${action} '${String(name)}': expected namespace.name`);
  }
}

/** Decodes a record of the wire. */
export function decodeRecord<R>(r: WireRecord): ConsumedRecord<R> {
  return {
    topic: r.topic,
    partition: r.partition,
    offset: r.offset,
    owner: r.owner === "" ? null : r.owner,
    operation: r.operation as ConsumedRecord["operation"],
    table: r.table,
    row: parse<R>(r.rowJson),
    oldRow: parse<R>(r.oldRowJson),
    rowJson: r.rowJson === "" ? null : r.rowJson,
    oldRowJson: r.oldRowJson === "" ? null : r.oldRowJson,
    seq: r.seq,
    timestamp: r.timestampMillis === 0n ? null : new Date(Number(r.timestampMillis)),
  };
}

function parse<R>(json: string): R | null {
  if (json === "") {
    return null;
  }
  try {
    return JSON.parse(json) as R;
  } catch {
    return json as unknown as R;
  }
}

/** The record as a JSON object for the dead-letter table (rows kept exactly as sent). */
export function deadLetterRecord(r: ConsumedRecord<unknown>): string {
  return (
    `{"topic":${JSON.stringify(r.topic)},"partition":${r.partition},"offset":${r.offset},` +
    `"owner":${JSON.stringify(r.owner)},"operation":${JSON.stringify(r.operation)},` +
    `"table":${JSON.stringify(r.table)},"row":${r.rowJson ?? "null"},"old_row":${r.oldRowJson ?? "null"},` +
    `"_seq":${r.seq}}`
  );
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    return `${error.name}: ${error.message}`;
  }
  return String(error);
}

/** The handler failed for good: stops the consumer with the handler's error. */
class HandlerFailed {
  constructor(readonly cause: unknown) {}
}

/** Runs a consumer until stopped; `done` settles when it ends. */
export function runConsumer<R>(
  ctx: ConsumeContext,
  name: string,
  sql: string,
  options: ConsumerOptions,
  handler: RecordHandler<R>,
): RunningConsumer {
  if (typeof handler !== "function") {
    throw new TributaryError("INVALID_ARGUMENT", `Cannot run the consumer of ${name}: give a handler function`);
  }
  const params: Value[] = (options.params ?? []).map(encodeParam);
  const group = options.group;
  const retries = options.retries ?? 3;
  const backoff = options.backoffMs ?? 100;
  const deadLetter = options.deadLetter;

  let closing = false;
  let running = true;
  let failure: unknown = null;
  let call: AbortController | null = null;
  const stopping = new AbortController(); // cuts short the pauses (backoff, reconnect)

  let joinedResolve!: () => void;
  let joinedReject!: (e: unknown) => void;
  const joined = new Promise<void>((resolve, reject) => {
    joinedResolve = resolve;
    joinedReject = reject;
  });
  joined.catch(() => {});

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      if (stopping.signal.aborted) {
        resolve();
        return;
      }
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        stopping.signal.removeEventListener("abort", done);
        resolve();
      }
      stopping.signal.addEventListener("abort", done);
    });

  /** Runs the handler with retries; false when stopped meanwhile (the record stays unacknowledged). */
  const handle = async (record: ConsumedRecord<R>): Promise<boolean> => {
    let wait = backoff;
    let last: unknown = null;
    for (let attempt = 0; attempt <= retries; attempt++) {
      if (closing) {
        return false;
      }
      try {
        await handler(record);
        return true;
      } catch (e) {
        last = e;
        if (attempt < retries) {
          await sleep(wait);
          wait *= 2;
        }
      }
    }
    if (closing) {
      return false;
    }
    if (deadLetter === undefined) {
      throw new HandlerFailed(last);
    }
    // A failure here fails the stream: a transient one reopens it and the record comes again.
    await ctx.api.execute(
      `INSERT INTO ${deadLetter} (topic, \`partition\`, \`offset\`, error, record) VALUES ($1, $2, $3, $4, $5)`,
      [
        encodeParam(record.topic),
        encodeTyped("INT", record.partition),
        encodeTyped("BIGINT", record.offset),
        encodeParam(describe(last)),
        encodeTyped("JSON", deadLetterRecord(record)),
      ],
    );
    return true;
  };

  let failures = 0;

  /** One stream: one membership of the group. */
  const stream = async (): Promise<void> => {
    const abort = new AbortController();
    call = abort;
    if (closing) {
      return;
    }
    const callOptions = await ctx.auth.callOptions();
    const batches = ctx.rpc.consume({ sql, params }, { ...callOptions, signal: abort.signal });
    // A transient failure of an ack ends this stream: its own end (within ACK_FAILURE_GRACE_MS)
    // decides when it comes with a final code, else the ack's failure reopens it.
    let ackFailure: unknown = null;
    let grace: ReturnType<typeof setTimeout> | undefined;
    try {
      for await (const batch of batches) {
        if (closing) {
          return;
        }
        if (ackFailure !== null) {
          continue; // not handled: the group delivers these records again
        }
        failures = 0;
        joinedResolve();
        const handled = new Map<number, bigint>();
        for (const wire of batch.records) {
          if (!(await handle(decodeRecord<R>(wire)))) {
            return; // stopped: nothing of this batch is acknowledged, the group delivers it again
          }
          handled.set(wire.partition, wire.offset);
        }
        if (closing) {
          return;
        }
        for (const [partition, offset] of handled) {
          try {
            await ctx.api.ack({ topic: name, group, partition, offset });
          } catch (e) {
            const error = TributaryError.fromCall(`ack ${name}`, e);
            if (!(error.transient || error.code === "INTERNAL")) {
              throw e;
            }
            ackFailure = e;
            grace = setTimeout(() => abort.abort(), ACK_FAILURE_GRACE_MS);
            break;
          }
        }
      }
    } catch (e) {
      if (ackFailure !== null && abort.signal.aborted && !closing) {
        throw ackFailure; // the stream did not end by itself within the grace
      }
      throw e;
    } finally {
      clearTimeout(grace);
    }
    if (ackFailure !== null && !closing) {
      throw ackFailure;
    }
    if (!closing) {
      throw new TributaryError("UNAVAILABLE", `Cannot consume ${name}: the server ended the stream`);
    }
  };

  const loop = async (): Promise<void> => {
    while (!closing) {
      try {
        await stream();
      } catch (e) {
        if (closing) {
          break;
        }
        if (e instanceof HandlerFailed) {
          throw e.cause;
        }
        const error = TributaryError.fromCall(`consume ${name}`, e);
        const transient =
          error.code === "UNAUTHENTICATED" ? ctx.auth.refresh() : error.transient || error.code === "INTERNAL";
        if (!transient) {
          throw error;
        }
        let delay = ctx.reconnect.initialDelayMs;
        for (let i = 0; i < failures && delay < ctx.reconnect.maxDelayMs; i++) {
          delay = Math.min(ctx.reconnect.maxDelayMs, delay * 2);
        }
        failures++;
        await sleep(delay * (0.8 + 0.4 * Math.random()));
      } finally {
        call?.abort();
      }
    }
  };

  const done = loop().then(
    () => {
      running = false;
      ctx.running.delete(stop);
      joinedReject(new TributaryError("UNAVAILABLE", `Cannot consume ${name}: the consumer was stopped`));
    },
    (e: unknown) => {
      running = false;
      ctx.running.delete(stop);
      failure = e;
      joinedReject(e);
      options.onError?.(e);
      throw e;
    },
  );
  done.catch(() => {}); // reported through onError, `error` and `done` too

  function stop(): Promise<void> {
    closing = true;
    stopping.abort();
    call?.abort();
    return done.catch(() => {});
  }
  ctx.running.add(stop);

  const handle_ = Object.defineProperties(() => stop(), {
    stop: { value: stop },
    running: { get: () => running },
    error: { get: () => failure },
    joined: { value: joined },
    done: { value: done },
  });
  return handle_ as unknown as RunningConsumer;
}
