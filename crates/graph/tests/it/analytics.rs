//! Pricing, conversation and template analytics (`wacloud_graph::analytics`) against a
//! mock Graph API: the exact field expansion or query sent, Meta's documented answers
//! parsed.

use serde_json::json;
use wacloud_graph::analytics::{
    ConversationAnalyticsQuery, Granularity, PricingAnalyticsQuery, TemplateAnalyticsQuery,
};

use crate::graph_mock::{answering, assert_request, WABA};

#[tokio::test]
async fn pricing_analytics_sends_the_field_expansion_and_parses_data_points() {
    let (server, c) = answering(
        200,
        json!({"pricing_analytics": {"data": [{"data_points": [
            {"start": 1717225200, "end": 1717311600, "volume": 12, "cost": 0.3,
             "pricing_type": "REGULAR", "pricing_category": "MARKETING", "country": "US",
             "phone_number": "15550783881"},
            {"start": 1717311600, "end": 1717398000, "volume": 3,
             "pricing_type": "FREE_CUSTOMER_SERVICE", "pricing_category": "SERVICE",
             "country": "BR", "tier": "0:1000000"}]}]},
               "id": WABA}),
    )
    .await;
    let q = PricingAnalyticsQuery::new(1717225200, 1719817200, Granularity::Daily)
        .unwrap()
        .phone_numbers(["15550783881"])
        .pricing_categories(["MARKETING", "SERVICE"])
        .metric_types(["VOLUME", "COST"])
        .dimensions(["PRICING_CATEGORY", "PRICING_TYPE", "COUNTRY", "PHONE"]);
    let points = c.pricing_analytics(&q).await.unwrap();
    assert_eq!(points.len(), 2);
    assert_eq!(points[0].volume, Some(12));
    assert_eq!(points[0].cost, Some(0.3));
    assert_eq!(points[0].pricing_category.as_deref(), Some("MARKETING"));
    assert_eq!(points[1].tier.as_deref(), Some("0:1000000"));
    assert_eq!(points[1].cost, None);
    assert_request(
        &server,
        "GET",
        &format!("/{WABA}"),
        &[(
            "fields",
            "pricing_analytics.start(1717225200).end(1719817200).granularity(DAILY)\
             .phone_numbers([\"15550783881\"]).pricing_categories([\"MARKETING\",\"SERVICE\"])\
             .metric_types([\"VOLUME\",\"COST\"])\
             .dimensions([\"PRICING_CATEGORY\",\"PRICING_TYPE\",\"COUNTRY\",\"PHONE\"])",
        )],
        None,
    )
    .await;
}

#[tokio::test]
async fn conversation_analytics_without_data_is_empty() {
    let (server, c) = answering(200, json!({"id": WABA})).await;
    let q = ConversationAnalyticsQuery::new(1651698000, 1652302800, Granularity::HalfHour)
        .unwrap()
        .conversation_directions(["BUSINESS_INITIATED"])
        .dimensions(["CONVERSATION_DIRECTION"]);
    assert!(c.conversation_analytics(&q).await.unwrap().is_empty());
    assert_request(
        &server,
        "GET",
        &format!("/{WABA}"),
        &[(
            "fields",
            "conversation_analytics.start(1651698000).end(1652302800).granularity(HALF_HOUR)\
             .conversation_directions([\"BUSINESS_INITIATED\"]).dimensions([\"CONVERSATION_DIRECTION\"])",
        )],
        None,
    )
    .await;
}

#[tokio::test]
async fn conversation_analytics_parse_meta_s_example() {
    let (_server, c) = answering(
        200,
        json!({"conversation_analytics": {"data": [{"data_points": [
            {"start": 1685602800, "end": 1685689200, "conversation": 1, "phone_number": "16505550111",
             "country": "US", "conversation_type": "REGULAR",
             "conversation_direction": "BUSINESS_INITIATED", "conversation_category": "MARKETING",
             "cost": 0.0147}]}]}, "id": WABA}),
    )
    .await;
    let q = ConversationAnalyticsQuery::new(1685602800, 1688194800, Granularity::Monthly).unwrap();
    let p = c.conversation_analytics(&q).await.unwrap();
    assert_eq!(p[0].conversation, Some(1));
    assert_eq!(p[0].conversation_category.as_deref(), Some("MARKETING"));
    assert_eq!(p[0].cost, Some(0.0147));
}

#[tokio::test]
async fn template_analytics_sends_json_lists_and_parses_clicks_and_costs() {
    let (server, c) = answering(
        200,
        json!({"data": [{"granularity": "DAILY", "product_type": "cloud_api", "data_points": [
            {"template_id": "1924084211297547", "start": 1689379200, "end": 1689465600,
             "sent": 5, "delivered": 4, "read": 2,
             "clicked": [{"type": "quick_reply_button", "button_content": "Tell me more", "count": 1}],
             "cost": [{"type": "amount_spent", "value": 0.05}, {"type": "cost_per_delivered"}]}]}],
               "paging": {"cursors": {"before": "MAZDZD", "after": "MjQZD"}}}),
    )
    .await;
    let q = TemplateAnalyticsQuery::new(1689379200, 1689552000, ["1924084211297547"])
        .unwrap()
        .metric_types(["SENT", "DELIVERED", "READ", "CLICKED", "COST"]);
    let a = c.template_analytics(&q).await.unwrap();
    let p = &a[0].data_points[0];
    assert_eq!(a[0].product_type.as_deref(), Some("cloud_api"));
    assert_eq!((p.sent, p.delivered, p.read), (Some(5), Some(4), Some(2)));
    assert_eq!(p.clicked[0].count, 1);
    assert_eq!(p.cost[0].value, Some(0.05));
    assert_eq!(p.cost[1].value, None);
    assert_request(
        &server,
        "GET",
        &format!("/{WABA}/template_analytics"),
        &[
            ("start", "1689379200"),
            ("end", "1689552000"),
            ("granularity", "DAILY"),
            ("template_ids", "[\"1924084211297547\"]"),
            (
                "metric_types",
                "[\"SENT\",\"DELIVERED\",\"READ\",\"CLICKED\",\"COST\"]",
            ),
        ],
        None,
    )
    .await;
}

#[test]
fn ranges_and_template_counts_are_checked() {
    assert!(PricingAnalyticsQuery::new(10, 10, Granularity::Daily).is_err());
    assert!(ConversationAnalyticsQuery::new(20, 10, Granularity::Daily).is_err());
    let none: [&str; 0] = [];
    assert!(TemplateAnalyticsQuery::new(1, 2, none).is_err());
    let eleven: Vec<String> = (0..11).map(|i| i.to_string()).collect();
    let e = TemplateAnalyticsQuery::new(1, 2, eleven).unwrap_err();
    assert!(e.to_string().contains("11"), "{e}");
}

#[tokio::test]
async fn template_analytics_are_turned_on_by_the_query_flag() {
    let (server, c) = answering(200, json!({"id": WABA})).await;
    c.enable_template_analytics().await.unwrap();
    assert_request(
        &server,
        "POST",
        &format!("/{WABA}"),
        &[("is_enabled_for_insights", "true")],
        None,
    )
    .await;
}
