/**
 * Errors as kube-apiserver writes them over REST: a metav1.Status body with the HTTP code, so
 * kubectl prints its usual `Error from server (NotFound): services "x" not found`.
 */
import { ApiError, InternalError, type Status } from '@minimesh/api';

export interface StatusBody {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message: string;
  reason: string;
  details?: Status['details'];
  code: number;
}

export function statusBody(st: Status): StatusBody {
  const body: StatusBody = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: st.message, reason: st.reason, code: st.code };
  if (st.details && Object.keys(st.details).length > 0) {
    // A cause about no field leaves `field` out, as Go's omitempty does.
    const causes = st.details.causes?.map((c) => (c.field ? c : { reason: c.reason, message: c.message }));
    body.details = { ...st.details, ...(causes ? { causes: causes as typeof st.details.causes } : {}) };
  }
  return body;
}

/** Anything thrown while serving a request, as the Status to answer with (unknown errors: a generic 500). */
export function statusOf(err: unknown): Status {
  return (err instanceof ApiError ? err : new InternalError('an unexpected error happened; see the server log')).status;
}

/** The 404 for a path that names nothing the server has. */
export function resourceNotFound(): ApiError {
  return new ApiError({ code: 404, reason: 'NotFound', message: 'the server could not find the requested resource', details: {} });
}

/** 405 for a verb a path does not take. */
export function methodNotAllowed(): ApiError {
  return new ApiError({ code: 405, reason: 'MethodNotAllowed', message: `the server does not allow this method on the requested resource`, details: {} });
}
