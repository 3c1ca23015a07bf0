// The live side of one client: ONE OpenStream event stream carrying all of its subscriptions,
// opened by the first subscription and reopened with backoff when it fails; every subscription
// then resumes after the last `_seq` it received (or takes a new snapshot when it cannot).
import type { CallOptions, Client } from "@connectrpc/connect";
import {
  type LiveEvent,
  type LiveEventBatch,
  LiveService,
  type Value,
} from "./gen/tributary/v1/tributary_pb.js";
import { TributaryError } from "./errors.js";
import type { Column, SortKey } from "./reconcile.js";
import { isWindow, resumingAfter, snapshotting } from "./sql.js";
import { decodeValue, type Row } from "./values.js";

/** What a subscription reports, in order: see docs/sql.md ("Events"). */
export type SubscriptionEvent =
  | { type: "subscribed"; columns: Column[]; primaryKey: string[]; orderBy: SortKey[] }
  | { type: "snapshot"; rows: Row[]; last: boolean }
  | { type: "ready"; seq: bigint }
  | { type: "insert"; row: Row; seq: bigint }
  | { type: "update"; oldRow: Row; newRow: Row; seq: bigint }
  | { type: "delete"; row: Row; seq: bigint }
  /** All events of the change at `seq` were delivered (a live window may send several). */
  | { type: "change-complete"; seq: bigint }
  /** The subscription ended for good (it does not end for a lost connection: it resumes). */
  | { type: "error"; error: TributaryError };

export interface ReconnectOptions {
  /** First wait before reopening a lost stream (default 250 ms), doubled per failure... */
  initialDelayMs?: number;
  /** ...up to this (default 30 s). */
  maxDelayMs?: number;
  /**
   * A stream that stayed open this long counts as healthy: when it fails, the wait starts again at
   * `initialDelayMs` (default 10 s). A stream failing sooner keeps doubling the wait, however many
   * times the server accepted it first.
   */
  healthyAfterMs?: number;
}

export interface LiveOptions {
  reconnect?: ReconnectOptions;
  /**
   * A stream that receives nothing (not even the server's heartbeat, sent every 15 s when idle)
   * for this long is taken for dead and reopened. Default 45 s.
   */
  heartbeatTimeoutMs?: number;
  /** Deadline of AddSubscription and RemoveSubscription calls. Default 30 s. */
  callTimeoutMs?: number;
}

/** The client's side of authentication, as the live connection needs it. */
export interface Auth {
  /** The call options (authorization header) of the next call; may log in. */
  callOptions(): Promise<CallOptions>;
  /** A call was refused as unauthenticated: whether a new login may help (then try again). */
  refresh(): boolean;
}

export interface Stream {
  abort: AbortController;
  id: string | null;
  lastMessageAt: number;
  /** When the server's `opened` arrived, or null before. */
  openedAt: number | null;
  /** Subscription ids this client asked the server to remove from this stream. */
  removed: Set<string>;
}

export class LiveConnection {
  private readonly initialDelay: number;
  private readonly maxDelay: number;
  private readonly heartbeatTimeout: number;
  private readonly callTimeout: number;
  private readonly healthyAfter: number;

  private current: Stream | null = null;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private watchdog: ReturnType<typeof setInterval> | null = null;
  private failures = 0;
  private closed = false;
  private addsInFlight = 0;
  private readonly subscriptions = new Set<ManagedSubscription>();
  private readonly byId = new Map<string, ManagedSubscription>();
  private readonly unclaimed = new Map<string, LiveEvent[]>();

  /** Observers of the stream's state, for tests and status displays. */
  onStateChange: ((state: "open" | "reconnecting" | "closed") => void) | null = null;

  constructor(
    private readonly client: Client<typeof LiveService>,
    private readonly auth: Auth,
    options: LiveOptions = {},
  ) {
    this.initialDelay = options.reconnect?.initialDelayMs ?? 250;
    this.maxDelay = options.reconnect?.maxDelayMs ?? 30_000;
    this.heartbeatTimeout = options.heartbeatTimeoutMs ?? 45_000;
    this.callTimeout = options.callTimeoutMs ?? 30_000;
    this.healthyAfter = options.reconnect?.healthyAfterMs ?? 10_000;
  }

  /** Adds a subscription; events go to `listener`. Returns at once: the add is asynchronous. */
  subscribe(
    sql: string,
    params: Value[],
    listener: (e: SubscriptionEvent) => void,
    resnapshots: boolean,
  ): ManagedSubscription {
    if (this.closed) {
      throw new TributaryError("UNAVAILABLE", "Cannot subscribe: the client is closed");
    }
    const s = new ManagedSubscription(this, sql, params, listener, resnapshots);
    this.subscriptions.add(s);
    if (this.current === null) {
      if (this.reconnectTimer === null) {
        this.startStream();
      }
    } else if (this.current.id !== null) {
      this.add(s, this.current);
    }
    // else: the stream being opened adds it once open
    return s;
  }

  /** Ends a subscription: forgets it and asks the server to remove it. */
  remove(s: ManagedSubscription): void {
    this.subscriptions.delete(s);
    cancelRetry(s);
    const stream = this.current;
    if (s.id !== null && s.boundTo === stream && stream !== null && stream.id !== null) {
      this.byId.delete(s.id);
      void this.removeOnServer(stream, s.id);
    }
    s.boundTo = null;
  }

  close(): void {
    if (this.closed) {
      return;
    }
    this.closed = true;
    this.current?.abort.abort();
    this.current = null;
    if (this.reconnectTimer !== null) {
      clearTimeout(this.reconnectTimer);
      this.reconnectTimer = null;
    }
    this.stopWatchdog();
    for (const s of this.subscriptions) {
      cancelRetry(s);
    }
    this.subscriptions.clear();
    this.byId.clear();
    this.unclaimed.clear();
    this.onStateChange?.("closed");
  }

  /** The id of the open stream, or null (for tests). */
  get streamId(): string | null {
    return this.current?.id ?? null;
  }

  // ---- stream lifecycle ----

  private startStream(): void {
    const stream: Stream = {
      abort: new AbortController(),
      id: null,
      lastMessageAt: Date.now(),
      openedAt: null,
      removed: new Set(),
    };
    this.current = stream;
    this.startWatchdog();
    void this.run(stream);
  }

  private async run(stream: Stream): Promise<void> {
    let failure: TributaryError;
    try {
      const options = await this.auth.callOptions();
      const events = this.client.openStream({}, { ...options, signal: stream.abort.signal });
      for await (const batch of events) {
        if (stream !== this.current) {
          return;
        }
        stream.lastMessageAt = Date.now();
        this.handleBatch(stream, batch);
      }
      failure = new TributaryError("UNAVAILABLE", "Cannot keep the live stream: the server ended it");
    } catch (e) {
      if (stream !== this.current) {
        return; // aborted on purpose
      }
      failure = TributaryError.fromCall("keep the live stream", e);
    }
    // A refused login or token ends the subscriptions; anything else (the server going away,
    // restarting, a broken connection) is tried again.
    const transient = failure.code === "UNAUTHENTICATED" ? this.auth.refresh() : !FATAL.has(failure.code);
    this.streamFailed(stream, failure, transient);
  }

  private startWatchdog(): void {
    if (this.watchdog !== null) {
      return;
    }
    const every = Math.max(50, Math.floor(this.heartbeatTimeout / 3));
    this.watchdog = setInterval(() => {
      const s = this.current;
      if (s !== null && Date.now() - s.lastMessageAt > this.heartbeatTimeout) {
        this.streamFailed(
          s,
          new TributaryError(
            "UNAVAILABLE",
            `Cannot keep the live stream: nothing received for ${this.heartbeatTimeout} ms`,
          ),
          true,
        );
      }
    }, every);
    unref(this.watchdog);
  }

  private stopWatchdog(): void {
    if (this.watchdog !== null) {
      clearInterval(this.watchdog);
      this.watchdog = null;
    }
  }

  private streamOpened(stream: Stream, id: string): void {
    // The backoff is not reset here: the server sends `opened` first, also on a stream that fails
    // right after. A stream is known healthy only once it stayed open (see streamFailed).
    stream.id = id;
    stream.openedAt = Date.now();
    this.onStateChange?.("open");
    for (const s of this.subscriptions) {
      if (s.boundTo === null && s.pendingAdd === null) {
        this.add(s, stream);
      }
    }
  }

  /** The stream ended or broke: resume every subscription on a new one, or end them all. */
  private streamFailed(stream: Stream, failure: TributaryError, transient: boolean): void {
    if (stream !== this.current) {
      return;
    }
    this.current = null;
    stream.abort.abort();
    if (stream.openedAt !== null && Date.now() - stream.openedAt >= this.healthyAfter) {
      this.failures = 0;
    }
    this.byId.clear();
    this.unclaimed.clear();
    for (const s of this.subscriptions) {
      s.boundTo = null;
      s.pendingAdd = null;
      s.addFailures = 0;
      cancelRetry(s);
    }
    if (transient && !this.closed) {
      this.onStateChange?.("reconnecting");
      if (this.subscriptions.size > 0) {
        this.scheduleReconnect();
      } else {
        this.stopWatchdog();
      }
      return;
    }
    this.stopWatchdog();
    for (const s of [...this.subscriptions]) {
      this.end(s, failure);
    }
  }

  private scheduleReconnect(): void {
    if (this.closed || this.current !== null || this.reconnectTimer !== null) {
      return;
    }
    const delay = this.backoff(this.failures++);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (!this.closed && this.current === null && this.subscriptions.size > 0) {
        this.startStream();
      }
    }, delay);
  }

  /** The wait after `failures` failures in a row: doubled per failure up to the maximum, ±20%. */
  private backoff(failures: number): number {
    let delay = this.initialDelay;
    for (let i = 0; i < failures && delay < this.maxDelay; i++) {
      delay = Math.min(this.maxDelay, delay * 2);
    }
    return delay * (0.8 + 0.4 * Math.random());
  }

  // ---- events ----

  private handleBatch(stream: Stream, batch: LiveEventBatch): void {
    const touched = new Set<ManagedSubscription>();
    for (const event of batch.events) {
      if (stream !== this.current || this.closed) {
        return;
      }
      this.handle(stream, event, touched);
    }
    // The server never splits one change across messages: what is open is complete.
    for (const s of touched) {
      s.endOfMessage();
    }
  }

  private handle(stream: Stream, event: LiveEvent, touched: Set<ManagedSubscription>): void {
    const e = event.event;
    if (e.case === "opened") {
      this.streamOpened(stream, e.value.streamId);
      return;
    }
    if (e.case === "heartbeat" || e.case === undefined) {
      return;
    }
    const id = event.subscriptionId;
    if (id === "") {
      if (e.case === "error") {
        const failure = TributaryError.fromWire(e.value.error);
        const resumable = failure.code === "SUBSCRIBER_TOO_SLOW" || failure.code === "UNAVAILABLE";
        this.streamFailed(stream, failure, resumable);
      }
      return;
    }
    const s = this.byId.get(id);
    if (s !== undefined) {
      this.deliver(s, event, touched);
    } else if (this.addsInFlight > 0) {
      let held = this.unclaimed.get(id);
      if (held === undefined) {
        held = [];
        this.unclaimed.set(id, held);
      }
      held.push(event);
    } else if (stream.id !== null && !stream.removed.has(id)) {
      // A subscription the server holds but this client does not know: an add whose response
      // was lost (e.g. its deadline passed) and that was tried again. Nothing reads it: remove it.
      void this.removeOnServer(stream, id);
    }
    // else: an event of a subscription already removed
  }

  private deliver(s: ManagedSubscription, event: LiveEvent, touched: Set<ManagedSubscription>): void {
    if (event.event.case === "error") {
      s.endOfMessage(); // a change before the error is complete
      touched.delete(s);
      this.subscriptionError(s, TributaryError.fromWire(event.event.value.error));
    } else {
      touched.add(s);
      s.handle(event);
    }
  }

  /** A LiveError of one subscription ended its incarnation: resume it, or end it. */
  private subscriptionError(s: ManagedSubscription, failure: TributaryError): void {
    if (s.id !== null) {
      this.byId.delete(s.id);
    }
    s.boundTo = null;
    const stream = this.current;
    if ((failure.code === "SUBSCRIBER_TOO_SLOW" || failure.code === "SCHEMA_CHANGED") && stream !== null) {
      this.add(s, stream);
    } else if (failure.code === "RESUME_POSITION_LOST" && s.resnapshots && stream !== null) {
      s.forgetPosition();
      this.add(s, stream);
    } else {
      this.end(s, failure);
    }
  }

  private end(s: ManagedSubscription, failure: TributaryError): void {
    if (!this.subscriptions.delete(s)) {
      return;
    }
    cancelRetry(s);
    if (s.id !== null && s.boundTo === this.current) {
      this.byId.delete(s.id);
    }
    s.boundTo = null;
    s.fail(failure);
  }

  // ---- adding and removing ----

  /** Adds a subscription to the open `stream`, resuming where it was. */
  private add(s: ManagedSubscription, stream: Stream): void {
    const token = {};
    s.pendingAdd = token;
    this.addsInFlight++;
    const sql = s.nextStatement();
    void (async () => {
      try {
        const options = await this.auth.callOptions();
        const response = await this.client.addSubscription(
          { streamId: stream.id ?? "", sql, params: s.params },
          { ...options, timeoutMs: this.callTimeout },
        );
        this.added(s, stream, token, response.subscriptionId);
      } catch (e) {
        this.addFailed(s, stream, token, TributaryError.fromCall("subscribe", e));
      } finally {
        this.addsInFlight--;
        if (this.addsInFlight === 0) {
          this.unclaimed.clear();
        }
      }
    })();
  }

  private added(s: ManagedSubscription, stream: Stream, token: object, id: string): void {
    if (s.pendingAdd !== token || stream !== this.current) {
      return; // superseded; a failed stream took the server's subscription with it
    }
    s.pendingAdd = null;
    if (s.closed || !this.subscriptions.has(s)) {
      void this.removeOnServer(stream, id);
      return;
    }
    s.addFailures = 0;
    s.id = id;
    s.boundTo = stream;
    this.byId.set(id, s);
    const held = this.unclaimed.get(id);
    if (held !== undefined) {
      this.unclaimed.delete(id);
      const touched = new Set<ManagedSubscription>();
      for (const event of held) {
        if (s.boundTo !== stream) {
          break;
        }
        this.deliver(s, event, touched);
      }
      for (const t of touched) {
        t.endOfMessage();
      }
    }
  }

  private addFailed(s: ManagedSubscription, stream: Stream, token: object, failure: TributaryError): void {
    if (s.pendingAdd !== token || stream !== this.current) {
      return;
    }
    s.pendingAdd = null;
    if (s.closed || !this.subscriptions.has(s)) {
      return;
    }
    if (failure.code === "RESUME_POSITION_LOST" && s.resnapshots) {
      s.forgetPosition();
      this.add(s, stream);
    } else if (failure.code === "LIVE_QUERY_NOT_FOUND") {
      // The server no longer holds this stream: reopen it, which adds every subscription again.
      this.streamFailed(stream, failure, true);
    } else if (failure.transient || (failure.code === "UNAUTHENTICATED" && this.auth.refresh())) {
      // One call failed, not the stream: try this subscription again on its own, with backoff.
      this.retryAdd(s, stream);
    } else {
      this.end(s, failure);
    }
  }

  /** Adds `s` to `stream` again after its backoff, unless the stream or the subscription ended. */
  private retryAdd(s: ManagedSubscription, stream: Stream): void {
    const token = {};
    s.pendingAdd = token; // holds its place: nothing else adds it meanwhile
    s.retryTimer = setTimeout(() => {
      s.retryTimer = null;
      if (s.pendingAdd === token && stream === this.current && !s.closed && this.subscriptions.has(s)) {
        this.add(s, stream);
      }
    }, this.backoff(s.addFailures++));
  }

  private async removeOnServer(stream: Stream, subscriptionId: string): Promise<void> {
    if (stream.id === null) {
      return;
    }
    stream.removed.add(subscriptionId);
    try {
      const options = await this.auth.callOptions();
      await this.client.removeSubscription(
        { streamId: stream.id, subscriptionId },
        { ...options, timeoutMs: this.callTimeout },
      );
    } catch {
      // the stream is gone or the subscription ended already: nothing left to remove
    } finally {
      stream.removed.delete(subscriptionId); // no event of it follows the response
    }
  }
}

/** One subscription across its incarnations (one per stream it was added to). */
export class ManagedSubscription {
  id: string | null = null;
  boundTo: Stream | null = null;
  pendingAdd: object | null = null;
  closed = false;
  /** Adds that failed in a row on the current stream (their backoff), and the retry's timer. */
  addFailures = 0;
  retryTimer: ReturnType<typeof setTimeout> | null = null;

  private columns: Column[] = [];
  private lastSeq = -1n;
  private positioned = false;
  private resuming = false;
  private positionLost = false;
  private inChange = false;
  private changeOpen = false;
  private openSeq = -1n;

  constructor(
    private readonly connection: LiveConnection,
    private readonly sql: string,
    readonly params: Value[],
    private readonly listener: (e: SubscriptionEvent) => void,
    readonly resnapshots: boolean,
  ) {}

  /** The last `_seq` received: a resume starts after it. -1 before the first. */
  get position(): bigint {
    return this.lastSeq;
  }

  close(): void {
    if (!this.closed) {
      this.closed = true;
      this.connection.remove(this);
    }
  }

  /** The statement of the next incarnation: resuming after the last `_seq` when positioned. */
  nextStatement(): string {
    this.inChange = false;
    if (isWindow(this.sql) || this.lastSeq < 0n) {
      this.forgetPosition();
    }
    if (this.positioned) {
      this.resuming = true;
      return resumingAfter(this.sql, this.lastSeq);
    }
    this.resuming = false;
    return this.positionLost ? snapshotting(this.sql) : this.sql;
  }

  forgetPosition(): void {
    this.positioned = false;
    this.positionLost = true;
  }

  handle(event: LiveEvent): void {
    const e = event.event;
    const change = e.case === "insert" || e.case === "update" || e.case === "delete";
    if (!change) {
      this.inChange = false;
    }
    if (this.changeOpen && (!change || e.value.seq !== this.openSeq)) {
      this.completeChange();
    }
    switch (e.case) {
      case "subscribed": {
        this.columns = e.value.columns.map((c) => ({ name: c.name, type: c.type, nullable: c.nullable }));
        if (!this.resuming) {
          this.call({
            type: "subscribed",
            columns: this.columns,
            primaryKey: [...e.value.primaryKey],
            orderBy: e.value.orderBy.map((k) => ({
              column: k.column,
              descending: k.descending,
              nullsFirst: k.nullsFirst,
            })),
          });
        }
        break;
      }
      case "initialRows":
        if (!this.resuming) {
          this.call({
            type: "snapshot",
            rows: e.value.rows.map((r) => this.decode(r.values)),
            last: !e.value.hasMore,
          });
        }
        break;
      case "ready":
        if (!this.resuming) {
          this.advance(e.value.seq);
          this.call({ type: "ready", seq: e.value.seq });
        }
        break;
      case "insert":
        if (this.isNew(e.value.seq)) {
          this.call({ type: "insert", row: this.decode(e.value.row?.values ?? []), seq: e.value.seq });
          this.opened(e.value.seq);
        }
        break;
      case "update":
        if (this.isNew(e.value.seq)) {
          this.call({
            type: "update",
            oldRow: this.decode(e.value.oldRow?.values ?? []),
            newRow: this.decode(e.value.newRow?.values ?? []),
            seq: e.value.seq,
          });
          this.opened(e.value.seq);
        }
        break;
      case "delete":
        if (this.isNew(e.value.seq)) {
          this.call({ type: "delete", row: this.decode(e.value.row?.values ?? []), seq: e.value.seq });
          this.opened(e.value.seq);
        }
        break;
      default:
        break;
    }
  }

  endOfMessage(): void {
    if (this.changeOpen) {
      this.completeChange();
    }
  }

  fail(error: TributaryError): void {
    this.call({ type: "error", error });
  }

  private decode(values: Value[]): Row {
    const row: Row = {};
    const n = Math.min(values.length, this.columns.length);
    for (let i = 0; i < n; i++) {
      row[this.columns[i]!.name] = decodeValue(values[i]!);
    }
    return row;
  }

  private opened(seq: bigint): void {
    this.changeOpen = true;
    this.openSeq = seq;
  }

  private completeChange(): void {
    this.changeOpen = false;
    this.call({ type: "change-complete", seq: this.openSeq });
  }

  /** Whether a change is past our position (all events of one change share its `_seq`). */
  private isNew(seq: bigint): boolean {
    if (this.positioned && (seq < this.lastSeq || (seq === this.lastSeq && !this.inChange))) {
      return false;
    }
    this.advance(seq);
    this.inChange = true;
    return true;
  }

  private advance(seq: bigint): void {
    this.positioned = true;
    this.positionLost = false;
    if (seq > this.lastSeq) {
      this.lastSeq = seq;
    }
  }

  private call(e: SubscriptionEvent): void {
    if (this.closed) {
      return;
    }
    try {
      this.listener(e);
    } catch (err) {
      console.warn("A subscription listener failed on an event; going on", err);
    }
  }
}

const FATAL = new Set(["PERMISSION_DENIED", "AUTHENTICATION_FAILED", "USER_NOT_FOUND"]);

function cancelRetry(s: ManagedSubscription): void {
  if (s.retryTimer !== null) {
    clearTimeout(s.retryTimer);
    s.retryTimer = null;
  }
}

function unref(timer: unknown): void {
  const t = timer as { unref?: () => void };
  t.unref?.();
}
