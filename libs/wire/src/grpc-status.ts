/**
 * The one place where API errors meet gRPC status codes.
 *
 * | Kubernetes reason        | gRPC code           |
 * |--------------------------|---------------------|
 * | NotFound                 | NOT_FOUND           |
 * | AlreadyExists            | ALREADY_EXISTS      |
 * | Conflict (stale version) | ABORTED             |
 * | Invalid, BadRequest,     | INVALID_ARGUMENT    |
 * | UnsupportedMediaType     |                     |
 * | Forbidden (admission)    | FAILED_PRECONDITION |
 * | Forbidden (authorizer)   | PERMISSION_DENIED   |
 * | Unauthorized             | UNAUTHENTICATED     |
 * | RequestEntityTooLarge,   | RESOURCE_EXHAUSTED  |
 * | TooManyRequests          |                     |
 * | Expired (410 Gone),      | OUT_OF_RANGE        |
 * | Timeout: too large rv    |                     |
 * | range is full            | RESOURCE_EXHAUSTED  |
 * | ServiceUnavailable       | UNAVAILABLE         |
 * | anything else            | INTERNAL            |
 *
 * The message is the Kubernetes message; the whole Status (reason, field causes) rides in the
 * trailer `minimesh-status-bin` so clients rebuild the named error class. Both are bounded first
 * (boundedStatus): a trailer block over the peer's limit would never arrive.
 */
import { Metadata, status as Code, type ServiceError, type StatusObject } from '@grpc/grpc-js';
import { AccessDeniedError, ApiError, InternalError, RangeFullError, RequestEntityTooLargeError, TooLargeResourceVersionError, UnavailableError, apiErrorFromStatus, type Status } from '@minimesh/api';
import { pb } from '@minimesh/proto';
import { boundedStatus } from './bounded-status.js';

export const STATUS_TRAILER = 'minimesh-status-bin';

/**
 * The largest request a server takes (its gRPC max receive size): kube-apiserver's 3 MiB request
 * body limit (MaxRequestBodyBytes, staging/src/k8s.io/apiserver/pkg/server/config.go), twice
 * etcd's 1.5 MiB object limit. gRPC itself refuses a bigger message, with RESOURCE_EXHAUSTED
 * `Received message larger than max (N vs. 3145728)`; fromGrpcError reads that as Kubernetes'
 * 413 `Request entity too large: limit is 3145728`.
 */
export const MAX_REQUEST_BYTES = 3 * 1024 * 1024;

/** grpc-js's refusal of a message over the receiver's limit. */
const TOO_LARGE = /^Received message larger than max \(\d+ vs\.? (\d+)\)$/;

const CODE_OF_REASON: Record<string, Code> = {
  NotFound: Code.NOT_FOUND,
  AlreadyExists: Code.ALREADY_EXISTS,
  Conflict: Code.ABORTED,
  Invalid: Code.INVALID_ARGUMENT,
  BadRequest: Code.INVALID_ARGUMENT,
  UnsupportedMediaType: Code.INVALID_ARGUMENT,
  Forbidden: Code.FAILED_PRECONDITION,
  Expired: Code.OUT_OF_RANGE,
  ServiceUnavailable: Code.UNAVAILABLE,
  Unauthorized: Code.UNAUTHENTICATED,
  RequestEntityTooLarge: Code.RESOURCE_EXHAUSTED,
  TooManyRequests: Code.RESOURCE_EXHAUSTED,
};

export function grpcCodeOf(err: ApiError): Code {
  if (err instanceof RangeFullError) return Code.RESOURCE_EXHAUSTED;
  if (err instanceof AccessDeniedError) return Code.PERMISSION_DENIED;
  // A revision the store has not reached: beyond the range it has, as an expired one is before it.
  if (err instanceof TooLargeResourceVersionError) return Code.OUT_OF_RANGE;
  return CODE_OF_REASON[err.status.reason] ?? Code.INTERNAL;
}

/** Turns anything thrown by a handler into a gRPC status. Unknown errors become a generic INTERNAL. */
export function toGrpcStatus(err: unknown): Partial<StatusObject> {
  const apiErr = err instanceof ApiError ? err : new InternalError('an unexpected error happened; see the server log');
  const status = boundedStatus(apiErr.status);
  const metadata = new Metadata();
  metadata.set(STATUS_TRAILER, Buffer.from(pb.Status.encode(pb.Status.fromPartial(status)).finish()));
  return { code: grpcCodeOf(apiErr), details: status.message, metadata };
}

const REASON_OF_CODE: Partial<Record<Code, { reason: string; code: number }>> = {
  [Code.NOT_FOUND]: { reason: 'NotFound', code: 404 },
  [Code.ALREADY_EXISTS]: { reason: 'AlreadyExists', code: 409 },
  [Code.ABORTED]: { reason: 'Conflict', code: 409 },
  [Code.INVALID_ARGUMENT]: { reason: 'BadRequest', code: 400 },
  [Code.OUT_OF_RANGE]: { reason: 'Expired', code: 410 },
  [Code.UNAUTHENTICATED]: { reason: 'Unauthorized', code: 401 },
  [Code.PERMISSION_DENIED]: { reason: 'Forbidden', code: 403 },
};

/** Turns a failed call back into the named API error. */
export function fromGrpcError(err: ServiceError | Error): ApiError {
  const se = err as Partial<ServiceError>;
  const raw = se.metadata?.get(STATUS_TRAILER)?.[0];
  if (raw instanceof Buffer) {
    const st = pb.Status.decode(raw);
    const status: Status = {
      code: st.code,
      reason: st.reason,
      message: st.message,
      details: st.details && {
        name: st.details.name,
        group: st.details.group,
        kind: st.details.kind,
        causes: st.details.causes,
      },
    };
    return apiErrorFromStatus(status);
  }
  if (se.code === Code.UNAVAILABLE || se.code === Code.DEADLINE_EXCEEDED) {
    return new UnavailableError(`the server is unavailable: ${se.details ?? err.message}`);
  }
  // The server's gRPC refused the request before any handler saw it (this client's own limit on
  // replies is another number, and stays an internal error).
  const tooLarge = se.code === Code.RESOURCE_EXHAUSTED ? TOO_LARGE.exec(se.details ?? '') : null;
  if (tooLarge && Number(tooLarge[1]) === MAX_REQUEST_BYTES) return new RequestEntityTooLargeError(`Request entity too large: limit is ${MAX_REQUEST_BYTES}`);
  const mapped = se.code !== undefined ? REASON_OF_CODE[se.code] : undefined;
  if (mapped) return apiErrorFromStatus({ ...mapped, message: se.details ?? err.message });
  return new InternalError(se.details ?? err.message, { cause: err });
}
