//! `cargo test` runs the pages' end-to-end suite (tests/e2e, node's test
//! runner driving Debian's headless Chromium) against the amaan binary this
//! build made. Without chromium or node it says so loudly and passes: the
//! Rust suites still mean something on a machine without a browser, and
//! `.ci/run` calls tests/e2e/run.sh, which installs both. In CI (`CI=true`)
//! a skip is a failure: a green run there means the pages were tried.

use std::io::Write;
use std::path::Path;
use std::process::Command;

/// Straight to the process's standard error: the test runner captures what
/// `eprintln!` says in a passing test, and a skip must be seen.
fn tell(message: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{message}");
}

/// Far above a normal run (about 100 s on two cores), far below CI's limit.
const SUITE_DEADLINE: std::time::Duration = std::time::Duration::from_secs(15 * 60);

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false")
}

/// Says why the suite did not run; in CI that is a failure.
fn skipped(why: &str) {
    tell(&format!("\n!!!! SKIPPED: the browser suite {why} !!!!\n"));
    assert!(!in_ci(), "CI=true and the browser suite was skipped: {why}");
}

fn have(program: &str) -> bool {
    Command::new(program).arg("--version").output().map(|o| o.status.success()).unwrap_or(false)
}

#[test]
fn the_pages_work_in_a_real_browser() {
    let e2e = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("e2e");
    let chromium = std::env::var("AMAAN_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let missing: Vec<&str> =
        [("chromium", Path::new(&chromium).exists()), ("node", have("node")), ("npm", have("npm"))]
            .into_iter()
            .filter(|(_, present)| !present)
            .map(|(name, _)| name)
            .collect();
    if std::env::var("AMAAN_BROWSER_TESTS").is_ok_and(|v| v == "0") {
        skipped("was turned off (AMAAN_BROWSER_TESTS=0); tests/e2e/run.sh runs it on its own");
        return;
    }
    if !missing.is_empty() {
        skipped(&format!("needs {}: run tests/e2e/run.sh to install them and run it", missing.join(", ")));
        return;
    }
    // The pages do not depend on the database; the suite runs on its own
    // SQLite demo, so the PostgreSQL pass of `cargo test` need not repeat it.
    if std::env::var("DATABASE_URL").is_ok_and(|u| u.starts_with("postgres")) {
        tell("\n(the browser suite runs once, on the SQLite pass; not repeated on PostgreSQL)\n");
        return;
    }
    if !e2e.join("node_modules").join("playwright-core").exists() {
        let status = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(&e2e)
            .status()
            .expect("npm runs");
        assert!(status.success(), "npm ci in tests/e2e failed");
    }
    // Bounded twice over: node fails a test that runs past its timeout and
    // exits once the tests are done even if a handle is left open; and the
    // whole suite is killed past its deadline, so that a hang fails the run
    // with what it printed instead of holding CI until its own limit.
    let report = tempfile::NamedTempFile::new().expect("a temporary file for the report");
    let out = report.reopen().expect("the report file");
    let err = out.try_clone().expect("the report file");
    let mut child = Command::new("node")
        .args(["--test", "--test-concurrency=1", "--test-reporter=spec", "--test-timeout=240000", "--test-force-exit"])
        .args(std::fs::read_dir(&e2e).expect("tests/e2e").filter_map(|e| {
            let name = e.ok()?.file_name().into_string().ok()?;
            name.ends_with(".test.mjs").then_some(name)
        }))
        .current_dir(&e2e)
        .env("AMAAN_BIN", env!("CARGO_BIN_EXE_amaan"))
        .env("AMAAN_CHROMIUM", &chromium)
        .stdin(std::process::Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .expect("node runs");
    let deadline = std::time::Instant::now() + SUITE_DEADLINE;
    let status = loop {
        if let Some(status) = child.try_wait().expect("node's status") {
            break Some(status);
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    };
    // Uncaptured, so that the run's log shows each page test and `.ci/run`
    // can count them in its summary.
    let printed = std::fs::read_to_string(report.path()).unwrap_or_default();
    tell(&printed);
    let Some(status) = status else {
        panic!("the browser suite ran past {} s and was stopped; its report so far is above", SUITE_DEADLINE.as_secs());
    };
    assert!(status.success(), "the browser suite failed; its report is above");
}
