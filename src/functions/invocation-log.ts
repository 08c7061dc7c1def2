// Owns turning the Functions invocation context into the shell's Log port.
import type { InvocationContext } from '@azure/functions';
import type { Log } from '../app/ports';

const line = (message: string, properties?: Readonly<Record<string, unknown>>) =>
  properties ? `${message} ${JSON.stringify(properties)}` : message;

export const invocationLog = (context: InvocationContext): Log => ({
  info: (message, properties) => context.log(line(message, properties)),
  warn: (message, properties) => context.warn(line(message, properties)),
  error: (message, properties) => context.error(line(message, properties)),
});
