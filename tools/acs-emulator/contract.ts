// Owns the ACS contract: the vendored Call Automation OpenAPI (spec/), compiled once per process, judging requests, replies and events.
import { readdirSync, readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { safeDecode } from './http-io.js';

/** The ACS error body (common.json CommunicationErrorResponse); `target` names the offending field. */
export interface AcsErrorBody {
  error: { code: string; message: string; target?: string };
}

export type RequestVerdict =
  | { ok: true; apiVersion: string; operationId: string; pathParams: Record<string, string>; body: unknown }
  | { ok: false; status: number; body: AcsErrorBody };

export interface IncomingRequest {
  method: string;
  /** The path as received (still URL-encoded), without the query. */
  rawPath: string;
  apiVersion: string | undefined;
  /** Lower-case header names. */
  headers: Record<string, string | undefined>;
  rawBody: string;
}

/** An event or reply of the emulator's own that the spec would refuse: a bug in the emulator, never sent. */
export class ContractViolation extends Error {
  override readonly name = 'ContractViolation';
}

/** What an emitter of events needs from the contract (a seam for tests). */
export interface EventJudge {
  assertEvent(apiVersion: string, type: string, data: Record<string, unknown>): void;
}

/** A validator compiled on first use (or by compile()), then kept. */
type LazyValidator = ValidateFunction & { compile(): void };

interface Parameter {
  name: string;
  in: 'query' | 'header' | 'path' | 'body';
  required: boolean;
  validate: LazyValidator;
}

interface Operation {
  operationId: string;
  method: string;
  template: string;
  pattern: RegExp;
  pathNames: string[];
  parameters: Parameter[];
  /** Status -> validator of the reply body ('default' for errors). */
  responses: Map<string, LazyValidator | undefined>;
}

interface VersionContract {
  apiVersion: string;
  operations: Operation[];
  specId: string;
  /** Event name -> compiled validator of its `data`, filled on first use. */
  events: Map<string, ValidateFunction>;
  definitions: Record<string, unknown>;
}

type Json = Record<string, unknown>;

const SPEC_DIR = new URL('./spec/', import.meta.url);
const SPEC_FILE = 'communicationservicescallautomation.json';
const BASE_ID = 'https://acs-emulator.invalid/spec/';
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];
/**
 * Real events carry `version` (the api-version) and `publicEventType` in `data` (every recorded 2025 event),
 * though the spec's event models, with additionalProperties false, do not list them.
 */
const ENVELOPE_DATA_FIELDS = ['version', 'publicEventType'];
const REPEATABILITY_ID = 'repeatability-request-id';
const REPEATABILITY_FIRST_SENT = 'repeatability-first-sent';
/** HTTP-date in IMF-fixdate form (RFC 7231 7.1.1.1), which the spec's `date-time-rfc1123` means. */
const IMF_FIXDATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;

// ajv-formats is CommonJS with a default export; under Node16 ESM interop TypeScript sees the module object.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

let cached: Contract | undefined;

/** The contract of every vendored api-version; compiled once per process, so starting emulators stays cheap. */
export function loadContract(): Contract {
  cached ??= new Contract();
  return cached;
}

export class Contract implements EventJudge {
  readonly versions: ReadonlyMap<string, VersionContract>;
  private readonly ajv: Ajv;

  constructor() {
    // validateSchema off: checking 350 kB of fixed, checksummed files against the meta-schema costs 200 ms per process;
    // strict mode still refuses any keyword it does not know when a schema is compiled (compileAll() in the tests).
    // strictRequired off: Swagger lets a model require a property its allOf parent defines (WebSocketTranscriptionOptions).
    this.ajv = new Ajv({ validateSchema: false, strict: true, strictTypes: false, strictTuples: false, strictRequired: false, allErrors: false });
    addFormats(this.ajv);
    this.ajv.addFormat('date-time-rfc1123', { type: 'string', validate: (text) => IMF_FIXDATE.test(text) && !Number.isNaN(Date.parse(text)) });
    // Swagger 2.0 and AutoRest annotations: they describe generated clients, not what the wire accepts.
    this.ajv.addVocabulary(['discriminator', 'x-ms-enum', 'x-ms-discriminator-value', 'x-ms-client-name']);

    const versions = new Map<string, VersionContract>();
    for (const file of specFiles()) {
      const json = JSON.parse(readFileSync(new URL(file, SPEC_DIR), 'utf8')) as Json;
      // Only the schema parts: the rest of a Swagger document is not JSON Schema. The $id keeps relative $refs working.
      this.ajv.addSchema({ $id: BASE_ID + file, definitions: json['definitions'] ?? {} });
      if (!file.endsWith(SPEC_FILE)) continue;
      const info = json['info'] as { version: string };
      versions.set(info.version, {
        apiVersion: info.version,
        operations: this.operationsOf(json, BASE_ID + file),
        specId: BASE_ID + file,
        events: new Map(),
        definitions: json['definitions'] as Record<string, unknown>,
      });
    }
    this.versions = versions;
  }

  get apiVersions(): string[] {
    return [...this.versions.keys()];
  }

  /** The newest stable api-version: the one Event Grid's IncomingCall (which carries none) is judged by. */
  get stableVersion(): string {
    const stable = this.apiVersions.filter((v) => !v.endsWith('-preview')).sort();
    const newest = stable[stable.length - 1];
    if (newest === undefined) throw new ContractViolation('no stable api-version is vendored');
    return newest;
  }

  /** Judges one REST request as ACS would: api-version, path, method, parameters, headers and body. */
  checkRequest(req: IncomingRequest): RequestVerdict {
    if (req.apiVersion === undefined || req.apiVersion === '') {
      return refuse(400, 'MissingApiVersionParameter', 'The api-version query parameter (?api-version=) is required for all requests.', 'api-version');
    }
    const version = this.versions.get(req.apiVersion);
    if (version === undefined) {
      return refuse(
        400,
        'UnsupportedApiVersion',
        `The HTTP resource that matches the request URI '${req.rawPath}' does not support the API version '${req.apiVersion}'. Supported: ${this.apiVersions.join(', ')}.`,
        'api-version',
      );
    }
    const candidates = version.operations.filter((op) => op.pattern.test(req.rawPath));
    if (candidates.length === 0) return refuse(404, 'NotFound', `No route for ${req.method} ${req.rawPath}.`);
    const operation = candidates.find((op) => op.method === req.method);
    if (operation === undefined) {
      return refuse(405, 'MethodNotAllowed', `${req.method} is not allowed on ${req.rawPath}; the API has ${candidates.map((op) => op.method).join(', ')}.`);
    }

    const match = operation.pattern.exec(req.rawPath)?.slice(1) ?? [];
    const pathParams = Object.fromEntries(operation.pathNames.map((name, index) => [name, safeDecode(match[index] ?? '')]));
    let body: unknown;
    for (const param of operation.parameters) {
      const value = param.in === 'path' ? pathParams[param.name] : param.in === 'header' ? req.headers[param.name.toLowerCase()] : undefined;
      if (param.in === 'query') continue; // api-version, checked above; the API has no other query parameter
      if (param.in === 'body') {
        if (req.rawBody.trim() === '') {
          if (param.required) return invalid(`Invalid request body: the body (${param.name}) is required.`, '(body)');
          continue;
        }
        try {
          body = JSON.parse(req.rawBody) as unknown;
        } catch {
          return invalid('Invalid request body: the body is not valid JSON.', '(body)');
        }
        if (!param.validate(body)) return invalid(...describe('Invalid request body', param.validate.errors, version.apiVersion));
        continue;
      }
      if (value === undefined || value === '') {
        if (param.required) return invalid(`Missing required ${param.in} parameter ${param.name}.`, param.name);
        continue;
      }
      const shown = JSON.stringify(value); // before validate(), whose type guard narrows `value` to never
      if (!param.validate(value)) {
        return invalid(`Invalid ${param.in} parameter ${param.name}: ${shown} ${param.validate.errors?.[0]?.message ?? 'is invalid'}.`, param.name);
      }
    }
    // The spec's own words: "If Repeatability-Request-ID header is specified, then Repeatability-First-Sent header must also be specified."
    const declares = (name: string): boolean => operation.parameters.some((p) => p.name.toLowerCase() === name);
    if (declares(REPEATABILITY_ID) && declares(REPEATABILITY_FIRST_SENT) && req.headers[REPEATABILITY_ID] !== undefined && req.headers[REPEATABILITY_FIRST_SENT] === undefined) {
      return invalid('Missing header Repeatability-First-Sent: it must accompany Repeatability-Request-ID.', 'Repeatability-First-Sent');
    }
    return { ok: true, apiVersion: version.apiVersion, operationId: operation.operationId, pathParams, body };
  }

  /** Compiles every operation and every definition of every version now (the emulator compiles on first use); returns how many. */
  compileAll(): number {
    let count = 0;
    for (const version of this.versions.values()) {
      for (const operation of version.operations) {
        for (const param of operation.parameters) param.validate.compile();
        for (const validate of operation.responses.values()) validate?.compile();
        count += 1;
      }
      for (const name of Object.keys(version.definitions)) {
        this.ajv.compile({ $ref: `${version.specId}#/definitions/${name}` });
        count += 1;
      }
    }
    return count;
  }

  /** Throws ContractViolation when the emulator's reply to `operationId` is not what the spec promises. */
  assertReply(apiVersion: string, operationId: string, status: number, body: unknown): void {
    const version = this.version(apiVersion);
    const operation = version.operations.find((op) => op.operationId === operationId);
    if (operation === undefined) throw new ContractViolation(`${operationId} is not an operation of api-version ${apiVersion}`);
    const declared = operation.responses.has(String(status));
    if (status < 400 && !declared) {
      throw new ContractViolation(`${operationId} answered ${status}; the spec (${apiVersion}) allows ${[...operation.responses.keys()].join(', ')}`);
    }
    const validate = operation.responses.get(declared ? String(status) : 'default');
    if (validate === undefined) return;
    if (!validate(body)) {
      throw new ContractViolation(`${operationId} ${status} reply does not conform to ${apiVersion}: ${describe('body', validate.errors, apiVersion)[0]}`);
    }
  }

  /** Throws ContractViolation when a callback's `data` would not validate against the spec's model of that event. */
  assertEvent(apiVersion: string, type: string, data: Json): void {
    const validate = this.eventValidator(apiVersion, type);
    const specData = Object.fromEntries(Object.entries(data).filter(([key]) => !ENVELOPE_DATA_FIELDS.includes(key)));
    if (!validate(specData)) {
      throw new ContractViolation(`${type} would not validate against api-version ${apiVersion}: ${describe('data', validate.errors, apiVersion)[0]}`);
    }
  }

  private eventValidator(apiVersion: string, type: string): ValidateFunction {
    const version = this.version(apiVersion);
    const known = version.events.get(type);
    if (known !== undefined) return known;
    if (!Object.hasOwn(version.definitions, type)) throw new ContractViolation(`${type} is not an event of api-version ${apiVersion}`);
    const validate = this.ajv.compile({ $ref: `${version.specId}#/definitions/${type}` });
    version.events.set(type, validate);
    return validate;
  }

  private version(apiVersion: string): VersionContract {
    const version = this.versions.get(apiVersion);
    if (version === undefined) throw new ContractViolation(`api-version ${apiVersion} is not vendored (have ${this.apiVersions.join(', ')})`);
    return version;
  }

  private operationsOf(json: Json, specId: string): Operation[] {
    const shared = (json['parameters'] ?? {}) as Record<string, Json>;
    const resolve = (param: Json): Json => {
      const ref = param['$ref'];
      return typeof ref === 'string' ? (shared[ref.replace('#/parameters/', '')] ?? {}) : param;
    };
    // Inline schemas $ref definitions of their own file: anchor each $ref to that file. Compiled on first use
    // (then kept for the process): compiling all ~70 operations of two versions up front costs a second per start.
    const compile = (schema: Json): LazyValidator => {
      let compiled: ValidateFunction | undefined;
      const ready = (): ValidateFunction => (compiled ??= this.ajv.compile(anchorRefs(schema, specId) as Json));
      const validate = ((data: unknown) => {
        const fn = ready();
        const ok = fn(data);
        validate.errors = fn.errors ?? null;
        return ok;
      }) as LazyValidator;
      validate.compile = () => void ready();
      return validate;
    };
    const operations: Operation[] = [];
    for (const [template, item] of Object.entries(json['paths'] as Record<string, Json>)) {
      for (const method of HTTP_METHODS) {
        const op = item[method] as Json | undefined;
        if (op === undefined) continue;
        const params = [...((item['parameters'] ?? []) as Json[]), ...((op['parameters'] ?? []) as Json[])].map(resolve);
        const pathNames = [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] ?? '');
        operations.push({
          operationId: String(op['operationId']),
          method: method.toUpperCase(),
          template,
          pathNames,
          pattern: new RegExp(`^${template.split(/\{[^}]+\}/).map(escapeRegExp).join('([^/:]+)')}$`),
          parameters: params.map((p) => ({
            name: String(p['name']),
            in: p['in'] as Parameter['in'],
            required: p['required'] === true,
            validate: compile(p['in'] === 'body' ? (p['schema'] as Json) : pick(p, ['type', 'format', 'enum', 'minimum', 'maximum', 'pattern', 'minLength', 'maxLength'])),
          })),
          responses: new Map(
            Object.entries(op['responses'] as Record<string, Json>).map(([status, reply]) => [
              status,
              reply['schema'] === undefined ? undefined : compile(reply['schema'] as Json),
            ]),
          ),
        });
      }
    }
    return operations;
  }
}

function specFiles(): string[] {
  return readdirSync(SPEC_DIR, { recursive: true, encoding: 'utf8' })
    .map((file) => file.split('\\').join('/'))
    .filter((file) => file.endsWith('.json'))
    .sort((a, b) => Number(a.endsWith(SPEC_FILE)) - Number(b.endsWith(SPEC_FILE))); // Common first: the specs $ref it
}

function refuse(status: number, code: string, message: string, target?: string): RequestVerdict {
  return { ok: false, status, body: { error: { code, message, ...(target === undefined ? {} : { target }) } } };
}

/** 400/8523, the service's "invalid request body" code (troubleshooting table of Call Automation). */
function invalid(message: string, target: string): RequestVerdict {
  return refuse(400, '8523', message, target);
}

/** `recognizeOptions.dtmfOptions.interToneTimeoutInSeconds: must be integer`: the field first, as the service names it. */
function describe(what: string, errors: ErrorObject[] | null | undefined, apiVersion: string): [string, string] {
  const error = errors?.[0];
  if (error === undefined) return [`${what}: does not conform to api-version ${apiVersion}.`, '(body)'];
  const parts = error.instancePath.split('/').slice(1).map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
  const params = error.params as { additionalProperty?: string; missingProperty?: string; allowedValues?: unknown[] };
  let detail = error.message ?? 'is invalid';
  if (params.additionalProperty !== undefined) {
    parts.push(params.additionalProperty);
    detail = `is not a field of api-version ${apiVersion}`;
  } else if (params.missingProperty !== undefined) {
    parts.push(params.missingProperty);
    detail = 'is required';
  } else if (params.allowedValues !== undefined) {
    detail = `must be one of ${params.allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
  }
  const field = parts.reduce((path, part) => (/^\d+$/.test(part) ? `${path}[${part}]` : path === '' ? part : `${path}.${part}`), '');
  return [`${what}: ${field || '(body)'}: ${detail}.`, field || '(body)'];
}

function anchorRefs(schema: unknown, base: string): unknown {
  if (Array.isArray(schema)) return schema.map((item) => anchorRefs(item, base));
  if (typeof schema !== 'object' || schema === null) return schema;
  return Object.fromEntries(
    Object.entries(schema).map(([key, value]) => [key, key === '$ref' && typeof value === 'string' ? new URL(value, base).href : anchorRefs(value, base)]),
  );
}

function pick(source: Json, keys: string[]): Json {
  return Object.fromEntries(keys.filter((key) => source[key] !== undefined).map((key) => [key, source[key]]));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
