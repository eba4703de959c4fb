//! Speaking to an SMS gateway: the request body made from the configured
//! template, the provider's id read from its answer, and the delivery
//! reports it posts back. Pure functions; the worker and the reports route
//! do the talking.

use serde::Deserialize;

/// How the request body is encoded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum BodyFormat {
    #[default]
    Json,
    Form,
}

impl BodyFormat {
    pub fn content_type(self) -> &'static str {
        match self {
            BodyFormat::Json => "application/json",
            BodyFormat::Form => "application/x-www-form-urlencoded",
        }
    }

    fn default_template(self) -> &'static str {
        match self {
            BodyFormat::Json => r#"{"to": {to}, "text": {text}, "reference": {reference}}"#,
            BodyFormat::Form => "to={to}&text={text}&reference={reference}",
        }
    }

    /// A value as it goes into a body of this format: a JSON string with
    /// its quotes, or form-encoded. Escaping here is what keeps a notice's
    /// text from rewriting the request around it.
    fn escape(self, value: &str) -> String {
        match self {
            BodyFormat::Json => serde_json::Value::from(value).to_string(),
            BodyFormat::Form => url::form_urlencoded::byte_serialize(value.as_bytes()).collect(),
        }
    }
}

/// The request body for one message. The placeholders are filled in one
/// pass, so a `{text}` inside the number or the text is never expanded.
pub fn body(format: BodyFormat, template: Option<&str>, to: &str, text: &str, reference: &str) -> String {
    let template = template.unwrap_or(format.default_template());
    let mut out = String::with_capacity(template.len() + text.len() * 2);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open..];
        let filled = [("{to}", to), ("{text}", text), ("{reference}", reference)]
            .iter()
            .find(|(name, _)| after.starts_with(name))
            .map(|(name, value)| (name.len(), format.escape(value)));
        match filled {
            Some((len, value)) => {
                out.push_str(&value);
                rest = &after[len..];
            }
            None => {
                out.push('{');
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The provider's id for the message, where its answer says it is.
pub fn provider_id(answer: &serde_json::Value, pointer: Option<&str>) -> Option<String> {
    match answer.pointer(pointer.unwrap_or("/id"))? {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// What a delivery report says became of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    Delivered,
    /// The gateway gave up on it; the words are the provider's status.
    Undelivered(String),
    /// Still on its way (queued, sent to the carrier): nothing to record.
    Pending,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryReport {
    pub provider_id: String,
    pub delivery: Delivery,
}

/// A report as JSON (`{"id", "status"}`) or as Twilio posts it (a form with
/// `MessageSid` and `MessageStatus`).
pub fn parse_report(content_type: &str, body: &[u8]) -> Result<DeliveryReport, String> {
    #[derive(Deserialize)]
    struct Json {
        id: serde_json::Value,
        status: String,
    }
    let (id, status) = if content_type.starts_with("application/x-www-form-urlencoded") {
        let mut id = None;
        let mut status = None;
        for (k, v) in url::form_urlencoded::parse(body) {
            match k.as_ref() {
                "MessageSid" | "id" => id = Some(v.into_owned()),
                "MessageStatus" | "status" => status = Some(v.into_owned()),
                _ => {}
            }
        }
        (id.ok_or("the report names no message (`MessageSid` or `id`)")?, status.ok_or("the report has no status")?)
    } else {
        let j: Json =
            serde_json::from_slice(body).map_err(|e| format!("the report is not `{{\"id\", \"status\"}}`: {e}"))?;
        let id = match j.id {
            serde_json::Value::String(s) => s,
            serde_json::Value::Number(n) => n.to_string(),
            _ => return Err("`id` is the provider's message id, a string or a number".into()),
        };
        (id, j.status)
    };
    if id.is_empty() || id.len() > 200 {
        return Err("`id` is the provider's message id".into());
    }
    let delivery = match status.to_ascii_lowercase().as_str() {
        "delivered" => Delivery::Delivered,
        "undelivered" | "failed" | "rejected" | "expired" => Delivery::Undelivered(status.to_ascii_lowercase()),
        "queued" | "accepted" | "sending" | "sent" | "scheduled" | "buffered" => Delivery::Pending,
        other => return Err(format!("`{other}` is not a delivery status this gateway route knows")),
    };
    Ok(DeliveryReport { provider_id: id, delivery })
}

/// Whether an `Authorization` header carries `token`, as `Bearer <token>`
/// or as the password of `Basic` (the form a callback URL's
/// `user:password@` takes). Compared in constant time.
pub fn authorized(header: Option<&str>, token: &[u8]) -> bool {
    use base64::Engine;
    let Some(header) = header else { return false };
    let given: Vec<u8> = if let Some(t) = header.strip_prefix("Bearer ") {
        t.trim().as_bytes().to_vec()
    } else if let Some(b) = header.strip_prefix("Basic ") {
        let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(b.trim()) else { return false };
        match decoded.iter().position(|&c| c == b':') {
            Some(colon) => decoded[colon + 1..].to_vec(),
            None => return false,
        }
    } else {
        return false;
    };
    given.len() == token.len() && given.iter().zip(token).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_bodies_carry_the_three_fields_escaped() {
        let j = body(BodyFormat::Json, None, "+923001234567", "Line \"one\"\n{to}", "notice-7");
        let v: serde_json::Value = serde_json::from_str(&j).expect("JSON");
        assert_eq!(v["to"], "+923001234567");
        assert_eq!(v["text"], "Line \"one\"\n{to}", "a placeholder inside the text is not expanded");
        assert_eq!(v["reference"], "notice-7");
        let f = body(BodyFormat::Form, None, "+923001234567", "a&b=c سماعت", "notice-7");
        let pairs: Vec<(String, String)> = url::form_urlencoded::parse(f.as_bytes()).into_owned().collect();
        assert_eq!(
            pairs,
            vec![
                ("to".into(), "+923001234567".into()),
                ("text".into(), "a&b=c سماعت".into()),
                ("reference".into(), "notice-7".into())
            ]
        );
    }

    #[test]
    fn a_providers_template_is_filled_and_other_braces_kept() {
        let t = "To={to}&From=AMAAN&Body={text}&x={unknown}";
        assert_eq!(
            body(BodyFormat::Form, Some(t), "+92 300", "hi", "r"),
            "To=%2B92+300&From=AMAAN&Body=hi&x={unknown}"
        );
        let t = r#"{"messages":[{"to":{to},"body":{text}}]}"#;
        let v: serde_json::Value = serde_json::from_str(&body(BodyFormat::Json, Some(t), "1", "x", "r")).expect("JSON");
        assert_eq!(v["messages"][0]["body"], "x");
    }

    #[test]
    fn the_id_is_read_where_the_provider_puts_it() {
        let twilio = serde_json::json!({"sid": "SM123", "status": "queued"});
        assert_eq!(provider_id(&twilio, Some("/sid")).as_deref(), Some("SM123"));
        let nested = serde_json::json!({"messages": [{"message-id": 42}]});
        assert_eq!(provider_id(&nested, Some("/messages/0/message-id")).as_deref(), Some("42"));
        assert_eq!(provider_id(&nested, None), None);
    }

    #[test]
    fn reports_are_read_as_json_or_as_twilio_posts_them() {
        let r = parse_report("application/json", br#"{"id": "gw-1", "status": "DELIVERED"}"#).expect("report");
        assert_eq!(r, DeliveryReport { provider_id: "gw-1".into(), delivery: Delivery::Delivered });
        let r = parse_report("application/x-www-form-urlencoded", b"MessageSid=SM9&MessageStatus=undelivered&To=%2B92")
            .expect("report");
        assert_eq!(r.delivery, Delivery::Undelivered("undelivered".into()));
        assert_eq!(
            parse_report("application/json", br#"{"id": 5, "status": "sent"}"#).map(|r| r.delivery),
            Ok(Delivery::Pending)
        );
        assert!(parse_report("application/json", br#"{"id": "x", "status": "lost-in-space"}"#).is_err());
        assert!(parse_report("application/json", br#"{"status": "delivered"}"#).is_err());
        assert!(parse_report("application/json", br#"{"id": "", "status": "delivered"}"#).is_err());
        assert!(parse_report("application/x-www-form-urlencoded", b"MessageStatus=delivered").is_err());
    }

    #[test]
    fn only_the_reports_token_is_let_in() {
        use base64::Engine;
        let token = b"a-long-report-token-123";
        assert!(authorized(Some("Bearer a-long-report-token-123"), token));
        let basic = base64::engine::general_purpose::STANDARD.encode("twilio:a-long-report-token-123");
        assert!(authorized(Some(&format!("Basic {basic}")), token));
        assert!(!authorized(Some("Bearer a-long-report-token-124"), token));
        assert!(!authorized(Some("Bearer a-long-report-token-12"), token));
        assert!(!authorized(None, token));
        let no_colon = base64::engine::general_purpose::STANDARD.encode("a-long-report-token-123");
        assert!(!authorized(Some(&format!("Basic {no_colon}")), token));
    }
}
