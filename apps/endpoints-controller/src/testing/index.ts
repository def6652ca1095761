export * from './start-controller.js';
export * from './objects.js';
export * from './controller-on-fake-client.js';
