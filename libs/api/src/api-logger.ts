// The logger the API server writes to: pino-compatible (a pino logger fits as is), so servers log
// structured lines (an object of fields, then the message).
export interface ApiLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
  child?(bindings: Record<string, unknown>): ApiLogger;
}

/** Drops every line: the default when no logger is given. */
export const silentLogger: ApiLogger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
