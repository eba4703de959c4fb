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

/// TURN by the coturn REST scheme (`use-auth-secret`): the server and
/// coturn share a secret; each invite gets a username `<expiry>:<invite>`
/// and the password base64(HMAC-SHA1(secret, username)), which coturn
/// checks without asking us and refuses once the expiry has passed.
#[derive(Clone)]
pub struct TurnRest {
    /// `turn:host:port?transport=udp`, `turns:host:443?transport=tcp`, …
    pub urls: Vec<String>,
    pub secret: Vec<u8>,
}

impl std::fmt::Debug for TurnRest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TurnRest").field("urls", &self.urls).field("secret", &"****").finish()
    }
}

impl TurnRest {
    /// One invite's credentials, valid until `expires` (Unix seconds).
    pub fn credentials(&self, invite: &str, expires: i64) -> IceServer {
        let username = format!("{expires}:{invite}");
        IceServer { urls: self.urls.clone(), credential: turn_password(&self.secret, &username), username }
    }
}

/// coturn's REST password: base64(HMAC-SHA1(secret, username)).
pub fn turn_password(secret: &[u8], username: &str) -> String {
    use base64::Engine;
    use hmac::Mac;
    let Ok(mut mac) = hmac::Hmac::<sha1::Sha1>::new_from_slice(secret) else { return String::new() };
    mac.update(username.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// A node's id when none is configured: one node on its own database.
pub const DEFAULT_NODE_ID: &str = "local";

#[derive(Debug, Clone)]
pub struct MediaConfig {
    /// This node's name, stored with each session it hosts.
    pub node_id: String,
    pub ice_servers: Vec<IceServer>,
    /// Gather host candidates on the loopback interface only: a server bound
    /// to loopback serves only this machine (the tests).
    pub loopback_only: bool,
    /// Gather host candidates on these addresses only (a host with several
    /// networks, or a test that reaches the node through a namespace);
    /// empty: as `loopback_only` says.
    pub media_ips: Vec<std::net::IpAddr>,
    /// Public addresses to announce instead of the host's own (1:1 NAT).
    pub public_ips: Vec<String>,
    pub recordings_dir: PathBuf,
    /// The master key each recording's data key is wrapped by. Without one
    /// nothing is recorded: evidence is never written in plaintext.
    pub recording_key: Option<amaan_vault::MasterKey>,
    /// Forwarding threads (`AMAAN_SFU_THREADS`, default 2); each holds whole sessions.
    pub threads: usize,
    /// Per-invite TURN credentials, when a TURN server is configured so.
    pub turn: Option<TurnRest>,
}

impl MediaConfig {
    /// What one invite's page is told to use: the shared STUN/TURN servers
    /// and, with `turn`, the invite's own TURN credentials.
    pub fn ice_servers_for(&self, invite: &str, expires: i64) -> Vec<IceServer> {
        let mut out = self.ice_servers.clone();
        out.extend(self.turn.as_ref().map(|t| t.credentials(invite, expires)));
        out
    }
}

impl MediaConfig {
    /// The node id is `DEFAULT_NODE_ID` here: the server sets its own, from
    /// `AMAAN_NODE_ID`, in one place (`NodeSettings`). `AMAAN_ICE_SERVERS` (comma-separated
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
            node_id: DEFAULT_NODE_ID.into(),
            ice_servers,
            loopback_only: binds_loopback(bind),
            media_ips: Vec::new(),
            public_ips: list("AMAAN_PUBLIC_IPS"),
            recordings_dir: MediaConfig::recordings_dir(data_dir),
            recording_key: None,
            threads: var("AMAAN_SFU_THREADS").and_then(|v| v.parse().ok()).unwrap_or(2),
            turn: None,
        }
    }

    /// Where a server with this data directory keeps its recordings.
    pub fn recordings_dir(data_dir: &std::path::Path) -> PathBuf {
        data_dir.join("recordings")
    }

    /// For tests and the benchmark: loopback only, no STUN.
    pub fn loopback(recordings_dir: PathBuf) -> MediaConfig {
        MediaConfig {
            node_id: DEFAULT_NODE_ID.into(),
            ice_servers: Vec::new(),
            loopback_only: true,
            media_ips: Vec::new(),
            public_ips: Vec::new(),
            recordings_dir,
            recording_key: None,
            threads: 2,
            turn: None,
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
    fn turn_passwords_follow_coturns_rest_scheme() {
        // As `echo -n 1433133983:ninefingers | openssl dgst -binary -sha1 -hmac north | base64` gives.
        let p = turn_password(b"north", "1433133983:ninefingers");
        assert_eq!(p, "l7se8UOMssIZQ57EuMmGnElliTw=");
        assert_ne!(p, turn_password(b"south", "1433133983:ninefingers"));
        let turn = TurnRest { urls: vec!["turn:127.0.0.1:3478".into()], secret: b"north".to_vec() };
        let s = turn.credentials("p42", 1_433_133_983);
        assert_eq!(s.username, "1433133983:p42");
        assert_eq!(s.credential, turn_password(b"north", "1433133983:p42"));
        assert!(!format!("{turn:?}").contains("north"), "the secret stays out of logs");
    }

    #[test]
    fn a_server_bound_to_loopback_gathers_loopback_candidates_only() {
        assert!(binds_loopback("127.0.0.1:0"));
        assert!(binds_loopback("[::1]:8080"));
        assert!(binds_loopback("localhost:8080"));
        assert!(!binds_loopback("0.0.0.0:8080"));
        assert!(!binds_loopback("10.1.2.3:443"));
    }
}
