// What both entry points (Node and browser) export besides createClient.
export type {
  ClientOptions,
  ExecuteResult,
  LiveQuery,
  LiveQueryOptions,
  LoginResult,
  TributaryClient,
} from "./client.js";
export { createClientWithTransport } from "./client.js";
export type {
  AckPosition,
  ConsumedRecord,
  ConsumerOptions,
  RecordHandler,
  RunningConsumer,
  TopicConsumer,
} from "./consume.js";
export { TributaryError } from "./errors.js";
export type { LiveOptions, ReconnectOptions, SubscriptionEvent } from "./live.js";
export type { Column, LiveRow, SortKey } from "./reconcile.js";
export { LiveRows } from "./reconcile.js";
export type { JsonValue, Row, SqlValue } from "./values.js";
