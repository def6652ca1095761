import { describe, expect, it } from 'vitest';
import { pb, pbCore } from '@minimesh/proto';
import { MAX_INT64_HELD, SafeInt64Reader, SafeInt64Writer, UnsafeInt64Error } from './safe-int64.js';

const podWithGrace = (grace: number) => pbCore.Pod.fromPartial({ metadata: { name: 'p' }, spec: { terminationGracePeriodSeconds: grace } });

describe('SafeInt64Reader', () => {
  it('reads every int64 a number holds exactly, in nested messages too', () => {
    const bytes = pbCore.Pod.encode(podWithGrace(-MAX_INT64_HELD)).finish();
    expect(pbCore.Pod.decode(new SafeInt64Reader(bytes)).spec?.terminationGracePeriodSeconds).toBe(-MAX_INT64_HELD);
    const list = pb.ListRequest.encode(pb.ListRequest.fromPartial({ kind: 'Pod', limit: MAX_INT64_HELD })).finish();
    expect(pb.ListRequest.decode(new SafeInt64Reader(list)).limit).toBe(MAX_INT64_HELD);
  });

  it('refuses one beyond ±(2^53-1), saying which', () => {
    const bytes = pbCore.Pod.encode(podWithGrace(2 ** 53 + 2)).finish();
    expect(() => pbCore.Pod.decode(new SafeInt64Reader(bytes))).toThrow(UnsafeInt64Error);
    expect(() => pbCore.Pod.decode(new SafeInt64Reader(bytes))).toThrow('int64 value 9007199254740994 is out of range: integers must be between -9007199254740991 and 9007199254740991');
    const neg = pb.DeleteRequest.encode(pb.DeleteRequest.fromPartial({ options: { gracePeriodSeconds: -(2 ** 53) - 2 } })).finish();
    expect(() => pb.DeleteRequest.decode(new SafeInt64Reader(neg))).toThrow('int64 value -9007199254740994 is out of range');
  });
});

describe('SafeInt64Writer', () => {
  it('writes a number beyond ±(2^53-1) as the nearest bound, so that any reader can read it', () => {
    const big = pbCore.Pod.encode(podWithGrace(2 ** 53 + 2), new SafeInt64Writer()).finish();
    expect(pbCore.Pod.decode(big).spec?.terminationGracePeriodSeconds).toBe(MAX_INT64_HELD);
    const small = pbCore.Pod.encode(podWithGrace(-(2 ** 60)), new SafeInt64Writer()).finish();
    expect(pbCore.Pod.decode(small).spec?.terminationGracePeriodSeconds).toBe(-MAX_INT64_HELD);
  });

  it('writes what fits exactly as the generated writer does', () => {
    const msg = podWithGrace(12345);
    expect(Buffer.from(pbCore.Pod.encode(msg, new SafeInt64Writer()).finish())).toEqual(Buffer.from(pbCore.Pod.encode(msg).finish()));
  });
});
