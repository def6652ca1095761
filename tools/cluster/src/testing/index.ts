export * from './cluster-driver.js';
