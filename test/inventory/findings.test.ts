// The inventory's findings, judged against a fixed "now": no wall clock in here.
import { describe, expect, it } from 'vitest';
import { applyFindings, objectFromAttributes, type InventoryObject } from '../../src/inventory/index.js';

const NOW = new Date('2026-06-15T12:00:00Z');
const DAY = 86_400_000;
const ago = (d: number) => new Date(NOW.getTime() - d * DAY);
const ahead = (d: number) => new Date(NOW.getTime() + d * DAY);
const opts = { now: NOW, expiringDays: 30, maxAgeDays: 365 };

let n = 0;
function obj(attrs: Record<string, unknown>, server = 's1'): InventoryObject {
  return objectFromAttributes(server, (attrs.uid as string) ?? `u${++n}`, { objectType: 'SymmetricKey', cryptographicAlgorithm: 'AES', cryptographicLength: 256, ...attrs });
}
const codes = (o: InventoryObject) => o.findings.map((f) => f.code).sort();

describe('objectFromAttributes', () => {
  it('reads names, dates, masks, links, revocation reason and rotation; skips what is malformed', () => {
    const o = objectFromAttributes('s', 'id-1', {
      objectType: 'PrivateKey',
      cryptographicAlgorithm: 'RSA',
      cryptographicLength: 2048,
      state: 'Compromised',
      name: ['a', { nameValue: 'b', nameType: 'UninterpretedTextString' }, 7],
      initialDate: new Date('2026-01-01T00:00:00Z'),
      activationDate: 'not a date',
      compromiseDate: '2026-02-01T00:00:00Z',
      cryptographicUsageMask: ['Sign', 'Verify'],
      link: [{ linkType: 'PublicKeyLink', linkedObjectIdentifier: 'pub-1' }, { linkType: 'ParentLink' }, 'junk'],
      revocationReason: { revocationReasonCode: 'KeyCompromise' },
      rotateAutomatic: true,
      rotateInterval: 86_400,
    });
    expect(o).toEqual({
      server: 's',
      uniqueIdentifier: 'id-1',
      objectType: 'PrivateKey',
      cryptographicAlgorithm: 'RSA',
      cryptographicLength: 2048,
      state: 'Compromised',
      names: ['a', 'b'],
      dates: { initialDate: '2026-01-01T00:00:00.000Z', compromiseDate: '2026-02-01T00:00:00.000Z' },
      usageMask: ['Sign', 'Verify'],
      links: [{ type: 'PublicKeyLink', uniqueIdentifier: 'pub-1' }],
      revocationReason: 'KeyCompromise',
      rotation: { automatic: true, intervalSeconds: 86_400 },
      findings: [],
    });
    // A server that sends nothing useful still gives a row.
    expect(objectFromAttributes('s', 'x', {})).toEqual({ server: 's', uniqueIdentifier: 'x', names: [], dates: {}, usageMask: [], links: [], findings: [] });
  });
});

describe('findings', () => {
  it('expiring: Deactivation or Protect Stop Date within N days, for Pre-Active and Active objects; the earlier date counts', () => {
    const rows = [
      obj({ uid: 'deact-10', state: 'Active', activationDate: ago(5), deactivationDate: ahead(10) }),
      obj({ uid: 'stop-3', state: 'PreActive', protectStopDate: ahead(3), deactivationDate: ahead(100) }),
      obj({ uid: 'deact-31', state: 'Active', activationDate: ago(5), deactivationDate: ahead(31) }),
      obj({ uid: 'edge-30', state: 'Active', activationDate: ago(5), deactivationDate: ahead(30) }),
      obj({ uid: 'deactivated', state: 'Deactivated', deactivationDate: ahead(5), link: [{ linkType: 'ReplacementObjectLink', linkedObjectIdentifier: 'x' }] }),
      obj({ uid: 'replaced', state: 'Active', activationDate: ago(5), deactivationDate: ahead(2), link: [{ linkType: 'ReplacementObjectLink', linkedObjectIdentifier: 'next' }] }),
      obj({ uid: 'past', state: 'Active', activationDate: ago(50), deactivationDate: ago(2) }),
      obj({ uid: 'past-preactive', state: 'PreActive', protectStopDate: ago(2) }),
    ];
    applyFindings(rows, opts);
    const by = Object.fromEntries(rows.map((r) => [r.uniqueIdentifier, r]));
    expect(codes(by['deact-10'])).toEqual(['expiring']);
    expect(by['deact-10'].findings[0]).toMatchObject({ severity: 'medium', message: expect.stringMatching(/Deactivation Date 2026-06-25 is within 30 days \(in 10 days\); no replacement yet/) });
    expect(codes(by['stop-3'])).toEqual(['expiring']);
    expect(by['stop-3'].findings[0].message).toMatch(/^Protect Stop Date 2026-06-18/);
    expect(codes(by['deact-31'])).toEqual([]);
    expect(codes(by['edge-30'])).toEqual(['expiring']);
    expect(codes(by.deactivated)).toEqual([]);
    expect(by.replaced.findings).toEqual([expect.objectContaining({ code: 'expiring', severity: 'low', message: expect.stringMatching(/a replacement exists/) })]);
    expect(by.past.findings).toEqual([expect.objectContaining({ code: 'expired', severity: 'high', message: expect.stringMatching(/2026-06-13 has passed \(2 days ago\) but the object is still Active/) })]);
    expect(codes(by['past-preactive'])).toEqual([]);

    // The window is the option, not a constant.
    applyFindings(rows, { ...opts, expiringDays: 40 });
    expect(codes(by['deact-31'])).toEqual(['expiring']);
    applyFindings(rows, { ...opts, expiringDays: 0 });
    expect(codes(by['deact-10'])).toEqual([]);
  });

  it('compromised: flagged until destroyed; the message names live objects that link to it and whether it was replaced', () => {
    const rows = [
      obj({ uid: 'comp', state: 'Compromised', compromiseDate: ago(1) }),
      obj({ uid: 'comp-replaced', state: 'Compromised', link: [{ linkType: 'ReplacementObjectLink', linkedObjectIdentifier: 'new' }] }),
      obj({ uid: 'comp-gone', state: 'DestroyedCompromised' }),
      obj({ uid: 'wrapped', state: 'Active', activationDate: ago(1), link: [{ linkType: 'WrappingKeyLink', linkedObjectIdentifier: 'comp' }] }),
      // The same identifier on another server is another object.
      obj({ uid: 'other', state: 'Active', activationDate: ago(1), link: [{ linkType: 'WrappingKeyLink', linkedObjectIdentifier: 'comp-replaced' }] }, 's2'),
    ];
    applyFindings(rows, opts);
    const by = Object.fromEntries(rows.map((r) => [r.uniqueIdentifier, r]));
    expect(by.comp.findings).toEqual([
      { code: 'compromised-in-use', severity: 'high', message: 'Compromised but still usable: its material has not been destroyed; linked from live object wrapped (WrappingKeyLink); nothing replaced it' },
    ]);
    expect(by['comp-replaced'].findings[0].message).toBe('Compromised but still usable: its material has not been destroyed; a replacement exists');
    expect(codes(by['comp-gone'])).toEqual([]);
    expect(codes(by.wrapped)).toEqual([]);
  });

  it('deactivated: in use when a live object links to it (history links aside) or nothing replaced it', () => {
    const rows = [
      obj({ uid: 'd-plain', state: 'Deactivated' }),
      obj({ uid: 'd-replaced', state: 'Deactivated', link: [{ linkType: 'ReplacementObjectLink', linkedObjectIdentifier: 'succ' }] }),
      obj({ uid: 'succ', state: 'Active', activationDate: ago(1), link: [{ linkType: 'ReplacedObjectLink', linkedObjectIdentifier: 'd-replaced' }] }),
      obj({ uid: 'd-parent', state: 'Deactivated', link: [{ linkType: 'ReplacementObjectLink', linkedObjectIdentifier: 'zz' }] }),
      obj({ uid: 'child', state: 'PreActive', link: [{ linkType: 'ParentLink', linkedObjectIdentifier: 'd-parent' }] }),
      obj({ uid: 'dead-child', state: 'Destroyed', link: [{ linkType: 'ParentLink', linkedObjectIdentifier: 'd-replaced' }] }),
    ];
    applyFindings(rows, opts);
    const by = Object.fromEntries(rows.map((r) => [r.uniqueIdentifier, r]));
    expect(by['d-plain'].findings).toEqual([
      { code: 'deactivated-in-use', severity: 'medium', message: 'Deactivated but still in use: no Replacement Object Link (whatever used it has no successor)' },
    ]);
    // Replaced, and only its successor's history link and a destroyed object point at it.
    expect(codes(by['d-replaced'])).toEqual([]);
    expect(by['d-parent'].findings).toEqual([
      { code: 'deactivated-in-use', severity: 'medium', message: 'Deactivated but still in use: linked from live object child (ParentLink)' },
    ]);
  });

  it('no rotation: Active keys older than the limit (Activation Date, else Initial Date) without replacement or short automatic rotation', () => {
    const rows = [
      obj({ uid: 'old', state: 'Active', activationDate: ago(400), initialDate: ago(10) }),
      obj({ uid: 'old-initial', state: 'Active', initialDate: ago(366) }),
      obj({ uid: 'young', state: 'Active', activationDate: ago(364) }),
      obj({ uid: 'old-replaced', state: 'Active', activationDate: ago(400), link: [{ linkType: 'ReplacementObjectLink', linkedObjectIdentifier: 'n' }] }),
      obj({ uid: 'auto', state: 'Active', activationDate: ago(400), rotateAutomatic: true, rotateInterval: 90 * 86_400 }),
      obj({ uid: 'auto-slow', state: 'Active', activationDate: ago(400), rotateAutomatic: true, rotateInterval: 400 * 86_400 }),
      obj({ uid: 'cert', objectType: 'Certificate', state: 'Active', activationDate: ago(400) }),
      obj({ uid: 'old-deactivated', state: 'Deactivated', activationDate: ago(400), link: [{ linkType: 'ReplacementObjectLink', linkedObjectIdentifier: 'n' }] }),
      obj({ uid: 'no-dates', state: 'Active' }),
    ];
    applyFindings(rows, opts);
    const by = Object.fromEntries(rows.map((r) => [r.uniqueIdentifier, r]));
    expect(by.old.findings).toEqual([
      { code: 'no-rotation', severity: 'medium', message: 'Active for 400 days (Activation Date 2025-05-11), more than 365 days, with no Replacement Object Link' },
    ]);
    expect(by['old-initial'].findings[0].message).toMatch(/Active for 366 days \(Initial Date /);
    for (const id of ['young', 'old-replaced', 'auto', 'cert', 'old-deactivated', 'no-dates']) expect(codes(by[id]), id).toEqual([]);
    expect(by['auto-slow'].findings[0].message).toMatch(/and a Rotate Interval longer than that$/);
    applyFindings(rows, { ...opts, maxAgeDays: 100 });
    expect(codes(by.young)).toEqual(['no-rotation']);
  });

  it('several findings on one row; a re-run replaces them; an invalid now is refused', () => {
    const rows = [obj({ uid: 'both', state: 'Active', activationDate: ago(500), deactivationDate: ahead(3) })];
    applyFindings(rows, opts);
    expect(codes(rows[0])).toEqual(['expiring', 'no-rotation']);
    applyFindings(rows, { ...opts, now: ago(200) });
    expect(codes(rows[0])).toEqual([]);
    expect(() => applyFindings(rows, { ...opts, now: new Date(NaN) })).toThrow(TypeError);
  });
});
