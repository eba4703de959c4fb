//! Families' feedback: a link for one party of one hearing (in the
//! family's notice, or made by the support officer who fills it in with
//! them), opened without an account, answered once. The answers go to the
//! monitor of the court's district; the court reads only counts of five
//! or more.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::free_text::ChildNames;
use crate::api::views;
use crate::auth::AuthUser;
use crate::db::feedback::{FeedbackResponse, NewFeedbackLink, NewFeedbackResponse};
use crate::db::{self, audit, audit::Actor, audit::Change, courts::Court, DbConn};
use crate::domain::calendar::local_date;
use crate::domain::feedback::{self, Aggregate, Answer, Respected, SawAccusedSide, Waited};
use crate::domain::notices::Language;
use crate::domain::roles::Side;
use crate::error::AppError;

/// Where the page lives; the token follows in the fragment, which a
/// browser never sends to a server, so it reaches no access log.
pub(crate) const PAGE: &str = "/feedback.html#t=";

fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A new link for a party of a hearing: its token, of which only the hash
/// is stored. Made in the caller's transaction.
pub(crate) fn make_link(
    c: &mut DbConn,
    court_id: i64,
    case_id: i64,
    hearing_id: i64,
    party_id: i64,
    made_by: Option<i64>,
) -> Result<String, AppError> {
    let mut bytes = [0u8; 24];
    rand::Rng::fill(&mut rand::thread_rng(), &mut bytes[..]);
    let token = hex::encode(bytes);
    db::feedback::add_link(
        c,
        &NewFeedbackLink {
            court_id,
            case_id,
            hearing_id,
            party_id,
            token_hash: hash(&token),
            made_by,
            created_at: Utc::now().naive_utc(),
        },
    )?;
    Ok(token)
}

/// The link a support officer makes to fill in with a family of the
/// child's side at a hearing of their court.
pub(crate) fn link_for_officer(
    c: &mut DbConn,
    user: &AuthUser,
    hearing_id: i64,
    party_id: i64,
) -> Result<String, AppError> {
    let hearing = db::hearings::find(c, hearing_id)?;
    let case = db::cases::find(c, hearing.case_id)?;
    user.ensure_visible(case.court_id, &format!("hearing {hearing_id}"))?;
    let party = db::parties::find(c, party_id)
        .ok()
        .filter(|p| p.case_id == case.id)
        .ok_or_else(|| AppError::invalid("party_id", "not a party of this hearing's case"))?;
    if party.side.parse::<Side>().ok() != Some(Side::Child) {
        return Err(AppError::invalid("party_id", "feedback is asked of the child's side only"));
    }
    let token = make_link(c, case.court_id, case.id, hearing.id, party.id, Some(user.id))?;
    audit::append(
        c,
        &user.actor(),
        Change::new("make_feedback_link", "hearing", hearing.id)
            .court(Some(case.court_id))
            .after(&serde_json::json!({"party_id": party.id})),
    )?;
    Ok(token)
}

/// What the page shows before the questions: nothing of the case but the
/// court and the day.
#[derive(Debug, Serialize)]
pub(crate) struct LinkView {
    pub court: String,
    pub hearing_day: Option<NaiveDate>,
    pub language: String,
    pub answered: bool,
}

fn link_of(c: &mut DbConn, token: &str) -> Result<db::feedback::FeedbackLink, AppError> {
    if token.len() != 48 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AppError::not_found("feedback link"));
    }
    db::feedback::link_by_hash(c, &hash(token))?.ok_or_else(|| AppError::not_found("feedback link"))
}

fn hearing_day(c: &mut DbConn, court: &Court, hearing_id: i64) -> Result<Option<NaiveDate>, AppError> {
    let hearing = db::hearings::find(c, hearing_id)?;
    Ok(hearing.starts_at.map(|t| local_date(&court.time_zone, t.and_utc())))
}

fn language_of(c: &mut DbConn, court: &Court, party_id: i64) -> Result<Language, AppError> {
    let contact = db::notices::contacts_of(c, &[party_id])?;
    Ok(contact.first().and_then(|k| k.language.parse().ok()).unwrap_or(if court.rule_profile == "pk" {
        Language::Urdu
    } else {
        Language::English
    }))
}

pub(crate) fn open(c: &mut DbConn, token: &str) -> Result<LinkView, AppError> {
    let link = link_of(c, token)?;
    let court = db::courts::find(c, link.court_id)?;
    Ok(LinkView {
        hearing_day: hearing_day(c, &court, link.hearing_id)?,
        language: language_of(c, &court, link.party_id)?.as_str().into(),
        answered: db::feedback::answered(c, link.hearing_id, link.party_id)?,
        court: court.name,
    })
}

/// The family's answers.
#[derive(Debug, Clone)]
pub(crate) struct Answers {
    pub saw_accused_side: SawAccusedSide,
    pub waited: Waited,
    pub respected: Respected,
    pub report: Option<String>,
    pub language: Language,
}

/// Takes the answers of a link once; a second answer for the same party
/// and hearing (by this link or another) is refused.
pub(crate) fn submit(c: &mut DbConn, token: &str, answers: &Answers) -> Result<i64, AppError> {
    let link = link_of(c, token)?;
    if db::feedback::answered(c, link.hearing_id, link.party_id)? {
        return Err(AppError::conflict("this link was already answered; thank you"));
    }
    let report = feedback::report_text(answers.report.as_deref()).map_err(|(f, why)| AppError::invalid(f, why))?;
    ChildNames::of_case(c, link.case_id, link.court_id)?
        .prose_opt("report", report.as_deref())
        .map_err(|_| AppError::invalid("report", "please do not write the child's name; write \"my child\" instead"))?;
    let court = db::courts::find(c, link.court_id)?;
    let now = Utc::now().naive_utc();
    let day = hearing_day(c, &court, link.hearing_id)?.unwrap_or_else(|| local_date(&court.time_zone, Utc::now()));
    let row = db::feedback::respond(
        c,
        &NewFeedbackResponse {
            court_id: link.court_id,
            hearing_id: link.hearing_id,
            party_id: link.party_id,
            link_id: link.id,
            hearing_day: day,
            saw_accused_side: answers.saw_accused_side.as_str().into(),
            waited: answers.waited.as_str().into(),
            respected: answers.respected.as_str().into(),
            report,
            language: answers.language.as_str().into(),
            entered_by_staff: link.made_by.is_some(),
            submitted_at: now,
        },
    )?
    .ok_or_else(|| AppError::conflict("this link was already answered; thank you"))?;
    // On the system's chain, not the court's: the court's staff read their
    // chain, and an individual answer (even that one was given) is not theirs.
    audit::append(
        c,
        &Actor { id: None, role: "family".into() },
        Change::new("give_feedback", "feedback_response", row.id),
    )?;
    Ok(row.id)
}

/// One answer as the monitor reads it.
#[derive(Debug, Serialize)]
pub(crate) struct ResponseView {
    pub id: i64,
    pub court_id: i64,
    pub court: String,
    pub province: Option<String>,
    pub district: Option<String>,
    pub hearing_day: NaiveDate,
    pub saw_accused_side: String,
    pub waited: String,
    pub respected: String,
    /// What the family wrote to the monitor.
    pub report: Option<String>,
    pub language: String,
    pub entered_by_staff: bool,
    pub submitted_at: DateTime<Utc>,
}

pub(crate) fn of_monitor(
    c: &mut DbConn,
    user: &AuthUser,
    sel: &super::oversight::Selection,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Result<Vec<ResponseView>, AppError> {
    let courts = sel.pick(super::oversight::courts_of(c, user)?)?;
    let zone = courts.first().map_or("Asia/Karachi", |c| c.time_zone.as_str()).to_string();
    let (from, to) = super::figures::period(from, to, local_date(&zone, Utc::now()))?;
    let ids: Vec<i64> = courts.iter().map(|c| c.id).collect();
    Ok(db::feedback::of_courts(c, &ids, from, to)?
        .into_iter()
        .filter_map(|r| {
            let court = courts.iter().find(|c| c.id == r.court_id)?;
            Some(ResponseView {
                id: r.id,
                court_id: r.court_id,
                court: court.name.clone(),
                province: court.province.clone(),
                district: court.district.clone(),
                hearing_day: r.hearing_day,
                saw_accused_side: r.saw_accused_side,
                waited: r.waited,
                respected: r.respected,
                report: r.report,
                language: r.language,
                entered_by_staff: r.entered_by_staff,
                submitted_at: views::utc(r.submitted_at),
            })
        })
        .collect())
}

fn answer_of(r: &FeedbackResponse) -> Option<Answer> {
    Some(Answer {
        saw: r.saw_accused_side.parse().ok()?,
        waited: r.waited.parse().ok()?,
        respected: r.respected.parse().ok()?,
        reported: r.report.is_some(),
    })
}

#[derive(Debug, Serialize)]
pub(crate) struct CourtFeedback {
    pub court_id: i64,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Counts under five are withheld (null).
    pub smallest_shown: u64,
    #[serde(flatten)]
    pub figures: Aggregate,
}

/// What a court reads of its families' answers: counts only.
pub(crate) fn of_court(
    c: &mut DbConn,
    user: &AuthUser,
    court_id: i64,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Result<CourtFeedback, AppError> {
    user.ensure_court(court_id)?;
    let court = db::courts::find(c, court_id)?;
    let (from, to) = super::figures::period(from, to, local_date(&court.time_zone, Utc::now()))?;
    let answers: Vec<Answer> =
        db::feedback::of_courts(c, &[court_id], from, to)?.iter().filter_map(answer_of).collect();
    Ok(CourtFeedback {
        court_id,
        from,
        to,
        smallest_shown: crate::domain::oversight::SMALLEST_SHOWN,
        figures: feedback::aggregate(&answers),
    })
}
