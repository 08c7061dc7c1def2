// Owns the flow versions the hotline has served, in the call-state table: one row per version, written once, read by
// every instance, so a call goes on with the flow it started on after a deploy, on any instance, cold or warm.
import { odata, type TableClient, type TableEntity } from '@azure/data-tables';
import type { FlowVersionStorage, StoredVersion } from '../../app/ports';
import { statusOf } from '../rest-errors';
import { deleteIfPresent } from './storage-failure';

const VERSION_ROW = 'flow';
const versionPartition = (version: string) => `flow|${version}`;
/** A string property holds at most 32K characters; an entity at most 1 MiB, of which 15 such parts use 960 KiB. */
const PART_CHARS = 32_000;
const MAX_PARTS = 15;
const OPERATION_TIMEOUT_MS = 2_000;
const SCAN_TIMEOUT_MS = 5 * 60_000;

/** A flow too large for its version row: far beyond any hotline's menus. */
export class FlowTooLarge extends Error {
  constructor(version: string, length: number) {
    super(`flow version ${version} is ${length} characters, more than the ${PART_CHARS * MAX_PARTS} a version row holds`);
    this.name = 'FlowTooLarge';
  }
}

type VersionEntity = { servedAt: string; parts: number } & Record<string, string | number>;

export class FlowVersionStore implements FlowVersionStorage {
  constructor(private readonly table: TableClient) {}

  /**
   * Upsert: the content is fixed by the version (its hash), so writing it again changes nothing but `servedAt`, which
   * keeps retention from retiring a version an instance still serves.
   */
  async save(version: string, content: string, servedAt: string): Promise<void> {
    const parts = Math.ceil(content.length / PART_CHARS);
    if (parts > MAX_PARTS) throw new FlowTooLarge(version, content.length);
    const entity: TableEntity<VersionEntity> = { partitionKey: versionPartition(version), rowKey: VERSION_ROW, servedAt, parts };
    for (let i = 0; i < parts; i++) entity[`part${i}`] = content.slice(i * PART_CHARS, (i + 1) * PART_CHARS);
    await this.table.upsertEntity(entity, 'Replace', this.options());
  }

  /** The stored content of a version, or undefined when no row has it (never stored, or retired). */
  async load(version: string): Promise<string | undefined> {
    try {
      const entity = await this.table.getEntity<VersionEntity>(versionPartition(version), VERSION_ROW, this.options());
      return Array.from({ length: Number(entity.parts) }, (_, i) => String(entity[`part${i}`] ?? '')).join('');
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  async list(): Promise<StoredVersion[]> {
    const found: StoredVersion[] = [];
    const rows = this.table.listEntities<{ servedAt: string }>({
      queryOptions: { filter: odata`RowKey eq ${VERSION_ROW}`, select: ['PartitionKey', 'servedAt'] },
      abortSignal: AbortSignal.timeout(SCAN_TIMEOUT_MS),
    });
    for await (const row of rows) found.push({ version: (row.partitionKey ?? '').slice('flow|'.length), servedAt: row.servedAt });
    return found;
  }

  /** Versions named by any call's state row still in the table. */
  async inUse(): Promise<Set<string>> {
    const used = new Set<string>();
    const rows = this.table.listEntities<{ flowVersion?: string }>({
      queryOptions: { filter: odata`RowKey eq ${'state'}`, select: ['flowVersion'] },
      abortSignal: AbortSignal.timeout(SCAN_TIMEOUT_MS),
    });
    for await (const row of rows) if (row.flowVersion) used.add(row.flowVersion);
    return used;
  }

  delete(version: string): Promise<void> {
    return deleteIfPresent(this.table, versionPartition(version), VERSION_ROW, this.options().abortSignal);
  }

  private options() {
    return { abortSignal: AbortSignal.timeout(OPERATION_TIMEOUT_MS) };
  }
}
