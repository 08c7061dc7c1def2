// Owns what an id from the wire must be before the app keys anything by it: short, and free of what a table key forbids.

/** Table keys forbid `/ \ # ?` and control characters; ids from the wire are checked before use. */
const FORBIDDEN_KEY_CHARACTER = /[/\\#?\p{Cc}]/u;
/**
 * A key holds at most 1 KiB, and the app prefixes wire ids (`evt|`, `incoming|`). ACS's ids are GUIDs (36 characters);
 * a longer one is malformed input to refuse at the edge, never a write that fails with a 500.
 */
const MAX_KEY_CHARS = 255;
export const isSafeKey = (value: string) => value.length > 0 && value.length <= MAX_KEY_CHARS && !FORBIDDEN_KEY_CHARACTER.test(value);
