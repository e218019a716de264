// The error is the wire result: every failure inside an operation is a KmipError carrying the Result
// Reason the response will show. Messages are for people and never contain key material.
import { ResultReason, ResultStatus } from '../dict/index.js';

export class KmipError extends Error {
  readonly reason: number;
  readonly status: number;
  constructor(reason: number, message: string, options?: { status?: number; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'KmipError';
    this.reason = reason;
    this.status = options?.status ?? ResultStatus.OperationFailed;
  }
}

export const notFound = (uid: string): KmipError => new KmipError(ResultReason.ItemNotFound, `no object ${JSON.stringify(uid)}`);
export const invalidField = (message: string): KmipError => new KmipError(ResultReason.InvalidField, message);
export const wrongState = (message: string): KmipError => new KmipError(ResultReason.WrongKeyLifecycleState, message);
export const permissionDenied = (message: string): KmipError => new KmipError(ResultReason.PermissionDenied, message);
export const notSupported = (message: string): KmipError => new KmipError(ResultReason.OperationNotSupported, message);
export const featureNotSupported = (message: string): KmipError => new KmipError(ResultReason.FeatureNotSupported, message);
