// Owns the privacy check of a local run: phone numbers, tokens and keys in anything the app logged, tracked or stored.
import type { TableClient, TableEntityResult } from '@azure/data-tables';

export interface Leak {
  /** Where it was found, e.g. `log[12]`, `telemetry[3].callerPseudonym`, `row incoming|abc/claim.at`. */
  readonly where: string;
  readonly kind: 'phoneNumber' | 'jwt' | 'functionKey' | 'accountKey' | 'callbackSignature' | 'secret';
  /** The match with its middle masked, so the report itself does not leak it. */
  readonly sample: string;
}

const PATTERNS: ReadonlyArray<readonly [Leak['kind'], RegExp]> = [
  // E.164 and bare numbers of 10 to 15 digits standing alone: not inside a word, a hex id or a GUID group (whose last
  // 12 characters are all digits one time in 300). The exact numbers of a run are also passed as secrets.
  ['phoneNumber', /(?<![\w-])\+?\d{10,15}(?![\w-])/g],
  ['jwt', /eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g],
  ['functionKey', /[?&]code=[^&\s"]+/g],
  ['accountKey', /(?:AccountKey|accesskey|SharedAccessKey)=[^;\s"]+/gi],
  // The per-call value of a callback URL (src/adapters/acs/callback-binding.ts): only ACS and the trigger may see it.
  ['callbackSignature', /[?&]sig=[\w-]{16,}/g],
];

const mask = (text: string) => (text.length <= 6 ? '***' : `${text.slice(0, 3)}***${text.slice(-2)}`);

/**
 * Looks for the patterns above and for exact secrets in any text. Secrets are indexed once, so a scan costs the same
 * whether a run had ten callers or ten thousand: numbers by their digits (every form of a number shares them), other
 * word-like secrets (keys, signatures) by length, and only the rest (few) by substring search.
 */
export class PrivacyScanner {
  private readonly numbers = new Set<string>();
  private readonly numberLengths = new Set<number>();
  private readonly words = new Map<number, Set<string>>();
  private readonly others: string[] = [];

  constructor(secrets: readonly string[] = []) {
    for (const secret of secrets) {
      if (secret.length < 6) continue;
      const digits = /^(?:4:)?\+?(\d+)$/.exec(secret)?.[1];
      if (digits !== undefined) {
        this.numbers.add(digits);
        this.numberLengths.add(digits.length);
      } else if (/^[\w-]+$/.test(secret)) {
        let sameLength = this.words.get(secret.length);
        if (!sameLength) this.words.set(secret.length, (sameLength = new Set()));
        sameLength.add(secret);
      } else {
        this.others.push(secret);
      }
    }
  }

  scan(where: string, text: string): Leak[] {
    const leaks: Leak[] = [];
    for (const [kind, pattern] of PATTERNS) {
      for (const match of text.matchAll(pattern)) leaks.push({ where, kind, sample: mask(match[0]) });
    }
    const secret = (value: string) => {
      leaks.push({ where, kind: 'secret', sample: mask(value) });
      return true;
    };
    if (this.numbers.size > 0) for (const [run] of text.matchAll(/\d{6,}/g)) windows(run, this.numberLengths, (part) => this.numbers.has(part) && secret(part));
    if (this.words.size > 0) {
      for (const [run] of text.matchAll(/[\w-]{6,}/g)) windows(run, this.words.keys(), (part) => this.words.get(part.length)?.has(part) === true && secret(part));
    }
    for (const other of this.others) if (text.includes(other)) secret(other);
    return leaks;
  }
}

/** Calls `found` with every substring of `run` whose length is one of `lengths`, until it returns true. */
function windows(run: string, lengths: Iterable<number>, found: (part: string) => boolean): void {
  for (const length of lengths) {
    for (let start = 0; start + length <= run.length; start++) if (found(run.slice(start, start + length))) return;
  }
}

/** Finds leaks in one text; `secrets` are exact values that must never appear (keys, the numbers of the run). */
export function leaksIn(where: string, text: string, secrets: readonly string[] | PrivacyScanner = []): Leak[] {
  return (secrets instanceof PrivacyScanner ? secrets : new PrivacyScanner(secrets)).scan(where, text);
}

/** The forms a number takes on the wire and in text: E.164, digits only, and the ACS raw id. */
export const numberForms = (e164: string): string[] => [e164, e164.replace(/^\+/, ''), `4:${e164}`];

/** Every property of every row, keys included, as `row <pk>/<rk>.<property>`. */
export async function leaksInTable(table: TableClient, secrets: readonly string[] | PrivacyScanner = []): Promise<Leak[]> {
  const rows: TableEntityResult<Record<string, unknown>>[] = [];
  for await (const row of table.listEntities()) rows.push(row);
  return leaksInRows(rows, secrets);
}

/** The same over rows already read (a caller that needs them for more than this reads the table once). */
export function leaksInRows(rows: Iterable<TableEntityResult<Record<string, unknown>>>, secrets: readonly string[] | PrivacyScanner = []): Leak[] {
  const scanner = secrets instanceof PrivacyScanner ? secrets : new PrivacyScanner(secrets);
  const leaks: Leak[] = [];
  for (const row of rows) {
    const where = `row ${String(row.partitionKey)}/${String(row.rowKey)}`;
    leaks.push(...scanner.scan(`${where} (keys)`, `${String(row.partitionKey)} ${String(row.rowKey)}`));
    for (const [name, value] of Object.entries(row)) {
      if (name === 'etag' || name === 'timestamp' || name === 'partitionKey' || name === 'rowKey') continue;
      leaks.push(...scanner.scan(`${where}.${name}`, typeof value === 'string' ? value : JSON.stringify(value)));
    }
  }
  return leaks;
}
