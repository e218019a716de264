// Chained test cases: files that work on objects an earlier file of the same profile left on the
// server. The published SASED and TL profiles split one scenario into steps: M-2 registers or creates
// (a Template and an authentication key; a tape key), M-3 locates and uses what M-2 made. With a
// fresh server per file, M-3 runs on the same server right after its M-2.
import { existsSync, readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** A chained file: its name, and how to name its predecessor (same folder). */
export interface Chain {
  id: string;
  /** Matches the file name; group 1 is the part before the step number, group 2 the rest. */
  pattern: RegExp;
  /** The step number of the predecessor. */
  after: string;
  why: string;
}

export const CHAINS: readonly Chain[] = [
  {
    id: 'sased-m-3-after-m-2',
    // SASED-M-3-14.xml (profiles) and SASED_M_3_10_storage_array_retrieve.xml (ovh-kmip-go)
    pattern: /^(SASED[-_]M[-_])3([-_]\d+)/,
    after: '2',
    why: 'SASED-M-3 locates the authentication key and the Template that SASED-M-2 registered, then destroys them',
  },
  {
    id: 'tl-m-3-after-m-2',
    pattern: /^(TL[-_]M[-_])3([-_]\d+)/,
    after: '2',
    why: 'TL-M-3 locates, reads and destroys the tape key that TL-M-2 created',
  },
];

/** The absolute path of the file `path` must follow on the same server, if it is a chained file. */
export function predecessorOf(path: string): string | undefined {
  const name = basename(path);
  for (const c of CHAINS) {
    const m = c.pattern.exec(name);
    if (!m) continue;
    const prefix = `${m[1]}${c.after}${m[2]}`;
    const dir = dirname(path);
    const exact = join(dir, name.replace(c.pattern, prefix));
    if (existsSync(exact)) return exact;
    // ovh-kmip-go names carry a description after the number: SASED_M_2_10_storage_array_register.xml
    const hit = readdirSync(dir).sort().find((f) => f.startsWith(prefix) && f.endsWith('.xml') && /^[-_.]/.test(f.slice(prefix.length)));
    return hit ? join(dir, hit) : undefined;
  }
  return undefined;
}
