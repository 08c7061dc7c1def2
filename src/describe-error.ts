// Owns how an error reads in a log line: its name and message, never its stack or its request.
export const describeError = (error: unknown) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));
