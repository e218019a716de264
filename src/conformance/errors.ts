// Errors of the conformance harness itself (not verdicts on a server). Codes are stable.
export type ConformanceErrorCode =
  | 'BAD_ARGS'
  | 'NO_FILES'
  | 'PEER_MISSING'
  | 'PEER_START'
  | 'SERVER_MODULE'
  | 'CONNECT'
  | 'TIMEOUT'
  | 'CLOSED'
  | 'BAD_RESPONSE';

export class ConformanceError extends Error {
  readonly name = 'ConformanceError';
  readonly code: `ERR_CONFORMANCE_${ConformanceErrorCode}`;
  constructor(readonly kind: ConformanceErrorCode, message: string) {
    super(message);
    this.code = `ERR_CONFORMANCE_${kind}`;
  }
}
