// The Node entry: native gRPC over HTTP/2 (connect-node's gRPC transport).
import { createGrpcTransport } from "@connectrpc/connect-node";
import { type ClientOptions, createClientWithTransport, type TributaryClient } from "./client.js";

export * from "./common.js";

/** A client of the server at `options.url` over native gRPC. */
export function createClient(options: ClientOptions): TributaryClient {
  const transport = createGrpcTransport({
    baseUrl: options.url,
    // Keeps an idle HTTP/2 connection checked, so a dead server is noticed.
    pingIntervalMs: 15_000,
  });
  return createClientWithTransport(transport, options);
}
