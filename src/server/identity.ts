// Who a verified client certificate names: the principal that owns what the client creates.
import type { PeerCertificate, TLSSocket } from 'node:tls';
import type { ClientIdentity } from './types.js';

/** The subject CN, or `sha256:<hex>` of the certificate when the subject has none. */
export function principalOf(cert: PeerCertificate): string {
  // Node gives an array when the subject holds several CNs; the first is the conventional one.
  const cn = (cert.subject as unknown as Record<string, string | string[] | undefined> | undefined)?.CN;
  const first = Array.isArray(cn) ? cn[0] : cn;
  if (typeof first === 'string' && first.length > 0) return first;
  return `sha256:${(cert.fingerprint256 ?? '').replace(/:/g, '').toLowerCase()}`;
}

/** Undefined when the socket holds no verified client certificate (the caller then drops it). */
export function identityOf(socket: TLSSocket): ClientIdentity | undefined {
  if (!socket.authorized) return undefined;
  const cert = socket.getPeerCertificate();
  if (!cert || !cert.raw) return undefined;
  return Object.freeze({
    principal: principalOf(cert),
    fingerprint256: cert.fingerprint256,
    remoteAddress: socket.remoteAddress,
    tlsVersion: socket.getProtocol() ?? undefined,
  });
}
