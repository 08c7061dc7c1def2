// Owns loading a published entry as the Functions Node worker does: it provides @azure/functions-core (here a
// stand-in that keeps what the app and its packages register), then requires the file package.json's `main` names.
import Module from 'node:module';

export type RegisteredHandler = (trigger: unknown, context: unknown) => Promise<unknown>;

export interface RegisteredFunction {
  readonly metadata: { readonly name: string; readonly bindings: Readonly<Record<string, Readonly<Record<string, unknown>>>> };
  readonly handler: RegisteredHandler;
}

/** What the worker hands a preInvocation hook; a hook may replace `functionCallback` (the distro binds its context). */
interface PreInvocationContext {
  readonly hookData: Record<string, unknown>;
  readonly appHookData: Record<string, unknown>;
  readonly invocationContext: InvocationContext;
  functionCallback: (...args: unknown[]) => unknown;
  inputs: unknown[];
}

type HookCallback = (context: unknown) => unknown;

/** The parts of the v4 InvocationContext the app and the Azure Monitor distro read. */
export interface InvocationContext {
  readonly invocationId: string;
  readonly functionName: string;
  /** W3C trace context of the host's request span, as `@azure/functions` passes it on. */
  readonly traceContext: { readonly traceParent: string; readonly traceState: string; readonly attributes: Record<string, string> };
  readonly log: (...args: unknown[]) => void;
  readonly trace: (...args: unknown[]) => void;
  readonly debug: (...args: unknown[]) => void;
  readonly info: (...args: unknown[]) => void;
  readonly warn: (...args: unknown[]) => void;
  readonly error: (...args: unknown[]) => void;
}

export interface WorkerApp {
  /** The functions the entry registered, by name. */
  readonly functions: Map<string, RegisteredFunction>;
  /** The names of the hooks registered so far (the app's appTerminate, the distro's preInvocation), in order. */
  readonly hooks: () => string[];
  /** Resolves once a hook of that name is registered: the distro registers preInvocation when it starts. */
  readonly hookRegistered: (name: string) => Promise<void>;
  /** Runs one invocation as the worker does: every preInvocation hook, then the callback they leave. */
  readonly invoke: (name: string, input: unknown, invocation: { readonly invocationId: string; readonly traceParent: string }) => Promise<{ readonly result: unknown; readonly log: string[] }>;
  /** Runs the appTerminate hooks, as the worker does before the host stops it. */
  readonly terminate: () => Promise<void>;
}

/** Requires `entry` with the stand-in in place, and runs invocations and hooks on it as the worker would. */
export function startAsTheWorker(entry: string): WorkerApp {
  const functions = new Map<string, RegisteredFunction>();
  const hooks: Array<{ readonly name: string; readonly callback: HookCallback; disposed: boolean }> = [];
  const waiting: Array<{ readonly name: string; readonly resolve: () => void }> = [];
  const functionsCore = {
    setProgrammingModel: () => undefined,
    getProgrammingModel: () => undefined,
    registerFunction: (metadata: RegisteredFunction['metadata'], handler: RegisteredHandler) => {
      functions.set(metadata.name, { metadata, handler });
      return { dispose: () => functions.delete(metadata.name) };
    },
    registerHook: (name: string, callback: HookCallback) => {
      const hook = { name, callback, disposed: false };
      hooks.push(hook);
      for (const waiter of waiting.filter((each) => each.name === name)) waiter.resolve();
      return { dispose: () => (hook.disposed = true) };
    },
    // Its presence tells @azure/functions the host is recent enough for HTTP streaming.
    log: () => undefined,
  };
  // The worker intercepts require itself (its setupCoreModule), so a package's own require, or one made with
  // createRequire, gets the module as long as the call reaches Module.prototype.require.
  const proto = Module.prototype as unknown as { require: (id: string) => unknown };
  proto.require = new Proxy(proto.require, {
    apply: (target, self, args: [string]) => (args[0] === '@azure/functions-core' ? functionsCore : Reflect.apply(target, self, args)),
  });
  Module.createRequire(entry)(entry);

  const live = (name: string) => hooks.filter((hook) => hook.name === name && !hook.disposed);
  return {
    functions,
    hooks: () => hooks.filter((hook) => !hook.disposed).map((hook) => hook.name),
    hookRegistered: (name) => (live(name).length > 0 ? Promise.resolve() : new Promise((resolve) => waiting.push({ name, resolve }))),
    invoke: async (name, input, { invocationId, traceParent }) => {
      const registered = functions.get(name);
      if (!registered) throw new Error(`${entry} registered no function ${name} (it registered: ${[...functions.keys()].join(', ')})`);
      const log: string[] = [];
      const write = (...args: unknown[]) => void log.push(args.map(String).join(' '));
      const invocationContext: InvocationContext = {
        invocationId,
        functionName: name,
        traceContext: { traceParent, traceState: '', attributes: {} },
        log: write,
        trace: write,
        debug: write,
        info: write,
        warn: write,
        error: write,
      };
      const context: PreInvocationContext = { hookData: {}, appHookData: {}, invocationContext, functionCallback: registered.handler, inputs: [input] };
      for (const hook of live('preInvocation')) await hook.callback(context);
      const result = await context.functionCallback(...context.inputs, invocationContext);
      return { result, log };
    },
    terminate: async () => {
      for (const hook of live('appTerminate')) await hook.callback({ hookData: {}, appHookData: {} });
    },
  };
}
