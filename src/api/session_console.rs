//! What the support officer's console reads beside the session itself: the
//! visibility in effect as a who-sees-whom matrix, and the recordings'
//! SHA-256 hashes (the files stay with the judge), and, once the session
//! has ended, the child's evidence marked recorded with those hashes.

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};

use super::input::Body;
use crate::app::booking::optional_text;
use crate::app::outcomes::{self, SessionEvidence};
use crate::auth::extract::{CaseStaff, SessionRunners};
use crate::auth::Authorized;
use crate::db;
use crate::domain::outcome::ChildEvidence;
use crate::domain::video::{segments, Span, VideoRole};
use crate::domain::visibility::{self, Channel};
use crate::error::AppError;
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/video-sessions/{id}/visibility", web::get().to(visibility_matrix))
        .route("/video-sessions/{id}/recordings", web::get().to(recording_hashes))
        .route("/video-sessions/{id}/evidence", web::post().to(mark_evidence));
}

#[derive(Serialize)]
struct Cell {
    audio: bool,
    video: bool,
    rule: &'static str,
    section: &'static str,
}

#[derive(Serialize)]
struct Matrix {
    session_id: i64,
    state: String,
    /// Rows send, columns receive, in this order.
    roles: Vec<VideoRole>,
    cells: Vec<Vec<Cell>>,
}

/// The roles the matrix is drawn over: those invited (and not withdrawn),
/// or every role while nobody is.
fn roles_of(participants: &[db::video::Participant]) -> Vec<VideoRole> {
    let invited: Vec<VideoRole> = VideoRole::ALL
        .iter()
        .copied()
        .filter(|r| participants.iter().any(|p| !p.revoked && p.role == r.as_str()))
        .collect();
    if invited.is_empty() {
        VideoRole::ALL.to_vec()
    } else {
        invited
    }
}

/// `GET /api/video-sessions/{id}/visibility`: each sender's main track as
/// each receiver gets it now, decided by the same policy the forwarder asks.
async fn visibility_matrix(
    state: web::Data<AppState>,
    user: Authorized<CaseStaff>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let session_id = id.into_inner();
    let viewer = user.user.clone();
    let matrix = db::run(&state.pool, move |c| {
        let s = db::video::find_session(c, session_id)?;
        viewer.ensure_visible(s.court_id, &format!("video session {session_id}"))?;
        let (now, order) = (s.state()?, s.order()?);
        let roles = roles_of(&db::video::participants(c, session_id)?);
        let cells = roles
            .iter()
            .map(|&from| {
                roles
                    .iter()
                    .map(|&to| {
                        let d = visibility::forward(from, Channel::Main, to, now, &order);
                        Cell { audio: d.media.audio, video: d.media.video, rule: d.rule, section: d.section }
                    })
                    .collect()
            })
            .collect();
        Ok(Matrix { session_id, state: s.state.clone(), roles, cells })
    })
    .await?;
    Ok(HttpResponse::Ok().json(matrix))
}

/// `GET /api/video-sessions/{id}/recordings`: the session's recordings with
/// their hashes, for the support officer's console; no file links.
async fn recording_hashes(
    state: web::Data<AppState>,
    user: Authorized<SessionRunners>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let session_id = id.into_inner();
    let viewer = user.user.clone();
    let items = db::run(&state.pool, move |c| {
        let s = db::video::find_session(c, session_id)?;
        viewer.ensure_visible(s.court_id, &format!("video session {session_id}"))?;
        let rows = db::video::recordings_of_session(c, session_id)?;
        // A reconnect splits a participant's track into segments of one
        // sitting: each is numbered, hashed, and shows the gap before it.
        let spans: Vec<Span<(Option<i64>, String, String)>> = rows
            .iter()
            .map(|r| Span {
                track: (r.participant_id, r.participant_role.clone(), r.kind.clone()),
                started_at: r.started_at,
                ended_at: r.ended_at,
            })
            .collect();
        Ok(rows
            .iter()
            .zip(segments(&spans))
            .map(|(r, seg)| {
                serde_json::json!({
                    "id": r.id, "participant_role": r.participant_role, "kind": r.kind,
                    "sha256": r.sha256, "bytes": r.bytes, "created_at": r.created_at.and_utc(),
                    "participant_id": r.participant_id,
                    "started_at": r.started_at.map(|t| t.and_utc()), "ended_at": r.ended_at.map(|t| t.and_utc()),
                    "segment": seg.number, "gap_seconds": seg.gap_seconds,
                })
            })
            .collect::<Vec<_>>())
    })
    .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct EvidenceInput {
    /// `full`, or `part` with `continues_because`.
    #[schema(value_type = String)]
    child_evidence: ChildEvidence,
    continues_because: Option<String>,
    /// Needed when the hearing's outcome is already on record.
    correction_reason: Option<String>,
}

/// `POST /api/video-sessions/{id}/evidence`: the session with the child has
/// ended, and the console marks the child's evidence recorded (for the
/// judge who sat) with the session's recording hashes attached.
async fn mark_evidence(
    state: web::Data<AppState>,
    runner: Authorized<SessionRunners>,
    id: web::Path<i64>,
    body: Body<EvidenceInput>,
) -> Result<HttpResponse, AppError> {
    let b = body.into_inner();
    let order = SessionEvidence {
        session_id: id.into_inner(),
        child_evidence: b.child_evidence,
        continues_because: optional_text("continues_because", b.continues_because, 1000)?,
        correction_reason: optional_text("correction_reason", b.correction_reason, 1000)?,
    };
    let user = runner.user.clone();
    let answer =
        db::run(&state.pool, move |conn| db::write_tx(conn, |c| outcomes::record_session_evidence(c, &user, &order)))
            .await?;
    Ok(HttpResponse::Created().json(answer))
}
