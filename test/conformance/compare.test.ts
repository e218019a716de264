// The comparison and placeholder logic on real corpus files, without a network: a "server" is
// simulated by resolving the recorded response's placeholders, then mutated to check each verdict.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_SELECTION, loadCase, selectCases, TESTCASES, type Step } from '../../src/conformance/cases.js';
import { compareResponse, child } from '../../src/conformance/compare.js';
import { applyErrata } from '../../src/conformance/errata.js';
import { Bindings, classify, prepareRequest } from '../../src/conformance/placeholders.js';
import { notSupported, recordGenerated, runCase } from '../../src/conformance/replay.js';
import { Tag } from '../../src/dict/index.js';
import { ItemType, type StructureItem, type TtlvItem } from '../../src/ttlv/types.js';

const load = (rel: string) => loadCase(join(TESTCASES, rel));

/** What a conforming server could answer: the recorded response with its placeholders filled in by the "server". */
const serverAnswer = (step: Step, server: Bindings) => prepareRequest(step.response, step.responseMarks, server);

/** Copy of `item` with the structure at `path` (tags from the root) rewritten by `f`. */
function edit(item: TtlvItem, path: number[], f: (s: StructureItem) => TtlvItem): TtlvItem {
  if (path.length === 0) return f(item as StructureItem);
  const s = item as StructureItem;
  const i = s.value.findIndex((c) => c.tag === path[0]);
  return { ...s, value: s.value.map((c, j) => (j === i ? edit(c, path.slice(1), f) : c)) };
}
const ATTRS = [Tag.BatchItem, Tag.ResponsePayload, Tag.Attributes];

/** Runs steps 0..n-1 of a file against simulated answers; returns the client-side bindings. */
function runTo(steps: Step[], n: number, server: Bindings, client: Bindings): void {
  for (const step of steps.slice(0, n)) {
    const req = prepareRequest(step.request, step.requestMarks, client);
    const answer = serverAnswer(step, server);
    expect(compareResponse(step.response, step.responseMarks, answer, req, client)).toBeUndefined();
    recordGenerated(step.response, answer, client);
  }
}

describe('conformance comparison on v2.1 SKLC-M-1-21', () => {
  const { steps } = load('v2.1/profiles/mandatory/SKLC-M-1-21.xml');

  it('captures $UNIQUE_IDENTIFIER_0 from the Create response and sends it in the next request', () => {
    const server = new Bindings();
    const client = new Bindings();
    runTo(steps, 1, server, client);
    const uid = server.values.get('$UNIQUE_IDENTIFIER_0');
    expect(uid?.type).toBe(ItemType.TextString);
    expect(client.values.get('$UNIQUE_IDENTIFIER_0')?.value).toBe(uid!.value);
    const next = prepareRequest(steps[1].request, steps[1].requestMarks, client);
    const sent = child(child(child(next, Tag.BatchItem), Tag.RequestPayload), Tag.UniqueIdentifier);
    expect(sent?.value).toBe(uid!.value);
  });

  it('passes the same answer with attributes reordered, and fails a changed State at its path', () => {
    const server = new Bindings();
    const client = new Bindings();
    runTo(steps, 1, server, client);
    const req = prepareRequest(steps[1].request, steps[1].requestMarks, client);
    const answer = serverAnswer(steps[1], server);
    const reversed = edit(answer, ATTRS, (s) => ({ ...s, value: [...s.value].reverse() }));
    const snap = client.snapshot();
    expect(compareResponse(steps[1].response, steps[1].responseMarks, reversed, req, client)).toBeUndefined();
    client.restore(snap);
    const active = edit(answer, ATTRS, (s) => ({
      ...s,
      value: s.value.map((c) => (c.tag === Tag.State ? { ...c, value: 2 } : c)) as TtlvItem[],
    }));
    expect(compareResponse(steps[1].response, steps[1].responseMarks, active, req, client)).toEqual({
      path: 'ResponseMessage/BatchItem/ResponsePayload/Attributes/State',
      expected: 'Enumeration PreActive',
      actual: 'Enumeration Active',
      message: 'value differs (compared as a set, rule get-attributes-2x)',
    });
  });

  it('a missing attribute fails; an extra one fails when the request named the attributes', () => {
    const server = new Bindings();
    const client = new Bindings();
    runTo(steps, 1, server, client);
    const req = prepareRequest(steps[1].request, steps[1].requestMarks, client);
    const answer = serverAnswer(steps[1], server);
    const noLength = edit(answer, ATTRS, (s) => ({ ...s, value: s.value.filter((c) => c.tag !== Tag.CryptographicLength) }));
        const d2 = compareResponse(steps[1].response, steps[1].responseMarks, noLength, req, client);
    expect(d2).toMatchObject({ path: 'ResponseMessage/BatchItem/ResponsePayload/Attributes/CryptographicLength', actual: '(absent)' });
    const extra = edit(answer, ATTRS, (s) => ({ ...s, value: [...s.value, { tag: Tag.Sensitive, type: ItemType.Boolean, value: false } as TtlvItem] }));
    const fresh = new Bindings();
    runTo(steps, 1, server, fresh);
    expect(compareResponse(steps[1].response, steps[1].responseMarks, extra, req, fresh)).toMatchObject({
      path: 'ResponseMessage/BatchItem/ResponsePayload/Attributes/Sensitive',
      expected: '(absent)',
      actual: 'Boolean false',
    });
  });

  it('Digest of a key the server generated is compared loosely; of any other key exactly', () => {
    const server = new Bindings();
    const client = new Bindings();
    runTo(steps, 1, server, client);
    const req = prepareRequest(steps[1].request, steps[1].requestMarks, client);
    const otherDigest = edit(serverAnswer(steps[1], server), [...ATTRS, Tag.Digest], (s) => ({
      ...s,
      value: s.value.map((c) => (c.tag === Tag.DigestValue ? { ...c, value: new Uint8Array(32).fill(7) } : c)) as TtlvItem[],
    }));
    const notGenerated = client.snapshot();
    notGenerated.generated.clear();
    const plain = new Bindings();
    plain.restore(notGenerated);
    expect(compareResponse(steps[1].response, steps[1].responseMarks, otherDigest, req, plain)?.path).toBe(
      'ResponseMessage/BatchItem/ResponsePayload/Attributes/Digest/DigestValue',
    );
    expect(compareResponse(steps[1].response, steps[1].responseMarks, otherDigest, req, client)).toBeUndefined();
  });

  it('a later occurrence of $UNIQUE_IDENTIFIER_0 must equal the captured one; $NOW must be near the clock', () => {
    const server = new Bindings();
    const client = new Bindings();
    runTo(steps, 2, server, client);
    const req = prepareRequest(steps[2].request, steps[2].requestMarks, client);
    const other = edit(serverAnswer(steps[2], server), [Tag.BatchItem, Tag.ResponsePayload], (s) => ({
      ...s,
      value: s.value.map((c) => (c.tag === Tag.UniqueIdentifier ? { ...c, value: 'someone-else' } : c)) as TtlvItem[],
    }));
    const d = compareResponse(steps[2].response, steps[2].responseMarks, other, req, client);
    expect(d).toMatchObject({ path: 'ResponseMessage/BatchItem/ResponsePayload/UniqueIdentifier', actual: 'TextString "someone-else"' });
    expect(d!.message).toContain('$UNIQUE_IDENTIFIER_0');

    const stale = edit(serverAnswer(steps[1], server), ATTRS, (s) => ({
      ...s,
      value: s.value.map((c) => (c.tag === Tag.InitialDate ? { ...c, value: 1_000_000_000n } : c)) as TtlvItem[],
    }));
    const req1 = prepareRequest(steps[1].request, steps[1].requestMarks, client);
    expect(compareResponse(steps[1].response, steps[1].responseMarks, stale, req1, client)).toMatchObject({
      path: 'ResponseMessage/BatchItem/ResponsePayload/Attributes/InitialDate',
      expected: '$NOW',
      actual: 'DateTime 2001-09-09T01:46:40+00:00',
    });
  });
});

describe('implicit capture of server-chosen values (v2.1 CS-BC-M-3-21)', () => {
  it('the ciphertext of a server-generated key is loose, and the Decrypt request sends what the server returned', () => {
    const { steps } = load('v2.1/profiles/mandatory/CS-BC-M-3-21.xml');
    const server = new Bindings();
    const client = new Bindings();
    runTo(steps, 1, server, client);
    const encReq = prepareRequest(steps[1].request, steps[1].requestMarks, client);
    const ours = new Uint8Array(16).fill(0xab);
    const enc = edit(serverAnswer(steps[1], server), [Tag.BatchItem, Tag.ResponsePayload], (s) => ({
      ...s,
      value: s.value.map((c) => (c.tag === Tag.Data ? { ...c, value: ours } : c)) as TtlvItem[],
    }));
    expect(compareResponse(steps[1].response, steps[1].responseMarks, enc, encReq, client)).toBeUndefined();
    const decReq = prepareRequest(steps[2].request, steps[2].requestMarks, client);
    const data = child(child(child(decReq, Tag.BatchItem), Tag.RequestPayload), Tag.Data);
    expect(data?.value).toEqual(ours);
  });
});

describe('NOT-SUPPORTED', () => {
  it('an Operation Not Supported answer the file did not expect makes the file NOT-SUPPORTED, with the operation named', () => {
    const { steps } = load('v2.1/profiles/mandatory/SKLC-M-1-21.xml');
    const refused = edit(serverAnswer(steps[0], new Bindings()), [Tag.BatchItem], (s) => ({
      ...s,
      value: <TtlvItem[]>[
        s.value[0],
        { tag: Tag.ResultStatus, type: ItemType.Enumeration, value: 1 },
        { tag: Tag.ResultReason, type: ItemType.Enumeration, value: 5 },
        { tag: Tag.ResultMessage, type: ItemType.TextString, value: 'no Create here' },
      ],
    }));
    expect(notSupported(steps[0].response, refused)).toBe('Create: OperationNotSupported ("no Create here")');
    expect(notSupported(steps[0].response, serverAnswer(steps[0], new Bindings()))).toBeUndefined();
  });
});

describe('selection, errata and file forms', () => {
  it('the default selection: mandatory BL/SKLC/SKFF/OMOS/SASED/TL and CS-BC/CS-AC/CS-RNG/AKLC/QS, 1.0 to 2.1, profiles and ovh-kmip-go', () => {
    const cases = selectCases(DEFAULT_SELECTION);
    expect(cases.length).toBe(369);
    const lifecycle = ['BL', 'SKLC', 'SKFF', 'OMOS', 'SASED', 'TL'];
    const crypto = ['CS-BC', 'CS-AC', 'CS-RNG', 'AKLC', 'QS'];
    expect(cases.every((c) => c.mandatory && [...lifecycle, ...crypto].includes(c.profile!))).toBe(true);
    expect(cases.filter((c) => lifecycle.includes(c.profile!))).toHaveLength(182);
    expect(cases.every((c) => !c.file.startsWith('v3.0/'))).toBe(true);
    expect(new Set(cases.filter((c) => c.profile === 'QS').map((c) => c.version))).toEqual(new Set(['2.0', '2.1']));
    expect(new Set(cases.filter((c) => c.profile === 'BL').map((c) => c.version))).toEqual(new Set(['2.1']));
    expect(cases.some((c) => c.file === 'v1.0/ovh-kmip-go/TL_M_1_10_tape_library_config.xml')).toBe(true);
  });

  it('an unsound file (erratum E8) is reported NOT-SUPPORTED with its evidence and never replayed', async () => {
    const [c] = selectCases({ patterns: ['v1.2/ovh-kmip-go/CS_BC_M_7_12_Encrypt_with_All_Fields.xml'] });
    // A target nothing listens on: replaying would FAIL with a connection error.
    const nowhere = { name: 'nowhere', host: '127.0.0.1', port: 1, ca: '', cert: '', key: '', close: async () => {} };
    const r = await runCase(c, nowhere);
    expect(r.status).toBe('NOT-SUPPORTED');
    expect(r.reason).toMatch(/^unsound test case \(erratum E8-cs-bc-m-7-12-never-issued-correlation\): .*Correlation Value/);
  });

  it('filters by profile and version, and takes globs', () => {
    const sel = selectCases({ profiles: ['SKLC'], versions: ['1.4'], mandatory: true });
    expect(sel.map((c) => c.file)).toEqual(['v1.4/profiles/mandatory/SKLC-M-1-14.xml', 'v1.4/profiles/mandatory/SKLC-M-2-14.xml', 'v1.4/profiles/mandatory/SKLC-M-3-14.xml']);
    expect(selectCases({ patterns: ['v2.1/**/BL-M-1?-21.xml'] }).map((c) => c.file)).toHaveLength(4);
  });

  it('erratum E2 collapses the runs of spaces in 1.0 attribute names; E1 makes TC-ECDSA-SIGN-1-14 parse', () => {
    const file = 'v1.0/profiles/mandatory/SKLC-M-1-10.xml';
    const fixed = applyErrata(file, readFileSync(join(TESTCASES, file), 'utf8'));
    expect(fixed).toContain('value="Cryptographic Usage Mask"');
    expect(fixed).not.toContain('value="Cryptographic   Usage Mask"');
    expect(load('v1.4/testcases/TC-ECDSA-SIGN-1-14.xml').steps.length).toBeGreaterThan(0);
  });

  it('ovh-kmip-go `# TIME n` markers are step numbers', () => {
    const c = load('v1.0/ovh-kmip-go/TC_311_10_Create_Destroy.xml');
    expect(c.timeMarkers).toEqual(c.steps.map((s) => s.index));
  });

  it('every placeholder in the default selection is of a known form', () => {
    const seen = new Set<string>();
    const walk = (m: { ph?: string; kids?: unknown[] } | undefined) => {
      if (!m) return;
      if (m.ph) seen.add(m.ph);
      for (const k of m.kids ?? []) walk(k as typeof m);
    };
    for (const c of selectCases(DEFAULT_SELECTION)) for (const s of loadCase(c.path).steps) { walk(s.requestMarks); walk(s.responseMarks); }
    expect([...seen].filter((p) => !classify(p))).toEqual([]);
    expect(seen.has('$UNIQUE_IDENTIFIER_0')).toBe(true);
  });
});
