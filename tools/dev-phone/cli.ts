// Runs the whole hotline locally with the dev phone in front of it: `npm run dev-phone`, then open the printed URL.
import { loadFlow } from '../../src/app/flow-file';
import { FlowError } from '../../src/flow/validate-flow';
import { startLocalStack } from '../local/local-stack';
import { startDevPhone } from './index';

/** The flow's problems for the terminal too, not only on the page: undefined when the flow is fine. */
function flowProblems(flowFile: string | undefined): string | undefined {
  try {
    loadFlow(flowFile);
    return undefined;
  } catch (error) {
    if (!(error instanceof FlowError)) throw error;
    return error.message;
  }
}

async function main(): Promise<void> {
  // The same setting the app reads, so the page draws the flow the hotline runs.
  const flowFile = process.env['HOTLINE_FLOW_FILE'] || undefined;
  const port = process.env['DEV_PHONE_PORT'];
  const stack = await startLocalStack({ runTimers: true, ...(flowFile === undefined ? {} : { settings: { HOTLINE_FLOW_FILE: flowFile } }) });
  const phone = await startDevPhone({ emulatorUrl: stack.emulator.url, hostUrl: stack.host.url, flowFile, port: port === undefined ? undefined : Number(port) });
  const problems = flowProblems(flowFile);
  if (problems === undefined) console.log(`Dev phone: ${phone.url}`);
  else console.log(`${problems}\nThe hotline cannot take calls until they are fixed; the dev phone lists them too: ${phone.url}`);
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void phone
      .close()
      .then(() => stack.stop())
      .then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
