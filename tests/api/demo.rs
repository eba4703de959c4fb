//! `amaan demo` as an operator meets it: it makes its own database and
//! never replaces a court's, even when `DATABASE_URL` (which `serve` reads)
//! points at one.

use std::process::Stdio;
use std::time::Duration;

use diesel::{Connection, RunQueryDsl};
use sha2::{Digest, Sha256};

use crate::helpers::spawn_app;
use crate::process::{add_user, amaan, drop_database, free_port, fresh_database_url};

fn fingerprint(path: &std::path::Path) -> String {
    hex::encode(Sha256::digest(crate::process::read_outside(path).expect("the database file")))
}

/// Runs `amaan demo`, expecting it to refuse before serving; a demo that
/// serves instead is stopped after 30 s and counts as not refusing.
fn demo_refusing(data_dir: &std::path::Path, db: &str, extra_env: &[(&str, &str)]) -> (bool, String) {
    let mut cmd = amaan(data_dir, db);
    for (k, v) in extra_env {
        cmd.env(k, v);
    }
    let mut child = cmd
        .args(["demo", "--bind", &format!("127.0.0.1:{}", free_port())])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("amaan demo runs");
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while child.try_wait().expect("demo status").is_none() && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let out = child.wait_with_output().expect("demo output");
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

#[tokio::test]
async fn demo_refuses_a_courts_database_named_by_database_url_and_changes_nothing() {
    let dir = tempfile::tempdir().expect("dir");
    let db = fresh_database_url(dir.path(), "court");
    // A court's database: migrated, with an account in it and its audit entry.
    add_user(dir.path(), &db, "registrar", "admin", None);
    let before_file = (!db.starts_with("postgres")).then(|| fingerprint(std::path::Path::new(&db)));

    let (ok, said) = demo_refusing(dir.path(), &db, &[]);
    assert!(!ok, "demo must refuse a database it did not make: {said}");
    assert!(said.contains("refusing"), "the refusal says so: {said}");
    if let Some(before) = before_file {
        assert!(said.contains(&db), "the refusal names the file: {said}");
        assert_eq!(fingerprint(std::path::Path::new(&db)), before, "not a byte of the court's database changed");
    } else {
        // PostgreSQL: the court's account is still there and no demo court was added.
        let mut c = diesel::PgConnection::establish(&db).expect("connect");
        #[derive(diesel::QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let users: Vec<N> = diesel::sql_query("SELECT COUNT(*) AS n FROM users").load(&mut c).expect("count");
        assert_eq!(users[0].n, 1);
    }
    drop_database(&db);
}

#[tokio::test]
async fn demo_refuses_a_postgres_database_that_holds_a_court() {
    // SQLite's refusal is above; this is the same guard for a server's database.
    if !crate::helpers::is_postgres() {
        return;
    }
    let app = spawn_app().await;
    app.court("Special Court Kasur").await;
    let before = app.snapshot();
    let dir = tempfile::tempdir().expect("dir");
    let (ok, said) = demo_refusing(dir.path(), &app.database_url, &[]);
    assert!(!ok, "{said}");
    assert!(said.contains("already holds data"), "{said}");
    assert_eq!(app.snapshot(), before, "nothing was written");
}

#[tokio::test]
async fn demo_refuses_a_weak_demo_password_instead_of_ignoring_it() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("demo.db");
    let (ok, said) = demo_refusing(dir.path(), &db.to_string_lossy(), &[("AMAAN_DEMO_PASSWORD", "short")]);
    assert!(!ok, "{said}");
    assert!(said.contains("AMAAN_DEMO_PASSWORD"), "the message names the variable: {said}");
    assert!(!db.exists(), "nothing was made");
}

#[tokio::test]
async fn demo_makes_its_own_database_again_and_says_what_each_role_does() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("demo.db").to_string_lossy().into_owned();
    for round in 0..2 {
        let port = free_port();
        let mut child = amaan(dir.path(), &db)
            .env("AMAAN_DEMO_PASSWORD", "demo-password-123")
            .args(["demo", "--bind", &format!("127.0.0.1:{port}")])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("demo starts");
        let client = reqwest::Client::new();
        let mut up = false;
        for _ in 0..200 {
            if client.get(format!("http://127.0.0.1:{port}/health")).send().await.is_ok_and(|r| r.status().is_success())
            {
                up = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let _ = child.kill();
        let out = child.wait_with_output().expect("demo output");
        assert!(up, "round {round}: the demo served");
        let said = String::from_utf8_lossy(&out.stdout);
        for line in ["clerk", "judge", "support", "/clerk.html", "/judge.html", "/support.html"] {
            assert!(said.contains(line), "round {round}: the demo's welcome names `{line}`: {said}");
        }
    }
}

#[tokio::test]
async fn the_demo_books_its_hearings_through_the_booking_path_and_breaks_no_rule() {
    use amaan::db::{self, schedule as store};
    use amaan::domain::schedule::{validator, ScheduleRules};
    use diesel::prelude::*;
    let dir = tempfile::tempdir().expect("dir");
    let url = fresh_database_url(dir.path(), "demo_rules");
    let key = crate::helpers::master_key();
    amaan::demo::create(&url, &key, dir.path()).expect("the demo seeds");
    let pool = db::connect_pool(&url, 1).expect("pool");
    let mut c = pool.get().expect("conn");
    let court = db::courts::find(&mut c, 1).expect("the demo court");
    let rules = ScheduleRules::from_profile(amaan::domain::rules::profile(&court.rule_profile).expect("profile"));
    let calendar = store::calendar_of(&mut c, &court).expect("calendar");
    let building = store::building_of(&mut c, court.id).expect("building");
    // From now: the hearings the demo lists ahead. A window reaching back
    // a day took in, at some hours of the UTC day, a sitting the demo
    // already held on the court's local yesterday, and read the child's
    // next sitting as a recall.
    let from = chrono::Utc::now().naive_utc();
    let bookings = store::bookings_between(&mut c, court.id, from, from + chrono::Duration::days(60), None, &rules)
        .expect("bookings");
    assert!(bookings.len() >= 10, "two thirds of the demo's twenty hearings are listed: {}", bookings.len());
    assert_eq!(validator::validate(&bookings, &calendar, &building, &rules), vec![], "the demo breaks no rule");
    for b in &bookings {
        // Each side of the case has its own never-meet plan, as a booking writes it.
        let sides: Vec<String> = db::schema::parties::table
            .filter(db::schema::parties::case_id.eq(b.case_id))
            .select(db::schema::parties::side)
            .distinct()
            .load(&mut c)
            .expect("sides");
        assert_eq!(b.sides.len(), sides.len(), "hearing {} has a plan for each side: {:?}", b.hearing_id, b.sides);
        let note = store::booking_row(&mut c, b.hearing_id).expect("row");
        assert!(note.is_some(), "hearing {} was booked, not written", b.hearing_id);
        if b.child_testifies {
            let local = calendar.local(b.starts_at).time();
            assert!(
                local >= rules.child_hours_from && calendar.local(b.ends_at).time() <= rules.child_hours_to,
                "{b:?}"
            );
        }
    }
    // A living court's adjournments: one refused by the rules, one granted
    // with its hearing moved (and so the old one marked adjourned).
    let statuses: Vec<String> = db::schema::adjournments::table
        .select(db::schema::adjournments::status)
        .order(db::schema::adjournments::id)
        .load(&mut c)
        .expect("adjournments");
    assert_eq!(statuses, vec!["refused_by_rule".to_string(), "granted".to_string()], "the demo's adjournments");
    let moved: i64 = db::schema::hearings::table
        .filter(db::schema::hearings::status.eq("adjourned"))
        .count()
        .get_result(&mut c)
        .expect("adjourned hearings");
    assert_eq!(moved, 1, "the granted adjournment moved its hearing");
    // A child heard over the video link: the session ended, its recordings
    // sealed on disk (no Ogg header to read), opening with the demo's key to
    // the evidence whose hash the audit trail holds, and the child's
    // evidence marked in full from that session.
    let ended: Vec<(i64, i64)> = db::schema::video_sessions::table
        .filter(db::schema::video_sessions::state.eq("ended"))
        .select((db::schema::video_sessions::id, db::schema::video_sessions::hearing_id))
        .load(&mut c)
        .expect("sessions");
    assert_eq!(ended.len(), 1, "the demo has one finished video session: {ended:?}");
    let (session, hearing) = ended[0];
    let recordings = db::video::recordings_of_session(&mut c, session).expect("recordings");
    let roles: Vec<&str> = recordings.iter().map(|r| r.participant_role.as_str()).collect();
    assert_eq!(roles, vec!["child_witness", "judge"], "the child's and the judge's audio were recorded");
    for r in &recordings {
        let on_disk = std::fs::read(&r.file_path).expect("the sealed recording is on disk");
        assert!(!on_disk.windows(4).any(|w| w == b"OggS"), "{} is sealed, not a readable Ogg file", r.file_path);
        let mut reader = amaan::vault::SealedReader::open(std::path::Path::new(&r.file_path), &key).expect("opens");
        let mut plain = Vec::new();
        let len = reader.len();
        reader
            .range(0, len, |bytes| {
                plain.extend_from_slice(bytes);
                Ok(())
            })
            .expect("reads");
        assert!(plain.starts_with(b"OggS"), "opened, {} is an Ogg file", r.file_path);
        assert_eq!(hex::encode(Sha256::digest(&plain)), r.sha256, "the audited hash is the evidence's");
        assert_eq!(plain.len() as i64, r.bytes);
    }
    let outcome =
        db::outcomes::current(&mut c, hearing).expect("outcome").expect("the session's hearing has an outcome");
    assert_eq!((outcome.kind.as_str(), outcome.child_evidence.as_str()), ("held", "full"), "{outcome:?}");
    let trail: String = db::schema::audit_events::table
        .filter(db::schema::audit_events::entity.eq("hearing_outcome"))
        .filter(db::schema::audit_events::entity_id.eq(outcome.id.to_string()))
        .select(db::schema::audit_events::after_state)
        .first::<Option<String>>(&mut c)
        .expect("the outcome's audit event")
        .expect("with what was recorded");
    let trail: serde_json::Value = serde_json::from_str(&trail).expect("json");
    assert_eq!(trail["video_session"], session, "{trail}");
    for r in &recordings {
        assert!(trail["recordings"].to_string().contains(&r.sha256), "the evidence names recording {}: {trail}", r.id);
    }
    let verify = db::audit::verify(&mut c).expect("verify");
    assert!(verify.intact, "{verify:?}");
    drop(c);
    drop(pool);
    drop_database(&url);
}
