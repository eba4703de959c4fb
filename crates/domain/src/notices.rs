//! What a party is told about a hearing: its own side's plan and nothing of
//! the other side's, in its language, short enough for an SMS. A notice
//! never names a child: the guardian is told of "your child's hearing".

use chrono::NaiveDateTime;

use crate::roles::{string_enum, PartyRole, Side};

string_enum! {
    /// The language a party reads its notices in.
    Language {
        English => "en",
        Urdu => "ur",
    }
}

string_enum! {
    /// What happened to the hearing that the party must know.
    NoticeKind {
        Booked => "booked",
        Changed => "changed",
        Adjourned => "adjourned",
        Cancelled => "cancelled",
        Production => "production",
        VideoInvite => "video_invite",
    }
}

string_enum! {
    /// How a notice travels.
    Channel {
        Email => "email",
        Sms => "sms",
        Paper => "paper",
    }
}

/// One side's plan for one hearing, in the court's local time: everything
/// a notice may say, and by construction nothing of another side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SideNotice {
    pub kind: NoticeKind,
    pub language: Language,
    pub recipient: PartyRole,
    pub side: Side,
    pub court_name: String,
    pub case_number: String,
    /// The hearing's start, local.
    pub starts_at: NaiveDateTime,
    /// When and where this side arrives, local; None for a cancellation.
    pub arrive_at: Option<NaiveDateTime>,
    pub entrance: Option<String>,
    pub waiting_area: Option<String>,
    pub on_video_link: bool,
}

/// A notice as sent: a subject (email) and a body (email and SMS alike).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub body: String,
}

/// Whose hearing the notice speaks of, from the reader's place: a guardian
/// or support person hears of "your child's hearing", never a name.
fn whose(n: &SideNotice) -> &'static str {
    match (n.language, n.recipient) {
        (Language::English, PartyRole::Guardian | PartyRole::SupportPerson | PartyRole::Intermediary) => {
            "your child's hearing"
        }
        (Language::English, _) => "the hearing",
        (Language::Urdu, PartyRole::Guardian | PartyRole::SupportPerson | PartyRole::Intermediary) => {
            "آپ کے بچے کی سماعت"
        }
        (Language::Urdu, _) => "سماعت",
    }
}

fn what_to_bring(n: &SideNotice) -> &'static str {
    match (n.language, n.side) {
        (Language::English, Side::Child) => {
            "Bring this message and an identity card. Ask at the gate for the support officer; the child waits only in the room named here."
        }
        (Language::English, _) => "Bring this message and an identity card. Ask at the gate for the court clerk.",
        (Language::Urdu, Side::Child) => {
            "یہ پیغام اور شناختی کارڈ ساتھ لائیں۔ گیٹ پر سپورٹ آفیسر کا پوچھیں؛ بچہ صرف یہاں بتائے گئے کمرے میں انتظار کرے گا۔"
        }
        (Language::Urdu, _) => "یہ پیغام اور شناختی کارڈ ساتھ لائیں۔ گیٹ پر کورٹ کلرک کا پوچھیں۔",
    }
}

fn when(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M").to_string()
}

/// The notice's text in the party's language.
pub fn render(n: &SideNotice) -> Rendered {
    let whose = whose(n);
    let start = when(n.starts_at);
    match n.language {
        Language::English => {
            let (headline, subject) = match n.kind {
                // Production and invites have their own texts; listed is the
                // nearest should one reach here.
                NoticeKind::Booked | NoticeKind::Production | NoticeKind::VideoInvite => {
                    (format!("{} is listed for {start}", capitalise(whose)), "Hearing listed")
                }
                NoticeKind::Changed => (format!("{} has moved to {start}", capitalise(whose)), "Hearing moved"),
                NoticeKind::Adjourned => {
                    (format!("{} is adjourned to {start}", capitalise(whose)), "Hearing adjourned")
                }
                NoticeKind::Cancelled => {
                    (format!("{} on {start} is cancelled", capitalise(whose)), "Hearing cancelled")
                }
            };
            let mut body = format!("{headline} ({}, case {}).", n.court_name, n.case_number);
            if n.kind != NoticeKind::Cancelled {
                if let (Some(arrive), Some(entrance), Some(area)) = (n.arrive_at, &n.entrance, &n.waiting_area) {
                    body.push_str(&format!(
                        " Arrive at {} by the {entrance} and wait in the {area}.",
                        arrive.format("%H:%M")
                    ));
                }
                if n.on_video_link && n.side == Side::Child {
                    body.push_str(" The child speaks over the video link and does not go into the court room.");
                }
                body.push(' ');
                body.push_str(what_to_bring(n));
            }
            Rendered { subject: format!("{subject}: case {}", n.case_number), body }
        }
        Language::Urdu => {
            let headline = match n.kind {
                NoticeKind::Booked | NoticeKind::Production | NoticeKind::VideoInvite => {
                    format!("{whose} {start} کو مقرر ہے")
                }
                NoticeKind::Changed => format!("{whose} اب {start} کو ہوگی"),
                NoticeKind::Adjourned => format!("{whose} {start} تک ملتوی ہو گئی ہے"),
                NoticeKind::Cancelled => format!("{start} کی {whose} منسوخ ہو گئی ہے"),
            };
            let mut body = format!("{headline} ({}، مقدمہ {})۔", n.court_name, n.case_number);
            if n.kind != NoticeKind::Cancelled {
                if let (Some(arrive), Some(entrance), Some(area)) = (n.arrive_at, &n.entrance, &n.waiting_area) {
                    body.push_str(&format!(
                        " {} بجے تک {entrance} سے آئیں اور {area} میں انتظار کریں۔",
                        arrive.format("%H:%M")
                    ));
                }
                if n.on_video_link && n.side == Side::Child {
                    body.push_str(" بچہ ویڈیو لنک پر بات کرے گا اور کمرۂ عدالت میں نہیں جائے گا۔");
                }
                body.push(' ');
                body.push_str(what_to_bring(n));
            }
            Rendered { subject: format!("سماعت: مقدمہ {}", n.case_number), body }
        }
    }
}

/// Who is asked, in their notice, how the hearing went: the guardian of
/// the child's side, for a hearing that is (still) to take place.
pub fn asks_feedback(recipient: PartyRole, side: Side, kind: NoticeKind) -> bool {
    recipient == PartyRole::Guardian
        && side == Side::Child
        && matches!(kind, NoticeKind::Booked | NoticeKind::Changed | NoticeKind::Adjourned)
}

/// The line a notice ends with that asks the family how it went; `link`
/// is the feedback page with its token.
pub fn feedback_line(language: Language, link: &str) -> String {
    match language {
        Language::English => format!(
            " After the hearing, tell the monitoring cell how you were treated (no account needed, the court does not see your answers): {link}"
        ),
        Language::Urdu => format!(
            " سماعت کے بعد مانیٹرنگ سیل کو بتائیں کہ آپ کے ساتھ کیسا سلوک ہوا (اکاؤنٹ کی ضرورت نہیں، عدالت آپ کے جواب نہیں دیکھتی): {link}"
        ),
    }
}

/// A production notice to the prison holding an accused: whom to bring,
/// when, and by the accused side's own gate to its own area; nothing of the
/// child's side. Prisons are written to in English, the language of the
/// warrants they receive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductionNotice {
    pub cancelled: bool,
    pub prison: String,
    pub accused: String,
    pub court_name: String,
    pub case_number: String,
    pub starts_at: NaiveDateTime,
    pub arrive_at: Option<NaiveDateTime>,
    pub entrance: Option<String>,
    pub waiting_area: Option<String>,
}

pub fn render_production(n: &ProductionNotice) -> Rendered {
    let start = when(n.starts_at);
    if n.cancelled {
        return Rendered {
            subject: format!("Production no longer required: case {}", n.case_number),
            body: format!(
                "To the Superintendent, {}: the hearing of case {} before {} on {start} is cancelled; {} need not be produced.",
                n.prison, n.case_number, n.court_name, n.accused
            ),
        };
    }
    let mut body = format!(
        "To the Superintendent, {}: produce the accused {} before {} in case {} on {start}.",
        n.prison, n.accused, n.court_name, n.case_number
    );
    if let (Some(arrive), Some(entrance), Some(area)) = (n.arrive_at, &n.entrance, &n.waiting_area) {
        body.push_str(&format!(
            " The escort arrives by {} at the {entrance} and waits with him in the {area} until called.",
            arrive.format("%H:%M")
        ));
    }
    body.push_str(" Keep to these times: they keep him apart from the child's side.");
    Rendered { subject: format!("Production warrant: case {}", n.case_number), body }
}

/// A participant's invitation to join a hearing by video link.
pub fn render_video_invite(language: Language, case_number: &str, starts_at: NaiveDateTime, link: &str) -> Rendered {
    let start = when(starts_at);
    match language {
        Language::English => Rendered {
            subject: format!("Video link: case {case_number}"),
            body: format!(
                "You are invited to join the hearing of case {case_number} on {start} by video link. Open this link a few minutes before: {link}"
            ),
        },
        Language::Urdu => Rendered {
            subject: format!("ویڈیو لنک: مقدمہ {case_number}"),
            body: format!(
                "آپ کو مقدمہ {case_number} کی {start} کی سماعت میں ویڈیو لنک سے شامل ہونے کی دعوت ہے۔ چند منٹ پہلے یہ لنک کھولیں: {link}"
            ),
        },
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Who is told directly: a child is reached through the guardian, never
/// by a contact of the child's own; everyone else by their own contact.
pub fn reached_directly(role: PartyRole) -> bool {
    role != PartyRole::ChildWitness
}

/// The notice's text with each link to `path` made a full address under
/// `origin`. The text is stored with the page's path, as the transaction
/// that writes it knows no origin; a notice takes the configured origin
/// where it leaves (the notices worker, the clerk's printed copy). A path
/// already behind an origin is left as it is.
pub fn with_origin(text: &str, path: &str, origin: &str) -> String {
    let origin = origin.trim_end_matches('/');
    let mut out = String::with_capacity(text.len() + origin.len());
    let mut rest = text;
    while let Some(at) = rest.find(path) {
        out.push_str(&rest[..at]);
        if out.chars().next_back().is_none_or(char::is_whitespace) {
            out.push_str(origin);
        }
        out.push_str(path);
        rest = &rest[at + path.len()..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at(h: u32, m: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2030, 3, 4).and_then(|d| d.and_hms_opt(h, m, 0)).unwrap_or_default()
    }

    fn guardian_notice(language: Language) -> SideNotice {
        SideNotice {
            kind: NoticeKind::Booked,
            language,
            recipient: PartyRole::Guardian,
            side: Side::Child,
            court_name: "Special Court Kasur".into(),
            case_number: "CSA-1/2030".into(),
            starts_at: at(10, 0),
            arrive_at: Some(at(9, 15)),
            entrance: Some("East Gate".into()),
            waiting_area: Some("Children's Room".into()),
            on_video_link: true,
        }
    }

    #[test]
    fn a_guardian_hears_of_your_childs_hearing_with_the_child_sides_gate_area_and_time() {
        let r = render(&guardian_notice(Language::English));
        assert!(r.body.starts_with("Your child's hearing is listed for 2030-03-04 10:00"), "{}", r.body);
        assert!(r.body.contains("Arrive at 09:15 by the East Gate and wait in the Children's Room"), "{}", r.body);
        assert!(r.body.contains("video link"), "{}", r.body);
        assert!(r.body.contains("support officer"), "{}", r.body);
    }

    #[test]
    fn urdu_notices_carry_the_same_plan() {
        let r = render(&guardian_notice(Language::Urdu));
        assert!(r.body.contains("آپ کے بچے کی سماعت"), "{}", r.body);
        assert!(r.body.contains("09:15") && r.body.contains("East Gate") && r.body.contains("Children's Room"));
    }

    #[test]
    fn a_cancellation_gives_no_gate_or_area() {
        let mut n = guardian_notice(Language::English);
        n.kind = NoticeKind::Cancelled;
        let r = render(&n);
        assert!(r.body.contains("is cancelled") && !r.body.contains("East Gate"), "{}", r.body);
    }

    #[test]
    fn the_accused_side_is_not_told_of_a_video_link_or_the_support_officer() {
        let mut n = guardian_notice(Language::English);
        n.recipient = PartyRole::Accused;
        n.side = Side::Accused;
        n.entrance = Some("Lock-up Gate".into());
        n.waiting_area = Some("Holding Room".into());
        let r = render(&n);
        assert!(r.body.starts_with("The hearing is listed"), "{}", r.body);
        assert!(
            !r.body.contains("video") && !r.body.contains("support officer") && !r.body.contains("child"),
            "{}",
            r.body
        );
    }

    #[test]
    fn a_production_notice_names_the_accused_and_only_the_accused_sides_gate() {
        let n = ProductionNotice {
            cancelled: false,
            prison: "District Jail Kasur".into(),
            accused: "Imran Khan".into(),
            court_name: "Special Court Kasur".into(),
            case_number: "CSA-1/2030".into(),
            starts_at: at(10, 0),
            arrive_at: Some(at(9, 30)),
            entrance: Some("Lock-up Gate".into()),
            waiting_area: Some("Holding Room".into()),
        };
        let r = render_production(&n);
        assert!(r.body.contains("produce the accused Imran Khan") && r.body.contains("09:30"), "{}", r.body);
        assert!(r.body.contains("Lock-up Gate") && r.body.contains("Holding Room"), "{}", r.body);
        let cancelled = render_production(&ProductionNotice { cancelled: true, ..n });
        assert!(cancelled.body.contains("need not be produced") && !cancelled.body.contains("Lock-up Gate"));
    }

    #[test]
    fn a_video_invite_carries_its_link_in_the_partys_language() {
        let r = render_video_invite(Language::Urdu, "CSA-1/2030", at(10, 0), "https://court.example/join#t");
        assert!(r.body.contains("https://court.example/join#t") && r.body.contains("ویڈیو لنک"), "{}", r.body);
    }

    #[test]
    fn only_the_child_sides_guardian_is_asked_for_feedback_and_not_on_a_cancellation() {
        assert!(asks_feedback(PartyRole::Guardian, Side::Child, NoticeKind::Booked));
        assert!(asks_feedback(PartyRole::Guardian, Side::Child, NoticeKind::Adjourned));
        assert!(!asks_feedback(PartyRole::Guardian, Side::Child, NoticeKind::Cancelled));
        assert!(!asks_feedback(PartyRole::Accused, Side::Accused, NoticeKind::Booked));
        let line = feedback_line(Language::Urdu, "/feedback.html#t=ab");
        assert!(line.contains("/feedback.html#t=ab") && line.contains("مانیٹرنگ"), "{line}");
        let full = with_origin(&line, "/feedback.html#t=", "https://amaan.example.org/");
        assert!(full.ends_with(": https://amaan.example.org/feedback.html#t=ab"), "{full}");
        assert_eq!(with_origin(&full, "/feedback.html#t=", "https://other.example.org"), full, "already whole");
        assert_eq!(with_origin("no link", "/feedback.html#t=", "https://a.example"), "no link");
    }

    #[test]
    fn a_child_is_reached_through_the_guardian() {
        assert!(!reached_directly(PartyRole::ChildWitness));
        assert!(reached_directly(PartyRole::Guardian));
    }
}
