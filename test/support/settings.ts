// Owns the smallest set of app settings that loadSettings accepts, for tests that need a valid one to vary.
const key = Buffer.alloc(32, 7).toString('base64');

/** Local-style settings (connection strings, JWT callback auth); nothing they name is contacted. */
export const minimalSettings = {
  ACS_CONNECTION_STRING: `endpoint=http://127.0.0.1:4001/;accesskey=${key}`,
  CALLBACK_BASE_URL: 'http://127.0.0.1:7071/',
  COGNITIVE_SERVICES_ENDPOINT: 'https://example-ai.cognitiveservices.azure.com/',
  TABLES_CONNECTION_STRING: 'UseDevelopmentStorage=true',
  OPERATOR_PHONE_NUMBER: '+14255550100',
  PSEUDONYM_KEY: key,
  CALLBACK_SIGNING_KEY: Buffer.alloc(32, 9).toString('base64'),
  ACS_CALLBACK_AUDIENCE: '00000000-0000-0000-0000-000000000001',
} as const;
