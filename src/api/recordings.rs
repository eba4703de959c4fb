//! The recorded evidence: taken once so that the child need not testify
//! again, and served only to the judge and to the counsel the judge's order
//! allows (`visibility::may_view_recording`). Judges reach it with their
//! own staff login, never with an invite; counsel are not staff, so they
//! reach it with an invite bound to a counsel of the case. Every file
//! served appends a `view` event to the audit trail naming the person.

use std::future::Future;
use std::pin::Pin;

use actix_web::http::header::{HeaderName, HeaderValue, ACCEPT_RANGES, CONTENT_RANGE, CONTENT_TYPE, RANGE};
use actix_web::{guard, web, FromRequest, HttpRequest, HttpResponse};
use serde::Serialize;

use super::cases::visible_case;
use super::video::check_invite;
use crate::auth::extract::Judges;
use crate::auth::Authorized;
use crate::db::schedule::CaseCounsel;
use crate::db::video::{Participant, Recording, VideoSession};
use crate::db::{self, audit, audit::Actor, audit::Change};
use crate::domain::video::VideoRole;
use crate::domain::visibility;
use crate::error::AppError;
use crate::state::AppState;
use crate::vault::{SealedReader, VaultError};

/// Register before `session_console::routes`: the invite's list shares its
/// path with the console's list of hashes and is told apart by its `token`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/hearings/{id}/recordings", web::get().to(list_for_judge))
        .route("/recordings/{id}/file", web::get().to(file_for_judge))
        .route("/video-sessions/{sid}/recordings", web::get().guard(guard::fn_guard(has_token)).to(list_for_invitee))
        .route("/video-sessions/{sid}/recordings/{id}/file", web::get().to(file_for_invitee));
}

fn has_token(ctx: &guard::GuardContext) -> bool {
    token_of(ctx.head().uri.query().unwrap_or("")).is_some()
}

fn token_of(query: &str) -> Option<String> {
    url::form_urlencoded::parse(query.as_bytes()).find(|(k, _)| k == "token").map(|(_, v)| v.into_owned())
}

#[derive(Serialize)]
struct RecordingView {
    id: i64,
    session_id: i64,
    hearing_id: i64,
    participant_role: String,
    kind: String,
    sha256: String,
    bytes: i64,
    created_at: chrono::DateTime<chrono::Utc>,
    /// Where the file is served; an invitee adds `?token=` to it.
    href: String,
}

fn recording_view(r: Recording, href: String) -> RecordingView {
    RecordingView {
        id: r.id,
        session_id: r.session_id,
        hearing_id: r.hearing_id,
        participant_role: r.participant_role,
        kind: r.kind,
        sha256: r.sha256,
        bytes: r.bytes,
        created_at: r.created_at.and_utc(),
        href,
    }
}

async fn list_for_judge(
    state: web::Data<AppState>,
    judge: Authorized<Judges>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let hearing_id = id.into_inner();
    let viewer = judge.user.clone();
    let items = db::run(&state.pool, move |c| {
        let hearing = db::hearings::find(c, hearing_id)?;
        visible_case(c, &viewer, hearing.case_id).map_err(|_| AppError::not_found(format!("hearing {hearing_id}")))?;
        Ok(db::video::recordings_of_hearing(c, hearing_id)?
            .into_iter()
            .map(|r| {
                let href = format!("/api/recordings/{}/file", r.id);
                recording_view(r, href)
            })
            .collect::<Vec<_>>())
    })
    .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}

/// The judge's copy of the recorded evidence.
async fn file_for_judge(
    req: HttpRequest,
    state: web::Data<AppState>,
    judge: Authorized<Judges>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let viewer = judge.user.clone();
    let (r, court_id) = db::run(&state.pool, move |c| {
        let r = db::video::find_recording(c, id)?;
        let s = db::video::find_session(c, r.session_id)?;
        viewer.ensure_visible(s.court_id, &format!("recording {id}"))?;
        Ok((r, s.court_id))
    })
    .await?;
    let viewed = View {
        actor: judge.user.actor(),
        court_id,
        who: serde_json::json!({ "user_id": judge.user.id, "username": judge.user.username }),
    };
    serve(&req, &state, r, viewed).await
}

/// An invited participant whose role the judge's order lets view the
/// session's recordings now: the invite is checked as the signalling socket
/// checks it (signed, unexpired, this session, not withdrawn), and the order
/// is read afresh, so a withdrawn permission takes effect at once.
pub struct RecordingViewer {
    session: VideoSession,
    participant: Participant,
    role: VideoRole,
    counsel: CaseCounsel,
}

impl FromRequest for RecordingViewer {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let session_id = req.match_info().get("sid").map(str::parse::<i64>);
        let token = token_of(req.query_string());
        Box::pin(async move {
            let state = state.ok_or_else(|| AppError::internal("app state missing"))?;
            let session_id = match session_id {
                Some(Ok(id)) => id,
                _ => return Err(AppError::BadRequest("the session id is not a number".into())),
            };
            let token = token.ok_or_else(|| AppError::Unauthenticated("an invitation `token` is required".into()))?;
            let (session, participant) = check_invite(&state, session_id, &token).await?;
            let role = participant.role()?;
            if role == VideoRole::Judge {
                return Err(AppError::forbidden(
                    "a judge views the recordings with the judge's own login, not with an invite",
                ));
            }
            if !visibility::may_view_recording(role, &session.order()?) {
                return Err(AppError::forbidden(format!(
                    "the judge's order does not let the {role} view the recordings"
                )));
            }
            // Counsel are named: only an invite bound to a counsel who is
            // still on the case in that role reaches the recordings.
            let Some(counsel_id) = participant.counsel_id else {
                return Err(AppError::forbidden(
                    "this invite is not bound to a counsel of the case, so it does not reach the recordings",
                ));
            };
            let hearing_id = session.hearing_id;
            let counsel = db::run(&state.pool, move |c| {
                let hearing = db::hearings::find(c, hearing_id)?;
                Ok(db::schedule::counsel_of_case(c, hearing.case_id)?
                    .into_iter()
                    .find(|cc| cc.counsel.id == counsel_id && cc.role == role.as_str()))
            })
            .await?
            .ok_or_else(|| AppError::forbidden("the counsel this invite names is no longer on the case"))?;
            Ok(RecordingViewer { session, participant, role, counsel })
        })
    }
}

impl RecordingViewer {
    fn actor(&self) -> Actor {
        Actor { id: None, role: format!("video:{}", self.role) }
    }
}

async fn list_for_invitee(state: web::Data<AppState>, viewer: RecordingViewer) -> Result<HttpResponse, AppError> {
    let session_id = viewer.session.id;
    let items = db::run(&state.pool, move |c| {
        Ok(db::video::recordings_of_session(c, session_id)?
            .into_iter()
            .map(|r| {
                let href = format!("/api/video-sessions/{session_id}/recordings/{}/file", r.id);
                recording_view(r, href)
            })
            .collect::<Vec<_>>())
    })
    .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}

async fn file_for_invitee(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: RecordingViewer,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, AppError> {
    let (session_id, id) = path.into_inner();
    let r = db::query(&state.pool, move |c| db::video::find_recording(c, id)).await?;
    // A recording of another session is not there for this invite.
    if r.session_id != session_id || viewer.session.id != session_id {
        return Err(AppError::not_found(format!("recording {id}")));
    }
    let viewed = View {
        actor: viewer.actor(),
        court_id: viewer.session.court_id,
        who: serde_json::json!({
            "participant_id": viewer.participant.id,
            "counsel_id": viewer.counsel.counsel.id,
            "counsel_name": viewer.counsel.counsel.name,
            "enrolment_number": viewer.counsel.counsel.enrolment_number,
            "invited_by": viewer.participant.invited_by,
        }),
    };
    serve(&req, &state, r, viewed).await
}

/// Who is shown a recording, for the audit trail.
struct View {
    actor: Actor,
    court_id: i64,
    /// The person shown it: the judge's account, or the counsel an invite
    /// is bound to (and who minted the invite).
    who: serde_json::Value,
}

/// What a recording's file turned out to be once opened.
enum Opened {
    /// Sealed at rest (every recording since evidence was encrypted).
    Sealed(SealedReader),
    /// Written before recordings were sealed.
    Plain(Box<actix_files::NamedFile>),
}

/// Opens the file, records the view, then serves it: a file that cannot be
/// opened is not recorded as seen. A sealed file is decrypted chunk by
/// chunk as it is sent, never whole, and a `Range` is served from the
/// chunks that hold it, so a player can seek.
async fn serve(req: &HttpRequest, state: &AppState, r: Recording, view: View) -> Result<HttpResponse, AppError> {
    let plain_name = r.file_path.strip_suffix(".sealed").unwrap_or(&r.file_path).to_string();
    let content_type = match std::path::Path::new(&plain_name).extension().and_then(|e| e.to_str()) {
        Some("ogg") => "audio/ogg",
        Some("h264") => "video/h264",
        _ => "video/x-ivf",
    };
    let missing = || AppError::not_found(format!("the file of recording {}", r.id));
    let opened = if r.file_path.ends_with(".sealed") {
        let (path, key, id) = (r.file_path.clone(), state.settings.master_key.clone(), r.id);
        let reader = web::block(move || SealedReader::open(std::path::Path::new(&path), &key))
            .await
            .map_err(|e| AppError::internal(format!("opening recording {id}: {e}")))?
            .map_err(|e| match e {
                VaultError::Io(_) => missing(),
                other => AppError::internal(format!("recording {id} does not open: {other}")),
            })?;
        Opened::Sealed(reader)
    } else {
        Opened::Plain(Box::new(actix_files::NamedFile::open_async(&r.file_path).await.map_err(|_| missing())?))
    };
    let (id, sha256, session_id) = (r.id, r.sha256.clone(), r.session_id);
    db::run(&state.pool, move |conn| {
        db::write_tx(conn, |c| {
            let mut after = serde_json::json!({ "recording_id": id, "session_id": session_id, "sha256": sha256 });
            if let (Some(a), Some(who)) = (after.as_object_mut(), view.who.as_object()) {
                a.extend(who.clone());
            }
            Ok(audit::append(
                c,
                &view.actor,
                Change::new("view", "video_recording", id).court(Some(view.court_id)).after(&after),
            )?)
        })
    })
    .await?;
    let mut resp = match opened {
        Opened::Plain(file) => file.into_response(req),
        Opened::Sealed(reader) => sealed_response(req, reader),
    };
    resp.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&r.sha256) {
        resp.headers_mut().insert(HeaderName::from_static("x-content-sha256"), v);
    }
    Ok(resp)
}

/// The plaintext of a sealed recording, whole or the one range asked for.
fn sealed_response(req: &HttpRequest, reader: SealedReader) -> HttpResponse {
    let len = reader.len();
    let asked = req.headers().get(RANGE).and_then(|v| v.to_str().ok()).filter(|_| len > 0);
    let (mut resp, start, end) = match asked.map(|h| actix_files::HttpRange::parse(h, len)) {
        None => (HttpResponse::Ok(), 0, len),
        Some(Ok(ranges)) if ranges.len() == 1 => {
            let (start, end) = (ranges[0].start, ranges[0].start + ranges[0].length);
            let mut partial = HttpResponse::PartialContent();
            partial.insert_header((CONTENT_RANGE, format!("bytes {start}-{}/{len}", end - 1)));
            (partial, start, end)
        }
        // Several ranges at once: the whole file, which HTTP allows.
        Some(Ok(_)) => (HttpResponse::Ok(), 0, len),
        Some(Err(_)) => {
            return HttpResponse::RangeNotSatisfiable()
                .insert_header((CONTENT_RANGE, format!("bytes */{len}")))
                .finish();
        }
    };
    let chunks = futures_util::stream::unfold((Some(reader), start), move |(reader, at)| async move {
        let mut reader = reader?;
        if at >= end {
            return None;
        }
        let read = web::block(move || {
            let size = reader.chunk_size();
            let index = at / size;
            let chunk = reader.chunk(index);
            (reader, chunk.map(|c| (c, index * size)))
        })
        .await;
        match read {
            Ok((reader, Ok((chunk, chunk_start)))) => {
                let from = (at - chunk_start) as usize;
                let to = ((end - chunk_start) as usize).min(chunk.len());
                let next = chunk_start + to as u64;
                Some((Ok(web::Bytes::copy_from_slice(&chunk[from..to])), (Some(reader), next)))
            }
            // A chunk that does not authenticate ends the answer short: the
            // client sees a broken transfer, never altered bytes.
            Ok((_, Err(e))) => {
                tracing::error!(error = %e, "a sealed recording failed to decrypt while being served");
                Some((Err(actix_web::error::ErrorInternalServerError("the recording does not decrypt")), (None, end)))
            }
            Err(e) => Some((Err(actix_web::error::ErrorInternalServerError(e.to_string())), (None, end))),
        }
    });
    resp.insert_header((ACCEPT_RANGES, "bytes")).no_chunking(end - start).streaming(chunks)
}
