//! Janus (the Debian package `janus`) as the comparison server of
//! `amaan bench video --server janus|both`: the process, started on a
//! scratch configuration that loads only the videoroom plugin and the
//! WebSocket transport, and a small client of its JSON API.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{anyhow, bail, Context};
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message;

use super::child::wait_ready;
use super::netns::BenchNet;

pub(crate) const VIDEOROOM: &str = "janus.plugin.videoroom";

/// How long a request may wait for its reply; joining many peers at once on
/// two cores can take a while.
const REPLY_WITHIN: Duration = Duration::from_secs(30);

/// Janus drops a session after 60 s without a request (its default
/// `session_timeout`); a keepalive well within that.
const KEEPALIVE_EVERY: Duration = Duration::from_secs(20);

/// The running Janus and its scratch directory.
pub struct Janus {
    child: Child,
    /// Its WebSocket transport (plain JSON, no admin API).
    pub ws: SocketAddr,
    /// The one address Janus gathers ICE candidates on.
    pub ice_ip: IpAddr,
    pub dir: PathBuf,
    keep: bool,
}

impl Drop for Janus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if self.keep {
            println!("kept {}", self.dir.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// Where Janus was installed: its binary and its plugin folders.
#[derive(Debug, Clone)]
pub struct Install {
    pub binary: PathBuf,
    pub videoroom: PathBuf,
    pub websockets: PathBuf,
}

/// Finds the `janus` binary on PATH and the videoroom plugin and WebSocket
/// transport where Debian (or a source build under /usr/local or /opt)
/// puts them.
pub(crate) fn installed() -> anyhow::Result<Install> {
    const HOW: &str = "Janus is needed for --server janus|both: apt-get install janus";
    let path = std::env::var_os("PATH").unwrap_or_default();
    let binary = std::env::split_paths(&path)
        .map(|d| d.join("janus"))
        .find(|p| p.is_file())
        .ok_or_else(|| anyhow!("no `janus` on PATH. {HOW}"))?;
    let mut roots: Vec<PathBuf> =
        ["/usr/lib/janus", "/usr/local/lib/janus", "/opt/janus/lib/janus"].iter().map(PathBuf::from).collect();
    // Debian's multiarch folders: /usr/lib/x86_64-linux-gnu/janus and the like.
    if let Ok(entries) = std::fs::read_dir("/usr/lib") {
        roots.extend(entries.flatten().map(|e| e.path().join("janus")));
    }
    for root in roots {
        let videoroom = module(&root.join("plugins"), "libjanus_videoroom.so");
        let websockets = module(&root.join("transports"), "libjanus_websockets.so");
        if let (Some(videoroom), Some(websockets)) = (videoroom, websockets) {
            return Ok(Install { binary, videoroom, websockets });
        }
    }
    bail!("found {} but not its videoroom plugin and WebSocket transport. {HOW}", binary.display())
}

/// `libjanus_x.so` or a versioned `libjanus_x.so.1.1.2` in `dir`.
fn module(dir: &Path, name: &str) -> Option<PathBuf> {
    let exact = dir.join(name);
    if exact.is_file() {
        return Some(exact);
    }
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with(name)))
        .collect();
    found.sort();
    found.pop()
}

/// The configuration files, by name: Janus's own (quiet, no event handlers,
/// candidates on `ice_ip` only, no STUN), the videoroom's (no static rooms,
/// no plugin events) and the WebSocket transport's (plain JSON on `ws`, no
/// admin API). `event_loops` 0 keeps Janus's default, a thread per handle.
pub(crate) fn config_files(
    dir: &Path,
    ws: SocketAddr,
    ice_ip: IpAddr,
    event_loops: usize,
) -> Vec<(&'static str, String)> {
    let (ws_ip, ws_port) = (ws.ip(), ws.port());
    let d = dir.display();
    let loops = if event_loops > 0 { format!("\tevent_loops = {event_loops}\n") } else { String::new() };
    let core = format!(
        "general: {{\n\tconfigs_folder = \"{d}\"\n\tplugins_folder = \"{d}/plugins\"\n\ttransports_folder = \"{d}/transports\"\n\
         \tevents_folder = \"{d}/events\"\n\tloggers_folder = \"{d}/loggers\"\n\tdebug_level = 2\n\tsession_timeout = 60\n\
         \tserver_name = \"amaan-bench\"\n{loops}}}\n\
         media: {{\n\tipv6 = false\n}}\n\
         nat: {{\n\tnice_debug = false\n\tice_enforce_list = \"{ice_ip}\"\n\tignore_mdns = true\n}}\n\
         plugins: {{\n}}\ntransports: {{\n}}\nloggers: {{\n}}\nevents: {{\n\tbroadcast = false\n}}\n"
    );
    let videoroom = "general: {\n\tevents = false\n\tstring_ids = false\n}\n".to_string();
    let websockets = format!(
        "general: {{\n\tjson = \"plain\"\n\tws = true\n\tws_port = {ws_port}\n\tws_ip = \"{ws_ip}\"\n\twss = false\n}}\n\
         admin: {{\n\tadmin_ws = false\n\tadmin_wss = false\n}}\n"
    );
    vec![
        ("janus.jcfg", core),
        ("janus.plugin.videoroom.jcfg", videoroom),
        ("janus.transport.websockets.jcfg", websockets),
    ]
}

/// Where Janus runs: inside the benchmark's namespace, or (`--janus-ip`)
/// here, on an address of this machine.
pub enum Place<'a> {
    Inside(&'a BenchNet),
    Here(IpAddr),
}

impl Janus {
    /// Writes the scratch configuration under `data_dir` and starts Janus on
    /// it; returns once its WebSocket port accepts connections. Inside the
    /// benchmark's namespace it listens and gathers on the namespace's end
    /// of the veth pair; here, it listens on loopback and gathers on `ip`.
    pub fn start(
        install: &Install,
        data_dir: &Path,
        place: Place<'_>,
        event_loops: usize,
        keep: bool,
    ) -> anyhow::Result<Janus> {
        let dir = data_dir.join("bench-janus");
        let _ = std::fs::remove_dir_all(&dir);
        for sub in ["plugins", "transports", "events", "loggers"] {
            std::fs::create_dir_all(dir.join(sub)).with_context(|| format!("creating {}", dir.display()))?;
        }
        // Only these two modules in Janus's folders, so it loads nothing else.
        std::os::unix::fs::symlink(&install.videoroom, dir.join("plugins/libjanus_videoroom.so"))?;
        std::os::unix::fs::symlink(&install.websockets, dir.join("transports/libjanus_websockets.so"))?;
        let ws_port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let (mut command, ws, ice_ip) = match place {
            Place::Inside(net) => {
                (net.command(&install.binary), SocketAddr::new(net.inside_ip(), ws_port), net.inside_ip())
            }
            Place::Here(ip) => {
                (Command::new(&install.binary), SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), ws_port), ip)
            }
        };
        for (name, text) in config_files(&dir, ws, ice_ip, event_loops) {
            std::fs::write(dir.join(name), text).with_context(|| format!("writing {name}"))?;
        }
        let log = std::fs::File::create(dir.join("janus.log"))?;
        let child = command
            .arg("-F")
            .arg(&dir)
            .arg("-C")
            .arg(dir.join("janus.jcfg"))
            .arg("--disable-colors")
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .with_context(|| format!("starting {}", install.binary.display()))?;
        let mut janus = Janus { child, ws, ice_ip, dir, keep };
        let log = janus.dir.join("janus.log");
        wait_ready(
            &mut janus.child,
            "Janus (its WebSocket port)",
            Duration::from_secs(20),
            || TcpStream::connect_timeout(&ws, Duration::from_secs(1)).is_ok(),
            || format!(":\n{}", std::fs::read_to_string(&log).unwrap_or_default()),
        )?;
        Ok(janus)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

/// A reply of Janus or of its plugin that says no.
fn refusal(v: &Value) -> Option<String> {
    if v["janus"] == "error" {
        return Some(format!("Janus error {}: {}", v["error"]["code"], v["error"]["reason"]));
    }
    let data = &v["plugindata"]["data"];
    if !data["error"].is_null() || !data["error_code"].is_null() {
        return Some(format!("{} error {}: {}", v["plugindata"]["plugin"], data["error_code"], data["error"]));
    }
    None
}

/// The id a `create` (session) or `attach` (handle) reply carries.
pub(crate) fn created_id(v: &Value) -> anyhow::Result<u64> {
    if let Some(no) = refusal(v) {
        bail!(no);
    }
    v["data"]["id"].as_u64().ok_or_else(|| anyhow!("no id in {v}"))
}

/// A plugin's reply: its data and the SDP it carries, if any.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PluginReply {
    pub data: Value,
    pub jsep: Option<(String, String)>,
}

pub(crate) fn plugin_reply(v: &Value) -> anyhow::Result<PluginReply> {
    if let Some(no) = refusal(v) {
        bail!(no);
    }
    let data = v["plugindata"]["data"].clone();
    if data.is_null() {
        bail!("no plugin data in {v}");
    }
    let jsep = match (v["jsep"]["type"].as_str(), v["jsep"]["sdp"].as_str()) {
        (Some(t), Some(sdp)) => Some((t.to_string(), sdp.to_string())),
        _ => None,
    };
    Ok(PluginReply { data, jsep })
}

/// Transaction id to where its replies go.
type Pending = Arc<Mutex<HashMap<String, mpsc::UnboundedSender<Value>>>>;

/// One WebSocket to Janus with one Janus session on it, kept alive.
pub(crate) struct Session {
    out: mpsc::UnboundedSender<String>,
    pending: Pending,
    next: AtomicU64,
    pub id: u64,
    tasks: Vec<JoinHandle<()>>,
}

impl Session {
    pub(crate) async fn open(ws: SocketAddr) -> anyhow::Result<Session> {
        let mut request = format!("ws://{ws}/").into_client_request()?;
        request.headers_mut().insert("Sec-WebSocket-Protocol", HeaderValue::from_static("janus-protocol"));
        let (ws, _) = tokio_tungstenite::connect_async(request).await.context("opening Janus's WebSocket")?;
        let (mut sink, mut stream) = ws.split();
        let (out, mut out_rx) = mpsc::unbounded_channel::<String>();
        let writer = tokio::spawn(async move {
            while let Some(text) = out_rx.recv().await {
                if sink.send(Message::Text(text.into())).await.is_err() {
                    break;
                }
            }
            let _ = sink.close().await;
        });
        let pending: Pending = Arc::default();
        let routes = Arc::clone(&pending);
        let reader = tokio::spawn(async move {
            while let Some(Ok(frame)) = stream.next().await {
                let Message::Text(text) = frame else { continue };
                let Ok(v) = serde_json::from_str::<Value>(&text) else { continue };
                // Events without a transaction (webrtcup, media, slowlink…)
                // are not waited for.
                let Some(tx) = v["transaction"].as_str() else { continue };
                if let Ok(p) = routes.lock() {
                    if let Some(to) = p.get(tx) {
                        let _ = to.send(v);
                    }
                }
            }
        });
        let mut session = Session { out, pending, next: AtomicU64::new(1), id: 0, tasks: vec![writer, reader] };
        let created = session.call(json!({"janus": "create"})).await?;
        session.id = created_id(&created)?;
        let (out, id) = (session.out.clone(), session.id);
        session.tasks.push(tokio::spawn(async move {
            let mut n = 0u64;
            loop {
                tokio::time::sleep(KEEPALIVE_EVERY).await;
                n += 1;
                let ping = json!({"janus": "keepalive", "session_id": id, "transaction": format!("ka{n}")});
                if out.send(ping.to_string()).is_err() {
                    break;
                }
            }
        }));
        Ok(session)
    }

    /// Sends `msg` with a fresh transaction and returns its first reply
    /// other than an `ack` (plugin requests are acked, then answered by an
    /// event carrying the same transaction).
    async fn call(&self, mut msg: Value) -> anyhow::Result<Value> {
        let tx = format!("t{}", self.next.fetch_add(1, Ordering::Relaxed));
        msg["transaction"] = Value::from(tx.clone());
        if self.id != 0 {
            msg["session_id"] = Value::from(self.id);
        }
        let (to, mut replies) = mpsc::unbounded_channel();
        self.pending.lock().map_err(|_| anyhow!("poisoned"))?.insert(tx.clone(), to);
        let sent = self.out.send(msg.to_string());
        let reply = async {
            sent.map_err(|_| anyhow!("Janus's WebSocket is closed"))?;
            loop {
                match replies.recv().await {
                    Some(v) if v["janus"] == "ack" => continue,
                    Some(v) => return Ok(v),
                    None => bail!("Janus's WebSocket closed"),
                }
            }
        };
        let result = tokio::time::timeout(REPLY_WITHIN, reply).await;
        if let Ok(mut p) = self.pending.lock() {
            p.remove(&tx);
        }
        result.map_err(|_| anyhow!("Janus did not answer {} in {} s", msg["janus"], REPLY_WITHIN.as_secs()))?
    }

    /// Attaches a handle to `plugin`; returns its id.
    pub(crate) async fn attach(&self, plugin: &str) -> anyhow::Result<u64> {
        created_id(&self.call(json!({"janus": "attach", "plugin": plugin})).await?)
    }

    /// Sends `body` (and an SDP, never trickled) to the plugin on `handle`.
    pub(crate) async fn message(
        &self,
        handle: u64,
        body: Value,
        jsep: Option<(&str, &str)>,
    ) -> anyhow::Result<PluginReply> {
        let mut msg = json!({"janus": "message", "handle_id": handle, "body": body});
        if let Some((kind, sdp)) = jsep {
            msg["jsep"] = json!({"type": kind, "sdp": sdp, "trickle": false});
        }
        plugin_reply(&self.call(msg).await?)
    }

    pub(crate) async fn close(self) {
        let _ = self.call(json!({"janus": "destroy"})).await;
        for t in &self.tasks {
            t.abort();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_ids_and_errors_are_read_from_replies() {
        let ok: Value =
            serde_json::from_str(r#"{"janus":"success","transaction":"t1","data":{"id":4418264356139041}}"#).unwrap();
        assert_eq!(created_id(&ok).unwrap(), 4418264356139041);
        let no: Value = serde_json::from_str(
            r#"{"janus":"error","transaction":"t2","error":{"code":458,"reason":"No such session 12"}}"#,
        )
        .unwrap();
        let e = created_id(&no).unwrap_err().to_string();
        assert!(e.contains("458") && e.contains("No such session"), "{e}");
    }

    #[test]
    fn a_plugin_event_gives_its_data_and_sdp() {
        let v: Value = serde_json::from_str(
            r#"{"janus":"event","session_id":1,"transaction":"t5","sender":2,
                "plugindata":{"plugin":"janus.plugin.videoroom","data":{"videoroom":"attached","room":1001,
                  "streams":[{"type":"audio","mindex":0,"mid":"0","feed_id":101,"feed_mid":"0"}]}},
                "jsep":{"type":"offer","sdp":"v=0\r\n"}}"#,
        )
        .unwrap();
        let r = plugin_reply(&v).unwrap();
        assert_eq!(r.data["videoroom"], "attached");
        assert_eq!(r.jsep, Some(("offer".to_string(), "v=0\r\n".to_string())));
    }

    #[test]
    fn a_plugin_error_is_an_error() {
        let v: Value = serde_json::from_str(
            r#"{"janus":"success","session_id":1,"transaction":"t3","sender":2,
                "plugindata":{"plugin":"janus.plugin.videoroom","data":{"videoroom":"event","error_code":428,
                  "error":"No such feed (7)"}}}"#,
        )
        .unwrap();
        let e = plugin_reply(&v).unwrap_err().to_string();
        assert!(e.contains("428") && e.contains("No such feed"), "{e}");
    }

    #[test]
    fn the_configuration_loads_one_transport_and_gathers_on_one_address() {
        let ws = SocketAddr::from(([10, 203, 0, 2], 18188));
        let files = config_files(Path::new("/tmp/x"), ws, IpAddr::from([10, 203, 0, 2]), 0);
        let get = |n: &str| files.iter().find(|(name, _)| *name == n).map(|(_, t)| t.clone()).unwrap_or_default();
        let core = get("janus.jcfg");
        assert!(core.contains("plugins_folder = \"/tmp/x/plugins\""));
        assert!(core.contains("ice_enforce_list = \"10.203.0.2\""));
        assert!(!core.contains("stun_server"), "no STUN server is reachable here");
        let ws = get("janus.transport.websockets.jcfg");
        assert!(ws.contains("ws_port = 18188") && ws.contains("ws_ip = \"10.203.0.2\""));
        assert!(get("janus.plugin.videoroom.jcfg").contains("events = false"));
        assert!(!core.contains("event_loops"), "Janus's default: a thread per handle");
        let here = SocketAddr::from(([127, 0, 0, 1], 18188));
        let shared = config_files(Path::new("/tmp/x"), here, IpAddr::from([192, 0, 2, 2]), 2);
        assert!(shared[2].1.contains("ws_ip = \"127.0.0.1\""));
        assert!(shared[0].1.contains("\tevent_loops = 2\n"));
    }
}
