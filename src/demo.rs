//! `amaan demo`: a fresh database with one court, its staff and about
//! twenty cases, so the pages have something true-to-life to show.

use std::path::Path;

use anyhow::bail;
use chrono::{Duration, NaiveDate, NaiveTime, Utc};
use rand::Rng;

use crate::app::booking;
use crate::auth::{password, AuthUser};
use crate::db::{self, audit, audit::Actor, audit::Change, DbConn};
use crate::domain::calendar::local_date;
use crate::domain::privacy;
use crate::domain::roles::{PartyRole, StaffRole};
use crate::error::AppError;

mod video;

/// How far ahead the demo lists its hearings.
const DEMO_DAYS: usize = 28;

pub struct DemoAccount {
    pub role: String,
    pub username: String,
    pub password: String,
}

/// The password every demo account gets: `AMAAN_DEMO_PASSWORD` when set
/// (refused, not ignored, when it is too weak), else a fresh random one.
fn demo_password() -> anyhow::Result<Option<String>> {
    match std::env::var("AMAAN_DEMO_PASSWORD") {
        Ok(p) => match password::check_strength(&p) {
            Ok(()) => Ok(Some(p)),
            Err(why) => bail!("AMAAN_DEMO_PASSWORD is refused: {why}; unset it for random passwords"),
        },
        Err(_) => Ok(None),
    }
}

fn random_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut rng = rand::thread_rng();
    (0..14).map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())])).collect()
}

/// What is at the URL `demo` was given, as far as `demo` may touch it.
#[derive(Debug, PartialEq, Eq)]
enum Found {
    /// No file, an empty one, or a database without a table.
    Nothing,
    /// A database `demo` made before (it holds the demo marker).
    Demo,
    /// Anything else: perhaps a court's cases and audit trail.
    Other(String),
}

/// Looks at a SQLite file without changing it.
fn look_at_sqlite(path: &str) -> Found {
    use diesel::{Connection, RunQueryDsl, SqliteConnection};
    let p = std::path::Path::new(path);
    match std::fs::metadata(p) {
        Err(_) => return Found::Nothing,
        Ok(m) if m.is_file() && m.len() == 0 => return Found::Nothing,
        Ok(m) if !m.is_file() => return Found::Other("it is not a file".into()),
        Ok(_) => {}
    }
    let mut conn = match SqliteConnection::establish(&format!("file:{path}?mode=ro")) {
        Ok(c) => c,
        Err(e) => return Found::Other(format!("it cannot be opened as a database ({e})")),
    };
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let tables: Result<Vec<Count>, _> =
        diesel::sql_query("SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
            .load(&mut conn);
    match tables.as_deref() {
        Ok([Count { n: 0 }]) => return Found::Nothing,
        Ok(_) => {}
        Err(e) => return Found::Other(format!("it is not a database Amaan can read ({e})")),
    }
    match db::demo_marker::is_demo_sqlite(&mut conn) {
        true => Found::Demo,
        false => Found::Other("it holds tables but no demo marker".into()),
    }
}

/// Makes the demo database. A SQLite file is made anew only if it is
/// missing, empty or an earlier demo; a PostgreSQL database must hold
/// nothing (demo never deletes there). Anything else is refused before a byte changes: the URL may be the
/// one `serve` reads, and a court's cases and audit trail are not a demo's.
pub fn create(url: &str, master_key: &crate::vault::MasterKey, data_dir: &Path) -> anyhow::Result<Vec<DemoAccount>> {
    let shared_password = demo_password()?;
    if db::Backend::of(url) == db::Backend::Sqlite {
        let path = db::sqlite_path(url);
        match look_at_sqlite(path) {
            Found::Nothing => {}
            Found::Demo => {
                forget_recordings(url);
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{path}{suffix}"));
                }
            }
            Found::Other(why) => bail!(
                "refusing to replace {path} with a demo: {why}, so `amaan demo` did not make it and it may be a \
                 court's data. Nothing was changed. Unset DATABASE_URL (the demo then uses <data-dir>/demo.db) or \
                 name a new file."
            ),
        }
    }
    let (pool, _) = db::open(url, 1, master_key)?;
    let mut conn = pool.get()?;
    let events = db::demo_marker::audit_events(&mut conn).map_err(|e| anyhow::anyhow!("reading the database: {e}"))?;
    if events > 0 {
        bail!(
            "refusing to seed a demo into {}: it already holds data ({events} audit events). Nothing was changed; \
             give the demo an empty database of its own (createdb).",
            crate::cli::describe(url)
        );
    }
    let recordings_dir = crate::media::MediaConfig::recordings_dir(data_dir);
    let media = video::DemoMedia { recordings_dir: &recordings_dir, key: master_key };
    let accounts =
        seed(&mut conn, shared_password.as_deref(), &media).map_err(|e| anyhow::anyhow!("seeding the demo: {e}"))?;
    // The demo writes its history row by row; the monitor's figures are
    // kept from it once at the end.
    crate::app::kept_figures::refresh_all(&mut conn).map_err(|e| anyhow::anyhow!("keeping the figures: {e}"))?;
    Ok(accounts)
}

struct DemoCase {
    offence: &'static str,
    child: Option<(&'static str, i64)>,
    accused: &'static str,
    days_since_cognizance: i64,
    in_custody: bool,
}

const CASES: &[DemoCase] = &[
    DemoCase {
        offence: "s.376(3) PPC rape of a minor",
        child: Some(("Ayesha Noor", 7)),
        accused: "Tariq Mehmood",
        days_since_cognizance: 80,
        in_custody: true,
    },
    DemoCase {
        offence: "s.377-B PPC sexual abuse",
        child: Some(("Bilal Ahmed", 11)),
        accused: "Nadeem Akhtar",
        days_since_cognizance: 25,
        in_custody: true,
    },
    DemoCase {
        offence: "s.376 PPC rape",
        child: None,
        accused: "Imran Saleem",
        days_since_cognizance: 300,
        in_custody: false,
    },
    DemoCase {
        offence: "s.377-B PPC sexual abuse",
        child: Some(("Hina Rafiq", 14)),
        accused: "Shahid Iqbal",
        days_since_cognizance: 110,
        in_custody: false,
    },
    DemoCase {
        offence: "s.292-B PPC child pornography",
        child: Some(("Zain Ali", 12)),
        accused: "Kamran Javed",
        days_since_cognizance: 40,
        in_custody: true,
    },
    DemoCase {
        offence: "s.376(3) PPC rape of a minor",
        child: Some(("Maryam Khalid", 9)),
        accused: "Asif Raza",
        days_since_cognizance: 130,
        in_custody: true,
    },
    DemoCase {
        offence: "s.354 PPC assault on a woman",
        child: None,
        accused: "Waqas Butt",
        days_since_cognizance: 200,
        in_custody: false,
    },
    DemoCase {
        offence: "s.377-B PPC sexual abuse",
        child: Some(("Usman Tariq", 15)),
        accused: "Faisal Nawaz",
        days_since_cognizance: 10,
        in_custody: false,
    },
    DemoCase {
        offence: "s.376 PPC rape",
        child: Some(("Sana Bashir", 16)),
        accused: "Zeeshan Haider",
        days_since_cognizance: 60,
        in_custody: true,
    },
    DemoCase {
        offence: "s.292-C PPC child pornography",
        child: Some(("Ali Hassan", 10)),
        accused: "Rashid Mir",
        days_since_cognizance: 95,
        in_custody: false,
    },
    DemoCase {
        offence: "s.376 PPC rape",
        child: None,
        accused: "Adnan Qureshi",
        days_since_cognizance: 150,
        in_custody: true,
    },
    DemoCase {
        offence: "s.377-B PPC sexual abuse",
        child: Some(("Fatima Zahra", 8)),
        accused: "Sohail Anwar",
        days_since_cognizance: 115,
        in_custody: true,
    },
    DemoCase {
        offence: "s.369-A PPC trafficking of a child",
        child: Some(("Hamza Yousaf", 13)),
        accused: "Javed Iqbal",
        days_since_cognizance: 50,
        in_custody: false,
    },
    DemoCase {
        offence: "s.376(3) PPC rape of a minor",
        child: Some(("Iqra Shafiq", 6)),
        accused: "Naveed Aslam",
        days_since_cognizance: 20,
        in_custody: true,
    },
    DemoCase {
        offence: "s.354-A PPC assault and stripping",
        child: None,
        accused: "Khalid Pervaiz",
        days_since_cognizance: 400,
        in_custody: false,
    },
    DemoCase {
        offence: "s.377-B PPC sexual abuse",
        child: Some(("Ahmed Raza", 12)),
        accused: "Babar Hussain",
        days_since_cognizance: 140,
        in_custody: false,
    },
    DemoCase {
        offence: "s.376 PPC rape",
        child: Some(("Rabia Saeed", 17)),
        accused: "Tanveer Abbas",
        days_since_cognizance: 70,
        in_custody: true,
    },
    DemoCase {
        offence: "s.509 PPC harassment",
        child: None,
        accused: "Sajid Mahmood",
        days_since_cognizance: 90,
        in_custody: false,
    },
    DemoCase {
        offence: "s.377-B PPC sexual abuse",
        child: Some(("Hassan Ali", 9)),
        accused: "Akram Sheikh",
        days_since_cognizance: 5,
        in_custody: true,
    },
    DemoCase {
        offence: "s.376(3) PPC rape of a minor",
        child: Some(("Zainab Amin", 7)),
        accused: "Mushtaq Ahmad",
        days_since_cognizance: 118,
        in_custody: true,
    },
];

fn seed(
    conn: &mut DbConn,
    shared_password: Option<&str>,
    media: &video::DemoMedia<'_>,
) -> Result<Vec<DemoAccount>, AppError> {
    let sys = Actor::system();
    let now = Utc::now();
    let tz = "Asia/Karachi";
    let today = local_date(tz, now);
    db::write_tx(conn, |c| {
        db::demo_marker::mark(c, now.naive_utc())?;
        let court = db::courts::create(
            c,
            &db::courts::CourtForm {
                name: "Special Court (Child Protection), Lahore".into(),
                rule_profile: "pk".into(),
                time_zone: tz.into(),
                opens_at: NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default(),
                closes_at: NaiveTime::from_hms_opt(16, 0, 0).unwrap_or_default(),
                working_days: "mon,tue,wed,thu,fri".into(),
                province: Some("Punjab".into()),
                district: Some("Lahore".into()),
            },
            now.naive_utc(),
        )?;
        audit::append(c, &sys, Change::new("create", "court", court.id).court(Some(court.id)).after(&court))?;
        let mut rooms = Vec::new();
        for (name, video) in [("Court Room 1", true), ("Court Room 2", false), ("Vulnerable Witness Suite", true)] {
            let room = db::courts::add_room(
                c,
                &db::courts::NewRoom { court_id: court.id, name: name.into(), video_link: video, capacity: 30 },
            )?;
            audit::append(c, &sys, Change::new("create", "court_room", room.id).court(Some(court.id)).after(&room))?;
            rooms.push(room);
        }
        for (name, child, entrance) in [
            ("Children's Waiting Room", true, "East Gate (family entrance)"),
            ("Family Room 2", true, "East Gate (family entrance)"),
            ("Main Waiting Hall", false, "Main Gate"),
            ("Accused Holding Room", false, "Lock-up Gate"),
        ] {
            let area = db::courts::add_waiting_area(
                c,
                &db::courts::NewWaitingArea {
                    court_id: court.id,
                    name: name.into(),
                    child_friendly: child,
                    entrance: entrance.into(),
                    capacity: 12,
                },
            )?;
            audit::append(c, &sys, Change::new("create", "waiting_area", area.id).court(Some(court.id)).after(&area))?;
        }
        let mut accounts = Vec::new();
        let mut judges = Vec::new();
        let mut clerk_id = None;
        let mut officer = None;
        for (username, display, role, court_id) in [
            ("admin", "System Administrator", StaffRole::Admin, None),
            ("clerk", "Rukhsana Perveen (Clerk)", StaffRole::Clerk, Some(court.id)),
            ("judge", "Justice Amna Siddiqui", StaffRole::Judge, Some(court.id)),
            ("judge2", "Judge Farooq Malik", StaffRole::Judge, Some(court.id)),
            ("support", "Saima Khan (Support Officer)", StaffRole::SupportOfficer, Some(court.id)),
            ("monitor", "Lahore High Court Monitoring Cell", StaffRole::Monitor, None),
        ] {
            let pw = shared_password.map(String::from).unwrap_or_else(random_password);
            let new = crate::api::users::new_user(username, Some(display), &pw, role, court_id)?;
            let user = db::users::create(c, &new)?;
            audit::append(
                c,
                &sys,
                Change::new("create", "user", user.id).court(user.court_id).after(&db::users::UserView::from(&user)),
            )?;
            if role == StaffRole::Judge {
                judges.push(user.id);
            }
            if role == StaffRole::Clerk {
                clerk_id = Some(user.id);
            }
            if role == StaffRole::SupportOfficer {
                officer = Some(AuthUser { id: user.id, username: username.into(), role, court_id: Some(court.id) });
            }
            if role == StaffRole::Monitor {
                db::monitors::add_scope(
                    c,
                    &db::monitors::NewMonitorScope {
                        user_id: user.id,
                        province: "Punjab".into(),
                        district: None,
                        created_at: now.naive_utc(),
                    },
                )?;
            }
            accounts.push(DemoAccount { role: role.as_str().into(), username: username.into(), password: pw });
        }
        let clerk_id = clerk_id.ok_or_else(|| AppError::internal("the demo has no clerk"))?;
        let officer = officer.ok_or_else(|| AppError::internal("the demo has no support officer"))?;
        let mut to_book = Vec::new();
        for (i, dc) in CASES.iter().enumerate() {
            let case = db::cases::create(
                c,
                &db::cases::NewCase {
                    court_id: court.id,
                    number: format!("CSA-{}/{:03}", today.format("%Y"), i + 1),
                    offence: dc.offence.into(),
                    cognizance_date: today - Duration::days(dc.days_since_cognizance),
                    accused_in_custody: dc.in_custody,
                    status: "open".into(),
                    created_at: now.naive_utc(),
                },
            )?;
            audit::append(c, &sys, Change::new("create", "case", case.id).court(Some(court.id)).after(&case))?;
            let mut people: Vec<(PartyRole, String, Option<NaiveDate>)> = Vec::new();
            if let Some((name, age)) = dc.child {
                let dob = today - Duration::days(age * 365 + 100 + (i as i64 * 17) % 200);
                people.push((PartyRole::ChildWitness, name.into(), Some(dob)));
                people.push((PartyRole::Guardian, format!("Guardian of case {}", i + 1), None));
            } else {
                people.push((PartyRole::Witness, "Complainant (adult)".into(), None));
            }
            people.push((PartyRole::Prosecutor, "Deputy District Public Prosecutor".into(), None));
            people.push((PartyRole::Accused, dc.accused.into(), None));
            people.push((PartyRole::DefenceCounsel, format!("Counsel for {}", dc.accused), None));
            let mut children = 0;
            for (role, name, dob) in people {
                let pseudonym = if role.is_child() {
                    children += 1;
                    Some(privacy::pseudonym(children - 1))
                } else {
                    None
                };
                let party = db::parties::create(
                    c,
                    &db::parties::NewParty {
                        case_id: case.id,
                        role: role.as_str().into(),
                        side: role.default_side().as_str().into(),
                        name,
                        date_of_birth: dob,
                        pseudonym,
                        created_at: now.naive_utc(),
                        person_id: None,
                    },
                )?;
                let mut change = Change::new("create", "party", party.id).court(Some(court.id));
                change.after = Some(crate::api::views::party_for_audit(&party));
                audit::append(c, &sys, change)?;
            }
            // Every hearing is made waiting for a slot; two thirds of them
            // are then booked the way a clerk books one (below).
            let child = dc.child.is_some();
            let h = db::hearings::create(
                c,
                &db::hearings::NewHearing {
                    case_id: case.id,
                    kind: if child { "evidence".into() } else { "arguments".into() },
                    judge_id: Some(judges[i % judges.len()]),
                    room_id: None,
                    starts_at: None,
                    ends_at: None,
                    child_testifies: child,
                    mode: if child { "video_link".into() } else { "in_person".into() },
                    status: "unscheduled".into(),
                    created_at: now.naive_utc(),
                },
            )?;
            audit::append(c, &sys, Change::new("create", "hearing", h.id).court(Some(court.id)).after(&h))?;
            // The rest wait, which is what the child-cases view is for.
            if i % 3 != 2 {
                to_book.push(h);
            }
        }
        // Booked through the one booking every path takes: the profile's
        // child-friendly hours, breaks and sitting limits, and each side's
        // never-meet plan, found by the scheduler's own search.
        let clerk =
            AuthUser { id: clerk_id, username: "clerk".into(), role: StaffRole::Clerk, court_id: Some(court.id) };
        let first_day = next_working_day(today);
        for h in &to_book {
            let Some(order) = booking::first_slot(c, &clerk, h, first_day, DEMO_DAYS, "demo")? else {
                tracing::warn!(hearing = h.id, "the demo found no free slot for a hearing; it stays unscheduled");
                continue;
            };
            booking::book_in_tx(c, &clerk, &order)?;
        }
        history(c, &court, &judges, &rooms, today, &officer, media)?;
        adjournments(c, &clerk, &judges, &to_book, today)?;
        Ok(accounts)
    })
}

/// What a working court has behind it: hearings that took place and what
/// happened at them (recorded through the same use cases the judges use),
/// children brought to court, a case decided and disposed of, and the
/// previous sitting day's hearings still waiting for their outcomes on the
/// judge's board.
fn history(
    c: &mut DbConn,
    court: &db::courts::Court,
    judges: &[i64],
    rooms: &[db::courts::Room],
    today: NaiveDate,
    officer: &AuthUser,
    media: &video::DemoMedia<'_>,
) -> Result<(), AppError> {
    use crate::app::{course, outcomes};
    use crate::domain::course::{Decision, Stage};
    use crate::domain::outcome::{ChildEvidence, OutcomeKind, Proceeding};

    let (cases, _) = db::cases::list(c, court.id, 0, 100)?;
    let judge = |i: usize| crate::auth::AuthUser {
        id: judges[i % judges.len()],
        username: if i % judges.len() == 0 { "judge".into() } else { "judge2".into() },
        role: StaffRole::Judge,
        court_id: Some(court.id),
    };
    let video_room = rooms.iter().find(|r| r.video_link).map(|r| r.id);
    let plain_room = rooms.iter().find(|r| !r.video_link).map(|r| r.id);
    let past = |c: &mut DbConn, i: usize, day: NaiveDate, hhmm: (u32, u32), child: bool| -> Result<i64, AppError> {
        let case = cases.get(i).ok_or_else(|| AppError::internal(format!("demo case {i} is missing")))?;
        let local = day.and_hms_opt(hhmm.0, hhmm.1, 0).unwrap_or_default();
        let starts = local - Duration::hours(5); // Asia/Karachi is UTC+5 all year.
        let h = db::hearings::create(
            c,
            &db::hearings::NewHearing {
                case_id: case.id,
                kind: if child { "evidence".into() } else { "arguments".into() },
                judge_id: Some(judge(i).id),
                room_id: if child { video_room } else { plain_room },
                starts_at: Some(starts),
                ends_at: Some(starts + Duration::minutes(if child { 90 } else { 60 })),
                child_testifies: child,
                mode: if child { "video_link".into() } else { "in_person".into() },
                status: "scheduled".into(),
                created_at: Utc::now().naive_utc(),
            },
        )?;
        audit::append(c, &Actor::system(), Change::new("create", "hearing", h.id).court(Some(court.id)).after(&h))?;
        Ok(h.id)
    };
    let record = |c: &mut DbConn, i: usize, order: outcomes::OutcomeOrder| -> Result<(), AppError> {
        outcomes::record(c, &judge(i), &order).map(|_| ())
    };
    let held = |hearing_id, proceedings: &[Proceeding], child_evidence| outcomes::OutcomeOrder {
        hearing_id,
        kind: Some(OutcomeKind::Held),
        proceedings: proceedings.to_vec(),
        child_evidence,
        ..outcomes::OutcomeOrder::default()
    };
    let not_held = |hearing_id, reason: &str, child_brought| outcomes::OutcomeOrder {
        hearing_id,
        kind: Some(OutcomeKind::NotHeld),
        reason_code: Some(reason.into()),
        child_brought,
        ..outcomes::OutcomeOrder::default()
    };

    // Three weeks ago: Child A of the first case heard in part; the fifth
    // case's child brought for nothing (the accused was not produced).
    let d21 = working_day_before(today, 15);
    let h = past(c, 0, d21, (10, 0), true)?;
    record(
        c,
        0,
        outcomes::OutcomeOrder {
            continues_because: Some("Child A was tired after an hour; the court rose and fixed the next date.".into()),
            ..held(h, &[Proceeding::ExaminationInChief], Some(ChildEvidence::Part))
        },
    )?;
    let h = past(c, 4, d21, (11, 30), true)?;
    record(c, 4, not_held(h, "accused_not_produced", Some(true)))?;
    // The fourth case's child heard in full over the video link: the
    // session's recordings sealed and hashed, the evidence marked from the
    // console, and so the child's clock stopped.
    let h = past(c, 3, working_day_before(today, 14), (10, 0), true)?;
    video::testimony_heard_over_the_link(c, officer, h, media)?;
    // The ninth case's child was unwell.
    let h = past(c, 8, working_day_before(today, 9), (10, 0), true)?;
    record(c, 8, not_held(h, "child_unwell", None))?;
    // An adult case argued and reserved; another decided and disposed of.
    let h = past(c, 10, working_day_before(today, 8), (14, 0), false)?;
    record(c, 10, held(h, &[Proceeding::ArgumentsHeard, Proceeding::JudgmentReserved], None))?;
    let h = past(c, 2, working_day_before(today, 18), (14, 0), false)?;
    record(
        c,
        2,
        held(h, &[Proceeding::OtherWitnesses, Proceeding::ArgumentsHeard, Proceeding::JudgmentReserved], None),
    )?;
    if let Some(case) = cases.get(2) {
        for (stage, decision, days) in [(Stage::Decided, Some(Decision::Convicted), 4), (Stage::Disposed, None, 2)] {
            let order = course::StepOrder {
                case_id: case.id,
                to: stage,
                decision,
                on: Some(working_day_before(today, days)),
                reasons: None,
            };
            course::record_step(c, &judge(2), &order)?;
        }
    }
    // The last sitting day's list, still to be marked on the board.
    let yesterday = working_day_before(today, 1);
    // All before the first judge, the children within their hours; the
    // third case's child waits for a slot, so nobody listed ahead is recalled.
    past(c, 0, yesterday, (9, 30), true)?;
    past(c, 8, yesterday, (11, 0), true)?;
    past(c, 6, yesterday, (12, 30), false)?;
    Ok(())
}

/// Adjournments as a court has them: a defence request on a child's day,
/// refused by the profile's rules and waiting for the judge, and a
/// prosecution request the judge granted with reasons, its hearing moved to
/// the first free slot a week on with each side's plan. Made through the
/// same use cases as the clerk's and the judge's requests and decisions.
fn adjournments(
    c: &mut DbConn,
    clerk: &AuthUser,
    judges: &[i64],
    booked: &[db::hearings::Hearing],
    today: NaiveDate,
) -> Result<(), AppError> {
    use crate::app::adjournments::{decide, record_request, DecisionOrder, RequestOrder};
    use crate::domain::adjournment::Requester;

    let scheduled: Vec<db::hearings::Hearing> = booked
        .iter()
        .filter_map(|h| db::hearings::find(c, h.id).ok())
        .filter(|h| h.status == "scheduled" && h.starts_at.is_some())
        .collect();
    if let Some(h) = scheduled.iter().find(|h| h.child_testifies) {
        let order = RequestOrder {
            hearing_id: h.id,
            requested_by: Requester::Defence,
            reason_code: "counsel_engaged_elsewhere".into(),
            details: "Defence counsel is arguing a bail matter in the High Court that morning.".into(),
            proposed: None,
            remand_days: None,
            for_child_welfare: false,
        };
        record_request(c, clerk, &order)?;
    }
    let Some(h) = scheduled.iter().find(|h| !h.child_testifies) else { return Ok(()) };
    let after = h.starts_at.map(|s| s.date()).unwrap_or(today) + Duration::days(7);
    let Some(slot) = booking::first_slot(c, clerk, h, next_working_day(after), DEMO_DAYS, "demo")? else {
        tracing::warn!(hearing = h.id, "the demo found no later slot to adjourn a hearing to");
        return Ok(());
    };
    let ends = slot.starts_at + Duration::minutes(slot.minutes.into());
    let order = RequestOrder {
        hearing_id: h.id,
        requested_by: Requester::Prosecution,
        reason_code: "witness_not_served".into(),
        details: "The investigating officer's summons was returned unserved.".into(),
        proposed: Some((slot.starts_at, Some(ends))),
        remand_days: None,
        for_child_welfare: false,
    };
    let (request, _) = record_request(c, clerk, &order)?;
    let judge_id = h.judge_id.or_else(|| judges.first().copied()).unwrap_or_default();
    let judge = AuthUser {
        id: judge_id,
        username: if Some(&judge_id) == judges.first() { "judge".into() } else { "judge2".into() },
        role: StaffRole::Judge,
        court_id: clerk.court_id,
    };
    let decision = DecisionOrder {
        adjournment_id: request.id,
        grant: true,
        reasons: Some("The witness was not served through no fault of the prosecution; fresh summons to issue.".into()),
        new_times: None,
    };
    decide(c, &judge, &decision)?;
    Ok(())
}

/// The `n`-th working day (Monday to Friday) before `day`.
fn working_day_before(day: NaiveDate, n: usize) -> NaiveDate {
    use chrono::Datelike;
    let mut d = day;
    let mut left = n;
    while left > 0 {
        d -= Duration::days(1);
        if !matches!(d.weekday(), chrono::Weekday::Sat | chrono::Weekday::Sun) {
            left -= 1;
        }
    }
    d
}

fn next_working_day(from: NaiveDate) -> NaiveDate {
    use chrono::Datelike;
    let mut d = from + Duration::days(1);
    while matches!(d.weekday(), chrono::Weekday::Sat | chrono::Weekday::Sun) {
        d += Duration::days(1);
    }
    d
}

/// Deletes the recordings an earlier demo database lists, before that
/// database is made afresh: they are the demo's own (silence), and a
/// court's recordings are never in a demo's database.
fn forget_recordings(url: &str) {
    let Ok(pool) = db::connect_pool(url, 1) else { return };
    let Ok(mut conn) = pool.get() else { return };
    for file in db::video::all_recording_files(&mut conn).unwrap_or_default() {
        let _ = std::fs::remove_file(file);
    }
}
