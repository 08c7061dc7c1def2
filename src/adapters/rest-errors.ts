// Owns reading what an Azure SDK request's error says: its HTTP status, the service's code, whether it timed out.
import { RestError } from '@azure/core-rest-pipeline';

export function statusOf(error: unknown): number | undefined {
  if (error instanceof RestError) return error.statusCode;
  if (typeof error === 'object' && error !== null && 'statusCode' in error && typeof error.statusCode === 'number') return error.statusCode;
  return undefined;
}

/** The service's own error code (ACS: `8522`; Table Storage: `TableNotFound`), when the SDK copied it to the error. */
export function codeOf(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}

/** What AbortSignal.timeout raises through the SDK: the request may or may not have reached the service. */
export const isTimeout = (error: unknown) => error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError');
