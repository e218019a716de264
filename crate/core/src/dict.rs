//! placeholder, overwritten by scripts/gen-dictionary.mjs
