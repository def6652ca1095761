export * from './work-queue.js';
export * from './leader-election.js';
