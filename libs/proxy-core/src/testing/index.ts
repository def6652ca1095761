// Test helpers of proxy-core (`@minimesh/proxy-core/testing`): fixtures, golden rulesets, and
// iptables-save's form of a rule, to compare rendered rules with what the kernel prints.
export * from './fixtures.js';
export * from './rulesets.js';
export * from './nft-rulesets.js';
export * from './iptables-save-form.js';
