// React bindings: a provider for the client and hooks that keep a live query's rows in state.
import { createContext, type DependencyList, type ReactNode, useContext, useEffect, useRef, useState } from "react";
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
 * useEffect does). The component re-renders only when the rows (or the state) change. A null
 * `sql` subscribes to nothing.
 */
export function useLiveQuery<R extends Row = Row>(
  sql: string | null,
  deps: DependencyList = [],
  params: unknown[] = [],
): LiveQueryState<R> {
  const client = useTributary();
  const [state, setState] = useState<LiveQueryState<R>>({ rows: [], ready: false, error: null, query: null });
  const paramsRef = useRef(params);
  paramsRef.current = params;
  useEffect(() => {
    if (sql === null) {
      setState({ rows: [], ready: false, error: null, query: null });
      return undefined;
    }
    let active = true;
    const query = client.live<R>(
      sql,
      (rows) => {
        if (active) {
          setState((s) => (s.rows === rows ? s : { ...s, rows, ready: true }));
        }
      },
      {
        params: paramsRef.current,
        onError: (error) => {
          if (active) {
            setState((s) => ({ ...s, error }));
          }
        },
      },
    );
    setState({ rows: [], ready: false, error: null, query });
    return () => {
      active = false;
      query();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [client, sql, ...deps]);
  return state;
}
