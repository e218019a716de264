#!/usr/bin/env python3
"""Extracts the small known-answer subsets in this folder from their published sources.

Sources (see README.md for versions and licences):
  - NIST ACVP-Server JSON files (FIPS 203/204/205), as vendored in the Go module
    github.com/cloudflare/circl v1.6.5 (kem/mlkem/testdata, sign/mldsa/testdata, sign/slhdsa/testdata);
  - Project Wycheproof ML-DSA verify tests, as vendored in the same module
    (sign/schemes/testdata/wycheproof).

Run:  GOPATH=/tmp/gopath GOFLAGS=-mod=mod go mod download github.com/cloudflare/circl@v1.6.5
      python3 test/vectors/extract.py /tmp/gopath/pkg/mod/github.com/cloudflare/circl@v1.6.5
The selection is deterministic (lowest test ids / shortest messages), so re-running it reproduces
the files byte for byte.
"""
import gzip
import hashlib
import json
import os
import sys

CIRCL = sys.argv[1]
OUT = os.path.dirname(os.path.abspath(__file__))
SOURCE = 'Go module github.com/cloudflare/circl v1.6.5'


def load(rel):
    with gzip.open(os.path.join(CIRCL, rel), 'rt') as f:
        return json.load(f)


def results_by_tc(doc):
    return {t['tcId']: t for g in doc['testGroups'] for t in g['tests']}


def write(name, doc):
    with open(os.path.join(OUT, name), 'w') as f:
        json.dump(doc, f, indent=1)
        f.write('\n')


def lower(h):
    return h.lower()


# ---------- SLH-DSA (FIPS 205) ----------
kp, kr = load('sign/slhdsa/testdata/keyGen_prompt.json.gz'), load('sign/slhdsa/testdata/keyGen_results.json.gz')
krt = results_by_tc(kr)
keygen = []
for g in kp['testGroups']:
    for t in g['tests'][:2]:
        r = krt[t['tcId']]
        keygen.append({'tcId': t['tcId'], 'parameterSet': g['parameterSet'], 'skSeed': lower(t['skSeed']), 'skPrf': lower(t['skPrf']),
                       'pkSeed': lower(t['pkSeed']), 'pk': lower(r['pk']), 'sk': lower(r['sk'])})

sp, sr = load('sign/slhdsa/testdata/sigGen_prompt.json.gz'), load('sign/slhdsa/testdata/sigGen_results.json.gz')
srt = results_by_tc(sr)
siggen = []
for g in sp['testGroups']:
    if g['signatureInterface'] != 'external' or g.get('preHash') != 'pure':
        continue
    t = min(g['tests'], key=lambda t: (len(t['message']), t['tcId']))
    sig = bytes.fromhex(srt[t['tcId']]['signature'])
    siggen.append({'tcId': t['tcId'], 'parameterSet': g['parameterSet'], 'deterministic': g['deterministic'],
                   'sk': lower(t['sk']), 'message': lower(t['message']), 'context': lower(t['context']),
                   'additionalRandomness': lower(t['additionalRandomness']) if 'additionalRandomness' in t else None,
                   'signatureLength': len(sig), 'signatureSha256': hashlib.sha256(sig).hexdigest()})

vp, vr = load('sign/slhdsa/testdata/verify_prompt.json.gz'), load('sign/slhdsa/testdata/verify_results.json.gz')
vrt = results_by_tc(vr)
sigver = []
for g in vp['testGroups']:
    if g['signatureInterface'] != 'external' or g.get('preHash') != 'pure' or '-128' not in g['parameterSet']:
        continue
    for passed in (True, False):
        cands = [t for t in g['tests'] if vrt[t['tcId']]['testPassed'] is passed]
        t = min(cands, key=lambda t: (len(t['message']), t['tcId']))
        sigver.append({'tcId': t['tcId'], 'parameterSet': g['parameterSet'], 'pk': lower(t['pk']), 'message': lower(t['message']),
                       'context': lower(t['context']), 'signature': lower(t['signature']), 'testPassed': passed})

write('slh-dsa-fips205.json', {
    'source': SOURCE + ', sign/slhdsa/testdata/{keyGen,sigGen,verify}_{prompt,results}.json.gz',
    'origin': 'NIST ACVP-Server gen-val/json-files SLH-DSA-{keyGen,sigGen,sigVer}-FIPS205 (vsId %d)' % kp['vsId'],
    'licence': 'NIST ACVP test data: public domain (US Government work); circl: BSD-3-Clause',
    'selection': 'keyGen: first 2 tests of each of the 12 parameter sets; sigGen and sigVer: external interface, pure '
                 'SLH-DSA groups only (no HashSLH-DSA, no internal interface); sigGen: the shortest message of each group, '
                 'with the SHA-256 of the expected signature instead of the signature (a signature that hashes to it is the '
                 'expected one, so verifying our signature verifies it); sigVer, to keep the file small, only the four '
                 '128-bit sets: per group the shortest-message test that passes and the one that fails',
    'keyGen': keygen, 'sigGen': siggen, 'sigVer': sigver})

# ---------- ML-DSA (FIPS 204) ----------
mp, mr = load('sign/mldsa/testdata/ML-DSA-keyGen-FIPS204/prompt.json.gz'), load('sign/mldsa/testdata/ML-DSA-keyGen-FIPS204/expectedResults.json.gz')
mrt = results_by_tc(mr)
dsa_keygen = []
for g in mp['testGroups']:
    for t in g['tests'][:3]:
        r = mrt[t['tcId']]
        dsa_keygen.append({'tcId': t['tcId'], 'parameterSet': g['parameterSet'], 'seed': lower(t['seed']), 'pk': lower(r['pk']), 'sk': lower(r['sk'])})

wyche = []
for level in (44, 65, 87):
    doc = load('sign/schemes/testdata/wycheproof/mldsa_%d_verify_test.json.gz' % level)
    seen = set()
    for g in doc['testGroups']:
        for t in g['tests']:
            # Our ML-DSA API has the empty context only; public keys of the wrong length are refused
            # with a RangeError before any verification (tested separately).
            if t.get('ctx', '') != '' or 'IncorrectPublicKeyLength' in t['flags']:
                continue
            key = (tuple(sorted(t['flags'])), t['result'])
            if key in seen and t['tcId'] not in (1, 2):
                continue
            seen.add(key)
            wyche.append({'tcId': t['tcId'], 'parameterSet': 'ML-DSA-%d' % level, 'comment': t['comment'], 'flags': t['flags'],
                          'publicKey': g['publicKey'], 'msg': t['msg'], 'sig': t['sig'], 'result': t['result']})

write('ml-dsa-fips204.json', {
    'source': SOURCE + ', sign/mldsa/testdata/ML-DSA-keyGen-FIPS204/{prompt,expectedResults}.json.gz and '
              'sign/schemes/testdata/wycheproof/mldsa_{44,65,87}_verify_test.json.gz',
    'origin': 'keyGen: NIST ACVP-Server ML-DSA-keyGen-FIPS204 (vsId %d); verify: Project Wycheproof mldsa_*_verify_test.json' % mp['vsId'],
    'licence': 'NIST ACVP test data: public domain (US Government work); Wycheproof: Apache-2.0; circl: BSD-3-Clause',
    'selection': 'keyGen: first 3 tests of each parameter set; verify: per parameter set the first test of each '
                 '(flags, result) pair with an absent or empty context (plus tests 1 and 2)',
    'keyGen': dsa_keygen, 'verify': wyche})

# ---------- ML-KEM (FIPS 203) ----------
kp2, kr2 = load('kem/mlkem/testdata/ML-KEM-keyGen-FIPS203/prompt.json.gz'), load('kem/mlkem/testdata/ML-KEM-keyGen-FIPS203/expectedResults.json.gz')
kr2t = results_by_tc(kr2)
kem_keygen = []
for g in kp2['testGroups']:
    for t in g['tests'][:2]:
        r = kr2t[t['tcId']]
        kem_keygen.append({'tcId': t['tcId'], 'parameterSet': g['parameterSet'], 'd': lower(t['d']), 'z': lower(t['z']),
                           'ek': lower(r['ek']), 'dk': lower(r['dk'])})
ep, er = load('kem/mlkem/testdata/ML-KEM-encapDecap-FIPS203/prompt.json.gz'), load('kem/mlkem/testdata/ML-KEM-encapDecap-FIPS203/expectedResults.json.gz')
ert = results_by_tc(er)
decap = []
for g in ep['testGroups']:
    # The encapsulation groups need a fixed m, which the native backend cannot take: not extracted.
    if g['function'] == 'decapsulation':
        for t in g['tests'][:4]:
            decap.append({'tcId': t['tcId'], 'parameterSet': g['parameterSet'], 'dk': lower(g['dk']), 'c': lower(t['c']),
                          'k': lower(ert[t['tcId']]['k'])})

write('ml-kem-fips203.json', {
    'source': SOURCE + ', kem/mlkem/testdata/ML-KEM-{keyGen,encapDecap}-FIPS203/{prompt,expectedResults}.json.gz',
    'origin': 'NIST ACVP-Server ML-KEM-keyGen-FIPS203 and ML-KEM-encapDecap-FIPS203 (commit f38183487eebff2952da0e5a3441371218acfe3f, per circl\'s README)',
    'licence': 'NIST ACVP test data: public domain (US Government work); circl: BSD-3-Clause',
    'selection': 'keyGen: first 2 tests per parameter set; decapsulation (VAL, valid and modified ciphertexts): '
                 'first 4 per set; no encapsulation tests (they need a fixed m)',
    'keyGen': kem_keygen, 'decapsulation': decap})
print('slh keyGen %d sigGen %d sigVer %d; ml-dsa keyGen %d verify %d; ml-kem keyGen %d decap %d' % (
    len(keygen), len(siggen), len(sigver), len(dsa_keygen), len(wyche), len(kem_keygen), len(decap)))
