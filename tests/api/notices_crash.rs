//! Sent once across a kill: the server is killed with SIGKILL while it is
//! sending a few hundred email notices to a real SMTP server, twice, and
//! restarted each time; the SMTP server never gets a notice twice (by its
//! stable Message-ID), every notice reads sent (then it arrived exactly
//! once) or unconfirmed (the kill fell after its hand-over was recorded: it
//! arrived once, or, when the kill fell before the message's end left,
//! not at all, and the clerk sees it and resends). Exactly once holds for
//! all but a notice per kill caught in that window.

use std::time::Duration;

use diesel::prelude::*;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{spawn_app, TestApp};
use crate::notices::{book, court_with_contacts, have_python_icalendar, mail_dump, messages_in, smtp_server};
use crate::process::{free_port, start_with};

fn email_notices(app: &TestApp) -> Vec<(i64, String)> {
    use amaan::db::schema::notices::dsl as n;
    let mut conn = app.conn();
    n::notices.filter(n::channel.eq("email")).order(n::id).select((n::id, n::status)).load(&mut conn).expect("notices")
}

#[tokio::test]
async fn a_server_killed_mid_sending_and_restarted_sends_no_email_notice_twice_and_flags_any_it_may_have_lost() {
    if !have_python_icalendar() {
        return;
    }
    let maildir = tempfile::tempdir().expect("maildir");
    let (mut smtp, smtp_port) = smtp_server(maildir.path()).expect("aiosmtpd");
    // The notices are queued by an in-process server that sends nothing
    // (no channels); the binary, started as a process on the same
    // database, sends them.
    let app = spawn_app().await;
    let (court, case_id, _, ids) = court_with_contacts(&app).await;
    for i in 0..40 {
        let (s, party) = app
            .post(
                &format!("/api/cases/{case_id}/parties"),
                Some(&court.clerk),
                json!({"role": "witness", "name": format!("Witness {i}")}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{party}");
        let (s, body) = app
            .send(
                reqwest::Method::PUT,
                &format!("/api/parties/{}/contact", party["id"]),
                Some(&court.clerk),
                Some(json!({"email": format!("witness{i}@example.org"), "language": "en"})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{body}");
    }
    let (s, hearing) = book(&app, &court, case_id, &ids["room"], "10:00").await;
    assert_eq!(s, StatusCode::CREATED, "{hearing}");
    let h = hearing["id"].as_i64().expect("id");
    let day = crate::helpers::next_weekday(crate::helpers::today(), chrono::Weekday::Tue);
    for hhmm in ["11:00", "12:00", "10:30"] {
        let (s, body) = app
            .post(
                &format!("/api/hearings/{h}/book"),
                Some(&court.clerk),
                json!({"starts_at": crate::helpers::karachi(day, hhmm), "minutes": 60}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{body}");
    }
    let total = email_notices(&app).len();
    assert!(total >= 160, "{total} email notices queued");

    let data = tempfile::tempdir().expect("data dir");
    let smtp_url = format!("smtp://127.0.0.1:{smtp_port}");
    let env = [("AMAAN_SMTP_URL", smtp_url.as_str()), ("AMAAN_NODE_ID", "crash-node")];
    let port = free_port();
    // Killed twice mid-sending, then left to finish.
    for kill_after in [total / 5, total / 2] {
        let mut server = start_with(data.path(), &app.database_url, port, None, &env).await;
        for _ in 0..2000 {
            if messages_in(maildir.path()).len() >= kill_after {
                break;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        server.child.kill().expect("SIGKILL");
        let _ = server.child.wait();
        let got = messages_in(maildir.path()).len();
        assert!(got < total, "the kill came after everything was sent ({got} of {total}): no crash was tested");
    }
    let mut server = start_with(data.path(), &app.database_url, port, None, &env).await;
    let mut settled = false;
    for _ in 0..600 {
        if email_notices(&app).iter().all(|(_, status)| status == "sent" || status == "unconfirmed") {
            settled = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = server.child.kill();
    let _ = server.child.wait();
    assert!(settled, "the notices did not settle: {:?}", email_notices(&app));
    tokio::time::sleep(Duration::from_millis(300)).await;

    let received = mail_dump(maildir.path());
    let _ = smtp.kill();
    // Never twice. A notice `sent` arrived exactly once. One `unconfirmed`
    // was being handed over when the process died: it arrived once, or (a
    // kill between the hand-over's commit and the end of the message
    // leaving) not at all, which the clerk sees and resends; it is never
    // sent again on its own, so it can never arrive twice.
    let mut lost = 0;
    for (id, status) in email_notices(&app) {
        let want = format!("<notice-{id}@amaan>");
        let copies = received.iter().filter(|m| m["message_id"] == want.as_str()).count();
        match status.as_str() {
            "sent" => assert_eq!(copies, 1, "notice {id} (sent) arrived {copies} times"),
            _ => {
                assert!(copies <= 1, "notice {id} ({status}) arrived {copies} times");
                lost += 1 - copies;
            }
        }
    }
    assert_eq!(received.len() + lost, total, "one message per email notice, no more");
    assert!(lost <= 2, "at most one message lost per kill, {lost} lost");
}
