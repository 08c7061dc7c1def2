// Every resource body in infra/**/*.bicep checked against the resource types of Azure/bicep-types-az, vendored
// for exactly the (type, API version) pairs the Bicep pins; and the check does catch the mistakes it claims to.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllBicep, parseBicepFile, type ResourceDeclaration, resources } from './support/bicep';
import { loadVendoredTypes, TypeChecker } from './support/bicep-types';

const vendored = loadVendoredTypes();
const checker = new TypeChecker(vendored);
let all: ResourceDeclaration[] = [];

beforeAll(async () => {
  all = (await parseAllBicep()).flatMap((file) => resources(file));
});

/** Problems the checker finds in the resources of a Bicep snippet. */
async function problemsIn(bicep: string): Promise<string[]> {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'bicep-types-')), 'planted.bicep');
  writeFileSync(file, bicep);
  return resources(await parseBicepFile(file)).flatMap((resource) => checker.check(resource));
}

describe('vendored bicep-types-az entries', () => {
  it('name their source: repository, commit and the file of each resource type', () => {
    expect(vendored.source.repository).toBe('https://github.com/Azure/bicep-types-az');
    expect(vendored.source.commit).toMatch(/^[0-9a-f]{40}$/);
    for (const [pair, entry] of Object.entries(vendored.resources)) {
      const [type = '', version = ''] = pair.split('@');
      expect(entry.path, pair).toMatch(new RegExp(`^generated/[\\w-]+/${type.split('/')[0]?.toLowerCase() ?? ''}/${version}/types\\.json$`));
      expect(entry.types[String(entry.root)]?.name, pair).toBe(pair);
    }
  });

  it('hold exactly the pairs the Bicep pins, no more', () => {
    const pinned = [...new Set(all.map((resource) => `${resource.type}@${resource.apiVersion}`))].sort();
    expect(Object.keys(vendored.resources).sort()).toEqual(pinned);
  });
});

describe('resource bodies', () => {
  it('every declaration matches its resource type', () => {
    expect(all.length).toBeGreaterThan(20);
    const problems = all.flatMap((resource) => checker.check(resource).map((problem) => `${resource.file.rel}:${resource.symbol}: ${problem}`));
    expect(problems).toEqual([]);
  });
});

describe('the check catches planted mistakes', () => {
  const storage = (properties: string) =>
    `resource st 'Microsoft.Storage/storageAccounts@2024-01-01' = {\n  name: 'sthotline'\n  location: 'x'\n  kind: 'StorageV2'\n  sku: { name: 'Standard_LRS' }\n  properties: {\n${properties}\n  }\n}\n`;

  it('a misspelt property name', async () => {
    expect(await problemsIn(storage('    allowSharedKeyAcess: false'))).toEqual([expect.stringMatching(/^properties\.allowSharedKeyAcess: no such property/)]);
  });

  it('a value outside a closed set', async () => {
    expect(await problemsIn(storage("    accessTier: 'Cool'"))).toEqual([]);
    expect(await problemsIn(storage("    accessTier: 'Warm'"))).toEqual(["properties.accessTier: 'Warm' is not one of 'Hot', 'Cool', 'Premium', 'Cold'"]);
  });

  it('a read-only property set', async () => {
    expect(await problemsIn(storage("    provisioningState: 'Succeeded'"))).toEqual(['properties.provisioningState: read-only, it cannot be set']);
  });

  it('a required property missing', async () => {
    const missing = await problemsIn("resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {\n  name: 'plan'\n}\n");
    expect(missing).toContain('location: required, missing');
  });

  it('a literal of the wrong kind', async () => {
    expect(await problemsIn(storage("    allowBlobPublicAccess: 'false'"))).toEqual([expect.stringMatching(/^properties\.allowBlobPublicAccess: a string where the type wants a boolean/)]);
  });
});
