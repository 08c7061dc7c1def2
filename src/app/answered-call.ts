// Owns the first state of an answered call, whoever starts it: the answer's response, or a callback that beat it.
import { newCallState, type CallState } from '../domain/call-state';
import { newNonce } from './call-nonce';
import type { IncomingCallClaim } from './ports';

/** The caller as the claim recorded them, on the flow version the call starts on. */
export function answeredCallState(
  callConnectionId: string,
  claim: Pick<IncomingCallClaim, 'correlationId' | 'callerPseudonym' | 'callerSealed'>,
  start: { readonly language: string; readonly flowVersion: string },
): CallState {
  const { correlationId, callerPseudonym, callerSealed } = claim;
  return newCallState({ callConnectionId, correlationId, callerPseudonym, callerSealed, language: start.language, flowVersion: start.flowVersion, nonce: newNonce() });
}
