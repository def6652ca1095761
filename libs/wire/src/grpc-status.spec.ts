import { describe, expect, it } from 'vitest';
import { status as Code, type ServiceError } from '@grpc/grpc-js';
import { ConflictError, ExpiredError, TooLargeResourceVersionError, InternalError, InvalidError, NotFoundError, RangeFullError, RequestEntityTooLargeError, TooManyRequestsError, field } from '@minimesh/api';
import { fromGrpcError, toGrpcStatus } from './grpc-status.js';

/** What a client sees of a status a handler sent. */
function roundTrip(err: unknown) {
  const st = toGrpcStatus(err);
  const se = Object.assign(new Error(st.details), { code: st.code, details: st.details, metadata: st.metadata }) as ServiceError;
  return { code: st.code, back: fromGrpcError(se) };
}

describe('gRPC status mapping', () => {
  it.each([
    [new NotFoundError('Service', 'x'), Code.NOT_FOUND, NotFoundError],
    [new ConflictError('Service', 'x'), Code.ABORTED, ConflictError],
    [new InvalidError('Service', 'x', [field.required('spec.ports')]), Code.INVALID_ARGUMENT, InvalidError],
    [ExpiredError.tooOld(3, 9), Code.OUT_OF_RANGE, ExpiredError],
    [ExpiredError.tooLarge(99, 9), Code.OUT_OF_RANGE, TooLargeResourceVersionError],
    [new RangeFullError('failed to allocate a serviceIP: range is full'), Code.RESOURCE_EXHAUSTED, Error],
  ])('status - %s maps to its code and back to its class with the same message', (err, code, cls) => {
    const { code: got, back } = roundTrip(err);
    expect(got).toBe(code);
    expect(back).toBeInstanceOf(cls);
    expect(back.message).toBe((err as Error).message);
  });

  it('status - a too large resource version keeps its 504 Timeout status and cause, and stays an ExpiredError (followers relist)', () => {
    const { back } = roundTrip(ExpiredError.tooLarge(99, 9));
    expect(back).toBeInstanceOf(ExpiredError);
    expect(back.status).toMatchObject({ code: 504, reason: 'Timeout', message: 'Timeout: Too large resource version: 99, current: 9', details: { causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }] } });
  });

  it('status - field causes travel with an Invalid error', () => {
    const { back } = roundTrip(new InvalidError('Service', 'x', [field.invalid('spec.ports[0].port', 0, 'must be between 1 and 65535, inclusive')]));
    expect(back.status.details?.causes).toEqual([
      { reason: 'FieldValueInvalid', field: 'spec.ports[0].port', message: 'Invalid value: 0: must be between 1 and 65535, inclusive' },
    ]);
  });

  it('status - an unexpected error becomes a generic INTERNAL without leaking its text', () => {
    const st = toGrpcStatus(new TypeError('secret internals'));
    expect(st.code).toBe(Code.INTERNAL);
    expect(st.details).not.toContain('secret');
  });

  it('status - a refused connection reads as the server being unavailable', () => {
    const se = Object.assign(new Error('14 UNAVAILABLE: No connection established'), { code: Code.UNAVAILABLE, details: 'No connection established' }) as ServiceError;
    expect(fromGrpcError(se).message).toBe('the server is unavailable: No connection established');
  });

  it('status - 413 and 429 travel as RESOURCE_EXHAUSTED and come back as their classes', () => {
    const big = roundTrip(new RequestEntityTooLargeError('etcdserver: request is too large'));
    expect([big.code, big.back instanceof RequestEntityTooLargeError, big.back.status.code, big.back.message]).toEqual([Code.RESOURCE_EXHAUSTED, true, 413, 'etcdserver: request is too large']);
    const many = roundTrip(new TooManyRequestsError());
    expect([many.code, many.back instanceof TooManyRequestsError, many.back.status.code]).toEqual([Code.RESOURCE_EXHAUSTED, true, 429]);
  });

  it('status - gRPC\'s own refusal of a request over 3 MiB reads as kube-apiserver\'s 413; a reply over this client\'s limit does not', () => {
    const refused = (details: string) => Object.assign(new Error(`8 RESOURCE_EXHAUSTED: ${details}`), { code: Code.RESOURCE_EXHAUSTED, details }) as ServiceError;
    const e = fromGrpcError(refused('Received message larger than max (4194309 vs 3145728)'));
    expect([e instanceof RequestEntityTooLargeError, e.status.code, e.message]).toEqual([true, 413, 'Request entity too large: limit is 3145728']);
    expect(fromGrpcError(refused('Received message larger than max (70000000 vs 67108864)'))).toBeInstanceOf(InternalError);
  });
});
