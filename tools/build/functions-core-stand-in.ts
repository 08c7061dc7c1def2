// Owns loading a published entry as the Functions Node worker does: it provides @azure/functions-core (here a
// stand-in that keeps what the app registers), then requires the file package.json's `main` names.
import Module from 'node:module';

export type RegisteredHandler = (trigger: unknown, context: unknown) => Promise<unknown>;

export interface RegisteredFunction {
  readonly metadata: { readonly name: string; readonly bindings: Readonly<Record<string, Readonly<Record<string, unknown>>>> };
  readonly handler: RegisteredHandler;
}

/** Requires `entry` with the stand-in in place and returns the functions it registered, by name. */
export function loadAsTheWorker(entry: string): Map<string, RegisteredFunction> {
  const registered = new Map<string, RegisteredFunction>();
  const functionsCore = {
    setProgrammingModel: () => undefined,
    getProgrammingModel: () => undefined,
    registerFunction: (metadata: RegisteredFunction['metadata'], handler: RegisteredHandler) => {
      registered.set(metadata.name, { metadata, handler });
      return { dispose: () => undefined };
    },
    // index.ts flushes telemetry in an appTerminate hook.
    registerHook: () => ({ dispose: () => undefined }),
    // Its presence tells @azure/functions the host is recent enough for HTTP streaming.
    log: () => undefined,
  };
  const loader = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
  const resolve = loader._resolveFilename;
  loader._resolveFilename = (request, ...rest) => (request === '@azure/functions-core' ? request : resolve.call(Module, request, ...rest));
  const core = new Module('@azure/functions-core');
  core.exports = functionsCore;
  core.loaded = true;
  const load = Module.createRequire(entry);
  load.cache['@azure/functions-core'] = core;
  load(entry);
  return registered;
}
