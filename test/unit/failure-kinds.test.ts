// What the adapters make of ACS's and Table Storage's errors, and the cause a failed invocation is reported with.
import { RestError } from '@azure/core-rest-pipeline';
import { describe, expect, it } from 'vitest';
import { actionFailure, answerFailure, placeFailure } from '../../src/adapters/acs/acs-failure';
import { storageFailure, TableMissing } from '../../src/adapters/tables/storage-failure';
import { AcsUnavailable } from '../../src/app/acs-unavailable';
import { CommitConflict } from '../../src/app/commit-conflict';
import { failureCause } from '../../src/functions/failure-cause';

const acsError = (statusCode: number | undefined, code?: string) => Object.assign(new RestError(`ACS said ${statusCode ?? 'nothing'}`, statusCode === undefined ? {} : { statusCode }), code === undefined ? {} : { code });
const timeout = () => new DOMException('The operation was aborted due to timeout', 'TimeoutError');

describe('an ACS answer that did not succeed', () => {
  it.each([
    ['a 429 (not carried out)', acsError(429), 'throttled'],
    ['a timeout (may have landed)', timeout(), 'timedOut'],
    ['a 400', acsError(400), 'failed'],
    ['a 503 after the SDK retried', acsError(503), 'failed'],
  ])('given %s, is %s', (_, error, kind) => {
    expect(answerFailure(error).kind).toBe(kind);
  });

  it('carries the status, the code and a log line, never the error object', () => {
    expect(answerFailure(acsError(403, '7504'))).toEqual({ kind: 'failed', statusCode: 403, code: '7504', error: 'RestError: ACS said 403' });
    expect(answerFailure(timeout())).toMatchObject({ kind: 'timedOut', statusCode: undefined, code: undefined });
  });
});

describe('an ACS action that did not succeed', () => {
  it.each([
    ['a 404 (8522): the call or participant is gone', acsError(404, '8522'), { kind: 'callGone', subCode: 8522 }],
    ['a 400 with 8528: the call was terminated', acsError(400, '8528'), { kind: 'callGone', subCode: 8528 }],
    ['a 400 with another code', acsError(400, '8523'), { kind: 'failed' }],
    ['a 429', acsError(429), { kind: 'throttled' }],
    ['a timeout', timeout(), { kind: 'failed', statusCode: undefined }],
  ])('given %s, is %o', (_, error, expected) => {
    expect(actionFailure(error)).toMatchObject(expected);
  });
});

describe('a createCall that did not succeed', () => {
  it.each([
    [400, 'refused'],
    [403, 'refused'],
    [404, 'refused'],
    [408, 'unavailable'],
    [429, 'unavailable'],
    [500, 'unavailable'],
    [503, 'unavailable'],
    [undefined, 'unavailable'],
  ])('given status %s, is %s', (status, kind) => {
    expect(placeFailure(acsError(status)).kind).toBe(kind);
  });
});

describe('a storage error', () => {
  it.each([
    ['a timeout', timeout(), 'storageTimeout'],
    ['a 503', new RestError('busy', { statusCode: 503 }), 'storageUnavailable'],
    ['a 429', new RestError('throttled', { statusCode: 429 }), 'storageUnavailable'],
    ['a 408', new RestError('slow', { statusCode: 408 }), 'storageUnavailable'],
    ['no response', new RestError('ECONNREFUSED'), 'storageUnreachable'],
    ['the table gone', new TableMissing(new RestError('TableNotFound', { statusCode: 404 })), 'tableMissing'],
    ['a 412 (a lost race, not trouble)', new RestError('precondition', { statusCode: 412 }), undefined],
    ['no storage error at all', new Error('bug'), undefined],
  ])('given %s, is %s', (_, error, kind) => {
    expect(storageFailure(error)).toBe(kind);
  });
});

describe('the cause of a failed invocation', () => {
  it('names ACS when createCall could not be placed now, not storage', () => {
    expect(failureCause(new AcsUnavailable('createCall', placeFailure(acsError(503))))).toBe('acsUnavailable');
  });

  it('names lost write races, storage trouble, and anything else as unexpected', () => {
    expect(failureCause(new CommitConflict('c1'))).toBe('writeConflicts');
    expect(failureCause(new RestError('busy', { statusCode: 503 }))).toBe('storageUnavailable');
    expect(failureCause(new TypeError('undefined is not a function'))).toBe('unexpected');
  });
});
