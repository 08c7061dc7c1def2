// Owns every setting the app reads: parsed from the environment once, all problems reported together.
import * as z from './zod-mini';

/** A phone number in E.164 form: `+`, a country code, at most 15 digits. */
export const E164 = /^\+[1-9]\d{6,14}$/;
const e164 = z.string().check(z.regex(E164));
const httpUrl = z.url({ protocol: /^https?$/ });
/** An empty setting counts as unset. */
const optional = <T extends z.ZodMiniType>(schema: T) =>
  z.pipe(z.transform((value: unknown) => (value === '' ? undefined : value)), z.optional(schema));
const secretKey = z.string().check(z.refine((value) => Buffer.from(value, 'base64').length >= 32));
const whole = (min: number, max: number) => z.coerce.number().check(z.int(), z.minimum(min), z.maximum(max));

const rawSettings = z.object({
  ACS_CONNECTION_STRING: optional(z.string().check(z.regex(/^endpoint=https?:\/\/[^;]+;accesskey=[^;]+$/i))),
  ACS_ENDPOINT: optional(httpUrl),
  CALLBACK_BASE_URL: httpUrl,
  COGNITIVE_SERVICES_ENDPOINT: httpUrl,
  TABLES_CONNECTION_STRING: optional(z.string().check(z.minLength(1))),
  TABLES_ENDPOINT: optional(httpUrl),
  CALL_STATE_TABLE_NAME: optional(z.string().check(z.regex(/^[A-Za-z][A-Za-z0-9]{2,62}$/))),
  OPERATOR_PHONE_NUMBER: e164,
  HOTLINE_PHONE_NUMBER: optional(e164),
  HOTLINE_FLOW_FILE: optional(z.string().check(z.minLength(1))),
  PSEUDONYM_KEY: secretKey,
  CALLBACK_SIGNING_KEY: secretKey,
  CALLBACK_AUTH: optional(z.enum(['jwt', 'disabled'])),
  ACS_CALLBACK_AUDIENCE: optional(z.string().check(z.minLength(1))),
  ACS_OPENID_CONFIGURATION_URL: optional(httpUrl),
  ACS_CALLBACK_ISSUER: optional(z.string().check(z.minLength(1))),
  APPLICATIONINSIGHTS_CONNECTION_STRING: optional(z.string().check(z.regex(/(^|;)\s*InstrumentationKey=[^;]+/i))),
  // The App Service convention for Entra ID ingestion, e.g. ClientId=<guid>;Authorization=AAD (the identity's client id).
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: optional(
    z.string().check(
      z.regex(/^(?=(?:.*;)?\s*Authorization=AAD\s*(?:;|$))(?:\s*(?:Authorization=AAD|ClientId=[0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12})\s*(?:;|$))+$/i),
    ),
  ),
  WATCHDOG_STALL_SECONDS: optional(whole(5, 3600)),
  QUEUES_CONNECTION_STRING: optional(z.string().check(z.minLength(1))),
  QUEUES_ENDPOINT: optional(httpUrl),
  OUTBOUND_QUEUE_NAME: optional(z.string().check(z.regex(/^[a-z0-9](?!.*--)[a-z0-9-]{1,48}[a-z0-9]$/, 'must be 3-50 lower-case letters, digits or single hyphens'))),
  OUTBOUND_CALLS_PER_SECOND: optional(z.coerce.number().check(z.minimum(0.1), z.maximum(50))),
  OUTBOUND_RETRY_SPACING_SECONDS: optional(whole(1, 7 * 24 * 3600)),
  CALL_RETENTION_HOURS: optional(whole(1, 24 * 90)),
});
type SettingName = keyof typeof rawSettings.shape;

/** What each setting must be, in words: a problem names the setting and this, never a schema library's jargon. */
const EXPECTED: { readonly [Name in SettingName]: string } = {
  ACS_CONNECTION_STRING: 'an ACS connection string: endpoint=https://...;accesskey=...',
  ACS_ENDPOINT: 'the ACS endpoint, an http(s) URL such as https://<acs>.communication.azure.com',
  CALLBACK_BASE_URL: "the function app's public base URL, an http(s) URL such as https://<app>.azurewebsites.net",
  COGNITIVE_SERVICES_ENDPOINT: 'the Azure AI services endpoint, an http(s) URL such as https://<name>.cognitiveservices.azure.com',
  TABLES_CONNECTION_STRING: 'a Table Storage connection string, such as UseDevelopmentStorage=true',
  TABLES_ENDPOINT: 'the table endpoint, an http(s) URL such as https://<account>.table.core.windows.net',
  CALL_STATE_TABLE_NAME: 'a table name: 3-63 letters or digits, starting with a letter',
  OPERATOR_PHONE_NUMBER: 'an E.164 phone number such as +14255550123',
  HOTLINE_PHONE_NUMBER: 'an E.164 phone number such as +14255550123',
  HOTLINE_FLOW_FILE: 'the path of a flow JSON file',
  PSEUDONYM_KEY: 'at least 32 random bytes, base64-encoded (openssl rand -base64 32 makes one)',
  CALLBACK_SIGNING_KEY: 'at least 32 random bytes, base64-encoded, other than PSEUDONYM_KEY (openssl rand -base64 32 makes one)',
  CALLBACK_AUTH: 'jwt or disabled',
  ACS_CALLBACK_AUDIENCE: "the ACS resource's immutable resource id",
  ACS_OPENID_CONFIGURATION_URL: "an http(s) URL of ACS's OpenID configuration",
  ACS_CALLBACK_ISSUER: 'the issuer of ACS callback tokens, such as https://acscallautomation.communication.azure.com',
  APPLICATIONINSIGHTS_CONNECTION_STRING: 'an Application Insights connection string: InstrumentationKey=...;IngestionEndpoint=...',
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD, optionally with ClientId=<client id of a user-assigned identity>',
  WATCHDOG_STALL_SECONDS: 'a whole number of seconds from 5 to 3600',
  CALL_RETENTION_HOURS: 'a whole number of hours from 1 to 2160 (90 days)',
  QUEUES_CONNECTION_STRING: 'a Queue Storage connection string, such as UseDevelopmentStorage=true',
  QUEUES_ENDPOINT: 'the queue endpoint, an http(s) URL such as https://<account>.queue.core.windows.net',
  OUTBOUND_QUEUE_NAME: 'a queue name: 3-50 lower-case letters, digits or single hyphens',
  OUTBOUND_CALLS_PER_SECOND: 'a number of calls per second from 0.1 to 50',
  OUTBOUND_RETRY_SPACING_SECONDS: 'a whole number of seconds from 1 to 604800 (7 days)',
};

/** Every setting the app reads, for the sample settings file and the Bicep to be checked against. */
export const SETTING_NAMES = Object.keys(rawSettings.shape) as SettingName[];

export type CallbackAuthSettings =
  | { readonly mode: 'jwt'; readonly audience: string; readonly issuer: string; readonly openIdConfigurationUrl: string }
  | { readonly mode: 'disabled' };

export interface Settings {
  readonly acs:
    | { readonly kind: 'connectionString'; readonly connectionString: string; readonly endpoint: string }
    | { readonly kind: 'managedIdentity'; readonly endpoint: string };
  readonly callbackBaseUrl: string;
  readonly cognitiveServicesEndpoint: string;
  readonly tables:
    | { readonly kind: 'connectionString'; readonly connectionString: string; readonly tableName: string }
    | { readonly kind: 'managedIdentity'; readonly endpoint: string; readonly tableName: string };
  readonly operatorPhoneNumber: string;
  /** The number callers dial; only used to label telemetry, never required to run. */
  readonly hotlinePhoneNumber: string | undefined;
  readonly flowFile: string | undefined;
  readonly pseudonymKey: Buffer;
  /** Keys the per-call value in each callback URL, which binds a callback to the call it was issued for. */
  readonly callbackSigningKey: Buffer;
  readonly callbackAuth: CallbackAuthSettings;
  /** Unset locally: custom events then go to the log as JSON lines. */
  readonly applicationInsightsConnectionString: string | undefined;
  /** Set when Application Insights refuses keys: the exporter signs in as this managed identity (no client id = system-assigned). */
  readonly applicationInsightsIdentity: { readonly clientId: string | undefined } | undefined;
  /** How long a call may wait for an ACS result before the watchdog steps in; `undefined` = derived from the flow. */
  readonly stallAfterSeconds: number | undefined;
  /** How long the rows of a finished call (and its incoming-call claim) are kept. */
  readonly retentionHours: number;
  /** Outbound calls, when a queue is configured; `undefined` leaves the hotline answering only. */
  readonly outbound: OutboundSettings | undefined;
}

export interface OutboundSettings {
  readonly queue:
    | { readonly kind: 'connectionString'; readonly connectionString: string }
    | { readonly kind: 'managedIdentity'; readonly endpoint: string };
  /** The queue requests wait in; its poison queue is this name with `-poison`. */
  readonly queueName: string;
  /** At most this many createCall requests start per second, across every instance. */
  readonly callsPerSecond: number;
  /** The caller id of every outbound call. */
  readonly callerId: string;
  /** Replaces every campaign's retry spacing: for local runs, where 15 minutes is too long to wait. */
  readonly retrySpacingSeconds: number | undefined;
}

export const ACS_ISSUER = 'https://acscallautomation.communication.azure.com';
export const ACS_OPENID_CONFIGURATION_URL = `${ACS_ISSUER}/calling/.well-known/acsopenidconfiguration`;
export const DEFAULT_TABLE_NAME = 'callstate';
export const DEFAULT_OUTBOUND_QUEUE = 'outbound-calls';
/** One new call a second: a clinic's reminders, well inside ACS's documented createCall limits. */
export const DEFAULT_OUTBOUND_CALLS_PER_SECOND = 1;
/** Long enough to investigate yesterday's complaint, short enough that sealed numbers and inputs do not pile up. */
export const DEFAULT_RETENTION_HOURS = 24;

/** One error naming every setting that is missing or malformed, so a deploy is fixed in one pass. */
export class SettingsError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid settings:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'SettingsError';
  }
}

export function loadSettings(env: Readonly<Record<string, string | undefined>>): Settings {
  const parsed = rawSettings.safeParse(env);
  const set = (name: SettingName) => (env[name] ?? '') !== '';
  // One problem a setting, in the schema's order, whatever zod found wrong with it.
  const malformed = new Set(parsed.success ? [] : parsed.error.issues.map((issue) => issue.path[0] as SettingName));
  const problems = SETTING_NAMES.filter((name) => malformed.has(name)).map(
    (name) => `${name}: ${set(name) ? 'must be' : 'is required:'} ${EXPECTED[name]}`,
  );
  // Checked on the raw values, so they are reported together with the malformed ones, not after them are fixed.
  if (set('ACS_CONNECTION_STRING') === set('ACS_ENDPOINT')) {
    problems.push('ACS_CONNECTION_STRING / ACS_ENDPOINT: set exactly one (a connection string locally, the endpoint with managed identity in Azure)');
  }
  if (set('TABLES_CONNECTION_STRING') === set('TABLES_ENDPOINT')) {
    problems.push('TABLES_CONNECTION_STRING / TABLES_ENDPOINT: set exactly one (UseDevelopmentStorage=true locally, the table endpoint in Azure)');
  }
  const authMode = env['CALLBACK_AUTH'] === 'disabled' ? 'disabled' : 'jwt';
  if (authMode === 'jwt' && !set('ACS_CALLBACK_AUDIENCE')) {
    problems.push(`ACS_CALLBACK_AUDIENCE: is required while CALLBACK_AUTH is jwt: ${EXPECTED.ACS_CALLBACK_AUDIENCE}`);
  }
  if (set('QUEUES_CONNECTION_STRING') && set('QUEUES_ENDPOINT')) {
    problems.push('QUEUES_CONNECTION_STRING / QUEUES_ENDPOINT: set at most one (a connection string locally, the queue endpoint in Azure)');
  }
  const outboundOn = set('QUEUES_CONNECTION_STRING') || set('QUEUES_ENDPOINT');
  if (outboundOn && !set('HOTLINE_PHONE_NUMBER')) problems.push('HOTLINE_PHONE_NUMBER: is required for outbound calls (it is their caller id)');
  // One leaked key must not give away the other: pseudonyms are analytics data, callback signatures are credentials.
  if (set('CALLBACK_SIGNING_KEY') && !malformed.has('CALLBACK_SIGNING_KEY') && env['CALLBACK_SIGNING_KEY'] === env['PSEUDONYM_KEY']) {
    problems.push('CALLBACK_SIGNING_KEY: must differ from PSEUDONYM_KEY (generate its own 32 random bytes)');
  }
  if (!parsed.success || problems.length > 0) throw new SettingsError(problems);
  const raw = parsed.data;

  const tableName = raw.CALL_STATE_TABLE_NAME ?? DEFAULT_TABLE_NAME;
  return {
    acs: raw.ACS_CONNECTION_STRING
      ? {
          kind: 'connectionString',
          connectionString: raw.ACS_CONNECTION_STRING,
          endpoint: /endpoint=([^;]+)/i.exec(raw.ACS_CONNECTION_STRING)?.[1] ?? '',
        }
      : { kind: 'managedIdentity', endpoint: raw.ACS_ENDPOINT ?? '' },
    callbackBaseUrl: raw.CALLBACK_BASE_URL.replace(/\/+$/, ''),
    cognitiveServicesEndpoint: raw.COGNITIVE_SERVICES_ENDPOINT,
    tables: raw.TABLES_CONNECTION_STRING
      ? { kind: 'connectionString', connectionString: raw.TABLES_CONNECTION_STRING, tableName }
      : { kind: 'managedIdentity', endpoint: raw.TABLES_ENDPOINT ?? '', tableName },
    operatorPhoneNumber: raw.OPERATOR_PHONE_NUMBER,
    hotlinePhoneNumber: raw.HOTLINE_PHONE_NUMBER,
    flowFile: raw.HOTLINE_FLOW_FILE,
    pseudonymKey: Buffer.from(raw.PSEUDONYM_KEY, 'base64'),
    callbackSigningKey: Buffer.from(raw.CALLBACK_SIGNING_KEY, 'base64'),
    callbackAuth:
      authMode === 'jwt'
        ? {
            mode: 'jwt',
            audience: raw.ACS_CALLBACK_AUDIENCE ?? '',
            issuer: raw.ACS_CALLBACK_ISSUER ?? ACS_ISSUER,
            openIdConfigurationUrl: raw.ACS_OPENID_CONFIGURATION_URL ?? ACS_OPENID_CONFIGURATION_URL,
          }
        : { mode: 'disabled' },
    applicationInsightsConnectionString: raw.APPLICATIONINSIGHTS_CONNECTION_STRING,
    applicationInsightsIdentity: raw.APPLICATIONINSIGHTS_AUTHENTICATION_STRING
      ? { clientId: /(?:^|;)\s*ClientId=([^;\s]+)/i.exec(raw.APPLICATIONINSIGHTS_AUTHENTICATION_STRING)?.[1] }
      : undefined,
    stallAfterSeconds: raw.WATCHDOG_STALL_SECONDS,
    retentionHours: raw.CALL_RETENTION_HOURS ?? DEFAULT_RETENTION_HOURS,
    outbound: outboundOn
      ? {
          queue: raw.QUEUES_CONNECTION_STRING
            ? { kind: 'connectionString', connectionString: raw.QUEUES_CONNECTION_STRING }
            : { kind: 'managedIdentity', endpoint: raw.QUEUES_ENDPOINT ?? '' },
          queueName: raw.OUTBOUND_QUEUE_NAME ?? DEFAULT_OUTBOUND_QUEUE,
          callsPerSecond: raw.OUTBOUND_CALLS_PER_SECOND ?? DEFAULT_OUTBOUND_CALLS_PER_SECOND,
          callerId: raw.HOTLINE_PHONE_NUMBER ?? '',
          retrySpacingSeconds: raw.OUTBOUND_RETRY_SPACING_SECONDS,
        }
      : undefined,
  };
}
