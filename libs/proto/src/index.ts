// Generated wire types. Only edge code (libs/wire, gRPC handlers, clients) imports this package.
export * as pb from './gen/minimesh/v1/api.js';
export * as pbCore from './gen/minimesh/v1/core.js';
export * as pbDiscovery from './gen/minimesh/v1/discovery.js';
export * as pbCoordination from './gen/minimesh/v1/coordination.js';
export * as pbMeta from './gen/minimesh/v1/meta.js';
export * as pbMetallb from './gen/minimesh/v1/metallb.js';
export * as pbHealth from './gen/grpc/health/v1/health.js';
export * as pbRbac from './gen/minimesh/v1/rbac.js';
export * as pbEvent from './gen/minimesh/v1/event.js';
// The reader and writer the generated code decodes and encodes with (subclassed by libs/wire).
export { BinaryReader, BinaryWriter } from '@bufbuild/protobuf/wire';
