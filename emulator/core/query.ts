// The query parameters the endpoints share.
import { parameterError, type CoreResponse } from './errors.ts';

/** A boolean query parameter: absent or "false" is false, "true" is true, anything else a 400. */
export function parseBool(query: Record<string, string>, name: string): boolean | CoreResponse {
  const v = query[name];
  if (v === undefined || v === 'false') return false;
  if (v === 'true') return true;
  return parameterError(`Query parameter ${name} must be true or false, got ${JSON.stringify(v)}`, name);
}
