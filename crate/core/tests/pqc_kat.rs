//! Known-answer tests for the post-quantum primitives of kmipkit-core, from the vector subsets in
//! `test/vectors` (NIST ACVP FIPS 203/204/205 and Wycheproof ML-DSA; provenance in README.md there).
//! The TypeScript suite (test/crypto/kat.test.ts) runs the same files through both backends.

use kmipkit_core::{dsa, kem, slhdsa};
use serde_json::Value as Json;

fn load(name: &str) -> Json {
    let path = format!("{}/../../test/vectors/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap()
}

fn h(v: &Json, key: &str) -> Vec<u8> {
    let s = v[key].as_str().unwrap_or_else(|| panic!("{key} missing"));
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

fn set(v: &Json) -> &str {
    v["parameterSet"].as_str().unwrap()
}

fn sha256_hex(b: &[u8]) -> String {
    aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, b).as_ref().iter().map(|x| format!("{x:02x}")).collect()
}

#[test]
fn slh_dsa_keygen() {
    let v = load("slh-dsa-fips205.json");
    let cases = v["keyGen"].as_array().unwrap();
    assert_eq!(cases.len(), 24);
    for t in cases {
        let p = slhdsa::Param::from_name(set(t)).unwrap();
        let s = p.sizes();
        let seed = [h(t, "skSeed"), h(t, "skPrf"), h(t, "pkSeed")].concat();
        let (mut pk, mut sk) = (vec![0u8; s.public_key], vec![0u8; s.private_key]);
        slhdsa::keygen_into(p, Some(&seed), &mut pk, &mut sk).unwrap();
        assert_eq!(pk, h(t, "pk"), "tcId {}", t["tcId"]);
        assert_eq!(sk, h(t, "sk"), "tcId {}", t["tcId"]);
    }
}

/// The SHAKE 's' sets take 6-10 s per signature here, so their two sigGen cases are not run (as in
/// kat.test.ts; their keyGen cases cover the same hashing); the other ten sets run both groups.
#[test]
fn slh_dsa_siggen_external_pure() {
    let v = load("slh-dsa-fips205.json");
    let mut ran = 0;
    for t in v["sigGen"].as_array().unwrap() {
        let name = set(t);
        if name.contains("SHAKE") && name.ends_with('s') {
            continue;
        }
        let p = slhdsa::Param::from_name(name).unwrap();
        let sk = h(t, "sk");
        let (msg, ctx) = (h(t, "message"), h(t, "context"));
        let rand = if t["additionalRandomness"].is_null() { None } else { Some(h(t, "additionalRandomness")) };
        let randomness = match &rand {
            None => slhdsa::Randomness::Deterministic,
            Some(r) => slhdsa::Randomness::Fixed(r),
        };
        let mut sig = vec![0u8; p.sizes().signature];
        slhdsa::sign_into(p, &sk, &msg, &ctx, randomness, &mut sig).unwrap();
        assert_eq!(sha256_hex(&sig), t["signatureSha256"].as_str().unwrap(), "tcId {}", t["tcId"]);
        assert_eq!(slhdsa::verify(p, &sk[sk.len() / 2..], &msg, &ctx, &sig), Ok(true));
        ran += 1;
    }
    assert_eq!(ran, 18);
}

#[test]
fn slh_dsa_sigver_external_pure() {
    let v = load("slh-dsa-fips205.json");
    for t in v["sigVer"].as_array().unwrap() {
        let p = slhdsa::Param::from_name(set(t)).unwrap();
        let ok = slhdsa::verify(p, &h(t, "pk"), &h(t, "message"), &h(t, "context"), &h(t, "signature")).unwrap();
        assert_eq!(ok, t["testPassed"].as_bool().unwrap(), "tcId {}", t["tcId"]);
    }
}

fn dsa_level(v: &Json) -> u32 {
    set(v).trim_start_matches("ML-DSA-").parse().unwrap()
}

#[test]
fn ml_dsa_keygen_and_wycheproof_verify() {
    let v = load("ml-dsa-fips204.json");
    for t in v["keyGen"].as_array().unwrap() {
        let level = dsa_level(t);
        let s = dsa::sizes(level).unwrap();
        let (mut pk, mut sk) = (vec![0u8; s.public_key], vec![0u8; s.private_key]);
        dsa::keygen_into(level, Some(&h(t, "seed")), &mut pk, &mut sk).unwrap();
        assert_eq!((pk, sk), (h(t, "pk"), h(t, "sk")), "tcId {}", t["tcId"]);
    }
    for t in v["verify"].as_array().unwrap() {
        let ok = dsa::verify(dsa_level(t), &h(t, "publicKey"), &h(t, "msg"), &h(t, "sig")).unwrap();
        assert_eq!(ok, t["result"] == "valid", "{} tcId {}", set(t), t["tcId"]);
    }
}

#[test]
fn ml_kem_decapsulation_and_keygen_pairs() {
    let v = load("ml-kem-fips203.json");
    let level = |t: &Json| -> u32 { set(t).trim_start_matches("ML-KEM-").parse().unwrap() };
    for t in v["decapsulation"].as_array().unwrap() {
        let mut ss = [0u8; kem::SHARED_SECRET_BYTES];
        kem::decapsulate_into(level(t), &h(t, "dk"), &h(t, "c"), &mut ss).unwrap();
        assert_eq!(ss.to_vec(), h(t, "k"), "tcId {}", t["tcId"]);
    }
    for t in v["keyGen"].as_array().unwrap() {
        let s = kem::sizes(level(t)).unwrap();
        let (mut ct, mut ss, mut ss2) = (vec![0u8; s.ciphertext], [0u8; 32], [0u8; 32]);
        kem::encapsulate_into(level(t), &h(t, "ek"), &mut ct, &mut ss).unwrap();
        kem::decapsulate_into(level(t), &h(t, "dk"), &ct, &mut ss2).unwrap();
        assert_eq!(ss, ss2, "tcId {}", t["tcId"]);
        // Key generation from the seed d || z gives exactly the expected ek and dk.
        let (mut ek, mut dk) = (vec![0u8; s.encapsulation_key], vec![0u8; s.decapsulation_key]);
        let seed = [h(t, "d"), h(t, "z")].concat();
        kem::keygen_from_seed_into(level(t), &seed, &mut ek, &mut dk).unwrap();
        assert_eq!(ek, h(t, "ek"), "tcId {} ek", t["tcId"]);
        assert_eq!(dk, h(t, "dk"), "tcId {} dk", t["tcId"]);
        assert!(kem::keygen_from_seed_into(level(t), &seed[..63], &mut ek, &mut dk).is_err());
    }
}
