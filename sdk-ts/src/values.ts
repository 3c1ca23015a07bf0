// Converts between the protocol's typed values and JavaScript values.
import { create } from "@bufbuild/protobuf";
import { type Value, ValueSchema } from "./gen/tributary/v1/tributary_pb.js";

/**
 * A SQL value as the SDK hands it out: BOOLEAN boolean, INT and DOUBLE number, BIGINT bigint
 * (exact), DECIMAL string ("12.50"), TEXT and UUID string, BYTES Uint8Array, JSON the parsed value,
 * TIMESTAMP Date, DATE string ("2026-01-02"), NULL null.
 */
export type SqlValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | Date
  | JsonValue;

export type JsonValue =
  | null
  | boolean
  | number
  | string
  | JsonValue[]
  | { [key: string]: JsonValue };

/** A row: column name to value. Rows of a live query also carry `_seq`. */
export type Row = Record<string, SqlValue>;

const MS_PER_DAY = 86_400_000;
const INT_MIN = -2147483648;
const INT_MAX = 2147483647;

/** Decodes one value of the wire. */
export function decodeValue(v: Value): SqlValue {
  const k = v.kind;
  switch (k.case) {
    case undefined:
      return null;
    case "boolValue":
    case "intValue":
    case "doubleValue":
    case "decimalValue":
    case "textValue":
    case "uuidValue":
    case "bigintValue":
    case "bytesValue":
      return k.value;
    case "jsonValue":
      try {
        return JSON.parse(k.value) as JsonValue;
      } catch {
        return k.value;
      }
    case "timestampMillis":
      return new Date(Number(k.value));
    case "dateDays":
      return new Date(k.value * MS_PER_DAY).toISOString().slice(0, 10);
  }
}

/**
 * Encodes a parameter whose column type is unknown, by its JavaScript type: a whole number in
 * 32-bit range as INT, a larger one or a bigint as BIGINT, other numbers as DOUBLE, a Date as
 * TIMESTAMP, bytes as BYTES, a plain object or array as JSON.
 */
export function encodeParam(x: unknown): Value {
  if (x === null || x === undefined) {
    return create(ValueSchema, {});
  }
  switch (typeof x) {
    case "boolean":
      return create(ValueSchema, { kind: { case: "boolValue", value: x } });
    case "bigint":
      return create(ValueSchema, { kind: { case: "bigintValue", value: x } });
    case "number":
      if (Number.isInteger(x)) {
        return x >= INT_MIN && x <= INT_MAX
          ? create(ValueSchema, { kind: { case: "intValue", value: x } })
          : create(ValueSchema, { kind: { case: "bigintValue", value: BigInt(x) } });
      }
      return create(ValueSchema, { kind: { case: "doubleValue", value: x } });
    case "string":
      return create(ValueSchema, { kind: { case: "textValue", value: x } });
  }
  if (x instanceof Date) {
    return create(ValueSchema, { kind: { case: "timestampMillis", value: BigInt(x.getTime()) } });
  }
  if (x instanceof Uint8Array) {
    return create(ValueSchema, { kind: { case: "bytesValue", value: x } });
  }
  return create(ValueSchema, { kind: { case: "jsonValue", value: JSON.stringify(x) } });
}

/**
 * Encodes a value for a column of a known Tributary type (BOOLEAN, INT, BIGINT, DOUBLE,
 * DECIMAL(p,s), TEXT, BYTES, JSON, TIMESTAMP, DATE, UUID).
 */
export function encodeTyped(type: string, x: unknown): Value {
  if (x === null || x === undefined) {
    return create(ValueSchema, {});
  }
  const t = type.toUpperCase();
  const kind = t.startsWith("DECIMAL") ? "DECIMAL" : t;
  switch (kind) {
    case "INT":
      return create(ValueSchema, { kind: { case: "intValue", value: Number(x) } });
    case "BIGINT":
      return create(ValueSchema, { kind: { case: "bigintValue", value: BigInt(x as bigint) } });
    case "DOUBLE":
      return create(ValueSchema, { kind: { case: "doubleValue", value: Number(x) } });
    case "DECIMAL":
      return create(ValueSchema, { kind: { case: "decimalValue", value: String(x) } });
    case "TEXT":
      return create(ValueSchema, { kind: { case: "textValue", value: String(x) } });
    case "UUID":
      return create(ValueSchema, { kind: { case: "uuidValue", value: String(x) } });
    case "JSON":
      return create(ValueSchema, {
        kind: { case: "jsonValue", value: typeof x === "string" ? x : JSON.stringify(x) },
      });
    case "TIMESTAMP": {
      const ms = x instanceof Date ? x.getTime() : typeof x === "string" ? Date.parse(x) : Number(x);
      return create(ValueSchema, { kind: { case: "timestampMillis", value: BigInt(ms) } });
    }
    case "DATE": {
      const ms = x instanceof Date ? x.getTime() : Date.parse(String(x));
      return create(ValueSchema, {
        kind: { case: "dateDays", value: Math.floor(ms / MS_PER_DAY) },
      });
    }
    default:
      return encodeParam(x);
  }
}

/** Compares two non-null values of one column as the server orders them. */
export function compareValues(a: SqlValue, b: SqlValue): number {
  if (a instanceof Date && b instanceof Date) {
    return cmp(a.getTime(), b.getTime());
  }
  if (a instanceof Uint8Array && b instanceof Uint8Array) {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
      if (a[i] !== b[i]) {
        return a[i]! < b[i]! ? -1 : 1;
      }
    }
    return cmp(a.length, b.length);
  }
  if (typeof a === "boolean" && typeof b === "boolean") {
    return a === b ? 0 : a ? 1 : -1;
  }
  if (
    (typeof a === "number" || typeof a === "bigint") &&
    (typeof b === "number" || typeof b === "bigint")
  ) {
    return a < b ? -1 : a > b ? 1 : 0;
  }
  if (typeof a === "string" && typeof b === "string") {
    // By UTF-16 code unit, as the server (Java) compares text.
    return a < b ? -1 : a > b ? 1 : 0;
  }
  // Mixed or JSON values: by their text.
  const x = stableText(a);
  const y = stableText(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Whether two values are equal (by content for bytes and dates). */
export function sameValue(a: SqlValue, b: SqlValue): boolean {
  if (a === b) {
    return true;
  }
  if (a === null || b === null) {
    return false;
  }
  return compareValues(a, b) === 0;
}

/** A text that identifies a value, for keys: equal values give equal texts. */
export function stableText(v: unknown): string {
  if (v === null || v === undefined) {
    return "n";
  }
  if (typeof v === "bigint" || typeof v === "number") {
    return "#" + v.toString();
  }
  if (typeof v === "string") {
    return "s" + v;
  }
  if (typeof v === "boolean") {
    return v ? "t" : "f";
  }
  if (v instanceof Date) {
    return "#" + v.getTime();
  }
  if (v instanceof Uint8Array) {
    return "b" + Array.from(v, (x) => x.toString(16).padStart(2, "0")).join("");
  }
  return "j" + JSON.stringify(v);
}

function cmp(a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
