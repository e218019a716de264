// Harness allowances added for the SKFF, SASED and TL files: the loose Random Number Generator rule
// (on corpus files, with simulated answers) and chained files (SASED/TL M-3 after M-2), the latter
// against our real server started in-process.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SELECTION, loadCase, selectCases, TESTCASES, type Step } from '../../src/conformance/cases.js';
import { CHAINS, predecessorOf } from '../../src/conformance/chains.js';
import { compareResponse } from '../../src/conformance/compare.js';
import { runConformance } from '../../src/conformance/main.js';
import { Bindings, prepareRequest } from '../../src/conformance/placeholders.js';
import { recordGenerated, replayCase } from '../../src/conformance/replay.js';
import { leafRulesFor } from '../../src/conformance/rules.js';
import { inProcessTarget } from '../../src/conformance/target.js';
import { DRBGAlgorithm, RNGAlgorithm, Tag } from '../../src/dict/index.js';
import { ItemType, type StructureItem, type TtlvItem } from '../../src/ttlv/types.js';

const load = (rel: string) => loadCase(join(TESTCASES, rel));
const serverAnswer = (step: Step, server: Bindings) => prepareRequest(step.response, step.responseMarks, server);

function runTo(steps: Step[], n: number, server: Bindings, client: Bindings): void {
  for (const step of steps.slice(0, n)) {
    const req = prepareRequest(step.request, step.requestMarks, client);
    const answer = serverAnswer(step, server);
    expect(compareResponse(step.response, step.responseMarks, answer, req, client)).toBeUndefined();
    recordGenerated(step.response, answer, client);
  }
}

/** Rewrites every structure (at any depth) that `pick` selects. */
function rewrite(item: TtlvItem, pick: (s: StructureItem) => boolean, f: (s: StructureItem) => TtlvItem): TtlvItem {
  if (item.type !== ItemType.Structure) return item;
  if (pick(item)) return f(item);
  return { ...item, value: item.value.map((c) => rewrite(c, pick, f)) };
}

const e = (tag: number, value: number): TtlvItem => ({ tag, type: ItemType.Enumeration, value });
const i = (tag: number, value: number): TtlvItem => ({ tag, type: ItemType.Integer, value });
const ourRng = (tag: number): StructureItem => ({
  tag, type: ItemType.Structure,
  value: [e(Tag.RNGAlgorithm, RNGAlgorithm.DRBG), e(Tag.CryptographicAlgorithm, 3), i(Tag.CryptographicLength, 256), e(Tag.DRBGAlgorithm, DRBGAlgorithm.CTR)],
});
const isAttr1x = (name: string) => (s: StructureItem) =>
  s.tag === Tag.Attribute && s.value.some((c) => c.tag === Tag.AttributeName && c.value === name);

describe('rule random-number-generator', () => {
  it('1.x (SKFF-M-10-14 step 1): our generator passes for a server-generated key, not for another key; State stays exact', () => {
    const { steps } = load('v1.4/profiles/mandatory/SKFF-M-10-14.xml');
    const server = new Bindings(), client = new Bindings();
    runTo(steps, 1, server, client);
    const req = prepareRequest(steps[1].request, steps[1].requestMarks, client);
    const ours = rewrite(serverAnswer(steps[1], server), isAttr1x('Random Number Generator'), (s) => ({
      ...s, value: s.value.map((c) => (c.tag === Tag.AttributeValue ? ourRng(Tag.AttributeValue) : c)),
    }));
    const plain = new Bindings();
    plain.restore({ ...client.snapshot(), generated: new Set() });
    expect(compareResponse(steps[1].response, steps[1].responseMarks, ours, req, plain)?.path).toMatch(/Attribute\[1\]\/AttributeValue\/RNGAlgorithm$/);
    expect(compareResponse(steps[1].response, steps[1].responseMarks, ours, req, client)).toBeUndefined();
    // Not a structure: still a difference.
    const notStruct = rewrite(ours, isAttr1x('Random Number Generator'), (s) => ({
      ...s, value: s.value.map((c) => (c.tag === Tag.AttributeValue ? i(Tag.AttributeValue, 1) : c)),
    }));
    expect(compareResponse(steps[1].response, steps[1].responseMarks, notStruct, req, client)?.message).toContain('different item type');
    const active = rewrite(ours, isAttr1x('State'), (s) => ({ ...s, value: s.value.map((c) => (c.tag === Tag.AttributeValue ? e(Tag.AttributeValue, 2) : c)) }));
    expect(compareResponse(steps[1].response, steps[1].responseMarks, active, req, client)?.path).toMatch(/AttributeValue$/);
  });

  it('applies to the Attribute Value of Random Number Generator only', () => {
    const path = 'BatchItem/ResponsePayload/Attribute/AttributeValue';
    expect(leafRulesFor('GetAttributes', path, 'Random Number Generator').map((r) => r.id)).toEqual(['random-number-generator']);
    expect(leafRulesFor('GetAttributes', path, 'Cryptographic Parameters')).toEqual([]);
    expect(leafRulesFor('GetAttributes', path)).toEqual([]);
    expect(leafRulesFor('Get', 'BatchItem/ResponsePayload/Attributes/RandomNumberGenerator')).toEqual([]);
  });

  it('2.x (SKFF-M-10-21 step 1): our generator passes for a server-generated key', () => {
    const { steps } = load('v2.1/profiles/mandatory/SKFF-M-10-21.xml');
    const server = new Bindings(), client = new Bindings();
    runTo(steps, 1, server, client);
    const req = prepareRequest(steps[1].request, steps[1].requestMarks, client);
    const ours = rewrite(serverAnswer(steps[1], server), (s) => s.tag === Tag.RandomNumberGenerator, () => ourRng(Tag.RandomNumberGenerator));
    expect(compareResponse(steps[1].response, steps[1].responseMarks, ours, req, client)).toBeUndefined();
    const plain = new Bindings();
    plain.restore({ ...client.snapshot(), generated: new Set() });
    expect(compareResponse(steps[1].response, steps[1].responseMarks, ours, req, plain)?.path).toContain('RandomNumberGenerator');
  });
});

describe('chained files', () => {
  it('every SASED/TL M-3 file of the default selection comes right after its M-2, which exists', () => {
    const cases = selectCases(DEFAULT_SELECTION);
    const chained = cases.filter((c) => predecessorOf(c.path));
    expect(chained.map((c) => c.file.split('/').pop())).toHaveLength(10);
    for (const c of chained) {
      const at = cases.indexOf(c);
      expect(cases[at - 1].path, c.file).toBe(predecessorOf(c.path));
    }
    expect(predecessorOf(join(TESTCASES, 'v2.1/profiles/mandatory/SASED-M-2-21.xml'))).toBeUndefined();
    expect(CHAINS.map((c) => c.id)).toEqual(['sased-m-3-after-m-2', 'tl-m-3-after-m-2']);
  });

  it('a chained file inherits what its predecessor learnt about objects, not its placeholders', () => {
    const before = new Bindings();
    before.generated.add('k1');
    before.values.set('$UNIQUE_IDENTIFIER_0', { tag: Tag.UniqueIdentifier, type: ItemType.TextString, value: 'k1' });
    before.sentDates.add(5n);
    const after = new Bindings().inherit(before);
    expect([...after.generated]).toEqual(['k1']);
    expect([...after.sentDates]).toEqual([5n]);
    expect(after.values.size).toBe(0);
  });

  it('against our server: TL-M-3-14 fails on a fresh server, passes after TL-M-2-14 (run as set-up or in the selection)', async () => {
    const factory = inProcessTarget();
    const target = await factory.start();
    try {
      const alone = await replayCase(load('v1.4/profiles/mandatory/TL-M-3-14.xml'), target);
      expect(alone.status).toBe('FAIL');
      expect(alone.step).toBe(0);
    } finally {
      await target.close();
    }
    const setup = await runConformance({ selection: { patterns: ['v1.4/profiles/mandatory/TL-M-3-14.xml'] }, factory });
    expect(setup.map((r) => [r.file, r.status, r.reason])).toEqual([['v1.4/profiles/mandatory/TL-M-3-14.xml', 'PASS', '']]);
    const both = await runConformance({ selection: { patterns: ['v1.0/ovh-kmip-go/SASED_M_2_10_*.xml', 'v1.0/ovh-kmip-go/SASED_M_3_10_*.xml'] }, factory });
    expect(both.map((r) => r.status)).toEqual(['PASS', 'PASS']);
  }, 60_000);
});
