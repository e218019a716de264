// Replays one test-case file against a server: each request is sent (placeholders resolved), each
// response compared with the recorded one; the first difference ends the file.
import { decode, encode } from '../ttlv/index.js';
import { ItemType, type TtlvItem } from '../ttlv/types.js';
import { enumForTag } from '../dict/index.js';
import { loadCase, type CaseInfo, type LoadedCase } from './cases.js';
import { child, compareResponse, nameOf, operationName, show, type Difference } from './compare.js';
import { KmipConnection } from './connection.js';
import { errataFor } from './errata.js';
import { Bindings, prepareRequest } from './placeholders.js';
import { GENERATED_ID_TAGS, GENERATING_OPS, NOT_SUPPORTED_REASONS } from './rules.js';
import type { Target } from './target.js';

export type Verdict = 'PASS' | 'FAIL' | 'NOT-SUPPORTED';

export interface FileResult {
  file: string;
  status: Verdict;
  /** Empty for PASS; otherwise what went wrong, in one line. */
  reason: string;
  /** The step (request/response pair, from 0) where it stopped; undefined for PASS or a file that did not load. */
  step?: number;
  /** The first difference, for FAIL by comparison. */
  difference?: Difference;
  steps: number;
  ms: number;
}

const TAG = { BatchItem: 0x42000f, ResultStatus: 0x42007f, ResultReason: 0x42007e, ResultMessage: 0x42007d, ResponsePayload: 0x42007c } as const;
const REASONS = enumForTag(TAG.ResultReason);
const STATUSES = enumForTag(TAG.ResultStatus);

const batchItems = (m: TtlvItem) => (m.type === ItemType.Structure ? m.value.filter((c) => c.tag === TAG.BatchItem) : []);
const enumName = (item: TtlvItem | undefined, def = REASONS) => (item?.type === ItemType.Enumeration ? def?.valueName(item.value) : undefined);

/** "Operation X: Operation Not Supported" when the server refused a feature the file needs and the file did not expect that. */
export function notSupported(expected: TtlvItem, actual: TtlvItem): string | undefined {
  const want = batchItems(expected);
  for (const [i, got] of batchItems(actual).entries()) {
    const reason = enumName(child(got, TAG.ResultReason));
    if (enumName(child(got, TAG.ResultStatus), STATUSES) !== 'OperationFailed' || !reason || !NOT_SUPPORTED_REASONS.includes(reason)) continue;
    if (enumName(child(want[i], TAG.ResultReason)) === reason) continue;
    const msg = child(got, TAG.ResultMessage);
    const text = msg?.type === ItemType.TextString ? ` ("${msg.value.slice(0, 120)}")` : '';
    return `${operationName(want[i]) ?? operationName(got) ?? 'batch item ' + i}: ${reason}${text}`;
  }
  return undefined;
}

/** After a step passes: the objects whose secrets this server generated. */
export function recordGenerated(expected: TtlvItem, actual: TtlvItem, b: Bindings): void {
  const want = batchItems(expected);
  for (const [i, got] of batchItems(actual).entries()) {
    const op = operationName(want[i]);
    if (!op || !GENERATING_OPS.includes(op)) continue;
    const payload = child(got, TAG.ResponsePayload);
    if (payload?.type !== ItemType.Structure) continue;
    for (const c of payload.value) if (c.type === ItemType.TextString && GENERATED_ID_TAGS.includes(nameOf(c.tag))) b.generated.add(c.value);
  }
}

/** The server's own words when it failed a batch item the file expected to succeed. */
function failureOf(actual: TtlvItem): string {
  for (const got of batchItems(actual)) {
    if (enumName(child(got, TAG.ResultStatus), STATUSES) === 'Success') continue;
    const reason = enumName(child(got, TAG.ResultReason)) ?? 'no reason';
    const msg = child(got, TAG.ResultMessage);
    return ` [server: ${operationName(got) ?? '?'} ${reason}${msg?.type === ItemType.TextString ? ` "${msg.value.slice(0, 160)}"` : ''}]`;
  }
  return '';
}

const oneLine = (d: Difference) => `${d.path}: ${d.message}; expected ${d.expected}, got ${d.actual}`;

export interface ReplayOptions {
  /** Called after each step (for progress output). */
  onStep?: (file: string, step: number) => void;
  /** The file's bindings (a chained file's inherit its predecessor's); a new set when omitted. */
  bindings?: Bindings;
}

export async function replayCase(loaded: LoadedCase, target: Target, opts: ReplayOptions = {}): Promise<FileResult> {
  const started = Date.now();
  const { info, steps } = loaded;
  const result = (status: Verdict, reason: string, step?: number, difference?: Difference): FileResult => ({
    file: info.file, status, reason, step, difference, steps: steps.length, ms: Date.now() - started,
  });
  const errata = errataFor(info.file);
  // A file no server that follows the spec can pass is reported, with the evidence, instead of replayed.
  const unsound = errata.find((e) => e.unsound);
  if (unsound) return result('NOT-SUPPORTED', `unsound test case (erratum ${unsound.id}): ${unsound.defect}`);
  const looseRules = errata.flatMap((e) => e.loose ?? []);
  const b = opts.bindings ?? new Bindings();
  let conn: KmipConnection;
  try {
    conn = await KmipConnection.open(target);
  } catch (e) {
    return result('FAIL', (e as Error).message, 0);
  }
  try {
    for (const step of steps) {
      let request: TtlvItem;
      let bytes: Uint8Array;
      try {
        request = prepareRequest(step.request, step.requestMarks, b);
        bytes = encode(request);
      } catch (e) {
        return result('FAIL', `harness: cannot build the request: ${(e as Error).message}`, step.index);
      }
      let actual: TtlvItem;
      try {
        actual = decode(await conn.roundTrip(bytes));
      } catch (e) {
        return result('FAIL', (e as Error).message, step.index);
      }
      const ns = notSupported(step.response, actual);
      if (ns) return result('NOT-SUPPORTED', ns, step.index);
      const loose = new Set(looseRules.filter((l) => l.step === undefined || l.step === step.index).map((l) => l.path));
      // Before comparing: a batch may Create a key and Get it in the same message.
      recordGenerated(step.response, actual, b);
      const d = compareResponse(step.response, step.responseMarks, actual, request, b, { loose });
      if (d) return result('FAIL', oneLine(d) + failureOf(actual), step.index, d);
      opts.onStep?.(info.file, step.index);
    }
    return result('PASS', '');
  } finally {
    await conn.close();
  }
}

/** Loads and replays one file; a file that cannot be loaded FAILs with the parser's reason. */
export async function runCase(info: CaseInfo, target: Target, opts: ReplayOptions = {}): Promise<FileResult> {
  let loaded: LoadedCase;
  try {
    loaded = loadCase(info.path);
  } catch (e) {
    return { file: info.file, status: 'FAIL', reason: `harness: cannot load the file: ${(e as Error).message}`, steps: 0, ms: 0 };
  }
  return replayCase(loaded, target, opts);
}

export { show };
