// Every hard limit of the codec, with the attack it stops. Callers may lower them per call.

/** A root declared larger than this is refused on its 8-byte header, before anything is buffered
 *  (krill-kmip-ttlv allocated from a 0xFFFFFFFF length). 16 MiB fits a 1 MiB batch many times over. */
export const MAX_MESSAGE_SIZE = 16 * 1024 * 1024;

/** Nesting deeper than this is refused: a blob of nested Structures would otherwise exhaust the
 *  stack of a recursive walker (node-forge CVE-2025-66031). Real KMIP messages stay under 12. */
export const MAX_DEPTH = 64;
