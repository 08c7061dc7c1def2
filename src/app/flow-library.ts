// Owns which flow each call runs on: the current one, or the version the call started on, read once from the store
// and kept. Stores the current version before the first call starts on it, and again hourly so retention keeps it.
import { positionExists } from '../domain/missing-flow';
import type { CallState } from '../domain/call-state';
import type { Flow } from '../flow/flow-schema';
import { canonicalJson } from '../flow/flow-version';
import { parseFlow } from '../flow/validate-flow';
import { describeError } from '../describe-error';
import type { Clock, FlowVersionStorage, Log } from './ports';

/** An instance says again that it serves its version this often, well inside any retention period. */
const RESTORE_EVERY_MS = 3_600_000;
/** Versions kept in memory besides the current one: a deploy or two of calls still running. */
const MAX_CACHED = 8;

export type FlowLookup = { readonly kind: 'found'; readonly flow: Flow } | { readonly kind: 'missing'; readonly version: string | undefined };

export interface RetiredVersions {
  readonly retired: readonly string[];
}

export class FlowLibrary {
  private readonly cache = new Map<string, Flow>();
  private stored: { promise: Promise<void>; at: number } | undefined;

  constructor(
    readonly current: Flow,
    readonly currentVersion: string,
    private readonly store: FlowVersionStorage,
    private readonly clock: Clock,
  ) {}

  /** Resolves once the current version is in the store; a failed write is tried again by the next call. */
  ensureCurrentStored(): Promise<void> {
    const now = this.clock.now().getTime();
    if (this.stored && now - this.stored.at < RESTORE_EVERY_MS) return this.stored.promise;
    const promise = this.store.save(this.currentVersion, canonicalJson(this.current), new Date(now).toISOString());
    const entry = { promise, at: now };
    this.stored = entry;
    promise.catch(() => {
      if (this.stored === entry) this.stored = undefined;
    });
    return promise;
  }

  /** The flow a call runs on. A row from before versions goes on with the current flow where its position still exists. */
  async flowFor(state: CallState, log: Log): Promise<FlowLookup> {
    const version = state.flowVersion;
    if (version === undefined) return positionExists(this.current, state.phase) ? { kind: 'found', flow: this.current } : { kind: 'missing', version };
    return this.flowOfVersion(version, log);
  }

  /** A version's flow: the current one, one kept in memory, or read from the store and checked under this deploy's rules. */
  async flowOfVersion(version: string, log: Log): Promise<FlowLookup> {
    if (version === this.currentVersion) return { kind: 'found', flow: this.current };
    const cached = this.cache.get(version);
    if (cached) return { kind: 'found', flow: cached };
    const content = await this.store.load(version);
    if (content === undefined) return { kind: 'missing', version };
    let json: unknown;
    try {
      json = JSON.parse(content);
    } catch {
      log.error('stored flow version is not JSON', { flowVersion: version });
      return { kind: 'missing', version };
    }
    // Checked again under this deploy's rules: a version this code cannot run safely is as good as missing.
    const parsed = parseFlow(json);
    if (!parsed.ok) {
      log.error('stored flow version does not pass this deploy\'s validation', { flowVersion: version, problems: parsed.problems.slice(0, 5) });
      return { kind: 'missing', version };
    }
    if (this.cache.size >= MAX_CACHED) this.cache.delete(this.cache.keys().next().value ?? '');
    this.cache.set(version, parsed.flow);
    return { kind: 'found', flow: parsed.flow };
  }

  /**
   * Deletes versions no call row names that no instance has announced since `servedBefore`: every live call's row names
   * its version, and every running instance re-announces its own hourly, so neither loses a version it needs.
   */
  async retireUnused(servedBefore: string): Promise<RetiredVersions> {
    const [stored, inUse] = await Promise.all([this.store.list(), this.store.inUse()]);
    const retired = stored
      .filter(({ version, servedAt }) => version !== this.currentVersion && !inUse.has(version) && servedAt < servedBefore)
      .map(({ version }) => version);
    for (const version of retired) await this.store.delete(version);
    return { retired };
  }
}

/** Resolves to whether the current version is stored; a failure is logged, and the next call tries again. */
export function storeCurrentVersion(flows: FlowLibrary, log: Log): Promise<boolean> {
  return flows.ensureCurrentStored().then(
    () => true,
    (error: unknown) => {
      log.warn('could not store the current flow version; calls after a deploy may not find it', { flowVersion: flows.currentVersion, error: describeError(error) });
      return false;
    },
  );
}
