// The browser entry: gRPC-Web (connect-web), the same protocol the server serves on the same port.
import { createGrpcWebTransport } from "@connectrpc/connect-web";
import { type ClientOptions, createClientWithTransport, type TributaryClient } from "./client.js";

export * from "./common.js";

/** A client of the server at `options.url` over gRPC-Web. */
export function createClient(options: ClientOptions): TributaryClient {
  const transport = createGrpcWebTransport({ baseUrl: options.url, useBinaryFormat: true });
  return createClientWithTransport(transport, options);
}
