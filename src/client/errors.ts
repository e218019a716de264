// The three ways a call fails, kept apart: the server answered with a KMIP failure (KmipError and one
// subclass per Result Reason, so `instanceof ItemNotFoundError` works), the answer is not a valid KMIP
// response (KmipProtocolError), or no answer came at all (KmipTransportError, from connection.ts).
import { ResultReason, enumByName } from '../dict/index.js';

export { KmipTransportError, type TransportErrorCode } from './connection.js';

export interface KmipErrorInit {
  /** Result Status name: 'OperationFailed', 'OperationPending' or 'OperationUndone'. */
  status: string;
  /** Result Reason code, when the server gave one. */
  reasonCode?: number;
  /** The server's Result Message. */
  resultMessage?: string;
  /** Position of the failed item in its batch (0 for a single call). */
  batchIndex?: number;
  /** Operation name, e.g. 'Get'. */
  operation?: string;
}

/** A batch item the server answered with a failure. */
export class KmipError extends Error {
  readonly status: string;
  /** Result Reason name, e.g. 'ItemNotFound'; undefined when the server gave none. */
  readonly reason: string | undefined;
  readonly reasonCode: number | undefined;
  readonly resultMessage: string | undefined;
  readonly batchIndex: number;
  readonly operation: string | undefined;

  constructor(init: KmipErrorInit) {
    const reason = init.reasonCode === undefined ? undefined : reasonName(init.reasonCode);
    super(
      `${init.operation ? `${init.operation}: ` : ''}${init.status}${reason ? ` (${reason})` : ''}` +
        `${init.resultMessage ? `: ${init.resultMessage}` : ''}`,
    );
    this.name = new.target.name;
    this.status = init.status;
    this.reason = reason;
    this.reasonCode = init.reasonCode;
    this.resultMessage = init.resultMessage;
    this.batchIndex = init.batchIndex ?? 0;
    this.operation = init.operation;
  }
}

/** The server's answer decodes as TTLV but is not a valid KMIP response (or not the one asked for). */
export class KmipProtocolError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KmipProtocolError';
  }
}

function reasonName(code: number): string {
  return enumByName('ResultReason')?.valueName(code) ?? `0x${code.toString(16).padStart(8, '0')}`;
}

type ReasonName = keyof typeof ResultReason;
export type KmipErrorClass = new (init: KmipErrorInit) => KmipError;

/** 'ItemNotFound' -> 'ItemNotFoundError'; a reason already ending in 'Error' keeps its name ('CodecError'). */
export const errorClassName = (reason: string): string => (reason.endsWith('Error') ? reason : `${reason}Error`);

const BY_CODE = new Map<number, KmipErrorClass>();

function reasonClass(reason: ReasonName): KmipErrorClass {
  const name = errorClassName(reason);
  // A named class expression per reason: `instanceof` and `err.name` both work.
  const C = { [name]: class extends KmipError {} }[name];
  BY_CODE.set(ResultReason[reason], C);
  return C;
}

// One row per Result Reason of KMIP 1.0-2.1 (test/client/errors.test.ts checks the dictionary has no other).
export const ItemNotFoundError = reasonClass('ItemNotFound');
export const ResponseTooLargeError = reasonClass('ResponseTooLarge');
export const AuthenticationNotSuccessfulError = reasonClass('AuthenticationNotSuccessful');
export const InvalidMessageError = reasonClass('InvalidMessage');
export const OperationNotSupportedError = reasonClass('OperationNotSupported');
export const MissingDataError = reasonClass('MissingData');
export const InvalidFieldError = reasonClass('InvalidField');
export const FeatureNotSupportedError = reasonClass('FeatureNotSupported');
export const OperationCanceledByRequesterError = reasonClass('OperationCanceledByRequester');
export const CryptographicFailureError = reasonClass('CryptographicFailure');
export const IllegalOperationError = reasonClass('IllegalOperation');
export const PermissionDeniedError = reasonClass('PermissionDenied');
export const ObjectArchivedError = reasonClass('ObjectArchived');
export const IndexOutOfBoundsError = reasonClass('IndexOutOfBounds');
export const ApplicationNamespaceNotSupportedError = reasonClass('ApplicationNamespaceNotSupported');
export const KeyFormatTypeNotSupportedError = reasonClass('KeyFormatTypeNotSupported');
export const KeyCompressionTypeNotSupportedError = reasonClass('KeyCompressionTypeNotSupported');
export const EncodingOptionError = reasonClass('EncodingOptionError');
export const KeyValueNotPresentError = reasonClass('KeyValueNotPresent');
export const AttestationRequiredError = reasonClass('AttestationRequired');
export const AttestationFailedError = reasonClass('AttestationFailed');
export const SensitiveError = reasonClass('Sensitive');
export const NotExtractableError = reasonClass('NotExtractable');
export const ObjectAlreadyExistsError = reasonClass('ObjectAlreadyExists');
export const InvalidTicketError = reasonClass('InvalidTicket');
export const UsageLimitExceededError = reasonClass('UsageLimitExceeded');
export const NumericRangeError = reasonClass('NumericRange');
export const InvalidDataTypeError = reasonClass('InvalidDataType');
export const ReadOnlyAttributeError = reasonClass('ReadOnlyAttribute');
export const MultiValuedAttributeError = reasonClass('MultiValuedAttribute');
export const UnsupportedAttributeError = reasonClass('UnsupportedAttribute');
export const AttributeInstanceNotFoundError = reasonClass('AttributeInstanceNotFound');
export const AttributeNotFoundError = reasonClass('AttributeNotFound');
export const AttributeReadOnlyError = reasonClass('AttributeReadOnly');
export const AttributeSingleValuedError = reasonClass('AttributeSingleValued');
export const BadCryptographicParametersError = reasonClass('BadCryptographicParameters');
export const BadPasswordError = reasonClass('BadPassword');
export const CodecError = reasonClass('CodecError');
export const IllegalObjectTypeError = reasonClass('IllegalObjectType');
export const IncompatibleCryptographicUsageMaskError = reasonClass('IncompatibleCryptographicUsageMask');
export const InternalServerError = reasonClass('InternalServerError');
export const InvalidAsynchronousCorrelationValueError = reasonClass('InvalidAsynchronousCorrelationValue');
export const InvalidAttributeError = reasonClass('InvalidAttribute');
export const InvalidAttributeValueError = reasonClass('InvalidAttributeValue');
export const InvalidCorrelationValueError = reasonClass('InvalidCorrelationValue');
export const InvalidCSRError = reasonClass('InvalidCSR');
export const InvalidObjectTypeError = reasonClass('InvalidObjectType');
export const KeyWrapTypeNotSupportedError = reasonClass('KeyWrapTypeNotSupported');
export const MissingInitializationVectorError = reasonClass('MissingInitializationVector');
export const NonUniqueNameAttributeError = reasonClass('NonUniqueNameAttribute');
export const ObjectDestroyedError = reasonClass('ObjectDestroyed');
export const ObjectNotFoundError = reasonClass('ObjectNotFound');
export const NotAuthorisedError = reasonClass('NotAuthorised');
export const ServerLimitExceededError = reasonClass('ServerLimitExceeded');
export const UnknownEnumerationError = reasonClass('UnknownEnumeration');
export const UnknownMessageExtensionError = reasonClass('UnknownMessageExtension');
export const UnknownTagError = reasonClass('UnknownTag');
export const UnsupportedCryptographicParametersError = reasonClass('UnsupportedCryptographicParameters');
export const UnsupportedProtocolVersionError = reasonClass('UnsupportedProtocolVersion');
export const WrappingObjectArchivedError = reasonClass('WrappingObjectArchived');
export const WrappingObjectDestroyedError = reasonClass('WrappingObjectDestroyed');
export const WrappingObjectNotFoundError = reasonClass('WrappingObjectNotFound');
export const WrongKeyLifecycleStateError = reasonClass('WrongKeyLifecycleState');
export const ProtectionStorageUnavailableError = reasonClass('ProtectionStorageUnavailable');
export const PKCS_11CodecError = reasonClass('PKCS_11CodecError');
export const PKCS_11InvalidFunctionError = reasonClass('PKCS_11InvalidFunction');
export const PKCS_11InvalidInterfaceError = reasonClass('PKCS_11InvalidInterface');
export const PrivateProtectionStorageUnavailableError = reasonClass('PrivateProtectionStorageUnavailable');
export const PublicProtectionStorageUnavailableError = reasonClass('PublicProtectionStorageUnavailable');
export const UnknownObjectGroupError = reasonClass('UnknownObjectGroup');
export const ConstraintViolationError = reasonClass('ConstraintViolation');
export const DuplicateProcessRequestError = reasonClass('DuplicateProcessRequest');
export const GeneralFailureError = reasonClass('GeneralFailure');

/** The class for a Result Reason code: its subclass, or KmipError itself for codes no edition defines. */
export function errorClassFor(reasonCode: number | undefined): KmipErrorClass {
  return (reasonCode !== undefined && BY_CODE.get(reasonCode)) || KmipError;
}

/** The error a failed batch item stands for. */
export function kmipError(init: KmipErrorInit): KmipError {
  return new (errorClassFor(init.reasonCode))(init);
}

/**
 * Whether the server said the object does not exist (or is not visible to this client): KMIP 1.x
 * answers Item Not Found, 2.x Object Not Found, and servers mix them, so check this rather than one class.
 */
export function isNotFound(err: unknown): boolean {
  return err instanceof ItemNotFoundError || err instanceof ObjectNotFoundError;
}
