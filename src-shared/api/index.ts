export * from './contract.js';
export type * from './results.js';
export * from './methods.js';
