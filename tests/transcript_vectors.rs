//! Known-answer vectors for the Keccak transcript (`docs/transcript.md`).
//!
//! The cases below are recomputed with `zkt_eth::transcript::Transcript` and compared with the
//! committed `tests/vectors/transcript.json`. Every step also carries its raw input words (hex), so a
//! Solidity test can replay the file with `keccak256(abi.encodePacked(state, uint256(tag), words))`
//! and `uint256(keccak256(abi.encodePacked(state, uint256(counter)))) % R`.
//!
//! Regenerate (only after an intentional, versioned transcript change):
//! `ZKT_REGEN_VECTORS=1 cargo test --test transcript_vectors`. Without the variable the test fails
//! if the file is missing or differs in any byte of content.

use ark_bn254::{Fr, G1Affine};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{BigInteger, PrimeField};
use serde_json::{json, Value};
use sha3::{Digest, Keccak256};
use std::path::PathBuf;
use zkt_eth::field::{fr_from_hash, fr_to_word, g1_to_words, Word};
use zkt_eth::protocol::Public;
use zkt_eth::transcript::{keccak256, word_u64, Tag, Transcript, Words};

const VERSION_NOTE: &str = "zkt-eth.transcript.v2";

enum Op {
    /// Absorb with the numeric tag (mapped through `tag_from`, so renaming a variant keeps the vectors).
    Absorb(u64, Vec<Word>),
    Squeeze(&'static str),
}

struct Case {
    name: &'static str,
    description: &'static str,
    ops: Vec<Op>,
}

fn hex32(w: &Word) -> String {
    format!("0x{}", hex::encode(w))
}

fn unhex32(v: &Value) -> Word {
    let s = v.as_str().expect("hex string");
    let b = hex::decode(s.trim_start_matches("0x")).expect("valid hex");
    b.try_into().expect("32-byte word")
}

/// The tags in protocol order (docs/transcript.md §2). The test fails if a tag is renumbered.
const TAGS: [Tag; 8] = [
    Tag::VkDigest,
    Tag::PublicValues,
    Tag::Witness,
    Tag::Inverses,
    Tag::RunningSum,
    Tag::Quotient,
    Tag::Evaluations,
    Tag::Openings,
];

fn tag_from(n: u64) -> Tag {
    let t = TAGS[(n as usize).checked_sub(1).expect("tags start at 1")];
    assert_eq!(t as u64, n, "tag {t:?} is not number {n}");
    t
}

/// A deterministic, well-spread scalar: `keccak256(label ‖ i) mod r`.
fn scalar(label: &str, i: u64) -> Fr {
    let mut b = label.as_bytes().to_vec();
    b.extend_from_slice(&word_u64(i));
    fr_from_hash(&keccak256(&b))
}

fn point(k: u64) -> G1Affine {
    (G1Affine::generator() * Fr::from(k)).into_affine()
}

fn words(items: &[Item]) -> Vec<Word> {
    let mut w = Words::default();
    for it in items {
        match it {
            Item::P(p) => {
                w.point(p);
            }
            Item::S(s) => {
                w.scalar(s);
            }
            Item::I(v) => {
                w.int(*v);
            }
        }
    }
    w.0
}

enum Item {
    P(G1Affine),
    S(Fr),
    I(u64),
}

fn cases() -> Vec<Case> {
    use Item::*;
    let minus_one = -Fr::from(1u64);
    // Public values exactly as `verifier::absorb_public` frames them: [n_in, in…, n_out, out…].
    let public = Public {
        inputs: vec![Fr::from(16u64), -Fr::from(8u64), Fr::from(24u64)],
        outputs: vec![Fr::from(3u64), -Fr::from(2u64)],
        commitment: None,
    };
    let mut t = Transcript::new();
    zkt_eth::verifier::absorb_public(&mut t, &public);
    let public_words = words(&[
        I(3),
        S(public.inputs[0]),
        S(public.inputs[1]),
        S(public.inputs[2]),
        I(2),
        S(public.outputs[0]),
        S(public.outputs[1]),
    ]);
    let mut check = Transcript::new();
    check.absorb(Tag::PublicValues, &public_words);
    assert_eq!(
        t.state(),
        check.state(),
        "absorb_public framing changed: update docs/transcript.md"
    );

    vec![
        Case {
            name: "empty",
            description: "Fresh transcript, no absorb, one squeeze (counter 1).",
            ops: vec![Op::Squeeze("c1")],
        },
        Case {
            name: "empty_absorb",
            description: "Absorb with tag 1 and no words: state <- keccak(state || tag || 0), then one squeeze (never equal to a squeeze hash: 96 vs 64 bytes).",
            ops: vec![Op::Absorb(1, vec![]), Op::Squeeze("c1")],
        },
        Case {
            name: "point_and_scalar",
            description: "Tag 3 with one G1 point (7*G as x || y) and one scalar (r - 1), then one squeeze.",
            ops: vec![Op::Absorb(3, words(&[P(point(7)), S(minus_one)])), Op::Squeeze("alpha")],
        },
        Case {
            name: "public_values",
            description: "Tag 2 framed as verifier::absorb_public: n_in=3, inputs (16, -8, 24), n_out=2, outputs (3, -2); negatives are r - |v|.",
            ops: vec![Op::Absorb(2, public_words), Op::Squeeze("c1")],
        },
        Case {
            name: "many_words",
            description: "Tag 7 with 100 scalars s_i = keccak256(\"zkt-eth.vectors\" || i) mod r, then two squeezes.",
            ops: vec![
                Op::Absorb(7, words(&(0..100).map(|i| S(scalar("zkt-eth.vectors", i))).collect::<Vec<_>>())),
                Op::Squeeze("c1"),
                Op::Squeeze("c2"),
            ],
        },
        Case {
            name: "multiple_squeezes",
            description: "Three squeezes after one absorb, then an absorb and two more: the counter is global (4, 5 after the second absorb) and squeezing never changes the state.",
            ops: vec![
                Op::Absorb(1, vec![keccak256(b"some vk")]),
                Op::Squeeze("c1"),
                Op::Squeeze("c2"),
                Op::Squeeze("c3"),
                Op::Absorb(4, words(&[P(point(2)), S(Fr::from(5u64))])),
                Op::Squeeze("c4"),
                Op::Squeeze("c5"),
            ],
        },
        Case {
            name: "protocol_order",
            description: "A proof-shaped sequence (synthetic values) in v2 protocol order: tags 1, 2, 3 then theta, beta, lambda; 4 (inverse columns, table side, running sum) then gamma; 6 (quotient) then zeta; 7 (evaluations) then nu; 8 (Shplonk's [W]) then xi. Tag 5 is retired.",
            ops: vec![
                Op::Absorb(1, vec![keccak256(b"example vk")]),
                Op::Absorb(2, words(&[I(0), I(2), S(Fr::from(3u64)), S(-Fr::from(2u64))])),
                Op::Absorb(3, words(&[P(point(11)), P(point(12))])),
                Op::Squeeze("theta"),
                Op::Squeeze("beta"),
                Op::Squeeze("lambda"),
                Op::Absorb(4, words(&[P(point(21)), P(point(22)), P(point(31))])),
                Op::Squeeze("gamma"),
                Op::Absorb(6, words(&[P(point(41))])),
                Op::Squeeze("zeta"),
                Op::Absorb(7, words(&[S(scalar("e", 0)), S(scalar("e", 1)), S(scalar("e", 2))])),
                Op::Squeeze("nu"),
                Op::Absorb(8, words(&[P(point(51))])),
                Op::Squeeze("xi"),
            ],
        },
    ]
}

/// `h mod r` by repeated subtraction on big-endian bytes (independent of arkworks' reduction).
fn reduce_mod_r(h: &Word) -> Word {
    let mut r = [0u8; 32];
    r.copy_from_slice(&Fr::MODULUS.to_bytes_be());
    let mut x = *h;
    while x >= r {
        let mut borrow = 0i16;
        for i in (0..32).rev() {
            let d = x[i] as i16 - r[i] as i16 - borrow;
            borrow = i16::from(d < 0);
            x[i] = d.rem_euclid(256) as u8;
        }
    }
    x
}

fn spec_keccak(parts: &[&[u8]]) -> Word {
    let mut k = Keccak256::new();
    for p in parts {
        k.update(p);
    }
    k.finalize().into()
}

/// Run a case with the real `Transcript`, checking every step against the spec written out by hand.
fn run(case: &Case) -> Value {
    let mut t = Transcript::new();
    let mut spec_state = spec_keccak(&[b"zkt-eth.transcript.v2"]);
    let mut counter = 0u64;
    let mut steps = vec![];
    for op in &case.ops {
        match op {
            Op::Absorb(tag, ws) => {
                let before = t.state();
                assert_eq!(before, spec_state);
                t.absorb(tag_from(*tag), ws);
                let tag_word = word_u64(*tag);
                let len_word = word_u64(ws.len() as u64);
                let mut parts: Vec<&[u8]> = vec![&spec_state, &tag_word, &len_word];
                parts.extend(ws.iter().map(|w| &w[..]));
                spec_state = spec_keccak(&parts);
                assert_eq!(t.state(), spec_state, "{}: absorb differs from the spec", case.name);
                steps.push(json!({
                    "op": "absorb",
                    "tag": *tag,
                    "words": ws.iter().map(hex32).collect::<Vec<_>>(),
                    "state_before": hex32(&before),
                    "state_after": hex32(&t.state()),
                }));
            }
            Op::Squeeze(label) => {
                let state = t.state();
                counter += 1;
                let hash = spec_keccak(&[&state, &word_u64(counter)]);
                let c = t.squeeze();
                assert_eq!(t.state(), state, "squeeze must not change the state");
                assert_eq!(
                    fr_to_word(&c),
                    reduce_mod_r(&hash),
                    "{}: squeeze differs from the spec",
                    case.name
                );
                steps.push(json!({
                    "op": "squeeze",
                    "label": label,
                    "state": hex32(&state),
                    "counter": counter,
                    "hash": hex32(&hash),
                    "challenge": hex32(&fr_to_word(&c)),
                }));
            }
        }
    }
    json!({ "name": case.name, "description": case.description, "steps": steps, "final_state": hex32(&t.state()) })
}

fn generate() -> Value {
    let mut r = [0u8; 32];
    r.copy_from_slice(&Fr::MODULUS.to_bytes_be());
    json!({
        "spec": "docs/transcript.md",
        "version": VERSION_NOTE,
        "initial_state": hex32(&keccak256(b"zkt-eth.transcript.v2")),
        "r": hex32(&r),
        "encoding": "every word is 32 bytes big-endian; G1 = x || y; Fr = one word < r; ints/tags/counters = one word",
        "cases": cases().iter().map(run).collect::<Vec<_>>(),
    })
}

/// Replay a vector file from its own data only (what a Solidity test does).
fn replay_file(v: &Value) {
    let mut r = [0u8; 32];
    r.copy_from_slice(&Fr::MODULUS.to_bytes_be());
    assert_eq!(unhex32(&v["r"]), r);
    assert_eq!(unhex32(&v["initial_state"]), Transcript::new().state());
    for case in v["cases"].as_array().expect("cases") {
        let name = case["name"].as_str().unwrap_or("?");
        let mut t = Transcript::new();
        let mut counter = 0u64;
        for step in case["steps"].as_array().expect("steps") {
            match step["op"].as_str() {
                Some("absorb") => {
                    assert_eq!(unhex32(&step["state_before"]), t.state(), "{name}");
                    let ws: Vec<Word> = step["words"].as_array().expect("words").iter().map(unhex32).collect();
                    t.absorb(tag_from(step["tag"].as_u64().expect("tag")), &ws);
                    assert_eq!(unhex32(&step["state_after"]), t.state(), "{name}: absorb");
                }
                Some("squeeze") => {
                    counter += 1;
                    assert_eq!(step["counter"].as_u64(), Some(counter), "{name}: counter");
                    assert_eq!(unhex32(&step["state"]), t.state(), "{name}");
                    let hash = unhex32(&step["hash"]);
                    assert_eq!(
                        hash,
                        keccak256(&[t.state(), word_u64(counter)].concat()),
                        "{name}: hash"
                    );
                    let c = t.squeeze();
                    assert_eq!(unhex32(&step["challenge"]), fr_to_word(&c), "{name}: challenge");
                    assert_eq!(fr_from_hash(&hash), c, "{name}: mod r");
                }
                other => panic!("{name}: unknown op {other:?}"),
            }
        }
        assert_eq!(unhex32(&case["final_state"]), t.state(), "{name}: final state");
    }
}

fn path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/transcript.json")
}

#[test]
fn transcript_known_answer_vectors() {
    let fresh = generate();
    let path = path();
    if std::env::var("ZKT_REGEN_VECTORS").as_deref() == Ok("1") {
        std::fs::create_dir_all(path.parent().expect("parent")).expect("create tests/vectors");
        let text = serde_json::to_string_pretty(&fresh).expect("json") + "\n";
        std::fs::write(&path, text).expect("write vectors");
    }
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; generate it once with ZKT_REGEN_VECTORS=1 cargo test --test transcript_vectors",
            path.display()
        )
    });
    let committed: Value = serde_json::from_str(&text).expect("vector file is valid JSON");
    replay_file(&committed);
    assert!(
        committed == fresh,
        "{} differs from the transcript implementation: the transcript changed (bump the domain separator and \
         regenerate with ZKT_REGEN_VECTORS=1) or the file was edited",
        path.display()
    );
}

#[test]
fn g1_identity_and_negative_scalars_encode_as_documented() {
    // The identity encodes as (0, 0) (never appears in a valid proof: the decoder refuses it).
    assert_eq!(g1_to_words(&G1Affine::zero()), [[0u8; 32], [0u8; 32]]);
    // The generator is (1, 2).
    assert_eq!(g1_to_words(&G1Affine::generator()), [word_u64(1), word_u64(2)]);
    // -1 is r - 1.
    let mut r_minus_1 = [0u8; 32];
    r_minus_1.copy_from_slice(&Fr::MODULUS.to_bytes_be());
    r_minus_1[31] -= 1;
    assert_eq!(fr_to_word(&-Fr::from(1u64)), r_minus_1);
}
