// Rewrites of a subscription's statement for resuming, as the Java client does (SubscribeSql).

const FROM_SEQ = "from_seq";
const LAST_ROWS = "last_rows";

interface Token {
  text: string;
  start: number;
  end: number;
}

/** Whether the statement is a live SELECT with LIMIT: a window that cannot resume. */
export function isWindow(sql: string): boolean {
  const s = sql.replace(/'(?:[^']|'')*'/g, "''");
  return /^\s*(?:EXECUTE\s+AS\s+USER\s+'[^']*'\s*\(\s*)?SELECT\b/i.test(s) && /\bLIMIT\b/i.test(s);
}

/** The statement resuming after `seq`: OPTIONS with `from_seq = seq`, without `last_rows`. */
export function resumingAfter(sql: string, seq: bigint): string {
  return withOptions(sql, [FROM_SEQ, LAST_ROWS], `${FROM_SEQ} = ${seq}`);
}

/** The statement taking a new snapshot: its OPTIONS without `from_seq`. */
export function snapshotting(sql: string): string {
  return withOptions(sql, [FROM_SEQ], null);
}

/** The table a SUBSCRIBE TO or live SELECT reads (`ns.t`), or null. */
export function tableOf(sql: string): string | null {
  const tokens = tokenize(sql);
  for (let i = 0; i + 1 < tokens.length; i++) {
    const t = tokens[i]!.text.toUpperCase();
    if (t === "FROM" || (t === "TO" && i > 0 && tokens[i - 1]!.text.toUpperCase() === "SUBSCRIBE")) {
      return tokens[i + 1]!.text;
    }
  }
  return null;
}

function withOptions(sql: string, drop: string[], add: string | null): string {
  const tokens = tokenize(sql);
  let end = tokens.length;
  while (end > 0 && tokens[end - 1]!.text === ";") {
    end--;
  }
  if (end === 0) {
    return sql;
  }
  const bodyEnd = tokens[end - 1]!.end;
  let optionsStart = -1;
  let options: string[] = [];
  if (tokens[end - 1]!.text === ")") {
    const open = matchingOpen(tokens, end - 1);
    if (open > 0 && tokens[open - 1]!.text.toUpperCase() === "OPTIONS") {
      optionsStart = tokens[open - 1]!.start;
      options = split(sql, tokens, open, end - 1);
    }
  }
  const kept = options.filter((o) => !drop.includes(o.split("=")[0]!.trim().toLowerCase()));
  if (add !== null) {
    kept.push(add);
  }
  const head = sql.substring(0, optionsStart >= 0 ? optionsStart : bodyEnd).trimEnd();
  return kept.length === 0 ? head : `${head} OPTIONS (${kept.join(", ")})`;
}

function matchingOpen(tokens: Token[], close: number): number {
  let depth = 0;
  for (let i = close; i >= 0; i--) {
    if (tokens[i]!.text === ")") {
      depth++;
    } else if (tokens[i]!.text === "(") {
      depth--;
      if (depth === 0) {
        return i;
      }
    }
  }
  return -1;
}

function split(sql: string, tokens: Token[], open: number, close: number): string[] {
  const entries: string[] = [];
  let depth = 0;
  let from = tokens[open]!.end;
  for (let i = open + 1; i < close; i++) {
    const t = tokens[i]!;
    if (t.text === "(") {
      depth++;
    } else if (t.text === ")") {
      depth--;
    } else if (t.text === "," && depth === 0) {
      entries.push(sql.substring(from, t.start).trim());
      from = t.end;
    }
  }
  entries.push(sql.substring(from, tokens[close]!.start).trim());
  return entries.filter((e) => e.length > 0);
}

/** Words, quoted literals and names, and single punctuation characters; no whitespace or comments. */
function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  const n = sql.length;
  let i = 0;
  while (i < n) {
    const c = sql[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === "-" && sql[i + 1] === "-") {
      const nl = sql.indexOf("\n", i);
      i = nl < 0 ? n : nl + 1;
    } else if (c === "/" && sql[i + 1] === "*") {
      const close = sql.indexOf("*/", i + 2);
      i = close < 0 ? n : close + 2;
    } else if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < n) {
        if (sql[j] === c) {
          if (sql[j + 1] === c) {
            j += 2;
            continue;
          }
          break;
        }
        j++;
      }
      const end = Math.min(j + 1, n);
      tokens.push({ text: sql.substring(i, end), start: i, end });
      i = end;
    } else if (/[\p{L}\p{N}_$.]/u.test(c)) {
      let j = i + 1;
      while (j < n && /[\p{L}\p{N}_$.]/u.test(sql[j]!)) {
        j++;
      }
      tokens.push({ text: sql.substring(i, j), start: i, end: j });
      i = j;
    } else {
      tokens.push({ text: c, start: i, end: i + 1 });
      i++;
    }
  }
  return tokens;
}
