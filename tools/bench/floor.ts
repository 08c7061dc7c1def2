// Owns the floor: the same Table and ACS requests per callback as the hotline, sent by a bare script without app code.
import type { EventGridEvent, HttpRequest, HttpResponseInit } from '@azure/functions';
import { CallAutomationClient, type CallMediaRecognizeChoiceOptions, type DtmfTone, type TextSource } from '@azure/communication-call-automation';
import { createIdentifierFromRawId } from '@azure/communication-common';
import { TableClient, TableTransaction } from '@azure/data-tables';
import type { ExtraPolicy } from '../../src/app/composition-root';
import { CALLBACK_ROUTE } from '../../src/app/routes';
import type { Settings } from '../../src/config';
import type { HotlineFunctions } from '../../src/functions/hotline-functions';
import flow from '../../src/flow/default-flow.json';
import { HOURS_TEXT } from './hours-message';

/** The floor drives the benchmark's one loop: main menu (choices) -> "hours" message -> main menu again. */
const NEXT_ACTION: Readonly<Record<string, 'recognize' | 'play' | 'save'>> = {
  'Microsoft.Communication.CallConnected': 'recognize',
  'Microsoft.Communication.RecognizeCompleted': 'play',
  'Microsoft.Communication.PlayCompleted': 'recognize',
  'Microsoft.Communication.CallDisconnected': 'save',
};

interface FloorState {
  /** The caller's raw id, needed as the Recognize target (synthetic numbers, local Azurite only). */
  caller: string;
  step: number;
}

interface CloudEvent {
  id: string;
  type: string;
  data: { correlationId: string; callConnectionId: string };
}

const voice = flow.voices['en-US'];
const text = (value: string): TextSource => ({ kind: 'textSource', text: value, voiceName: voice, sourceLocale: 'en-US' });
const mainMenu = flow.menus.main;
const hours = text(HOURS_TEXT);
const recognizeOptions = (operationContext: string): CallMediaRecognizeChoiceOptions => ({
  kind: 'callMediaRecognizeChoiceOptions',
  playPrompts: [text(mainMenu.prompt.text['en-US'])],
  initialSilenceTimeoutInSeconds: mainMenu.input.initialSilenceTimeoutSeconds,
  interruptPrompt: true,
  interruptCallMediaOperation: true,
  operationContext,
  speechLanguage: 'en-US',
  choices: mainMenu.input.choices.map((choice) => ({ label: choice.label, phrases: choice.phrases, tone: toneWord(choice.tone) })),
});
/** The main menu's keys as the SDK names tones (its DtmfTone type is wider than the words it accepts). */
const toneWord = (key: string) => (['zero', 'one', 'two', 'three'][Number(key)] ?? 'zero') as DtmfTone;

/** The floor runs against Azurite and the emulator only, so both come as connection strings. */
export function floorFunctions(settings: Settings, storagePolicies: readonly ExtraPolicy[]): HotlineFunctions {
  if (settings.tables.kind !== 'connectionString' || settings.acs.kind !== 'connectionString') throw new Error('the floor needs TABLES_CONNECTION_STRING and ACS_CONNECTION_STRING');
  const retryOptions = { maxRetries: 2, retryDelayInMs: 100, maxRetryDelayInMs: 800 };
  const table = TableClient.fromConnectionString(settings.tables.connectionString, settings.tables.tableName, {
    allowInsecureConnection: true,
    retryOptions,
    additionalPolicies: [...storagePolicies],
  });
  const acs = new CallAutomationClient(settings.acs.connectionString, { allowInsecureConnection: true, retryOptions });
  const callbackUrl = `${settings.callbackBaseUrl}/api/${CALLBACK_ROUTE}`;
  let tableReady: Promise<unknown> | undefined;
  const ready = () => (tableReady ??= table.createTable());

  async function incomingCall(event: EventGridEvent): Promise<void> {
    await ready();
    const data = event.data as { incomingCallContext: string; correlationId: string; from: { rawId: string } };
    await table.createEntity<FloorState>({ partitionKey: data.correlationId, rowKey: 'state', caller: data.from.rawId, step: 0 });
    await acs.answerCall(data.incomingCallContext, callbackUrl, {
      callIntelligenceOptions: { cognitiveServicesEndpoint: settings.cognitiveServicesEndpoint },
    });
  }

  async function apply(event: CloudEvent): Promise<'applied' | 'notActionable'> {
    const action = NEXT_ACTION[event.type];
    if (!action) return 'notActionable';
    const { correlationId, callConnectionId } = event.data;
    const state = await table.getEntity<FloorState>(correlationId, 'state');
    const step = state.step + 1;
    const transaction = new TableTransaction();
    transaction.updateEntity({ partitionKey: correlationId, rowKey: 'state', caller: state.caller, step }, 'Replace', { etag: state.etag ?? '*' });
    transaction.createEntity({ partitionKey: correlationId, rowKey: `evt|${event.id}` });
    await table.submitTransaction(transaction.actions);
    const media = acs.getCallConnection(callConnectionId).getCallMedia();
    if (action === 'recognize') await media.startRecognizing(createIdentifierFromRawId(state.caller), recognizeOptions(`main-menu:1:${step}`));
    if (action === 'play') await media.playToAll([hours], { operationContext: `play:${step}` });
    return 'applied';
  }

  async function callbacks(request: HttpRequest): Promise<HttpResponseInit> {
    const outcomes: string[] = [];
    for (const event of (await request.json()) as CloudEvent[]) outcomes.push(await apply(event));
    return { status: 200, jsonBody: { outcomes } };
  }

  return {
    http: [{ name: 'callbacks', route: CALLBACK_ROUTE, methods: ['POST'], authLevel: 'anonymous', handler: callbacks }],
    eventGrid: [{ name: 'incomingCall', handler: incomingCall }],
    queue: [],
    timer: [],
    warnings: [],
  };
}
