//! The WABA's activity log, schedules and assigned users (`wacloud_graph::waba_admin`)
//! against a mock Graph API, with the spec's examples.

use serde_json::json;
use wacloud_graph::waba_admin::NewSchedule;
use wacloud_graph::GraphError;

use crate::graph_mock::{answering, assert_request, assert_urlencoded_request, spec_example, WABA};

#[tokio::test]
async fn activities_with_filters() {
    let mut answer = spec_example("GET", "/{Version}/{WABA-ID}/activities", Some("200"), "recent_activities").unwrap_or_else(|| {
        json!({"data": [{"id": "1234567890123456", "activity_type": "PHONE_NUMBER_VERIFIED", "timestamp": "2023-10-15T14:30:00Z",
                         "actor_type": "USER", "actor_name": "John Smith", "details": {"verification_method": "SMS"}}]})
    });
    // Its `paging.next` points at graph.facebook.com, not at the mock.
    answer.as_object_mut().unwrap().remove("paging");
    let (server, c) = answering(200, answer).await;
    let a = c
        .waba_activities(
            Some("2023-10-01T00:00:00Z"),
            None,
            Some("PHONE_NUMBER_VERIFIED,USER_ADDED"),
        )
        .await
        .unwrap();
    assert_eq!(a[0].activity_type.as_deref(), Some("PHONE_NUMBER_VERIFIED"));
    assert_eq!(a[0].actor_name.as_deref(), Some("John Smith"));
    assert_eq!(a[0].extra["details"]["verification_method"], "SMS");
    assert_request(
        &server,
        "GET",
        &format!("/{WABA}/activities"),
        &[
            ("since", "2023-10-01T00:00:00Z"),
            ("activity_type", "PHONE_NUMBER_VERIFIED,USER_ADDED"),
        ],
        None,
    )
    .await;
}

#[tokio::test]
async fn schedules_listed_and_created() {
    let answer = spec_example("GET", "/{Version}/{WABA-ID}/schedules", Some("200"), "single_schedule").unwrap_or_else(|| {
        json!({"data": [{"id": "1234567890123456", "name": "Business Hours Schedule", "status": "ACTIVE",
                         "schedule_type": "BUSINESS_HOURS", "start_time": "09:00", "end_time": "17:00", "is_active": true}]})
    });
    let (server, c) = answering(200, answer).await;
    let s = c.waba_schedules().await.unwrap();
    assert_eq!(s[0].schedule_type.as_deref(), Some("BUSINESS_HOURS"));
    assert_eq!(
        (s[0].start_time.as_deref(), s[0].end_time.as_deref()),
        (Some("09:00"), Some("17:00"))
    );
    assert_eq!(s[0].extra["is_active"], true);
    assert_request(&server, "GET", &format!("/{WABA}/schedules"), &[], None).await;

    let answer = spec_example(
        "POST",
        "/{Version}/{WABA-ID}/schedules",
        Some("200"),
        "successful_creation",
    )
    .unwrap_or_else(|| json!({"id": "1234567890123456"}));
    let (server, c) = answering(200, answer).await;
    let new = NewSchedule::new(
        "Weekend Maintenance",
        "MAINTENANCE_WINDOW",
        "02:00",
        "04:00",
    )
    .unwrap()
    .description("System maintenance during off-hours")
    .unwrap()
    .timezone("UTC")
    .days_of_week(["SATURDAY", "SUNDAY"])
    .is_active(false);
    assert_eq!(
        c.create_waba_schedule(&new).await.unwrap().id,
        "1234567890123456"
    );
    let want = spec_example("POST", "/{Version}/{WABA-ID}/schedules", None, "maintenance_window").unwrap_or_else(|| {
        json!({"name": "Weekend Maintenance", "schedule_type": "MAINTENANCE_WINDOW", "description": "System maintenance during off-hours",
               "start_time": "02:00", "end_time": "04:00", "timezone": "UTC", "days_of_week": ["SATURDAY", "SUNDAY"], "is_active": false})
    });
    assert_request(
        &server,
        "POST",
        &format!("/{WABA}/schedules"),
        &[],
        Some(want),
    )
    .await;

    for (name, start, end) in [
        ("", "02:00", "04:00"),
        ("x", "2:00", "04:00"),
        ("x", "02:00", "24:00"),
    ] {
        assert!(
            NewSchedule::new(name, "CUSTOM", start, end).is_err(),
            "{name} {start} {end}"
        );
    }
}

#[tokio::test]
async fn assigned_users_listed_added_and_removed() {
    let mut answer = spec_example("GET", "/{Version}/{WhatsApp-Business-Account-ID}/assigned_users", Some("200"), "multiple_users")
        .unwrap_or_else(|| {
            json!({"data": [{"id": "1234567890123456", "name": "John Smith", "user_type": "BUSINESS_USER"},
                            {"id": "2345678901234567", "name": "System User Bot", "user_type": "SYSTEM_USER"}]})
        });
    // The example's `paging.next` points at graph.facebook.com, which the client (rightly)
    // refuses to follow from a mock on another origin.
    answer.as_object_mut().unwrap().remove("paging");
    let (server, c) = answering(200, answer).await;
    let users = c.assigned_users("9876543210987654").await.unwrap();
    assert_eq!(users.len(), 2);
    assert_eq!(users[1].user_type.as_deref(), Some("SYSTEM_USER"));
    assert_request(
        &server,
        "GET",
        &format!("/{WABA}/assigned_users"),
        &[("business", "9876543210987654")],
        None,
    )
    .await;

    let (server, c) = answering(200, json!({"success": true})).await;
    c.add_assigned_user("2345678901234567", &["MANAGE", "VIEW_INSIGHTS"])
        .await
        .unwrap();
    // The spec's body, `application/x-www-form-urlencoded` (its example
    // `basic_permissions`), with the task list as Graph reads lists in a form.
    assert_urlencoded_request(
        &server,
        "POST",
        &format!("/{WABA}/assigned_users"),
        &[
            ("user", "2345678901234567"),
            ("tasks", r#"["MANAGE","VIEW_INSIGHTS"]"#),
        ],
    )
    .await;

    let (server, c) = answering(200, json!({"success": true})).await;
    c.remove_assigned_user("2345678901234567").await.unwrap();
    assert_urlencoded_request(
        &server,
        "DELETE",
        &format!("/{WABA}/assigned_users"),
        &[("user", "2345678901234567")],
    )
    .await;

    let (server, c) = answering(200, json!({"success": true})).await;
    assert!(matches!(
        c.add_assigned_user("2345678901234567", &[]).await,
        Err(GraphError::Validation(_))
    ));
    assert!(matches!(
        c.remove_assigned_user("john").await,
        Err(GraphError::Validation(_))
    ));
    assert!(server.received_requests().await.unwrap().is_empty());
}
