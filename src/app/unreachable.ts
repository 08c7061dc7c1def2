// Owns the shell's `never` check: a switch over a port's result that meets a kind it does not know fails loudly.
export function unreachable(value: never, what: string): never {
  throw new Error(`Unknown ${what} ${JSON.stringify(value)}`);
}
