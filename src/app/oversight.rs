//! What a monitor reads: the figures of delay of the courts of its
//! province or district, for a period, totalled per court, district and
//! province, and by month. Aggregates only: no case number, pseudonym,
//! name, birth date, contact or free text ever enters them.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, NaiveDate, Utc};
use serde::Serialize;

use super::course::profile_of;
use super::figures::period;
use crate::auth::AuthUser;
use crate::db::{self, courts::Court, DbConn};
use crate::domain::calendar::local_date;
use crate::domain::figures::{AppearanceFigures, ClockShare, Spread};
use crate::domain::month_figures::{self, month_key, MonthFigures};
use crate::domain::oversight::{self, JudgeOverrides};
use crate::domain::rules::{ClockRule, ClockStop, RuleProfile};
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

/// The kept figures of some courts over some months, added up, with the
/// clocks their courts' profiles run.
#[derive(Debug, Clone, Default)]
struct Tally {
    courts: u64,
    figures: MonthFigures,
    /// Every clock of the courts' profiles, once by id, in profile order.
    clocks: Vec<&'static ClockRule>,
}

impl Tally {
    fn add_court(&mut self, profile: &'static RuleProfile) {
        self.courts += 1;
        self.add_clocks(profile);
    }

    fn add_clocks(&mut self, profile: &'static RuleProfile) {
        for rule in &profile.clocks {
            if !self.clocks.iter().any(|r| r.id == rule.id) {
                self.clocks.push(rule);
            }
        }
    }

    fn add(&mut self, other: &Tally) {
        self.courts += other.courts;
        self.figures.add(&other.figures);
        for rule in &other.clocks {
            if !self.clocks.iter().any(|r| r.id == rule.id) {
                self.clocks.push(rule);
            }
        }
    }
}

/// Each selected court's kept rows for the period: its months and its
/// `pending` row.
struct Kept {
    by_court: BTreeMap<i64, BTreeMap<String, MonthFigures>>,
}

impl Kept {
    fn load(c: &mut DbConn, courts: &[Court], from: NaiveDate, to: NaiveDate) -> Result<Kept, AppError> {
        let ids: Vec<i64> = courts.iter().map(|c| c.id).collect();
        let mut by_court: BTreeMap<i64, BTreeMap<String, MonthFigures>> = BTreeMap::new();
        for (court, month, text) in db::court_figures::of_courts(c, &ids, &month_key(from), &month_key(to))? {
            let figures: MonthFigures = serde_json::from_str(&text)
                .map_err(|e| AppError::internal(format!("kept figures of court {court}, {month}: {e}")))?;
            by_court.entry(court).or_default().insert(month, figures);
        }
        Ok(Kept { by_court })
    }

    /// One court over one month, or over the period with its cases
    /// pending (its `pending` row) when `only` is None.
    fn court(&self, court: &Court, only: Option<&str>) -> Result<Tally, AppError> {
        let mut t = Tally::default();
        t.add_court(profile_of(court)?);
        if let Some(rows) = self.by_court.get(&court.id) {
            for (key, f) in rows {
                if only.is_none_or(|k| key == k) {
                    t.figures.add(f);
                }
            }
        }
        Ok(t)
    }

    fn judges(&self) -> Vec<i64> {
        let mut ids: Vec<i64> =
            self.by_court.values().flat_map(|rows| rows.values().flat_map(|f| f.judges.keys().copied())).collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }
}

/// The judges' names the figures show, by id.
type Names = BTreeMap<i64, String>;

/// What the figures are read against: the last day of the period and the
/// courts' today, on which an open clock is running or broken.
#[derive(Debug, Clone, Copy)]
struct Reading {
    to: NaiveDate,
    today: NaiveDate,
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

fn summary(t: &Tally, names: &Names, reading: Reading) -> Summary {
    let f = &t.figures;
    let clocks = f.clock_shares(t.clocks.iter().copied(), reading.to, reading.today);
    let evidence: Vec<&ClockShare> = clocks
        .iter()
        .filter(|c| t.clocks.iter().any(|r| r.id == c.id && r.stops_when == ClockStop::ChildEvidenceRecorded))
        .collect();
    let met: u64 = evidence.iter().map(|c| c.met).sum();
    let late_or_broken: u64 = evidence.iter().map(|c| c.met_late + c.broken).sum();
    let by_judge = f
        .judge_overrides()
        .into_iter()
        .map(|(id, overrides)| JudgeRow {
            judge_id: id,
            judge: names.get(&id).cloned().unwrap_or_else(|| format!("judge {id}")),
            overrides,
        })
        .collect();
    let decided_adjournments = f.granted + f.refused;
    Summary {
        courts: t.courts,
        child_cases: ChildCases { pending: f.pending, decided: f.decided },
        child_evidence_in_time: ChildEvidenceInTime {
            met,
            late_or_broken,
            share_within: oversight::ratio(met, met + late_or_broken),
        },
        cognizance_to_child_evidence: month_figures::spread_of(&f.days_to_evidence),
        cognizance_to_decision: month_figures::spread_of(&f.days_to_decision),
        clocks,
        adjournments: Adjournments {
            requested: f.requested,
            refused_by_rule: f.refused_by_rule,
            granted: f.granted,
            refused: f.refused,
            overridden: f.overridden,
            override_rate: oversight::ratio(f.overridden, decided_adjournments),
            by_judge,
        },
        hearings: Hearings { held: f.held, not_held: f.not_held.values().sum(), not_held_by_cause: f.not_held.clone() },
        appearances: Appearances {
            figures: AppearanceFigures {
                children: f.children,
                appearances: f.appearances,
                per_child: oversight::ratio(f.appearances, f.children).map(|x| (x * 100.0).round() / 100.0),
                most: f.most,
                brought_again: f.brought_again,
                without_evidence: f.without_evidence,
            },
            recalls: f.recalls,
        },
        video: Video { sessions: f.video_sessions, breaks: f.breaks },
        incidents: Incidents { total: f.incidents.values().sum(), by_kind: f.incidents.clone() },
    }
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
fn tallies(kept: &Kept, courts: &[Court]) -> Result<Vec<Tally>, AppError> {
    courts.iter().map(|court| kept.court(court, None)).collect()
}

/// The figures grouped one level below what is selected (a province's
/// districts, a district's courts), or by `rows_by` when asked.
fn grouped(courts: &[Court], tallies: &[Tally], level: Level, names: &Names, reading: Reading) -> Vec<Row> {
    let mut groups: BTreeMap<Place, Tally> = BTreeMap::new();
    for (court, t) in courts.iter().zip(tallies) {
        groups.entry(place_of(court, level)).or_default().add(t);
    }
    groups.into_iter().map(|(place, t)| Row { place, figures: summary(&t, names, reading) }).collect()
}

/// The period as the monitor asks it, in whole calendar months: `from`
/// moves back to the first of its month and `to` on to the last of its
/// (the kept figures are by month). The courts' today (Karachi's when the
/// scope holds none) is the default end, and the day clocks are read on.
fn monitor_period(
    courts: &[Court],
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Result<(NaiveDate, NaiveDate, NaiveDate), AppError> {
    let zone = courts.first().map_or("Asia/Karachi", |c| c.time_zone.as_str());
    let today = local_date(zone, Utc::now());
    let (from, to) = period(from, to, today)?;
    let first = from.with_day(1).unwrap_or(from);
    let last = oversight::months(to, to + Duration::days(31)).first().map_or(to, |(_, end)| *end);
    Ok((first, last, today))
}

/// The level below a selection: a court has none (its own row).
fn level_below(sel: &Selection) -> Level {
    match (sel.court_id, &sel.district, &sel.province) {
        (Some(_), _, _) | (None, Some(_), _) => Level::Court,
        (None, None, Some(_)) => Level::District,
        (None, None, None) => Level::Province,
    }
}

/// The courts picked, their kept figures for the period, and the names of
/// the judges in them.
struct Read {
    courts: Vec<Court>,
    kept: Kept,
    names: Names,
    from: NaiveDate,
    to: NaiveDate,
    today: NaiveDate,
}

fn read(
    c: &mut DbConn,
    user: &AuthUser,
    sel: &Selection,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Result<Read, AppError> {
    let courts = sel.pick(courts_of(c, user)?)?;
    let (from, to, today) = monitor_period(&courts, from, to)?;
    let kept = Kept::load(c, &courts, from, to)?;
    let names = db::users::display_names(c, &kept.judges())?.into_iter().collect();
    Ok(Read { courts, kept, names, from, to, today })
}

pub(crate) fn dashboard(
    c: &mut DbConn,
    user: &AuthUser,
    sel: &Selection,
    rows_by: Option<Level>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Result<Dashboard, AppError> {
    let r = read(c, user, sel, from, to)?;
    let reading = Reading { to: r.to, today: r.today };
    let per_court = tallies(&r.kept, &r.courts)?;
    let mut all = Tally::default();
    for t in &per_court {
        all.add(t);
    }
    let rows_by = rows_by.unwrap_or_else(|| level_below(sel));
    let rows = grouped(&r.courts, &per_court, rows_by, &r.names, reading);
    let mut months = Vec::new();
    for (m_from, m_to) in oversight::months(r.from, r.to) {
        let key = month_key(m_from);
        let mut month = Tally::default();
        for court in &r.courts {
            month.add(&r.kept.court(court, Some(&key))?);
        }
        // A month shows the cases pending today, as the period does.
        month.figures.pending = all.figures.pending;
        months.push(Month {
            month: key,
            from: m_from,
            to: m_to,
            figures: summary(&month, &r.names, Reading { to: m_to, today: r.today }),
        });
    }
    Ok(Dashboard { from: r.from, to: r.to, rows_by, totals: summary(&all, &r.names, reading), rows, months })
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
    let r = read(c, user, sel, from, to)?;
    let (from, to) = (r.from, r.to);
    let per_court = tallies(&r.kept, &r.courts)?;
    let mut out = Vec::new();
    for row in grouped(&r.courts, &per_court, level, &r.names, Reading { to: r.to, today: r.today }) {
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
