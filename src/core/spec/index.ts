export type * from './types.js';
export { validateSpecSources } from './validate.js';
export type { ValidateSpecsOptions, ValidateSpecsResult } from './validate.js';
export type { SpecSource } from './document.js';
export { DEFAULT_MAX_RUNS_PER_EXPERIMENT } from './semantics.js';
export { findTemplates, parseArgvItem, renderArgvItem, paramEnvName, paramValueString } from './template.js';
export type { ArgvPiece } from './template.js';
