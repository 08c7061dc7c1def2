// Placeholder global setup so vitest.config.ts can load on this branch; the real one (Azurite start-up) lands from another branch.
export default function setup(): () => Promise<void> {
  return async () => {};
}
