// React bindings: a provider for the client and hooks that keep a live query's rows in state.
import {
  createContext,
  type DependencyList,
  type ReactNode,
  useContext,
  useMemo,
  useRef,
  useSyncExternalStore,
} from "react";
import type { LiveQuery, TributaryClient } from "./client.js";
import type { TributaryError } from "./errors.js";
import type { LiveRow } from "./reconcile.js";
import type { Row } from "./values.js";

const ClientContext = createContext<TributaryClient | null>(null);

/** Makes `client` available to the hooks below it. */
export function TributaryProvider(props: { client: TributaryClient; children?: ReactNode }): ReactNode {
  return <ClientContext.Provider value={props.client}>{props.children}</ClientContext.Provider>;
}

/** The client of the nearest provider. */
export function useTributary(): TributaryClient {
  const client = useContext(ClientContext);
  if (client === null) {
    throw new Error("Cannot use Tributary: no <TributaryProvider> above this component");
  }
  return client;
}

export interface LiveQueryState<R extends Row> {
  /** The reconciled rows; a new array only when they changed. */
  rows: LiveRow<R>[];
  /** False until the first snapshot is complete. */
  ready: boolean;
  error: TributaryError | null;
  /** The live query, for optimistic `insert`/`update`/`delete`; null while none is open. */
  query: LiveQuery<R> | null;
}

/**
 * Keeps `sql` live while the component is mounted, subscribing again when `deps` change (as
 * useEffect does). The component re-renders only when the rows (or the state) change: the rows are
 * read through useSyncExternalStore, which compares them by identity, and the SDK hands over a new
 * array only after a change. A null `sql` subscribes to nothing.
 */
export function useLiveQuery<R extends Row = Row>(
  sql: string | null,
  deps: DependencyList = [],
  params: unknown[] = [],
): LiveQueryState<R> {
  const client = useTributary();
  const paramsRef = useRef(params);
  paramsRef.current = params;
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const store = useMemo(() => new LiveStore<R>(client, sql, () => paramsRef.current), [client, sql, ...deps]);
  return useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
}

const IDLE: LiveQueryState<Row> = Object.freeze({ rows: [], ready: false, error: null, query: null });

/** One live query as an external store: opened by its first listener, closed with its last. */
class LiveStore<R extends Row> {
  private state: LiveQueryState<R> = IDLE as LiveQueryState<R>;
  private readonly listeners = new Set<() => void>();
  private query: LiveQuery<R> | null = null;

  constructor(
    private readonly client: TributaryClient,
    private readonly sql: string | null,
    private readonly params: () => unknown[],
  ) {}

  readonly getSnapshot = (): LiveQueryState<R> => this.state;

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    if (this.listeners.size === 1 && this.sql !== null) {
      this.open(this.sql);
    }
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0 && this.query !== null) {
        this.query();
        this.query = null;
        this.state = IDLE as LiveQueryState<R>;
      }
    };
  };

  private open(sql: string): void {
    const query = this.client.live<R>(
      sql,
      (rows) => {
        if (this.query === query && rows !== this.state.rows) {
          this.set({ ...this.state, rows, ready: true });
        }
      },
      {
        params: this.params(),
        onError: (error) => {
          if (this.query === query) {
            this.set({ ...this.state, error });
          }
        },
      },
    );
    this.query = query;
    this.set({ rows: [], ready: false, error: null, query });
  }

  private set(state: LiveQueryState<R>): void {
    this.state = state;
    for (const l of [...this.listeners]) {
      l();
    }
  }
}
