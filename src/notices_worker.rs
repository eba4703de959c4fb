//! The notices worker: on every node, a thread that claims due notices from
//! the outbox, sends each by its channel and records what became of it.
//!
//! Sent once, across crashes. The order of writes per notice is:
//! 1. claim (committed): `sending`, a lease, `handed_at` cleared;
//! 2. SMTP `MAIL`, `RCPT` and `DATA`, up to the server's go-ahead;
//! 3. `handed_at` committed, then the message's text and the final `.` that
//!    makes the server take it are written (two socket writes, no round
//!    trip in between);
//! 4. the server's answer recorded (`sent` with the Message-ID, or retried).
//!
//! A node that dies before 3 commits leaves a message the server has not
//! taken (a dropped connection mid-`DATA` is discarded): the notice is sent
//! again, by this node when it restarts under the same `AMAAN_NODE_ID` or
//! by any node when the lease runs out. A node that dies after 3 may or may
//! not have had its message taken, and most likely did: the notice becomes
//! `unconfirmed`, is never sent again on its own, and the clerk sees it and
//! may resend. So the one window left is between 3's commit and the final
//! `.` leaving (a kill there loses a message: the notice reads
//! `unconfirmed`, not `sent`), two local socket writes long rather than a
//! whole SMTP round trip plus a database commit; and a stable Message-ID
//! (`<notice-N@amaan>`) lets a mail system drop a second copy a clerk's
//! resend makes. An SMS gateway takes its message in one HTTP request, so
//! there 3 precedes the request and a death mid-request is `unconfirmed`.

use std::sync::Weak;
use std::time::Duration;

use chrono::Utc;
use lettre::message::{header::ContentType, Attachment, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{SmtpConnection, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
use lettre::transport::smtp::extension::{ClientId, Extension, MailBodyParameter, MailParameter};
use lettre::Message;

use crate::config::NoticeChannels;
use crate::db::notices::Notice;
use crate::db::{self, DbPool, PooledConn};
use crate::domain::notices::{self, Channel};
use crate::error::AppError;
use crate::sms_gateway;

/// How often the outbox is looked at when it was empty.
const IDLE: Duration = Duration::from_millis(300);
/// How long a claim holds before another node may take the notice.
const LEASE_SECONDS: i64 = 120;
const BATCH: i64 = 20;

/// Starts the worker; it stops when `alive` can no longer be upgraded
/// (the server that started it is gone). The links in the notices it sends
/// are made full addresses under `public_origin` (AMAAN_PUBLIC_ORIGIN);
/// without one they stay paths, which a family's phone cannot open.
pub fn start(
    pool: DbPool,
    channels: NoticeChannels,
    public_origin: Option<String>,
    alive: Weak<()>,
) -> anyhow::Result<()> {
    if public_origin.is_none() {
        tracing::warn!("no public origin (AMAAN_PUBLIC_ORIGIN): the feedback links in notices go out as bare paths");
    }
    std::thread::Builder::new().name("notices".into()).spawn(move || {
        // This node has nothing in flight yet: what it claimed in an earlier
        // run under the same id is due now, not when its lease runs out.
        if let Ok(mut conn) = pool.get() {
            let released = db::background_tx(&mut conn, |c| {
                Ok(db::notices::release_claims_of(c, &channels.node, Utc::now().naive_utc())?)
            });
            if let Ok(n @ 1..) = released {
                tracing::info!(notices = n, "claims of an earlier run of this node released");
            }
        }
        let mut mailer: Option<SmtpConnection> = None;
        while alive.upgrade().is_some() {
            match round(&pool, &channels, public_origin.as_deref(), &mut mailer) {
                Ok(0) => std::thread::sleep(IDLE),
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "the notices outbox could not be read");
                    std::thread::sleep(IDLE * 3);
                }
            }
        }
        if let Some(mut m) = mailer {
            let _ = m.quit();
        }
    })?;
    Ok(())
}

/// Claims a batch and sends it; the number claimed.
fn round(
    pool: &DbPool,
    channels: &NoticeChannels,
    origin: Option<&str>,
    mailer: &mut Option<SmtpConnection>,
) -> Result<usize, AppError> {
    let mut conn = pool.get().map_err(|e| AppError::Unavailable(e.to_string()))?;
    let now = Utc::now().naive_utc();
    let lease = chrono::Duration::seconds(LEASE_SECONDS);
    let mut configured = Vec::new();
    if channels.smtp_url.is_some() {
        configured.push(Channel::Email.as_str());
    }
    if channels.sms_url.is_some() {
        configured.push(Channel::Sms.as_str());
    }
    // Every write of the worker is a `background_tx`: no audit head lock on
    // PostgreSQL. The claim takes its rows FOR UPDATE SKIP LOCKED and every
    // later update is guarded by the claim, so nothing needs the head; and a
    // head FOR UPDATE, queued behind any open court write, would queue every
    // new court writer behind this worker in turn. Court writes only insert
    // notices, so the worker's row locks cannot deadlock with them; a
    // deadlock with a clerk's resend (PostgreSQL aborts one side) fails the
    // round, which is tried again after a pause.
    let claimed = db::background_tx(&mut conn, |c| {
        Ok(db::notices::claim_due(c, &channels.node, &configured, now, lease, BATCH)?)
    })?;
    for n in &claimed {
        let outcome = send(&outgoing(n, origin), channels, mailer, &mut conn);
        let at = Utc::now().naive_utc();
        db::background_tx(&mut conn, |c| {
            match &outcome {
                Ok(provider_id) => {
                    db::notices::mark_sent(c, n.id, &channels.node, provider_id.as_deref(), at)?;
                }
                Err(why) => {
                    let retry = (n.attempts < channels.max_attempts).then(|| {
                        let wait =
                            channels.retry_base * 2u32.saturating_pow(u32::try_from(n.attempts - 1).unwrap_or(0));
                        at + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::seconds(60))
                    });
                    db::notices::mark_failed(c, n.id, &channels.node, why, retry)?;
                }
            }
            Ok(())
        })?;
        // Which notice and how it went; never its address or text.
        match &outcome {
            Ok(_) => tracing::info!(notice = n.id, channel = %n.channel, "notice sent"),
            Err(why) => {
                tracing::warn!(notice = n.id, channel = %n.channel, attempt = n.attempts, error = %why, "notice not sent")
            }
        }
    }
    Ok(claimed.len())
}

/// The notice as it leaves: its feedback link a full address.
fn outgoing(n: &Notice, origin: Option<&str>) -> Notice {
    let mut out = n.clone();
    if let Some(origin) = origin {
        out.body = notices::with_origin(&n.body, crate::app::feedback::PAGE, origin);
    }
    out
}

/// Commits that notice `n` is being handed over now (step 3 above).
fn mark_handed(conn: &mut PooledConn, n: &Notice, node: &str) -> Result<(), String> {
    let at = Utc::now().naive_utc();
    match db::background_tx(conn, |c| Ok(db::notices::mark_handed(c, n.id, node, at)?)) {
        Ok(true) => Ok(()),
        Ok(false) => Err("the claim was lost before sending".into()),
        Err(e) => Err(format!("recording the hand-over: {e}")),
    }
}

/// Sends one notice: the provider's id on success, the reason on failure.
fn send(
    n: &Notice,
    channels: &NoticeChannels,
    mailer: &mut Option<SmtpConnection>,
    conn: &mut PooledConn,
) -> Result<Option<String>, String> {
    match n.channel.parse::<Channel>() {
        Ok(Channel::Email) => send_email(n, channels, mailer, conn),
        Ok(Channel::Sms) => {
            mark_handed(conn, n, &channels.node)?;
            send_sms(n, channels)
        }
        Ok(Channel::Paper) => Err("a paper notice is printed by the clerk".into()),
        Err(e) => Err(e),
    }
}

/// Where and how to reach the SMTP server, from `AMAAN_SMTP_URL`.
struct SmtpTarget {
    host: String,
    port: u16,
    /// TLS from the first byte (`smtps://`).
    wrapper: bool,
    /// `?tls=required`: STARTTLS or nothing; `?tls=opportunistic`: if offered.
    starttls: Option<bool>,
    credentials: Option<Credentials>,
}

fn smtp_target(url: &str) -> Result<SmtpTarget, String> {
    let u = url::Url::parse(url).map_err(|e| format!("AMAAN_SMTP_URL: {e}"))?;
    let wrapper = match u.scheme() {
        "smtp" => false,
        "smtps" => true,
        other => return Err(format!("AMAAN_SMTP_URL: `{other}` is not smtp or smtps")),
    };
    let host = u.host_str().ok_or("AMAAN_SMTP_URL has no host")?.to_string();
    let port = u.port().unwrap_or(if wrapper { 465 } else { 25 });
    let starttls = match u.query_pairs().find(|(k, _)| k == "tls").map(|(_, v)| v.into_owned()).as_deref() {
        Some("required") => Some(true),
        Some("opportunistic") => Some(false),
        None | Some("none") => None,
        Some(other) => return Err(format!("AMAAN_SMTP_URL: tls={other} is not required, opportunistic or none")),
    };
    let credentials = (!u.username().is_empty()).then(|| {
        let decode = |s: &str| percent_decode(s);
        Credentials::new(decode(u.username()), decode(u.password().unwrap_or("")))
    });
    Ok(SmtpTarget { host, port, wrapper, starttls, credentials })
}

/// A URL's user or password, percent-decoded (`+` is a plus there).
fn percent_decode(s: &str) -> String {
    let escaped = s.replace('+', "%2B");
    url::form_urlencoded::parse(format!("x={escaped}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

fn connect(channels: &NoticeChannels) -> Result<SmtpConnection, String> {
    let Some(url) = &channels.smtp_url else { return Err("email is not configured (AMAAN_SMTP_URL)".into()) };
    let t = smtp_target(url)?;
    let tls = match (t.wrapper, t.starttls) {
        (false, None) => None,
        _ => Some(TlsParameters::new(t.host.clone()).map_err(|e| format!("TLS: {e}"))?),
    };
    let hello = ClientId::default();
    let timeout = Some(Duration::from_secs(20));
    let wrapper = if t.wrapper { tls.as_ref() } else { None };
    let mut conn = SmtpConnection::connect((t.host.as_str(), t.port), timeout, &hello, wrapper, None)
        .map_err(|e| format!("SMTP connect: {e}"))?;
    if let (false, Some(required), Some(tls)) = (t.wrapper, t.starttls, &tls) {
        if conn.can_starttls() {
            conn.starttls(tls, &hello).map_err(|e| format!("STARTTLS: {e}"))?;
        } else if required {
            return Err("the SMTP server does not offer STARTTLS and tls=required".into());
        }
    }
    if let Some(credentials) = &t.credentials {
        conn.auth(&[Mechanism::Plain, Mechanism::Login], credentials).map_err(|e| format!("SMTP AUTH: {e}"))?;
    }
    Ok(conn)
}

/// The message of an email notice: its text, and its hearing as an `.ics`.
fn message_of(n: &Notice, channels: &NoticeChannels) -> Result<Message, String> {
    let builder = Message::builder()
        .from(channels.mail_from.parse().map_err(|e| format!("AMAAN_MAIL_FROM: {e}"))?)
        .to(n.address.parse().map_err(|_| "the stored address is not an email address".to_string())?)
        .subject(n.subject.clone())
        .message_id(Some(message_id(n)));
    let text = SinglePart::builder().header(ContentType::TEXT_PLAIN).body(n.body.clone());
    let built = match &n.ics {
        Some(ics) => {
            let calendar = ContentType::parse("text/calendar; charset=utf-8; method=REQUEST")
                .map_err(|e| format!("content type: {e}"))?;
            builder.multipart(
                MultiPart::mixed()
                    .singlepart(text)
                    .singlepart(Attachment::new("hearing.ics".into()).body(ics.clone(), calendar)),
            )
        }
        None => builder.singlepart(text),
    };
    built.map_err(|e| format!("building the message: {e}"))
}

fn message_id(n: &Notice) -> String {
    format!("<notice-{}@amaan>", n.id)
}

fn send_email(
    n: &Notice,
    channels: &NoticeChannels,
    mailer: &mut Option<SmtpConnection>,
    conn: &mut PooledConn,
) -> Result<Option<String>, String> {
    let message = message_of(n, channels)?;
    let bytes = message.formatted();
    if mailer.as_mut().is_some_and(|m| m.has_broken() || !m.test_connected()) {
        *mailer = None;
    }
    if mailer.is_none() {
        *mailer = Some(connect(channels)?);
    }
    let Some(smtp) = mailer.as_mut() else { return Err("no SMTP connection".into()) };
    let result = transfer(smtp, &message, &bytes, || mark_handed(conn, n, &channels.node));
    match result {
        Ok(()) => Ok(Some(message_id(n))),
        Err(e) => {
            // A fresh connection next time: this one may be mid-transaction.
            if let Some(mut m) = mailer.take() {
                m.abort();
            }
            Err(e)
        }
    }
}

/// One SMTP mail transaction, with `handed` run (and required to succeed)
/// after the server's go-ahead for the text and before the text is written.
fn transfer(
    smtp: &mut SmtpConnection,
    message: &Message,
    bytes: &[u8],
    handed: impl FnOnce() -> Result<(), String>,
) -> Result<(), String> {
    let envelope = message.envelope();
    let mut options = Vec::new();
    if !bytes.is_ascii() {
        if !smtp.server_info().supports_feature(Extension::EightBitMime) {
            return Err("the message is not ASCII and the server has no 8BITMIME".into());
        }
        options.push(MailParameter::Body(MailBodyParameter::EightBitMime));
    }
    smtp.command(Mail::new(envelope.from().cloned(), options)).map_err(|e| format!("SMTP MAIL: {e}"))?;
    for to in envelope.to() {
        smtp.command(Rcpt::new(to.clone(), vec![])).map_err(|e| format!("SMTP RCPT: {e}"))?;
    }
    smtp.command(Data).map_err(|e| format!("SMTP DATA: {e}"))?;
    // The server waits for the text now. The hand-over is committed first;
    // if it cannot be, the caller drops the connection and the server
    // discards the transaction whose `.` never came.
    handed()?;
    smtp.message(bytes).map(|_| ()).map_err(|e| format!("SMTP: {e}"))
}

fn send_sms(n: &Notice, channels: &NoticeChannels) -> Result<Option<String>, String> {
    let Some(url) = &channels.sms_url else { return Err("SMS is not configured (AMAAN_SMS_URL)".into()) };
    let gw = &channels.sms;
    let body = sms_gateway::body(gw.format, gw.template.as_deref(), &n.address, &n.body, &format!("notice-{}", n.id));
    let mut request = ureq::post(url).timeout(Duration::from_secs(20)).set("Content-Type", gw.format.content_type());
    if let Some(auth) = &gw.authorization {
        request = request.set("Authorization", &String::from_utf8_lossy(auth.expose()));
    }
    match request.send_string(&body) {
        Ok(resp) => Ok(resp
            .into_json::<serde_json::Value>()
            .ok()
            .and_then(|v| sms_gateway::provider_id(&v, gw.id_pointer.as_deref()))),
        Err(ureq::Error::Status(code, _)) => Err(format!("the SMS gateway answered {code}")),
        Err(e) => Err(format!("the SMS gateway: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_urls_name_the_host_port_tls_and_credentials() {
        let t = smtp_target("smtp://court%40example.org:p+w%21@mail.example.org:587?tls=required").expect("parses");
        assert_eq!((t.host.as_str(), t.port, t.wrapper, t.starttls), ("mail.example.org", 587, false, Some(true)));
        assert!(t.credentials.is_some());
        assert_eq!(percent_decode("p+w%21"), "p+w!");
        let t = smtp_target("smtps://mail.example.org").expect("parses");
        assert_eq!((t.port, t.wrapper, t.starttls), (465, true, None));
        assert!(smtp_target("http://mail.example.org").is_err());
        assert!(smtp_target("smtp://mail.example.org?tls=sometimes").is_err());
    }
}
