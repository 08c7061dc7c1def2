// Owns `npm run flow`: check a flow file and print its version, or diff two flow files before deploying the second.
import { loadFlow } from '../../src/app/flow-file';
import { FlowError } from '../../src/flow/validate-flow';
import { flowVersion } from '../../src/flow/flow-version';
import { CliError, runCli } from '../local/cli-support';
import { diffFlows, formatDiff } from './flow-diff';

const USAGE = 'usage: npm run flow -- check <flow.json> | diff <old.json> <new.json>   (a file of "default" is the bundled hotline)';

/** `default` names the bundled hotline, so a change can be compared with what ships. */
const load = (file: string) => (file === 'default' ? loadFlow() : loadFlow(file));

function main(args: readonly string[]): number {
  const [command, ...files] = args;
  try {
    if (command === 'check' && files.length === 1 && files[0]) {
      const flow = load(files[0]);
      const schedules = Object.keys(flow.schedules);
      process.stdout.write(
        `${files[0]}: valid, version ${flowVersion(flow)} (${Object.keys(flow.menus).length} menus${schedules.length > 0 ? `, schedules ${schedules.join(', ')}` : ''})\n`,
      );
      return 0;
    }
    if (command === 'diff' && files.length === 2 && files[0] && files[1]) {
      process.stdout.write(`${formatDiff(diffFlows(load(files[0]), load(files[1])))}\n`);
      return 0;
    }
  } catch (error) {
    // Every problem of the flow, each with its path: the same report the app gives at start-up.
    if (error instanceof FlowError) throw new CliError(error.message);
    throw error;
  }
  throw new CliError(USAGE);
}

runCli(() => Promise.resolve().then(() => main(process.argv.slice(2))));
