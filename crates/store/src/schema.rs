//! One portable schema for both backends: only types that SQLite and
//! PostgreSQL both map the same way (BigInt ids, Text, Bool, Date, Time,
//! Timestamp in UTC).

diesel::table! {
    courts (id) {
        id -> BigInt,
        name -> Text,
        rule_profile -> Text,
        time_zone -> Text,
        opens_at -> Time,
        closes_at -> Time,
        working_days -> Text,
        created_at -> Timestamp,
        province -> Nullable<Text>,
        district -> Nullable<Text>,
    }
}

diesel::table! {
    court_rooms (id) {
        id -> BigInt,
        court_id -> BigInt,
        name -> Text,
        video_link -> Bool,
        capacity -> Integer,
    }
}

diesel::table! {
    waiting_areas (id) {
        id -> BigInt,
        court_id -> BigInt,
        name -> Text,
        child_friendly -> Bool,
        entrance -> Text,
        capacity -> Integer,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        username -> Text,
        display_name -> Text,
        password_hash -> Text,
        role -> Text,
        court_id -> Nullable<BigInt>,
        active -> Bool,
        token_version -> BigInt,
        failed_logins -> Integer,
        locked_until -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    cases (id) {
        id -> BigInt,
        court_id -> BigInt,
        number -> Text,
        offence -> Text,
        cognizance_date -> Date,
        accused_in_custody -> Bool,
        status -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    parties (id) {
        id -> BigInt,
        case_id -> BigInt,
        role -> Text,
        side -> Text,
        name -> Text,
        date_of_birth -> Nullable<Date>,
        pseudonym -> Nullable<Text>,
        created_at -> Timestamp,
        person_id -> Nullable<BigInt>,
        /// Sealed (identity::PARTY_BIRTH); `date_of_birth` is the plaintext
        /// of a database not yet converted, NULL after.
        birth_sealed -> Nullable<Text>,
        /// The blind index of the name's parts (identity::name_index).
        name_index -> Text,
    }
}

diesel::table! {
    hearings (id) {
        id -> BigInt,
        case_id -> BigInt,
        kind -> Text,
        judge_id -> Nullable<BigInt>,
        room_id -> Nullable<BigInt>,
        starts_at -> Nullable<Timestamp>,
        ends_at -> Nullable<Timestamp>,
        child_testifies -> Bool,
        mode -> Text,
        status -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    audit_head (id) {
        id -> Integer,
        seq -> BigInt,
        hash -> Text,
    }
}

diesel::table! {
    audit_events (seq) {
        seq -> BigInt,
        at -> Timestamp,
        actor_id -> Nullable<BigInt>,
        actor_role -> Text,
        action -> Text,
        entity -> Text,
        entity_id -> Nullable<Text>,
        court_id -> Nullable<BigInt>,
        before_state -> Nullable<Text>,
        after_state -> Nullable<Text>,
        reason -> Nullable<Text>,
        prev_hash -> Text,
        hash -> Text,
        chain_id -> BigInt,
        chain_seq -> BigInt,
    }
}

diesel::table! {
    audit_chains (chain_id) {
        chain_id -> BigInt,
        seq -> BigInt,
        hash -> Text,
    }
}

diesel::table! {
    video_sessions (id) {
        id -> BigInt,
        hearing_id -> BigInt,
        court_id -> BigInt,
        state -> Text,
        break_interval_minutes -> Nullable<Integer>,
        max_questioning_minutes -> Nullable<Integer>,
        questions_through_judge -> Bool,
        accused_may_see_child -> Bool,
        questioner -> Nullable<Text>,
        node_id -> Text,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
        counsel_may_view_recordings -> Bool,
    }
}

diesel::table! {
    video_participants (id) {
        id -> BigInt,
        session_id -> BigInt,
        role -> Text,
        display_name -> Text,
        revoked -> Bool,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        party_id -> Nullable<BigInt>,
        counsel_id -> Nullable<BigInt>,
        invited_by -> Nullable<BigInt>,
    }
}

diesel::table! {
    video_state_changes (id) {
        id -> BigInt,
        session_id -> BigInt,
        from_state -> Text,
        to_state -> Text,
        actor_id -> Nullable<BigInt>,
        at -> Timestamp,
    }
}

diesel::table! {
    video_recordings (id) {
        id -> BigInt,
        session_id -> BigInt,
        hearing_id -> BigInt,
        participant_role -> Text,
        kind -> Text,
        file_path -> Text,
        sha256 -> Text,
        bytes -> BigInt,
        created_at -> Timestamp,
        participant_id -> Nullable<BigInt>,
        started_at -> Nullable<Timestamp>,
        ended_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    video_questions (id) {
        id -> BigInt,
        session_id -> BigInt,
        participant_id -> BigInt,
        from_role -> Text,
        text -> Text,
        asked_at -> Timestamp,
    }
}

diesel::joinable!(court_rooms -> courts (court_id));
diesel::joinable!(waiting_areas -> courts (court_id));
diesel::joinable!(cases -> courts (court_id));
diesel::joinable!(parties -> cases (case_id));
diesel::joinable!(hearings -> cases (case_id));
diesel::joinable!(hearings -> court_rooms (room_id));
diesel::joinable!(video_sessions -> hearings (hearing_id));
diesel::joinable!(video_participants -> video_sessions (session_id));
diesel::joinable!(video_state_changes -> video_sessions (session_id));
diesel::joinable!(video_recordings -> video_sessions (session_id));
diesel::joinable!(video_questions -> video_sessions (session_id));

diesel::table! {
    nodes (id) {
        id -> Text,
        public_url -> Nullable<Text>,
        started_at -> Timestamp,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    courts,
    court_rooms,
    waiting_areas,
    users,
    cases,
    parties,
    hearings,
    audit_head,
    audit_events,
    video_sessions,
    video_participants,
    video_state_changes,
    video_recordings,
    video_questions,
);

diesel::table! {
    adjournments (id) {
        id -> BigInt,
        court_id -> BigInt,
        case_id -> BigInt,
        hearing_id -> BigInt,
        requested_by -> Text,
        reason_code -> Text,
        details -> Text,
        proposed_starts_at -> Nullable<Timestamp>,
        proposed_ends_at -> Nullable<Timestamp>,
        remand_days -> Nullable<Integer>,
        for_child_welfare -> Bool,
        status -> Text,
        refusals -> Nullable<Text>,
        recorded_by -> BigInt,
        created_at -> Timestamp,
        decided_by -> Nullable<BigInt>,
        decided_at -> Nullable<Timestamp>,
        decision_reasons -> Nullable<Text>,
        overridden -> Bool,
        new_hearing_id -> Nullable<BigInt>,
        delay_days -> Nullable<Integer>,
    }
}

// Scheduling (migration 2026-11-23-200000_scheduling).

diesel::table! {
    court_holidays (id) {
        id -> BigInt,
        court_id -> BigInt,
        day -> Date,
        name -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    counsel (id) {
        id -> BigInt,
        name -> Text,
        enrolment_number -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    case_counsel (case_id, counsel_id) {
        case_id -> BigInt,
        counsel_id -> BigInt,
        role -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    hearing_bookings (hearing_id) {
        hearing_id -> BigInt,
        court_id -> BigInt,
        local_day -> Date,
        deadline -> Nullable<Date>,
        after_deadline -> Bool,
        delay_reason -> Nullable<Text>,
        reappearance_reason -> Nullable<Text>,
        booked_by -> Nullable<BigInt>,
        booked_at -> Timestamp,
    }
}

diesel::table! {
    hearing_side_plans (id) {
        id -> BigInt,
        hearing_id -> BigInt,
        court_id -> BigInt,
        local_day -> Date,
        side -> Text,
        waiting_area_id -> BigInt,
        entrance -> Text,
        arrives_at -> Timestamp,
        departs_at -> Timestamp,
        enters_court_at -> Nullable<Timestamp>,
        leaves_court_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    schedule_plans (id) {
        id -> BigInt,
        court_id -> BigInt,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        from_day -> Date,
        until_day -> Date,
        proposal -> Text,
    }
}

diesel::joinable!(case_counsel -> counsel (counsel_id));
diesel::joinable!(hearing_side_plans -> hearings (hearing_id));
diesel::joinable!(hearing_bookings -> hearings (hearing_id));

diesel::allow_tables_to_appear_in_same_query!(
    court_holidays,
    counsel,
    case_counsel,
    hearing_bookings,
    hearing_side_plans,
    schedule_plans,
);
diesel::allow_tables_to_appear_in_same_query!(case_counsel, hearings);
diesel::allow_tables_to_appear_in_same_query!(counsel, hearings);
diesel::allow_tables_to_appear_in_same_query!(hearing_side_plans, hearings);
diesel::allow_tables_to_appear_in_same_query!(hearing_bookings, hearings);

// Notices (migration 2026-12-02-300000_notices).
diesel::table! {
    party_contacts (party_id) {
        party_id -> BigInt,
        phone -> Nullable<Text>,
        email -> Nullable<Text>,
        language -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    notices (id) {
        id -> BigInt,
        court_id -> BigInt,
        hearing_id -> BigInt,
        party_id -> BigInt,
        kind -> Text,
        channel -> Text,
        address -> Text,
        language -> Text,
        subject -> Text,
        body -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        claimed_by -> Nullable<Text>,
        claimed_until -> Nullable<Timestamp>,
        provider_id -> Nullable<Text>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
        handed_at -> Nullable<Timestamp>,
        ics -> Nullable<Text>,
    }
}

diesel::joinable!(party_contacts -> parties (party_id));
diesel::allow_tables_to_appear_in_same_query!(party_contacts, parties);

// Prisons, custody and calendar feeds (migration 2026-12-02-600000_notices_delivery).
diesel::table! {
    prisons (id) {
        id -> BigInt,
        court_id -> BigInt,
        name -> Text,
        notice_email -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    custody (party_id) {
        party_id -> BigInt,
        prison_id -> BigInt,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    calendar_feeds (user_id) {
        user_id -> BigInt,
        token_hash -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(custody -> prisons (prison_id));
diesel::allow_tables_to_appear_in_same_query!(custody, prisons, parties);

// Outcomes and the case's course (migrations 2026-12-02-100000_outcomes,
// 2026-12-02-110000_case_course).

diesel::table! {
    hearing_outcomes (id) {
        id -> BigInt,
        court_id -> BigInt,
        case_id -> BigInt,
        hearing_id -> BigInt,
        kind -> Text,
        local_day -> Date,
        proceedings -> Text,
        child_evidence -> Text,
        continues_because -> Nullable<Text>,
        reason_code -> Nullable<Text>,
        caused_by -> Nullable<Text>,
        details -> Nullable<Text>,
        child_brought -> Bool,
        child_mode -> Text,
        recorded_by -> BigInt,
        on_behalf_of -> Nullable<BigInt>,
        recorded_at -> Timestamp,
        corrects -> Nullable<BigInt>,
        correction_reason -> Nullable<Text>,
        superseded_by -> Nullable<BigInt>,
        is_current -> Bool,
    }
}

diesel::table! {
    child_appearances (id) {
        id -> BigInt,
        court_id -> BigInt,
        case_id -> BigInt,
        party_id -> BigInt,
        hearing_id -> BigInt,
        local_day -> Date,
        mode -> Text,
        evidence -> Text,
        source -> Text,
        recorded_by -> Nullable<BigInt>,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    case_steps (id) {
        id -> BigInt,
        court_id -> BigInt,
        case_id -> BigInt,
        stage -> Text,
        on_day -> Date,
        decision -> Nullable<Text>,
        reasons -> Nullable<Text>,
        hearing_id -> Nullable<BigInt>,
        recorded_by -> Nullable<BigInt>,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    case_facts (case_id) {
        case_id -> BigInt,
        court_id -> BigInt,
        child_evidence_on -> Nullable<Date>,
        trial_started_on -> Nullable<Date>,
        trial_concluded_on -> Nullable<Date>,
        decided_on -> Nullable<Date>,
        decision -> Nullable<Text>,
        closed_on -> Nullable<Date>,
        disposed_on -> Nullable<Date>,
        appearances -> Integer,
        testimonies -> Integer,
        updated_at -> Timestamp,
        adjournments -> Integer,
    }
}

diesel::table! {
    child_facts (party_id) {
        party_id -> BigInt,
        case_id -> BigInt,
        brought -> Integer,
        testified -> Integer,
        evidence_complete_on -> Nullable<Date>,
        updated_at -> Timestamp,
    }
}

diesel::allow_tables_to_appear_in_same_query!(hearing_outcomes, child_appearances, case_steps, case_facts, child_facts);

diesel::table! {
    monitor_scopes (id) {
        id -> BigInt,
        user_id -> BigInt,
        province -> Text,
        district -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    master_key (id) {
        id -> Integer,
        key_id -> Text,
        rotating_to -> Nullable<Text>,
        instance -> Text,
    }
}

diesel::table! {
    incidents (id) {
        id -> BigInt,
        court_id -> BigInt,
        case_id -> BigInt,
        hearing_id -> Nullable<BigInt>,
        kind -> Text,
        place -> Text,
        who -> Text,
        occurred_at -> Timestamp,
        details -> Nullable<Text>,
        recorded_by -> BigInt,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    data_keys (name) {
        name -> Text,
        key_id -> Text,
        wrapped -> Text,
        next_key_id -> Nullable<Text>,
        next_wrapped -> Nullable<Text>,
    }
}

// Mass-victim cases (migration 2026-12-02-820000_linked_cases).
diesel::table! {
    buildings (id) {
        id -> BigInt,
        name -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    court_buildings (court_id) {
        court_id -> BigInt,
        building_id -> BigInt,
    }
}

diesel::table! {
    case_links (id) {
        id -> BigInt,
        case_id -> BigInt,
        linked_case_id -> BigInt,
        reason -> Text,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    case_associates (id) {
        id -> BigInt,
        case_id -> BigInt,
        name -> Text,
        relation -> Text,
        party_id -> Nullable<BigInt>,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::joinable!(court_buildings -> buildings (building_id));
diesel::allow_tables_to_appear_in_same_query!(buildings, court_buildings, case_links, case_associates);

// A child's guardian and a hearing's child witness (migration
// 2026-12-02-870000_guardians_and_witnesses).
diesel::table! {
    child_guardians (party_id) {
        party_id -> BigInt,
        guardian_party_id -> BigInt,
    }
}

diesel::table! {
    hearing_witnesses (hearing_id) {
        hearing_id -> BigInt,
        party_id -> BigInt,
    }
}

diesel::allow_tables_to_appear_in_same_query!(hearing_witnesses, parties);
diesel::allow_tables_to_appear_in_same_query!(hearing_witnesses, hearings);

// Escalation reports and families' feedback (migrations
// 2026-12-02-830000_escalation_reports, 2026-12-02-831000_feedback).

diesel::table! {
    escalation_reports (id) {
        id -> BigInt,
        court_id -> BigInt,
        case_id -> BigInt,
        clock_id -> Text,
        escalate_to -> Text,
        deadline -> Date,
        generated_on -> Date,
        body -> Text,
        generated_by -> BigInt,
        generated_at -> Timestamp,
        sent_by -> Nullable<BigInt>,
        sent_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    feedback_links (id) {
        id -> BigInt,
        court_id -> BigInt,
        case_id -> BigInt,
        hearing_id -> BigInt,
        party_id -> BigInt,
        token_hash -> Text,
        made_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    feedback_responses (id) {
        id -> BigInt,
        court_id -> BigInt,
        hearing_id -> BigInt,
        party_id -> BigInt,
        link_id -> BigInt,
        hearing_day -> Date,
        saw_accused_side -> Text,
        waited -> Text,
        respected -> Text,
        report -> Nullable<Text>,
        language -> Text,
        entered_by_staff -> Bool,
        submitted_at -> Timestamp,
    }
}

// Each court's figures by month, kept on write (migration 2026-12-02-860000_court_figures).
diesel::table! {
    court_figures (court_id, month) {
        court_id -> BigInt,
        month -> Text,
        figures -> Text,
        updated_at -> Timestamp,
    }
}

// What `amaan keys convert` has left to do (migration 2026-12-02-800000_identity_sealed).
diesel::table! {
    conversions (name) {
        name -> Text,
    }
}

// A docket line per hearing, kept by triggers (migration 2026-12-03-900000_docket_lines).
diesel::table! {
    docket_lines (hearing_id) {
        hearing_id -> BigInt,
        case_id -> BigInt,
        court_id -> BigInt,
        kind -> Text,
        judge_id -> Nullable<BigInt>,
        room_id -> Nullable<BigInt>,
        room_name -> Nullable<Text>,
        starts_at -> Nullable<Timestamp>,
        ends_at -> Nullable<Timestamp>,
        child_testifies -> Bool,
        mode -> Text,
        status -> Text,
        number -> Text,
        offence -> Text,
        cognizance_date -> Date,
        accused_in_custody -> Bool,
        case_status -> Text,
        adjournments -> BigInt,
        child_evidence_on -> Nullable<Date>,
        trial_started_on -> Nullable<Date>,
        trial_concluded_on -> Nullable<Date>,
        decided_on -> Nullable<Date>,
        outcome_kind -> Nullable<Text>,
        outcome_reason -> Nullable<Text>,
        outcome_cause -> Nullable<Text>,
        outcome_child_evidence -> Nullable<Text>,
        outcome_proceedings -> Nullable<Text>,
        children -> Text,
    }
}

// A court's docket version, raised by triggers (migration 2026-12-03-950000_docket_versions).
diesel::table! {
    docket_versions (court_id) {
        court_id -> BigInt,
        version -> BigInt,
    }
}
