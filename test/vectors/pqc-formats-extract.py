#!/usr/bin/env python3
"""Makes test/vectors/pqc-formats.json: throwaway ML-KEM and ML-DSA keys as an independent implementation
(pyca/cryptography over OpenSSL) writes them in PKCS#8 and X.509 SubjectPublicKeyInfo, with their raw forms
and one operation each, for test/kmip/pqc-formats.test.ts.

    /root/.pyenv/shims/python3 test/vectors/pqc-formats-extract.py > test/vectors/pqc-formats.json

Needs cryptography >= 47 built on OpenSSL >= 3.5 (made with cryptography 48.0.0, OpenSSL 4.0.0, Python
3.11.7). The keys are random at each run, so the output differs from run to run; they are test data only
and protect nothing. What cryptography offers, and so what the file holds:
  - ML-KEM-768 and ML-KEM-1024 (no ML-KEM-512 in cryptography 48), ML-DSA-44/65/87;
  - the private key as PKCS#8 in the seed-only form (cryptography writes no other; it reads no other
    either: the expandedKey and both forms are refused by load_der_private_key, `formsRead` records that);
  - the SubjectPublicKeyInfo, the raw public key, the seed (private_bytes_raw);
  - ML-KEM: a ciphertext to the public key and its shared secret; ML-DSA: a signature of `message`
    (pure, empty context), so that the reader's expansion of the seed can be checked end to end.
"""
import json
import sys

import cryptography
from cryptography.hazmat.backends.openssl import backend
from cryptography.hazmat.primitives import serialization as ser
from cryptography.hazmat.primitives.asymmetric import mldsa, mlkem

MESSAGE = b"pqc-formats test message"


def der_len(n):
    if n < 0x80:
        return bytes([n])
    if n < 0x100:
        return bytes([0x81, n])
    return bytes([0x82, n >> 8, n & 0xFF])


def tlv(tag, content):
    return bytes([tag]) + der_len(len(content)) + content


def forms_read(key, oid, expanded_len):
    """Which PKCS#8 private-key forms cryptography reads: the seed form it wrote (rebuilt here by hand,
    which checks this script's DER), and hand-built `both` / `expandedKey` forms holding a zero expanded
    key of the parameter set's length (a refusal at the ASN.1 level is a refusal of the form)."""
    seed = key.private_bytes_raw()
    pkcs8 = lambda inner: tlv(0x30, bytes.fromhex("020100") + tlv(0x30, tlv(0x06, oid)) + tlv(0x04, inner))
    out = {}
    mine = pkcs8(tlv(0x80, seed))
    out["seedRebuiltEqualsOpenSSL"] = mine == key.private_bytes(ser.Encoding.DER, ser.PrivateFormat.PKCS8, ser.NoEncryption())
    for name, inner in (("both", tlv(0x30, tlv(0x04, seed) + tlv(0x04, bytes(expanded_len)))), ("expandedKey", tlv(0x04, bytes(expanded_len)))):
        try:
            ser.load_der_private_key(pkcs8(inner), None)
            out[name] = "read"
        except Exception as e:  # noqa: BLE001 - the message is what we record
            out[name] = "refused: " + str(e).split("Details:")[-1].strip()[:120]
    return out


def main():
    cases = []
    kems = [("ML-KEM-768", mlkem.MLKEM768PrivateKey, "608648016503040402", 2400), ("ML-KEM-1024", mlkem.MLKEM1024PrivateKey, "608648016503040403", 3168)]
    dsas = [
        ("ML-DSA-44", mldsa.MLDSA44PrivateKey, "608648016503040311", 2560),
        ("ML-DSA-65", mldsa.MLDSA65PrivateKey, "608648016503040312", 4032),
        ("ML-DSA-87", mldsa.MLDSA87PrivateKey, "608648016503040313", 4896),
    ]
    for name, cls, oid, expanded_len in kems + dsas:
        key = cls.generate()
        pub = key.public_key()
        case = {
            "name": name,
            "seed": key.private_bytes_raw().hex(),
            "pkcs8Seed": key.private_bytes(ser.Encoding.DER, ser.PrivateFormat.PKCS8, ser.NoEncryption()).hex(),
            "spki": pub.public_bytes(ser.Encoding.DER, ser.PublicFormat.SubjectPublicKeyInfo).hex(),
            "publicKey": pub.public_bytes_raw().hex(),
        }
        # The DER read back gives the same key (a check of the file, not of us).
        assert ser.load_der_private_key(bytes.fromhex(case["pkcs8Seed"]), None).private_bytes_raw() == key.private_bytes_raw()
        assert ser.load_der_public_key(bytes.fromhex(case["spki"])).public_bytes_raw() == pub.public_bytes_raw()
        if name.startswith("ML-KEM"):
            shared, ct = pub.encapsulate()
            assert key.decapsulate(ct) == shared
            case["ciphertext"] = ct.hex()
            case["sharedSecret"] = shared.hex()
        else:
            sig = key.sign(MESSAGE)
            pub.verify(sig, MESSAGE)
            case["message"] = MESSAGE.hex()
            case["signature"] = sig.hex()
        case["formsRead"] = forms_read(key, bytes.fromhex(oid), expanded_len)
        cases.append(case)
    doc = {
        "source": "pyca/cryptography (OpenSSL) key generation and serialization; test/vectors/pqc-formats-extract.py",
        "generator": {
            "cryptography": cryptography.__version__,
            "openssl": backend.openssl_version_text(),
            "python": sys.version.split()[0],
        },
        "note": "Throwaway keys made for the tests: test data only, they protect nothing.",
        "cases": cases,
    }
    json.dump(doc, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
