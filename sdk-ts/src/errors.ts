// The SDK's one error type, carrying the server's stable code.
import { Code, ConnectError, decodeBinaryHeader } from "@connectrpc/connect";
import { type Error as WireError, ErrorDetailSchema } from "./gen/tributary/v1/tributary_pb.js";

const DETAIL_HEADER = "tributary.v1.ErrorDetail-bin";

/**
 * A failure: `code` is the stable code's name (`SYNTAX_ERROR`, `PERMISSION_DENIED`, ... as in
 * docs/sql.md), `message` reads "Cannot <action>: <reason>". Codes the client produces itself:
 * `UNAVAILABLE` (no server), `DEADLINE_EXCEEDED`, `NOT_A_QUERY`, `INVALID_ARGUMENT` (bad input
 * refused before any call).
 */
export class TributaryError extends Error {
  readonly code: string;
  /** 1-based position of a syntax error, or 0. */
  readonly line: number;
  readonly column: number;

  constructor(code: string, message: string, line = 0, column = 0, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "TributaryError";
    this.code = code;
    this.line = line;
    this.column = column;
  }

  /** The error of a statement or live event of the wire. */
  static fromWire(e: WireError | undefined): TributaryError {
    if (e === undefined) {
      return new TributaryError("INTERNAL", "Cannot read the error: the server sent none");
    }
    return new TributaryError(e.code || "INTERNAL", e.message, e.line, e.column);
  }

  /** The error of a failed call: the server's detail when it sent one, else the gRPC status. */
  static fromCall(action: string, reason: unknown): TributaryError {
    if (reason instanceof TributaryError) {
      return reason;
    }
    const err = ConnectError.from(reason);
    const detail = err.metadata.get(DETAIL_HEADER);
    if (detail) {
      try {
        const decoded = decodeBinaryHeader(detail, ErrorDetailSchema);
        if (decoded.error) {
          return TributaryError.fromWire(decoded.error);
        }
      } catch {
        // fall through to the status
      }
    }
    const code = CODES[err.code] ?? "INTERNAL";
    return new TributaryError(code, `Cannot ${action}: ${err.rawMessage || Code[err.code]}`, 0, 0, {
      cause: reason,
    });
  }

  /** Whether a call that failed this way may succeed when tried again on a new connection. */
  get transient(): boolean {
    return this.code === "UNAVAILABLE" || this.code === "DEADLINE_EXCEEDED" || this.code === "TIMEOUT";
  }
}

const CODES: Partial<Record<Code, string>> = {
  [Code.Unavailable]: "UNAVAILABLE",
  [Code.DeadlineExceeded]: "DEADLINE_EXCEEDED",
  [Code.Unauthenticated]: "UNAUTHENTICATED",
  [Code.PermissionDenied]: "PERMISSION_DENIED",
  [Code.InvalidArgument]: "INVALID_ARGUMENT",
  [Code.NotFound]: "LIVE_QUERY_NOT_FOUND",
  [Code.ResourceExhausted]: "LIMIT_EXCEEDED",
  [Code.Canceled]: "UNAVAILABLE",
  [Code.Aborted]: "UNAVAILABLE",
  [Code.Unknown]: "UNAVAILABLE",
  [Code.Internal]: "INTERNAL",
};
