// The guard that makes every stack test a conformance test: a request the ACS spec refuses fails the stack's stop().
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { describe, expect, inject, it } from 'vitest';
import { HOTLINE_NUMBER, startLocalStack } from '../../tools/local/local-stack';
import { waitFor } from '../support/stack';

describe('a request the ACS spec refuses', () => {
  it('is refused by the emulator with the field named, and fails the stack when it stops', async () => {
    // Stands for an SDK or adapter change that puts a field on the wire the api-version does not have.
    const addUnknownField: PipelinePolicy = {
      name: 'addUnknownField',
      sendRequest: (request, next) => {
        if (request.url.includes(':recognize') && typeof request.body === 'string') {
          const body = JSON.parse(request.body) as { recognizeOptions: Record<string, unknown> };
          body.recognizeOptions['speechModel'] = 'latest';
          request.body = JSON.stringify(body);
        }
        return next(request);
      },
    };
    const stack = await startLocalStack({
      tablesConnectionString: inject('tablesConnectionString'),
      timeScale: 0.02,
      overrides: { acsPolicies: [{ policy: addUnknownField, position: 'perCall' }] },
    });
    let stopped = false;
    try {
      const call = await stack.emulator.caller.dial({ from: '+14255550188', to: HOTLINE_NUMBER });
      const refused = () => stack.emulator.requests.filter((r) => r.callConnectionId === call.callConnectionId && r.refusedBySpec !== undefined);
      await waitFor(() => refused().length > 0, 'the refused recognize');
      expect(refused()[0]).toMatchObject({ status: 400, errorCode: '8523', refusedBySpec: expect.stringContaining('recognizeOptions.speechModel') as string });
      stopped = true;
      await expect(stack.stop()).rejects.toThrow(/The app sent \d+ request\(s\) that ACS would refuse:\nPOST \/calling\/callConnections\/[^:]+:recognize\?api-version=2026-03-12: .*recognizeOptions\.speechModel/);
    } finally {
      if (!stopped) await stack.stop().catch(() => undefined);
    }
  });
});
