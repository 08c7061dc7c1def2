// Owns reading a V8 CPU profile of the host process: where its self time went, by function and by package.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTime {
  readonly name: string;
  readonly ms: number;
  readonly share: number;
}

/**
 * Self time of every sample but idle ones, from every .cpuprofile in `dir`. `bundle` is the unminified host script the
 * profile ran: its code is split by the source file esbuild names above each module (`// src/domain/prompts.ts`).
 */
export function summariseProfiles(dir: string, top: number, bundle?: string): { functions: SelfTime[]; packages: SelfTime[]; totalMs: number } {
  const moduleAt = bundle ? moduleLines(bundle) : () => undefined;
  const packageOf = (url: string, functionName: string, line: number) =>
    (bundle && url.endsWith(path.basename(bundle)) ? moduleAt(line) : undefined) ?? packageOfUrl(url, functionName);
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  let totalMs = 0;
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.cpuprofile'))) {
    const profile = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as CpuProfile;
    const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
    profile.samples.forEach((id, index) => {
      const frame = nodes.get(id)?.callFrame;
      if (!frame || frame.functionName === '(idle)') return;
      const ms = (profile.timeDeltas[index] ?? 0) / 1000;
      totalMs += ms;
      const source = frame.url.startsWith('node:') ? frame.url.replace(/^node:(internal\/)?/, '') : path.basename(frame.url);
      const where = frame.url ? `${packageOf(frame.url, '', frame.lineNumber)} ${source}:${frame.lineNumber + 1}` : '';
      const name = `${frame.functionName || '(anonymous)'} ${where}`.trim();
      byFunction.set(name, (byFunction.get(name) ?? 0) + ms);
      const owner = packageOf(frame.url, frame.functionName, frame.lineNumber);
      byPackage.set(owner, (byPackage.get(owner) ?? 0) + ms);
    });
  }
  const ranked = (map: Map<string, number>) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, ms]) => ({ name, ms, share: ms / totalMs }));
  return { functions: ranked(byFunction), packages: ranked(byPackage), totalMs };
}

/** For a 0-based line of an unminified bundle, the project folder of the module it is in (`src/domain`, `tools/local`). */
function moduleLines(bundle: string): (line: number) => string | undefined {
  const starts: Array<{ line: number; folder: string }> = [];
  readFileSync(bundle, 'utf8')
    .split('\n')
    .forEach((text, line) => {
      const file = /^\/\/ ((?:src|tools)\/.+\.(?:ts|json))$/.exec(text)?.[1];
      if (file) starts.push({ line, folder: path.dirname(file) });
    });
  return (line) => {
    let found: string | undefined;
    for (const start of starts) {
      if (start.line > line) break;
      found = start.folder;
    }
    return found;
  };
}

/** node_modules/<package>, node internals, V8 itself, or the bundled app + host code. */
function packageOfUrl(url: string, functionName = ''): string {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*node_modules\/)/.exec(url);
  if (match?.[1] && !url.includes('node_modules/.cache/')) return match[1];
  if (url.startsWith('node:') || (url === '' && functionName !== '' && !functionName.startsWith('('))) return 'node internals';
  if (url === '') return functionName || '(native)';
  return 'app + host (bundled)';
}
