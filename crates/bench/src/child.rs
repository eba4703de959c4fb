//! Waiting for a server the benchmark started in a child process.

use std::process::Child;
use std::time::{Duration, Instant};

use anyhow::bail;

/// Returns once `ready()` holds; fails if `child` exits first or `within`
/// passes, naming `what` and adding what `said()` returns (its log).
pub(crate) fn wait_ready(
    child: &mut Child,
    what: &str,
    within: Duration,
    ready: impl Fn() -> bool,
    said: impl Fn() -> String,
) -> anyhow::Result<()> {
    let started = Instant::now();
    while !ready() {
        if let Ok(Some(status)) = child.try_wait() {
            bail!("{what} exited at start ({status}){}", said());
        }
        if started.elapsed() > within {
            bail!("{what} was not ready within {:.1} s{}", within.as_secs_f64(), said());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    #[test]
    fn a_child_that_exits_or_never_gets_ready_is_an_error_and_a_ready_one_is_not() {
        let mut done = Command::new("true").spawn().expect("true");
        std::thread::sleep(Duration::from_millis(200));
        let err = wait_ready(&mut done, "the server", Duration::from_secs(5), || false, || ": its log".into())
            .expect_err("it exited");
        assert!(err.to_string().starts_with("the server exited at start"), "{err}");
        assert!(err.to_string().ends_with(": its log"), "{err}");
        let mut sleeping = Command::new("sleep").arg("5").spawn().expect("sleep");
        let err = wait_ready(&mut sleeping, "the server", Duration::from_millis(300), || false, String::new)
            .expect_err("never ready");
        assert!(err.to_string().contains("not ready within 0.3 s"), "{err}");
        assert!(wait_ready(&mut sleeping, "the server", Duration::from_secs(1), || true, String::new).is_ok());
        let _ = sleeping.kill();
        let _ = sleeping.wait();
    }
}
