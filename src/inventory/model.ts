// The inventory's data: one row per managed object, one entry per server, and the report around them.
// Plain JSON values only (dates as ISO text), so that the JSON output is this model as it is.
import type { Attributes } from '../client/index.js';

/** The dates a row carries, by their camelCase attribute keys. */
export const DATE_KEYS = [
  'initialDate',
  'activationDate',
  'deactivationDate',
  'protectStopDate',
  'processStartDate',
  'compromiseDate',
  'compromiseOccurrenceDate',
  'destroyDate',
  'lastChangeDate',
] as const;
export type DateKey = (typeof DATE_KEYS)[number];

export type FindingCode = 'expiring' | 'expired' | 'compromised-in-use' | 'deactivated-in-use' | 'no-rotation';
export type Severity = 'high' | 'medium' | 'low';

export interface Finding {
  code: FindingCode;
  severity: Severity;
  /** One sentence: what and why, with the dates or links it rests on. */
  message: string;
}

export interface InventoryLink {
  /** Link Type name: 'ReplacementObjectLink', 'WrappingKeyLink', ... */
  type: string;
  uniqueIdentifier: string;
}

export interface InventoryObject {
  /** The target's name (see ServerReport.name). */
  server: string;
  uniqueIdentifier: string;
  objectType?: string;
  cryptographicAlgorithm?: string;
  cryptographicLength?: number;
  state?: string;
  names: string[];
  dates: Partial<Record<DateKey, string>>;
  usageMask: string[];
  links: InventoryLink[];
  /** Revocation Reason Code name, when revoked. */
  revocationReason?: string;
  /** KMIP 2.1 rotation attributes, when the server keeps them. */
  rotation?: { automatic?: boolean; intervalSeconds?: number; date?: string };
  findings: Finding[];
  /** The attributes could not be read (the row holds only the identifier): why. */
  error?: string;
}

export type ServerStatus = 'ok' | 'failed';

export interface ServerError {
  /** 'connection' | 'tls' | 'timeout' | 'kmip' | 'protocol' | 'error' */
  kind: string;
  /** What failed and what to do about it. */
  message: string;
  /** KMIP Result Reason, when the server refused. */
  reason?: string;
}

export interface ServerReport {
  name: string;
  /** HOST:PORT (failover addresses joined with ', '). */
  address: string;
  status: ServerStatus;
  /** The protocol version spoken, once known. */
  version?: string;
  /** Unique identifiers Locate returned. */
  located: number;
  /** Rows in the report from this server. */
  objects: number;
  /** Every located object was read (false when the server failed part way). */
  complete: boolean;
  error?: ServerError;
  /** Things worth knowing that did not stop the run (a state filter the server refused, ...). */
  notes: string[];
}

export interface InventoryParameters {
  expiringDays: number;
  maxAgeDays: number;
  includeDestroyed: boolean;
}

export interface InventoryReport {
  generatedAt: string;
  parameters: InventoryParameters;
  servers: ServerReport[];
  objects: InventoryObject[];
  summary: {
    servers: number;
    serversFailed: number;
    objects: number;
    byState: Record<string, number>;
    findings: Partial<Record<FindingCode, number>>;
  };
}

const iso = (v: unknown): string | undefined => {
  if (v instanceof Date && Number.isFinite(v.getTime())) return v.toISOString();
  if (typeof v === 'string' && Number.isFinite(Date.parse(v))) return new Date(v).toISOString();
  return undefined;
};
const first = (v: unknown): unknown => (Array.isArray(v) ? v[0] : v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined);

/** A name attribute value: text, or a structure with its Name Value (as some servers return it). */
function nameText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && typeof (v as { nameValue?: unknown }).nameValue === 'string') return (v as { nameValue: string }).nameValue;
  return undefined;
}

const list = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** A row from the attributes a server returned; whatever is missing or malformed stays unset. */
export function objectFromAttributes(server: string, uniqueIdentifier: string, attrs: Attributes): InventoryObject {
  const dates: Partial<Record<DateKey, string>> = {};
  for (const k of DATE_KEYS) {
    const d = iso(first(attrs[k]));
    if (d) dates[k] = d;
  }
  const links: InventoryLink[] = [];
  for (const l of list(attrs.link)) {
    if (!l || typeof l !== 'object') continue;
    const type = str((l as Record<string, unknown>).linkType);
    const uid = str((l as Record<string, unknown>).linkedObjectIdentifier);
    if (type && uid !== undefined) links.push({ type, uniqueIdentifier: uid });
  }
  const mask = attrs.cryptographicUsageMask;
  const usageMask = Array.isArray(mask) ? mask.filter((m): m is string => typeof m === 'string') : typeof mask === 'number' ? [`0x${(mask >>> 0).toString(16)}`] : [];
  const reason = first(attrs.revocationReason);
  const revocationReason = reason && typeof reason === 'object' ? str((reason as Record<string, unknown>).revocationReasonCode) : str(reason);
  const rotation: NonNullable<InventoryObject['rotation']> = {};
  const auto = first(attrs.rotateAutomatic);
  if (typeof auto === 'boolean') rotation.automatic = auto;
  const interval = first(attrs.rotateInterval);
  if (typeof interval === 'number') rotation.intervalSeconds = interval;
  const rotateDate = iso(first(attrs.rotateDate));
  if (rotateDate) rotation.date = rotateDate;
  const length = first(attrs.cryptographicLength);
  return {
    server,
    uniqueIdentifier,
    ...(str(first(attrs.objectType)) ? { objectType: str(first(attrs.objectType)) } : {}),
    ...(str(first(attrs.cryptographicAlgorithm)) ? { cryptographicAlgorithm: str(first(attrs.cryptographicAlgorithm)) } : {}),
    ...(typeof length === 'number' ? { cryptographicLength: length } : {}),
    ...(str(first(attrs.state)) ? { state: str(first(attrs.state)) } : {}),
    names: list(attrs.name).map(nameText).filter((n): n is string => n !== undefined),
    dates,
    usageMask,
    links,
    ...(revocationReason ? { revocationReason } : {}),
    ...(Object.keys(rotation).length ? { rotation } : {}),
    findings: [],
  };
}

/** The report's summary counts. */
export function summarize(servers: readonly ServerReport[], objects: readonly InventoryObject[]): InventoryReport['summary'] {
  const byState: Record<string, number> = {};
  const findings: Partial<Record<FindingCode, number>> = {};
  for (const o of objects) {
    const s = o.state ?? (o.error ? 'unreadable' : 'unknown');
    byState[s] = (byState[s] ?? 0) + 1;
    for (const f of o.findings) findings[f.code] = (findings[f.code] ?? 0) + 1;
  }
  return { servers: servers.length, serversFailed: servers.filter((s) => s.status === 'failed').length, objects: objects.length, byState, findings };
}
