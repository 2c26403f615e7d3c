export * from './bstr.js';
export * from './snapshot.js';
export * from './json.js';
export * from './flags.js';
export * from './describe.js';
export * from './limits.js';
export * from './lock-text.js';
export * from './count-text.js';
