// Owns what ACS's errors mean to the shell: throttled, timed out, the call gone, or simply failed.
import type { AcsFailure, ActionResult, AnswerResult, PlaceResult } from '../../app/ports';
import { describeError } from '../../describe-error';
import { codeOf, isTimeout, statusOf } from '../rest-errors';

const failureOf = (error: unknown): AcsFailure => ({ statusCode: statusOf(error), code: codeOf(error), error: describeError(error) });

/** 429 without Retry-After, which the SDK does not retry: ACS did not act on the request. */
const THROTTLED = 429;

export function answerFailure(error: unknown): Exclude<AnswerResult, { kind: 'answered' }> {
  const failure = failureOf(error);
  if (failure.statusCode === THROTTLED) return { kind: 'throttled', ...failure };
  return { kind: isTimeout(error) ? 'timedOut' : 'failed', ...failure };
}

/** 404 (8522): the call or participant is gone; 400/8528: the call was terminated. Either way it is over. */
export function actionFailure(error: unknown): Exclude<ActionResult, { kind: 'done' }> {
  const failure = failureOf(error);
  const { statusCode, code } = failure;
  if (statusCode === 404 || (statusCode === 400 && code === '8528')) return { kind: 'callGone', subCode: Number(code ?? 0), ...failure };
  return { kind: statusCode === THROTTLED ? 'throttled' : 'failed', ...failure };
}

/** A 4xx other than a timeout (408) or throttling is ACS refusing this call for good. */
export function placeFailure(error: unknown): Exclude<PlaceResult, { kind: 'placed' }> {
  const failure = failureOf(error);
  const { statusCode } = failure;
  const refused = statusCode !== undefined && statusCode >= 400 && statusCode < 500 && statusCode !== 408 && statusCode !== THROTTLED;
  return { kind: refused ? 'refused' : 'unavailable', ...failure };
}
