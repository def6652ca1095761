/**
 * Errors as kubectl prints them (kubectl/pkg/cmd/util/helpers.go checkErr and StandardErrorMessage):
 * `Error from server (Reason): message` for API statuses, `The Service "x" is invalid: ...` for
 * validation failures (one line, or one `* cause` line each), `error: ...` for everything else.
 */
import type { Status } from '@minimesh/api';

/** A client-side failure, printed as `error: <message>`. */
export class CliError extends Error {
  constructor(
    message: string,
    /** Printed after the error, e.g. "See 'meshctl get --help' for usage." */
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** A Kubernetes Status carried as an error; also how API errors are re-worded with their source file. */
export class StatusError extends Error {
  constructor(readonly status: Status) {
    super(status.message);
    this.name = 'StatusError';
  }
}

/** Several failures of one command (kubectl's utilerrors.Aggregate). */
export class ErrorList extends Error {
  constructor(readonly errors: unknown[]) {
    super(errors.map((e) => (e instanceof Error ? e.message : String(e))).join(', '));
    this.name = 'ErrorList';
  }
}

/** The Status of an API error (any error carrying `status.reason` and `status.message`). */
export function statusOf(err: unknown): Status | undefined {
  if (typeof err !== 'object' || err === null || !('status' in err)) return undefined;
  const s = (err as { status: unknown }).status;
  if (typeof s !== 'object' || s === null) return undefined;
  const st = s as Partial<Status>;
  if (typeof st.message !== 'string' || typeof st.reason !== 'string') return undefined;
  return st as Status;
}

export function reasonOf(err: unknown): string | undefined {
  return statusOf(err)?.reason;
}

export function isNotFound(err: unknown): boolean {
  return reasonOf(err) === 'NotFound';
}

/** kubectl's cmdutil.AddSourceToErr: `error when creating "svc.yaml": <message>`, keeping the status. */
export function addSourceToErr(verb: string, source: string, err: unknown): unknown {
  if (!source) return err;
  const status = statusOf(err);
  if (status) return new StatusError({ ...status, message: `error when ${verb} "${source}": ${status.message}` });
  const msg = err instanceof Error ? err.message : String(err);
  return new CliError(`error when ${verb} "${source}": ${msg}`);
}

export interface ErrorContext {
  /** The apiserver address, for the connection-refused message. */
  server?: string;
}

function isConnectionFailure(status: Status): boolean {
  return (
    status.reason === 'ServiceUnavailable' &&
    /^the server is unavailable:|ECONNREFUSED|No connection established/.test(status.message)
  );
}

/** StandardErrorMessage: the text for API statuses, undefined for other errors. */
function standardErrorMessage(err: unknown, ctx: ErrorContext): string | undefined {
  const status = statusOf(err);
  if (!status) return undefined;
  if (ctx.server && isConnectionFailure(status)) {
    return `The connection to the server ${ctx.server} was refused - did you specify the right host or port?`;
  }
  // kubectl's words for a 401 (k8s.io/kubectl/pkg/cmd/util/helpers.go standardErrorMessage).
  if (status.code === 401) return 'error: You must be logged in to the server (Unauthorized)';
  if (status.reason) return `Error from server (${status.reason}): ${status.message}`;
  return `Error from server: ${status.message}`;
}

function plainMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function messageForError(err: unknown, ctx: ErrorContext): string {
  return standardErrorMessage(err, ctx) ?? plainMessage(err);
}

/** The `The Service "x" is invalid: ...` form, or undefined when the error is not an Invalid status. */
function invalidMessage(status: Status): string | undefined {
  if (status.reason !== 'Invalid') return undefined;
  const details = status.details;
  if (!details) return `The request is invalid${status.message ? `: ${status.message}` : ''}\n`;
  let s = 'The request is invalid';
  if (details.kind || details.name) s = `The ${details.kind ?? ''} "${details.name ?? ''}" is invalid`;
  else if (status.message) s = `The request is invalid: ${status.message}`;
  const causes: string[] = [];
  for (const c of details.causes ?? []) {
    const line = `${c.field}: ${c.message}`;
    if (!causes.includes(line)) causes.push(line);
  }
  if (causes.length === 0) return `${s}\n`;
  if (causes.length === 1) return `${s}: ${causes[0]}\n`;
  return `${s}: \n${causes.map((c) => `* ${c}\n`).join('')}`;
}

/** Everything kubectl prints for a failed command (with trailing newline), as checkErr prints it. */
export function formatError(err: unknown, ctx: ErrorContext = {}): string {
  let e = err;
  // Unwrap aggregates of one.
  while (e instanceof ErrorList && e.errors.length === 1) e = e.errors[0];
  if (e instanceof ErrorList) {
    return e.errors.map((x) => `${messageForError(x, ctx)}\n`).join('');
  }
  const status = statusOf(e);
  if (status) {
    const invalid = invalidMessage(status);
    if (invalid) return invalid;
    return `${standardErrorMessage(e, ctx)}\n`;
  }
  let msg = plainMessage(e);
  if (!msg.startsWith('error: ')) msg = `error: ${msg}`;
  const hint = e instanceof CliError && e.hint ? `${e.hint}\n` : '';
  return `${msg}\n${hint}`;
}

/** Throws the single error, an ErrorList of several, or nothing. */
export function throwCollected(errors: unknown[]): void {
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new ErrorList(errors);
}
