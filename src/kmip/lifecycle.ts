// The key lifecycle of KMIP 2.1 §4.57 (NIST SP 800-57): one table of the ten permitted transitions.
// Anything not in the table is refused with Wrong Key Lifecycle State (Permission Denied in 1.x).
import { State } from '../dict/index.js';

export type LifecycleEvent =
  | 'activate' // Activate, or a Modify Attribute that moves Activation Date to now or the past
  | 'activationDateReached'
  | 'revokeCompromised' // Revoke with Revocation Reason Code Compromised
  | 'revoke' // Revoke with any other reason
  | 'deactivationDateReached' // also a Modify Attribute moving Deactivation Date to now or the past
  | 'destroy';

export const LIFECYCLE_EVENTS: readonly LifecycleEvent[] = [
  'activate',
  'activationDateReached',
  'revokeCompromised',
  'revoke',
  'deactivationDateReached',
  'destroy',
];

export const STATES: readonly number[] = Object.values(State);

// [from, event, to]: the numbers in comments are the spec's transition numbers.
const TRANSITIONS: readonly (readonly [number, LifecycleEvent, number])[] = [
  [State.PreActive, 'destroy', State.Destroyed], // 2
  [State.PreActive, 'revokeCompromised', State.Compromised], // 3
  [State.PreActive, 'activate', State.Active], // 4
  [State.PreActive, 'activationDateReached', State.Active], // 4
  [State.Active, 'revokeCompromised', State.Compromised], // 5
  [State.Active, 'revoke', State.Deactivated], // 6
  [State.Active, 'deactivationDateReached', State.Deactivated], // 6
  [State.Deactivated, 'destroy', State.Destroyed], // 7
  [State.Deactivated, 'revokeCompromised', State.Compromised], // 8
  [State.Compromised, 'destroy', State.DestroyedCompromised], // 9
  [State.Destroyed, 'revokeCompromised', State.DestroyedCompromised], // 10
];

const TABLE = new Map(TRANSITIONS.map(([from, ev, to]) => [`${from}:${ev}`, to]));

/** The state after `event`, or undefined when the spec does not permit it from `from`. */
export function transition(from: number, event: LifecycleEvent): number | undefined {
  return TABLE.get(`${from}:${event}`);
}

/** States in which key material may protect new data (encrypt, sign, wrap, MAC, derive). */
export const canProtect = (state: number): boolean => state === State.Active;
/** States in which key material may still process protected data (decrypt, verify, unwrap). */
export const canProcess = (state: number): boolean =>
  state === State.Active || state === State.Deactivated || state === State.Compromised;
/** States whose material is gone. */
export const isDestroyed = (state: number): boolean => state === State.Destroyed || state === State.DestroyedCompromised;

/**
 * Transitions that dates cause by themselves (spec transitions 4 and 6 by date). Applied whenever an
 * object is read, so a key is Active from its Activation Date on without a timer per key.
 */
export function dateDrivenState(state: number, now: number, activationDate?: number, deactivationDate?: number): number {
  let s = state;
  if (s === State.PreActive && activationDate !== undefined && activationDate <= now) s = State.Active;
  if (s === State.Active && deactivationDate !== undefined && deactivationDate <= now) s = State.Deactivated;
  return s;
}
