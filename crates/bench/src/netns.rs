//! The video benchmark's own network: a network namespace joined to this
//! one by a veth pair on a /30 of 10.203.0.0/16, a range unlikely to be in
//! use. The servers under test run inside it (`ip netns exec`) and gather
//! their ICE candidates on its end of the pair; the synthetic peers stay in
//! this namespace and reach them over the pair. So neither server rides on
//! loopback, and Janus (which gathers nothing on loopback) needs no
//! external address of this machine.
//!
//! Needs root and `ip` (iproute2). Everything made is removed on drop; a
//! namespace left by a run that was killed is removed at the next start.

use std::net::{IpAddr, Ipv4Addr};
use std::process::Command;

use anyhow::{bail, Context};

/// Every namespace of the benchmark is named this and its run's pid.
const PREFIX: &str = "amaan-bench-";

/// The namespace, its veth pair and the /30 on it.
pub struct BenchNet {
    pub name: String,
    /// Our end of the pair (deleting it deletes both).
    host_link: String,
    /// Our end's address: the peers' ICE candidates.
    pub host: Ipv4Addr,
    /// The namespace's end: where the servers listen and gather.
    pub inside: Ipv4Addr,
}

/// The names and addresses of the run with process id `pid`: one /30 per
/// pid in 10.203.0.0/16, so that two concurrent runs rarely share one, and
/// link names within the kernel's 15 characters.
pub(crate) fn plan_for(pid: u32) -> (String, String, String, Ipv4Addr, Ipv4Addr) {
    let slot = pid % (1 << 14);
    let (a, b) = ((slot >> 6) as u8, ((slot & 0x3f) << 2) as u8);
    (
        format!("{PREFIX}{pid}"),
        format!("amb{pid}h"),
        format!("amb{pid}n"),
        Ipv4Addr::new(10, 203, a, b + 1),
        Ipv4Addr::new(10, 203, a, b + 2),
    )
}

/// The `ip` commands that make the namespace and its link up.
pub(crate) fn setup_steps(
    name: &str,
    host_link: &str,
    ns_link: &str,
    host: Ipv4Addr,
    inside: Ipv4Addr,
) -> Vec<Vec<String>> {
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<String>>();
    let (host, inside) = (format!("{host}/30"), format!("{inside}/30"));
    vec![
        s(&["link", "add", host_link, "type", "veth", "peer", "name", ns_link]),
        s(&["link", "set", ns_link, "netns", name]),
        s(&["addr", "add", &host, "dev", host_link]),
        s(&["link", "set", host_link, "up"]),
        s(&["-n", name, "addr", "add", &inside, "dev", ns_link]),
        s(&["-n", name, "link", "set", ns_link, "up"]),
        s(&["-n", name, "link", "set", "lo", "up"]),
    ]
}

/// The benchmark's namespaces in `ip netns list` output whose run is no
/// longer alive: left behind by a run that was killed.
pub(crate) fn stale(list: &str, alive: impl Fn(u32) -> bool) -> Vec<(String, u32)> {
    list.lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter_map(|name| Some((name.to_string(), name.strip_prefix(PREFIX)?.parse::<u32>().ok()?)))
        .filter(|&(_, pid)| !alive(pid))
        .collect()
}

/// Whether a `/proc/<pid>/stat` is of a benchmark still running: not a
/// zombie (a run just killed, not yet reaped) nor another program that got
/// the pid since.
pub(crate) fn a_live_bench(stat: &str) -> bool {
    let comm = stat.find('(').zip(stat.rfind(')')).map(|(a, b)| &stat[a + 1..b]);
    let state = stat.rfind(')').and_then(|b| stat[b + 1..].split_whitespace().next());
    comm == Some("amaan-bench") && !matches!(state, Some("Z" | "X") | None)
}

fn ip(args: &[String]) -> anyhow::Result<()> {
    let out = Command::new("ip").args(args).output().context("running `ip` (iproute2)")?;
    if !out.status.success() {
        bail!("`ip {}` failed: {}", args.join(" "), String::from_utf8_lossy(&out.stderr).trim());
    }
    Ok(())
}

fn ip_out(args: &[&str]) -> String {
    Command::new("ip").args(args).output().map(|o| String::from_utf8_lossy(&o.stdout).into_owned()).unwrap_or_default()
}

/// Kills what still runs in namespace `name`, deletes the link of run `pid`
/// and the namespace. Each step may find nothing to do.
fn remove(name: &str, host_link: &str) {
    for pid in ip_out(&["netns", "pids", name]).split_whitespace() {
        let _ = Command::new("kill").args(["-KILL", pid]).output();
    }
    let quiet = |args: &[&str]| {
        let _ = Command::new("ip").args(args).output();
    };
    quiet(&["link", "del", host_link]);
    quiet(&["netns", "del", name]);
}

impl BenchNet {
    /// Removes what killed runs left, then makes this run's namespace.
    pub fn make() -> anyhow::Result<BenchNet> {
        let alive = |pid: u32| std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| a_live_bench(&s));
        for (name, pid) in stale(&ip_out(&["netns", "list"]), alive) {
            println!("(removing the network namespace {name} that a killed run left)");
            remove(&name, &plan_for(pid).1);
        }
        let (name, host_link, ns_link, host, inside) = plan_for(std::process::id());
        ip(&["netns".into(), "add".into(), name.clone()]).context(
            "making the benchmark's network namespace needs root (CAP_SYS_ADMIN and CAP_NET_ADMIN) and iproute2; \
             run as root, or pass --janus-ip to run Janus on an address of this machine instead",
        )?;
        // From here on, dropping `net` removes what was made.
        let net = BenchNet { name, host_link, host, inside };
        for step in setup_steps(&net.name, &net.host_link, &ns_link, host, inside) {
            ip(&step).context("making the veth pair into the benchmark's namespace")?;
        }
        Ok(net)
    }

    /// `program` to be run inside the namespace. `ip netns exec` execs it
    /// in place, so the child's pid (and CPU time) is the program's own.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", self.name.as_str()]).arg(program);
        c
    }

    pub fn host_ip(&self) -> IpAddr {
        IpAddr::V4(self.host)
    }

    pub fn inside_ip(&self) -> IpAddr {
        IpAddr::V4(self.inside)
    }
}

impl Drop for BenchNet {
    fn drop(&mut self) {
        remove(&self.name, &self.host_link);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_run_gets_its_own_names_and_a_30_in_the_test_range() {
        let (name, host_link, ns_link, host, inside) = plan_for(4_194_303);
        assert_eq!(name, "amaan-bench-4194303");
        assert!(host_link.len() <= 15 && ns_link.len() <= 15, "Linux link names are at most 15 bytes");
        assert_ne!(host_link, ns_link);
        let (h, i) = (host.octets(), inside.octets());
        assert_eq!(&h[..2], &[10, 203]);
        assert_eq!(&h[..3], &i[..3]);
        assert_eq!(h[3] % 4, 1, "the first host of a /30");
        assert_eq!(i[3], h[3] + 1);
        assert_ne!(plan_for(1000).3, plan_for(1001).3);
    }

    #[test]
    fn the_namespace_end_is_moved_in_before_it_is_addressed() {
        let steps =
            setup_steps("amaan-bench-7", "amb7h", "amb7n", Ipv4Addr::new(10, 203, 0, 1), Ipv4Addr::new(10, 203, 0, 2));
        let at = |needle: &[&str]| steps.iter().position(|s| s.iter().map(String::as_str).eq(needle.iter().copied()));
        let moved = at(&["link", "set", "amb7n", "netns", "amaan-bench-7"]).unwrap_or(usize::MAX);
        let addressed = at(&["-n", "amaan-bench-7", "addr", "add", "10.203.0.2/30", "dev", "amb7n"]).unwrap_or(0);
        assert!(moved < addressed, "{steps:?}");
        assert!(at(&["-n", "amaan-bench-7", "link", "set", "lo", "up"]).is_some());
    }

    #[test]
    fn a_killed_run_not_yet_reaped_is_not_alive() {
        assert!(a_live_bench("8996 (amaan-bench) S 1 8996 8996 0 -1"));
        assert!(!a_live_bench("8996 (amaan-bench) Z 1 8996 8996 0 -1"), "a zombie");
        assert!(!a_live_bench("8996 (bash) S 1 8996 8996 0 -1"), "the pid went to another program");
        assert!(!a_live_bench(""));
    }

    #[test]
    fn only_namespaces_of_dead_runs_are_stale() {
        let list = "amaan-bench-100 (id: 3)\namaan-bench-200\namaan-af-300 (id: 1)\nother\namaan-bench-x\n";
        let got = stale(list, |pid| pid == 200);
        assert_eq!(got, vec![("amaan-bench-100".to_string(), 100)]);
    }
}
