// Owns the privacy check of a local run: phone numbers, tokens and keys in anything the app logged, tracked or stored.
import type { TableClient } from '@azure/data-tables';

export interface Leak {
  /** Where it was found, e.g. `log[12]`, `telemetry[3].callerPseudonym`, `row incoming|abc/claim.at`. */
  readonly where: string;
  readonly kind: 'phoneNumber' | 'jwt' | 'functionKey' | 'accountKey' | 'secret';
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
];

const mask = (text: string) => (text.length <= 6 ? '***' : `${text.slice(0, 3)}***${text.slice(-2)}`);

/** Finds leaks in one text; `secrets` are exact values that must never appear (keys, the numbers of the run). */
export function leaksIn(where: string, text: string, secrets: readonly string[] = []): Leak[] {
  const leaks: Leak[] = [];
  for (const [kind, pattern] of PATTERNS) {
    for (const match of text.matchAll(pattern)) leaks.push({ where, kind, sample: mask(match[0]) });
  }
  for (const secret of secrets) {
    if (secret.length >= 6 && text.includes(secret)) leaks.push({ where, kind: 'secret', sample: mask(secret) });
  }
  return leaks;
}

/** Every property of every row, keys included, as `row <pk>/<rk>.<property>`. */
/** The forms a number takes on the wire and in text: E.164, digits only, and the ACS raw id. */
export const numberForms = (e164: string): string[] => [e164, e164.replace(/^\+/, ''), `4:${e164}`];

export async function leaksInTable(table: TableClient, secrets: readonly string[] = []): Promise<Leak[]> {
  const leaks: Leak[] = [];
  for await (const row of table.listEntities()) {
    const where = `row ${String(row.partitionKey)}/${String(row.rowKey)}`;
    leaks.push(...leaksIn(`${where} (keys)`, `${String(row.partitionKey)} ${String(row.rowKey)}`, secrets));
    for (const [name, value] of Object.entries(row)) {
      if (name === 'etag' || name === 'timestamp' || name === 'partitionKey' || name === 'rowKey') continue;
      leaks.push(...leaksIn(`${where}.${name}`, typeof value === 'string' ? value : JSON.stringify(value), secrets));
    }
  }
  return leaks;
}
