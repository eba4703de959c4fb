//! Video-link testimony: sessions, invites, states, the judge's order and
//! the signalling WebSocket (the recordings are in `api::recordings`). Who receives whose media is
//! decided by `domain::visibility` inside the forwarding server; these
//! handlers only change what it is asked.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{Duration, Utc};
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use serde::{Deserialize, Deserializer, Serialize};

use super::cases::visible_case;
use super::input::{self, Body};
use crate::app::free_text::ChildNames;
use crate::auth::extract::{CaseStaff, SessionRunners, SupportOfficers};
use crate::auth::{token, AuthUser, Authorized};
use crate::db::parties::Party;
use crate::db::video::{NewParticipant, NewQuestion, NewVideoSession, Participant, SessionSettings, VideoSession};
use crate::db::{self, audit, audit::Change};
use crate::domain::roles::{PartyRole, Side, StaffRole};
use crate::domain::video::{self as session_rules, Questioner, SessionState, VideoRole};
use crate::error::AppError;
use crate::media::hub::{Names, Outgoing, Presence};
use crate::media::protocol::QuestionEntry;
use crate::media::protocol::{ClientMsg, ServerMsg, MAX_FRAME_BYTES, MAX_QUESTION_CHARS};
use crate::media::{Joiner, Media, MediaEvent, PeerId};
use crate::state::AppState;
use crate::video_sync;

pub const INVITE_AUDIENCE: &str = "amaan-invite";
pub(crate) const DEFAULT_INVITE_MINUTES: i64 = 120;
pub(crate) const MAX_INVITE_MINUTES: i64 = 24 * 60;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/hearings/{id}/video-session", web::post().to(create_session))
        .route("/hearings/{id}/video-session", web::get().to(session_of_hearing))
        .route("/video-sessions/{id}", web::get().to(get_session))
        .route("/video-sessions/{id}/invites", web::post().to(invite))
        .route("/video-sessions/{id}/invites/{participant}", web::delete().to(revoke))
        .route("/video-sessions/{id}/state", web::post().to(change_state))
        .route("/video-sessions/{id}/settings", web::patch().to(change_settings));
}

/// The WebSocket lives outside `/api`: `GET /ws/video-sessions/{id}?token=`.
pub fn ws_routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/ws/video-sessions/{id}", web::get().to(signalling));
}

/// What an invite link carries: one participant of one session in one role.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct InviteClaims {
    pub sid: i64,
    pub pid: i64,
    pub role: VideoRole,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
}

pub(crate) fn issue_invite(
    state: &AppState,
    session_id: i64,
    participant_id: i64,
    role: VideoRole,
    ttl: Duration,
) -> Result<(String, chrono::DateTime<Utc>), AppError> {
    let now = Utc::now();
    let expires = now + ttl;
    let claims = InviteClaims {
        sid: session_id,
        pid: participant_id,
        role,
        aud: INVITE_AUDIENCE.into(),
        iat: now.timestamp(),
        exp: expires.timestamp(),
    };
    let token =
        encode(&Header::new(Algorithm::HS256), &claims, &EncodingKey::from_secret(state.settings.jwt_secret.expose()))
            .map_err(|e| AppError::internal(format!("signing an invite: {e}")))?;
    Ok((token, expires))
}

fn media(req: &HttpRequest) -> Result<web::Data<Media>, AppError> {
    req.app_data::<web::Data<Media>>().cloned().ok_or_else(|| AppError::internal("the media server is not running"))
}

/// A session as staff see it: settings, state, timers and who is invited.
#[derive(Debug, Serialize)]
struct SessionView {
    id: i64,
    hearing_id: i64,
    court_id: i64,
    state: String,
    break_interval_minutes: Option<i32>,
    max_questioning_minutes: Option<i32>,
    questions_through_judge: bool,
    accused_may_see_child: bool,
    questioner: Option<String>,
    counsel_may_view_recordings: bool,
    node_id: String,
    timers: session_rules::Timers,
    participants: Vec<ParticipantView>,
    connected: usize,
}

#[derive(Debug, Serialize)]
struct ParticipantView {
    id: i64,
    role: String,
    /// As everyone in the session may see it: a child-side participant by
    /// the pseudonym.
    display_name: String,
    party_id: Option<i64>,
    counsel_id: Option<i64>,
    revoked: bool,
    /// `here`, `reconnecting` (the link dropped and the page is retrying),
    /// or null (not connected), on the node that hosts the media.
    presence: Option<Presence>,
    /// The participant's link once it has reported: good, poor or bad.
    link: Option<LinkView>,
}

#[derive(Debug, Serialize)]
struct LinkView {
    quality: session_rules::LinkQuality,
    #[serde(flatten)]
    measure: session_rules::LinkMeasure,
    /// Audio first: the server stopped video to this participant, as its
    /// link cannot carry it beside the audio; it comes back by itself.
    video_shed: bool,
    video_sheds: u64,
}

fn participant_view(p: &Participant) -> ParticipantView {
    ParticipantView {
        id: p.id,
        role: p.role.clone(),
        display_name: p.display_name.clone(),
        party_id: p.party_id,
        counsel_id: p.counsel_id,
        revoked: p.revoked,
        presence: None,
        link: None,
    }
}

/// Who is connected to a session on this node, for its view.
struct Attendance {
    connected: usize,
    presence: std::collections::HashMap<i64, Presence>,
    links: std::collections::HashMap<i64, crate::media::PeerHealth>,
}

impl Attendance {
    fn of(media: &Media, session_id: i64) -> Attendance {
        let links = media
            .forwarder
            .health()
            .into_iter()
            .filter(|h| h.session_id == session_id)
            .map(|h| (h.participant_id, h))
            .collect();
        Attendance { connected: media.hub.connected(session_id), presence: media.hub.presence(session_id), links }
    }

    fn nobody() -> Attendance {
        Attendance { connected: 0, presence: std::collections::HashMap::new(), links: std::collections::HashMap::new() }
    }

    fn link(&self, participant_id: i64) -> Option<LinkView> {
        self.links.get(&participant_id).map(|h| LinkView {
            quality: session_rules::link_quality(&h.measure),
            measure: h.measure,
            video_shed: h.video_shed,
            video_sheds: h.video_sheds,
        })
    }

    /// A reminder for each child whose link is bad now.
    fn reminders(&self) -> Vec<String> {
        self.links
            .values()
            .filter_map(|h| session_rules::link_reminder(h.role, session_rules::link_quality(&h.measure)))
            .collect()
    }
}

fn session_view(conn: &mut db::DbConn, s: &VideoSession, here: &Attendance) -> Result<SessionView, AppError> {
    let log = db::video::state_log(conn, s.id)?;
    let timers =
        session_rules::timers(&log, Utc::now().naive_utc(), s.break_interval_minutes, s.max_questioning_minutes);
    let connected = here.connected;
    let participants = db::video::participants(conn, s.id)?
        .iter()
        .map(|p| ParticipantView {
            presence: here.presence.get(&p.id).copied(),
            link: here.link(p.id),
            ..participant_view(p)
        })
        .collect();
    let mut timers = timers;
    timers.reminders.extend(here.reminders());
    Ok(SessionView {
        id: s.id,
        hearing_id: s.hearing_id,
        court_id: s.court_id,
        state: s.state.clone(),
        break_interval_minutes: s.break_interval_minutes,
        max_questioning_minutes: s.max_questioning_minutes,
        questions_through_judge: s.questions_through_judge,
        accused_may_see_child: s.accused_may_see_child,
        questioner: s.questioner.clone(),
        counsel_may_view_recordings: s.counsel_may_view_recordings,
        node_id: s.node_id.clone(),
        timers,
        participants,
        connected,
    })
}

/// The session, if the user's court holds it (else 404).
/// After a state or settings change: applies it to the media and answers
/// with the session as it now is. On the hosting node this applies the
/// change at once; elsewhere the hosting node's poller picks it up from the
/// row's version.
async fn applied_view(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    s: VideoSession,
    actor: &audit::Actor,
) -> Result<HttpResponse, AppError> {
    let media = media(req)?;
    video_sync::sync(&media, &state.pool, &s, actor).await?;
    let here = Attendance::of(&media, s.id);
    let view = db::run(&state.pool, move |c| session_view(c, &s, &here)).await?;
    Ok(HttpResponse::Ok().json(view))
}

pub(crate) fn visible_session(conn: &mut db::DbConn, user: &AuthUser, id: i64) -> Result<VideoSession, AppError> {
    let s = db::video::find_session(conn, id)?;
    user.ensure_visible(s.court_id, &format!("video session {id}"))?;
    Ok(s)
}

fn ground_rule(field: &str, value: Option<i32>, min: i32, max: i32) -> Result<Option<i32>, AppError> {
    match value {
        Some(v) if v < min || v > max => {
            Err(AppError::invalid(field, format!("`{field}` must be between {min} and {max} minutes")))
        }
        other => Ok(other),
    }
}

/// Tells a present-but-null field apart from an absent one.
fn nullable<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CreateSession {
    break_interval_minutes: Option<i32>,
    max_questioning_minutes: Option<i32>,
}

async fn create_session(
    req: HttpRequest,
    state: web::Data<AppState>,
    officer: Authorized<SupportOfficers>,
    id: web::Path<i64>,
    body: Option<web::Json<CreateSession>>,
) -> Result<HttpResponse, AppError> {
    let hearing_id = id.into_inner();
    let b = body
        .map(web::Json::into_inner)
        .unwrap_or(CreateSession { break_interval_minutes: None, max_questioning_minutes: None });
    let break_interval = ground_rule("break_interval_minutes", b.break_interval_minutes, 5, 120)?;
    let max_questioning = ground_rule("max_questioning_minutes", b.max_questioning_minutes, 5, 480)?;
    let node_id = media(&req)?.config.node_id.clone();
    let user = officer.user.clone();
    let view = db::run(&state.pool, move |conn| {
        db::write_tx(conn, |c| {
            let hearing = db::hearings::find(c, hearing_id)?;
            let (case, _) = visible_case(c, &user, hearing.case_id)
                .map_err(|_| AppError::not_found(format!("hearing {hearing_id}")))?;
            user.ensure_court(case.court_id)?;
            if let Some(open) = db::video::open_sessions_of_hearing(c, hearing_id)?.first() {
                return Err(AppError::conflict(format!("the hearing already has an open video session ({})", open.id)));
            }
            // The court's profile sets the default order and the timers;
            // the officer may set other timers for this child.
            let court = db::courts::find(c, case.court_id)?;
            let defaults = session_rules::session_defaults(crate::app::course::profile_of(&court)?);
            let now = Utc::now().naive_utc();
            let s = db::video::create_session(
                c,
                &NewVideoSession {
                    hearing_id,
                    court_id: case.court_id,
                    state: SessionState::Lobby.as_str().into(),
                    break_interval_minutes: break_interval.or(Some(defaults.break_interval_minutes)),
                    max_questioning_minutes: max_questioning.or(Some(defaults.max_questioning_minutes)),
                    questions_through_judge: defaults.questions_through_judge,
                    accused_may_see_child: false,
                    questioner: defaults.questioner.map(|q| q.as_str().into()),
                    node_id,
                    created_by: Some(user.id),
                    created_at: now,
                    updated_at: now,
                    counsel_may_view_recordings: false,
                },
            )?;
            crate::app::kept_figures::refresh(c, s.court_id)?;
            audit::append(
                c,
                &user.actor(),
                Change::new("create", "video_session", s.id).court(Some(s.court_id)).after(&s),
            )?;
            session_view(c, &s, &Attendance::nobody())
        })
    })
    .await?;
    Ok(HttpResponse::Created().json(view))
}

async fn get_session(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: Authorized<CaseStaff>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let media = media(&req)?;
    let here = Attendance::of(&media, id);
    let viewer = user.user.clone();
    let view = db::run(&state.pool, move |c| {
        let s = visible_session(c, &viewer, id)?;
        session_view(c, &s, &here)
    })
    .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// The hearing's latest session: how a judge, who does not create
/// sessions, finds the one to make the order in.
async fn session_of_hearing(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: Authorized<CaseStaff>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let hearing_id = id.into_inner();
    let media = media(&req)?;
    let viewer = user.user.clone();
    let s = db::run(&state.pool, move |c| {
        let hearing = db::hearings::find(c, hearing_id)?;
        visible_case(c, &viewer, hearing.case_id).map_err(|_| AppError::not_found(format!("hearing {hearing_id}")))?;
        db::video::latest_session_of_hearing(c, hearing_id)?
            .ok_or_else(|| AppError::not_found(format!("a video session of hearing {hearing_id}")))
    })
    .await?;
    let here = Attendance::of(&media, s.id);
    let view = db::run(&state.pool, move |c| session_view(c, &s, &here)).await?;
    Ok(HttpResponse::Ok().json(view))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct InviteInput {
    #[schema(value_type = String)]
    role: VideoRole,
    /// How the participant is shown; not for the child's side, whose
    /// participants are shown by the privacy rule from their party.
    display_name: Option<String>,
    /// The party of the case a child-side invite is for (required there).
    party_id: Option<i64>,
    /// The counsel of the case a counsel's invite is for: only an invite
    /// bound to a counsel may view the recordings the judge's order opens.
    counsel_id: Option<i64>,
    ttl_minutes: Option<i64>,
}

#[derive(Serialize)]
struct InviteView {
    participant: ParticipantView,
    token: String,
    expires_at: chrono::DateTime<Utc>,
    /// The path to open the signalling socket with, relative to the server.
    ws_path: String,
    /// The socket's full address on the node that hosts the session's
    /// media (its public URL), so the participant reaches that node through
    /// any load balancer; null when the node has no public address set.
    ws_url: Option<String>,
}

/// `https://node-a.example.org` and a path: `wss://node-a.example.org/path`.
fn socket_url(public_url: &str, path: &str) -> String {
    let base = public_url.trim_end_matches('/');
    let base = match base.split_once("://") {
        Some(("https", rest)) => format!("wss://{rest}"),
        Some(("http", rest)) => format!("ws://{rest}"),
        _ => base.to_string(),
    };
    format!("{base}{path}")
}

/// Who an invite is for, as stored: the name everyone may see, and the
/// party or counsel of the case it is bound to.
struct Invitee {
    display_name: String,
    party_id: Option<i64>,
    counsel_id: Option<i64>,
}

/// The party roles a child-side invite of `role` may be for.
fn party_roles_for(role: VideoRole) -> &'static [PartyRole] {
    match role {
        VideoRole::ChildWitness => &[PartyRole::ChildWitness],
        VideoRole::Guardian => &[PartyRole::Guardian, PartyRole::SupportPerson],
        VideoRole::Intermediary => &[PartyRole::Intermediary],
        _ => &[],
    }
}

/// What a child-side participant is called where the child's name may not
/// be seen: the child by the pseudonym, the others by their relation to it.
fn child_side_label(party: &Party, children: &[&Party]) -> String {
    if party.is_child() {
        return party.pseudonym.clone().unwrap_or_else(|| "Child".into());
    }
    let relation = match party.role.as_str() {
        "intermediary" => "Intermediary for",
        "support_person" => "Support person of",
        _ => "Guardian of",
    };
    match children {
        [only] => format!("{relation} {}", only.pseudonym.as_deref().unwrap_or("the child")),
        _ => format!("{relation} a child witness"),
    }
}

/// Checks who an invite is for against the hearing's case. A child-side
/// invite is tied to a party of the case on the child's side and shown by
/// its pseudonym; anyone else gives a display name, which must not hold a
/// registered child's name; counsel may be bound to a counsel of the case.
fn invitee(
    c: &mut db::DbConn,
    case_id: i64,
    court_id: i64,
    role: VideoRole,
    b: &InviteInput,
    display_name: Option<String>,
) -> Result<Invitee, AppError> {
    if role.is_child_side() {
        if display_name.is_some() {
            return Err(AppError::invalid(
                "display_name",
                "a participant on the child's side is shown by the privacy rule, not by a typed name; give `party_id`",
            ));
        }
        if b.counsel_id.is_some() {
            return Err(AppError::invalid("counsel_id", "only counsel are bound to a counsel of the case"));
        }
        let party_id = b.party_id.ok_or_else(|| {
            AppError::invalid("party_id", format!("an invite for the {role} names the party of the case it is for"))
        })?;
        let parties = db::parties::of_case(c, case_id)?;
        let party = parties.iter().find(|p| p.id == party_id).ok_or_else(|| {
            AppError::invalid("party_id", format!("party {party_id} is not a party of this hearing's case"))
        })?;
        let fits = party_roles_for(role).iter().any(|r| r.as_str() == party.role) && party.side == Side::Child.as_str();
        if !fits {
            return Err(AppError::invalid(
                "party_id",
                format!(
                    "party {party_id} is a {} ({} side), not someone the {role} invite may be for",
                    party.role, party.side
                ),
            ));
        }
        let children: Vec<&Party> = parties.iter().filter(|p| p.is_child()).collect();
        return Ok(Invitee {
            display_name: child_side_label(party, &children),
            party_id: Some(party_id),
            counsel_id: None,
        });
    }
    if b.party_id.is_some() {
        return Err(AppError::invalid("party_id", "only an invite on the child's side is tied to a party"));
    }
    let display_name = display_name
        .ok_or_else(|| AppError::invalid("display_name", "say how the participant is shown: `display_name`"))?;
    ChildNames::of_case(c, case_id, court_id)?.name("display_name", &display_name)?;
    let counsel_id = match b.counsel_id {
        None => None,
        Some(id) => {
            let wanted = match role {
                VideoRole::Prosecutor => PartyRole::Prosecutor,
                VideoRole::DefenceCounsel => PartyRole::DefenceCounsel,
                _ => return Err(AppError::invalid("counsel_id", "only counsel are bound to a counsel of the case")),
            };
            let of_case = db::schedule::counsel_of_case(c, case_id)?;
            if !of_case.iter().any(|cc| cc.counsel.id == id && cc.role == wanted.as_str()) {
                return Err(AppError::invalid("counsel_id", format!("counsel {id} is not the case's {wanted}")));
            }
            Some(id)
        }
    };
    Ok(Invitee { display_name, party_id: None, counsel_id })
}

async fn invite(
    state: web::Data<AppState>,
    officer: Authorized<SupportOfficers>,
    id: web::Path<i64>,
    body: Body<InviteInput>,
) -> Result<HttpResponse, AppError> {
    let session_id = id.into_inner();
    let b = body.into_inner();
    let display_name = b.display_name.as_deref().map(|d| input::name("display_name", d, 100)).transpose()?;
    let ttl = b.ttl_minutes.unwrap_or(DEFAULT_INVITE_MINUTES);
    if !(1..=MAX_INVITE_MINUTES).contains(&ttl) {
        return Err(AppError::invalid(
            "ttl_minutes",
            format!("`ttl_minutes` must be between 1 and {MAX_INVITE_MINUTES}"),
        ));
    }
    let user = officer.user.clone();
    let role = b.role;
    let (participant, host_url) = db::run(&state.pool, move |conn| {
        db::write_tx(conn, |c| {
            let s = visible_session(c, &user, session_id)?;
            user.ensure_court(s.court_id)?;
            if s.state()? == SessionState::Ended {
                return Err(AppError::conflict("the session has ended"));
            }
            let hearing = db::hearings::find(c, s.hearing_id)?;
            let who = invitee(c, hearing.case_id, s.court_id, role, &b, display_name)?;
            let p = db::video::add_participant(
                c,
                &NewParticipant {
                    session_id,
                    role: role.as_str().into(),
                    display_name: who.display_name,
                    revoked: false,
                    created_at: Utc::now().naive_utc(),
                    party_id: who.party_id,
                    counsel_id: who.counsel_id,
                    invited_by: Some(user.id),
                },
            )?;
            let after = serde_json::json!({
                "id": p.id, "session_id": session_id, "role": p.role, "display_name": p.display_name,
                "party_id": p.party_id, "counsel_id": p.counsel_id,
            });
            audit::append(
                c,
                &user.actor(),
                Change::new("invite", "video_participant", p.id).court(Some(s.court_id)).after(&after),
            )?;
            let host_url = db::nodes::find(c, &s.node_id)?.and_then(|n| n.public_url);
            Ok((p, host_url))
        })
    })
    .await?;
    let (token, expires_at) = issue_invite(&state, session_id, participant.id, role, Duration::minutes(ttl))?;
    let ws_path = format!("/ws/video-sessions/{session_id}?token={token}");
    let ws_url = host_url.map(|u| socket_url(&u, &ws_path));
    // Never compressed, as a login's token is not (BREACH).
    Ok(HttpResponse::Created().insert_header(actix_web::http::header::ContentEncoding::Identity).json(InviteView {
        participant: participant_view(&participant),
        token,
        expires_at,
        ws_path,
        ws_url,
    }))
}

async fn revoke(
    req: HttpRequest,
    state: web::Data<AppState>,
    officer: Authorized<SupportOfficers>,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, AppError> {
    let (session_id, participant_id) = path.into_inner();
    let user = officer.user.clone();
    let p = db::run(&state.pool, move |conn| {
        db::write_tx(conn, |c| {
            let s = visible_session(c, &user, session_id)?;
            user.ensure_court(s.court_id)?;
            let p = db::video::find_participant(c, participant_id)?;
            if p.session_id != session_id {
                return Err(AppError::not_found(format!("participant {participant_id}")));
            }
            if p.revoked {
                return Ok(p);
            }
            let p = db::video::revoke_participant(c, participant_id, Utc::now().naive_utc())?;
            let after = serde_json::json!({ "id": p.id, "session_id": session_id, "role": p.role, "revoked": true });
            audit::append(
                c,
                &user.actor(),
                Change::new("revoke", "video_participant", p.id).court(Some(s.court_id)).after(&after),
            )?;
            Ok(p)
        })
    })
    .await?;
    let media = media(&req)?;
    media.hub.kick(session_id, participant_id, "your invitation was withdrawn");
    media.hub.send_participants(session_id);
    Ok(HttpResponse::Ok().json(participant_view(&p)))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct StateInput {
    #[schema(value_type = String)]
    state: SessionState,
    reason: Option<String>,
}

async fn change_state(
    req: HttpRequest,
    state: web::Data<AppState>,
    runner: Authorized<SessionRunners>,
    id: web::Path<i64>,
    body: web::Json<StateInput>,
) -> Result<HttpResponse, AppError> {
    let session_id = id.into_inner();
    let b = body.into_inner();
    let reason = b.reason.as_deref().map(|r| input::text("reason", r, 500)).transpose()?;
    let to = b.state;
    let user = runner.user.clone();
    let s = db::run(&state.pool, move |conn| {
        db::write_tx(conn, |c| {
            let before = visible_session(c, &user, session_id)?;
            user.ensure_court(before.court_id)?;
            let hearing = db::hearings::find(c, before.hearing_id)?;
            ChildNames::of_case(c, hearing.case_id, before.court_id)?.prose_opt("reason", reason.as_deref())?;
            session_rules::check_transition(before.state()?, to).map_err(AppError::conflict)?;
            let after = db::video::set_state(c, session_id, to, Some(user.id), Utc::now().naive_utc())?;
            crate::app::kept_figures::refresh(c, after.court_id)?;
            audit::append(
                c,
                &user.actor(),
                Change::new("state", "video_session", session_id)
                    .court(Some(after.court_id))
                    .before(&before)
                    .after(&after)
                    .reason(reason),
            )?;
            if to == SessionState::Live {
                crate::app::outcomes::video_appearance(c, &user, &after)?;
            }
            Ok(after)
        })
    })
    .await?;
    applied_view(&req, &state, s, &runner.user.actor()).await
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SettingsInput {
    #[serde(default, deserialize_with = "nullable")]
    break_interval_minutes: Option<Option<i32>>,
    #[serde(default, deserialize_with = "nullable")]
    max_questioning_minutes: Option<Option<i32>>,
    questions_through_judge: Option<bool>,
    accused_may_see_child: Option<bool>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    questioner: Option<Option<Questioner>>,
    counsel_may_view_recordings: Option<bool>,
}

async fn change_settings(
    req: HttpRequest,
    state: web::Data<AppState>,
    runner: Authorized<SessionRunners>,
    id: web::Path<i64>,
    body: web::Json<SettingsInput>,
) -> Result<HttpResponse, AppError> {
    let session_id = id.into_inner();
    let b = body.into_inner();
    // The special-measures order is the judge's alone (POCSO s.33(2), s.36).
    let orders = b.questions_through_judge.is_some()
        || b.accused_may_see_child.is_some()
        || b.questioner.is_some()
        || b.counsel_may_view_recordings.is_some();
    if orders && runner.role != StaffRole::Judge {
        return Err(AppError::forbidden("only the judge may change the special-measures order"));
    }
    let only_recording_access = b.counsel_may_view_recordings.is_some()
        && b.break_interval_minutes.is_none()
        && b.max_questioning_minutes.is_none()
        && b.questions_through_judge.is_none()
        && b.accused_may_see_child.is_none()
        && b.questioner.is_none();
    let settings = SessionSettings {
        break_interval_minutes: b
            .break_interval_minutes
            .map(|v| ground_rule("break_interval_minutes", v, 5, 120))
            .transpose()?,
        max_questioning_minutes: b
            .max_questioning_minutes
            .map(|v| ground_rule("max_questioning_minutes", v, 5, 480))
            .transpose()?,
        questions_through_judge: b.questions_through_judge,
        accused_may_see_child: b.accused_may_see_child,
        questioner: b.questioner.map(|q| q.map(|q| q.as_str().to_string())),
        counsel_may_view_recordings: b.counsel_may_view_recordings,
        updated_at: Utc::now().naive_utc(),
    };
    let user = runner.user.clone();
    let s = db::run(&state.pool, move |conn| {
        db::write_tx(conn, |c| {
            let before = visible_session(c, &user, session_id)?;
            user.ensure_court(before.court_id)?;
            session_rules::check_settings_change(before.state()?, only_recording_access).map_err(AppError::conflict)?;
            let after = db::video::update_settings(c, session_id, &settings)?;
            audit::append(
                c,
                &user.actor(),
                Change::new("settings", "video_session", session_id)
                    .court(Some(after.court_id))
                    .before(&before)
                    .after(&after),
            )?;
            Ok(after)
        })
    })
    .await?;
    applied_view(&req, &state, s, &runner.user.actor()).await
}

// ---------------------------------------------------------------------------
// Signalling

#[derive(Deserialize)]
struct WsQuery {
    token: String,
}

/// Checks an invite for this session: signed by us, unexpired, for this
/// session, and for a participant who has not been removed. An ended
/// session still answers, since its recordings outlive it.
pub(crate) async fn check_invite(
    state: &AppState,
    session_id: i64,
    token: &str,
) -> Result<(VideoSession, Participant), AppError> {
    let claims: InviteClaims = token::verify(&state.settings.jwt_secret, token, INVITE_AUDIENCE)
        .map_err(|e| AppError::Unauthenticated(format!("the invitation is not valid ({e})")))?;
    if claims.sid != session_id {
        return Err(AppError::Unauthenticated("the invitation is for another session".into()));
    }
    let pid = claims.pid;
    let (s, p) = db::run(&state.pool, move |c| {
        Ok((db::video::find_session(c, session_id)?, db::video::find_participant(c, pid)?))
    })
    .await?;
    if p.session_id != session_id || p.role()? != claims.role {
        return Err(AppError::Unauthenticated("the invitation does not match its participant".into()));
    }
    if p.revoked {
        return Err(AppError::Unauthenticated("the invitation was withdrawn".into()));
    }
    Ok((s, p))
}

/// An invite that may join the session now: `check_invite`, and the session
/// has not ended.
async fn admit(state: &AppState, session_id: i64, token: &str) -> Result<(VideoSession, Participant), AppError> {
    let (s, p) = check_invite(state, session_id, token).await?;
    if s.state()? == SessionState::Ended {
        return Err(AppError::conflict("the session has ended"));
    }
    Ok((s, p))
}

async fn signalling(
    req: HttpRequest,
    body: web::Payload,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    query: web::Query<WsQuery>,
) -> Result<HttpResponse, AppError> {
    let session_id = id.into_inner();
    // A page of another site must not open the socket with an invite it
    // got hold of (cross-site WebSocket hijacking): a browser always sends
    // its page's Origin, and only ours is let through.
    if !origin_allowed(&req, state.settings.public_origin.as_deref()) {
        return Err(AppError::forbidden("this page's origin may not open the signalling socket"));
    }
    let media = media(&req)?;
    let (session, participant) = admit(&state, session_id, &query.token).await?;
    if session.node_id != media.config.node_id {
        return Err(AppError::conflict(format!("this session is hosted on node `{}`", session.node_id)));
    }
    let (response, ws, stream) = actix_ws::handle(&req, body).map_err(|e| AppError::BadRequest(e.to_string()))?;
    let stream = stream.max_frame_size(MAX_FRAME_BYTES);
    let role = participant.role()?;
    // A child-side participant's own name, for those who may see it; the
    // stored display name is what everyone else is shown.
    let full_name = match participant.party_id {
        Some(party_id) => db::run(&state.pool, move |c| Ok(db::parties::find(c, party_id)?.name)).await?,
        None => participant.display_name.clone(),
    };
    let conn = Connection {
        state: state.clone(),
        media,
        session_id,
        participant_id: participant.id,
        role,
        names: Names { public: participant.display_name.clone(), full: full_name },
        token: query.into_inner().token,
        peer: None,
        conn_id: None,
    };
    actix_web::rt::spawn(conn.run(ws, stream));
    Ok(response)
}

/// Whether a request's `Origin` (if any) is the public origin, or, with
/// none configured, names the host the request came to. A client that sends
/// no Origin is not a browser page and is judged by its invite alone.
fn origin_allowed(req: &HttpRequest, public_origin: Option<&str>) -> bool {
    let Some(origin) = req.headers().get(actix_web::http::header::ORIGIN) else { return true };
    let Ok(origin) = origin.to_str() else { return false };
    match public_origin {
        Some(allowed) => origin.trim_end_matches('/').eq_ignore_ascii_case(allowed),
        None => {
            let Ok(url) = url::Url::parse(origin) else { return false };
            let Some(host) = url.host_str() else { return false };
            let named = match url.port() {
                Some(port) => format!("{host}:{port}"),
                None => host.to_string(),
            };
            req.connection_info().host().eq_ignore_ascii_case(&named)
        }
    }
}

/// The close code a page sends when it drops its socket to reconnect.
const RECONNECTING_CLOSE_CODE: u16 = 4000;

struct Connection {
    state: web::Data<AppState>,
    media: web::Data<Media>,
    session_id: i64,
    participant_id: i64,
    role: VideoRole,
    names: Names,
    token: String,
    peer: Option<PeerId>,
    conn_id: Option<u64>,
}

async fn send(ws: &mut actix_ws::Session, msg: &ServerMsg) -> bool {
    match serde_json::to_string(msg) {
        Ok(text) => ws.text(text).await.is_ok(),
        Err(_) => true,
    }
}

impl Connection {
    async fn run(mut self, mut ws: actix_ws::Session, mut stream: actix_ws::MessageStream) {
        let (out_tx, mut out_rx) = tokio::sync::mpsc::unbounded_channel::<Outgoing>();
        let (media_tx, mut media_rx) = tokio::sync::mpsc::unbounded_channel::<MediaEvent>();
        let mut close_reason: Option<String> = None;
        // The link dropped (no hang-up): the console shows "reconnecting".
        let mut dropped = false;
        loop {
            tokio::select! {
                incoming = stream.recv() => {
                    let Some(Ok(message)) = incoming else {
                        dropped = true;
                        break;
                    };
                    match message {
                        actix_ws::Message::Text(text) => {
                            let reply = match serde_json::from_str::<ClientMsg>(&text) {
                                Ok(ClientMsg::Leave {}) => break,
                                Ok(msg) => self.handle(msg, &out_tx, &media_tx).await,
                                Err(e) => vec![ServerMsg::error("bad_message", e.to_string())],
                            };
                            for r in reply {
                                if !send(&mut ws, &r).await {
                                    break;
                                }
                            }
                        }
                        actix_ws::Message::Ping(bytes) if ws.pong(&bytes).await.is_err() => break,
                        actix_ws::Message::Ping(_) => {}
                        actix_ws::Message::Close(reason) => {
                            // The page closes with 4000 when it reconnects by itself.
                            dropped = reason.is_some_and(|r| u16::from(r.code) == RECONNECTING_CLOSE_CODE);
                            break;
                        }
                        actix_ws::Message::Binary(_) => {
                            send(&mut ws, &ServerMsg::error("bad_message", "send JSON text frames")).await;
                        }
                        _ => {}
                    }
                }
                out = out_rx.recv() => match out {
                    Some(Outgoing::Msg(msg)) => {
                        if !send(&mut ws, &msg).await {
                            break;
                        }
                    }
                    Some(Outgoing::Close(why)) => {
                        close_reason = Some(why);
                        break;
                    }
                    None => break,
                },
                event = media_rx.recv() => match event {
                    Some(MediaEvent::Offer { sdp }) => {
                        let sent = send(&mut ws, &ServerMsg::Offer { sdp }).await;
                        if !sent {
                            break;
                        }
                    }
                    Some(MediaEvent::Disconnected) => {
                        send(&mut ws, &ServerMsg::error("media_disconnected", "the media connection was lost; reconnect")).await;
                    }
                    None => {}
                },
            }
        }
        self.cleanup(dropped && close_reason.is_none()).await;
        let reason = close_reason.map(|description| actix_ws::CloseReason {
            code: actix_ws::CloseCode::Normal,
            description: Some(description),
        });
        let _ = ws.close(reason).await;
    }

    async fn cleanup(&mut self, dropped: bool) {
        if let Some(peer) = self.peer.take() {
            self.media.forwarder.leave(peer).await;
        }
        if let Some(conn_id) = self.conn_id.take() {
            if self.media.hub.disconnect(self.session_id, self.participant_id, conn_id) {
                if dropped {
                    self.media.hub.mark_dropped(self.session_id, self.participant_id);
                }
                self.media.hub.send_participants(self.session_id);
            }
        }
    }

    async fn handle(
        &mut self,
        msg: ClientMsg,
        out_tx: &tokio::sync::mpsc::UnboundedSender<Outgoing>,
        media_tx: &tokio::sync::mpsc::UnboundedSender<MediaEvent>,
    ) -> Vec<ServerMsg> {
        match msg {
            ClientMsg::Join {} => self.join(out_tx, media_tx).await,
            ClientMsg::Offer { sdp, channels } => {
                let Some(peer) = self.peer else { return vec![not_joined()] };
                match self.media.forwarder.offer(peer, sdp, channels).await {
                    Ok(sdp) => vec![ServerMsg::Answer { sdp }],
                    Err(e) => vec![ServerMsg::error("bad_offer", e.to_string())],
                }
            }
            ClientMsg::Answer { sdp } => {
                let Some(peer) = self.peer else { return vec![not_joined()] };
                match self.media.forwarder.answer(peer, sdp).await {
                    Ok(()) => Vec::new(),
                    Err(e) => vec![ServerMsg::error("bad_answer", e.to_string())],
                }
            }
            ClientMsg::Candidate { candidate } => {
                let Some(peer) = self.peer else { return vec![not_joined()] };
                match self.media.forwarder.candidate(peer, candidate).await {
                    Ok(()) => Vec::new(),
                    Err(e) => vec![ServerMsg::error("bad_candidate", e.to_string())],
                }
            }
            ClientMsg::Question { text } => self.question(text).await,
            ClientMsg::Leave {} => Vec::new(),
        }
    }

    async fn join(
        &mut self,
        out_tx: &tokio::sync::mpsc::UnboundedSender<Outgoing>,
        media_tx: &tokio::sync::mpsc::UnboundedSender<MediaEvent>,
    ) -> Vec<ServerMsg> {
        if self.peer.is_some() {
            return vec![ServerMsg::error("already_joined", "this connection has already joined")];
        }
        // Re-check at join time: the invite may have been withdrawn since
        // the socket opened, and the state may have changed.
        let session = match admit(&self.state, self.session_id, &self.token).await {
            Ok((s, _)) => s,
            Err(e) => return vec![ServerMsg::error("refused", e.to_string())],
        };
        let (state, order) = match (session.state(), session.order()) {
            (Ok(s), Ok(o)) => (s, o),
            _ => return vec![ServerMsg::error("internal", "the session could not be read")],
        };
        let conn_id =
            self.media.hub.connect(self.session_id, self.participant_id, self.role, self.names.clone(), out_tx.clone());
        self.conn_id = Some(conn_id);
        let joiner =
            Joiner { session_id: self.session_id, participant_id: self.participant_id, role: self.role, state, order };
        match self.media.forwarder.join(joiner, media_tx.clone()).await {
            Ok(peer) => self.peer = Some(peer),
            Err(e) => return vec![ServerMsg::error("media_unavailable", e.to_string())],
        }
        // Only now that the room exists: a change the poller applied before
        // would have found no room to apply to.
        if let Err(e) = video_sync::register(&self.media, &session).await {
            return vec![ServerMsg::error("internal", e.to_string())];
        }
        self.media.hub.send_participants(self.session_id);
        let mut out = vec![
            ServerMsg::Welcome {
                session_id: self.session_id,
                participant_id: self.participant_id,
                role: self.role,
                state,
                ice_servers: self.ice_servers(),
            },
            ServerMsg::State { state },
        ];
        if matches!(self.role, VideoRole::SupportOfficer | VideoRole::Judge) {
            match video_sync::timers_msg(&self.state.pool, &session).await {
                Ok(msg) => out.push(msg),
                Err(e) => tracing::warn!(session = self.session_id, error = %e, "timers could not be read"),
            }
        }
        if self.role == VideoRole::Judge {
            match stored_questions(&self.state, self.session_id).await {
                Ok(items) => out.push(ServerMsg::Questions { items }),
                Err(e) => tracing::warn!(session = self.session_id, error = %e, "questions could not be read"),
            }
        }
        out
    }

    /// The STUN/TURN servers for this invite: its own TURN credentials
    /// expire with the invite and name it (`<expiry>:s<session>p<participant>`).
    fn ice_servers(&self) -> Vec<crate::media::config::IceServer> {
        let expires = token::verify::<InviteClaims>(&self.state.settings.jwt_secret, &self.token, INVITE_AUDIENCE)
            .map(|c| c.exp)
            .unwrap_or_else(|_| Utc::now().timestamp());
        let invite = format!("s{}p{}", self.session_id, self.participant_id);
        self.media.config.ice_servers_for(&invite, expires)
    }

    /// POCSO s.33(2): counsel's questions go to the judge, who puts them.
    /// Each is stored first, so a judge who joins or reconnects later still
    /// receives it.
    async fn question(&self, text: String) -> Vec<ServerMsg> {
        if self.peer.is_none() {
            return vec![not_joined()];
        }
        if !self.role.may_send_questions() {
            return vec![ServerMsg::error("forbidden", "only counsel send written questions")];
        }
        let text = match input::text("text", &text, MAX_QUESTION_CHARS) {
            Ok(t) => t,
            Err(e) => return vec![ServerMsg::error("bad_question", e.to_string())],
        };
        let new = NewQuestion {
            session_id: self.session_id,
            participant_id: self.participant_id,
            from_role: self.role.as_str().into(),
            text,
            asked_at: Utc::now().naive_utc(),
        };
        let actor = audit::Actor { id: None, role: format!("video:{}", self.role) };
        let stored = db::run(&self.state.pool, move |conn| {
            db::write_tx(conn, |c| {
                let s = db::video::find_session(c, new.session_id)?;
                let hearing = db::hearings::find(c, s.hearing_id)?;
                ChildNames::of_case(c, hearing.case_id, s.court_id)?.prose("text", &new.text)?;
                let q = db::video::add_question(c, &new)?;
                // The text may name the child: it stays out of the trail.
                let after = serde_json::json!({ "id": q.id, "session_id": q.session_id, "participant_id": q.participant_id, "from_role": q.from_role, "text": "[withheld]" });
                audit::append(c, &actor, Change::new("ask", "video_question", q.id).court(Some(s.court_id)).after(&after))?;
                Ok(q)
            })
        })
        .await;
        let q = match stored {
            Ok(q) => q,
            Err(e @ AppError::Invalid { .. }) => return vec![ServerMsg::error("bad_question", e.to_string())],
            Err(e) => return vec![ServerMsg::error("internal", e.to_string())],
        };
        let entry = QuestionEntry {
            id: q.id,
            from_participant_id: self.participant_id,
            from_role: self.role,
            from_name: self.names.public.clone(),
            text: q.text,
            at: q.asked_at.and_utc(),
        };
        let delivered = self.media.hub.send_to_role(self.session_id, VideoRole::Judge, &ServerMsg::Question(entry)) > 0;
        vec![ServerMsg::QuestionSent { id: q.id, delivered }]
    }
}

/// Every written question of a session, with the asker's name as invited.
async fn stored_questions(state: &AppState, session_id: i64) -> Result<Vec<QuestionEntry>, AppError> {
    db::run(&state.pool, move |c| {
        let names: std::collections::HashMap<i64, String> =
            db::video::participants(c, session_id)?.into_iter().map(|p| (p.id, p.display_name)).collect();
        db::video::questions(c, session_id)?
            .into_iter()
            .map(|q| {
                Ok(QuestionEntry {
                    id: q.id,
                    from_participant_id: q.participant_id,
                    from_role: q.from_role.parse().map_err(AppError::internal)?,
                    from_name: names.get(&q.participant_id).cloned().unwrap_or_default(),
                    text: q.text,
                    at: q.asked_at.and_utc(),
                })
            })
            .collect()
    })
    .await
}

fn not_joined() -> ServerMsg {
    ServerMsg::error("not_joined", "send `join` first")
}

#[cfg(test)]
mod tests {
    use super::socket_url;

    #[test]
    fn an_invite_names_the_hosting_nodes_socket_by_its_public_url() {
        let path = "/ws/video-sessions/7?token=t";
        assert_eq!(
            socket_url("https://node-a.example.org/", path),
            "wss://node-a.example.org/ws/video-sessions/7?token=t"
        );
        assert_eq!(socket_url("http://127.0.0.1:8080", path), "ws://127.0.0.1:8080/ws/video-sessions/7?token=t");
    }
}
