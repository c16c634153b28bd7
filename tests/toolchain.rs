//! The installed-binary experience: the `zkt-eth` binary run from directories outside the
//! repository with a controlled environment (no `ZKT_ETH_*`, `HOME` in a temp dir, a `PATH` of
//! symlinks), the toolchain resolution order, `toolchain install`, and the Foundry package
//! (`create-verifier --out-dir`, the EIP-170 warning, `fixture`, the README quickstart).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn sample_vk() -> PathBuf {
    repo().join("contracts/test/fixtures/sample/vk.bin")
}

/// The first `name` on the test's own PATH.
fn which(name: &str) -> PathBuf {
    std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|d| d.join(name))
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("`{name}` not on PATH: install Node.js (the solc shim and npm need it)"))
}

fn symlink(target: &Path, link: &Path) {
    std::fs::create_dir_all(link.parent().unwrap()).unwrap();
    std::os::unix::fs::symlink(target, link).unwrap();
}

/// A directory of symlinks: `node` (always) and the given repository `node_modules/.bin` tools.
fn bin_dir(root: &Path, extra: &[&str]) -> PathBuf {
    let dir = root.join("bin");
    symlink(&which("node"), &dir.join("node"));
    for tool in extra {
        match *tool {
            "npm" => symlink(&which("npm"), &dir.join("npm")),
            t => symlink(&repo().join("node_modules/.bin").join(t), &dir.join(t)),
        }
    }
    dir
}

/// The binary with a clean environment: only `PATH` and `HOME` (plus `extra`).
fn isolated(cwd: &Path, path: &Path, home: &Path, extra: &[(&str, &str)]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_zkt-eth"));
    c.current_dir(cwd).env_clear().env("PATH", path).env("HOME", home);
    for (k, v) in extra {
        c.env(k, v);
    }
    c
}

fn run(c: &mut Command, args: &[&str]) -> Output {
    c.args(args).output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn ok(o: &Output) -> &Output {
    assert!(o.status.success(), "command failed:\n{}", stderr(o));
    o
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not one JSON object ({e}):\n{}",
            String::from_utf8_lossy(&o.stdout)
        )
    })
}

/// The binary with the test's own environment, in `cwd`.
fn here(cwd: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_zkt-eth"));
    c.current_dir(cwd);
    if std::env::var_os("ZKT_ETH_ROOT").is_none() {
        c.env("ZKT_ETH_ROOT", repo());
    }
    c
}

#[test]
fn nothing_found_is_an_error_that_names_the_fix() {
    let tmp = tempfile::tempdir().unwrap();
    let (cwd, home) = (tmp.path().join("work"), tmp.path().join("home"));
    std::fs::create_dir_all(&cwd).unwrap();
    std::fs::create_dir_all(&home).unwrap();
    let path = bin_dir(tmp.path(), &[]);
    let cmd = || isolated(&cwd, &path, &home, &[]);

    let o = run(&mut cmd(), &["toolchain", "status"]);
    assert!(!o.status.success(), "status must fail without forge/anvil/solc");
    let err = stderr(&o);
    for needle in [
        "missing: forge, anvil, solc",
        "zkt-eth toolchain install",
        "`npm ci` in your project",
        "PATH",
    ] {
        assert!(err.contains(needle), "stderr lacks {needle:?}:\n{err}");
    }
    assert!(String::from_utf8_lossy(&o.stdout).contains("forge  not found"));

    let o = run(&mut cmd(), &["toolchain", "status", "--json"]);
    assert!(!o.status.success());
    let v = json(&o);
    assert_eq!(v["ok"], false);
    assert_eq!(v["tools"]["solc"]["found"], false);
    assert!(v["home_toolchain"]
        .as_str()
        .unwrap()
        .starts_with(home.to_str().unwrap()));

    // A compile needs solc: the error names the fix and nothing is written.
    let out = cwd.join("src/zkt");
    let vk = sample_vk();
    let o = run(
        &mut cmd(),
        &["create-verifier", vk.to_str().unwrap(), "--out-dir", "src/zkt"],
    );
    let err = stderr(&o);
    assert!(!o.status.success() && err.contains("`solc` not found"), "{err}");
    assert!(err.contains("zkt-eth toolchain install"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(!out.exists(), "nothing written when compiling fails");
    // Without compiling, no toolchain is needed at all.
    ok(&run(
        &mut cmd(),
        &[
            "create-verifier",
            vk.to_str().unwrap(),
            "--out-dir",
            "src/zkt",
            "--no-compile",
        ],
    ));
    for f in ["ModelVerifier.sol", "IZkTorchVerifier.sol", "ZktTranscript.sol"] {
        assert!(out.join(f).is_file(), "{f} written");
    }

    // An explicit override that does not hold the program is an error, not a fall-through.
    let o = run(
        &mut isolated(&cwd, &path, &home, &[("ZKT_ETH_ROOT", cwd.to_str().unwrap())]),
        &["toolchain", "which", "forge"],
    );
    assert!(
        !o.status.success() && stderr(&o).contains("ZKT_ETH_ROOT="),
        "{}",
        stderr(&o)
    );
}

/// forge/anvil from PATH, cast and solc from the project's node_modules found from a
/// subdirectory; then a real compile through that project shim.
#[test]
fn resolves_path_then_project_node_modules() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    let project = tmp.path().join("project");
    let nm = repo().join("node_modules");
    symlink(&nm.join(".bin/cast"), &project.join("node_modules/.bin/cast"));
    symlink(&nm.join("solc"), &project.join("node_modules/solc"));
    std::fs::create_dir_all(project.join("tools")).unwrap();
    std::fs::copy(repo().join("tools/solc"), project.join("tools/solc")).unwrap();
    let sub = project.join("deep/er");
    std::fs::create_dir_all(&sub).unwrap();
    std::fs::create_dir_all(&home).unwrap();
    let path = bin_dir(tmp.path(), &["forge", "anvil"]);

    let v = json(ok(&run(
        &mut isolated(&sub, &path, &home, &[]),
        &["toolchain", "status", "--json"],
    )));
    assert_eq!(v["ok"], true, "{v:#}");
    let t = &v["tools"];
    assert_eq!(
        (t["forge"]["source"].as_str(), t["anvil"]["source"].as_str()),
        (Some("path"), Some("path"))
    );
    assert_eq!(
        (t["cast"]["source"].as_str(), t["solc"]["source"].as_str()),
        (Some("project"), Some("project"))
    );
    assert_eq!(t["solc"]["kind"], "solc-js shim");
    assert!(t["solc"]["version"].as_str().unwrap().starts_with("0.8.30"), "{v:#}");
    assert!(t["forge"]["version"].as_str().unwrap().contains("1.7.1"), "{v:#}");
    let which = ok(&run(
        &mut isolated(&sub, &path, &home, &[]),
        &["toolchain", "which", "solc"],
    ))
    .stdout
    .clone();
    assert_eq!(
        String::from_utf8_lossy(&which).trim(),
        project.join("tools/solc").to_str().unwrap()
    );

    let vk = sample_vk();
    let o = run(
        &mut isolated(&sub, &path, &home, &[]),
        &["create-verifier", vk.to_str().unwrap(), "--out-dir", "zkt", "--json"],
    );
    let v = json(ok(&o));
    assert!(v["runtime_bytes"].as_u64().unwrap() > 1000, "{v:#}");
    assert!(v["solc"].as_str().unwrap().starts_with("0.8.30"), "{v:#}");
}

/// `toolchain install` into a temporary HOME (the npm registry, or npm's cache, is needed), then
/// the binary works from any directory with nothing but node on PATH.
#[test]
fn toolchain_install_makes_the_binary_work_anywhere() {
    let tmp = tempfile::tempdir().unwrap();
    let (cwd, home) = (tmp.path().join("anywhere"), tmp.path().join("home"));
    std::fs::create_dir_all(&cwd).unwrap();
    std::fs::create_dir_all(&home).unwrap();
    let path = bin_dir(tmp.path(), &["npm"]);
    // Share the user's npm cache so that the pinned tarballs need not be downloaded again.
    let cache = Command::new(which("npm"))
        .args(["config", "get", "cache"])
        .output()
        .unwrap();
    let cache = String::from_utf8_lossy(&cache.stdout).trim().to_string();
    let env = [("npm_config_cache", cache.as_str())];

    let v = json(ok(&run(
        &mut isolated(&cwd, &path, &home, &env),
        &["toolchain", "install", "--json"],
    )));
    let dir = home.join(".zkt-eth/toolchain");
    assert_eq!(v["dir"].as_str(), dir.to_str());
    assert_eq!(v["installed"], true);
    assert!(v["forge_version"].as_str().unwrap().contains("1.7.1"), "{v:#}");
    assert_eq!(
        std::fs::read_to_string(dir.join("package-lock.json")).unwrap(),
        std::fs::read_to_string(repo().join("package-lock.json")).unwrap()
    );
    let leftovers: Vec<_> = std::fs::read_dir(home.join(".zkt-eth"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        leftovers,
        vec![std::ffi::OsString::from("toolchain")],
        "no staging directories left"
    );

    let v = json(ok(&run(
        &mut isolated(&cwd, &path, &home, &[]),
        &["toolchain", "status", "--json"],
    )));
    assert_eq!(v["ok"], true, "{v:#}");
    assert_eq!(v["home_toolchain_installed"], true);
    for tool in ["forge", "anvil", "cast", "solc"] {
        assert_eq!(v["tools"][tool]["source"], "home", "{tool}: {v:#}");
    }

    let vk = sample_vk();
    let v = json(ok(&run(
        &mut isolated(&cwd, &path, &home, &[]),
        &[
            "create-verifier",
            vk.to_str().unwrap(),
            "--out-dir",
            "src/zkt",
            "--json",
        ],
    )));
    assert_eq!(v["eip170"]["status"], "ok", "{v:#}");

    // Installing again is a no-op.
    let o = ok(&run(&mut isolated(&cwd, &path, &home, &env), &["toolchain", "install"])).clone();
    assert!(stderr(&o).contains("already installed"), "{}", stderr(&o));
}

#[test]
fn create_verifier_out_dir_and_legacy_file() {
    let tmp = tempfile::tempdir().unwrap();
    let vk = sample_vk();
    let v = json(ok(&run(
        &mut here(tmp.path()),
        &[
            "create-verifier",
            vk.to_str().unwrap(),
            "--out-dir",
            "zkt",
            "--name",
            "SampleVerifier",
            "--json",
        ],
    )));
    let dir = tmp.path().join("zkt");
    let src = std::fs::read_to_string(dir.join("SampleVerifier.sol")).unwrap();
    assert!(src.contains(r#"import {IZkTorchVerifier} from "./IZkTorchVerifier.sol";"#));
    assert!(src.contains(r#"import {ZktTranscript} from "./ZktTranscript.sol";"#));
    assert!(src.contains("solc 0.8.30, optimizer on (200 runs), via-ir off, EVM version osaka"));
    for (f, repo_file) in [
        ("IZkTorchVerifier.sol", "contracts/IZkTorchVerifier.sol"),
        ("ZktTranscript.sol", "contracts/ZktTranscript.sol"),
    ] {
        assert_eq!(
            std::fs::read_to_string(dir.join(f)).unwrap(),
            std::fs::read_to_string(repo().join(repo_file)).unwrap()
        );
    }
    assert_eq!(v["files"].as_array().unwrap().len(), 3);
    assert_eq!(v["compiler_settings"]["from"], "zkt-eth's defaults");
    assert_eq!(v["eip170"]["status"], "ok");
    assert!(v["eip170"]["warning"].is_null());
    // The size matches the committed fixture's (same vk, same settings).
    let fx: Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("contracts/test/fixtures/sample/fixture.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(v["runtime_bytes"], fx["runtime_bytes"]);

    // -o: only the verifier, importing from ../ (or --import-prefix).
    let o = ok(&run(
        &mut here(tmp.path()),
        &[
            "create-verifier",
            vk.to_str().unwrap(),
            "-o",
            "legacy/V.sol",
            "--no-compile",
        ],
    ))
    .clone();
    assert!(String::from_utf8_lossy(&o.stdout).contains("legacy/V.sol"));
    let legacy = std::fs::read_to_string(tmp.path().join("legacy/V.sol")).unwrap();
    assert!(legacy.contains(r#"from "../IZkTorchVerifier.sol";"#));
    assert_eq!(std::fs::read_dir(tmp.path().join("legacy")).unwrap().count(), 1);
    ok(&run(
        &mut here(tmp.path()),
        &[
            "create-verifier",
            vk.to_str().unwrap(),
            "-o",
            "p/V.sol",
            "--import-prefix",
            "zkt",
            "--no-compile",
        ],
    ));
    let p = std::fs::read_to_string(tmp.path().join("p/V.sol")).unwrap();
    assert!(p.contains(r#"from "zkt/IZkTorchVerifier.sol";"#) && p.contains(r#"from "zkt/ZktTranscript.sol";"#));

    let o = run(
        &mut here(tmp.path()),
        &["create-verifier", vk.to_str().unwrap(), "-o", "a.sol", "--out-dir", "b"],
    );
    assert!(
        !o.status.success() && stderr(&o).contains("cannot be used with"),
        "{}",
        stderr(&o)
    );
    let o = run(
        &mut here(tmp.path()),
        &[
            "create-verifier",
            vk.to_str().unwrap(),
            "--name",
            "1Bad",
            "--no-compile",
        ],
    );
    assert!(
        !o.status.success() && stderr(&o).contains("not a Solidity identifier"),
        "{}",
        stderr(&o)
    );
}

/// Foundry's default (optimizer off) pushes the mlp784 verifier over EIP-170: the warning says
/// so and how to fix it; with the optimizer on (flag) it fits.
#[test]
fn eip170_warning_follows_the_projects_foundry_toml() {
    let tmp = tempfile::tempdir().unwrap();
    let project = tmp.path().join("app");
    std::fs::create_dir_all(&project).unwrap();
    std::fs::write(
        project.join("foundry.toml"),
        "[profile.default]\nsrc = \"src\"\nout = \"out\"\n",
    )
    .unwrap();
    let vk = repo().join("contracts/test/fixtures/mlp784/vk.bin");
    let o = run(
        &mut here(&project),
        &[
            "create-verifier",
            vk.to_str().unwrap(),
            "--out-dir",
            "src/zkt",
            "--json",
        ],
    );
    let v = json(ok(&o));
    let err = stderr(&o);
    assert_eq!(v["compiler_settings"]["optimizer"], false, "{v:#}");
    assert!(
        v["compiler_settings"]["from"]
            .as_str()
            .unwrap()
            .ends_with("app/foundry.toml"),
        "{v:#}"
    );
    // v2's verifier has constant code per layer: mlp784 fits EIP-170 even with Foundry's default
    // optimizer-off settings (v1: 26,524 bytes). The warning itself is unit-tested
    // (create_verifier::tests) and shows whenever a size is near or over the limit.
    let n = v["runtime_bytes"].as_u64().unwrap();
    assert!(n < 24_576, "mlp784 without the optimizer: {n} bytes");
    assert_eq!(v["eip170_ok"], true);
    let status = v["eip170"]["status"].as_str().unwrap();
    if status == "ok" {
        assert!(v["eip170"]["warning"].is_null(), "{v:#}");
    } else {
        let warning = v["eip170"]["warning"].as_str().unwrap();
        for needle in [
            "EIP-170",
            "optimizer is OFF",
            "Foundry's default",
            "`optimizer = true`",
            "foundry.toml",
        ] {
            assert!(warning.contains(needle), "warning lacks {needle:?}: {warning}");
        }
        assert!(err.contains(warning), "the warning goes to stderr too:\n{err}");
    }
    let src = std::fs::read_to_string(project.join("src/zkt/ModelVerifier.sol")).unwrap();
    assert!(
        src.contains("solc 0.8.30, optimizer OFF, via-ir off"),
        "the header states the settings"
    );

    let v = json(ok(&run(
        &mut here(&project),
        &[
            "create-verifier",
            vk.to_str().unwrap(),
            "--out-dir",
            "src/zkt",
            "--optimizer-runs",
            "200",
            "--evm-version",
            "cancun",
            "--json",
        ],
    )));
    assert_eq!(v["eip170"]["status"], "ok", "{v:#}");
    assert!(v["compiler_settings"]["from"]
        .as_str()
        .unwrap()
        .ends_with("and the command line"));
    let o = run(
        &mut here(&project),
        &[
            "create-verifier",
            vk.to_str().unwrap(),
            "--evm-version",
            "nope",
            "--no-compile",
        ],
    );
    assert!(
        !o.status.success() && stderr(&o).contains("unknown EVM version"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn fixture_writes_what_forge_reads() {
    let tmp = tempfile::tempdir().unwrap();
    let fx_dir = repo().join("contracts/test/fixtures/sample");
    let proof = fx_dir.join("proof.bin");
    let v = json(ok(&run(
        &mut here(tmp.path()),
        &["fixture", proof.to_str().unwrap(), "-o", "test/zkt", "--json"],
    )));
    let written: Value =
        serde_json::from_str(&std::fs::read_to_string(tmp.path().join("test/zkt/fixture.json")).unwrap()).unwrap();
    assert_eq!(written, v["content"]);
    let committed: Value =
        serde_json::from_str(&std::fs::read_to_string(fx_dir.join("fixture.json")).unwrap()).unwrap();
    for key in [
        "format",
        "proof",
        "inputs",
        "outputs",
        "outputs_real",
        "argmax",
        "vk_digest",
        "scale_bits",
        "lookup_bits",
        "window",
        "input_visibility",
        "public_inputs",
        "output_count",
        "proof_bytes",
        "calldata_bytes",
        "insecure_dev_srs",
    ] {
        assert_eq!(written[key], committed[key], "{key}");
    }
    let calldata = std::fs::read_to_string(fx_dir.join("calldata.hex")).unwrap();
    assert_eq!(written["calldata"].as_str().unwrap(), calldata.trim());
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("test/zkt/ZktFixture.sol")).unwrap(),
        std::fs::read_to_string(repo().join("contracts/ZktFixture.sol")).unwrap()
    );

    // A proof for another vk, a missing vk, a false proof: clear errors, nothing written.
    let mlp_vk = repo().join("contracts/test/fixtures/mlp784/vk.bin");
    let o = run(
        &mut here(tmp.path()),
        &[
            "fixture",
            proof.to_str().unwrap(),
            "--vk",
            mlp_vk.to_str().unwrap(),
            "-o",
            "x",
        ],
    );
    assert!(
        !o.status.success() && stderr(&o).contains("pass the matching --vk"),
        "{}",
        stderr(&o)
    );
    let lone = tmp.path().join("lone/proof.bin");
    std::fs::create_dir_all(lone.parent().unwrap()).unwrap();
    let mut bytes = std::fs::read(&proof).unwrap();
    std::fs::write(&lone, &bytes).unwrap();
    let o = run(&mut here(tmp.path()), &["fixture", lone.to_str().unwrap(), "-o", "x"]);
    assert!(
        !o.status.success() && stderr(&o).contains("pass --vk"),
        "{}",
        stderr(&o)
    );
    let n = bytes.len();
    bytes[n - 40] ^= 1;
    std::fs::write(&lone, &bytes).unwrap();
    let vk = fx_dir.join("vk.bin");
    let o = run(
        &mut here(tmp.path()),
        &[
            "fixture",
            lone.to_str().unwrap(),
            "--vk",
            vk.to_str().unwrap(),
            "-o",
            "x",
        ],
    );
    assert!(
        !o.status.success() && stderr(&o).contains("does not verify"),
        "{}",
        stderr(&o)
    );
    assert!(!tmp.path().join("x").exists(), "nothing written on failure");
}

/// The README's Foundry quickstart in a fresh `forge init` project, offline (script/quickstart-test.sh).
#[test]
fn foundry_quickstart_passes_offline() {
    let o = Command::new("bash")
        .arg(repo().join("script/quickstart-test.sh"))
        .arg(env!("CARGO_BIN_EXE_zkt-eth"))
        .env(
            "ZKT_ETH_ROOT",
            std::env::var_os("ZKT_ETH_ROOT").unwrap_or_else(|| repo().into_os_string()),
        )
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "quickstart failed:\n{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        stderr(&o)
    );
    assert!(stderr(&o).contains("quickstart-test: ok"));
}
