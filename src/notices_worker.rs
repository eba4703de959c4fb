//! The notices worker: on every node, a thread that claims due notices from
//! the outbox, sends each by its channel and records what became of it. A
//! claim is a lease, so a node that dies mid-send leaves its notices to be
//! claimed again when the lease runs out; each message carries the
//! notice's own Message-ID (`<notice-N@amaan>`), so a mail system can tell a
//! second delivery of one notice from a new one.

use std::sync::Weak;
use std::time::Duration;

use chrono::Utc;
use lettre::message::header::ContentType;
use lettre::{Message, SmtpTransport, Transport};

use crate::config::NoticeChannels;
use crate::db::notices::Notice;
use crate::db::{self, DbPool};
use crate::domain::notices::Channel;
use crate::error::AppError;

/// How often the outbox is looked at when it was empty.
const IDLE: Duration = Duration::from_millis(300);
/// How long a claim holds before another node may take the notice.
const LEASE_SECONDS: i64 = 120;
const BATCH: i64 = 20;

/// Starts the worker; it stops when `alive` can no longer be upgraded
/// (the server that started it is gone).
pub fn start(pool: DbPool, channels: NoticeChannels, alive: Weak<()>) -> anyhow::Result<()> {
    std::thread::Builder::new().name("notices".into()).spawn(move || {
        let mut mailer: Option<SmtpTransport> = None;
        while alive.upgrade().is_some() {
            match round(&pool, &channels, &mut mailer) {
                Ok(0) => std::thread::sleep(IDLE),
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "the notices outbox could not be read");
                    std::thread::sleep(IDLE * 3);
                }
            }
        }
    })?;
    Ok(())
}

/// Claims a batch and sends it; the number claimed.
fn round(pool: &DbPool, channels: &NoticeChannels, mailer: &mut Option<SmtpTransport>) -> Result<usize, AppError> {
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
    let claimed =
        db::write_tx(&mut conn, |c| Ok(db::notices::claim_due(c, &channels.node, &configured, now, lease, BATCH)?))?;
    for n in &claimed {
        let outcome = send(n, channels, mailer);
        let at = Utc::now().naive_utc();
        db::write_tx(&mut conn, |c| {
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

/// Sends one notice: the provider's id on success, the reason on failure.
fn send(n: &Notice, channels: &NoticeChannels, mailer: &mut Option<SmtpTransport>) -> Result<Option<String>, String> {
    match n.channel.parse::<Channel>() {
        Ok(Channel::Email) => send_email(n, channels, mailer),
        Ok(Channel::Sms) => send_sms(n, channels),
        Err(e) => Err(e),
    }
}

fn send_email(
    n: &Notice,
    channels: &NoticeChannels,
    mailer: &mut Option<SmtpTransport>,
) -> Result<Option<String>, String> {
    let Some(url) = &channels.smtp_url else { return Err("email is not configured (AMAAN_SMTP_URL)".into()) };
    if mailer.is_none() {
        let transport = SmtpTransport::from_url(url).map_err(|e| format!("AMAAN_SMTP_URL: {e}"))?;
        *mailer = Some(transport.timeout(Some(Duration::from_secs(20))).build());
    }
    let message_id = format!("<notice-{}@amaan>", n.id);
    let message = Message::builder()
        .from(channels.mail_from.parse().map_err(|e| format!("AMAAN_MAIL_FROM: {e}"))?)
        .to(n.address.parse().map_err(|_| "the stored address is not an email address".to_string())?)
        .subject(n.subject.clone())
        .message_id(Some(message_id.clone()))
        .header(ContentType::TEXT_PLAIN)
        .body(n.body.clone())
        .map_err(|e| format!("building the message: {e}"))?;
    match mailer.as_ref().map(|m| m.send(&message)) {
        Some(Ok(_)) => Ok(Some(message_id)),
        Some(Err(e)) => {
            // A fresh connection next time: this one may be broken.
            *mailer = None;
            Err(format!("SMTP: {e}"))
        }
        None => Err("no SMTP transport".into()),
    }
}

fn send_sms(n: &Notice, channels: &NoticeChannels) -> Result<Option<String>, String> {
    let Some(url) = &channels.sms_url else { return Err("SMS is not configured (AMAAN_SMS_URL)".into()) };
    let body = serde_json::json!({ "to": n.address, "text": n.body, "reference": format!("notice-{}", n.id) });
    match ureq::post(url).timeout(Duration::from_secs(20)).send_json(body) {
        Ok(resp) => {
            let id = resp.into_json::<serde_json::Value>().ok().and_then(|v| v["id"].as_str().map(String::from));
            Ok(id)
        }
        Err(ureq::Error::Status(code, _)) => Err(format!("the SMS gateway answered {code}")),
        Err(e) => Err(format!("the SMS gateway: {e}")),
    }
}
