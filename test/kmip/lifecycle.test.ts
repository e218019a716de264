// The transition table against the spec's list (KMIP 2.1 §4.57): every state with every event, so a
// transition added or lost by mistake fails here.
import { describe, expect, it } from 'vitest';
import { State } from '../../src/dict/index.js';
import { LIFECYCLE_EVENTS, STATES, canProcess, canProtect, dateDrivenState, isDestroyed, transition } from '../../src/kmip/lifecycle.js';

const { PreActive: P, Active: A, Deactivated: D, Compromised: C, Destroyed: X, DestroyedCompromised: XC } = State;

// The spec's permitted transitions, written out independently of the table in src/.
const PERMITTED: Record<string, number> = {
  [`${P}:destroy`]: X,
  [`${P}:revokeCompromised`]: C,
  [`${P}:activate`]: A,
  [`${P}:activationDateReached`]: A,
  [`${A}:revokeCompromised`]: C,
  [`${A}:revoke`]: D,
  [`${A}:deactivationDateReached`]: D,
  [`${D}:destroy`]: X,
  [`${D}:revokeCompromised`]: C,
  [`${C}:destroy`]: XC,
  [`${X}:revokeCompromised`]: XC,
};

describe('lifecycle transition table', () => {
  it('covers the six states', () => expect([...STATES].sort()).toEqual([P, A, D, C, X, XC].sort()));
  for (const from of STATES) {
    for (const ev of LIFECYCLE_EVENTS) {
      const want = PERMITTED[`${from}:${ev}`];
      it(`${from} --${ev}--> ${want ?? 'refused'}`, () => expect(transition(from, ev)).toBe(want));
    }
  }
  it('nothing leaves Destroyed Compromised', () => {
    for (const ev of LIFECYCLE_EVENTS) expect(transition(XC, ev)).toBeUndefined();
  });
});

describe('what each state allows', () => {
  it('only Active protects; Deactivated and Compromised still process', () => {
    expect(STATES.filter(canProtect)).toEqual([A]);
    expect(STATES.filter(canProcess).sort()).toEqual([A, D, C].sort());
    expect(STATES.filter(isDestroyed).sort()).toEqual([X, XC].sort());
  });
});

describe('date-driven transitions', () => {
  const t = 1_000_000;
  it('activates at the Activation Date, not before', () => {
    expect(dateDrivenState(P, t - 1, t)).toBe(P);
    expect(dateDrivenState(P, t, t)).toBe(A);
  });
  it('deactivates an Active key at the Deactivation Date', () => {
    expect(dateDrivenState(A, t - 1, undefined, t)).toBe(A);
    expect(dateDrivenState(A, t, undefined, t)).toBe(D);
  });
  it('both dates past: Pre-Active goes through Active to Deactivated', () => expect(dateDrivenState(P, t, t - 10, t - 5)).toBe(D));
  it('a Deactivation Date alone does not move a Pre-Active key (no such transition)', () => expect(dateDrivenState(P, t, undefined, t - 5)).toBe(P));
  it('dates never move Compromised or Destroyed objects', () => {
    for (const s of [C, X, XC, D]) expect(dateDrivenState(s, t, t - 10, t - 5)).toBe(s);
  });
});
