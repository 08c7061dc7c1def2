// A child that dies mid-run says so, with its reason: a 10,000-call soak once ended on a bare "write EPIPE".
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startAzurite, type RunningAzurite } from '../../tools/local/azurite';

let azurite: RunningAzurite | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await azurite?.stop();
  azurite = undefined;
});

describe('Azurite as a child process', () => {
  it('names itself and how it ended when it dies on its own', async () => {
    azurite = await startAzurite();
    const said = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    process.kill(azurite.pid ?? 0, 'SIGKILL');
    await vi.waitFor(() => expect(said).toHaveBeenCalledOnce(), { timeout: 20_000, interval: 20 });
    expect(String(said.mock.calls[0]?.[0])).toMatch(new RegExp(`^Azurite's table service \\(pid ${azurite.pid}\\) exited on SIGKILL`));
  });

  it('says nothing when it is stopped', async () => {
    azurite = await startAzurite();
    const said = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    await azurite.stop();
    azurite = undefined;
    expect(said).not.toHaveBeenCalled();
  });
});
