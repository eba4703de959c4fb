//! Cases and their parties. Clerks write; the court's staff read; a child's
//! identity goes only to the roles that work with the child.

use actix_web::{web, HttpResponse};
use chrono::{NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::input::Body;
use super::input::{self, PageQuery, Paged};
use super::views::{self, CaseView, HearingView, PartyView};
use crate::app::free_text::ChildNames;
use crate::auth::extract::{Clerks, Staff};
use crate::auth::{AuthUser, Authorized};
use crate::db::{self, audit, audit::Change, cases::Case};
use crate::domain::calendar::local_date;
use crate::domain::outcome::{self, ChildTally};
use crate::domain::privacy;
use crate::domain::roles::{PartyRole, Side};
use crate::error::AppError;
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/cases", web::post().to(create_case))
        .route("/cases", web::get().to(list_cases))
        .route("/cases/{id}", web::get().to(get_case))
        .route("/cases/{id}", web::patch().to(update_case))
        .route("/cases/{id}/parties", web::post().to(add_party))
        .route("/cases/{id}/parties", web::get().to(list_parties));
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CaseInput {
    number: String,
    offence: String,
    cognizance_date: NaiveDate,
    #[serde(default)]
    accused_in_custody: bool,
    court_id: Option<i64>,
}

/// Loads a case and checks the user may see it; another court's case is
/// reported as absent.
pub fn visible_case(conn: &mut db::DbConn, user: &AuthUser, id: i64) -> Result<(Case, db::courts::Court), AppError> {
    let case = db::cases::find(conn, id)?;
    user.ensure_visible(case.court_id, &format!("case {id}"))?;
    let court = db::courts::find(conn, case.court_id)?;
    Ok((case, court))
}

fn check_cognizance(date: NaiveDate, today: NaiveDate) -> Result<(), AppError> {
    if date > today {
        return Err(AppError::invalid("cognizance_date", "cognizance cannot be taken in the future"));
    }
    if date < NaiveDate::from_ymd_opt(1950, 1, 1).unwrap_or_default() {
        return Err(AppError::invalid("cognizance_date", "cognizance_date is implausibly old"));
    }
    Ok(())
}

async fn create_case(
    state: web::Data<AppState>,
    clerk: Authorized<Clerks>,
    body: Body<CaseInput>,
) -> Result<HttpResponse, AppError> {
    let b = body.into_inner();
    let court_id =
        clerk.court_id.ok_or_else(|| AppError::forbidden("a clerk without a court cannot register cases"))?;
    if let Some(other) = b.court_id {
        clerk.ensure_court(other)?;
    }
    let number = input::name("number", &b.number, 64)?;
    let offence = input::text("offence", &b.offence, 300)?;
    let actor = clerk.actor();
    let view = db::run(&state.pool, move |conn| {
        let court = db::courts::find(conn, court_id)?;
        let now = Utc::now();
        let today = local_date(&court.time_zone, now);
        check_cognizance(b.cognizance_date, today)?;
        let new = db::cases::NewCase {
            court_id,
            number,
            offence,
            cognizance_date: b.cognizance_date,
            accused_in_custody: b.accused_in_custody,
            status: "open".into(),
            created_at: now.naive_utc(),
        };
        db::write_tx(conn, |c| {
            let names = ChildNames::of_court(c, court_id)?;
            names.name("number", &new.number)?;
            names.prose("offence", &new.offence)?;
            let case = db::cases::create(c, &new)?;
            crate::app::kept_figures::refresh(c, court_id)?;
            audit::append(c, &actor, Change::new("create", "case", case.id).court(Some(court_id)).after(&case))?;
            Ok(views::case(&case, &[], today))
        })
    })
    .await?;
    Ok(HttpResponse::Created().json(view))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct CaseListQuery {
    page: Option<i64>,
    per_page: Option<i64>,
    court_id: Option<i64>,
}

async fn list_cases(
    state: web::Data<AppState>,
    user: Authorized<Staff>,
    q: web::Query<CaseListQuery>,
) -> Result<HttpResponse, AppError> {
    let page = PageQuery { page: q.page, per_page: q.per_page }.parse()?;
    let court_id = match (user.court_scope(), q.court_id) {
        (Some(own), None) => own,
        (_, Some(court)) => {
            user.ensure_court(court)?;
            court
        }
        (None, None) => return Err(AppError::invalid("court_id", "a system administrator must name the court")),
    };
    let paged = db::run(&state.pool, move |c| {
        let court = db::courts::find(c, court_id)?;
        let today = local_date(&court.time_zone, Utc::now());
        let (rows, total) = db::cases::list(c, court_id, page.offset(), page.limit())?;
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let parties = db::parties::of_cases(c, &ids)?;
        let items: Vec<CaseView> = rows.iter().map(|r| views::case(r, &parties, today)).collect();
        Ok(Paged::new(items, page, total))
    })
    .await?;
    Ok(HttpResponse::Ok().json(paged))
}

#[derive(Serialize)]
struct CaseDetail {
    #[serde(flatten)]
    case: CaseView,
    parties: Vec<PartyView>,
    hearings: Vec<HearingView>,
    /// Each child's appearances: "Child A: brought 3 times, testified once".
    appearances: Vec<String>,
}

async fn get_case(
    state: web::Data<AppState>,
    user: Authorized<Staff>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let viewer = user.user.clone();
    let detail = db::run(&state.pool, move |c| {
        let (case, court) = visible_case(c, &viewer, id)?;
        let today = local_date(&court.time_zone, Utc::now());
        let parties = db::parties::of_case(c, id)?;
        let hearings = db::hearings::of_case(c, id)?;
        let counted = db::course::child_facts_of(c, &[id])?;
        let appearances = parties
            .iter()
            .filter(|p| p.is_child())
            .map(|p| {
                let tally = counted
                    .iter()
                    .find(|f| f.party_id == p.id)
                    .map(|f| ChildTally {
                        brought: u32::try_from(f.brought).unwrap_or(0),
                        testified: u32::try_from(f.testified).unwrap_or(0),
                        evidence_complete_on: f.evidence_complete_on,
                    })
                    .unwrap_or_default();
                outcome::appearance_line(p.pseudonym.as_deref().unwrap_or("Child"), &tally)
            })
            .collect();
        Ok(CaseDetail {
            case: views::case(&case, &parties, today),
            parties: parties.iter().map(|p| views::party(p, Some(viewer.role), today)).collect(),
            hearings: hearings.iter().map(views::hearing).collect(),
            appearances,
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(detail))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CasePatch {
    offence: Option<String>,
    cognizance_date: Option<NaiveDate>,
    accused_in_custody: Option<bool>,
    status: Option<String>,
}

async fn update_case(
    state: web::Data<AppState>,
    clerk: Authorized<Clerks>,
    id: web::Path<i64>,
    body: Body<CasePatch>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let b = body.into_inner();
    let offence = b.offence.as_deref().map(|o| input::text("offence", o, 300)).transpose()?;
    if b.status.is_some() {
        return Err(AppError::invalid(
            "status",
            "a case moves through its course by `POST /api/cases/{id}/course` (evidence, arguments, judgment reserved, decided, disposed), each step dated",
        ));
    }
    let viewer = clerk.user.clone();
    let view = db::run(&state.pool, move |conn| {
        db::write_tx(conn, |c| {
            let (before, court) = visible_case(c, &viewer, id)?;
            let today = local_date(&court.time_zone, Utc::now());
            if let Some(d) = b.cognizance_date {
                check_cognizance(d, today)?;
            }
            ChildNames::of_case(c, id, court.id)?.prose_opt("offence", offence.as_deref())?;
            let changes = db::cases::CaseChanges {
                offence,
                cognizance_date: b.cognizance_date,
                accused_in_custody: b.accused_in_custody,
                status: None,
            };
            let after = db::cases::update(c, id, &changes)?;
            crate::app::kept_figures::refresh(c, after.court_id)?;
            audit::append(
                c,
                &viewer.actor(),
                Change::new("update", "case", id).court(Some(after.court_id)).before(&before).after(&after),
            )?;
            let parties = db::parties::of_case(c, id)?;
            Ok(views::case(&after, &parties, today))
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(view))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PartyInput {
    #[schema(value_type = String)]
    role: PartyRole,
    #[schema(value_type = Option<String>)]
    side: Option<Side>,
    name: String,
    date_of_birth: Option<NaiveDate>,
    /// A party of another case who is the same person (one child in many
    /// FIRs): the person then has one track across cases and courts.
    same_person_as: Option<i64>,
    /// For a child witness: the guardian party who brings the child, of
    /// this case or a case linked to it. Children of one guardian are
    /// siblings, heard on one day one after another.
    guardian_party_id: Option<i64>,
}

/// The checks a party must pass, given the court's today.
fn check_party(p: &PartyInput, today: NaiveDate) -> Result<(), AppError> {
    match (p.role.is_child(), p.date_of_birth) {
        (true, None) => return Err(AppError::invalid("date_of_birth", "a child witness needs a date of birth")),
        (false, Some(_)) => {
            return Err(AppError::invalid("date_of_birth", "a date of birth is recorded only for a child witness"))
        }
        (true, Some(dob)) => {
            if dob > today {
                return Err(AppError::invalid("date_of_birth", "the date of birth is in the future"));
            }
            if privacy::age_in_years(dob, today) >= 25 {
                return Err(AppError::invalid(
                    "date_of_birth",
                    "a child witness born this long ago is not a child; record them as a witness",
                ));
            }
        }
        (false, None) => {}
    }
    if p.role.is_child() && p.side.is_some_and(|s| s != Side::Child) {
        return Err(AppError::invalid("side", "a child witness is always on the child side"));
    }
    if p.role == PartyRole::Accused && p.side.is_some_and(|s| s != Side::Accused) {
        return Err(AppError::invalid("side", "the accused is always on the accused side"));
    }
    Ok(())
}

/// The guardian named for a new child witness: a party whose role is
/// guardian, in the child's case or a case linked to it.
fn check_guardian(c: &mut db::DbConn, case_id: i64, p: &PartyInput, guardian: i64) -> Result<(), AppError> {
    if !p.role.is_child() {
        return Err(AppError::invalid("guardian_party_id", "a guardian is named only for a child witness"));
    }
    let absent = || {
        AppError::invalid(
            "guardian_party_id",
            format!("there is no guardian party {guardian} in this case or a case linked to it"),
        )
    };
    let found = db::parties::find(c, guardian).map_err(|_| absent())?;
    if !db::linked::group_of(c, case_id)?.contains(&found.case_id) {
        return Err(absent());
    }
    if found.role != PartyRole::Guardian.as_str() {
        return Err(AppError::invalid(
            "guardian_party_id",
            format!("party {guardian} is registered as {}, not as a guardian", found.role.replace('_', " ")),
        ));
    }
    Ok(())
}

/// The person a new party is, when the clerk says it is the same person as
/// party `other` of another case. A party of the clerk's own court is linked
/// on the clerk's word; one of another court only when the name (and a
/// child's date of birth) match exactly, so that an id alone reveals
/// nothing of another court: any mismatch reads as "no such party".
fn same_person(
    c: &mut db::DbConn,
    viewer: &AuthUser,
    case_id: i64,
    court_id: i64,
    p: &PartyInput,
    name: &str,
    other: i64,
) -> Result<i64, AppError> {
    let absent = || AppError::invalid("same_person_as", format!("there is no such party {other} to link"));
    let found = db::parties::find(c, other).map_err(|_| absent())?;
    let other_case = db::cases::find(c, found.case_id)?;
    let own_court = other_case.court_id == court_id && viewer.ensure_visible(court_id, "court").is_ok();
    if !own_court && (found.name != name || found.date_of_birth != p.date_of_birth) {
        return Err(absent());
    }
    if found.case_id == case_id {
        return Err(AppError::invalid("same_person_as", "a person is a party of a case once"));
    }
    if found.is_child() != p.role.is_child() {
        return Err(AppError::invalid("same_person_as", "a child witness is the same person only as a child witness"));
    }
    Ok(found.person())
}

async fn add_party(
    state: web::Data<AppState>,
    clerk: Authorized<Clerks>,
    id: web::Path<i64>,
    body: Body<PartyInput>,
) -> Result<HttpResponse, AppError> {
    let case_id = id.into_inner();
    let b = body.into_inner();
    let name = input::name("name", &b.name, 200)?;
    let viewer = clerk.user.clone();
    let view = db::run(&state.pool, move |conn| {
        db::write_tx(conn, |c| {
            let (case, court) = visible_case(c, &viewer, case_id)?;
            let today = local_date(&court.time_zone, Utc::now());
            check_party(&b, today)?;
            // A child's own record is where the child's name belongs; any
            // other party's name must not be a child's.
            if !b.role.is_child() {
                ChildNames::of_case(c, case_id, court.id)?.name("name", &name)?;
            }
            if let Some(g) = b.guardian_party_id {
                check_guardian(c, case.id, &b, g)?;
            }
            let person_id = match b.same_person_as {
                Some(other) => Some(same_person(c, &viewer, case.id, court.id, &b, &name, other)?),
                None => None,
            };
            let pseudonym = if b.role.is_child() {
                Some(privacy::pseudonym(db::parties::count_children(c, case_id)? as usize))
            } else {
                None
            };
            let party = db::parties::create(
                c,
                &db::parties::NewParty {
                    case_id,
                    role: b.role.as_str().into(),
                    side: b.side.unwrap_or(b.role.default_side()).as_str().into(),
                    name,
                    date_of_birth: b.date_of_birth,
                    pseudonym,
                    created_at: Utc::now().naive_utc(),
                    person_id,
                },
            )?;
            let mut after = views::party_for_audit(&party);
            if let Some(g) = b.guardian_party_id {
                db::witnesses::set_guardian(c, party.id, g)?;
                after["guardian_party_id"] = g.into();
            }
            if party.is_child() {
                crate::app::kept_figures::refresh(c, case.court_id)?;
            }
            let mut change = Change::new("create", "party", party.id).court(Some(case.court_id));
            change.after = Some(after);
            audit::append(c, &viewer.actor(), change)?;
            Ok(views::party(&party, Some(viewer.role), today))
        })
    })
    .await?;
    Ok(HttpResponse::Created().json(view))
}

async fn list_parties(
    state: web::Data<AppState>,
    user: Authorized<Staff>,
    id: web::Path<i64>,
    q: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    let case_id = id.into_inner();
    let page = q.parse()?;
    let viewer = user.user.clone();
    let paged = db::run(&state.pool, move |c| {
        let (_, court) = visible_case(c, &viewer, case_id)?;
        let today = local_date(&court.time_zone, Utc::now());
        let parties = db::parties::of_case(c, case_id)?;
        let total = parties.len() as i64;
        let items: Vec<PartyView> = parties
            .iter()
            .skip(page.offset() as usize)
            .take(page.limit() as usize)
            .map(|p| views::party(p, Some(viewer.role), today))
            .collect();
        Ok(Paged::new(items, page, total))
    })
    .await?;
    Ok(HttpResponse::Ok().json(paged))
}
