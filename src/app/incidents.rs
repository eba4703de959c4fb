//! Recording a breach of the special measures: checked by the domain,
//! written and audited in one transaction. The details are the court's;
//! the monitor counts incidents, never reads them.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Serialize;

use super::free_text::ChildNames;
use crate::api::cases::visible_case;
use crate::api::views;
use crate::auth::AuthUser;
use crate::db::incidents::{Incident, NewIncident};
use crate::db::{self, audit, audit::Change, DbConn};
use crate::domain::incident::{self, IncidentKind, IncidentPlace, IncidentWho};
use crate::error::AppError;

#[derive(Debug, Clone)]
pub(crate) struct IncidentOrder {
    pub case_id: i64,
    pub hearing_id: Option<i64>,
    pub kind: IncidentKind,
    pub place: IncidentPlace,
    pub who: IncidentWho,
    pub occurred_at: NaiveDateTime,
    pub details: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct IncidentView {
    pub id: i64,
    pub case_id: i64,
    pub hearing_id: Option<i64>,
    pub kind: String,
    pub place: String,
    pub who: String,
    pub occurred_at: DateTime<Utc>,
    pub details: Option<String>,
    pub recorded_by: i64,
    pub recorded_at: DateTime<Utc>,
}

pub(crate) fn view(i: &Incident) -> IncidentView {
    IncidentView {
        id: i.id,
        case_id: i.case_id,
        hearing_id: i.hearing_id,
        kind: i.kind.clone(),
        place: i.place.clone(),
        who: i.who.clone(),
        occurred_at: views::utc(i.occurred_at),
        details: i.details.clone(),
        recorded_by: i.recorded_by,
        recorded_at: views::utc(i.recorded_at),
    }
}

pub(crate) fn record(c: &mut DbConn, user: &AuthUser, order: &IncidentOrder) -> Result<IncidentView, AppError> {
    let (case, court) = visible_case(c, user, order.case_id)?;
    if let Some(h) = order.hearing_id {
        let hearing = db::hearings::find(c, h).map_err(|_| AppError::invalid("hearing_id", "no such hearing"))?;
        if hearing.case_id != case.id {
            return Err(AppError::invalid("hearing_id", format!("hearing {h} is not a hearing of this case")));
        }
    }
    ChildNames::of_case(c, case.id, court.id)?.prose_opt("details", order.details.as_deref())?;
    let now = Utc::now().naive_utc();
    incident::check(order.kind, order.who, order.occurred_at, order.details.as_deref(), now)
        .map_err(|(field, why)| AppError::invalid(field, why))?;
    let row = db::incidents::create(
        c,
        &NewIncident {
            court_id: court.id,
            case_id: case.id,
            hearing_id: order.hearing_id,
            kind: order.kind.as_str().into(),
            place: order.place.as_str().into(),
            who: order.who.as_str().into(),
            occurred_at: order.occurred_at,
            details: order.details.clone(),
            recorded_by: user.id,
            recorded_at: now,
        },
    )?;
    super::kept_figures::refresh(c, row.court_id)?;
    let shown = view(&row);
    audit::append(c, &user.actor(), Change::new("record", "incident", row.id).court(Some(court.id)).after(&shown))?;
    Ok(shown)
}

pub(crate) fn of_case(c: &mut DbConn, user: &AuthUser, case_id: i64) -> Result<Vec<IncidentView>, AppError> {
    let (case, _) = visible_case(c, user, case_id)?;
    Ok(db::incidents::of_case(c, case.id)?.iter().map(view).collect())
}
