//! Typed settings from flags and environment. Secrets are wrapped so that
//! they never reach a log line.

use std::fmt;
use std::path::{Path, PathBuf};

/// A secret value whose Debug/Display print only a placeholder.
#[derive(Clone)]
pub struct Secret(Vec<u8>);

impl Secret {
    pub fn new(bytes: Vec<u8>) -> Secret {
        Secret(bytes)
    }
    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(****)")
    }
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub bind: String,
    pub database_url: String,
    pub data_dir: PathBuf,
    pub jwt_secret: Secret,
    /// Wraps every data key (recordings, the audit chain's key); held
    /// outside the database and the data directory (`crate::keys`).
    pub master_key: amaan_vault::MasterKey,
    /// How long a staff login lasts.
    pub token_ttl_minutes: i64,
    /// Connections in the pool.
    pub pool_size: u32,
    /// Where the pages live; served at `/`.
    pub web_dir: PathBuf,
    /// Login attempts one address may make per minute (per node).
    pub login_attempts_per_minute: u32,
    /// The origin browsers load the pages from (`https://amaan.example.org`):
    /// the signalling socket refuses a browser of any other `Origin`. None:
    /// the origin must name the host the request came to.
    pub public_origin: Option<String>,
    /// Serve `/metrics` on this address instead of the main one (a port the
    /// load balancer does not expose).
    pub metrics_bind: Option<String>,
    /// A bearer token `/metrics` asks for, when set.
    pub metrics_token: Option<Secret>,
    /// Where notices go out.
    pub notices: NoticeChannels,
    /// Who this node is among several on one database, and its TURN server.
    pub node: NodeSettings,
    /// Dockets kept to be sent again while their court's version stands
    /// (`app::docket_cache`); 0 writes every docket afresh.
    pub docket_cache_entries: usize,
}

/// Dockets a node keeps by default: a court's judges and clerks, a week and
/// a day each, for a few courts.
pub const DEFAULT_DOCKET_CACHE_ENTRIES: usize = 64;

/// The node id of a node that was given none: fine alone, refused on a
/// PostgreSQL database another node already uses (`startup`).
/// The node id when `AMAAN_NODE_ID` is unset (one place: the media layer's).
pub const DEFAULT_NODE_ID: &str = crate::media::config::DEFAULT_NODE_ID;

/// This node's id: `AMAAN_NODE_ID`, else `DEFAULT_NODE_ID`. The one place
/// the id is read, for the sessions the node hosts and the notices it sends
/// alike (notices once defaulted to `node-<pid>`, so one node had two ids).
pub fn node_id_from_env() -> String {
    node_id(std::env::var("AMAAN_NODE_ID").ok().as_deref())
}

/// The node id a configured value gives: itself trimmed, or the default
/// when it is unset or blank.
pub fn node_id(configured: Option<&str>) -> String {
    configured.map(str::trim).filter(|v| !v.is_empty()).unwrap_or(DEFAULT_NODE_ID).to_string()
}

/// This node among several sharing one database.
#[derive(Debug, Clone)]
pub struct NodeSettings {
    /// `AMAAN_NODE_ID`: stored with each session this node hosts.
    pub id: String,
    /// `AMAAN_PUBLIC_URL` (`https://node-a.amaan.example.org`): where a
    /// participant reaches this node; invites to its sessions name it.
    /// Unset: the address the node binds to, unless that is a wildcard.
    pub public_url: Option<String>,
    /// `AMAAN_TURN_URLS` with `AMAAN_TURN_SECRET_FILE`: per-invite TURN
    /// credentials (coturn's `use-auth-secret`).
    pub turn: Option<crate::media::config::TurnRest>,
    /// `AMAAN_MEDIA_IPS` (comma-separated): the addresses the forwarder
    /// gathers its host candidates on; unset, every interface's (loopback
    /// only when the node binds to loopback).
    pub media_ips: Vec<std::net::IpAddr>,
}

impl NodeSettings {
    /// One node, no TURN: the tests' and a district's setting.
    pub fn single() -> NodeSettings {
        NodeSettings { id: DEFAULT_NODE_ID.into(), public_url: None, turn: None, media_ips: Vec::new() }
    }

    pub fn from_env() -> anyhow::Result<NodeSettings> {
        let var = |k: &str| std::env::var(k).ok().map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let urls: Vec<String> = var("AMAAN_TURN_URLS")
            .map(|v| v.split(',').map(|u| u.trim().to_string()).filter(|u| !u.is_empty()).collect())
            .unwrap_or_default();
        let turn = match (urls.is_empty(), var("AMAAN_TURN_SECRET_FILE")) {
            (true, None) => None,
            (false, Some(file)) => Some(crate::media::config::TurnRest {
                urls,
                secret: load_token(Path::new(&file), "the TURN secret")?.0,
            }),
            (true, Some(_)) => anyhow::bail!("AMAAN_TURN_SECRET_FILE is set but AMAAN_TURN_URLS names no TURN server"),
            (false, None) => {
                anyhow::bail!("AMAAN_TURN_URLS is set without AMAAN_TURN_SECRET_FILE (coturn's static-auth-secret)")
            }
        };
        let media_ips = var("AMAAN_MEDIA_IPS")
            .map(|v| {
                v.split(',')
                    .map(str::trim)
                    .filter(|ip| !ip.is_empty())
                    .map(|ip| ip.parse().map_err(|_| anyhow::anyhow!("AMAAN_MEDIA_IPS: {ip:?} is not an IP address")))
                    .collect::<anyhow::Result<Vec<std::net::IpAddr>>>()
            })
            .transpose()?
            .unwrap_or_default();
        Ok(NodeSettings {
            id: node_id_from_env(),
            public_url: var("AMAAN_PUBLIC_URL").map(|u| u.trim_end_matches('/').to_string()),
            turn,
            media_ips,
        })
    }
}

/// The channels notices leave by. A channel left out keeps its notices
/// queued (and says why on each) until it is configured.
#[derive(Debug, Clone)]
pub struct NoticeChannels {
    /// `smtp://host:port` (plain), `smtp://host:port?tls=required`
    /// (STARTTLS) or `smtps://host:port`, with `user:password@` if needed.
    pub smtp_url: Option<String>,
    pub mail_from: String,
    /// An HTTP gateway that takes one POST per message and answers 2xx;
    /// its body, credentials and answer are described by `sms`.
    pub sms_url: Option<String>,
    pub sms: SmsGateway,
    /// The first retry waits this long, each next one twice as long.
    pub retry_base: std::time::Duration,
    pub max_attempts: i32,
    /// This node's name on the notices it claims.
    pub node: String,
}

impl NoticeChannels {
    /// From `AMAAN_SMTP_URL`, `AMAAN_MAIL_FROM`, `AMAAN_SMS_URL` (and the
    /// `AMAAN_SMS_*` of `SmsGateway::from_env`). Its node is this node's id
    /// (`node_id_from_env`), the one its video sessions carry too: a node
    /// that restarts under it releases the claims of its earlier run.
    pub fn from_env() -> anyhow::Result<NoticeChannels> {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        Ok(NoticeChannels {
            smtp_url: var("AMAAN_SMTP_URL"),
            mail_from: var("AMAAN_MAIL_FROM").unwrap_or_else(|| "Amaan <notices@amaan.invalid>".into()),
            sms_url: var("AMAAN_SMS_URL"),
            sms: SmsGateway::from_env()?,
            retry_base: std::time::Duration::from_secs(30),
            max_attempts: 5,
            node: node_id_from_env(),
        })
    }
}

/// How the SMS gateway is spoken to. Providers differ in body, credentials
/// and answer; these say which, so that a court changes provider by
/// configuration (the README shows Twilio's shape).
#[derive(Debug, Clone, Default)]
pub struct SmsGateway {
    /// Sent as the `Authorization` header of every request
    /// (`AMAAN_SMS_AUTHORIZATION_FILE`: a file holding e.g. `Basic …`).
    pub authorization: Option<Secret>,
    /// `json` (the default) or `form` (`AMAAN_SMS_FORMAT`).
    pub format: crate::sms_gateway::BodyFormat,
    /// The body with `{to}`, `{text}` and `{reference}` in it, each filled
    /// in escaped for the format (`AMAAN_SMS_TEMPLATE`); the default is
    /// `{"to": {to}, "text": {text}, "reference": {reference}}` as JSON and
    /// `to={to}&text={text}&reference={reference}` as a form.
    pub template: Option<String>,
    /// Where the provider's message id is in its JSON answer, as a JSON
    /// pointer (`AMAAN_SMS_ID_POINTER`, default `/id`).
    pub id_pointer: Option<String>,
    /// The token the gateway's delivery reports must carry, as `Bearer` or
    /// as a Basic password (`AMAAN_SMS_REPORT_TOKEN_FILE`); without it the
    /// reports route refuses everything.
    pub report_token: Option<Secret>,
}

impl SmsGateway {
    pub fn from_env() -> anyhow::Result<SmsGateway> {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let secret = |k: &str| -> anyhow::Result<Option<Secret>> {
            var(k).map(|path| load_token(Path::new(&path), k)).transpose()
        };
        Ok(SmsGateway {
            authorization: secret("AMAAN_SMS_AUTHORIZATION_FILE")?,
            format: match var("AMAAN_SMS_FORMAT").as_deref() {
                None | Some("json") => crate::sms_gateway::BodyFormat::Json,
                Some("form") => crate::sms_gateway::BodyFormat::Form,
                Some(other) => anyhow::bail!("AMAAN_SMS_FORMAT: `{other}` is not json or form"),
            },
            template: var("AMAAN_SMS_TEMPLATE"),
            id_pointer: var("AMAAN_SMS_ID_POINTER"),
            report_token: secret("AMAAN_SMS_REPORT_TOKEN_FILE")?,
        })
    }
}

pub const DEFAULT_BIND: &str = "127.0.0.1:8080";

pub fn default_database_url(data_dir: &Path) -> String {
    data_dir.join("amaan.db").to_string_lossy().into_owned()
}

/// The JWT secret: read from `AMAAN_JWT_SECRET_FILE` when given, else
/// generated once into the data directory and reused after, so tokens
/// survive a restart and no secret is ever a constant in the code.
pub fn load_jwt_secret(secret_file: Option<&Path>, data_dir: &Path) -> anyhow::Result<Secret> {
    if let Some(path) = secret_file {
        let bytes = std::fs::read(path).map_err(|e| anyhow::anyhow!("reading {}: {e}", path.display()))?;
        let trimmed: Vec<u8> = bytes.trim_ascii().to_vec();
        if trimmed.len() < 32 {
            anyhow::bail!("{} holds fewer than 32 bytes; use a longer secret", path.display());
        }
        return Ok(Secret(trimmed));
    }
    private_dir(data_dir)?;
    let path = data_dir.join("jwt-secret");
    if path.exists() {
        let bytes = std::fs::read(&path)?;
        if bytes.len() >= 32 {
            return Ok(Secret(bytes));
        }
    }
    let mut bytes = [0u8; 48];
    rand::Rng::fill(&mut rand::thread_rng(), &mut bytes[..]);
    let text = hex::encode(bytes).into_bytes();
    write_private(&path, &text)?;
    Ok(Secret(text))
}

/// A token read from a file (never from a flag or the environment, which
/// other processes may read), at least 16 bytes.
pub fn load_token(path: &Path, what: &str) -> anyhow::Result<Secret> {
    let bytes = std::fs::read(path).map_err(|e| anyhow::anyhow!("reading {} ({what}): {e}", path.display()))?;
    let trimmed: Vec<u8> = bytes.trim_ascii().to_vec();
    if trimmed.len() < 16 {
        anyhow::bail!("{} ({what}) holds fewer than 16 bytes; use a longer token", path.display());
    }
    Ok(Secret(trimmed))
}

/// Creates a directory (and its missing parents) readable by this user
/// only: the data directory holds the database, the JWT secret and the
/// recorded evidence. One that exists is left as its owner set it.
pub fn private_dir(dir: &Path) -> anyhow::Result<()> {
    amaan_store::private_dir(dir).map_err(|e| anyhow::anyhow!("creating {}: {e}", dir.display()))
}

#[cfg(unix)]
pub fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new().create(true).write(true).truncate(true).mode(0o600).open(path)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    Ok(())
}

#[cfg(not(unix))]
pub fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    std::fs::write(path, bytes)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_node_has_one_id_for_its_sessions_and_its_notices() {
        assert_eq!(node_id(None), "local");
        assert_eq!(node_id(Some("  ")), "local", "blank is unset");
        assert_eq!(node_id(Some(" node-a ")), "node-a");
        assert_eq!(DEFAULT_NODE_ID, crate::media::config::DEFAULT_NODE_ID);
        // Both read the same variable through the same function, whatever
        // this process's environment says.
        let notices = NoticeChannels::from_env().map(|c| c.node).unwrap_or_default();
        let node = NodeSettings::from_env().map(|n| n.id).unwrap_or_default();
        assert!(!node.is_empty());
        assert_eq!(notices, node);
    }

    #[test]
    fn secrets_never_print() {
        let s = Secret::new(b"very-secret".to_vec());
        assert_eq!(format!("{s:?}"), "Secret(****)");
    }

    #[test]
    fn a_generated_secret_is_reused() {
        let dir = std::env::temp_dir().join(format!("amaan-secret-{}", std::process::id()));
        let a = load_jwt_secret(None, &dir).map(|s| s.expose().to_vec()).unwrap_or_default();
        let b = load_jwt_secret(None, &dir).map(|s| s.expose().to_vec()).unwrap_or_default();
        assert!(a.len() >= 32);
        assert_eq!(a, b);
        let _ = std::fs::remove_dir_all(dir);
    }
}
