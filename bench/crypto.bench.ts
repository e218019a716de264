// `npm run bench -- crypto`: the addon's primitives against node:crypto in the same run, interleaved
// rounds, median ratios (bench/harness.ts). AES-256-GCM at 64 B, 1 KiB and 1 MiB (encrypt and
// decrypt, 16-byte AAD); AES-256 key wrap (RFC 3394) and wrap with padding (RFC 5649) of a 32-byte
// key; ML-KEM-768, ML-DSA-65 and SLH-DSA-SHA2-128f against @noble/post-quantum. The node:crypto side is what a caller writes: createCipheriv per message with a Buffer key.
// Writes bench/results/crypto.json.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { allOps, fmt, measure, ops, ratio, ROUNDS, TIME_MS } from './harness.js';
import { AesGcm } from '../src/crypto/aes.js';
import { AesKeyWrap } from '../src/crypto/keywrap.js';
import { nativeCrypto } from '../src/crypto/backend.js';
import { MlKem } from '../src/crypto/mlkem.js';
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { MlDsa } from '../src/crypto/mldsa.js';
import { ml_dsa65 } from '@noble/post-quantum/ml-dsa.js';
import { SlhDsa } from '../src/crypto/slhdsa.js';
import { slh_dsa_sha2_128f } from '@noble/post-quantum/slh-dsa.js';
import { codecInfo } from '../src/ttlv/native.js';

if (!nativeCrypto) throw new Error(`the crypto bench compares the addon and node:crypto; the addon did not load: ${codecInfo.detail}`);

const key = randomBytes(32);
const nonce = randomBytes(12);
const aad = randomBytes(16);
const gcm = new AesGcm(key, { backend: 'native' });

function nodeSeal(pt: Buffer, out: Buffer): void {
  const c = createCipheriv('aes-256-gcm', key, nonce);
  c.setAAD(aad);
  const body = c.update(pt);
  c.final();
  body.copy(out, 0);
  c.getAuthTag().copy(out, pt.length);
}

function nodeOpen(sealed: Buffer, out: Buffer): boolean {
  const split = sealed.length - 16;
  const d = createDecipheriv('aes-256-gcm', key, nonce);
  d.setAuthTag(sealed.subarray(split));
  d.setAAD(aad);
  const body = d.update(sealed.subarray(0, split));
  d.final();
  body.copy(out, 0);
  return true;
}

const gcmRows: Record<string, unknown>[] = [];
for (const [label, size] of [['64 B', 64], ['1 KiB', 1024], ['1 MiB', 1 << 20]] as const) {
  const pt = randomBytes(size);
  const sealed = Buffer.alloc(size + 16);
  const sealed2 = Buffer.alloc(size + 16);
  const opened = Buffer.alloc(size);
  // Correctness before timing: both sides produce the same bytes and open each other's output.
  gcm.encryptInto(nonce, pt, sealed, aad);
  nodeSeal(pt, sealed2);
  if (!sealed.equals(sealed2)) throw new Error(`${label}: addon and node:crypto disagree`);
  if (!gcm.decryptInto(nonce, sealed2, opened, aad) || !opened.equals(pt)) throw new Error(`${label}: addon did not open node's output`);
  const rounds = await measure(
    {
      'encrypt addon': () => gcm.encryptInto(nonce, pt, sealed, aad),
      'encrypt node:crypto': () => nodeSeal(pt, sealed2),
      'decrypt addon': () => gcm.decryptInto(nonce, sealed, opened, aad),
      'decrypt node:crypto': () => nodeOpen(sealed, opened),
    },
    size,
  );
  const row = {
    size: label,
    bytes: size,
    opsPerSecond: allOps(rounds),
    encryptAddonOverNode: ratio(rounds, 'encrypt addon', 'encrypt node:crypto'),
    decryptAddonOverNode: ratio(rounds, 'decrypt addon', 'decrypt node:crypto'),
  };
  gcmRows.push(row);
  console.log(`AES-256-GCM ${label.padEnd(6)} addon/node:crypto encrypt ${fmt(row.encryptAddonOverNode)}x  decrypt ${fmt(row.decryptAddonOverNode)}x`);
}

// Async form at 1 MiB: the cost of leaving the event loop (libuv pool round trip and input copy).
const big = randomBytes(1 << 20);
const asyncRounds: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  const n = 20;
  let t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await gcm.encrypt(nonce, big, aad);
  const asyncNs = Number(process.hrtime.bigint() - t0);
  const out = Buffer.alloc(big.length + 16);
  t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) gcm.encryptInto(nonce, big, out, aad);
  const syncNs = Number(process.hrtime.bigint() - t0);
  asyncRounds.push(syncNs / asyncNs);
}
asyncRounds.sort((a, b) => a - b);
const asyncOverSync1MiB = asyncRounds[(asyncRounds.length - 1) >> 1];
console.log(`AES-256-GCM 1 MiB   async/sync throughput ${fmt(asyncOverSync1MiB)}x`);

const kek = randomBytes(32);
const wrapper = new AesKeyWrap(kek, { backend: 'native' });
const secret = randomBytes(32);
const KW_IV = Buffer.from('a6a6a6a6a6a6a6a6', 'hex');
const KWP_IV = Buffer.from('a65959a6', 'hex');
const nodeKw = (alg: string, iv: Buffer, data: Buffer): Buffer => {
  const c = createCipheriv(alg, kek, iv);
  return Buffer.concat([c.update(data), c.final()]);
};
const nodeKuw = (alg: string, iv: Buffer, data: Buffer): Buffer => {
  const d = createDecipheriv(alg, kek, iv);
  return Buffer.concat([d.update(data), d.final()]);
};
const wrapped = wrapper.wrap(secret);
const wrappedP = wrapper.wrapPadded(secret.subarray(0, 20));
if (!wrapped.equals(nodeKw('id-aes256-wrap', KW_IV, secret))) throw new Error('key wrap: addon and node:crypto disagree');
if (!wrappedP.equals(nodeKw('id-aes256-wrap-pad', KWP_IV, secret.subarray(0, 20)))) throw new Error('key wrap pad: disagree');
const kwRounds = await measure(
  {
    'wrap addon': () => wrapper.wrap(secret),
    'wrap node:crypto': () => nodeKw('id-aes256-wrap', KW_IV, secret),
    'unwrap addon': () => wrapper.unwrap(wrapped),
    'unwrap node:crypto': () => nodeKuw('id-aes256-wrap', KW_IV, wrapped),
    'wrap-pad addon': () => wrapper.wrapPadded(secret.subarray(0, 20)),
    'wrap-pad node:crypto': () => nodeKw('id-aes256-wrap-pad', KWP_IV, secret.subarray(0, 20)),
    'unwrap-pad addon': () => wrapper.unwrapPadded(wrappedP),
    'unwrap-pad node:crypto': () => nodeKuw('id-aes256-wrap-pad', KWP_IV, wrappedP),
  },
  64,
);
const keyWrap = {
  opsPerSecond: allOps(kwRounds),
  wrapAddonOverNode: ratio(kwRounds, 'wrap addon', 'wrap node:crypto'),
  unwrapAddonOverNode: ratio(kwRounds, 'unwrap addon', 'unwrap node:crypto'),
  wrapPadAddonOverNode: ratio(kwRounds, 'wrap-pad addon', 'wrap-pad node:crypto'),
  unwrapPadAddonOverNode: ratio(kwRounds, 'unwrap-pad addon', 'unwrap-pad node:crypto'),
};
console.log(
  `AES-256 key wrap (32-byte key) addon/node:crypto wrap ${fmt(keyWrap.wrapAddonOverNode)}x  unwrap ${fmt(keyWrap.unwrapAddonOverNode)}x  ` +
    `wrap-pad ${fmt(keyWrap.wrapPadAddonOverNode)}x  unwrap-pad ${fmt(keyWrap.unwrapPadAddonOverNode)}x`,
);

// ML-KEM-768 against @noble/post-quantum (pure JS), the fallback backend.
const kem = new MlKem(768, { backend: 'native' });
const kp = kem.keygen();
const enc = kem.encapsulate(kp.publicKey);
if (!Buffer.from(ml_kem768.decapsulate(enc.cipherText, kp.secretKey)).equals(enc.sharedSecret)) throw new Error('ML-KEM-768: noble disagrees');
const kemRounds = await measure(
  {
    'keygen addon': () => kem.keygen(),
    'keygen noble': () => ml_kem768.keygen(),
    'encapsulate addon': () => kem.encapsulate(kp.publicKey),
    'encapsulate noble': () => ml_kem768.encapsulate(kp.publicKey),
    'decapsulate addon': () => kem.decapsulate(enc.cipherText, kp.secretKey),
    'decapsulate noble': () => ml_kem768.decapsulate(enc.cipherText, kp.secretKey),
  },
  20_000,
);
const mlKem768 = {
  opsPerSecond: allOps(kemRounds),
  keygenAddonOverNoble: ratio(kemRounds, 'keygen addon', 'keygen noble'),
  encapsulateAddonOverNoble: ratio(kemRounds, 'encapsulate addon', 'encapsulate noble'),
  decapsulateAddonOverNoble: ratio(kemRounds, 'decapsulate addon', 'decapsulate noble'),
};
console.log(
  `ML-KEM-768 addon/@noble keygen ${fmt(mlKem768.keygenAddonOverNoble)}x  encapsulate ${fmt(mlKem768.encapsulateAddonOverNoble)}x  decapsulate ${fmt(mlKem768.decapsulateAddonOverNoble)}x`,
);

// ML-DSA-65 against @noble/post-quantum, a 1 KiB message.
const dsa = new MlDsa(65, { backend: 'native' });
const dk = dsa.keygen();
const msg = randomBytes(1024);
const dsig = dsa.sign(msg, dk.secretKey);
if (!ml_dsa65.verify(dsig, msg, dk.publicKey)) throw new Error('ML-DSA-65: noble does not verify the addon signature');
const dsaRounds = await measure(
  {
    'keygen addon': () => dsa.keygen(),
    'keygen noble': () => ml_dsa65.keygen(),
    'sign addon': () => dsa.sign(msg, dk.secretKey),
    'sign noble': () => ml_dsa65.sign(msg, dk.secretKey),
    'verify addon': () => dsa.verify(dsig, msg, dk.publicKey),
    'verify noble': () => ml_dsa65.verify(dsig, msg, dk.publicKey),
  },
  20_000,
);
const mlDsa65 = {
  messageBytes: msg.length,
  opsPerSecond: allOps(dsaRounds),
  keygenAddonOverNoble: ratio(dsaRounds, 'keygen addon', 'keygen noble'),
  signAddonOverNoble: ratio(dsaRounds, 'sign addon', 'sign noble'),
  verifyAddonOverNoble: ratio(dsaRounds, 'verify addon', 'verify noble'),
};
console.log(
  `ML-DSA-65 addon/@noble keygen ${fmt(mlDsa65.keygenAddonOverNoble)}x  sign ${fmt(mlDsa65.signAddonOverNoble)}x  verify ${fmt(mlDsa65.verifyAddonOverNoble)}x`,
);

// SLH-DSA-SHA2-128f against @noble/post-quantum, a 1 KiB message. An operation takes from 1 ms to a
// few hundred (noble's sign), too slow for tinybench's sample counts: each round times every task
// for at least SLH_SAMPLE_MS (whole operations, at least one), alternating the order, and each ratio
// is the median of the per-round ratios as elsewhere.
const slh = new SlhDsa('SHA2-128f', { backend: 'native' });
const sk128f = slh.keygen();
const slhMsg = randomBytes(1024);
const slhSig = slh.sign(slhMsg, sk128f.secretKey);
const nobleSlhSig = slh_dsa_sha2_128f.sign(slhMsg, sk128f.secretKey);
if (!slh_dsa_sha2_128f.verify(slhSig, slhMsg, sk128f.publicKey)) throw new Error('SLH-DSA-SHA2-128f: noble does not verify the addon signature');
if (!slh.verify(nobleSlhSig, slhMsg, sk128f.publicKey)) throw new Error('SLH-DSA-SHA2-128f: the addon does not verify the noble signature');
const SLH_SAMPLE_MS = Number(process.env.BENCH_SLH_SAMPLE_MS ?? 700);
const slhTasks: [string, () => unknown][] = [
  ['keygen addon', () => slh.keygen()],
  ['keygen noble', () => slh_dsa_sha2_128f.keygen()],
  ['sign addon', () => slh.sign(slhMsg, sk128f.secretKey)],
  ['sign noble', () => slh_dsa_sha2_128f.sign(slhMsg, sk128f.secretKey)],
  ['verify addon', () => slh.verify(slhSig, slhMsg, sk128f.publicKey)],
  ['verify noble', () => slh_dsa_sha2_128f.verify(slhSig, slhMsg, sk128f.publicKey)],
];
const slhRounds: Record<string, number>[] = [];
for (let r = 0; r < ROUNDS; r++) {
  const out: Record<string, number> = {};
  for (const [name, f] of r % 2 ? [...slhTasks].reverse() : slhTasks) {
    if (r === 0) f(); // warm-up
    let n = 0;
    const t0 = process.hrtime.bigint();
    let ns = 0;
    do {
      f();
      n++;
      ns = Number(process.hrtime.bigint() - t0);
    } while (ns < SLH_SAMPLE_MS * 1e6);
    out[name] = (n * 1e9) / ns;
  }
  slhRounds.push(out);
}
const slhDsaSha2_128f = {
  messageBytes: slhMsg.length,
  sampleMs: SLH_SAMPLE_MS,
  opsPerSecond: Object.fromEntries(slhTasks.map(([k]) => [k, Number(ops(slhRounds, k).toFixed(2))])),
  keygenAddonOverNoble: ratio(slhRounds, 'keygen addon', 'keygen noble'),
  signAddonOverNoble: ratio(slhRounds, 'sign addon', 'sign noble'),
  verifyAddonOverNoble: ratio(slhRounds, 'verify addon', 'verify noble'),
};
console.log(
  `SLH-DSA-SHA2-128f addon/@noble keygen ${fmt(slhDsaSha2_128f.keygenAddonOverNoble)}x  sign ${fmt(slhDsaSha2_128f.signAddonOverNoble)}x  verify ${fmt(slhDsaSha2_128f.verifyAddonOverNoble)}x`,
);

const g = (label: string) => gcmRows.find((r) => r.size === label)!;
const minOf = (label: string) => Math.min(g(label).encryptAddonOverNode as number, g(label).decryptAddonOverNode as number);
const targets = [
  { target: 'AES-256-GCM 64 B: addon >= 3x node:crypto (min of encrypt, decrypt)', measured: minOf('64 B'), threshold: 3 },
  { target: 'AES-256-GCM 1 KiB: addon >= 3x node:crypto (min of encrypt, decrypt)', measured: minOf('1 KiB'), threshold: 3 },
  { target: 'AES-256-GCM 1 MiB: addon >= 0.9x node:crypto (min of encrypt, decrypt)', measured: minOf('1 MiB'), threshold: 0.9 },
  {
    target: 'AES key wrap: addon >= 3x node:crypto (min of wrap, unwrap, wrap-pad, unwrap-pad)',
    measured: Math.min(keyWrap.wrapAddonOverNode, keyWrap.unwrapAddonOverNode, keyWrap.wrapPadAddonOverNode, keyWrap.unwrapPadAddonOverNode),
    threshold: 3,
  },
  {
    target: 'ML-KEM-768: addon >= 15x @noble/post-quantum (min of keygen, encapsulate, decapsulate)',
    measured: Math.min(mlKem768.keygenAddonOverNoble, mlKem768.encapsulateAddonOverNoble, mlKem768.decapsulateAddonOverNoble),
    threshold: 15,
  },
  { target: 'ML-DSA-65 sign: addon >= 30x @noble/post-quantum', measured: mlDsa65.signAddonOverNoble, threshold: 30 },
  { target: 'ML-DSA-65 verify: addon >= 15x @noble/post-quantum', measured: mlDsa65.verifyAddonOverNoble, threshold: 15 },
  { target: 'SLH-DSA-SHA2-128f sign: addon >= 5x @noble/post-quantum', measured: slhDsaSha2_128f.signAddonOverNoble, threshold: 5 },
].map((t) => ({ ...t, pass: t.measured >= t.threshold }));

const result = {
  bench: 'crypto',
  date: new Date().toISOString(),
  node: process.version,
  openssl: process.versions.openssl,
  codec: codecInfo,
  sampleTimeMs: TIME_MS,
  rounds: ROUNDS,
  aes256gcm: gcmRows,
  aes256gcmAsyncOverSync1MiB: asyncOverSync1MiB,
  keyWrap,
  mlKem768,
  mlDsa65,
  slhDsaSha2_128f,
  targets,
};
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/crypto.json', import.meta.url), JSON.stringify(result, null, 2) + '\n');
for (const t of targets) console.log(`${t.pass ? 'PASS' : 'MISS'}  ${t.target}: ${fmt(t.measured)} (target ${t.threshold})`);
console.log('wrote bench/results/crypto.json');
