// `kmipkit`: everything the package has so far. Subpaths (`kmipkit/ttlv`, `kmipkit/dict`) load less.
export * from './entries/ttlv.js';
export * as dict from './dict/index.js';
