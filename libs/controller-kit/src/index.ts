export * from './work-queue.js';
export * from './leader-election.js';
export * from './event-recorder.js';
