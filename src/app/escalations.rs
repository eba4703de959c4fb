//! Escalation reports: when a clock that the court's profile escalates is
//! broken (the 2016 Act: a rape trial not concluded in three months goes
//! to the Chief Justice of the High Court), the court generates a report
//! from the case's history, prints it, and records when it was sent and
//! by whom. The report holds dates, hearings, adjournments with the
//! profile's reasons and who caused each delay, and the children's
//! pseudonyms: never a name, birth date, contact or any text typed into
//! the record, so the monitor of the court's district reads it as well.

use chrono::{NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};

use super::course::{clock_facts, profile_of, stage_of};
use crate::api::cases::visible_case;
use crate::api::views;
use crate::auth::AuthUser;
use crate::db::escalations::{EscalationReport, NewEscalationReport};
use crate::db::{self, audit, audit::Change, courts::Court, DbConn};
use crate::domain::calendar::local_date;
use crate::domain::clocks::{self, Escalation};
use crate::domain::escalation::{self, AdjournmentEntry, DelayOfCause, HearingEntry, HearingResult};
use crate::domain::outcome::OutcomeKind;
use crate::domain::rules::RuleProfile;
use crate::error::AppError;

/// The clock the report is about.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(crate) struct ClockPart {
    pub id: String,
    pub title: String,
    pub section: String,
    pub verified: bool,
    pub starts_on: NaiveDate,
    pub deadline: NaiveDate,
    pub days_overdue: i64,
    pub escalate_to: String,
    pub breach_duty: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(crate) struct CasePart {
    pub number: String,
    pub court: String,
    pub province: Option<String>,
    pub district: Option<String>,
    pub rule_profile: String,
    pub cognizance_date: NaiveDate,
    pub accused_in_custody: bool,
    pub stage: String,
    /// The children by pseudonym ("Child A").
    pub children: Vec<String>,
    pub child_evidence_on: Option<NaiveDate>,
    pub trial_started_on: Option<NaiveDate>,
    pub decided_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(crate) struct HearingPart {
    pub hearing_id: i64,
    /// The court-local day it was listed for.
    pub day: Option<NaiveDate>,
    pub kind: String,
    pub mode: String,
    /// `held`, `not_held`, `adjourned`, `cancelled` or `pending`.
    pub result: String,
    /// How much of the child's evidence a held hearing recorded.
    pub child_evidence: Option<String>,
    pub not_held_reason: Option<String>,
    pub not_held_reason_label: Option<String>,
    /// Who caused a hearing not to be held.
    pub caused_by: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(crate) struct AdjournmentPart {
    pub hearing_id: i64,
    pub requested_on: NaiveDate,
    pub requested_by: String,
    pub reason_code: String,
    /// The profile's words for the reason (the request's own text stays
    /// in the court's record).
    pub reason_label: Option<String>,
    pub status: String,
    /// Granted by a judge over the profile's refusal.
    pub overridden: bool,
    pub decided_on: Option<NaiveDate>,
    pub delay_days: Option<i64>,
}

/// The report's facts, as generated and kept.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(crate) struct ReportBody {
    pub generated_on: NaiveDate,
    pub clock: ClockPart,
    pub case: CasePart,
    pub hearings: Vec<HearingPart>,
    pub adjournments: Vec<AdjournmentPart>,
    pub delays_by_cause: Vec<DelayOfCause>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct ReportView {
    pub id: i64,
    pub court_id: i64,
    pub case_id: i64,
    pub clock_id: String,
    pub escalate_to: String,
    pub deadline: NaiveDate,
    pub generated_on: NaiveDate,
    pub generated_by: i64,
    pub generated_at: chrono::DateTime<Utc>,
    pub sent: bool,
    pub sent_by: Option<i64>,
    pub sent_at: Option<chrono::DateTime<Utc>>,
    pub report: ReportBody,
}

fn view(r: &EscalationReport) -> Result<ReportView, AppError> {
    let report: ReportBody =
        serde_json::from_str(&r.body).map_err(|e| AppError::internal(format!("stored escalation report: {e}")))?;
    Ok(ReportView {
        id: r.id,
        court_id: r.court_id,
        case_id: r.case_id,
        clock_id: r.clock_id.clone(),
        escalate_to: r.escalate_to.clone(),
        deadline: r.deadline,
        generated_on: r.generated_on,
        generated_by: r.generated_by,
        generated_at: views::utc(r.generated_at),
        sent: r.sent_at.is_some(),
        sent_by: r.sent_by,
        sent_at: r.sent_at.map(views::utc),
        report,
    })
}

fn local_day(court: &Court, t: NaiveDateTime) -> NaiveDate {
    local_date(&court.time_zone, t.and_utc())
}

/// The report of one escalation, from the case's history as it stands.
fn build(
    c: &mut DbConn,
    case: &db::cases::Case,
    court: &Court,
    profile: &RuleProfile,
    due: &Escalation,
    starts_on: NaiveDate,
    title: &str,
    verified: bool,
    today: NaiveDate,
) -> Result<ReportBody, AppError> {
    let parties = db::parties::of_case(c, case.id)?;
    let children: Vec<String> = parties
        .iter()
        .filter(|p| p.is_child())
        .map(|p| p.pseudonym.clone().unwrap_or_else(|| "Child".into()))
        .collect();
    let facts = db::course::facts_of(c, case.id)?;
    let outcomes = db::outcomes::of_case(c, case.id)?;
    let mut hearings = Vec::new();
    let mut entries = Vec::new();
    for h in db::hearings::of_case(c, case.id)? {
        let outcome = outcomes.iter().find(|o| o.hearing_id == h.id);
        let (result, entry) = match (outcome, h.status.as_str()) {
            (Some(o), _) if o.kind == OutcomeKind::Held.as_str() => ("held", HearingResult::Held),
            (Some(o), _) => ("not_held", HearingResult::NotHeld { caused_by: o.caused_by.clone() }),
            (None, "adjourned") => ("adjourned", HearingResult::Adjourned),
            (None, "cancelled") => ("cancelled", HearingResult::Cancelled),
            (None, _) => ("pending", HearingResult::Pending),
        };
        let day = outcome.map(|o| o.local_day).or_else(|| h.starts_at.map(|t| local_day(court, t)));
        entries.push(HearingEntry { day, result: entry });
        let not_held = outcome.filter(|o| o.kind != OutcomeKind::Held.as_str());
        let reason = not_held.and_then(|o| o.reason_code.clone());
        hearings.push(HearingPart {
            hearing_id: h.id,
            day,
            kind: h.kind.clone(),
            mode: h.mode.clone(),
            result: result.into(),
            child_evidence: outcome.filter(|o| o.kind == OutcomeKind::Held.as_str()).map(|o| o.child_evidence.clone()),
            not_held_reason_label: reason.as_deref().and_then(|r| profile.not_held_reason(r)).map(|r| r.label.clone()),
            not_held_reason: reason,
            caused_by: not_held.and_then(|o| o.caused_by.clone()),
        });
    }
    let mut adjournments = Vec::new();
    let mut adj_entries = Vec::new();
    for a in db::adjournments::of_case(c, case.id)? {
        let delay_days = a.delay_days.map(i64::from);
        adj_entries.push(AdjournmentEntry {
            requested_by: a.requested_by.clone(),
            granted: a.status == "granted",
            delay_days,
        });
        adjournments.push(AdjournmentPart {
            hearing_id: a.hearing_id,
            requested_on: local_day(court, a.created_at),
            requested_by: a.requested_by.clone(),
            reason_label: profile.reason(&a.reason_code).map(|r| r.label.clone()),
            reason_code: a.reason_code.clone(),
            status: a.status.clone(),
            overridden: a.overridden,
            decided_on: a.decided_at.map(|t| local_day(court, t)),
            delay_days,
        });
    }
    Ok(ReportBody {
        generated_on: today,
        clock: ClockPart {
            id: due.clock_id.clone(),
            title: title.to_string(),
            section: due.section.clone(),
            verified,
            starts_on,
            deadline: due.deadline,
            days_overdue: due.days_overdue,
            escalate_to: due.escalate_to.clone(),
            breach_duty: profile.clock(&due.clock_id).map(|r| r.breach_duty.clone()).unwrap_or_default(),
        },
        case: CasePart {
            number: case.number.clone(),
            court: court.name.clone(),
            province: court.province.clone(),
            district: court.district.clone(),
            rule_profile: court.rule_profile.clone(),
            cognizance_date: case.cognizance_date,
            accused_in_custody: case.accused_in_custody,
            stage: stage_of(case).as_str().to_string(),
            children,
            child_evidence_on: facts.as_ref().and_then(|f| f.child_evidence_on),
            trial_started_on: facts.as_ref().and_then(|f| f.trial_started_on),
            decided_on: facts.as_ref().and_then(|f| f.decided_on),
        },
        delays_by_cause: escalation::delays_by_cause(&entries, &adj_entries),
        hearings,
        adjournments,
    })
}

/// Generates the report of a broken clock the profile escalates, or
/// returns the one already made for it (false: nothing was written).
pub(crate) fn generate(
    c: &mut DbConn,
    user: &AuthUser,
    case_id: i64,
    clock_id: &str,
) -> Result<(ReportView, bool), AppError> {
    let (case, court) = visible_case(c, user, case_id)?;
    user.ensure_court(court.id)?;
    if let Some(existing) = db::escalations::of_case_clock(c, case.id, clock_id)? {
        return Ok((view(&existing)?, false));
    }
    let profile = profile_of(&court)?;
    let today = local_date(&court.time_zone, Utc::now());
    let child_victim = db::parties::count_children(c, case.id)? > 0;
    let facts = db::course::facts_of(c, case.id)?;
    let statuses = clocks::case_clocks(profile, &clock_facts(&case, child_victim, facts.as_ref()), today);
    let Some(status) = statuses.iter().find(|s| s.id == clock_id) else {
        return Err(AppError::invalid("clock_id", format!("the case runs no clock `{clock_id}`")));
    };
    let Some(due) = clocks::escalations(std::slice::from_ref(status)).into_iter().next() else {
        return Err(AppError::invalid(
            "clock_id",
            format!("{} is {}; only a broken clock the profile escalates is reported", status.id, status.sentence()),
        ));
    };
    let body = build(c, &case, &court, profile, &due, status.starts_on, &status.title, status.verified, today)?;
    let now = Utc::now().naive_utc();
    let row = db::escalations::create(
        c,
        &NewEscalationReport {
            court_id: court.id,
            case_id: case.id,
            clock_id: due.clock_id.clone(),
            escalate_to: due.escalate_to.clone(),
            deadline: due.deadline,
            generated_on: today,
            body: serde_json::to_string(&body)?,
            generated_by: user.id,
            generated_at: now,
        },
    )?;
    audit::append(
        c,
        &user.actor(),
        Change::new("generate", "escalation_report", row.id)
            .court(Some(court.id))
            .after(&serde_json::json!({"case_id": case.id, "clock_id": row.clock_id, "deadline": row.deadline})),
    )?;
    Ok((view(&row)?, true))
}

/// A report as its court reads it.
pub(crate) fn of_court_staff(c: &mut DbConn, user: &AuthUser, id: i64) -> Result<ReportView, AppError> {
    let row = db::escalations::find(c, id)?;
    user.ensure_visible(row.court_id, &format!("escalation report {id}"))?;
    view(&row)
}

/// The court's reports, newest first.
pub(crate) fn list_of_court(c: &mut DbConn, user: &AuthUser, court_id: i64) -> Result<Vec<ReportView>, AppError> {
    user.ensure_court(court_id)?;
    db::escalations::of_courts(c, &[court_id])?.iter().map(view).collect()
}

/// Records that the report was sent, by whom and when; once.
pub(crate) fn mark_sent(c: &mut DbConn, user: &AuthUser, id: i64) -> Result<ReportView, AppError> {
    let row = db::escalations::find(c, id)?;
    user.ensure_visible(row.court_id, &format!("escalation report {id}"))?;
    user.ensure_court(row.court_id)?;
    let now = Utc::now().naive_utc();
    if !db::escalations::mark_sent(c, id, user.id, now)? {
        return Err(AppError::conflict(format!("escalation report {id} was already recorded as sent")));
    }
    audit::append(
        c,
        &user.actor(),
        Change::new("send", "escalation_report", id)
            .court(Some(row.court_id))
            .after(&serde_json::json!({"to": row.escalate_to, "sent_at": views::utc(now)})),
    )?;
    view(&db::escalations::find(c, id)?)
}

/// The reports of the monitor's courts (or one of them), newest first.
pub(crate) fn of_monitor(
    c: &mut DbConn,
    user: &AuthUser,
    sel: &super::oversight::Selection,
) -> Result<Vec<ReportView>, AppError> {
    let courts = sel.pick(super::oversight::courts_of(c, user)?)?;
    let ids: Vec<i64> = courts.iter().map(|c| c.id).collect();
    db::escalations::of_courts(c, &ids)?.iter().map(view).collect()
}

/// One report of a court the monitor reads; another is not there.
pub(crate) fn one_of_monitor(c: &mut DbConn, user: &AuthUser, id: i64) -> Result<ReportView, AppError> {
    let row = db::escalations::find(c, id)?;
    let readable = super::oversight::courts_of(c, user)?;
    if !readable.iter().any(|court| court.id == row.court_id) {
        return Err(AppError::not_found(format!("escalation report {id}")));
    }
    view(&row)
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

fn day(d: Option<NaiveDate>) -> String {
    d.map_or_else(|| "—".to_string(), |d| d.to_string())
}

/// The report as a page to print: no script, nothing loaded from
/// elsewhere (its style is `/css/print.css`), A4-friendly.
pub(crate) fn html(v: &ReportView) -> String {
    let r = &v.report;
    let k = &r.clock;
    let cs = &r.case;
    let mut out = String::new();
    out.push_str("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">");
    out.push_str(&format!("<title>Escalation report: case {}</title>", esc(&cs.number)));
    out.push_str(
        // The style is a served file: the CSP allows no inline style.
        "<link rel=\"stylesheet\" href=\"/css/print.css\"></head><body class=\"report\">",
    );
    out.push_str(&format!("<p>To: {}</p>", esc(&k.escalate_to)));
    out.push_str(&format!("<h1>Escalation report: case {} ({})</h1>", esc(&cs.number), esc(&cs.court)));
    out.push_str(&format!(
        "<p>{} — {}. The deadline was {}; {} days have passed since. {}</p>",
        esc(&k.section),
        esc(&k.title),
        k.deadline,
        k.days_overdue,
        esc(&k.breach_duty)
    ));
    if !k.verified {
        out.push_str(
            "<p><em>The provision's text was not verified for this profile; check it before relying on it.</em></p>",
        );
    }
    out.push_str("<h2>The case</h2><table>");
    let place = [cs.district.as_deref(), cs.province.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(", ");
    for (label, value) in [
        ("Court", format!("{}{}", cs.court, if place.is_empty() { String::new() } else { format!(" ({place})") })),
        ("Cognizance", cs.cognizance_date.to_string()),
        ("Accused in custody", if cs.accused_in_custody { "yes" } else { "no" }.to_string()),
        ("Stage", cs.stage.clone()),
        ("Children", cs.children.join(", ")),
        ("Child's evidence complete", day(cs.child_evidence_on)),
        ("Trial started", day(cs.trial_started_on)),
        ("Decided", day(cs.decided_on)),
        ("Report generated", r.generated_on.to_string()),
    ] {
        out.push_str(&format!("<tr><th scope=\"row\">{label}</th><td>{}</td></tr>", esc(&value)));
    }
    out.push_str("</table><h2>Hearings</h2><table><tr><th>Day</th><th>Kind</th><th>Mode</th><th>Result</th><th>Reason</th><th>Caused by</th></tr>");
    for h in &r.hearings {
        let reason = h.not_held_reason_label.clone().or_else(|| h.not_held_reason.clone()).unwrap_or_default();
        let result = match &h.child_evidence {
            Some(e) => format!("{} (child's evidence: {e})", h.result),
            None => h.result.clone(),
        };
        out.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            day(h.day),
            esc(&h.kind),
            esc(&h.mode),
            esc(&result),
            esc(&reason),
            esc(h.caused_by.as_deref().unwrap_or(""))
        ));
    }
    out.push_str("</table><h2>Adjournments</h2><table><tr><th>Asked on</th><th>By</th><th>Reason</th><th>Decision</th><th>Decided on</th><th>Days lost</th></tr>");
    for a in &r.adjournments {
        let status = if a.overridden { format!("{} (judge's override)", a.status) } else { a.status.clone() };
        out.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            a.requested_on,
            esc(&a.requested_by),
            esc(a.reason_label.as_deref().unwrap_or(&a.reason_code)),
            esc(&status),
            day(a.decided_on),
            a.delay_days.map(|d| d.to_string()).unwrap_or_default()
        ));
    }
    out.push_str("</table><h2>Who caused the delay</h2><table><tr><th>Cause</th><th>Hearings not held</th><th>Adjournments granted</th><th>Days adjourned</th></tr>");
    for d in &r.delays_by_cause {
        out.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&d.cause),
            d.hearings_not_held,
            d.adjournments_granted,
            d.days_adjourned
        ));
    }
    out.push_str("</table>");
    match v.sent_at {
        Some(at) => out.push_str(&format!("<p>Sent on {} UTC.</p>", at.format("%Y-%m-%d %H:%M"))),
        None => out.push_str("<p>Not yet recorded as sent.</p>"),
    }
    out.push_str("</body></html>");
    out
}
