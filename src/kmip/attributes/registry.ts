// Every attribute the server knows, with the rules of the KMIP 2.1 attribute tables (§4, "Initially
// set by / Modifiable by client / Deletable by client / Multiple instances") and the 1.x ones for
// attributes 2.0 dropped. One row per attribute; the engine reads nothing else to decide who may
// touch what.
import { Tag } from '../../dict/index.js';
import { ItemType } from '../../ttlv/types.js';

export interface AttributeDef {
  /** The KMIP 1.x Attribute Name, e.g. 'Cryptographic Algorithm'. */
  readonly name: string;
  /** The tag of the attribute value (the KMIP 2.x form). */
  readonly tag: number;
  readonly type: number;
  /** A client may supply it in Create, Register, Add Attribute. */
  readonly clientSets: boolean;
  /** A client may change an existing value (Modify Attribute, Set Attribute). */
  readonly clientModifies: boolean;
  /** A client may delete an instance. */
  readonly clientDeletes: boolean;
  readonly multi: boolean;
  /** Modifiable by the client only in these states (the date attributes). */
  readonly modifiableIn?: readonly number[];
  /** First protocol version (major*10+minor) whose object model has it; last one, for 1.x-only ones. */
  readonly since: number;
  readonly until?: number;
}

const S = ItemType.Structure, E = ItemType.Enumeration, I = ItemType.Integer, T = ItemType.TextString;
const D = ItemType.DateTime, B = ItemType.Boolean, IV = ItemType.Interval, L = ItemType.LongInteger;
const PRE = [1], PRE_ACT = [1, 2];

// [name, tag, type, flags, since, until?, modifiableIn?]; flags: c = client sets, m = client modifies,
// d = client deletes, * = multiple instances.
type Row = [string, number, number, string, number, number?, (readonly number[])?];
const ROWS: Row[] = [
  ['Unique Identifier', Tag.UniqueIdentifier, T, '', 10],
  ['Name', Tag.Name, S, 'cmd*', 10],
  ['Object Type', Tag.ObjectType, E, '', 10],
  ['Cryptographic Algorithm', Tag.CryptographicAlgorithm, E, 'c', 10],
  ['Cryptographic Length', Tag.CryptographicLength, I, 'c', 10],
  ['Cryptographic Parameters', Tag.CryptographicParameters, S, 'cmd*', 10],
  ['Cryptographic Domain Parameters', Tag.CryptographicDomainParameters, S, 'c', 10],
  ['Certificate Type', Tag.CertificateType, E, '', 10],
  ['Certificate Length', Tag.CertificateLength, I, '', 11],
  ['X.509 Certificate Identifier', Tag.X_509CertificateIdentifier, S, '', 11],
  ['X.509 Certificate Subject', Tag.X_509CertificateSubject, S, '', 11],
  ['X.509 Certificate Issuer', Tag.X_509CertificateIssuer, S, '', 11],
  ['Certificate Identifier', Tag.CertificateIdentifier, S, '', 10, 14],
  ['Certificate Subject', Tag.CertificateSubject, S, '', 10, 14],
  ['Certificate Issuer', Tag.CertificateIssuer, S, '', 10, 14],
  ['Digital Signature Algorithm', Tag.DigitalSignatureAlgorithm, E, '', 11],
  ['Digest', Tag.Digest, S, '*', 10],
  ['Operation Policy Name', Tag.OperationPolicyName, T, 'c', 10, 14],
  ['Cryptographic Usage Mask', Tag.CryptographicUsageMask, I, 'c', 10],
  ['Lease Time', Tag.LeaseTime, IV, '', 10],
  ['Usage Limits', Tag.UsageLimits, S, 'cmd', 10],
  ['State', Tag.State, E, '', 10],
  ['Initial Date', Tag.InitialDate, D, '', 10],
  ['Activation Date', Tag.ActivationDate, D, 'cm', 10, undefined, PRE],
  ['Process Start Date', Tag.ProcessStartDate, D, 'cm', 10, undefined, PRE_ACT],
  ['Protect Stop Date', Tag.ProtectStopDate, D, 'cm', 10, undefined, PRE_ACT],
  ['Deactivation Date', Tag.DeactivationDate, D, 'cm', 10, undefined, PRE_ACT],
  ['Destroy Date', Tag.DestroyDate, D, '', 10],
  ['Compromise Occurrence Date', Tag.CompromiseOccurrenceDate, D, '', 10],
  ['Compromise Date', Tag.CompromiseDate, D, '', 10],
  ['Revocation Reason', Tag.RevocationReason, S, '', 10],
  ['Archive Date', Tag.ArchiveDate, D, '', 10],
  ['Object Group', Tag.ObjectGroup, T, 'cmd*', 10],
  ['Fresh', Tag.Fresh, B, 'c', 11],
  ['Link', Tag.Link, S, 'cmd*', 10],
  ['Application Specific Information', Tag.ApplicationSpecificInformation, S, 'cmd*', 10],
  ['Contact Information', Tag.ContactInformation, T, 'cmd', 10],
  ['Last Change Date', Tag.LastChangeDate, D, '', 10],
  ['Alternative Name', Tag.AlternativeName, S, 'cmd*', 12],
  ['Key Value Present', Tag.KeyValuePresent, B, '', 12],
  ['Key Value Location', Tag.KeyValueLocation, S, 'cmd*', 12],
  ['Original Creation Date', Tag.OriginalCreationDate, D, 'c', 12],
  ['Random Number Generator', Tag.RandomNumberGenerator, S, 'c', 13],
  ['PKCS#12 Friendly Name', Tag.PKCS_12FriendlyName, T, 'cmd', 14],
  ['Description', Tag.Description, T, 'cmd', 14],
  ['Comment', Tag.Comment, T, 'cmd', 14],
  ['Sensitive', Tag.Sensitive, B, 'cm', 14],
  ['Always Sensitive', Tag.AlwaysSensitive, B, '', 14],
  ['Extractable', Tag.Extractable, B, 'cm', 14],
  ['Never Extractable', Tag.NeverExtractable, B, '', 14],
  ['Key Format Type', Tag.KeyFormatType, E, '', 20],
  ['NIST Key Type', Tag.NISTKeyType, E, 'c', 20],
  ['Opaque Data Type', Tag.OpaqueDataType, E, '', 20],
  ['Protection Level', Tag.ProtectionLevel, E, 'cmd', 20],
  ['Protection Period', Tag.ProtectionPeriod, IV, 'cmd', 20],
  ['Protection Storage Mask', Tag.ProtectionStorageMask, I, '', 20],
  ['Quantum Safe', Tag.QuantumSafe, B, 'cmd', 20],
  ['Short Unique Identifier', Tag.ShortUniqueIdentifier, 0x08, '', 20],
  ['Rotate Automatic', Tag.RotateAutomatic, B, 'cm', 21],
  ['Rotate Interval', Tag.RotateInterval, IV, 'cmd', 21],
  ['Rotate Offset', Tag.RotateOffset, IV, 'cmd', 21],
  ['Rotate Name', Tag.RotateName, S, 'cmd', 21],
  ['Rotate Generation', Tag.RotateGeneration, I, '', 21],
  ['Rotate Latest', Tag.RotateLatest, B, '', 21],
  ['Rotate Date', Tag.RotateDate, D, '', 21],
  // Certificate Attributes (KMIP 1.2+): the subject and issuer fields of a registered X.509 certificate.
  ...(['CN', 'O', 'OU', 'Email', 'C', 'ST', 'L', 'UID', 'Serial Number', 'Title', 'DC', 'DN Qualifier'] as const).flatMap((f): Row[] => {
    const suffix = f.replace(/ /g, '') as 'CN';
    return [
      [`Certificate Subject ${f}`, Tag[`CertificateSubject${suffix}`], T, '*', 12],
      [`Certificate Issuer ${f}`, Tag[`CertificateIssuer${suffix}`], T, '*', 12],
    ];
  }),
];
void L;

export const ATTRIBUTES: readonly AttributeDef[] = ROWS.map(([name, tag, type, flags, since, until, modifiableIn]) => ({
  name,
  tag,
  type,
  clientSets: flags.includes('c'),
  clientModifies: flags.includes('m'),
  clientDeletes: flags.includes('d'),
  multi: flags.includes('*'),
  since,
  ...(until !== undefined ? { until } : {}),
  ...(modifiableIn ? { modifiableIn } : {}),
}));

const BY_NAME = new Map(ATTRIBUTES.map((d) => [d.name, d]));
const BY_TAG = new Map(ATTRIBUTES.map((d) => [d.tag, d]));
// Older and variant spellings clients send.
BY_NAME.set('x509 Certificate Identifier', BY_NAME.get('X.509 Certificate Identifier')!);

export const attributeByName = (name: string): AttributeDef | undefined => BY_NAME.get(name);
export const attributeByTag = (tag: number): AttributeDef | undefined => BY_TAG.get(tag);

/** A custom (1.x) or vendor (2.x) attribute: 'x-...' set by clients, 'y-...' by the server. */
export interface VendorName {
  readonly vendor: string;
  readonly name: string;
}

/** 1.x custom attribute names are 'x-Name' / 'y-Name'; 2.x writes them as Vendor Identification + name. */
export function splitCustomName(name: string): VendorName | undefined {
  const m = /^([^-]+)-(.+)$/s.exec(name);
  return m && (m[1] === 'x' || m[1] === 'y') ? { vendor: m[1], name: m[2] } : undefined;
}

export const customName = (v: VendorName): string => `${v.vendor}-${v.name}`;

/** Client-writable custom attributes: 'x-' and any vendor other than the server's own 'y'. */
export const clientOwnsCustom = (key: string): boolean => !key.startsWith('y-');

export const versionNumber = (major: number, minor: number): number => major * 10 + minor;
