export * from './fake-api-client.js';
