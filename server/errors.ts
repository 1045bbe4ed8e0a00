import type { MessageKey } from './i18n';

export interface FieldError {
  key: MessageKey;
  params?: Record<string, string | number>;
}
export type FieldErrors = Record<string, FieldError>;

/** An error that knows its HTTP status and the catalog message to show the user. */
export class AppError extends Error {
  constructor(
    public readonly status: number,
    public readonly code: string,
    public readonly messageKey: MessageKey,
    public readonly params: Record<string, string | number> = {},
    public readonly fields?: FieldErrors,
  ) {
    super(`${code}: ${messageKey}`);
    this.name = new.target.name;
  }
}

export class NotFoundError extends AppError {
  constructor(messageKey: MessageKey = 'error.notFound', params?: Record<string, string | number>) {
    super(404, 'not_found', messageKey, params);
  }
}

export class ValidationError extends AppError {
  constructor(fields: FieldErrors, messageKey: MessageKey = 'error.validation') {
    super(400, 'validation', messageKey, {}, fields);
  }
}

export class BadRequestError extends AppError {
  constructor(messageKey: MessageKey, params?: Record<string, string | number>) {
    super(400, 'bad_request', messageKey, params);
  }
}

export class UnauthorizedError extends AppError {
  constructor(messageKey: MessageKey = 'error.unauthorized') {
    super(401, 'unauthorized', messageKey);
  }
}

export class ForbiddenError extends AppError {
  constructor(messageKey: MessageKey = 'error.forbidden') {
    super(403, 'forbidden', messageKey);
  }
}

export class ConflictError extends AppError {
  constructor(messageKey: MessageKey, params?: Record<string, string | number>) {
    super(409, 'conflict', messageKey, params);
  }
}

export class GoneError extends AppError {
  constructor(messageKey: MessageKey = 'error.gone') {
    super(410, 'gone', messageKey);
  }
}

export class TooManyRequestsError extends AppError {
  constructor(messageKey: MessageKey = 'error.rateLimited') {
    super(429, 'rate_limited', messageKey);
  }
}

export class UnavailableError extends AppError {
  constructor(messageKey: MessageKey = 'error.unavailable') {
    super(503, 'unavailable', messageKey);
  }
}
