// Hex helpers for vectors, the CLI and tests. Spaces, '|' and newlines between bytes are ignored.

export function fromHex(text: string): Uint8Array {
  const clean = text.replace(/[\s|:_]/g, '');
  if (clean.length % 2 !== 0 || /[^0-9a-fA-F]/.test(clean)) throw new TypeError('not a hex string');
  return Uint8Array.from(Buffer.from(clean, 'hex'));
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex').toUpperCase();
}
