//! Video-link sessions, their invited participants, the log of their states
//! and their recordings.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::schema::{video_participants, video_questions, video_recordings, video_sessions, video_state_changes};
use super::DbConn;
use crate::StoreError;
use amaan_domain::video::{Questioner, SessionState, StateChange, VideoRole};
use amaan_domain::visibility::Order;

#[derive(Debug, Clone, Queryable, Selectable, Serialize, PartialEq)]
#[diesel(table_name = video_sessions)]
pub struct VideoSession {
    pub id: i64,
    pub hearing_id: i64,
    pub court_id: i64,
    pub state: String,
    pub break_interval_minutes: Option<i32>,
    pub max_questioning_minutes: Option<i32>,
    pub questions_through_judge: bool,
    pub accused_may_see_child: bool,
    pub questioner: Option<String>,
    pub node_id: String,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Bumped by every change of state or order; the hosting node polls it.
    pub version: i64,
    pub counsel_may_view_recordings: bool,
}

impl VideoSession {
    pub fn state(&self) -> Result<SessionState, StoreError> {
        self.state.parse().map_err(StoreError::internal)
    }

    pub fn order(&self) -> Result<Order, StoreError> {
        let questioner =
            self.questioner.as_deref().map(str::parse::<Questioner>).transpose().map_err(StoreError::internal)?;
        Ok(Order {
            questions_through_judge: self.questions_through_judge,
            accused_may_see_child: self.accused_may_see_child,
            questioner,
            counsel_may_view_recordings: self.counsel_may_view_recordings,
        })
    }
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = video_sessions)]
pub struct NewVideoSession {
    pub hearing_id: i64,
    pub court_id: i64,
    pub state: String,
    pub break_interval_minutes: Option<i32>,
    pub max_questioning_minutes: Option<i32>,
    pub questions_through_judge: bool,
    pub accused_may_see_child: bool,
    pub questioner: Option<String>,
    pub node_id: String,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub counsel_may_view_recordings: bool,
}

/// The settings a judge or support officer may change after creation.
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = video_sessions)]
pub struct SessionSettings {
    pub break_interval_minutes: Option<Option<i32>>,
    pub max_questioning_minutes: Option<Option<i32>>,
    pub questions_through_judge: Option<bool>,
    pub accused_may_see_child: Option<bool>,
    pub questioner: Option<Option<String>>,
    pub counsel_may_view_recordings: Option<bool>,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize, PartialEq)]
#[diesel(table_name = video_participants)]
pub struct Participant {
    pub id: i64,
    pub session_id: i64,
    pub role: String,
    pub display_name: String,
    pub revoked: bool,
    pub created_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
    /// The party of the case a child-side invite is for.
    pub party_id: Option<i64>,
    /// The counsel of the case a counsel's invite is for.
    pub counsel_id: Option<i64>,
    /// The staff account that minted the invite.
    pub invited_by: Option<i64>,
}

impl Participant {
    pub fn role(&self) -> Result<VideoRole, StoreError> {
        self.role.parse().map_err(StoreError::internal)
    }
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = video_participants)]
pub struct NewParticipant {
    pub session_id: i64,
    pub role: String,
    pub display_name: String,
    pub revoked: bool,
    pub created_at: NaiveDateTime,
    pub party_id: Option<i64>,
    pub counsel_id: Option<i64>,
    pub invited_by: Option<i64>,
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize, PartialEq)]
#[diesel(table_name = video_recordings)]
pub struct Recording {
    pub id: i64,
    pub session_id: i64,
    pub hearing_id: i64,
    pub participant_role: String,
    pub kind: String,
    pub file_path: String,
    pub sha256: String,
    pub bytes: i64,
    pub created_at: NaiveDateTime,
    /// Set on recordings made since segments were kept (see `NewSegment`).
    pub participant_id: Option<i64>,
    pub started_at: Option<NaiveDateTime>,
    pub ended_at: Option<NaiveDateTime>,
}

/// A recording with the participant and the span it covers: one segment of
/// a sitting that a reconnect may have split.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = video_recordings)]
pub struct NewSegment {
    pub session_id: i64,
    pub hearing_id: i64,
    pub participant_role: String,
    pub kind: String,
    pub file_path: String,
    pub sha256: String,
    pub bytes: i64,
    pub created_at: NaiveDateTime,
    pub participant_id: Option<i64>,
    pub started_at: Option<NaiveDateTime>,
    pub ended_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = video_recordings)]
pub struct NewRecording {
    pub session_id: i64,
    pub hearing_id: i64,
    pub participant_role: String,
    pub kind: String,
    pub file_path: String,
    pub sha256: String,
    pub bytes: i64,
    pub created_at: NaiveDateTime,
}

pub fn create_session(conn: &mut DbConn, s: &NewVideoSession) -> Result<VideoSession, StoreError> {
    Ok(diesel::insert_into(video_sessions::table).values(s).returning(video_sessions::all_columns).get_result(conn)?)
}

pub fn find_session(conn: &mut DbConn, id: i64) -> Result<VideoSession, StoreError> {
    video_sessions::table
        .find(id)
        .select(VideoSession::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| StoreError::not_found(format!("video session {id}")))
}

/// The hearing's most recent session, open or ended.
pub fn latest_session_of_hearing(conn: &mut DbConn, hearing_id: i64) -> Result<Option<VideoSession>, StoreError> {
    Ok(video_sessions::table
        .filter(video_sessions::hearing_id.eq(hearing_id))
        .order(video_sessions::id.desc())
        .select(VideoSession::as_select())
        .first(conn)
        .optional()?)
}

/// Sessions of a hearing that have not ended: at most one may be open.
pub fn open_sessions_of_hearing(conn: &mut DbConn, hearing_id: i64) -> Result<Vec<VideoSession>, StoreError> {
    Ok(video_sessions::table
        .filter(video_sessions::hearing_id.eq(hearing_id))
        .filter(video_sessions::state.ne(SessionState::Ended.as_str()))
        .select(VideoSession::as_select())
        .load(conn)?)
}

pub fn update_settings(conn: &mut DbConn, id: i64, settings: &SessionSettings) -> Result<VideoSession, StoreError> {
    Ok(diesel::update(video_sessions::table.find(id))
        .set((settings, video_sessions::version.eq(video_sessions::version + 1)))
        .returning(video_sessions::all_columns)
        .get_result(conn)?)
}

pub fn set_state(
    conn: &mut DbConn,
    id: i64,
    to: SessionState,
    actor_id: Option<i64>,
    now: NaiveDateTime,
) -> Result<VideoSession, StoreError> {
    let before = find_session(conn, id)?;
    diesel::insert_into(video_state_changes::table)
        .values((
            video_state_changes::session_id.eq(id),
            video_state_changes::from_state.eq(&before.state),
            video_state_changes::to_state.eq(to.as_str()),
            video_state_changes::actor_id.eq(actor_id),
            video_state_changes::at.eq(now),
        ))
        .execute(conn)?;
    Ok(diesel::update(video_sessions::table.find(id))
        .set((
            video_sessions::state.eq(to.as_str()),
            video_sessions::updated_at.eq(now),
            video_sessions::version.eq(video_sessions::version + 1),
        ))
        .returning(video_sessions::all_columns)
        .get_result(conn)?)
}

pub fn state_log(conn: &mut DbConn, session_id: i64) -> Result<Vec<StateChange>, StoreError> {
    let rows: Vec<(String, NaiveDateTime)> = video_state_changes::table
        .filter(video_state_changes::session_id.eq(session_id))
        .order((video_state_changes::at.asc(), video_state_changes::id.asc()))
        .select((video_state_changes::to_state, video_state_changes::at))
        .load(conn)?;
    rows.into_iter().map(|(to, at)| Ok(StateChange { to: to.parse().map_err(StoreError::internal)?, at })).collect()
}

pub fn add_participant(conn: &mut DbConn, p: &NewParticipant) -> Result<Participant, StoreError> {
    Ok(diesel::insert_into(video_participants::table)
        .values(p)
        .returning(video_participants::all_columns)
        .get_result(conn)?)
}

pub fn find_participant(conn: &mut DbConn, id: i64) -> Result<Participant, StoreError> {
    video_participants::table
        .find(id)
        .select(Participant::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| StoreError::not_found(format!("participant {id}")))
}

pub fn participants(conn: &mut DbConn, session_id: i64) -> Result<Vec<Participant>, StoreError> {
    Ok(video_participants::table
        .filter(video_participants::session_id.eq(session_id))
        .order(video_participants::id.asc())
        .select(Participant::as_select())
        .load(conn)?)
}

pub fn revoke_participant(conn: &mut DbConn, id: i64, now: NaiveDateTime) -> Result<Participant, StoreError> {
    Ok(diesel::update(video_participants::table.find(id))
        .set((video_participants::revoked.eq(true), video_participants::revoked_at.eq(Some(now))))
        .returning(video_participants::all_columns)
        .get_result(conn)?)
}

pub fn add_recording(conn: &mut DbConn, r: &NewRecording) -> Result<Recording, StoreError> {
    Ok(diesel::insert_into(video_recordings::table)
        .values(r)
        .returning(video_recordings::all_columns)
        .get_result(conn)?)
}

pub fn add_segment(conn: &mut DbConn, r: &NewSegment) -> Result<Recording, StoreError> {
    Ok(diesel::insert_into(video_recordings::table)
        .values(r)
        .returning(video_recordings::all_columns)
        .get_result(conn)?)
}

pub fn recordings_of_hearing(conn: &mut DbConn, hearing_id: i64) -> Result<Vec<Recording>, StoreError> {
    Ok(video_recordings::table
        .filter(video_recordings::hearing_id.eq(hearing_id))
        .order(video_recordings::id.asc())
        .select(Recording::as_select())
        .load(conn)?)
}

/// The recordings one session made, oldest first.
pub fn recordings_of_session(conn: &mut DbConn, session_id: i64) -> Result<Vec<Recording>, StoreError> {
    Ok(video_recordings::table
        .filter(video_recordings::session_id.eq(session_id))
        .order(video_recordings::id.asc())
        .select(Recording::as_select())
        .load(conn)?)
}

pub fn find_recording(conn: &mut DbConn, id: i64) -> Result<Recording, StoreError> {
    video_recordings::table
        .find(id)
        .select(Recording::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| StoreError::not_found(format!("recording {id}")))
}

/// The sessions among `ids` whose version is not the one given: what the
/// hosting node must re-apply. One query for every session it hosts.
pub fn changed_sessions(conn: &mut DbConn, known: &[(i64, i64)]) -> Result<Vec<VideoSession>, StoreError> {
    if known.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = known.iter().map(|(id, _)| *id).collect();
    let versions: Vec<(i64, i64)> = video_sessions::table
        .filter(video_sessions::id.eq_any(&ids))
        .select((video_sessions::id, video_sessions::version))
        .load(conn)?;
    let stale: Vec<i64> = versions
        .into_iter()
        .filter(|(id, v)| known.iter().any(|(k, kv)| k == id && kv != v))
        .map(|(id, _)| id)
        .collect();
    if stale.is_empty() {
        return Ok(Vec::new());
    }
    Ok(video_sessions::table.filter(video_sessions::id.eq_any(&stale)).select(VideoSession::as_select()).load(conn)?)
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize, PartialEq)]
#[diesel(table_name = video_questions)]
pub struct Question {
    pub id: i64,
    pub session_id: i64,
    pub participant_id: i64,
    pub from_role: String,
    pub text: String,
    pub asked_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = video_questions)]
pub struct NewQuestion {
    pub session_id: i64,
    pub participant_id: i64,
    pub from_role: String,
    pub text: String,
    pub asked_at: NaiveDateTime,
}

pub fn add_question(conn: &mut DbConn, q: &NewQuestion) -> Result<Question, StoreError> {
    Ok(diesel::insert_into(video_questions::table)
        .values(q)
        .returning(video_questions::all_columns)
        .get_result(conn)?)
}

/// A session's written questions, oldest first.
pub fn questions(conn: &mut DbConn, session_id: i64) -> Result<Vec<Question>, StoreError> {
    Ok(video_questions::table
        .filter(video_questions::session_id.eq(session_id))
        .order(video_questions::id.asc())
        .select(Question::as_select())
        .load(conn)?)
}

/// Every recording's file, for the tools that walk them all (a key
/// rotation, a backup).
pub fn all_recording_files(conn: &mut DbConn) -> Result<Vec<String>, StoreError> {
    Ok(video_recordings::table.order(video_recordings::id.asc()).select(video_recordings::file_path).load(conn)?)
}

/// Points the recordings kept at `old` to `new` (a restore into another
/// data directory). Not audited: the row's evidence (its hash) is unchanged.
pub fn move_recording_file(conn: &mut DbConn, old: &str, new: &str) -> Result<usize, StoreError> {
    Ok(diesel::update(video_recordings::table.filter(video_recordings::file_path.eq(old)))
        .set(video_recordings::file_path.eq(new))
        .execute(conn)?)
}

/// Every recording's id, file and audited SHA-256, for the conversion that
/// seals plain recordings and checks each against its hash.
pub fn recordings_to_check(conn: &mut DbConn) -> Result<Vec<(i64, String, String)>, StoreError> {
    Ok(video_recordings::table
        .order(video_recordings::id.asc())
        .select((video_recordings::id, video_recordings::file_path, video_recordings::sha256))
        .load(conn)?)
}
