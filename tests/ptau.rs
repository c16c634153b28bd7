//! Loads `.ptau` files produced by the real snarkjs (pinned in package.json)
//! at test time, so the parser is checked against the reference
//! implementation rather than against itself.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;

use ark_bn254::{Bn254, G1Affine, G2Affine};
use ark_ec::pairing::Pairing;
use ark_ec::AffineRepr;
use zkt_eth::srs::{Srs, SrsError, SrsSource};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn snarkjs_bin() -> PathBuf {
    let bin = root().join("node_modules/.bin/snarkjs");
    if !bin.exists() {
        panic!(
            "snarkjs not found at {}: run `npm ci` in the project root to install the pinned snarkjs",
            bin.display()
        );
    }
    bin
}

/// Runs snarkjs in `dir`, failing the test with its output if it fails.
fn snarkjs(dir: &Path, args: &[&str]) {
    let out = Command::new(snarkjs_bin())
        .args(args)
        .current_dir(dir)
        .output()
        .expect("spawn snarkjs");
    assert!(
        out.status.success(),
        "snarkjs {args:?} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn assert_powers(srs: &Srs) {
    assert_eq!(srs.g1[0], G1Affine::generator());
    assert_eq!(srs.g2[0], G2Affine::generator());
    let last = srs.g1.len() - 1;
    for i in [0, last / 2, last - 1] {
        assert_eq!(
            Bn254::pairing(srs.g1[i], srs.g2[1]),
            Bn254::pairing(srs.g1[i + 1], srs.g2[0]),
            "power {i}"
        );
    }
}

#[test]
fn snarkjs_ceremony_files_load() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    snarkjs(d, &["powersoftau", "new", "bn128", "8", "pot8_0.ptau"]);
    snarkjs(
        d,
        &[
            "powersoftau",
            "contribute",
            "pot8_0.ptau",
            "pot8_1.ptau",
            "--name=first",
            "-e=zkt-eth test entropy",
        ],
    );
    snarkjs(
        d,
        &["powersoftau", "prepare", "phase2", "pot8_1.ptau", "pot8_final.ptau"],
    );
    snarkjs(d, &["powersoftau", "truncate", "pot8_final.ptau"]);

    // Fresh ceremony, nobody contributed: τ = 1 is rejected.
    let r = Srs::from_ptau(&d.join("pot8_0.ptau"), 16);
    assert!(matches!(r, Err(SrsError::TrivialTau)), "{r:?}");

    // Contributed once: all 2^9 − 1 G1 powers load and verify.
    let contributed = Srs::from_ptau(&d.join("pot8_1.ptau"), 511).unwrap();
    assert_eq!(contributed.g1.len(), 511);
    assert_eq!(contributed.max_degree(), 510);
    assert!(!contributed.is_insecure());
    assert!(matches!(contributed.source, SrsSource::Ptau { power: 8, .. }));
    assert_powers(&contributed);

    // Phase-2 prepared file (extra Lagrange sections 12–15): same powers.
    let prepared = Srs::from_ptau(&d.join("pot8_final.ptau"), 511).unwrap();
    assert_eq!(prepared.g1, contributed.g1);
    assert_eq!(prepared.g2, contributed.g2);

    // Truncated to power 5 (ceremony power stays 8): a prefix of the same powers.
    let truncated = Srs::from_ptau(&d.join("pot8_final_05.ptau"), 63).unwrap();
    assert_eq!(truncated.g1[..], contributed.g1[..63]);
    assert_eq!(truncated.g2, contributed.g2);
    assert!(matches!(truncated.source, SrsSource::Ptau { power: 5, .. }));
    let r = Srs::from_ptau(&d.join("pot8_final_05.ptau"), 64);
    match r {
        Err(e @ SrsError::TooSmall { have: 63, need: 64 }) => {
            assert!(e.to_string().contains("power >= 6"), "{e}")
        }
        other => panic!("expected TooSmall, got {other:?}"),
    }
    let smallest = Srs::from_ptau(&d.join("pot8_final_01.ptau"), 3).unwrap();
    assert_eq!(smallest.g1[..], contributed.g1[..3]);
}

#[test]
fn committed_fixture_is_a_valid_snarkjs_ceremony() {
    let fixture = root().join("tests/fixtures/pot8.ptau");
    // snarkjs itself accepts the committed fixture (verifies every contribution) …
    let fixture_str = fixture.to_str().unwrap();
    snarkjs(&root(), &["powersoftau", "verify", fixture_str]);
    // … and so do we.
    let srs = Srs::from_ptau(&fixture, 511).unwrap();
    assert_powers(&srs);
    assert_eq!(
        srs.source,
        SrsSource::Ptau {
            path: fixture.display().to_string(),
            power: 8
        }
    );
}
