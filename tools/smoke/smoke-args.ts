// Owns the smoke test's command line: what to check, where, and whether to spend a call on it.
import { parseArgs } from 'node:util';

export interface SmokeOptions {
  readonly resourceGroup: string;
  /** Unset: the one hotline environment in the resource group. */
  readonly environment: string | undefined;
  /** Places a real PSTN call from ACS to the hotline number (it is billed) and follows it in Application Insights. */
  readonly call: boolean;
  /** How long to wait for the test call's events to reach Application Insights. */
  readonly callTimeoutSeconds: number;
  /** Prints what would be checked, and how, without calling Azure. */
  readonly dryRun: boolean;
}

export const SMOKE_USAGE = `Usage: npm run smoke -- <resource-group> [options]

Checks a deployed hotline (after phase 2 of scripts/deploy.sh) with the signed-in Azure CLI:
the functions are registered, the IncomingCall Event Grid subscription is active, every app setting
resolves (Key Vault references included), and a callback without a token is refused with 401.

Options:
  --environment <name>        The environment to check (default: the one in the resource group).
  --call                      Also place a test call from ACS to the hotline number and follow it
                              through Application Insights. It is a real, billed phone call.
  --call-timeout <seconds>    How long to wait for the call's events (default 300; ingestion is slow).
  --dry-run                   Print the checks and the commands behind them; call nothing.
  -h, --help                  Show this help.`;

export type ParsedSmokeArgs = { readonly kind: 'help' } | { readonly kind: 'run'; readonly options: SmokeOptions } | { readonly kind: 'error'; readonly message: string };

export function parseSmokeArgs(argv: readonly string[]): ParsedSmokeArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        environment: { type: 'string' },
        call: { type: 'boolean', default: false },
        'call-timeout': { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    return { kind: 'error', message: error instanceof Error ? error.message : String(error) };
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: 'help' };
  if (positionals.length === 0) return { kind: 'error', message: 'the resource group is required' };
  if (positionals.length > 1) return { kind: 'error', message: `one resource group only, got: ${positionals.join(' ')}` };
  const [resourceGroup = ''] = positionals;
  // Azure's rule for resource group names.
  if (!/^[-\w.()]{1,90}$/.test(resourceGroup) || resourceGroup.endsWith('.')) return { kind: 'error', message: `'${resourceGroup}' is not a resource group name` };
  if (values.environment !== undefined && !/^[A-Za-z0-9-]{2,12}$/.test(values.environment)) {
    return { kind: 'error', message: `--environment '${values.environment}' must be 2-12 letters, digits or hyphens (as in infra/main.bicep)` };
  }
  let callTimeoutSeconds = 300;
  if (values['call-timeout'] !== undefined) {
    if (!values.call) return { kind: 'error', message: '--call-timeout only applies with --call' };
    callTimeoutSeconds = Number(values['call-timeout']);
    if (!Number.isInteger(callTimeoutSeconds) || callTimeoutSeconds < 30 || callTimeoutSeconds > 1800) {
      return { kind: 'error', message: `--call-timeout must be whole seconds from 30 to 1800, got '${values['call-timeout']}'` };
    }
  }
  return { kind: 'run', options: { resourceGroup, environment: values.environment, call: values.call, callTimeoutSeconds, dryRun: values['dry-run'] } };
}
