export * from './start-controller.js';
export * from './objects.js';
