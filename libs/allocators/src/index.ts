export { type AllocatorOptions, type RandomSource } from './bitmap.js';
export { Cidr, cidrContains, indexedIP, parseCidr, rangeSize, requireIPv4 } from './cidr.js';
export {
  AllocatorError,
  AllocatorFullError,
  AlreadyAllocatedError,
  InvalidAddressError,
  InvalidRangeError,
  NotInRangeError,
  type AllocatedKind,
} from './errors.js';
export {
  calculateIPRangeOffset,
  ClusterIPAllocator,
  MAX_SERVICE_CIDR_HOST_BITS,
  MIN_SERVICE_CIDR_SIZE,
  type IPBand,
} from './ip-allocator.js';
export { calculatePortRangeOffset, NodePortAllocator, type PortBand } from './port-allocator.js';
export { DEFAULT_NODE_PORT_RANGE, parsePortRange, PortRange } from './port-range.js';
