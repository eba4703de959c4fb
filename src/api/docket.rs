//! The priority docket and the lists built on the same clocks and score:
//! a judge's docket, a court's open child cases by deadline, the public
//! (acronym) cause list, and the escalations broken clocks require.

use std::collections::HashMap;

use actix_web::web::Bytes;
use actix_web::{web, HttpResponse};
use chrono::{DateTime, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::adjournments::OverrideView;
use super::views::utc;
use crate::app::docket_cache::DocketKey;
use crate::auth::extract::{DocketReaders, EscalationReaders, Staff};
use crate::auth::Authorized;
use crate::db::courts::Court;
use crate::db::docket::{CaseRow, ChildRow, HearingRow, OutcomeCols};
use crate::db::{self, DbConn};
use crate::domain::calendar;
use crate::domain::clocks::{self, CaseFacts, ClockState, ClockStatus, Escalation};
use crate::domain::course::Stage;
use crate::domain::outcome::{self, ChildTally};
use crate::domain::priority::{self, CaseSummary, Priority, ScorePart};
use crate::domain::privacy;
use crate::domain::roles::StaffRole;
use crate::domain::rules::{self, RuleProfile};
use crate::error::AppError;
use crate::state::AppState;

/// The longest docket one request may ask for.
pub const MAX_RANGE_DAYS: i64 = 62;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/docket", web::get().to(docket))
        .route("/courts/{id}/child-cases", web::get().to(child_cases))
        .route("/courts/{id}/cause-list", web::get().to(cause_list))
        .route("/courts/{id}/escalations", web::get().to(escalations));
}

/// A court's profile, time zone and today's date there.
struct CourtDay {
    court_id: i64,
    profile: &'static RuleProfile,
    tz: Tz,
    today: NaiveDate,
}

impl CourtDay {
    fn of(court: &Court, now: DateTime<Utc>) -> Result<CourtDay, AppError> {
        let profile = rules::profile(&court.rule_profile).map_err(AppError::internal)?;
        let tz = calendar::parse_time_zone(&court.time_zone).map_err(AppError::internal)?;
        Ok(CourtDay { court_id: court.id, profile, tz, today: calendar::local_date(&court.time_zone, now) })
    }

    /// The UTC instant a local day begins. Where a time-zone change skips
    /// midnight, the day begins at the first local time that exists.
    fn day_start_utc(&self, day: NaiveDate) -> NaiveDateTime {
        let midnight = day.and_time(NaiveTime::MIN);
        for shift in 0..=3 {
            let local = midnight + Duration::hours(shift);
            match self.tz.from_local_datetime(&local) {
                LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => return t.naive_utc(),
                LocalResult::None => continue,
            }
        }
        midnight
    }

    fn local_text(&self, t: NaiveDateTime) -> String {
        self.tz.from_utc_datetime(&t).format("%Y-%m-%d %H:%M").to_string()
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ChildView {
    pub pseudonym: String,
    pub age: Option<i32>,
    /// Only for roles that may see a child's identity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Times brought to court, and times heard.
    pub brought: i32,
    pub testified: i32,
    /// "Child A: brought 3 times, testified once", for the lists that
    /// still carry sentences; the docket sends the figures alone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub appearances: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CaseLine<'a> {
    pub id: i64,
    pub number: &'a str,
    pub offence: &'a str,
    pub cognizance_date: NaiveDate,
    pub accused_in_custody: bool,
}

/// A case weighed against its court's profile on the court's today.
struct Assessed {
    children: Vec<ChildView>,
    clocks: Vec<ClockStatus>,
    priority: Priority,
}

/// Whether the children's appearance sentences are written: the docket and
/// the cause list send figures alone.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Sentences {
    Written,
    Left,
}

fn children_by_case(rows: &[ChildRow]) -> HashMap<i64, Vec<&ChildRow>> {
    let mut map: HashMap<i64, Vec<&ChildRow>> = HashMap::new();
    for row in rows {
        map.entry(row.case_id).or_default().push(row);
    }
    map
}

fn assess(
    case: &CaseRow,
    children: &[&ChildRow],
    day: &CourtDay,
    viewer: Option<StaffRole>,
    sentences: Sentences,
) -> Assessed {
    let may_see = viewer.is_some_and(privacy::may_see_child_identity);
    let ages: Vec<i32> =
        children.iter().filter_map(|c| c.date_of_birth.map(|dob| privacy::age_in_years(dob, day.today))).collect();
    let views = children
        .iter()
        .map(|c| {
            let pseudonym = c.pseudonym.clone().unwrap_or_else(|| "Child".into());
            let tally = ChildTally {
                brought: u32::try_from(c.brought).unwrap_or(0),
                testified: u32::try_from(c.testified).unwrap_or(0),
                evidence_complete_on: None,
            };
            ChildView {
                appearances: (sentences == Sentences::Written).then(|| outcome::appearance_line(&pseudonym, &tally)),
                pseudonym,
                age: c.date_of_birth.map(|dob| privacy::age_in_years(dob, day.today)),
                name: may_see.then(|| c.name.clone()),
                brought: c.brought,
                testified: c.testified,
            }
        })
        .collect();
    let child_victim = !children.is_empty();
    let facts = CaseFacts {
        disposed: !case.case_status.parse::<Stage>().unwrap_or(Stage::Open).is_pending(),
        child_evidence_on: case.child_evidence_on,
        trial_started_on: case.trial_started_on,
        trial_concluded_on: case.trial_concluded_on,
        decided_on: case.decided_on,
        ..CaseFacts::new(case.cognizance_date, child_victim, case.accused_in_custody)
    };
    let clocks = clocks::case_clocks(day.profile, &facts, day.today);
    let summary = CaseSummary {
        case_id: case.case_id,
        child_victim,
        youngest_child_age: ages.iter().min().copied(),
        cognizance_date: case.cognizance_date,
        accused_in_custody: case.accused_in_custody,
        adjournments: u32::try_from(case.adjournments.max(0)).unwrap_or(u32::MAX),
    };
    let priority = priority::score(&summary, &clocks, day.profile, day.today);
    Assessed { children: views, clocks, priority }
}

fn case_line(c: &CaseRow) -> CaseLine<'_> {
    CaseLine {
        id: c.case_id,
        number: &c.number,
        offence: &c.offence,
        cognizance_date: c.cognizance_date,
        accused_in_custody: c.accused_in_custody,
    }
}

// ---------------------------------------------------------------- docket

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct DocketQuery {
    judge_id: Option<i64>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    /// One day alone (instead of `from` and `to`): a page loads a busy
    /// week a day at a time.
    date: Option<NaiveDate>,
}

#[derive(Serialize)]
struct ListedHearing<'a> {
    id: i64,
    kind: &'a str,
    status: &'a str,
    mode: &'a str,
    child_testifies: bool,
    room_id: Option<i64>,
    room_name: Option<&'a str>,
    starts_at: Option<DateTime<Utc>>,
    ends_at: Option<DateTime<Utc>>,
    /// What happened, once recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    outcome: Option<OutcomeBrief>,
}

/// A hearing's outcome in a line of a list: held and what the child's
/// evidence came to, or not held, why (English and Urdu) and who caused it.
#[derive(Serialize)]
struct OutcomeBrief {
    kind: String,
    proceedings: Vec<String>,
    child_evidence: Option<String>,
    reason_code: Option<String>,
    reason: Option<String>,
    reason_ur: Option<String>,
    caused_by: Option<String>,
}

impl OutcomeBrief {
    /// For the posted list: whether the hearing was held and why not, but
    /// nothing of what the child's evidence came to.
    fn public(self) -> OutcomeBrief {
        OutcomeBrief { proceedings: Vec::new(), child_evidence: None, ..self }
    }
}

fn outcome_brief(o: &OutcomeCols, profile: &RuleProfile) -> Option<OutcomeBrief> {
    let kind = o.outcome_kind.clone()?;
    let reason = o.outcome_reason.as_deref().and_then(|c| profile.not_held_reason(c));
    Some(OutcomeBrief {
        kind,
        proceedings: o
            .outcome_proceedings
            .as_deref()
            .map(|p| p.split(',').filter(|x| !x.is_empty()).map(str::to_string).collect())
            .unwrap_or_default(),
        child_evidence: o.outcome_child_evidence.clone(),
        reason_code: o.outcome_reason.clone(),
        reason: reason.map(|r| r.label.clone()),
        reason_ur: reason.map(|r| r.label_ur.clone()),
        caused_by: o.outcome_cause.clone(),
    })
}

/// A clock on a docket line: which, its deadline and where it stands. Its
/// title and section are in the docket's `clock_titles`, once.
#[derive(Serialize)]
struct ClockBrief<'a> {
    id: &'a str,
    deadline: NaiveDate,
    days_left: i64,
    state: ClockState,
}

impl<'a> From<&'a ClockStatus> for ClockBrief<'a> {
    fn from(c: &'a ClockStatus) -> ClockBrief<'a> {
        ClockBrief { id: &c.id, deadline: c.deadline, days_left: c.days_left, state: c.state }
    }
}

/// A clock's title in both languages and its section, for the page to
/// name the clocks a docket's lines refer to by id.
#[derive(Serialize)]
struct ClockTitle {
    id: String,
    title: String,
    title_ur: String,
    section: String,
}

fn clock_titles(profile: &RuleProfile) -> Vec<ClockTitle> {
    profile
        .clocks
        .iter()
        .map(|c| ClockTitle {
            id: c.id.clone(),
            title: c.title.clone(),
            title_ur: c.title_ur.clone(),
            section: c.section.clone(),
        })
        .collect()
}

/// One line of a docket: codes and figures, no sentences; the page words
/// them in the reader's language.
/// One line of a docket, borrowed from the rows and the weighed cases it
/// is written from: a busy week is hundreds of lines.
#[derive(Serialize)]
struct DocketItem<'a> {
    rank: usize,
    hearing: ListedHearing<'a>,
    case: CaseLine<'a>,
    child_victim: bool,
    children: &'a [ChildView],
    clocks: Vec<ClockBrief<'a>>,
    adjournments: i64,
    /// Adjournments a judge granted over a refusal by rule, with the written
    /// reasons: shown beside the case so the override is never silent.
    #[serde(skip_serializing_if = "<[OverrideView]>::is_empty")]
    overrides: &'a [OverrideView],
    score: i64,
    /// The parts that moved the score (all of them when none did).
    breakdown: Vec<&'a ScorePart>,
}

/// The parts of a score worth a line: those with points, or all when none
/// has any (the page then says why nothing counts).
fn moved_parts(parts: &[ScorePart]) -> Vec<&ScorePart> {
    if parts.iter().any(|p| p.points != 0) {
        parts.iter().filter(|p| p.points != 0).collect()
    } else {
        parts.iter().collect()
    }
}

fn overrides_by_case(conn: &mut db::DbConn, case_ids: &[i64]) -> Result<HashMap<i64, Vec<OverrideView>>, AppError> {
    let mut out: HashMap<i64, Vec<OverrideView>> = HashMap::new();
    for a in db::adjournments::overrides_for_cases(conn, case_ids)? {
        out.entry(a.case_id).or_default().push(OverrideView::from(&a));
    }
    Ok(out)
}

#[derive(Serialize)]
struct Docket<'a> {
    /// The judge, court, profile, time zone, today and dates.
    #[serde(flatten)]
    head: &'a DocketKey,
    clock_titles: Vec<ClockTitle>,
    items: Vec<DocketItem<'a>>,
}

/// The dates asked for, checked: `from` defaults to the court's today and
/// `to` to `from`; both are local dates, inclusive.
fn date_range(
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    date: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<(NaiveDate, NaiveDate), AppError> {
    if let Some(day) = date {
        if from.is_some() || to.is_some() {
            return Err(AppError::invalid("date", "give either `date` (one day) or `from` and `to`, not both"));
        }
        return Ok((day, day));
    }
    let from = from.unwrap_or(today);
    let to = to.unwrap_or(from);
    if to < from {
        return Err(AppError::invalid("to", "`to` must not be before `from`"));
    }
    if (to - from).num_days() >= MAX_RANGE_DAYS {
        return Err(AppError::invalid("to", format!("a docket covers at most {MAX_RANGE_DAYS} days")));
    }
    Ok((from, to))
}

fn listed<'a>(h: &'a HearingRow, day: &CourtDay) -> ListedHearing<'a> {
    ListedHearing {
        id: h.hearing_id,
        kind: &h.kind,
        status: &h.status,
        mode: &h.mode,
        child_testifies: h.child_testifies,
        room_id: h.room_id,
        room_name: h.room_name.as_deref(),
        starts_at: h.starts_at.map(utc),
        ends_at: h.ends_at.map(utc),
        outcome: outcome_brief(&h.outcome, day.profile),
    }
}

/// Hearings in docket order, each with the index of its weighed case.
struct Ranked<'a> {
    lines: Vec<(&'a HearingRow, usize)>,
    cases: Vec<Assessed>,
}

/// Hearings in docket order: by the case's priority, equal scores by case
/// id, then by time. Each case is weighed once, however many of its
/// hearings are listed.
fn rank_hearings<'a>(
    rows: &'a [HearingRow],
    children: &[ChildRow],
    day: &CourtDay,
    viewer: Option<StaffRole>,
) -> Ranked<'a> {
    let by_case = children_by_case(children);
    let mut weighed: HashMap<i64, usize> = HashMap::new();
    let mut cases: Vec<Assessed> = Vec::new();
    let mut lines = Vec::with_capacity(rows.len());
    for h in rows {
        let at = *weighed.entry(h.case.case_id).or_insert_with(|| {
            let kids = by_case.get(&h.case.case_id).map(Vec::as_slice).unwrap_or(&[]);
            cases.push(assess(&h.case, kids, day, viewer, Sentences::Left));
            cases.len() - 1
        });
        lines.push((h, at));
    }
    lines.sort_by(|(ha, a), (hb, b)| {
        priority::docket_order((&cases[*a].priority, ha.case.case_id), (&cases[*b].priority, hb.case.case_id))
            .then(ha.starts_at.cmp(&hb.starts_at))
            .then(ha.hearing_id.cmp(&hb.hearing_id))
    });
    Ranked { lines, cases }
}

/// `GET /api/docket?judge_id=&from=&to=`: a judge's hearings in priority
/// order, for the judges and clerks of that judge's court. A judge may
/// leave out `judge_id` to see their own.
async fn docket(
    state: web::Data<AppState>,
    user: Authorized<DocketReaders>,
    q: web::Query<DocketQuery>,
) -> Result<HttpResponse, AppError> {
    let q = q.into_inner();
    let viewer = user.user.clone();
    let judge_id = match (q.judge_id, viewer.role) {
        (Some(id), _) => id,
        (None, StaffRole::Judge) => viewer.id,
        (None, _) => return Err(AppError::invalid("judge_id", "name the judge whose docket to show (`judge_id`)")),
    };
    let cache = state.docket_cache.clone();
    let body = db::run(&state.pool, move |conn| {
        let started = std::time::Instant::now();
        let judge = db::users::find(conn, judge_id)?
            .filter(|u| u.role == StaffRole::Judge.as_str())
            .ok_or_else(|| AppError::not_found(format!("judge {judge_id}")))?;
        let court_id = judge.court_id.ok_or_else(|| AppError::not_found(format!("judge {judge_id}")))?;
        viewer.ensure_visible(court_id, &format!("judge {judge_id}"))?;
        let court = db::courts::find(conn, court_id)?;
        let day = CourtDay::of(&court, Utc::now())?;
        let (from, to) = date_range(q.from, q.to, q.date, day.today)?;
        let names = privacy::may_see_child_identity(viewer.role);
        let key = DocketKey {
            judge_id,
            court_id,
            rule_profile: court.rule_profile.clone(),
            time_zone: court.time_zone.clone(),
            today: day.today,
            from,
            to,
            names,
        };
        // Read before the lines: what is kept is never older than this.
        let version = if cache.is_on() { db::docket::court_version(conn, court_id)? } else { 0 };
        if let Some(body) = cache.get(&key, version) {
            tracing::debug!(judge_id, version, bytes = body.len(), "docket sent again");
            return Ok(body);
        }
        let (rows, children) = db::docket::judge_docket(
            conn,
            judge_id,
            day.day_start_utc(from),
            day.day_start_utc(to + Duration::days(1)),
            names,
        )?;
        let mut case_ids: Vec<i64> = rows.iter().map(|h| h.case.case_id).collect();
        case_ids.sort_unstable();
        case_ids.dedup();
        let overrides = overrides_by_case(conn, &case_ids)?;
        let read = started.elapsed();
        let ranked = rank_hearings(&rows, &children, &day, Some(viewer.role));
        let items = ranked
            .lines
            .iter()
            .enumerate()
            .map(|(i, (h, at))| {
                let a = &ranked.cases[*at];
                DocketItem {
                    rank: i + 1,
                    hearing: listed(h, &day),
                    case: case_line(&h.case),
                    child_victim: !a.children.is_empty(),
                    children: &a.children,
                    clocks: a.clocks.iter().map(ClockBrief::from).collect(),
                    adjournments: h.case.adjournments,
                    overrides: overrides.get(&h.case.case_id).map(Vec::as_slice).unwrap_or(&[]),
                    score: a.priority.score,
                    breakdown: moved_parts(&a.priority.parts),
                }
            })
            .collect();
        let docket = Docket { head: &key, clock_titles: clock_titles(day.profile), items };
        let weighed = started.elapsed();
        // Written here, on the blocking thread, not on the server's worker:
        // a busy week is hundreds of kilobytes.
        // About a kilobyte a line: sized once instead of doubling through it.
        let mut body = Vec::with_capacity(1024 + rows.len() * 1100);
        serde_json::to_writer(&mut body, &docket).map_err(|e| AppError::internal(e.to_string()))?;
        tracing::debug!(
            judge_id,
            hearings = rows.len(),
            bytes = body.len(),
            read_ms = read.as_secs_f64() * 1e3,
            weigh_ms = (weighed - read).as_secs_f64() * 1e3,
            write_ms = (started.elapsed() - weighed).as_secs_f64() * 1e3,
            "docket"
        );
        let body = Bytes::from(body);
        cache.put(key, version, body.clone());
        Ok(body)
    })
    .await?;
    Ok(HttpResponse::Ok().content_type("application/json").body(body))
}

// ----------------------------------------------------------- child cases

#[derive(Serialize)]
struct NextHearing {
    starts_at: DateTime<Utc>,
    local_start: String,
}

#[derive(Serialize)]
struct ChildCaseItem<'a> {
    case: CaseLine<'a>,
    children: &'a [ChildView],
    /// Days to the nearest live deadline; negative once broken; absent when
    /// no clock runs. With `next_hearing`, what the page's line ("nothing
    /// listed, 12 days left") is made of, in the reader's language.
    days_to_deadline: Option<i64>,
    next_hearing: Option<NextHearing>,
    clocks: &'a [ClockStatus],
    adjournments: i64,
    score: i64,
    breakdown: &'a [ScorePart],
}

/// Orders by days to the nearest deadline (broken first, then fewest days
/// left, cases with no live clock last), then by score, then by case id.
fn deadline_order(a: (Option<i64>, &Priority, i64), b: (Option<i64>, &Priority, i64)) -> std::cmp::Ordering {
    let key = |d: Option<i64>| d.unwrap_or(i64::MAX);
    key(a.0).cmp(&key(b.0)).then(priority::docket_order((a.1, a.2), (b.1, b.2)))
}

fn load_open_cases(
    conn: &mut DbConn,
    day: &CourtDay,
    children_only: bool,
    viewer: Option<StaffRole>,
) -> Result<Vec<(db::docket::OpenCaseRow, Assessed)>, AppError> {
    let (rows, children) = db::docket::open_cases(conn, day.court_id, Utc::now().naive_utc(), children_only)?;
    let by_case = children_by_case(&children);
    Ok(rows
        .into_iter()
        .map(|r| {
            let kids = by_case.get(&r.case.case_id).map(Vec::as_slice).unwrap_or(&[]);
            let a = assess(&r.case, kids, day, viewer, Sentences::Written);
            (r, a)
        })
        .collect())
}

/// `GET /api/courts/{id}/child-cases`: every open case of the court with a
/// child witness, nearest deadline first, whether or not a hearing is
/// listed. For the court's judges and clerks.
async fn child_cases(
    state: web::Data<AppState>,
    user: Authorized<DocketReaders>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let court_id = id.into_inner();
    user.ensure_court(court_id)?;
    let viewer = user.role;
    let body = db::run(&state.pool, move |conn| {
        let court = db::courts::find(conn, court_id)?;
        let day = CourtDay::of(&court, Utc::now())?;
        let loaded = load_open_cases(conn, &day, true, Some(viewer))?;
        let mut ranked: Vec<(Option<i64>, &Priority, ChildCaseItem)> = loaded
            .iter()
            .map(|(row, a)| {
                let next = row.next_hearing_at.map(|t| NextHearing { starts_at: utc(t), local_start: day.local_text(t) });
                let days = clocks::days_to_deadline(&a.clocks);
                let item = ChildCaseItem {
                    case: case_line(&row.case),
                    children: &a.children,
                    days_to_deadline: days,
                    next_hearing: next,
                    clocks: &a.clocks,
                    adjournments: row.case.adjournments,
                    score: a.priority.score,
                    breakdown: &a.priority.parts,
                };
                (days, &a.priority, item)
            })
            .collect();
        ranked.sort_by(|a, b| deadline_order((a.0, a.1, a.2.case.id), (b.0, b.1, b.2.case.id)));
        let items: Vec<ChildCaseItem> = ranked.into_iter().map(|(_, _, item)| item).collect();
        Ok(serde_json::json!({ "court_id": court_id, "today": day.today, "rule_profile": court.rule_profile, "items": items }))
    })
    .await?;
    Ok(HttpResponse::Ok().json(body))
}

// ------------------------------------------------------------ cause list

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct CauseListQuery {
    date: Option<NaiveDate>,
}

/// One line of the public list. It names no child, victim or party: a
/// child appears only by pseudonym, and free text a clerk typed (the
/// offence) is left out because it may carry a name.
#[derive(Serialize)]
struct CauseListLine {
    serial: usize,
    local_time: Option<String>,
    starts_at: Option<DateTime<Utc>>,
    room: Option<String>,
    case_number: String,
    kind: String,
    mode: String,
    children: Vec<String>,
    in_camera: bool,
    /// What happened at the hearing, once recorded.
    outcome: Option<OutcomeBrief>,
}

/// `GET /api/courts/{id}/cause-list?date=`: the day's list as it is posted
/// outside the court, in priority order. Any staff member of the court may
/// fetch it (that is who prints and posts it); what it shows is the same for
/// every role, pseudonyms only, so posting it discloses nothing (POCSO
/// s.33(7); Muhammad Aamar v State, PLD 2023 Lahore 757).
async fn cause_list(
    state: web::Data<AppState>,
    user: Authorized<Staff>,
    id: web::Path<i64>,
    q: web::Query<CauseListQuery>,
) -> Result<HttpResponse, AppError> {
    let court_id = id.into_inner();
    user.ensure_court(court_id)?;
    let date = q.date;
    let body = db::run(&state.pool, move |conn| {
        let court = db::courts::find(conn, court_id)?;
        let day = CourtDay::of(&court, Utc::now())?;
        let date = date.unwrap_or(day.today);
        let (rows, children) = db::docket::court_hearings(
            conn,
            court_id,
            day.day_start_utc(date),
            day.day_start_utc(date + Duration::days(1)),
        )?;
        let in_camera = day.profile.child.in_camera.value;
        let ranked = rank_hearings(&rows, &children, &day, None);
        let lines: Vec<CauseListLine> = ranked
            .lines
            .iter()
            .map(|(h, at)| (h, &ranked.cases[*at]))
            .enumerate()
            .map(|(i, (h, a))| CauseListLine {
                serial: i + 1,
                local_time: h.starts_at.map(|t| day.tz.from_utc_datetime(&t).format("%H:%M").to_string()),
                starts_at: h.starts_at.map(utc),
                room: h.room_name.clone(),
                case_number: h.case.number.clone(),
                kind: h.kind.clone(),
                mode: h.mode.clone(),
                in_camera: in_camera && !a.children.is_empty(),
                outcome: outcome_brief(&h.outcome, day.profile).map(OutcomeBrief::public),
                children: a.children.iter().map(|c| c.pseudonym.clone()).collect(),
            })
            .collect();
        Ok(serde_json::json!({ "court_id": court_id, "court": court.name, "date": date, "items": lines }))
    })
    .await?;
    Ok(HttpResponse::Ok().json(body))
}

// ----------------------------------------------------------- escalations

#[derive(Serialize)]
struct EscalationItem {
    case_id: i64,
    case_number: String,
    children: Vec<String>,
    #[serde(flatten)]
    escalation: Escalation,
}

/// `GET /api/courts/{id}/escalations`: what broken clocks require of
/// someone outside the trial court (pk: the report to the High Court's
/// Chief Justice), most overdue first. For the court's judges and its
/// administrator; derived from the clocks on every call, so it is never
/// stale and no node keeps it.
async fn escalations(
    state: web::Data<AppState>,
    user: Authorized<EscalationReaders>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let court_id = id.into_inner();
    user.ensure_court(court_id)?;
    let body = db::run(&state.pool, move |conn| {
        let court = db::courts::find(conn, court_id)?;
        let day = CourtDay::of(&court, Utc::now())?;
        let mut items: Vec<EscalationItem> = load_open_cases(conn, &day, false, None)?
            .into_iter()
            .flat_map(|(row, a)| {
                let children: Vec<String> = a.children.iter().map(|c| c.pseudonym.clone()).collect();
                clocks::escalations(&a.clocks).into_iter().map(move |e| EscalationItem {
                    case_id: row.case.case_id,
                    case_number: row.case.number.clone(),
                    children: children.clone(),
                    escalation: e,
                })
            })
            .collect();
        items.sort_by(|a, b| b.escalation.days_overdue.cmp(&a.escalation.days_overdue).then(a.case_id.cmp(&b.case_id)));
        Ok(serde_json::json!({ "court_id": court_id, "today": day.today, "items": items }))
    })
    .await?;
    Ok(HttpResponse::Ok().json(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn a_docket_range_is_checked() {
        let today = d(2026, 11, 23);
        assert_eq!(date_range(None, None, None, today).ok(), Some((today, today)));
        assert!(date_range(Some(d(2026, 12, 2)), Some(d(2026, 12, 1)), None, today).is_err());
        assert!(date_range(Some(d(2026, 1, 1)), Some(d(2026, 3, 15)), None, today).is_err());
        let day = d(2026, 12, 4);
        assert_eq!(date_range(None, None, Some(day), today).ok(), Some((day, day)));
        assert!(date_range(Some(day), None, Some(day), today).is_err());
    }

    #[test]
    fn a_karachi_day_begins_at_19_00_utc_the_day_before() {
        let day = CourtDay {
            court_id: 1,
            profile: rules::profile("pk").unwrap(),
            tz: "Asia/Karachi".parse().unwrap(),
            today: d(2026, 11, 23),
        };
        assert_eq!(day.day_start_utc(d(2026, 12, 1)), d(2026, 11, 30).and_hms_opt(19, 0, 0).unwrap());
    }
}
