/**
 * API errors: small named classes, each carrying the Kubernetes Status it stands for
 * (code, reason, message, field causes). The gRPC mapping lives in one place, libs/wire.
 */
import { KINDS, qualifiedResource, type Kind } from '../types/object.js';
import { aggregate, errorBody, type FieldError } from './field-error.js';

export interface StatusCause {
  reason: string;
  message: string;
  /** '' for a cause about no field (ResourceVersionTooLarge); Kubernetes then leaves it out of JSON. */
  field: string;
}

export interface Status {
  code: number;
  reason: string;
  message: string;
  details?: { name?: string; group?: string; kind?: string; causes?: StatusCause[]; retryAfterSeconds?: number };
}

export class ApiError extends Error {
  readonly status: Status;
  constructor(status: Status, options?: ErrorOptions) {
    super(status.message, options);
    this.name = 'ApiError';
    this.status = status;
  }
  get reason(): string {
    return this.status.reason;
  }
}

function resourceOf(kind: Kind | string): string {
  return kind in KINDS ? qualifiedResource(kind as Kind) : kind;
}

export class NotFoundError extends ApiError {
  constructor(kind: Kind | string, name: string) {
    super({ code: 404, reason: 'NotFound', message: `${resourceOf(kind)} "${name}" not found`, details: { name, kind: resourceOf(kind) } });
    this.name = 'NotFoundError';
  }
}

export class AlreadyExistsError extends ApiError {
  constructor(kind: Kind | string, name: string) {
    super({ code: 409, reason: 'AlreadyExists', message: `${resourceOf(kind)} "${name}" already exists`, details: { name, kind: resourceOf(kind) } });
    this.name = 'AlreadyExistsError';
  }
}

/** Optimistic concurrency failure (stale resourceVersion). */
export class ConflictError extends ApiError {
  constructor(kind: Kind | string, name: string, detail = 'the object has been modified; please apply your changes to the latest version and try again') {
    super({
      code: 409,
      reason: 'Conflict',
      message: `Operation cannot be fulfilled on ${resourceOf(kind)} "${name}": ${detail}`,
      details: { name, kind: resourceOf(kind) },
    });
    this.name = 'ConflictError';
  }
}

/** 422: `Service "x" is invalid: <aggregate of field errors>`, every error of the object at once. */
export class InvalidError extends ApiError {
  readonly fieldErrors: FieldError[];
  constructor(kind: Kind | string, name: string, errors: FieldError[]) {
    super({
      code: 422,
      reason: 'Invalid',
      message: `${kind} "${name}" is invalid: ${aggregate(errors)}`,
      details: {
        name,
        kind,
        causes: errors.map((e) => ({ reason: e.type, message: errorBody(e), field: e.field })),
      },
    });
    this.name = 'InvalidError';
    this.fieldErrors = errors;
  }
}

export class ForbiddenError extends ApiError {
  constructor(kind: Kind | string, name: string, detail: string) {
    super({ code: 403, reason: 'Forbidden', message: `${resourceOf(kind)} "${name}" is forbidden: ${detail}`, details: { name, kind: resourceOf(kind) } });
    this.name = 'ForbiddenError';
  }
}

/**
 * 403 from the authorizer or an admission check: the message is the whole Kubernetes text, e.g.
 * `services "web" is forbidden: User "bob" cannot update resource "services" in API group "" in the namespace "default"`.
 * Its own class so the wire maps it to PERMISSION_DENIED; clients rebuild it as a ForbiddenError.
 */
export class AccessDeniedError extends ApiError {
  constructor(message: string, details?: Status['details']) {
    super({ code: 403, reason: 'Forbidden', message, ...(details ? { details } : {}) });
    this.name = 'AccessDeniedError';
  }
}

/**
 * 413: an object too big to store. kube-apiserver refuses a request body over 3 MiB with
 * `Request entity too large: limit is 3145728`, and etcd an object over 1.5 MiB with
 * `etcdserver: request is too large`.
 */
export class RequestEntityTooLargeError extends ApiError {
  constructor(message: string) {
    super({ code: 413, reason: 'RequestEntityTooLarge', message });
    this.name = 'RequestEntityTooLargeError';
  }
}

/** 429: the server is at its limit of requests in flight (kube-apiserver's max-in-flight filter). */
export class TooManyRequestsError extends ApiError {
  constructor(message = 'Too many requests, please try again later.') {
    super({ code: 429, reason: 'TooManyRequests', message });
    this.name = 'TooManyRequestsError';
  }
}

/** 401: no credentials the server accepts (kube-apiserver's body says only `Unauthorized`). */
export class UnauthorizedError extends ApiError {
  constructor(message = 'Unauthorized') {
    super({ code: 401, reason: 'Unauthorized', message });
    this.name = 'UnauthorizedError';
  }
}

export class BadRequestError extends ApiError {
  constructor(message: string) {
    super({ code: 400, reason: 'BadRequest', message });
    this.name = 'BadRequestError';
  }
}

/** 410 Gone: the requested revision is older than the kept history; relist. */
export class ExpiredError extends ApiError {
  constructor(message: string, status?: Status) {
    super(status ?? { code: 410, reason: 'Expired', message });
    this.name = 'ExpiredError';
  }
  static tooOld(requested: number, oldest: number): ExpiredError {
    return new ExpiredError(`too old resource version: ${requested} (${oldest})`);
  }
  /** A revision the store has not reached (see TooLargeResourceVersionError). */
  static tooLarge(requested: number, current: number): TooLargeResourceVersionError {
    return new TooLargeResourceVersionError(requested, current);
  }
}

/** The cause type client-go's IsTooLargeResourceVersion looks for (metav1.CauseTypeResourceVersionTooLarge). */
export const RESOURCE_VERSION_TOO_LARGE = 'ResourceVersionTooLarge';

/**
 * A list or watch from a revision the store has not reached, as kube-apiserver answers it
 * (storage.NewTooLargeResourceVersionError): 504 Timeout, `Timeout: Too large resource version:
 * 999999, current: 30`, retry after 1 s, with a ResourceVersionTooLarge cause. Like an expired
 * revision it means "not available here": it is an ExpiredError to minimesh's followers, which
 * relist (client-go's reflector relists on it too).
 */
export class TooLargeResourceVersionError extends ExpiredError {
  constructor(requested: number | Status, current = 0) {
    super(
      '',
      typeof requested === 'object'
        ? requested
        : {
            code: 504,
            reason: 'Timeout',
            message: `Timeout: Too large resource version: ${requested}, current: ${current}`,
            details: { retryAfterSeconds: 1, causes: [{ reason: RESOURCE_VERSION_TOO_LARGE, message: 'Too large resource version', field: '' }] },
          },
    );
    this.name = 'TooLargeResourceVersionError';
  }
}

/** 415: a request body the server does not take for this resource (a strategic merge patch of a custom resource). */
export class UnsupportedMediaTypeError extends ApiError {
  constructor(message: string) {
    super({ code: 415, reason: 'UnsupportedMediaType', message });
    this.name = 'UnsupportedMediaTypeError';
  }
}

export class InternalError extends ApiError {
  constructor(detail: string, options?: ErrorOptions) {
    super({ code: 500, reason: 'InternalError', message: `Internal error occurred: ${detail}` }, options);
    this.name = 'InternalError';
  }
}

/** A pool (ClusterIPs, NodePorts) has nothing left: Kubernetes' 500 `range is full`, its own class so it maps to RESOURCE_EXHAUSTED. */
export class RangeFullError extends InternalError {
  constructor(detail: string) {
    super(detail);
    this.name = 'RangeFullError';
  }
}

export class UnavailableError extends ApiError {
  constructor(message: string) {
    super({ code: 503, reason: 'ServiceUnavailable', message });
    this.name = 'UnavailableError';
  }
}

/** Rebuilds the named class from a Status received over the wire, so `instanceof` works on clients. */
export function apiErrorFromStatus(status: Status): ApiError {
  const make = (cls: { prototype: ApiError; name: string }): ApiError => {
    const e = Object.create(cls.prototype) as ApiError;
    Object.assign(e, { status, message: status.message, name: cls.name });
    if (cls === InvalidError) {
      Object.assign(e, {
        fieldErrors: (status.details?.causes ?? []).map((c) => ({ type: c.reason, field: c.field, detail: c.message })),
      });
    }
    return e;
  };
  switch (status.reason) {
    case 'NotFound': return make(NotFoundError);
    case 'AlreadyExists': return make(AlreadyExistsError);
    case 'Conflict': return make(ConflictError);
    case 'Invalid': return make(InvalidError);
    case 'Forbidden': return make(ForbiddenError);
    case 'Unauthorized': return make(UnauthorizedError);
    case 'RequestEntityTooLarge': return make(RequestEntityTooLargeError);
    case 'TooManyRequests': return make(TooManyRequestsError);
    case 'BadRequest': return make(BadRequestError);
    case 'Expired': return make(ExpiredError);
    case 'Timeout':
      if (status.details?.causes?.some((c) => c.reason === RESOURCE_VERSION_TOO_LARGE)) return make(TooLargeResourceVersionError);
      return new ApiError(status);
    case 'InternalError': return make(InternalError);
    case 'ServiceUnavailable': return make(UnavailableError);
    case 'UnsupportedMediaType': return make(UnsupportedMediaTypeError);
    default: return new ApiError(status);
  }
}
