// Finds, selects and loads OASIS test-case files: each becomes a list of steps (request, expected
// response) with the positions of `$PLACEHOLDER` values recorded beside each message tree.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fromXmlMessages } from '../encodings/xml.js';
import { parseXml, type XmlElement } from '../encodings/xmlparse.js';
import type { ItemTypeName, TtlvItem } from '../ttlv/types.js';
import { applyErrata } from './errata.js';
import { ConformanceError } from './errors.js';

export const TESTCASES = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'testdata', 'kmip-testcases');

export interface CaseInfo {
  /** Path relative to the test-case root, with '/' separators. */
  file: string;
  /** Absolute path. */
  path: string;
  /** 'profiles', 'testcases' or 'ovh-kmip-go'. */
  folder: string;
  /** Profile prefix from the name (SKLC, SKFF, CS-BC, BL...), undefined for plain test cases. */
  profile?: string;
  /** From the -M-/-O- marker of the name; undefined when the name has none. */
  mandatory?: boolean;
  /** Protocol version of the first request, e.g. '1.4'. */
  version: string;
}

/** Placeholder positions of one message: `ph` on a leaf written as `$...`, `kids` by child index. */
export interface Marks {
  ph?: string;
  kids?: (Marks | undefined)[];
}

export interface Step {
  index: number;
  request: TtlvItem;
  requestMarks?: Marks;
  response: TtlvItem;
  responseMarks?: Marks;
}

export interface LoadedCase {
  info: CaseInfo;
  steps: Step[];
  /** `# TIME n` markers (ovh-kmip-go files): step numbers, checked to be increasing. */
  timeMarkers: number[];
}

/** The KMIP 3.0 drafts' XML types carry identifiers and names as text (see test/encodings/corpus.test.ts). */
const TYPE_ALIASES: Record<string, ItemTypeName> = { Identifier: 'TextString', Reference: 'TextString', NameReference: 'TextString' };

// Parse-time stand-ins for placeholders; the real values are put in (requests) or compared (responses)
// by placeholders.ts, which finds them through the marks.
const STAND_IN: Partial<Record<ItemTypeName, string>> = {
  DateTime: '1970-01-01T00:00:00+00:00',
  DateTimeExtended: '1970-01-01T00:00:00+00:00',
  ByteString: '',
  Integer: '0',
  LongInteger: '0',
  Interval: '0',
  Enumeration: '0x00000000',
  BigInteger: '00',
  Boolean: 'false',
};

function standIn(_value: string, type: ItemTypeName): string | undefined {
  return STAND_IN[type];
}

function marksOf(el: XmlElement): Marks | undefined {
  const v = el.attrs.get('value');
  if (v !== undefined && v.startsWith('$')) return { ph: v };
  let kids: (Marks | undefined)[] | undefined;
  el.children.forEach((c, i) => {
    const m = marksOf(c);
    if (m) (kids ??= [])[i] = m;
  });
  return kids ? { kids } : undefined;
}

const NAME_PROFILE = /^([A-Z0-9]+(?:-[A-Z0-9]+)*?)-([MO])-/;

export function caseInfo(path: string, text: string): CaseInfo {
  const file = relative(TESTCASES, path).split('\\').join('/');
  const parts = file.split('/');
  const folder = parts.length >= 3 ? parts[1] : 'other';
  const base = parts[parts.length - 1].replace(/\.xml$/, '').replace(/_/g, '-');
  const m = NAME_PROFILE.exec(base);
  const major = /<ProtocolVersionMajor\s+type="Integer"\s+value="(\d+)"/.exec(text);
  const minor = /<ProtocolVersionMinor\s+type="Integer"\s+value="(\d+)"/.exec(text);
  const version = major && minor ? `${major[1]}.${minor[1]}` : (parts[0] ?? '').replace(/^v/, '');
  return { file, path, folder, profile: m?.[1], mandatory: m ? m[2] === 'M' : undefined, version };
}

/** Parses a file into steps. Throws KmipEncodingError when the file cannot be read as KMIP XML. */
export function loadCase(path: string): LoadedCase {
  const raw = readFileSync(path, 'utf8');
  const info = caseInfo(path, raw);
  const text = applyErrata(info.file, raw);
  const messages = fromXmlMessages(text, { placeholder: standIn, typeAliases: TYPE_ALIASES });
  const doc = parseXml(text, 66);
  const els = ['KMIP', 'KmipTestCase'].includes(doc.root.name) ? doc.root.children : [doc.root];
  const timeMarkers = [...text.matchAll(/#\s*TIME\s+(\d+)/g)].map((t) => Number(t[1]));
  const steps: Step[] = [];
  for (let i = 0; i < messages.length; i += 2) {
    const request = messages[i];
    const response = messages[i + 1];
    if (request.tag !== 0x420078 || !response || response.tag !== 0x42007b) {
      throw new ConformanceError('BAD_ARGS', `${info.file}: message ${i} and ${i + 1} are not a RequestMessage/ResponseMessage pair`);
    }
    steps.push({ index: steps.length, request, requestMarks: marksOf(els[i]), response, responseMarks: marksOf(els[i + 1]) });
  }
  return { info, steps, timeMarkers };
}

export function allCaseFiles(dir = TESTCASES, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) allCaseFiles(p, out);
    else if (name.endsWith('.xml')) out.push(p);
  }
  return out;
}

export interface Selection {
  profiles?: string[];
  versions?: string[];
  mandatory?: boolean;
  /** Folders to take files from ('profiles', 'ovh-kmip-go', 'testcases'). */
  folders?: string[];
  /** Explicit files or globs (relative to the test-case root or the working directory). */
  patterns?: string[];
}

export const DEFAULT_PROFILES = ['BL', 'SKLC', 'SKFF', 'OMOS', 'SASED', 'TL', 'CS-BC', 'CS-AC', 'CS-RNG', 'AKLC', 'QS'];
export const DEFAULT_VERSIONS = ['1.0', '1.1', '1.2', '1.3', '1.4', '2.0', '2.1'];

/** The default run: mandatory BL, SKLC, SKFF, OMOS, SASED, TL and the cryptographic profiles (Basic and Advanced
 *  Cryptographic, RNG, Asymmetric Key Lifecycle, Quantum Safe) of 1.3-2.1 (BL exists in 2.1 only; 3.0 drafts are
 *  opt-in), and the 1.0-1.2 files of the same profiles (v1.0/profiles, v1.x/ovh-kmip-go). */
export const DEFAULT_SELECTION: Selection = {
  profiles: DEFAULT_PROFILES,
  versions: DEFAULT_VERSIONS,
  mandatory: true,
  folders: ['profiles', 'ovh-kmip-go'],
};

function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      re += '.*';
      i++;
      if (glob[i + 1] === '/') i++;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

function matchPatterns(patterns: string[], files: string[]): string[] {
  const out = new Set<string>();
  for (const p of patterns) {
    const abs = isAbsolute(p) ? p : resolve(p);
    if (!/[*?]/.test(p)) {
      try {
        if (statSync(abs).isFile()) {
          out.add(abs);
          continue;
        }
      } catch {
        // not a path from the working directory: try it relative to the test-case root
      }
    }
    const re = globToRegExp(p.replace(/^\.?\/?testdata\/kmip-testcases\//, ''));
    const hits = files.filter((f) => {
      const rel = relative(TESTCASES, f).split('\\').join('/');
      return re.test(rel) || re.test(rel.split('/').pop()!);
    });
    if (hits.length === 0) throw new ConformanceError('NO_FILES', `no test-case file matches '${p}'`);
    for (const h of hits) out.add(h);
  }
  return [...out];
}

/** Absolute paths of the selected files, in corpus order. Filters apply to explicit patterns too. */
export function selectCases(sel: Selection): CaseInfo[] {
  const files = allCaseFiles();
  const candidates = sel.patterns && sel.patterns.length > 0 ? matchPatterns(sel.patterns, files) : files;
  const profiles = sel.profiles?.map((p) => p.toUpperCase());
  const out: CaseInfo[] = [];
  for (const path of candidates) {
    const info = caseInfo(path, readFileSync(path, 'utf8'));
    if (profiles && (!info.profile || !profiles.includes(info.profile))) continue;
    if (sel.versions && !sel.versions.includes(info.version)) continue;
    if (sel.mandatory && info.mandatory !== true) continue;
    if (sel.folders && !sel.folders.includes(info.folder)) continue;
    out.push(info);
  }
  return out;
}
