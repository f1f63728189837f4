// The tables, shared by both backends (see migrations/sqlite and migrations/postgres): DESIGN.md's
// seven (the number's account state in whatsapp_numbers, the operators' sessions in
// whatsapp_session), whatsapp_idempotency, the three that keep /stats's counts (one for the rows
// removed on purpose: erasure, retention), and the operators' accounts, failed logins and audit
// trail.

diesel::table! {
    whatsapp_contacts (id) {
        id -> Text,
        wa_id -> Nullable<Text>,
        user_id -> Nullable<Text>,
        phone_number -> Nullable<Text>,
        display_name -> Nullable<Text>,
        profile_name -> Nullable<Text>,
        username -> Nullable<Text>,
        business_name -> Nullable<Text>,
        is_verified -> Bool,
        is_blocked -> Bool,
        is_pinned -> Bool,
        tags -> Text,
        unread_count -> BigInt,
        last_message_time -> Nullable<Timestamp>,
        last_message_preview -> Nullable<Text>,
        last_message_direction -> Nullable<Text>,
        last_inbound_at -> Nullable<Timestamp>,
        marketing_opt_out -> Bool,
        undeliverable_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        merged_into -> Nullable<Text>,
        phone_number_id -> Text,
        parent_user_id -> Nullable<Text>,
        saved_name -> Nullable<Text>,
        saved_name_at -> Nullable<Timestamp>,
        call_permission -> Nullable<Text>,
        call_permission_at -> Nullable<Timestamp>,
        call_permission_expires_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    whatsapp_calls (id) {
        id -> Text,
        phone_number_id -> Text,
        contact_id -> Nullable<Text>,
        wa_id -> Nullable<Text>,
        direction -> Text,
        outcome -> Text,
        status -> Nullable<Text>,
        started_at -> Timestamp,
        connected_at -> Nullable<Timestamp>,
        ended_at -> Nullable<Timestamp>,
        duration_seconds -> Nullable<BigInt>,
        events -> Text,
        error -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    whatsapp_idempotency (idempotency_key) {
        idempotency_key -> Text,
        request_hash -> Text,
        resource_id -> Nullable<Text>,
        status_code -> Nullable<Integer>,
        response -> Nullable<Text>,
        created_at -> Timestamp,
        completed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    whatsapp_media (id) {
        id -> Text,
        media_id -> Nullable<Text>,
        message_id -> Nullable<Text>,
        direction -> Text,
        mime_type -> Nullable<Text>,
        sha256 -> Nullable<Text>,
        file_size -> Nullable<BigInt>,
        filename -> Nullable<Text>,
        url -> Nullable<Text>,
        local_path -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    whatsapp_messages (id) {
        id -> Text,
        message_id -> Nullable<Text>,
        contact_id -> Nullable<Text>,
        direction -> Text,
        from_phone -> Nullable<Text>,
        to_phone -> Nullable<Text>,
        user_id -> Nullable<Text>,
        message_type -> Text,
        message_text -> Nullable<Text>,
        status -> Text,
        status_rank -> Integer,
        is_read -> Bool,
        created_at -> Timestamp,
        received_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
        delivered_at -> Nullable<Timestamp>,
        read_at -> Nullable<Timestamp>,
        played_at -> Nullable<Timestamp>,
        failed_at -> Nullable<Timestamp>,
        error_code -> Nullable<BigInt>,
        error_title -> Nullable<Text>,
        error_message -> Nullable<Text>,
        error_details -> Nullable<Text>,
        reply_to -> Nullable<Text>,
        reaction -> Nullable<Text>,
        edited_at -> Nullable<Timestamp>,
        deleted_at -> Nullable<Timestamp>,
        is_forwarded -> Bool,
        media -> Nullable<Text>,
        raw -> Nullable<Text>,
        phone_number_id -> Nullable<Text>,
        source -> Nullable<Text>,
        queue_id -> Nullable<Text>,
        group_id -> Nullable<Text>,
        conversation_id -> Nullable<Text>,
        pricing_category -> Nullable<Text>,
        payload -> Nullable<Text>,
        updated_at -> Timestamp,
        actor -> Nullable<Text>,
        actor_name -> Nullable<Text>,
        business_reaction -> Nullable<Text>,
        pricing_model -> Nullable<Text>,
        pricing_billable -> Nullable<Bool>,
        pricing_type -> Nullable<Text>,
    }
}

diesel::table! {
    whatsapp_queue (id) {
        id -> Text,
        batch_id -> Nullable<Text>,
        recipient -> Text,
        payload -> Text,
        state -> Text,
        attempts -> Integer,
        due_at -> Timestamp,
        lease_owner -> Nullable<Text>,
        lease_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        last_error_code -> Nullable<BigInt>,
        message_id -> Nullable<Text>,
        idempotency_key -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        attempt_started_at -> Nullable<Timestamp>,
        unknown_since -> Nullable<Timestamp>,
        finished_at -> Nullable<Timestamp>,
        allow_outside_window -> Bool,
        source -> Nullable<Text>,
        retry_of -> Nullable<Text>,
        actor -> Nullable<Text>,
        actor_name -> Nullable<Text>,
        phone_number_id -> Nullable<Text>,
    }
}

diesel::table! {
    whatsapp_numbers (phone_number_id) {
        phone_number_id -> Text,
        waba_id -> Nullable<Text>,
        display_phone_number -> Nullable<Text>,
        verified_name -> Nullable<Text>,
        quality_rating -> Nullable<Text>,
        messaging_limit_tier -> Nullable<Text>,
        account_status -> Nullable<Text>,
        last_event -> Nullable<Text>,
        token_status -> Nullable<Text>,
        token_checked_at -> Nullable<Timestamp>,
        last_webhook_at -> Nullable<Timestamp>,
        updated_at -> Timestamp,
        configured -> Bool,
        label -> Nullable<Text>,
        messages_per_second -> Nullable<Integer>,
        pair_interval_ms -> Nullable<BigInt>,
        app_secret -> Nullable<Text>,
        created_at -> Nullable<Timestamp>,
        history_phase -> Nullable<BigInt>,
        history_chunk_order -> Nullable<BigInt>,
        history_progress -> Nullable<BigInt>,
        history_chunks -> BigInt,
        history_error -> Nullable<Text>,
        history_at -> Nullable<Timestamp>,
        marketing_messages -> Bool,
    }
}

diesel::table! {
    whatsapp_operators (id) {
        id -> Text,
        email -> Text,
        display_name -> Text,
        role -> Text,
        is_active -> Bool,
        password_hash -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    whatsapp_session (id_hash) {
        id_hash -> Text,
        operator_id -> Text,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
        address -> Nullable<Text>,
        user_agent -> Nullable<Text>,
    }
}

diesel::table! {
    whatsapp_login_failures (email) {
        email -> Text,
        failures -> Integer,
        last_failed_at -> Timestamp,
        locked_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    whatsapp_audit (id) {
        id -> Text,
        at -> Timestamp,
        actor -> Text,
        actor_name -> Nullable<Text>,
        action -> Text,
        target -> Nullable<Text>,
        address -> Nullable<Text>,
        user_agent -> Nullable<Text>,
        details -> Nullable<Text>,
    }
}

diesel::table! {
    whatsapp_templates (id) {
        id -> Text,
        template_id -> Nullable<Text>,
        name -> Text,
        language -> Text,
        category -> Nullable<Text>,
        status -> Nullable<Text>,
        quality_score -> Nullable<Text>,
        reason -> Nullable<Text>,
        components -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    whatsapp_webhooks (id) {
        id -> Text,
        received_at -> Timestamp,
        body -> Binary,
        body_sha256 -> Text,
        signature -> Nullable<Text>,
        state -> Text,
        error -> Nullable<Text>,
        event_count -> BigInt,
        phone_number_id -> Nullable<Text>,
        fields -> Nullable<Text>,
        processed_at -> Nullable<Timestamp>,
        attempts -> Integer,
    }
}

diesel::table! {
    whatsapp_counts (subject, kind, direction, state, is_read) {
        subject -> Text,
        kind -> Text,
        direction -> Text,
        state -> Text,
        is_read -> Bool,
        n -> BigInt,
    }
}

diesel::table! {
    whatsapp_count_deltas (id) {
        id -> BigInt,
        subject -> Text,
        kind -> Text,
        direction -> Text,
        state -> Text,
        is_read -> Bool,
        n -> BigInt,
    }
}

diesel::table! {
    whatsapp_removed_counts (subject, kind, direction, state, is_read) {
        subject -> Text,
        kind -> Text,
        direction -> Text,
        state -> Text,
        is_read -> Bool,
        n -> BigInt,
    }
}

diesel::table! {
    whatsapp_conversations (contact_id) {
        contact_id -> Text,
        phone_number_id -> Nullable<Text>,
        status -> Text,
        snoozed_until -> Nullable<Timestamp>,
        assignee_id -> Nullable<Text>,
        updated_at -> Timestamp,
        updated_by -> Text,
        thread_owner -> Nullable<Text>,
        thread_owner_app_id -> Nullable<Text>,
        thread_changed_at -> Nullable<Timestamp>,
        bot_subscription_id -> Nullable<Text>,
        bot_since -> Nullable<Timestamp>,
        last_auto_reply_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    whatsapp_conversation_events (id) {
        id -> Text,
        contact_id -> Text,
        phone_number_id -> Nullable<Text>,
        kind -> Text,
        at -> Timestamp,
        actor -> Text,
        actor_name -> Nullable<Text>,
        body -> Nullable<Text>,
        details -> Nullable<Text>,
    }
}

diesel::table! {
    whatsapp_note_mentions (event_id, operator_id) {
        event_id -> Text,
        operator_id -> Text,
    }
}

diesel::table! {
    whatsapp_canned_replies (id) {
        id -> Text,
        short_code -> Text,
        content -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        updated_by -> Text,
    }
}

diesel::table! {
    whatsapp_pacing_shares (phone_number_id, instance_id) {
        phone_number_id -> Text,
        instance_id -> Text,
        sending -> Bool,
        share -> Integer,
        live_until -> Timestamp,
    }
}

diesel::table! {
    whatsapp_batch_budgets (batch_id) {
        batch_id -> Text,
        amount -> Text,
        currency -> Text,
        committed -> Text,
        paused_reason -> Nullable<Text>,
        paused_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    whatsapp_groups (id) {
        id -> Text,
        phone_number_id -> Text,
        group_id -> Nullable<Text>,
        request_id -> Nullable<Text>,
        subject -> Nullable<Text>,
        description -> Nullable<Text>,
        invite_link -> Nullable<Text>,
        join_approval_mode -> Nullable<Text>,
        picture_sha256 -> Nullable<Text>,
        status -> Text,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    whatsapp_group_participants (group_row_id, participant_key) {
        group_row_id -> Text,
        participant_key -> Text,
        wa_id -> Nullable<Text>,
        user_id -> Nullable<Text>,
        state -> Text,
        joined_at -> Nullable<Timestamp>,
        left_at -> Nullable<Timestamp>,
        changed_at -> Timestamp,
        position -> Integer,
    }
}

diesel::table! {
    whatsapp_rules (id) {
        id -> Text,
        name -> Text,
        position -> BigInt,
        enabled -> Bool,
        stop_after -> Bool,
        conditions -> Text,
        actions -> Text,
        runs -> BigInt,
        failures -> BigInt,
        last_run_at -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    whatsapp_automation_settings (phone_number_id) {
        phone_number_id -> Text,
        settings -> Text,
        updated_at -> Timestamp,
        updated_by -> Text,
    }
}

diesel::table! {
    whatsapp_automation_runs (message_id) {
        message_id -> Text,
        ran_at -> Timestamp,
    }
}

diesel::table! {
    whatsapp_subscriptions (id) {
        id -> Text,
        url -> Text,
        secret -> Text,
        previous_secret -> Nullable<Text>,
        previous_until -> Nullable<Timestamp>,
        events -> Text,
        bot -> Bool,
        active -> Bool,
        description -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        older_secrets -> Nullable<Text>,
    }
}

diesel::table! {
    whatsapp_outbox_events (id) {
        id -> Text,
        event_type -> Text,
        contact_id -> Nullable<Text>,
        payload -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    whatsapp_outbox (id) {
        id -> Text,
        consumer -> Text,
        event_id -> Text,
        event_type -> Text,
        ordering_key -> Text,
        state -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        lease_owner -> Nullable<Text>,
        lease_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        redelivered -> Bool,
        created_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
        blocked -> Bool,
        payload -> Nullable<Text>,
    }
}

diesel::table! {
    whatsapp_outbox_attempts (id) {
        id -> Text,
        outbox_id -> Text,
        attempted_at -> Timestamp,
        status_code -> Nullable<Integer>,
        error -> Nullable<Text>,
        duration_ms -> BigInt,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    whatsapp_rules,
    whatsapp_automation_settings,
    whatsapp_automation_runs,
    whatsapp_subscriptions,
    whatsapp_outbox_events,
    whatsapp_outbox,
    whatsapp_outbox_attempts,
    whatsapp_calls,
    whatsapp_batch_budgets,
    whatsapp_groups,
    whatsapp_group_participants,
    whatsapp_contacts,
    whatsapp_count_deltas,
    whatsapp_counts,
    whatsapp_removed_counts,
    whatsapp_idempotency,
    whatsapp_media,
    whatsapp_messages,
    whatsapp_queue,
    whatsapp_numbers,
    whatsapp_operators,
    whatsapp_pacing_shares,
    whatsapp_session,
    whatsapp_login_failures,
    whatsapp_audit,
    whatsapp_conversations,
    whatsapp_conversation_events,
    whatsapp_note_mentions,
    whatsapp_canned_replies,
    whatsapp_templates,
    whatsapp_webhooks,
);
