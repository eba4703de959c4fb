//! The authenticated-user extractor and per-route role guards.

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;

use actix_web::{web, FromRequest, HttpRequest};

use super::token::{self, StaffClaims, STAFF_AUDIENCE};
use crate::db::{self, audit::Actor};
use crate::domain::roles::StaffRole;
use crate::error::AppError;
use crate::state::AppState;

/// A staff member whose token is valid *now*: signed by us, unexpired, and
/// still matching the account (active, same role, same token version), so
/// logout and disabling take effect at once.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub id: i64,
    pub username: String,
    pub role: StaffRole,
    pub court_id: Option<i64>,
}

impl AuthUser {
    pub fn actor(&self) -> Actor {
        Actor { id: Some(self.id), role: self.role.as_str().to_string() }
    }

    /// A system administrator has no court and may act on all of them.
    pub fn is_system_admin(&self) -> bool {
        self.role == StaffRole::Admin && self.court_id.is_none()
    }

    /// Staff act only in their own court.
    pub fn ensure_court(&self, court_id: i64) -> Result<(), AppError> {
        if self.is_system_admin() || self.court_id == Some(court_id) {
            Ok(())
        } else {
            Err(AppError::forbidden("this belongs to another court"))
        }
    }

    /// For a record found by its own id: another court's record is
    /// reported as absent, so ids do not reveal what other courts hold.
    pub fn ensure_visible(&self, court_id: i64, what: &str) -> Result<(), AppError> {
        if self.is_system_admin() || self.court_id == Some(court_id) {
            Ok(())
        } else {
            Err(AppError::not_found(what.to_string()))
        }
    }

    /// The court a list is limited to; None for a system administrator.
    pub fn court_scope(&self) -> Option<i64> {
        if self.is_system_admin() {
            None
        } else {
            self.court_id
        }
    }
}

fn bearer(req: &HttpRequest) -> Result<String, AppError> {
    let header = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .ok_or_else(|| AppError::Unauthenticated("send `Authorization: Bearer <token>`".into()))?;
    let text = header.to_str().map_err(|_| AppError::Unauthenticated("the Authorization header is not text".into()))?;
    text.strip_prefix("Bearer ")
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .ok_or_else(|| AppError::Unauthenticated("the Authorization header must be `Bearer <token>`".into()))
}

impl FromRequest for AuthUser {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer(req);
        Box::pin(async move {
            let state = state.ok_or_else(|| AppError::internal("app state missing"))?;
            let token = token?;
            let claims: StaffClaims = token::verify(&state.settings.jwt_secret, &token, STAFF_AUDIENCE)
                .map_err(|e| AppError::Unauthenticated(format!("the token is not valid ({e})")))?;
            let user =
                db::query(&state.pool, move |conn| db::users::find(conn, claims.sub).map(|u| (u, claims))).await?;
            let (user, claims) = user;
            let user = user.ok_or_else(|| AppError::Unauthenticated("the account no longer exists".into()))?;
            if !user.active {
                return Err(AppError::Unauthenticated("the account is disabled".into()));
            }
            if user.token_version != claims.ver || user.role != claims.role || user.court_id != claims.court {
                return Err(AppError::Unauthenticated("the token was revoked; please sign in again".into()));
            }
            let role: StaffRole = user.role.parse().map_err(AppError::internal)?;
            tracing::Span::current().record("user_id", user.id);
            Ok(AuthUser { id: user.id, username: user.username, role, court_id: user.court_id })
        })
    }
}

/// A set of roles a route admits.
pub trait RoleSet {
    const ROLES: &'static [StaffRole];
    const WHO: &'static str;
}

/// `Authorized<Clerks>` in a handler's arguments is the route's guard.
#[derive(Debug, Clone)]
pub struct Authorized<R: RoleSet> {
    pub user: AuthUser,
    _roles: PhantomData<R>,
}

impl<R: RoleSet> std::ops::Deref for Authorized<R> {
    type Target = AuthUser;
    fn deref(&self) -> &AuthUser {
        &self.user
    }
}

impl<R: RoleSet + 'static> FromRequest for Authorized<R> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let user = AuthUser::from_request(req, payload);
        Box::pin(async move {
            let user = user.await?;
            if R::ROLES.contains(&user.role) {
                Ok(Authorized { user, _roles: PhantomData })
            } else {
                Err(AppError::forbidden(format!("only {} may do this", R::WHO)))
            }
        })
    }
}

macro_rules! role_set {
    ($name:ident, $who:literal, [$($role:ident),+]) => {
        #[derive(Debug, Clone)]
        pub struct $name;
        impl RoleSet for $name {
            const ROLES: &'static [StaffRole] = &[$(StaffRole::$role),+];
            const WHO: &'static str = $who;
        }
    };
}

role_set!(Admins, "an administrator", [Admin]);
role_set!(Clerks, "a clerk", [Clerk]);
role_set!(Judges, "a judge", [Judge]);
role_set!(SupportOfficers, "a support officer", [SupportOfficer]);
role_set!(Staff, "court staff", [Admin, Clerk, Judge, SupportOfficer]);
role_set!(CaseStaff, "a clerk, judge or support officer", [Clerk, Judge, SupportOfficer]);
role_set!(DocketReaders, "a judge or clerk", [Judge, Clerk]);
role_set!(CourtKeepers, "an administrator or clerk", [Admin, Clerk]);
role_set!(AuditReaders, "an administrator or judge", [Admin, Judge]);
role_set!(EscalationReaders, "a judge or the court administrator", [Judge, Admin]);
role_set!(SessionRunners, "a support officer or judge", [SupportOfficer, Judge]);
role_set!(Monitors, "a monitor", [Monitor]);
role_set!(IncidentRecorders, "a support officer or clerk", [SupportOfficer, Clerk]);
