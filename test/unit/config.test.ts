import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSettings, SETTING_NAMES, SettingsError } from '../../src/config';
import { minimalSettings } from '../support/settings';

const local = minimalSettings;

describe('loadSettings', () => {
  it('reads local settings with defaults for the optional ones', () => {
    const settings = loadSettings(local);
    expect(settings.acs).toEqual({ kind: 'connectionString', connectionString: local.ACS_CONNECTION_STRING, endpoint: 'http://127.0.0.1:4001/' });
    expect(settings.callbackBaseUrl).toBe('http://127.0.0.1:7071');
    expect(settings.tables).toEqual({ kind: 'connectionString', connectionString: 'UseDevelopmentStorage=true', tableName: 'callstate' });
    expect(settings.callbackAuth).toEqual({
      mode: 'jwt',
      audience: local.ACS_CALLBACK_AUDIENCE,
      issuer: 'https://acscallautomation.communication.azure.com',
      openIdConfigurationUrl: 'https://acscallautomation.communication.azure.com/calling/.well-known/acsopenidconfiguration',
    });
  });

  it('reads Azure settings: endpoints with managed identity', () => {
    const { ACS_CONNECTION_STRING: _a, TABLES_CONNECTION_STRING: _t, ...rest } = local;
    const settings = loadSettings({ ...rest, ACS_ENDPOINT: 'https://acs.communication.azure.com', TABLES_ENDPOINT: 'https://st.table.core.windows.net' });
    expect(settings.acs).toEqual({ kind: 'managedIdentity', endpoint: 'https://acs.communication.azure.com' });
    expect(settings.tables).toMatchObject({ kind: 'managedIdentity', endpoint: 'https://st.table.core.windows.net' });
  });

  it('turns callback authentication off only when told to', () => {
    const { ACS_CALLBACK_AUDIENCE: _, ...rest } = local;
    expect(loadSettings({ ...rest, CALLBACK_AUTH: 'disabled' }).callbackAuth).toEqual({ mode: 'disabled' });
  });

  it('names every missing or malformed setting in one error', () => {
    let error: unknown;
    try {
      loadSettings({ ...local, CALLBACK_BASE_URL: 'not a url', OPERATOR_PHONE_NUMBER: '555-0100', PSEUDONYM_KEY: 'c2hvcnQ=', COGNITIVE_SERVICES_ENDPOINT: undefined });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SettingsError);
    expect((error as SettingsError).problems).toEqual([
      expect.stringMatching(/^CALLBACK_BASE_URL: /),
      expect.stringMatching(/^COGNITIVE_SERVICES_ENDPOINT: is required/),
      expect.stringMatching(/^OPERATOR_PHONE_NUMBER: must be an E\.164/),
      expect.stringMatching(/^PSEUDONYM_KEY: must be at least 32 random bytes/),
    ]);
  });

  it.each([
    ['CALL_RETENTION_HOURS', 'abc', 'CALL_RETENTION_HOURS: must be a whole number of hours from 1 to 2160 (90 days)'],
    ['CALL_RETENTION_HOURS', '0', 'CALL_RETENTION_HOURS: must be a whole number of hours from 1 to 2160 (90 days)'],
    ['WATCHDOG_STALL_SECONDS', '2.5', 'WATCHDOG_STALL_SECONDS: must be a whole number of seconds from 5 to 3600'],
    ['CALLBACK_AUTH', 'off', 'CALLBACK_AUTH: must be jwt or disabled'],
    ['CALLBACK_BASE_URL', 'localhost:7071', "CALLBACK_BASE_URL: must be the function app's public base URL, an http(s) URL such as https://<app>.azurewebsites.net"],
    ['ACS_CONNECTION_STRING', 'endpoint=acs', 'ACS_CONNECTION_STRING: must be an ACS connection string: endpoint=https://...;accesskey=...'],
    ['CALL_STATE_TABLE_NAME', 'call-state', 'CALL_STATE_TABLE_NAME: must be a table name: 3-63 letters or digits, starting with a letter'],
    ['HOTLINE_PHONE_NUMBER', '555-0100', 'HOTLINE_PHONE_NUMBER: must be an E.164 phone number such as +14255550123'],
    ['ACS_OPENID_CONFIGURATION_URL', 'ftp://x', "ACS_OPENID_CONFIGURATION_URL: must be an http(s) URL of ACS's OpenID configuration"],
  ])('names %s=%s and the form it must have, in words', (name, value, problem) => {
    expect(() => loadSettings({ ...local, [name]: value })).toThrow(new SettingsError([problem]));
  });

  it('words every problem of every setting without schema jargon or the value (which may be a secret)', () => {
    const bad = Object.fromEntries(SETTING_NAMES.map((name) => [name, 'x y']));
    let problems: readonly string[] = [];
    try {
      loadSettings(bad);
    } catch (error) {
      problems = (error as SettingsError).problems;
    }
    const named = problems.map((problem) => problem.split(':')[0]);
    // The free-form ones (a connection string, a path, an audience, an issuer) take any non-empty value.
    const freeForm: readonly string[] = ['TABLES_CONNECTION_STRING', 'QUEUES_CONNECTION_STRING', 'HOTLINE_FLOW_FILE', 'ACS_CALLBACK_AUDIENCE', 'ACS_CALLBACK_ISSUER'];
    expect(named).toEqual([
      ...SETTING_NAMES.filter((name) => !freeForm.includes(name)),
      'ACS_CONNECTION_STRING / ACS_ENDPOINT',
      'TABLES_CONNECTION_STRING / TABLES_ENDPOINT',
      'QUEUES_CONNECTION_STRING / QUEUES_ENDPOINT',
    ]);
    for (const problem of problems) expect(problem).not.toMatch(/Invalid|expected|received|NaN|x y/);
  });

  it('reports missing settings and the settings that go together in one pass', () => {
    expect(() => loadSettings({})).toThrow(
      new SettingsError([
        "CALLBACK_BASE_URL: is required: the function app's public base URL, an http(s) URL such as https://<app>.azurewebsites.net",
        'COGNITIVE_SERVICES_ENDPOINT: is required: the Azure AI services endpoint, an http(s) URL such as https://<name>.cognitiveservices.azure.com',
        'OPERATOR_PHONE_NUMBER: is required: an E.164 phone number such as +14255550123',
        'PSEUDONYM_KEY: is required: at least 32 random bytes, base64-encoded (openssl rand -base64 32 makes one)',
        'CALLBACK_SIGNING_KEY: is required: at least 32 random bytes, base64-encoded, other than PSEUDONYM_KEY (openssl rand -base64 32 makes one)',
        'ACS_CONNECTION_STRING / ACS_ENDPOINT: set exactly one (a connection string locally, the endpoint with managed identity in Azure)',
        'TABLES_CONNECTION_STRING / TABLES_ENDPOINT: set exactly one (UseDevelopmentStorage=true locally, the table endpoint in Azure)',
        "ACS_CALLBACK_AUDIENCE: is required while CALLBACK_AUTH is jwt: the ACS resource's immutable resource id",
      ]),
    );
  });

  it('refuses a CALLBACK_SIGNING_KEY equal to the PSEUDONYM_KEY (issue 13, item 1)', () => {
    expect(() => loadSettings({ ...local, CALLBACK_SIGNING_KEY: local.PSEUDONYM_KEY })).toThrow(
      new SettingsError(['CALLBACK_SIGNING_KEY: must differ from PSEUDONYM_KEY (generate its own 32 random bytes)']),
    );
  });

  it('requires exactly one way to reach ACS and Table Storage', () => {
    expect(() => loadSettings({ ...local, ACS_ENDPOINT: 'https://acs.communication.azure.com', TABLES_CONNECTION_STRING: undefined })).toThrow(
      /ACS_CONNECTION_STRING \/ ACS_ENDPOINT: set exactly one[\s\S]*TABLES_CONNECTION_STRING \/ TABLES_ENDPOINT: set exactly one/,
    );
  });

  it('requires the audience while callback authentication is on', () => {
    expect(() => loadSettings({ ...local, ACS_CALLBACK_AUDIENCE: '' })).toThrow(/ACS_CALLBACK_AUDIENCE: is required while CALLBACK_AUTH is jwt/);
  });

  it('takes an Application Insights connection string when there is one, and nothing else for it', () => {
    expect(loadSettings(local).applicationInsightsConnectionString).toBeUndefined();
    const connectionString = 'InstrumentationKey=00000000-0000-0000-0000-000000000001;IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/';
    expect(loadSettings({ ...local, APPLICATIONINSIGHTS_CONNECTION_STRING: connectionString }).applicationInsightsConnectionString).toBe(connectionString);
    expect(() => loadSettings({ ...local, APPLICATIONINSIGHTS_CONNECTION_STRING: 'https://westeurope-5.in.applicationinsights.azure.com/' })).toThrow(
      /APPLICATIONINSIGHTS_CONNECTION_STRING: must be an Application Insights connection string/,
    );
  });
});

describe('APPLICATIONINSIGHTS_AUTHENTICATION_STRING', () => {
  const clientId = '0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0';

  it('names the managed identity the exporter signs in as, when Application Insights refuses keys', () => {
    expect(loadSettings(local).applicationInsightsIdentity).toBeUndefined();
    expect(loadSettings({ ...local, APPLICATIONINSIGHTS_AUTHENTICATION_STRING: `ClientId=${clientId};Authorization=AAD` }).applicationInsightsIdentity).toEqual({ clientId });
    expect(loadSettings({ ...local, APPLICATIONINSIGHTS_AUTHENTICATION_STRING: `Authorization=AAD;ClientId=${clientId}` }).applicationInsightsIdentity).toEqual({ clientId });
    expect(loadSettings({ ...local, APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD' }).applicationInsightsIdentity).toEqual({ clientId: undefined });
  });

  it('refuses anything but Entra ID with an optional client id', () => {
    for (const bad of [`ClientId=${clientId}`, 'Authorization=Key', `ClientId=not-a-guid;Authorization=AAD`, `Authorization=AAD;Secret=x`]) {
      expect(() => loadSettings({ ...local, APPLICATIONINSIGHTS_AUTHENTICATION_STRING: bad }), bad).toThrow(/APPLICATIONINSIGHTS_AUTHENTICATION_STRING: must be Authorization=AAD/);
    }
  });
});

describe('local.settings.sample.json', () => {
  const sample = (JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'local.settings.sample.json'), 'utf8')) as { Values: Record<string, string> }).Values;

  it('lists every setting the app reads', () => {
    expect(Object.keys(sample)).toEqual(expect.arrayContaining(SETTING_NAMES));
  });

  it('is a working local configuration as it stands', () => {
    expect(() => loadSettings(sample)).not.toThrow();
  });
});
