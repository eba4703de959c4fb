//! What a monitor reads: the figures of delay of the courts of its
//! province or district, for a period, totalled per court, district and
//! province, and by month. Aggregates only: no case number, pseudonym,
//! name, birth date, contact or free text ever enters them.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate, NaiveTime, Utc};
use serde::Serialize;

use super::course::profile_of;
use super::figures::{child_case_facts, period};
use crate::auth::AuthUser;
use crate::db::{self, courts::Court, DbConn};
use crate::domain::adjournment::AdjournmentStatus;
use crate::domain::calendar::local_date;
use crate::domain::clocks::CaseFacts;
use crate::domain::figures::{self, AppearanceFigures, ClockShare, Spread};
use crate::domain::outcome::{Appearance, ChildEvidence, OutcomeKind};
use crate::domain::oversight::{self, JudgeOverrides};
use crate::domain::rules::ClockStop;
use crate::error::AppError;

/// The courts the monitor reads, by id.
pub(crate) fn courts_of(c: &mut DbConn, user: &AuthUser) -> Result<Vec<Court>, AppError> {
    let scopes = db::monitors::scopes_of(c, user.id)?;
    Ok(db::monitors::courts_in(c, &scopes)?)
}

/// How a dashboard groups its rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Level {
    Province,
    District,
    Court,
}

/// Which of the monitor's courts a view covers: one court, one district,
/// one province, or all of them.
#[derive(Debug, Clone, Default)]
pub(crate) struct Selection {
    pub court_id: Option<i64>,
    pub province: Option<String>,
    pub district: Option<String>,
}

impl Selection {
    /// The courts selected among those the monitor reads. What lies
    /// outside the monitor's scope is not there (404), as for a court's
    /// staff.
    pub fn pick(&self, readable: Vec<Court>) -> Result<Vec<Court>, AppError> {
        let picked: Vec<Court> = readable
            .into_iter()
            .filter(|c| self.court_id.is_none_or(|id| c.id == id))
            .filter(|c| self.province.as_deref().is_none_or(|p| c.province.as_deref() == Some(p)))
            .filter(|c| self.district.as_deref().is_none_or(|d| c.district.as_deref() == Some(d)))
            .collect();
        if picked.is_empty() {
            let what = match (&self.court_id, &self.district, &self.province) {
                (Some(id), _, _) => format!("court {id}"),
                (None, Some(d), _) => format!("district {d}"),
                (None, None, Some(p)) => format!("province {p}"),
                (None, None, None) => return Ok(picked),
            };
            return Err(AppError::not_found(what));
        }
        Ok(picked)
    }
}

/// One court's raw figures for a period, in a form that adds up across
/// courts (medians are taken again over the pooled days).
#[derive(Debug, Clone, Default)]
struct Tally {
    courts: u64,
    pending: u64,
    decided: u64,
    days_to_evidence: Vec<i64>,
    days_to_decision: Vec<i64>,
    clocks: Vec<Vec<ClockShare>>,
    /// The clocks that stop on the child's evidence, by id.
    evidence_clocks: Vec<String>,
    requested: u64,
    refused_by_rule: u64,
    granted: u64,
    refused: u64,
    overridden: u64,
    judges: BTreeMap<i64, JudgeOverrides>,
    held: u64,
    not_held: BTreeMap<String, u64>,
    appearances: Vec<(i64, bool)>,
    recalls: u64,
    video_sessions: u64,
    breaks: u64,
    incidents: BTreeMap<String, u64>,
}

impl Tally {
    fn of_court(c: &mut DbConn, court: &Court, from: NaiveDate, to: NaiveDate) -> Result<Tally, AppError> {
        let profile = profile_of(court)?;
        let today = local_date(&court.time_zone, Utc::now());
        let within = |d: NaiveDate| d >= from && d <= to;
        let facts = child_case_facts(c, court.id)?;
        let days = |pick: fn(&CaseFacts) -> Option<NaiveDate>| -> Vec<i64> {
            facts
                .iter()
                .filter_map(|f| pick(f).filter(|d| within(*d)).map(|d| (d - f.cognizance_date).num_days()))
                .collect()
        };
        let mut t = Tally {
            courts: 1,
            pending: facts.iter().filter(|f| !f.disposed).count() as u64,
            decided: facts.iter().filter(|f| f.decided_on.is_some_and(within)).count() as u64,
            days_to_evidence: days(|f| f.child_evidence_on),
            days_to_decision: days(|f| f.decided_on),
            clocks: vec![figures::clock_shares(profile, &facts, from, to, today.min(to))],
            evidence_clocks: profile
                .clocks
                .iter()
                .filter(|r| r.stops_when == ClockStop::ChildEvidenceRecorded)
                .map(|r| r.id.clone())
                .collect(),
            ..Tally::default()
        };

        for o in db::outcomes::of_court(c, court.id, from, to)? {
            if o.kind == OutcomeKind::Held.as_str() {
                t.held += 1;
            } else {
                *t.not_held.entry(o.caused_by.unwrap_or_else(|| "unknown".into())).or_insert(0) += 1;
            }
        }

        let (start, end) = (from.and_time(NaiveTime::MIN), (to + Duration::days(1)).and_time(NaiveTime::MIN));
        for a in db::adjournments::recorded_between(c, court.id, start, end)? {
            t.requested += 1;
            match a.status.parse::<AdjournmentStatus>() {
                Ok(AdjournmentStatus::RefusedByRule) => t.refused_by_rule += 1,
                Ok(AdjournmentStatus::Granted) => t.granted += 1,
                Ok(AdjournmentStatus::Refused) => t.refused += 1,
                _ => {}
            }
            t.overridden += u64::from(a.overridden);
            if let Some(judge) = a.decided_by {
                t.judges.entry(judge).or_default().add(a.overridden);
            }
        }

        // Every appearance up to the period's end: a recall in the period
        // may follow evidence taken in full before it.
        let ever = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(from);
        let seen = db::outcomes::appearances_of_court(c, court.id, ever, to)?;
        let parsed: Vec<Appearance> = seen
            .iter()
            .map(|a| Appearance {
                party_id: a.party_id,
                on: a.local_day,
                evidence: a.evidence.parse().unwrap_or(ChildEvidence::None),
            })
            .collect();
        t.recalls = oversight::recalls(&parsed, from);
        t.appearances = parsed.iter().filter(|a| within(a.on)).map(|a| (a.party_id, a.evidence.taken())).collect();
        (t.video_sessions, t.breaks) = db::monitors::video_counts(c, court.id, start, end)?;
        t.incidents =
            figures::count_by(db::incidents::kinds_between(c, court.id, start, end)?.iter().map(String::as_str));
        Ok(t)
    }

    fn add(&mut self, other: &Tally) {
        self.courts += other.courts;
        self.pending += other.pending;
        self.decided += other.decided;
        self.days_to_evidence.extend(&other.days_to_evidence);
        self.days_to_decision.extend(&other.days_to_decision);
        self.clocks.extend(other.clocks.iter().cloned());
        for id in &other.evidence_clocks {
            if !self.evidence_clocks.contains(id) {
                self.evidence_clocks.push(id.clone());
            }
        }
        self.requested += other.requested;
        self.refused_by_rule += other.refused_by_rule;
        self.granted += other.granted;
        self.refused += other.refused;
        self.overridden += other.overridden;
        for (judge, j) in &other.judges {
            let mine = self.judges.entry(*judge).or_default();
            mine.decided += j.decided;
            mine.overridden += j.overridden;
            mine.override_rate = oversight::ratio(mine.overridden, mine.decided);
        }
        self.held += other.held;
        for (cause, n) in &other.not_held {
            *self.not_held.entry(cause.clone()).or_insert(0) += n;
        }
        self.appearances.extend(&other.appearances);
        self.recalls += other.recalls;
        self.video_sessions += other.video_sessions;
        self.breaks += other.breaks;
        for (kind, n) in &other.incidents {
            *self.incidents.entry(kind.clone()).or_insert(0) += n;
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct ChildCases {
    /// Pending today.
    pub pending: u64,
    /// Decided in the period.
    pub decided: u64,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct ChildEvidenceInTime {
    /// Children's evidence whose clock was settled in the period: met,
    /// late, or broken (the deadline passed unheard).
    pub met: u64,
    pub late_or_broken: u64,
    pub share_within: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct JudgeRow {
    pub judge_id: i64,
    pub judge: String,
    #[serde(flatten)]
    pub overrides: JudgeOverrides,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct Adjournments {
    pub requested: u64,
    pub refused_by_rule: u64,
    pub granted: u64,
    pub refused: u64,
    pub overridden: u64,
    pub override_rate: Option<f64>,
    pub by_judge: Vec<JudgeRow>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct Hearings {
    pub held: u64,
    pub not_held: u64,
    /// Court, prosecution, defence, state custody, child's side.
    pub not_held_by_cause: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct Appearances {
    #[serde(flatten)]
    pub figures: AppearanceFigures,
    /// Children brought back after their evidence was recorded in full.
    pub recalls: u64,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct Video {
    pub sessions: u64,
    pub breaks: u64,
}

/// The figures of a court, a district or a province for a period.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Summary {
    pub courts: u64,
    pub child_cases: ChildCases,
    pub child_evidence_in_time: ChildEvidenceInTime,
    pub cognizance_to_child_evidence: Spread,
    pub cognizance_to_decision: Spread,
    /// Each clock of the courts' profiles, pooled by clock.
    pub clocks: Vec<ClockShare>,
    pub adjournments: Adjournments,
    pub hearings: Hearings,
    pub appearances: Appearances,
    pub video: Video,
    /// Breaches of the special measures: the child's side met or saw the
    /// accused's side, or another measure failed.
    pub incidents: Incidents,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct Incidents {
    pub total: u64,
    pub by_kind: BTreeMap<String, u64>,
}

fn summary(c: &mut DbConn, t: &Tally) -> Result<Summary, AppError> {
    let clocks = oversight::merge_clocks(&t.clocks);
    let evidence: Vec<&ClockShare> = clocks.iter().filter(|c| t.evidence_clocks.contains(&c.id)).collect();
    let met: u64 = evidence.iter().map(|c| c.met).sum();
    let late_or_broken: u64 = evidence.iter().map(|c| c.met_late + c.broken).sum();
    let mut by_judge = Vec::with_capacity(t.judges.len());
    for (id, overrides) in &t.judges {
        let judge = db::users::find(c, *id)?.map(|u| u.display_name).unwrap_or_else(|| format!("judge {id}"));
        by_judge.push(JudgeRow { judge_id: *id, judge, overrides: overrides.clone() });
    }
    let decided_adjournments = t.granted + t.refused;
    Ok(Summary {
        courts: t.courts,
        child_cases: ChildCases { pending: t.pending, decided: t.decided },
        child_evidence_in_time: ChildEvidenceInTime {
            met,
            late_or_broken,
            share_within: oversight::ratio(met, met + late_or_broken),
        },
        cognizance_to_child_evidence: figures::spread(t.days_to_evidence.clone()),
        cognizance_to_decision: figures::spread(t.days_to_decision.clone()),
        clocks,
        adjournments: Adjournments {
            requested: t.requested,
            refused_by_rule: t.refused_by_rule,
            granted: t.granted,
            refused: t.refused,
            overridden: t.overridden,
            override_rate: oversight::ratio(t.overridden, decided_adjournments),
            by_judge,
        },
        hearings: Hearings { held: t.held, not_held: t.not_held.values().sum(), not_held_by_cause: t.not_held.clone() },
        appearances: Appearances { figures: figures::appearance_figures(&t.appearances), recalls: t.recalls },
        video: Video { sessions: t.video_sessions, breaks: t.breaks },
        incidents: Incidents { total: t.incidents.values().sum(), by_kind: t.incidents.clone() },
    })
}

/// Where a row of figures lies.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Place {
    pub province: Option<String>,
    pub district: Option<String>,
    pub court_id: Option<i64>,
    pub court: Option<String>,
}

fn place_of(court: &Court, level: Level) -> Place {
    Place {
        province: court.province.clone(),
        district: if level == Level::Province { None } else { court.district.clone() },
        court_id: (level == Level::Court).then_some(court.id),
        court: (level == Level::Court).then(|| court.name.clone()),
    }
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct Row {
    #[serde(flatten)]
    pub place: Place,
    pub figures: Summary,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct Month {
    /// `YYYY-MM`.
    pub month: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub figures: Summary,
}

#[derive(Debug, Serialize)]
pub(crate) struct Dashboard {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// How the rows are grouped.
    pub rows_by: Level,
    pub totals: Summary,
    pub rows: Vec<Row>,
    pub months: Vec<Month>,
}

/// Each court's tally for the period, by court.
fn tallies(c: &mut DbConn, courts: &[Court], from: NaiveDate, to: NaiveDate) -> Result<Vec<Tally>, AppError> {
    courts.iter().map(|court| Tally::of_court(c, court, from, to)).collect()
}

/// The figures grouped one level below what is selected (a province's
/// districts, a district's courts), or by `rows_by` when asked.
fn grouped(c: &mut DbConn, courts: &[Court], tallies: &[Tally], level: Level) -> Result<Vec<Row>, AppError> {
    let mut groups: BTreeMap<Place, Tally> = BTreeMap::new();
    for (court, t) in courts.iter().zip(tallies) {
        groups.entry(place_of(court, level)).or_default().add(t);
    }
    groups.into_iter().map(|(place, t)| Ok(Row { place, figures: summary(c, &t)? })).collect()
}

/// The period as the monitor asks it: the courts' today (Karachi's when
/// the scope holds none) bounds it.
fn monitor_period(
    courts: &[Court],
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Result<(NaiveDate, NaiveDate), AppError> {
    let zone = courts.first().map_or("Asia/Karachi", |c| c.time_zone.as_str());
    period(from, to, local_date(zone, Utc::now()))
}

/// The level below a selection: a court has none (its own row).
fn level_below(sel: &Selection) -> Level {
    match (sel.court_id, &sel.district, &sel.province) {
        (Some(_), _, _) | (None, Some(_), _) => Level::Court,
        (None, None, Some(_)) => Level::District,
        (None, None, None) => Level::Province,
    }
}

pub(crate) fn dashboard(
    c: &mut DbConn,
    user: &AuthUser,
    sel: &Selection,
    rows_by: Option<Level>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Result<Dashboard, AppError> {
    let courts = sel.pick(courts_of(c, user)?)?;
    let (from, to) = monitor_period(&courts, from, to)?;
    let per_court = tallies(c, &courts, from, to)?;
    let mut all = Tally::default();
    for t in &per_court {
        all.add(t);
    }
    let rows_by = rows_by.unwrap_or_else(|| level_below(sel));
    let rows = grouped(c, &courts, &per_court, rows_by)?;
    let mut months = Vec::new();
    for (m_from, m_to) in oversight::months(from, to) {
        let mut month = Tally::default();
        for t in tallies(c, &courts, m_from, m_to)? {
            month.add(&t);
        }
        months.push(Month {
            month: m_from.format("%Y-%m").to_string(),
            from: m_from,
            to: m_to,
            figures: summary(c, &month)?,
        });
    }
    Ok(Dashboard { from, to, rows_by, totals: summary(c, &all)?, rows, months })
}

/// One line of open data: a figure of one place, or withheld.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct OpenFigure {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub level: Level,
    pub province: Option<String>,
    pub district: Option<String>,
    pub court: Option<String>,
    pub metric: String,
    /// Empty when withheld.
    pub value: Option<f64>,
    pub suppressed: bool,
}

/// The columns of the export, in order, with what each holds.
pub(crate) const COLUMNS: &[(&str, &str)] = &[
    ("from", "first day of the period (court-local date)"),
    ("to", "last day of the period"),
    ("level", "province, district or court"),
    ("province", "the province"),
    ("district", "the district (district and court rows)"),
    ("court", "the court's name (court rows)"),
    ("metric", "what is counted (see the metric list)"),
    ("value", "the figure; empty when suppressed"),
    (
        "suppressed",
        "true when the count is under 5, or a median is over fewer than 5 cases, or a share's part or its rest is under 5",
    ),
];

/// The figures of each place as open data: every count under five, and
/// every median, percentile or share over fewer than five cases, withheld;
/// within a group whose total is shown, one withheld cell takes the next
/// smallest with it so that it cannot be worked back.
pub(crate) fn open_data(
    c: &mut DbConn,
    user: &AuthUser,
    sel: &Selection,
    level: Level,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Result<Vec<OpenFigure>, AppError> {
    let courts = sel.pick(courts_of(c, user)?)?;
    let (from, to) = monitor_period(&courts, from, to)?;
    let per_court = tallies(c, &courts, from, to)?;
    let mut out = Vec::new();
    for row in grouped(c, &courts, &per_court, level)? {
        let mut line = |metric: String, value: Option<f64>| {
            out.push(OpenFigure {
                from,
                to,
                level,
                province: row.place.province.clone(),
                district: row.place.district.clone(),
                court: row.place.court.clone(),
                metric,
                suppressed: value.is_none(),
                value,
            });
        };
        let f = &row.figures;
        let count = |n: u64| oversight::shown(n).map(|n| n as f64);
        // A share shows its part and the rest of its whole as well, so it
        // is shown only when both are.
        let over = |part: u64, whole: u64, v: Option<f64>| {
            let shown = oversight::shown(part).is_some() && oversight::shown(whole.saturating_sub(part)).is_some();
            if shown {
                v
            } else {
                None
            }
        };
        line("child_cases_pending".into(), count(f.child_cases.pending));
        line("child_cases_decided".into(), count(f.child_cases.decided));
        let e = &f.child_evidence_in_time;
        line("child_evidence_in_time_met".into(), count(e.met));
        line("child_evidence_in_time_late_or_broken".into(), count(e.late_or_broken));
        line("child_evidence_in_time_share".into(), over(e.met, e.met + e.late_or_broken, e.share_within));
        for (name, s) in [("child_evidence", &f.cognizance_to_child_evidence), ("decision", &f.cognizance_to_decision)]
        {
            let s = oversight::shown_spread(s);
            line(format!("days_to_{name}_cases"), count(s.cases as u64));
            line(format!("days_to_{name}_median"), s.median_days);
            line(format!("days_to_{name}_p90"), s.p90_days.map(|d| d as f64));
        }
        for k in &f.clocks {
            let settled = k.met + k.met_late + k.broken;
            line(format!("clock_{}_met", k.id), count(k.met));
            line(format!("clock_{}_met_late", k.id), count(k.met_late));
            line(format!("clock_{}_broken", k.id), count(k.broken));
            line(format!("clock_{}_share_within", k.id), over(k.met, settled, k.share_within));
        }
        let a = &f.adjournments;
        line("adjournments_requested".into(), count(a.requested));
        line("adjournments_refused_by_rule".into(), count(a.refused_by_rule));
        line("adjournments_granted".into(), count(a.granted));
        line("adjournments_overridden".into(), count(a.overridden));
        line("adjournments_override_rate".into(), over(a.overridden, a.granted + a.refused, a.override_rate));
        line("hearings_held".into(), count(f.hearings.held));
        line("hearings_not_held".into(), count(f.hearings.not_held));
        let causes: Vec<(String, u64)> = f.hearings.not_held_by_cause.iter().map(|(k, v)| (k.clone(), *v)).collect();
        for (cause, v) in oversight::shown_group(&causes) {
            line(format!("hearings_not_held_{cause}"), v.map(|n| n as f64));
        }
        let ap = &f.appearances;
        line("children_brought".into(), count(ap.figures.children));
        line("appearances".into(), count(ap.figures.appearances));
        line("appearances_without_evidence".into(), count(ap.figures.without_evidence));
        line("children_brought_again".into(), count(ap.figures.brought_again));
        line("recalls_after_full_evidence".into(), count(ap.recalls));
        line("video_sessions".into(), count(f.video.sessions));
        line("video_breaks".into(), count(f.video.breaks));
        line("incidents".into(), count(f.incidents.total));
        let kinds: Vec<(String, u64)> = f.incidents.by_kind.iter().map(|(k, v)| (k.clone(), *v)).collect();
        for (kind, v) in oversight::shown_group(&kinds) {
            line(format!("incidents_{kind}"), v.map(|n| n as f64));
        }
    }
    Ok(out)
}

/// The open data as CSV (RFC 4180), with its header row.
pub(crate) fn csv(rows: &[OpenFigure]) -> String {
    let field = |s: &str| {
        if s.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_string()
        }
    };
    let mut out = COLUMNS.iter().map(|(c, _)| *c).collect::<Vec<_>>().join(",");
    out.push_str("\r\n");
    for r in rows {
        let level = match r.level {
            Level::Province => "province",
            Level::District => "district",
            Level::Court => "court",
        };
        let value = r.value.map(|v| if v.fract() == 0.0 { format!("{v:.0}") } else { v.to_string() });
        let cells = [
            r.from.to_string(),
            r.to.to_string(),
            level.to_string(),
            r.province.clone().unwrap_or_default(),
            r.district.clone().unwrap_or_default(),
            r.court.clone().unwrap_or_default(),
            r.metric.clone(),
            value.unwrap_or_default(),
            r.suppressed.to_string(),
        ];
        out.push_str(&cells.iter().map(|c| field(c)).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    }
    out
}
