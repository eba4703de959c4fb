//! Login, logout and "who am I".

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{Duration, Utc};
use serde::{Deserialize, Serialize};

use super::input::Body;
use crate::auth::{password, token, AuthUser};
use crate::db::{self, audit, audit::Actor, audit::Change};
use crate::error::AppError;
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/auth/login", web::post().to(login))
        .route("/auth/logout", web::post().to(logout))
        .route("/auth/me", web::get().to(me));
}

/// After this many wrong passwords in a row an account rests for
/// `LOCKOUT_MINUTES`; the lock lives in the database, so every node sees it.
pub const MAX_FAILED_LOGINS: i32 = 5;
pub const LOCKOUT_MINUTES: i64 = 15;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct LoginInput {
    username: String,
    password: String,
}

#[derive(Serialize)]
struct LoginOutput {
    token: String,
    role: String,
    court_id: Option<i64>,
    user_id: i64,
    display_name: String,
    expires_at: chrono::DateTime<Utc>,
}

const BAD_LOGIN: &str = "Wrong username or password, or the account is resting after repeated failures.";

#[tracing::instrument(skip_all)]
async fn login(state: web::Data<AppState>, req: HttpRequest, body: Body<LoginInput>) -> Result<HttpResponse, AppError> {
    if let Some(ip) = req.peer_addr().map(|a| a.ip()) {
        if state.login_limiter.check_key(&ip).is_err() {
            return Err(AppError::TooManyRequests("too many sign-in attempts from this address; wait a minute".into()));
        }
    }
    let LoginInput { username, password } = body.into_inner();
    if username.len() > 100 || password.len() > 256 {
        return Err(AppError::Unauthenticated(BAD_LOGIN.into()));
    }
    let secret = state.settings.jwt_secret.clone();
    let ttl = Duration::minutes(state.settings.token_ttl_minutes);
    let outcome = db::run(&state.pool, move |conn| {
        let now = Utc::now().naive_utc();
        let Some(user) = db::users::find_by_username(conn, &username)? else {
            password::verify_dummy(&password);
            // That an unknown name was tried, never what was typed: a
            // password typed into the name box would stay in the trail.
            let mut change = Change::new("login_failed", "user", "");
            change.entity_id = None;
            change.after = Some(serde_json::json!({ "username": "[unknown, not recorded]" }));
            audit::record(conn, &Actor::anonymous(), change)?;
            return Ok(None);
        };
        let locked = user.locked_until.is_some_and(|until| until > now);
        // The hash is checked even when locked, so a locked account answers
        // in the same time as any other failure.
        let matches = password::verify(&password, &user.password_hash);
        if locked || !matches || !user.active {
            // Counted in the database, inside the transaction: of twenty
            // wrong guesses at once each adds one, so the rest after
            // `MAX_FAILED_LOGINS` cannot be outrun.
            db::write_tx(conn, |c| {
                let failed = db::users::count_failure(c, user.id)?;
                if failed >= MAX_FAILED_LOGINS {
                    db::users::lock_until(c, user.id, now + Duration::minutes(LOCKOUT_MINUTES))?;
                }
                Ok(audit::append(
                    c,
                    &Actor::anonymous(),
                    Change::new("login_failed", "user", user.id).court(user.court_id),
                )?)
            })?;
            return Ok(None);
        }
        db::write_tx(conn, |c| {
            db::users::record_success(c, user.id)?;
            Ok(audit::append(
                c,
                &Actor { id: Some(user.id), role: user.role.clone() },
                Change::new("login", "user", user.id).court(user.court_id),
            )?)
        })?;
        Ok(Some(user))
    })
    .await?;
    let user = outcome.ok_or_else(|| AppError::Unauthenticated(BAD_LOGIN.into()))?;
    let (token, expires_at) = token::issue(&secret, user.id, &user.role, user.court_id, user.token_version, ttl)
        .map_err(AppError::internal)?;
    // A token is never compressed: compressing a secret beside text an
    // attacker chooses leaks it byte by byte (BREACH).
    Ok(HttpResponse::Ok().insert_header(actix_web::http::header::ContentEncoding::Identity).json(LoginOutput {
        token,
        role: user.role,
        court_id: user.court_id,
        user_id: user.id,
        display_name: user.display_name,
        expires_at,
    }))
}

/// Revokes every token of this account at once.
async fn logout(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, AppError> {
    db::run(&state.pool, move |conn| {
        db::write_tx(conn, |c| {
            db::users::bump_token_version(c, user.id)?;
            Ok(audit::append(c, &user.actor(), Change::new("logout", "user", user.id).court(user.court_id))?)
        })
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn me(user: AuthUser) -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({
        "id": user.id,
        "username": user.username,
        "role": user.role,
        "court_id": user.court_id,
    }))
}
