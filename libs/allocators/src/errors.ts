/**
 * Allocator errors. Messages are Kubernetes' own (ipallocator / portallocator), so the registry can wrap
 * them unchanged: `spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated`.
 */

export type AllocatedKind = 'IP' | 'port';

export abstract class AllocatorError extends Error {}

/** Kubernetes' ErrAllocated: `provided IP is already allocated` / `provided port is already allocated`. */
export class AlreadyAllocatedError extends AllocatorError {
  constructor(
    readonly kind: AllocatedKind,
    readonly value: string | number,
  ) {
    super(`provided ${kind} is already allocated`);
    this.name = 'AlreadyAllocatedError';
  }
}

/**
 * Kubernetes' ErrNotInRange, in its 1.27+ IP form
 * `the provided IP (10.0.0.1) is not in the valid range. The range of valid IPs is 10.96.0.0/12`
 * and its port form `provided port is not in the valid range. The range of valid ports is 30000-32767`.
 */
export class NotInRangeError extends AllocatorError {
  constructor(
    readonly kind: AllocatedKind,
    readonly value: string | number,
    readonly validRange: string,
  ) {
    super(
      kind === 'IP'
        ? `the provided IP (${value}) is not in the valid range. The range of valid IPs is ${validRange}`
        : `provided port is not in the valid range. The range of valid ports is ${validRange}`,
    );
    this.name = 'NotInRangeError';
  }
}

/** Kubernetes' ErrFull: `range is full` (the apiserver reports it as a 500). */
export class AllocatorFullError extends AllocatorError {
  constructor(readonly kind: AllocatedKind) {
    super('range is full');
    this.name = 'AllocatorFullError';
  }
}

/** A range that cannot back an allocator, or a port range string that does not parse. */
export class InvalidRangeError extends AllocatorError {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidRangeError';
  }
}

/** An IPv4 address or CIDR string that does not parse (IPv6 included: minimesh is single-stack IPv4). */
export class InvalidAddressError extends AllocatorError {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidAddressError';
  }
}
