export * from './convert.js';
export * from './grpc-status.js';
export * from './bounded-status.js';
export * from './event-stream.js';
export * from './event-signature.js';
export * from './nats-auth.js';
export { decodeKnownFields, decodeStrict } from './strict/strict-decode.js';
export { ObjectSchemas, defaultProtoDir, objectSchemas, type FieldSchema, type MessageSchema } from './strict/object-schema.js';
