// Accommodations for clients that deviate from the spec, each off unless the operator turns it on.
import { ATTRIBUTES } from './attributes/registry.js';

/**
 * The standard attributes PyKMIP's client (0.10 and 0.11) can decode in a Get Attributes response. Its
 * attribute value factory raises on any other, so one Original Creation Date (mandatory since KMIP
 * 1.2 for created objects) in an "all attributes" answer fails the whole call.
 */
const PYKMIP_DECODES: ReadonlySet<string> = new Set([
  'Unique Identifier', 'Name', 'Object Type', 'Cryptographic Algorithm', 'Cryptographic Length',
  'Cryptographic Parameters', 'Cryptographic Domain Parameters', 'Certificate Type', 'Certificate Length',
  'X.509 Certificate Identifier', 'X.509 Certificate Subject', 'X.509 Certificate Issuer',
  'Certificate Identifier', 'Certificate Subject', 'Certificate Issuer', 'Digital Signature Algorithm',
  'Digest', 'Operation Policy Name', 'Cryptographic Usage Mask', 'Lease Time', 'Usage Limits', 'State',
  'Initial Date', 'Activation Date', 'Process Start Date', 'Protect Stop Date', 'Deactivation Date',
  'Destroy Date', 'Compromise Occurrence Date', 'Compromise Date', 'Revocation Reason', 'Archive Date',
  'Object Group', 'Fresh', 'Link', 'Application Specific Information', 'Contact Information',
  'Last Change Date', 'Sensitive',
]);

/** Standard attributes to leave out of "all attributes" answers when PyKMIP clients are served. */
export function pykmipOmissions(): string[] {
  return ATTRIBUTES.map((a) => a.name).filter((n) => !PYKMIP_DECODES.has(n));
}
