/**
 * RFC 8601 Authentication-Results, parsed by its grammar rather than searched with patterns: a comment that says
 * "spf=pass", or an address whose local part is `spf=pass`, is a comment and an address here, never a result.
 *
 * ```
 * authres-payload = [CFWS] authserv-id [CFWS authres-version] (no-result / 1*resinfo) [CFWS]
 * no-result       = [CFWS] ";" [CFWS] "none"
 * resinfo         = [CFWS] ";" methodspec [CFWS reasonspec] [CFWS 1*propspec]
 * methodspec      = [CFWS] method [[CFWS] "/" [CFWS] version] [CFWS] "=" [CFWS] result
 * reasonspec      = "reason" [CFWS] "=" [CFWS] value
 * propspec        = ptype [CFWS] "." [CFWS] property [CFWS] "=" pvalue
 * pvalue          = [CFWS] (value / [[local-part] "@"] domain-name) [CFWS]
 * ```
 * `value` is an RFC 2045 token or a quoted string; CFWS is white space and (nested) comments, which are dropped.
 */

/** One property of a result, `header.d=example.com`: ptype and property lowercased, the value as written. */
export interface AuthProperty {
  ptype: string;
  property: string;
  value: string;
}

/** One result of one method: `dkim=pass header.d=example.com`. Method and result are lowercased. */
export interface AuthResult {
  method: string;
  methodVersion?: number;
  result: string;
  reason?: string;
  properties: AuthProperty[];
}

/** A whole Authentication-Results field: who wrote it and what it found (`none` gives no results). */
export interface AuthenticationResults {
  /** The authentication service (usually the receiving server's host name), lowercased. */
  authservId: string;
  version?: number;
  results: AuthResult[];
}

/** Parsed, or why not. */
export type ParsedAuthenticationResults = { ok: true; value: AuthenticationResults } | { ok: false; error: string };

/** RFC 2045 tspecials and space: with control characters, what ends a token. */
const TSPECIALS = new Set([...'()<>@,;:\\"/[]?= ']);
const endsToken = (c: string): boolean => TSPECIALS.has(c) || /\s/.test(c) || c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f;
/** RFC 5321 Ldh-str (with `_`, which some servers use in property names). */
const KEYWORD = /^[A-Za-z0-9][A-Za-z0-9_-]*/;

class Syntax extends Error {}

/** A cursor over one field value. */
class Scanner {
  private i = 0;
  constructor(private readonly s: string) {}

  /** Where the cursor is, to come back to it. */
  get pos(): number {
    return this.i;
  }

  set pos(at: number) {
    this.i = at;
  }

  get done(): boolean {
    return this.i >= this.s.length;
  }

  rest(): string {
    return this.s.slice(this.i);
  }

  peek(): string {
    return this.s[this.i] ?? '';
  }

  fail(what: string): never {
    throw new Syntax(`${what} at character ${this.i + 1}`);
  }

  /** Skips white space (folds included) and comments, which may nest and hold quoted pairs. */
  cfws(): void {
    for (;;) {
      while (/\s/.test(this.peek()) && !this.done) this.i++;
      if (this.peek() !== '(') return;
      let depth = 0;
      do {
        const c = this.s[this.i++];
        if (c === undefined) this.fail('unclosed comment');
        if (c === '\\') this.i++;
        else if (c === '(') depth++;
        else if (c === ')') depth--;
      } while (depth > 0);
    }
  }

  eat(c: string): boolean {
    if (this.peek() !== c) return false;
    this.i++;
    return true;
  }

  expect(c: string, what: string): void {
    if (!this.eat(c)) this.fail(`expected "${c}" ${what}`);
  }

  keyword(what: string): string {
    const m = KEYWORD.exec(this.rest());
    if (!m) this.fail(`expected ${what}`);
    this.i += m[0].length;
    return m[0].toLowerCase();
  }

  digits(): number | undefined {
    const m = /^\d+/.exec(this.rest());
    if (!m) return undefined;
    this.i += m[0].length;
    return Number(m[0]);
  }

  quoted(): string {
    this.expect('"', 'to open a quoted string');
    let out = '';
    for (;;) {
      const c = this.s[this.i++];
      if (c === undefined) this.fail('unclosed quoted string');
      if (c === '"') return out;
      if (c === '\\') {
        const next = this.s[this.i++];
        if (next === undefined) this.fail('unclosed quoted string');
        out += next;
      } else out += c;
    }
  }

  /** An RFC 2045 value: a token or a quoted string. */
  value(what: string): string {
    if (this.peek() === '"') return this.quoted();
    const start = this.i;
    while (!this.done && !endsToken(this.peek())) this.i++;
    if (this.i === start) this.fail(`expected ${what}`);
    return this.s.slice(start, this.i);
  }

  /**
   * A property value: a value, or an address or domain. Read up to white space, a comment or ";", with quoted parts
   * unquoted, so `spf=pass@attacker.example` (a local part may hold "=") stays one value.
   */
  pvalue(): string {
    let out = '';
    let any = false;
    while (!this.done && !/[\s;(]/.test(this.peek())) {
      if (this.peek() === '"') out += this.quoted();
      else if (this.peek() === ')') this.fail('unbalanced ")"');
      else out += this.s[this.i++];
      any = true;
    }
    if (!any) this.fail('expected a property value');
    return out;
  }
}

/** Whether the scanner stands before ";" or the end (after CFWS), without moving it past the CFWS. */
function atResinfoEnd(sc: Scanner): boolean {
  return sc.done || sc.peek() === ';';
}

/** Reads the `none` of "no results" when it stands alone before ";" or the end; else leaves the cursor. */
function isNone(sc: Scanner): boolean {
  const start = sc.pos;
  if (/^none$/i.test(KEYWORD.exec(sc.rest())?.[0] ?? '')) {
    sc.keyword('none');
    sc.cfws();
    if (atResinfoEnd(sc)) return true;
  }
  sc.pos = start;
  return false;
}

function resinfo(sc: Scanner): AuthResult {
  const method = sc.keyword('a method name');
  sc.cfws();
  let methodVersion: number | undefined;
  if (sc.eat('/')) {
    sc.cfws();
    methodVersion = sc.digits();
    if (methodVersion === undefined) sc.fail(`expected a version after "${method}/"`);
    sc.cfws();
  }
  sc.expect('=', `after the method "${method}"`);
  sc.cfws();
  const result: AuthResult = { method, ...(methodVersion !== undefined ? { methodVersion } : {}), result: sc.keyword(`a result for ${method}`), properties: [] };
  for (;;) {
    sc.cfws();
    if (atResinfoEnd(sc)) return result;
    const word = sc.keyword('a property, reason or ";"');
    sc.cfws();
    if (sc.eat('.')) {
      sc.cfws();
      const property = sc.keyword(`a property name after "${word}."`);
      sc.cfws();
      sc.expect('=', `after "${word}.${property}"`);
      sc.cfws();
      result.properties.push({ ptype: word, property, value: sc.pvalue() });
    } else if (sc.eat('=')) {
      sc.cfws();
      // `reason=` is the standard's; other bare `key=value` pairs (Microsoft's `action=none`) are read and dropped,
      // since they are no property of the result and nothing here decides on them.
      const v = word === 'reason' ? sc.value('a reason') : sc.pvalue();
      if (word === 'reason') result.reason = v;
    } else sc.fail(`expected "." or "=" after "${word}"`);
  }
}

/** Parses one Authentication-Results field value (after the colon, unfolded or not). */
export function parseAuthenticationResults(text: string): ParsedAuthenticationResults {
  const sc = new Scanner(text);
  try {
    sc.cfws();
    const authservId = sc.value('an authserv-id').toLowerCase();
    sc.cfws();
    const version = sc.digits();
    sc.cfws();
    const results: AuthResult[] = [];
    if (sc.done) sc.fail('expected ";" and results (or "none")');
    while (!sc.done) {
      sc.expect(';', 'before each result');
      sc.cfws();
      if (sc.done) break; // a trailing ";", which some servers write
      if (isNone(sc)) {
        if (results.length > 0 || !sc.done) sc.fail('"none" together with results');
        break;
      }
      results.push(resinfo(sc));
    }
    return { ok: true, value: { authservId, ...(version !== undefined ? { version } : {}), results } };
  } catch (err) {
    if (err instanceof Syntax) return { ok: false, error: err.message };
    throw err;
  }
}

/**
 * The value of one property of a result (`header.d`), or undefined when it is absent or given twice with different
 * values (an ambiguous result is no result).
 */
export function propertyOf(result: AuthResult, name: string): string | undefined {
  const [ptype, property] = name.toLowerCase().split('.');
  const values = result.properties.filter((p) => p.ptype === ptype && p.property === property).map((p) => p.value);
  return new Set(values.map((v) => v.toLowerCase())).size === 1 ? values[0] : undefined;
}
