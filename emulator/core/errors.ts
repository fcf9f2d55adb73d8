// Error answers in Talon.One's shapes: ErrorResponse for 400/404, ErrorResponseWithStatus for
// 401/409 and the transport's own errors. Shared by the core and the server.
import type { ApiError, ErrorResponse } from '../../model/api.ts';

export interface CoreResponse {
  status: number;
  body: unknown;
}

export function badRequest(message: string, errors: ApiError[]): CoreResponse {
  return { status: 400, body: { message, errors } satisfies ErrorResponse };
}

export function fieldError(message: string, pointer: string, title = 'Invalid value'): CoreResponse {
  return badRequest(message, [{ title, details: message, source: { pointer } }]);
}

export function parameterError(message: string, parameter: string): CoreResponse {
  return badRequest(message, [{ title: 'Invalid parameter', details: message, source: { parameter } }]);
}

export function withStatus(status: number, message: string, error: ApiError): CoreResponse {
  return { status, body: { message, errors: [error], StatusCode: status } satisfies ErrorResponse };
}

export function notFound(message: string, parameter?: string): CoreResponse {
  return {
    status: 404,
    body: {
      message,
      errors: [{ title: 'Not found', details: message, source: parameter ? { parameter } : {} }],
    } satisfies ErrorResponse,
  };
}

export const CONFLICT_MESSAGE = 'Too many requests are updating this profile/session at the same time';
