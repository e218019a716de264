#!/usr/bin/env python3
"""Makes rsa-pkcs1-implicit-rejection.json: known answers for RSAES-PKCS1-v1_5 decryption with
implicit rejection (draft-irtf-cfrg-rsa-guidance; OpenSSL 3.2+), for test/crypto/rsa-pkcs1.test.ts
and the Rust unit tests in crate/core/src/rsa_pkcs1.rs.

The outputs come from an independent implementation: pyca/cryptography's RSA decrypt with
padding.PKCS1v15(), which on OpenSSL >= 3.2 returns the synthetic message for bad padding instead of
raising. Made with cryptography 48.0.0 on OpenSSL 4.0.0 (Python 3.11.7); the script refuses an
OpenSSL older than 3.2 (whose decrypt would raise, not reject implicitly).

    /root/.pyenv/shims/python3 test/vectors/rsa-pkcs1-extract.py > test/vectors/rsa-pkcs1-implicit-rejection.json

Two kinds of group:
* "generated-*": a throwaway key made by this script (TEST ONLY: it protects nothing) and crafted
  encoded messages (good ones; bad first byte, bad second byte, no separator, padding string shorter
  than 8 bytes; random ciphertexts); the keys, hence the file, change on every run.
* "draft-B.*": the test keys and vectors of draft-irtf-cfrg-rsa-guidance Appendix B (B.1, 2048-bit;
  B.2, 2049-bit), read from rsa-pkcs1-draft-appendix-b.json (transcribed from the draft); the script
  checks that cryptography reproduces every expected message before writing them.

Every case records the ciphertext, the raw RSA decryption `em` (so the decoding can be tested without
RSA), and the message; every group records `keyHash` = SHA-256(I2OSP(d, k)).
"""
import hashlib
import json
import os
import sys

import cryptography
from cryptography.hazmat.backends.openssl.backend import backend
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

HERE = os.path.dirname(os.path.abspath(__file__))


def openssl_at_least_3_2() -> bool:
    n = backend.openssl_version_number()
    return n >= 0x30200000


def i2osp(x: int, k: int) -> bytes:
    return x.to_bytes(k, 'big')


def raw_decrypt(key: rsa.RSAPrivateKey, c: bytes) -> bytes:
    nums = key.private_numbers()
    k = (nums.public_numbers.n.bit_length() + 7) // 8
    return i2osp(pow(int.from_bytes(c, 'big'), nums.d, nums.public_numbers.n), k)


def raw_encrypt(key: rsa.RSAPrivateKey, em: bytes) -> bytes:
    pub = key.private_numbers().public_numbers
    k = (pub.n.bit_length() + 7) // 8
    m = int.from_bytes(em, 'big')
    assert m < pub.n
    return i2osp(pow(m, pub.e, pub.n), k)


def key_hash(key: rsa.RSAPrivateKey) -> str:
    nums = key.private_numbers()
    k = (nums.public_numbers.n.bit_length() + 7) // 8
    return hashlib.sha256(i2osp(nums.d, k)).hexdigest()


def nonzero(n: int) -> bytes:
    out = bytearray()
    while len(out) < n:
        out.extend(b for b in os.urandom(n) if b != 0)
    return bytes(out[:n])


def encode(k: int, msg: bytes, ps_len=None) -> bytearray:
    ps_len = k - 3 - len(msg) if ps_len is None else ps_len
    return bytearray(b'\x00\x02' + nonzero(ps_len) + b'\x00' + msg)


def well_padded(em: bytes) -> bool:
    return em[0] == 0 and em[1] == 2 and 0 in em[2:] and em.index(0, 2) >= 10


def case(key, cid: str, comment: str, ct: bytes, valid, expect_msg=None) -> dict:
    """One case; `valid` (None: not known beforehand) is checked against the raw decryption."""
    out = key.decrypt(ct, padding.PKCS1v15())
    if expect_msg is not None:
        assert out == expect_msg, (cid, out.hex(), expect_msg.hex())
    em = raw_decrypt(key, ct)
    good = well_padded(em)
    assert valid is None or valid == good, cid
    if good:
        assert out == em[em.index(0, 2) + 1:], cid
    return {
        'id': cid,
        'comment': comment,
        'padding': 'valid' if good else 'invalid',
        'ciphertext': ct.hex(),
        'em': em.hex(),
        'message': out.hex(),
    }


def pem(key) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()


def generated(bits: int) -> dict:
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    pub = key.public_key()
    k = (bits + 7) // 8
    cases = []
    # Good padding, through cryptography's own encryption.
    for n in [0, 1, 2, 16, 32, 100, k - 12, k - 11]:
        msg = os.urandom(n)
        cases.append(case(key, f'valid-{n}', f'{n}-byte message, encrypted by cryptography', pub.encrypt(msg, padding.PKCS1v15()), True, msg))
    # Good padding with PS of exactly 8 bytes (the longest message) and a zero-length message.
    em = encode(k, os.urandom(k - 11), ps_len=8)
    cases.append(case(key, 'valid-ps8', 'PS of exactly 8 bytes', raw_encrypt(key, bytes(em)), True, bytes(em[11:])))
    em = encode(k, b'')
    cases.append(case(key, 'valid-empty-crafted', 'separator in the last byte: empty message', raw_encrypt(key, bytes(em)), True, b''))
    base = encode(k, b'implicit rejection test message')
    # Bad padding: each defect alone.
    for cid, comment, mutate in [
        ('bad-first-byte-01', 'first byte 0x01', lambda e: e.__setitem__(0, 1)),
        ('bad-second-byte-01', 'second byte 0x01 (signature block type)', lambda e: e.__setitem__(1, 1)),
        ('bad-second-byte-00', 'second byte 0x00', lambda e: e.__setitem__(1, 0)),
        ('bad-second-byte-03', 'second byte 0x03', lambda e: e.__setitem__(1, 3)),
        ('no-separator', 'no zero byte after the padding string', lambda e: e.__setitem__(k - 32, 0x5a)),
        ('separator-at-2', 'separator right after 00 02 (empty PS)', lambda e: e.__setitem__(2, 0)),
        ('separator-at-9', 'PS of 7 bytes', lambda e: e.__setitem__(9, 0)),
        ('bad-first-and-second', 'first byte 0x01 and second byte 0x01', lambda e: (e.__setitem__(0, 1), e.__setitem__(1, 1))),
    ]:
        e = bytearray(base)
        mutate(e)
        cases.append(case(key, cid, comment, raw_encrypt(key, bytes(e)), False))
    # The same defects with the longest and the shortest message.
    e = encode(k, os.urandom(k - 11), ps_len=8)
    e[9] = 0  # PS of 7 bytes, message of k - 10 bytes (one too long)
    cases.append(case(key, 'separator-at-9-long', 'PS of 7 bytes before a (k-10)-byte message', raw_encrypt(key, bytes(e)), False))
    e = encode(k, b'')
    e[0] = 1
    cases.append(case(key, 'bad-first-byte-empty', 'first byte 0x01, separator in the last byte', raw_encrypt(key, bytes(e)), False))
    # Ciphertexts with no structure: random values below n, 0, 1, and 0x01 repeated.
    n = key.private_numbers().public_numbers.n
    for i in range(6):
        while True:
            c = int.from_bytes(os.urandom(k), 'big') >> (8 * k - bits)
            if c < n:
                break
        # (Good padding by chance, about 2^-16, is recorded as such.)
        cases.append(case(key, f'random-{i}', 'random ciphertext below n', i2osp(c, k), None))
    cases.append(case(key, 'zero', 'ciphertext 0 (EM all zero)', i2osp(0, k), False))
    cases.append(case(key, 'one', 'ciphertext 1 (EM = 1)', i2osp(1, k), False))
    cases.append(case(key, 'ones', 'ciphertext of 0x01 bytes', b'\x01' * k, False))
    return {
        'name': f'generated-{bits}',
        'origin': f'throwaway key and ciphertexts made by rsa-pkcs1-extract.py; messages by cryptography {cryptography.__version__} on {backend.openssl_version_text()}',
        'testKeyOnly': True,
        'modulusBits': bits,
        'privateKeyPkcs8Pem': pem(key),
        'keyHash': key_hash(key),
        'cases': cases,
    }


def draft_groups() -> list:
    src = json.load(open(os.path.join(HERE, 'rsa-pkcs1-draft-appendix-b.json')))
    groups = []
    for g in src['groups']:
        key = serialization.load_pem_private_key(g['privateKeyPkcs8Pem'].encode(), None)
        cases = []
        for c in g['cases']:
            expect = bytes.fromhex(c['message'])
            out = case(key, c['id'], c['comment'], bytes.fromhex(c['ciphertext']), None, expect)
            cases.append(out)
        groups.append({
            'name': g['name'],
            'origin': f"{src['source']}; messages as published, reproduced by cryptography {cryptography.__version__} on {backend.openssl_version_text()}",
            'testKeyOnly': True,
            'modulusBits': key.key_size,
            'privateKeyPkcs8Pem': g['privateKeyPkcs8Pem'],
            'keyHash': key_hash(key),
            'cases': cases,
        })
    return groups


def main() -> None:
    if not openssl_at_least_3_2():
        sys.exit(f'{backend.openssl_version_text()} has no implicit rejection (needs OpenSSL 3.2 or later)')
    doc = {
        'description': 'RSAES-PKCS1-v1_5 decryption with implicit rejection (draft-irtf-cfrg-rsa-guidance): ciphertext, raw decryption em, decrypted or synthetic message',
        'warning': 'TEST KEYS ONLY. Every private key here is public test data and protects nothing.',
        'generator': f'test/vectors/rsa-pkcs1-extract.py, cryptography {cryptography.__version__}, {backend.openssl_version_text()}, Python {sys.version.split()[0]}',
        'licence': 'generated groups: made for this project; draft groups: IETF Trust, draft-irtf-cfrg-rsa-guidance Appendix B (code components under the Revised BSD licence)',
        'groups': [generated(2048), generated(3072)] + draft_groups(),
    }
    json.dump(doc, sys.stdout, indent=1)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
