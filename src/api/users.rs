//! Staff accounts, managed by administrators.

use actix_web::{web, HttpResponse};
use chrono::Utc;
use serde::Deserialize;

use super::input::Body;
use super::input::{self, PageQuery, Paged};
use crate::app::free_text::ChildNames;
use crate::auth::extract::Admins;
use crate::auth::{password, Authorized};
use crate::db::{self, audit, audit::Change, users::UserView};
use crate::domain::roles::StaffRole;
use crate::error::AppError;
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/users", web::post().to(create_user))
        .route("/users", web::get().to(list_users))
        .route("/users/{id}", web::get().to(get_user))
        .route("/users/{id}", web::patch().to(update_user));
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct UserInput {
    username: String,
    display_name: Option<String>,
    password: String,
    #[schema(value_type = String)]
    role: StaffRole,
    court_id: Option<i64>,
    /// A monitor's: the province, or one district of it, whose courts it reads.
    scope: Option<ScopeInput>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ScopeInput {
    province: String,
    district: Option<String>,
}

pub fn username(value: &str) -> Result<String, AppError> {
    let name = input::name("username", value, 64)?;
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')) {
        return Err(AppError::invalid("username", "a username may use letters, digits, `.`, `_` and `-`"));
    }
    Ok(name)
}

/// Builds a new account after the checks every path (API and CLI) shares.
pub fn new_user(
    username_text: &str,
    display: Option<&str>,
    password_text: &str,
    role: StaffRole,
    court_id: Option<i64>,
) -> Result<db::users::NewUser, AppError> {
    let username = username(username_text)?;
    let display_name = match display {
        Some(d) => input::name("display_name", d, 120)?,
        None => username.clone(),
    };
    password::check_strength(password_text).map_err(|e| AppError::invalid("password", e))?;
    match (role, court_id) {
        (StaffRole::Monitor, Some(_)) => {
            return Err(AppError::invalid(
                "court_id",
                "a monitor belongs to no court: it reads the courts of its `scope` (a province or a district)",
            ))
        }
        (StaffRole::Admin | StaffRole::Monitor, _) => {}
        (_, None) => {
            return Err(AppError::invalid("court_id", "clerks, judges and support officers belong to a court"))
        }
        _ => {}
    }
    let password_hash = password::hash(password_text).map_err(AppError::internal)?;
    Ok(db::users::NewUser {
        username,
        display_name,
        password_hash,
        role: role.as_str().to_string(),
        court_id,
        active: true,
        token_version: 0,
        failed_logins: 0,
        created_at: Utc::now().naive_utc(),
    })
}

async fn create_user(
    state: web::Data<AppState>,
    admin: Authorized<Admins>,
    body: Body<UserInput>,
) -> Result<HttpResponse, AppError> {
    let b = body.into_inner();
    let court_id = match (admin.court_scope(), b.court_id) {
        (None, court) => court,
        (Some(own), None) => Some(own),
        (Some(own), Some(court)) => {
            admin.ensure_court(court)?;
            Some(own)
        }
    };
    let scope = match (b.role, &b.scope) {
        (StaffRole::Monitor, Some(s)) => Some((
            input::name("scope.province", &s.province, 100)?,
            s.district.as_deref().map(|d| input::name("scope.district", d, 100)).transpose()?,
        )),
        (StaffRole::Monitor, None) => {
            return Err(AppError::invalid(
                "scope",
                "a monitor reads a `scope`: `{\"province\"}` or `{\"province\", \"district\"}`",
            ))
        }
        (_, Some(_)) => return Err(AppError::invalid("scope", "only a monitor has a scope")),
        (_, None) => None,
    };
    let actor = admin.actor();
    let view = db::run(&state.pool, move |conn| {
        let new = new_user(&b.username, b.display_name.as_deref(), &b.password, b.role, court_id)?;
        db::write_tx(conn, |c| {
            if let Some(court) = new.court_id {
                db::courts::find(c, court)?;
            }
            let names = match new.court_id {
                Some(court) => ChildNames::of_court(c, court)?,
                None => ChildNames::everywhere(c)?,
            };
            names.name("username", &new.username)?;
            names.name("display_name", &new.display_name)?;
            let user = db::users::create(c, &new)?;
            let view = UserView::from(&user);
            let mut change = Change::new("create", "user", user.id).court(user.court_id).after(&view);
            if let Some((province, district)) = scope {
                let s = db::monitors::add_scope(
                    c,
                    &db::monitors::NewMonitorScope { user_id: user.id, province, district, created_at: new.created_at },
                )?;
                change = change.reason(Some(match &s.district {
                    Some(d) => format!("monitors the courts of {d} district, {}", s.province),
                    None => format!("monitors the courts of {}", s.province),
                }));
            }
            audit::append(c, &actor, change)?;
            Ok(view)
        })
    })
    .await?;
    Ok(HttpResponse::Created().json(view))
}

async fn list_users(
    state: web::Data<AppState>,
    admin: Authorized<Admins>,
    q: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    let page = q.parse()?;
    let scope = admin.court_scope();
    let (rows, total) = db::query(&state.pool, move |c| db::users::list(c, scope, page.offset(), page.limit())).await?;
    let items: Vec<UserView> = rows.iter().map(UserView::from).collect();
    Ok(HttpResponse::Ok().json(Paged::new(items, page, total)))
}

async fn get_user(
    state: web::Data<AppState>,
    admin: Authorized<Admins>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let user = db::query(&state.pool, move |c| db::users::find(c, id))
        .await?
        .ok_or_else(|| AppError::not_found(format!("user {id}")))?;
    if !admin.is_system_admin() && user.court_id != admin.court_id {
        return Err(AppError::not_found(format!("user {id}")));
    }
    Ok(HttpResponse::Ok().json(UserView::from(&user)))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct UserPatch {
    active: Option<bool>,
    password: Option<String>,
}

/// Disabling an account or changing its password revokes its tokens.
async fn update_user(
    state: web::Data<AppState>,
    admin: Authorized<Admins>,
    id: web::Path<i64>,
    body: Body<UserPatch>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let patch = body.into_inner();
    let new_hash = match &patch.password {
        Some(p) => {
            password::check_strength(p).map_err(|e| AppError::invalid("password", e))?;
            Some(password::hash(p).map_err(AppError::internal)?)
        }
        None => None,
    };
    let actor = admin.actor();
    let scope = admin.court_scope();
    let system = admin.is_system_admin();
    let view = db::run(&state.pool, move |conn| {
        db::write_tx(conn, |c| {
            let before = db::users::find(c, id)?.ok_or_else(|| AppError::not_found(format!("user {id}")))?;
            if !system && before.court_id != scope {
                return Err(AppError::not_found(format!("user {id}")));
            }
            let mut after = before.clone();
            if let Some(active) = patch.active {
                after = db::users::set_active(c, id, active)?;
            }
            if let Some(hash) = &new_hash {
                db::users::set_password(c, id, hash)?;
            }
            let mut change = Change::new("update", "user", id)
                .court(before.court_id)
                .before(&UserView::from(&before))
                .after(&UserView::from(&after));
            if new_hash.is_some() {
                change.reason = Some("password changed".into());
            }
            audit::append(c, &actor, change)?;
            Ok(UserView::from(&after))
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(view))
}
