//! The demo's finished video session: a child heard in full over the link,
//! the session's recordings sealed on disk with their hashes in the audit
//! trail, and the evidence marked from the console, each through the same
//! store calls and use cases the live session takes.

use std::path::Path;

use chrono::{Duration, Utc};

use crate::app::outcomes::{record_session_evidence, SessionEvidence};
use crate::auth::AuthUser;
use crate::db::video::{NewParticipant, NewVideoSession};
use crate::db::{self, audit, audit::Change, DbConn};
use crate::domain::outcome::ChildEvidence;
use crate::domain::video::{Questioner, SessionState, VideoRole};
use crate::error::AppError;
use crate::vault::MasterKey;
use amaan_media::recorder::{opus_silence, Container, Recording, Subject};

/// Where the demo writes its recordings and the key that seals them.
pub struct DemoMedia<'a> {
    pub recordings_dir: &'a Path,
    pub key: &'a MasterKey,
}

/// Seconds of (silent) audio in each demo recording: long enough for a
/// player to show a timeline and seek in it.
const SECONDS: u32 = 30;

/// The support officer ran the session for `hearing_id` from its start:
/// the child, the judge and both counsel joined, the child had a break,
/// and the session ended; the child's and the judge's audio were recorded
/// and the officer marked the child's evidence recorded in full.
pub fn testimony_heard_over_the_link(
    c: &mut DbConn,
    officer: &AuthUser,
    hearing_id: i64,
    media: &DemoMedia<'_>,
) -> Result<i64, AppError> {
    let hearing = db::hearings::find(c, hearing_id)?;
    let case = db::cases::find(c, hearing.case_id)?;
    let starts = hearing.starts_at.ok_or_else(|| AppError::internal("the demo's heard hearing has no time"))?;
    let s = db::video::create_session(
        c,
        &NewVideoSession {
            hearing_id,
            court_id: case.court_id,
            state: SessionState::Lobby.as_str().into(),
            break_interval_minutes: Some(30),
            max_questioning_minutes: Some(120),
            questions_through_judge: true,
            accused_may_see_child: false,
            questioner: Some(Questioner::Prosecutor.as_str().into()),
            node_id: "local".into(),
            created_by: Some(officer.id),
            created_at: starts - Duration::minutes(20),
            updated_at: starts - Duration::minutes(20),
            counsel_may_view_recordings: false,
        },
    )?;
    audit::append(c, &officer.actor(), Change::new("create", "video_session", s.id).court(Some(s.court_id)).after(&s))?;
    let parties = db::parties::of_case(c, case.id)?;
    let child = parties
        .iter()
        .find(|p| p.is_child())
        .ok_or_else(|| AppError::internal("the demo's heard case has no child"))?;
    let mut joined = Vec::new();
    for (role, name, party_id) in [
        (VideoRole::ChildWitness, child.pseudonym.clone().unwrap_or_else(|| "Child A".into()), Some(child.id)),
        (VideoRole::Judge, "Justice Amna Siddiqui".to_string(), None),
        (VideoRole::Prosecutor, "Deputy District Public Prosecutor".to_string(), None),
        (VideoRole::DefenceCounsel, "Defence counsel".to_string(), None),
        (VideoRole::Accused, "The accused (from the court's lock-up)".to_string(), None),
    ] {
        let p = db::video::add_participant(
            c,
            &NewParticipant {
                session_id: s.id,
                role: role.as_str().into(),
                display_name: name,
                revoked: false,
                created_at: starts - Duration::minutes(15),
                party_id,
                counsel_id: None,
                invited_by: Some(officer.id),
            },
        )?;
        joined.push((role, p.id));
    }
    // The sitting as the console drove it: live, a break, live again, ended.
    for (to, at) in [
        (SessionState::Live, starts),
        (SessionState::Break, starts + Duration::minutes(30)),
        (SessionState::Live, starts + Duration::minutes(40)),
        (SessionState::Ended, starts + Duration::minutes(75)),
    ] {
        db::video::set_state(c, s.id, to, Some(officer.id), at)?;
    }
    let s = db::video::find_session(c, s.id)?;
    let mut finished = Vec::new();
    for (role, participant_id) in joined.iter().filter(|(r, _)| matches!(r, VideoRole::ChildWitness | VideoRole::Judge))
    {
        let subject = Subject { session_id: s.id, participant_id: *participant_id, role: *role, track: 1 };
        let rec =
            Recording::start(media.recordings_dir, media.key, subject, Container::Ogg).map_err(AppError::internal)?;
        for packet in opus_silence(SECONDS) {
            rec.write(&packet);
        }
        let mut f = rec.finish_blocking().map_err(AppError::internal)?;
        // The segment's span is the sitting's, not the seeding's.
        f.started_at = chrono::DateTime::from_naive_utc_and_offset(starts, Utc);
        f.ended_at = f.started_at + Duration::seconds(i64::from(SECONDS));
        finished.push(f);
    }
    crate::video_sync::write_recordings(c, &s, &finished, &officer.actor(), starts + Duration::minutes(75))?;
    record_session_evidence(
        c,
        officer,
        &SessionEvidence {
            session_id: s.id,
            child_evidence: ChildEvidence::Full,
            continues_because: None,
            correction_reason: None,
        },
    )?;
    Ok(s.id)
}
