//! The API described as OpenAPI 3.1, served at `GET /api/openapi.json`.
//! Request bodies and query parameters come from the very structs the
//! handlers deserialise (`utoipa::ToSchema` / `IntoParams` derives), so the
//! document cannot drift from what a route accepts; `ROUTES` below names
//! every route with its method, body, query and success answer, and a test
//! holds it to the routes the server registers.

use actix_web::{web, HttpResponse};
use utoipa::openapi::path::{HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn, PathItem};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::response::{ResponseBuilder, ResponsesBuilder};
use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{
    ComponentsBuilder, ContentBuilder, InfoBuilder, OpenApi, OpenApiBuilder, PathsBuilder, RefOr, Required, Schema,
};
use utoipa::{IntoParams, PartialSchema};

use super::{
    adjournments, audit, auth, calendar, cases, courts, docket, escalations, feedback, hearings, incidents, input,
    linked, notices, oversight, schedule, session_console, users, video,
};

/// Who may call a route.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Access {
    Anyone,
    Staff,
    /// An invite token in `?token=`, not a staff login.
    Invite,
    /// The SMS gateway's own token, as `Bearer` or a Basic password.
    Gateway,
}

/// What a successful call answers.
#[derive(Clone, Copy)]
enum Answer {
    /// A JSON object (`items` and paging for lists).
    Json(u16),
    /// A JSON object, or the same as a printable page with `format=html`.
    JsonOrHtml,
    Text,
    Media,
    /// Open data: CSV, or JSON with `format=json`.
    CsvOrJson,
    /// A printable page.
    Html,
    /// An RFC 5545 calendar.
    Calendar,
}

type SchemaFn = fn() -> RefOr<Schema>;
type ParamsFn = fn() -> Vec<utoipa::openapi::path::Parameter>;

/// One route: method, path under `/api` (or the root), summary, tag, who may
/// call it, its body, its query and its success answer.
struct Route {
    method: HttpMethod,
    path: &'static str,
    summary: &'static str,
    tag: &'static str,
    access: Access,
    body: Option<SchemaFn>,
    query: Option<ParamsFn>,
    answer: Answer,
}

const fn route(method: HttpMethod, path: &'static str, summary: &'static str, tag: &'static str) -> Route {
    Route { method, path, summary, tag, access: Access::Staff, body: None, query: None, answer: Answer::Json(200) }
}

impl Route {
    const fn body(mut self, schema: SchemaFn) -> Route {
        self.body = Some(schema);
        self
    }
    const fn query(mut self, params: ParamsFn) -> Route {
        self.query = Some(params);
        self
    }
    const fn answers(mut self, answer: Answer) -> Route {
        self.answer = answer;
        self
    }
    const fn open_to(mut self, access: Access) -> Route {
        self.access = access;
        self
    }
}

fn q<T: IntoParams>() -> Vec<utoipa::openapi::path::Parameter> {
    T::into_params(|| Some(ParameterIn::Query))
}

use HttpMethod::{Delete, Get, Patch, Post, Put};

/// Every route the server registers, but the signalling WebSocket
/// (`GET /ws/video-sessions/{id}`, described in docs/signalling.md) and the
/// static pages.
fn routes() -> Vec<Route> {
    vec![
        route(Get, "/health", "Liveness", "service").open_to(Access::Anyone),
        route(Get, "/metrics", "Prometheus metrics", "service").open_to(Access::Anyone).answers(Answer::Text),
        route(Get, "/api/openapi.json", "This document", "service").open_to(Access::Anyone),
        route(Post, "/api/auth/login", "Sign in: a token for a staff account", "auth")
            .open_to(Access::Anyone)
            .body(auth::LoginInput::schema),
        route(Post, "/api/auth/logout", "Revoke every token of this account", "auth").answers(Answer::Json(204)),
        route(Get, "/api/auth/me", "The signed-in account", "auth"),
        route(Post, "/api/courts", "Create a court", "courts")
            .body(courts::CourtInput::schema)
            .answers(Answer::Json(201)),
        route(Get, "/api/courts", "Courts the caller may see", "courts").query(q::<input::PageQuery>),
        route(Get, "/api/courts/{id}", "One court", "courts"),
        route(Patch, "/api/courts/{id}", "Change a court", "courts").body(courts::CourtPatch::schema),
        route(Post, "/api/courts/{id}/rooms", "Add a court room", "courts")
            .body(courts::RoomInput::schema)
            .answers(Answer::Json(201)),
        route(Get, "/api/courts/{id}/rooms", "The court's rooms", "courts").query(q::<input::PageQuery>),
        route(Post, "/api/courts/{id}/waiting-areas", "Add a waiting area", "courts")
            .body(courts::WaitingAreaInput::schema)
            .answers(Answer::Json(201)),
        route(Get, "/api/courts/{id}/waiting-areas", "The court's waiting areas", "courts")
            .query(q::<input::PageQuery>),
        route(Get, "/api/courts/{id}/hearings", "The court's hearings over some days", "calendar")
            .query(q::<calendar::SpanQuery>),
        route(Get, "/api/courts/{id}/judges", "The court's judges", "calendar"),
        route(Get, "/api/courts/{id}/holidays", "The court's holidays", "scheduling"),
        route(Post, "/api/courts/{id}/holidays", "Add a holiday", "scheduling")
            .body(schedule::HolidayInput::schema)
            .answers(Answer::Json(201)),
        route(Delete, "/api/courts/{id}/holidays/{day}", "Remove a holiday", "scheduling"),
        route(Get, "/api/courts/{id}/child-cases", "Open child cases and their next hearing", "docket"),
        route(Get, "/api/courts/{id}/cause-list", "The day's cause list", "docket").query(q::<docket::CauseListQuery>),
        route(Get, "/api/courts/{id}/escalations", "Cases past a statutory clock", "docket"),
        route(Get, "/api/courts/{id}/adjournment-stats", "Adjournment figures", "adjournments")
            .query(q::<adjournments::PeriodQuery>),
        route(Post, "/api/users", "Create a staff account", "users")
            .body(users::UserInput::schema)
            .answers(Answer::Json(201)),
        route(Get, "/api/users", "Staff accounts", "users").query(q::<input::PageQuery>),
        route(Get, "/api/users/{id}", "One staff account", "users"),
        route(Patch, "/api/users/{id}", "Disable an account or set its password", "users")
            .body(users::UserPatch::schema),
        route(Post, "/api/cases", "Register a case", "cases").body(cases::CaseInput::schema).answers(Answer::Json(201)),
        route(Get, "/api/cases", "Cases", "cases").query(q::<cases::CaseListQuery>),
        route(Get, "/api/cases/{id}", "One case with its clocks", "cases"),
        route(Patch, "/api/cases/{id}", "Change a case", "cases").body(cases::CasePatch::schema),
        route(Post, "/api/cases/{id}/parties", "Add a party", "cases")
            .body(cases::PartyInput::schema)
            .answers(Answer::Json(201)),
        route(
            Get,
            "/api/cases/{id}/parties",
            "The case's parties (pseudonyms where the caller may not see names)",
            "cases",
        ),
        route(Post, "/api/buildings", "Create a building that courts may share", "linked cases")
            .body(linked::BuildingInput::schema)
            .answers(Answer::Json(201)),
        route(Get, "/api/buildings", "Buildings", "linked cases"),
        route(Put, "/api/courts/{id}/building", "Put a court in a building", "linked cases")
            .body(linked::PlaceInput::schema),
        route(Post, "/api/cases/{id}/links", "Link a case of the same building", "linked cases")
            .body(linked::LinkInput::schema)
            .answers(Answer::Json(201)),
        route(Get, "/api/cases/{id}/links", "The case's links and its linked group", "linked cases"),
        route(Delete, "/api/cases/{id}/links/{other}", "Unlink two cases", "linked cases").answers(Answer::Json(204)),
        route(Post, "/api/cases/{id}/associates", "Name a person the child side must never meet", "linked cases")
            .body(linked::AssociateInput::schema)
            .answers(Answer::Json(201)),
        route(Get, "/api/cases/{id}/associates", "The case's named associates", "linked cases"),
        route(Get, "/api/case-groups/{id}", "The linked group of a case: cases, children, associates", "linked cases"),
        route(
            Post,
            "/api/case-groups/{id}/testimony-plan",
            "Plan each child's single sitting, with late children and what-if answers",
            "linked cases",
        )
        .body(linked::TestimonyPlanInput::schema),
        route(
            Post,
            "/api/case-groups/{id}/testimony-plan/book",
            "Book the planned sittings, all or none, each checked as a booking by hand",
            "linked cases",
        )
        .body(linked::BookPlanInput::schema),
        route(Post, "/api/cases/{id}/counsel", "Add counsel to a case", "scheduling")
            .body(schedule::CounselInput::schema)
            .answers(Answer::Json(201)),
        route(Get, "/api/cases/{id}/counsel", "The case's counsel", "scheduling"),
        route(Post, "/api/cases/{id}/hearings", "Add a hearing (booked through the scheduler when timed)", "hearings")
            .body(hearings::HearingInput::schema)
            .answers(Answer::Json(201)),
        route(Get, "/api/cases/{id}/hearings", "The case's hearings", "hearings").query(q::<input::PageQuery>),
        route(Get, "/api/cases/{id}/adjournments", "The case's adjournments and overrides", "adjournments"),
        route(Get, "/api/hearings/{id}", "One hearing", "hearings"),
        route(Get, "/api/hearings/slots", "Feasible slots for a hearing, earliest first", "scheduling")
            .query(q::<schedule::SlotQuery>),
        route(Post, "/api/hearings/{id}/book", "Book a hearing at a time, with its never-meet plan", "scheduling")
            .body(schedule::BookInput::schema),
        route(Get, "/api/hearings/{id}/arrival-plan", "One side's arrival plan", "scheduling")
            .query(q::<schedule::ArrivalQuery>)
            .answers(Answer::JsonOrHtml),
        route(Post, "/api/plan", "Plan the court's unscheduled hearings", "scheduling")
            .body(schedule::PlanInput::schema),
        route(Post, "/api/plan/accept", "Accept a plan, whole or in part", "scheduling")
            .body(schedule::AcceptInput::schema),
        route(Get, "/api/schedule/violations", "The validator over the court's bookings", "scheduling")
            .query(q::<schedule::ViolationQuery>),
        route(Get, "/api/docket", "A judge's hearings in priority order, with why", "docket")
            .query(q::<docket::DocketQuery>),
        route(Post, "/api/hearings/{id}/adjournments", "Ask to adjourn (checked by the rule profile)", "adjournments")
            .body(adjournments::RequestInput::schema)
            .answers(Answer::Json(201)),
        route(Get, "/api/adjournments/{id}", "One adjournment request", "adjournments"),
        route(
            Post,
            "/api/adjournments/{id}/decision",
            "A judge decides (an override needs written reasons)",
            "adjournments",
        )
        .body(adjournments::DecisionInput::schema),
        route(Post, "/api/hearings/{id}/video-session", "Open the hearing's video session", "video")
            .body(video::CreateSession::schema)
            .answers(Answer::Json(201)),
        route(Get, "/api/hearings/{id}/video-session", "The hearing's video session", "video"),
        route(Get, "/api/hearings/{id}/recordings", "The hearing's recordings (judge)", "video"),
        route(Get, "/api/video-sessions/{id}", "One video session", "video"),
        route(Post, "/api/video-sessions/{id}/invites", "Invite a participant", "video")
            .body(video::InviteInput::schema)
            .answers(Answer::Json(201)),
        route(Delete, "/api/video-sessions/{id}/invites/{participant}", "Withdraw an invite", "video"),
        route(Post, "/api/video-sessions/{id}/state", "Start, break, resume or end", "video")
            .body(video::StateInput::schema),
        route(Patch, "/api/video-sessions/{id}/settings", "The judge's orders for the session", "video")
            .body(video::SettingsInput::schema),
        route(Get, "/api/video-sessions/{id}/recordings", "The session's recordings and their hashes", "video"),
        route(Get, "/api/video-sessions/{id}/visibility", "Who sees and hears whom now", "video"),
        route(
            Post,
            "/api/video-sessions/{id}/evidence",
            "Mark the child's evidence recorded from an ended session, with its recordings' hashes",
            "video",
        )
        .body(session_console::EvidenceInput::schema)
        .answers(Answer::Json(201)),
        route(Get, "/api/recordings/{id}/file", "A recording's file (judge)", "video").answers(Answer::Media),
        route(
            Get,
            "/api/video-sessions/{sid}/recordings/{id}/file",
            "A recording's file (counsel, by invite)",
            "video",
        )
        .open_to(Access::Invite)
        .answers(Answer::Media),
        route(Put, "/api/parties/{id}/contact", "Set where a party is reached (not a child)", "notices")
            .body(notices::ContactInput::schema),
        route(Get, "/api/parties/{id}/contact", "A party's contact", "notices"),
        route(Get, "/api/hearings/{id}/notices", "What each party of a hearing was sent", "notices"),
        route(Post, "/api/notices/{id}/resend", "Send a notice again", "notices"),
        route(Post, "/api/notices/delivery-reports", "An SMS gateway's delivery report (its own token)", "notices")
            .open_to(Access::Gateway)
            .body(delivery_report_schema),
        route(Post, "/api/cases/{id}/incidents", "Record a breach of the special measures", "oversight")
            .body(incidents::IncidentInput::schema)
            .answers(Answer::Json(201)),
        route(Get, "/api/cases/{id}/incidents", "The case's incidents", "oversight"),
        route(Get, "/api/monitor/courts", "The courts a monitor reads", "oversight"),
        route(
            Get,
            "/api/monitor/dashboard",
            "Figures of delay per court, district and province, by month",
            "oversight",
        )
        .query(q::<oversight::DashboardQuery>),
        route(Get, "/api/monitor/export", "The figures as open data, counts under 5 suppressed", "oversight")
            .query(q::<oversight::ExportQuery>)
            .answers(Answer::CsvOrJson),
        route(
            Post,
            "/api/cases/{id}/escalation-reports",
            "Generate the report of a broken clock the profile escalates",
            "oversight",
        )
        .body(escalations::GenerateInput::schema)
        .answers(Answer::Json(201)),
        route(Get, "/api/courts/{id}/escalation-reports", "The court's escalation reports", "oversight"),
        route(Get, "/api/escalation-reports/{id}", "One escalation report", "oversight"),
        route(Get, "/api/escalation-reports/{id}/print", "An escalation report as a printable page", "oversight")
            .answers(Answer::Html),
        route(
            Post,
            "/api/escalation-reports/{id}/sent",
            "Record that the report was sent (when, by whom)",
            "oversight",
        ),
        route(Get, "/api/monitor/escalation-reports", "Escalation reports of the monitor's courts", "oversight")
            .query(q::<escalations::MonitorQuery>),
        route(Get, "/api/monitor/escalation-reports/{id}", "One escalation report, for the monitor", "oversight"),
        route(
            Get,
            "/api/monitor/escalation-reports/{id}/print",
            "An escalation report as a printable page, for the monitor",
            "oversight",
        )
        .answers(Answer::Html),
        route(Post, "/api/feedback/open", "What a family's feedback link is about (no account)", "feedback")
            .open_to(Access::Anyone)
            .body(feedback::OpenInput::schema),
        route(Post, "/api/feedback", "A family's answers, once per link (no account)", "feedback")
            .open_to(Access::Anyone)
            .body(feedback::FeedbackInput::schema)
            .answers(Answer::Json(201)),
        route(Post, "/api/hearings/{id}/feedback-links", "A feedback link to fill in with a family", "feedback")
            .body(feedback::LinkInput::schema)
            .answers(Answer::Json(201)),
        route(Get, "/api/monitor/feedback", "Each family's answers, for the monitor", "feedback")
            .query(q::<feedback::MonitorFeedbackQuery>),
        route(Get, "/api/courts/{id}/feedback", "The court's families' answers as counts of five or more", "feedback")
            .query(q::<feedback::PeriodQuery>),
        route(Get, "/api/notices/{id}/print", "A paper notice as a printable page", "notices").answers(Answer::Html),
        route(Post, "/api/notices/{id}/printed", "Record that a paper notice was printed", "notices"),
        route(Put, "/api/parties/{id}/custody", "Where an accused is held (or released)", "notices")
            .body(notices::CustodyInput::schema),
        route(Get, "/api/courts/{id}/prisons", "The court's prisons", "notices"),
        route(Post, "/api/courts/{id}/prisons", "Add a prison with its notice address", "notices")
            .body(notices::PrisonInput::schema)
            .answers(Answer::Json(201)),
        route(Put, "/api/prisons/{id}", "Change a prison's name or notice address", "notices")
            .body(notices::PrisonInput::schema),
        route(Delete, "/api/prisons/{id}", "Remove a prison no one is held in", "notices").answers(Answer::Json(204)),
        route(
            Post,
            "/api/video-sessions/{id}/invites/{participant}/send",
            "Send a participant's video-link invite by SMS or email",
            "notices",
        )
        .body(notices::SendInviteInput::schema)
        .answers(Answer::Json(201)),
        route(Post, "/api/me/calendar-feed", "A new secret calendar feed URL (the old one stops)", "notices")
            .answers(Answer::Json(201)),
        route(Delete, "/api/me/calendar-feed", "Revoke the calendar feed", "notices").answers(Answer::Json(204)),
        route(Get, "/api/calendar-feeds/{secret}", "A staff user's hearings (RFC 5545), by its secret", "notices")
            .open_to(Access::Anyone)
            .answers(Answer::Calendar),
        route(Get, "/api/audit", "The audit trail", "audit").query(q::<audit::AuditQuery>),
        route(Get, "/api/audit/verify", "Prove the audit chain intact", "audit"),
    ]
}

/// `{"id", "status"}` (Twilio's form `MessageSid`/`MessageStatus` is taken too).
fn delivery_report_schema() -> RefOr<Schema> {
    ObjectBuilder::new()
        .property("id", ObjectBuilder::new().schema_type(SchemaType::new(Type::String)).min_length(Some(1)))
        .property(
            "status",
            ObjectBuilder::new().schema_type(SchemaType::new(Type::String)).enum_values(Some([
                "delivered",
                "undelivered",
                "failed",
                "rejected",
                "expired",
                "queued",
                "accepted",
                "sending",
                "sent",
                "scheduled",
                "buffered",
            ])),
        )
        .required("id")
        .required("status")
        .into()
}

fn problem_schema() -> RefOr<Schema> {
    let text = || ObjectBuilder::new().schema_type(SchemaType::new(Type::String));
    ObjectBuilder::new()
        .description(Some("RFC 9457 problem details; `rule` and `section` when a rule of the court's profile refused"))
        .property("type", text())
        .property("title", text())
        .property("status", ObjectBuilder::new().schema_type(SchemaType::new(Type::Integer)))
        .property("detail", text())
        .property("code", text())
        .property("field", text())
        .property("rule", text())
        .property("section", text())
        .required("type")
        .required("title")
        .required("status")
        .required("detail")
        .into()
}

fn json_object() -> RefOr<Schema> {
    ObjectBuilder::new().schema_type(SchemaType::new(Type::Object)).into()
}

fn problem(description: &str) -> utoipa::openapi::Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/problem+json",
            ContentBuilder::new().schema(Some(RefOr::Ref(utoipa::openapi::Ref::from_schema_name("Problem")))).build(),
        )
        .build()
}

/// `{id}`-style path parameters: integers, but a holiday's `{day}`, a date.
fn path_parameters(path: &str) -> Vec<utoipa::openapi::path::Parameter> {
    path.split('/')
        .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(|name| {
            let schema = if name == "day" {
                ObjectBuilder::new()
                    .schema_type(SchemaType::new(Type::String))
                    .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(utoipa::openapi::KnownFormat::Date)))
            } else {
                ObjectBuilder::new()
                    .schema_type(SchemaType::new(Type::Integer))
                    .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(utoipa::openapi::KnownFormat::Int64)))
            };
            ParameterBuilder::new()
                .name(name)
                .parameter_in(ParameterIn::Path)
                .required(Required::True)
                .schema(Some(schema))
                .build()
        })
        .collect()
}

fn operation(r: &Route) -> utoipa::openapi::path::Operation {
    let mut responses = ResponsesBuilder::new();
    responses = match r.answer {
        Answer::Json(204) => responses.response("204", ResponseBuilder::new().description("Done").build()),
        Answer::Json(code) => responses.response(
            code.to_string(),
            ResponseBuilder::new()
                .description("Done")
                .content("application/json", ContentBuilder::new().schema(Some(json_object())).build())
                .build(),
        ),
        Answer::JsonOrHtml => responses.response(
            "200",
            ResponseBuilder::new()
                .description("The plan, as JSON or (with `format=html`) a printable page")
                .content("application/json", ContentBuilder::new().schema(Some(json_object())).build())
                .content("text/html", ContentBuilder::new().build())
                .build(),
        ),
        Answer::CsvOrJson => responses.response(
            "200",
            ResponseBuilder::new()
                .description("The figures as open data: CSV (the default) or, with `format=json`, JSON")
                .content("text/csv", ContentBuilder::new().build())
                .content("application/json", ContentBuilder::new().schema(Some(json_object())).build())
                .build(),
        ),
        Answer::Text => responses.response(
            "200",
            ResponseBuilder::new()
                .description("Prometheus text format")
                .content("text/plain", ContentBuilder::new().build())
                .build(),
        ),
        Answer::Html => responses.response(
            "200",
            ResponseBuilder::new()
                .description("A printable page")
                .content("text/html", ContentBuilder::new().build())
                .build(),
        ),
        Answer::Calendar => responses.response(
            "200",
            ResponseBuilder::new()
                .description("An RFC 5545 calendar")
                .content("text/calendar", ContentBuilder::new().build())
                .build(),
        ),
        Answer::Media => responses
            .response(
                "200",
                ResponseBuilder::new()
                    .description("The recorded file")
                    .content("video/webm", ContentBuilder::new().build())
                    .build(),
            )
            .response("206", ResponseBuilder::new().description("A byte range of the file").build()),
    };
    let mut problems = vec![
        ("400", "Malformed request"),
        ("404", "Not found, or not the caller's court's"),
        ("429", "Too many attempts"),
    ];
    if r.access != Access::Anyone || r.path == "/api/auth/login" {
        problems.push(("401", "Sign in first (or the token is no longer valid)"));
        problems.push(("403", "Not allowed for this role or court"));
    }
    if r.body.is_some() || r.query.is_some() || r.path.contains('{') {
        problems.push(("409", "Conflicts with what is already recorded"));
        problems.push(("413", "Body too large"));
        problems.push(("415", "Send JSON"));
        problems.push(("422", "A field is not valid, or a rule of the court's profile refused"));
    }
    problems.push(("503", "The database is busy; try again"));
    for (code, why) in problems {
        responses = responses.response(code, problem(why));
    }
    let mut parameters = path_parameters(r.path);
    if let Some(query) = r.query {
        parameters.extend(query());
    }
    let mut op = OperationBuilder::new()
        .summary(Some(r.summary))
        .tag(r.tag)
        .operation_id(Some(format!(
            "{}_{}",
            method_name(&r.method),
            r.path.trim_start_matches('/').replace(['/', '{', '}', '.', '-'], "_")
        )))
        .parameters(Some(parameters))
        .responses(responses.build());
    if let Some(body) = r.body {
        op = op.request_body(Some(
            RequestBodyBuilder::new()
                .required(Some(Required::True))
                .content("application/json", ContentBuilder::new().schema(Some(body())).build())
                .build(),
        ));
    }
    match r.access {
        Access::Staff => op = op.security(SecurityRequirement::new("staff", Vec::<String>::new())),
        Access::Invite => {
            op = op.parameter(
                ParameterBuilder::new()
                    .name("token")
                    .parameter_in(ParameterIn::Query)
                    .required(Required::True)
                    .schema(Some(ObjectBuilder::new().schema_type(SchemaType::new(Type::String))))
                    .build(),
            )
        }
        Access::Gateway => op = op.security(SecurityRequirement::new("gateway", Vec::<String>::new())),
        Access::Anyone => {}
    }
    op.build()
}

fn method_name(m: &HttpMethod) -> &'static str {
    match m {
        Get => "get",
        Post => "post",
        Patch => "patch",
        Delete => "delete",
        Put => "put",
        _ => "other",
    }
}

/// The whole document.
pub fn document() -> OpenApi {
    let mut paths = PathsBuilder::new();
    for r in routes() {
        paths = paths.path(r.path, PathItem::new(r.method.clone(), operation(&r)));
    }
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("Amaan")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some(
                    "Child-friendly court scheduling and testimony support. Every error is application/problem+json.",
                ))
                .build(),
        )
        .paths(paths.build())
        .components(Some(
            ComponentsBuilder::new()
                .schema("Problem", problem_schema())
                .security_scheme(
                    "staff",
                    SecurityScheme::Http(
                        HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("JWT").build(),
                    ),
                )
                .security_scheme(
                    "gateway",
                    SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
                )
                .build(),
        ))
        .build()
}

/// The (method, path) pairs the document describes, for the test that
/// holds it to the routes the server registers.
pub fn described() -> Vec<(String, String)> {
    routes().iter().map(|r| (method_name(&r.method).to_uppercase(), r.path.to_string())).collect()
}

/// The methods a concrete path answers (`{…}` in a route matches any one
/// segment), for a 405's `Allow`.
pub fn methods_of(path: &str) -> Vec<String> {
    let asked: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    let mut methods: Vec<String> = routes()
        .iter()
        .filter(|r| {
            let pattern: Vec<&str> = r.path.split('/').collect();
            pattern.len() == asked.len()
                && pattern.iter().zip(&asked).all(|(p, a)| (p.starts_with('{') && !a.is_empty()) || p == a)
        })
        .map(|r| method_name(&r.method).to_uppercase())
        .collect();
    methods.sort();
    methods.dedup();
    methods
}

pub async fn serve() -> HttpResponse {
    match document().to_json() {
        Ok(json) => HttpResponse::Ok().content_type("application/json").body(json),
        Err(e) => actix_web::ResponseError::error_response(&crate::error::AppError::internal(format!("openapi: {e}"))),
    }
}

pub fn routes_config(cfg: &mut web::ServiceConfig) {
    cfg.route("/openapi.json", web::get().to(serve));
}
