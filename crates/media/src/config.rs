//! Media settings from the environment, so that deployments configure STUN
//! and TURN without a code change and tests need no configuration at all.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Serialize;

/// A STUN or TURN server handed to clients and used by the server's ICE agent.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IceServer {
    pub urls: Vec<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub username: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub credential: String,
}

#[derive(Debug, Clone)]
pub struct MediaConfig {
    /// This node's name, stored with each session it hosts.
    pub node_id: String,
    pub ice_servers: Vec<IceServer>,
    /// Gather host candidates on the loopback interface only: a server bound
    /// to loopback serves only this machine (the tests).
    pub loopback_only: bool,
    /// Public addresses to announce instead of the host's own (1:1 NAT).
    pub public_ips: Vec<String>,
    pub recordings_dir: PathBuf,
    /// The master key each recording's data key is wrapped by. Without one
    /// nothing is recorded: evidence is never written in plaintext.
    pub recording_key: Option<amaan_vault::MasterKey>,
    /// Forwarding threads (`AMAAN_SFU_THREADS`, default 2); each holds whole sessions.
    pub threads: usize,
}

impl MediaConfig {
    /// `AMAAN_NODE_ID` (default `local`), `AMAAN_ICE_SERVERS` (comma-separated
    /// `stun:`/`turn:`/`turns:` URLs), `AMAAN_TURN_USERNAME`,
    /// `AMAAN_TURN_CREDENTIAL`, `AMAAN_PUBLIC_IPS` (comma-separated).
    pub fn from_env(bind: &str, data_dir: &Path) -> MediaConfig {
        let var = |name: &str| std::env::var(name).ok().map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let list = |name: &str| -> Vec<String> {
            var(name)
                .map(|v| v.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect())
                .unwrap_or_default()
        };
        let urls = list("AMAAN_ICE_SERVERS");
        let username = var("AMAAN_TURN_USERNAME").unwrap_or_default();
        let credential = var("AMAAN_TURN_CREDENTIAL").unwrap_or_default();
        let ice_servers = urls
            .into_iter()
            .map(|url| {
                let turn = url.starts_with("turn:") || url.starts_with("turns:");
                IceServer {
                    urls: vec![url],
                    username: if turn { username.clone() } else { String::new() },
                    credential: if turn { credential.clone() } else { String::new() },
                }
            })
            .collect();
        MediaConfig {
            node_id: var("AMAAN_NODE_ID").unwrap_or_else(|| "local".into()),
            ice_servers,
            loopback_only: binds_loopback(bind),
            public_ips: list("AMAAN_PUBLIC_IPS"),
            recordings_dir: MediaConfig::recordings_dir(data_dir),
            recording_key: None,
            threads: var("AMAAN_SFU_THREADS").and_then(|v| v.parse().ok()).unwrap_or(2),
        }
    }

    /// Where a server with this data directory keeps its recordings.
    pub fn recordings_dir(data_dir: &std::path::Path) -> PathBuf {
        data_dir.join("recordings")
    }

    /// For tests and the benchmark: loopback only, no STUN.
    pub fn loopback(recordings_dir: PathBuf) -> MediaConfig {
        MediaConfig {
            node_id: "local".into(),
            ice_servers: Vec::new(),
            loopback_only: true,
            public_ips: Vec::new(),
            recordings_dir,
            recording_key: None,
            threads: 2,
        }
    }
}

fn binds_loopback(bind: &str) -> bool {
    match bind.parse::<SocketAddr>() {
        Ok(addr) => addr.ip().is_loopback(),
        Err(_) => bind.starts_with("localhost:"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_bound_to_loopback_gathers_loopback_candidates_only() {
        assert!(binds_loopback("127.0.0.1:0"));
        assert!(binds_loopback("[::1]:8080"));
        assert!(binds_loopback("localhost:8080"));
        assert!(!binds_loopback("0.0.0.0:8080"));
        assert!(!binds_loopback("10.1.2.3:443"));
    }
}
