// One catalogue of codec errors. Both codecs report a number and a byte offset; this builds the Error.

export const TtlvErrorCode = {
  TRUNCATED_HEADER: 1,
  TOO_LARGE: 2,
  TRUNCATED: 3,
  OVERRUNS_PARENT: 4,
  BAD_LENGTH: 5,
  NONZERO_PADDING: 6,
  BAD_TYPE: 7,
  BAD_TAG: 8,
  BAD_BOOLEAN: 9,
  BAD_UTF8: 10,
  TOO_DEEP: 11,
  TRAILING_BYTES: 12,
  INVALID_VALUE: 32,
  ENCODE_TOO_DEEP: 33,
} as const;
export type TtlvErrorName = keyof typeof TtlvErrorCode;
export type TtlvErrorNumber = (typeof TtlvErrorCode)[TtlvErrorName];

const NAMES: Record<number, TtlvErrorName> = Object.fromEntries(
  Object.entries(TtlvErrorCode).map(([k, v]) => [v, k as TtlvErrorName]),
);

const MESSAGES: Record<TtlvErrorName, string> = {
  TRUNCATED_HEADER: 'fewer than 8 bytes left for an item header',
  TOO_LARGE: 'declared length exceeds the message size limit',
  TRUNCATED: 'declared length runs past the end of the input',
  OVERRUNS_PARENT: 'item runs past the end of its parent structure',
  BAD_LENGTH: 'length is not valid for the item type',
  NONZERO_PADDING: 'padding byte is not zero',
  BAD_TYPE: 'unknown item type',
  BAD_TAG: 'tag does not start with 0x42 or 0x54',
  BAD_BOOLEAN: 'boolean value is not 0 or 1',
  BAD_UTF8: 'text string is not valid UTF-8',
  TOO_DEEP: 'structures nested deeper than the depth limit',
  TRAILING_BYTES: 'bytes follow the root item',
  INVALID_VALUE: 'value cannot be encoded as its item type',
  ENCODE_TOO_DEEP: 'item tree nested deeper than the depth limit',
};

/** A malformed TTLV input (or an unencodable tree). `code` and `offset` are stable across codecs. */
export class TtlvError extends Error {
  readonly code: `ERR_TTLV_${TtlvErrorName}`;
  readonly errno: number;
  readonly name = 'TtlvError';
  constructor(
    errno: number,
    /** Byte offset in the input where the problem was found (-1 when not about input bytes). */
    readonly offset: number,
    detail?: string,
  ) {
    const key = NAMES[errno] ?? 'INVALID_VALUE';
    super(`${MESSAGES[key]}${offset >= 0 ? ` at byte ${offset}` : ''}${detail ? ` (${detail})` : ''}`);
    this.errno = errno;
    this.code = `ERR_TTLV_${key}`;
  }
}

export function errorName(errno: number): TtlvErrorName | undefined {
  return NAMES[errno];
}
