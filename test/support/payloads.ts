// Loads the payload samples (spec examples, SDK fixtures, real recordings, synthesized) kept under test/fixtures.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

export const PAYLOAD_DIR = path.join(__dirname, '..', 'fixtures', 'payloads');

export const payloadFiles = () => readdirSync(PAYLOAD_DIR).filter((file) => file.endsWith('.json'));

export function payload<T = unknown>(file: string): T {
  return JSON.parse(readFileSync(path.join(PAYLOAD_DIR, file), 'utf8')) as T;
}
