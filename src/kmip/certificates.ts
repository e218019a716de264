// What the server reads out of a registered X.509 certificate: the Certificate Attributes (subject and
// issuer fields) and its length. node:crypto parses the DER; a value that does not parse is refused.
import { X509Certificate } from 'node:crypto';
import { ResultReason, Tag } from '../dict/index.js';
import type { Attr } from './attributes/model.js';
import { KmipError } from './errors.js';
import { text } from './items.js';

// OpenSSL's short names as Node prints them, to the KMIP field names.
const FIELDS: Readonly<Record<string, string>> = {
  CN: 'CN', O: 'O', OU: 'OU', emailAddress: 'Email', C: 'C', ST: 'ST', L: 'L', UID: 'UID',
  serialNumber: 'Serial Number', title: 'Title', DC: 'DC', dnQualifier: 'DN Qualifier',
};

function fields(dn: string): [string, string][] {
  const out: [string, string][] = [];
  for (const line of dn.split('\n')) {
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const field = FIELDS[line.slice(0, eq)];
    if (field) out.push([field, line.slice(eq + 1)]);
  }
  return out;
}

export function x509Attributes(der: Uint8Array): Attr[] {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(der);
  } catch {
    throw new KmipError(ResultReason.InvalidField, 'Certificate Value is not a DER-encoded X.509 certificate');
  }
  const out: Attr[] = [];
  for (const [who, dn] of [['Subject', cert.subject], ['Issuer', cert.issuer]] as const) {
    for (const [field, value] of fields(dn)) {
      const tag = (Tag as Record<string, number>)[`Certificate${who}${field.replace(/ /g, '')}`];
      out.push({ key: `Certificate ${who} ${field}`, value: text(tag, value) });
    }
  }
  return out;
}
