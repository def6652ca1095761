export * from './api-client.js';
export * from './grpc-api-client.js';
export * from './rest-api-client.js';
export * from './rest-connection.js';
