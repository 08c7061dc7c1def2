// Owns the resultInformation triples (code, subCode, message) the emulator reports, copied from acs-wire.md 3.2/3.3.
export interface ResultInformation {
  code: number;
  subCode: number;
  message: string;
}

const result = (code: number, subCode: number, message: string): ResultInformation => ({ code, subCode, message });

export const RESULTS = {
  connected: result(200, 0, ''),
  participantsUpdated: result(200, 0, ''),
  actionCompleted: result(200, 0, 'Action completed successfully.'),
  playInvalidFile: result(400, 8535, 'Action failed, file format is invalid.'),
  // "falied"/"cancelled" is verbatim from the real recording of PlayCanceled.
  playCanceled: result(400, 8508, 'Action falied, the operation was cancelled.'),
  recognizeCanceled: result(400, 8508, 'Action failed, the operation was canceled.'),
  maxDigits: result(200, 8531, 'Action completed, max digits received.'),
  dtmfOptionMatched: result(200, 8533, 'Action completed, DTMF option matched.'),
  speechOptionMatched: result(200, 8545, 'Action completed, speech option matched.'),
  stopTone: result(200, 8514, 'Action completed as stop tone was detected.'),
  speechRecognized: result(200, 8569, 'Action completed, speech was recognized.'),
  interDigitTimeout: result(400, 8532, 'Action failed, inter-digit silence time out reached.'),
  speechNotRecognized: result(400, 8563, 'Action failed, speech could not be recognized.'),
  initialSilence: result(400, 8510, 'Action failed, initial silence time out reached.'),
  promptFailed: result(500, 8511, 'Action failed, encountered failure while trying to play the prompt.'),
  speechOptionNotMatched: result(400, 8547, 'Action failed, recognized phrase does not match a valid option.'),
  incorrectTone: result(500, 8534, 'Action failed, incorrect tone entered.'),
  endedByApi: result(
    200,
    7000,
    'Call was ended by Azure Communication Service Call Automation API or a server bot. DiagCode: 0#7000.@',
  ),
  endedByCaller: result(200, 540000, 'Call ended successfully by local PSTN caller.'),
  transferAccepted: result(200, 7015, 'The transfer operation completed successfully.'),
  // Unconfirmed for the real service (see payloads/synthesized/CallTransferFailed__ILLUSTRATIVE-codes.json).
  transferFailed: result(400, 8539, 'Transfer failed: the transfer target did not accept the call.'),
  // Outbound PSTN failures: the SIP status as the code, 560 + it as the subCode (the troubleshooting codes' convention
  // for outbound PSTN legs). Illustrative: the exact triples ACS sends for each are not published.
  calleeBusy: result(486, 560486, 'Call ended as the callee was busy.'),
  calleeDeclined: result(603, 560603, 'Call declined by the callee.'),
  calleeNoAnswer: result(408, 560408, 'Call ended as the callee did not answer within the ring time.'),
} as const satisfies Record<string, ResultInformation>;
