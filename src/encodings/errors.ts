// Errors of the KMIP XML and JSON encodings. `code` is stable; the message names where (element path,
// line and column for XML; property path for JSON) and never quotes Byte String or Big Integer values.

export type KmipEncodingFormat = 'XML' | 'JSON';

export type KmipEncodingErrorKind =
  /** Not well-formed text (XML syntax, JSON.parse failure). */
  | 'SYNTAX'
  /** A DOCTYPE or entity declaration: refused outright (entity expansion attacks). */
  | 'DTD'
  /** Nesting deeper than the depth cap. */
  | 'TOO_DEEP'
  /** A tag name the dictionary does not know (hex tags are always accepted). */
  | 'UNKNOWN_TAG'
  /** A `type` that is not a TTLV item type name (or configured alias). */
  | 'BAD_TYPE'
  /** A value that does not parse as its type, or is out of range. */
  | 'BAD_VALUE'
  /** Wrong shape: value on a structure, children on a primitive, missing/unknown attributes or properties. */
  | 'BAD_SHAPE'
  /** A `$PLACEHOLDER` in a non-text value with no hook (or the hook declined it). */
  | 'PLACEHOLDER'
  /** An item tree that cannot be written (invalid value for its type, character XML cannot carry). */
  | 'BAD_ITEM'
  /** An invalid option (the `names` option: a bad or clashing name or number). */
  | 'BAD_OPTION';

export type KmipEncodingErrorCode = `ERR_${KmipEncodingFormat}_${KmipEncodingErrorKind}`;

export class KmipEncodingError extends Error {
  readonly name = 'KmipEncodingError';
  readonly code: KmipEncodingErrorCode;
  constructor(
    readonly format: KmipEncodingFormat,
    readonly kind: KmipEncodingErrorKind,
    message: string,
    /** Element path (XML) or property path (JSON) of the offending item, or the option's path, when known. */
    readonly path?: string,
    /** 1-based line and column in the XML text, when known. */
    readonly line?: number,
    readonly column?: number,
  ) {
    const where = [path, line !== undefined ? `line ${line}, column ${column}` : undefined].filter(Boolean).join(', ');
    super(where ? `${message} (at ${where})` : message);
    this.code = `ERR_${format}_${kind}`;
  }
}
