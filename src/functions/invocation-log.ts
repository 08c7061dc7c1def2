// Owns turning the Functions invocation context into the shell's Log port, every line bounded in size.
import type { InvocationContext } from '@azure/functions';
import type { Log } from '../app/ports';

/** Far above any line the app means to write; what the wire can make longer (an echoed field) is cut here. */
export const MAX_LOG_LINE_CHARS = 2_000;

export const boundedLine = (text: string) =>
  text.length <= MAX_LOG_LINE_CHARS ? text : `${text.slice(0, MAX_LOG_LINE_CHARS)}… (${text.length - MAX_LOG_LINE_CHARS} more characters cut)`;

const line = (message: string, properties?: Readonly<Record<string, unknown>>) =>
  boundedLine(properties ? `${message} ${JSON.stringify(properties)}` : message);

export const invocationLog = (context: InvocationContext): Log => ({
  info: (message, properties) => context.log(line(message, properties)),
  warn: (message, properties) => context.warn(line(message, properties)),
  error: (message, properties) => context.error(line(message, properties)),
});
