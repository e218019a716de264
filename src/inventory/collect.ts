// Reading one server's objects: Locate every identifier the credentials can see (paged), then Get
// Attributes for each, a few at a time. A server that cannot be reached, or fails part way, gives a
// ServerReport with status 'failed' and the rows read before the failure; it never throws.
import { KmipClient, KmipError, KmipProtocolError, KmipTransportError, isNotFound, type KmipClientOptions } from '../client/index.js';
import { objectFromAttributes, type InventoryObject, type ServerError, type ServerReport } from './model.js';

export interface InventoryTarget {
  /** Shown in the report's server column; unique within a run. */
  name: string;
  /** Client options: servers (failover addresses), TLS material, version, timeouts. */
  client: KmipClientOptions;
}

export interface CollectOptions {
  /** Get Attributes requests in flight per server (default 4). */
  concurrency?: number;
  /** Locate page size (Maximum Items, default 100). */
  pageSize?: number;
  /** Also locate destroyed objects (Storage Status Mask Destroyed Storage, KMIP 2.0+). Default true. */
  includeDestroyed?: boolean;
  /** Called as objects are read (for a progress line). */
  onProgress?: (server: string, read: number, located: number | undefined) => void;
  /** Makes the client for a target (default: a KmipClient); tests pass one that fails on cue. */
  createClient?: (options: KmipClientOptions) => InventoryClient;
}

/** What the inventory needs of a client. */
export type InventoryClient = Pick<KmipClient, 'version' | 'locateAll' | 'getAttributes' | 'close'>;

/** The attributes asked for by name when a server refuses "all attributes". */
const NAMED = [
  'objectType', 'state', 'name', 'cryptographicAlgorithm', 'cryptographicLength', 'cryptographicUsageMask', 'initialDate', 'activationDate',
  'deactivationDate', 'protectStopDate', 'processStartDate', 'compromiseDate', 'compromiseOccurrenceDate', 'destroyDate', 'lastChangeDate',
  'link', 'revocationReason',
];
/** KMIP 2.1 only. */
const NAMED_21 = ['rotateAutomatic', 'rotateInterval', 'rotateDate'];

const TLS_RE = /certificate|ssl|tls|handshake|alert|self[- ]signed|verify|unable to get|wrong version number|EPROTO/i;

/** A failure as the report shows it: what happened and what to do. */
export function describeFailure(e: unknown, address: string, progress?: { read: number; located: number }): ServerError {
  const during = progress && progress.located > 0 ? ` after ${progress.read} of ${progress.located} objects (the report lists those read)` : '';
  if (e instanceof KmipError) {
    const reason = e.reason ?? 'no Result Reason given';
    return {
      kind: 'kmip',
      ...(e.reason ? { reason: e.reason } : {}),
      message: `${address} refused ${e.operation ?? 'a request'}${during}: ${reason}${e.resultMessage ? `: ${e.resultMessage}` : ''}. Check that these credentials may ${e.operation === 'Locate' ? 'locate objects' : 'read attributes'} on this server`,
    };
  }
  if (e instanceof KmipTransportError) {
    if (e.code === 'TIMEOUT') return { kind: 'timeout', message: `no answer from ${address} in time${during} (${e.message}); raise --timeout (or timeoutMs in --targets) or check the server` };
    if (TLS_RE.test(e.message)) {
      return { kind: 'tls', message: `TLS failure with ${address}${during}: ${e.message}. Check this server's ca/cert/key: the CA must be the one that issued the server's certificate, and the server must trust the client certificate` };
    }
    if (during) return { kind: 'connection', message: `lost ${address}${during}: ${e.message}. Check that the server is running, then run the inventory again` };
    if (/closed the connection|ECONNRESET|socket hang up/i.test(e.message)) {
      return { kind: 'tls', message: `${address} closed the connection during or right after the TLS handshake: ${e.message}. The server probably does not trust the client certificate: check this server's cert/key, and that it is a KMIP server` };
    }
    return { kind: 'connection', message: `cannot reach a KMIP server at ${address}: ${e.message}. Is it running? Check the address in --server or --targets` };
  }
  if (e instanceof KmipProtocolError) return { kind: 'protocol', message: `${address} sent an answer that is not valid KMIP${during}: ${e.message}` };
  return { kind: 'error', message: `${address}${during}: ${(e as Error)?.message ?? String(e)}` };
}

const addressOf = (t: InventoryTarget): string => t.client.servers.map((s) => (typeof s === 'string' ? s : `${s.host}:${s.port}`)).join(', ');

/** Whether an error ends the server's run (no answer, or not KMIP), rather than one object's row. */
const fatal = (e: unknown): boolean => !(e instanceof KmipError);

/** Inventories one target. Never throws: failures go into the ServerReport. */
export async function collectServer(target: InventoryTarget, options: CollectOptions = {}): Promise<{ server: ServerReport; objects: InventoryObject[] }> {
  const concurrency = options.concurrency ?? 4;
  const address = addressOf(target);
  const report: ServerReport = { name: target.name, address, status: 'ok', located: 0, objects: 0, complete: false, notes: [] };
  const objects: InventoryObject[] = [];
  let client: InventoryClient | undefined;
  const ids: string[] = [];
  let read = 0;
  try {
    const clientOptions = { ...target.client, maxConnectionsPerServer: Math.max(1, concurrency) };
    client = options.createClient ? options.createClient(clientOptions) : new KmipClient(clientOptions);
    report.version = await client.version();
    options.onProgress?.(target.name, 0, undefined);
    const c = client;
    const v = Number(report.version.replace('.', ''));
    // A plain Locate lists on-line objects only: ask for archived ones too, and (KMIP 2.0+, which has
    // the Destroyed Storage bit) destroyed ones, whose attributes servers keep.
    const withDestroyed = options.includeDestroyed !== false && v >= 20;
    const storage = ['OnLineStorage', 'ArchivalStorage', ...(withDestroyed ? ['DestroyedStorage'] : [])];
    const locate = async (filter: { storageStatusMask?: string[] }) => {
      const seen = new Set<string>();
      const found: string[] = [];
      for await (const id of c.locateAll({}, { ...filter, ...(options.pageSize ? { pageSize: options.pageSize } : {}) })) {
        if (!seen.has(id)) {
          seen.add(id);
          found.push(id);
        }
      }
      return found;
    };
    try {
      ids.push(...(await locate({ storageStatusMask: storage })));
    } catch (e) {
      if (fatal(e)) throw e;
      report.notes.push(`Locate with Storage Status Mask ${storage.join('|')} was refused (${(e as KmipError).reason ?? (e as Error).message}): on-line objects only`);
      ids.push(...(await locate({})));
    }
    if (options.includeDestroyed !== false && !withDestroyed) report.notes.push(`KMIP ${report.version} cannot ask for destroyed objects: they are not listed`);
    report.located = ids.length;
    options.onProgress?.(target.name, 0, ids.length);

    const named = v >= 21 ? [...NAMED, ...NAMED_21] : NAMED;
    let askAll = true;
    const readOne = async (uid: string): Promise<InventoryObject> => {
      let firstError: unknown;
      if (askAll) {
        try {
          return objectFromAttributes(target.name, uid, (await c.getAttributes(uid)).attributes);
        } catch (e) {
          if (fatal(e)) throw e;
          if (isNotFound(e)) return gone(uid, e as KmipError);
          firstError = e;
        }
      }
      try {
        const r = objectFromAttributes(target.name, uid, (await c.getAttributes(uid, named)).attributes);
        if (askAll) {
          // All attributes refused, named ones answered: ask by name from now on.
          askAll = false;
          report.notes.push(`Get Attributes without names was refused (${(firstError as KmipError).reason ?? 'no reason'}): attributes were asked for by name`);
        }
        return r;
      } catch (e) {
        if (fatal(e)) throw e;
        if (isNotFound(e)) return gone(uid, e as KmipError);
        const k = e as KmipError;
        return { ...objectFromAttributes(target.name, uid, {}), error: `Get Attributes refused: ${k.reason ?? k.message}` };
      }
    };
    const gone = (uid: string, e: KmipError): InventoryObject => ({
      ...objectFromAttributes(target.name, uid, {}),
      error: `gone between Locate and Get Attributes (${e.reason ?? 'not found'})`,
    });

    // A few workers over the identifiers, in Locate order; the first fatal failure stops them all.
    const rows: (InventoryObject | undefined)[] = new Array(ids.length);
    let next = 0;
    let failure: unknown;
    const worker = async () => {
      while (failure === undefined && next < ids.length) {
        const i = next++;
        try {
          rows[i] = await readOne(ids[i]);
          read++;
          options.onProgress?.(target.name, read, ids.length);
        } catch (e) {
          failure ??= e;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(Math.max(1, concurrency), Math.max(1, ids.length)) }, worker));
    for (const r of rows) if (r) objects.push(r);
    if (failure !== undefined) throw failure;
    report.complete = true;
  } catch (e) {
    report.status = 'failed';
    report.located = ids.length;
    report.error = describeFailure(e, address, ids.length ? { read, located: ids.length } : undefined);
  } finally {
    await client?.close().catch(() => undefined);
  }
  report.objects = objects.length;
  return { server: report, objects };
}
