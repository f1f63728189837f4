//! WABA analytics: pricing (`pricing_analytics`), conversation
//! (`conversation_analytics`) and template (`template_analytics`) analytics, as Meta's
//! "Analytics" page of the WhatsApp Business Management API describes them.
//!
//! - Pricing and conversation analytics are **fields** of the WABA, asked for with
//!   Graph's field expansion: `GET /{waba_id}?fields=pricing_analytics.start(1717200000)
//!   .end(1719792000).granularity(DAILY).dimensions(["PRICING_CATEGORY","COUNTRY"])`;
//!   the answer is `{"pricing_analytics": {"data": [{"data_points": [...]}]}, "id": …}`.
//!   Built by [`PricingAnalyticsQuery`] and [`ConversationAnalyticsQuery`].
//! - Template analytics is an **edge**: `GET /{waba_id}/template_analytics?start=…&end=…
//!   &granularity=DAILY&template_ids=[…]&metric_types=[…]`, answered as a page of
//!   `{"granularity", "product_type", "data_points": [...]}` ([`TemplateAnalyticsQuery`]).
//!
//! Times are Unix seconds (UTC); `start` must be before `end`. Template analytics must
//! first be turned on for the WABA ([`GraphClient::enable_template_analytics`]); they
//! are daily, look back at most 90 days, take 1 to 10 template ids per request, and
//! count button clicks only for MARKETING and UTILITY templates. Errors Meta documents
//! for Graph reads: 100 (invalid parameter: a bad time range, an unknown dimension or
//! template id), 200 and 10 (the token lacks `whatsapp_business_management`), 4 and
//! 80008 (rate limits).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::client::GraphClient;
use crate::error::GraphError;
use crate::messages::ValidationError;

/// How data points are bucketed (`granularity`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum Granularity {
    /// `HALF_HOUR` (pricing and conversation analytics).
    HalfHour,
    /// `DAILY` (all three; the only one template analytics take).
    Daily,
    /// `MONTHLY` (pricing and conversation analytics).
    Monthly,
}

impl Granularity {
    /// Meta's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Granularity::HalfHour => "HALF_HOUR",
            Granularity::Daily => "DAILY",
            Granularity::Monthly => "MONTHLY",
        }
    }
}

fn check_range(start: i64, end: i64) -> Result<(), ValidationError> {
    if start < 0 || end <= start {
        return Err(ValidationError::new(
            "end",
            format!("analytics range {start}..{end} is empty or negative; Meta needs start < end (Unix seconds)"),
        ));
    }
    Ok(())
}

/// The filters a field-expansion query carries, in the order given.
#[derive(Debug, Clone, PartialEq, Eq)]
struct FieldQuery {
    field: &'static str,
    start: i64,
    end: i64,
    granularity: Granularity,
    lists: Vec<(&'static str, Vec<String>)>,
}

impl FieldQuery {
    fn new(
        field: &'static str,
        start: i64,
        end: i64,
        granularity: Granularity,
    ) -> Result<Self, ValidationError> {
        check_range(start, end)?;
        Ok(Self {
            field,
            start,
            end,
            granularity,
            lists: Vec::new(),
        })
    }

    fn list(&mut self, name: &'static str, values: impl IntoIterator<Item = impl Into<String>>) {
        let values = values.into_iter().map(Into::into).collect();
        self.lists.retain(|(n, _)| *n != name);
        self.lists.push((name, values));
    }

    /// `field.start(…).end(…).granularity(…).name(["a","b"])…`; the lists are JSON
    /// arrays, as in Meta's examples.
    fn render(&self) -> String {
        let mut s = format!(
            "{}.start({}).end({}).granularity({})",
            self.field,
            self.start,
            self.end,
            self.granularity.as_str()
        );
        for (name, values) in &self.lists {
            let list = Value::from(values.clone()).to_string();
            s.push_str(&format!(".{name}({list})"));
        }
        s
    }
}

/// `pricing_analytics` of the WABA: volume and cost of delivered messages under the
/// per-message pricing model, from `start` to `end` (Unix seconds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PricingAnalyticsQuery(FieldQuery);

impl PricingAnalyticsQuery {
    /// From `start` to `end` (Unix seconds, `start < end`) by `granularity`.
    pub fn new(start: i64, end: i64, granularity: Granularity) -> Result<Self, ValidationError> {
        FieldQuery::new("pricing_analytics", start, end, granularity).map(Self)
    }

    /// Only these business phone numbers (E.164 digits).
    pub fn phone_numbers(mut self, v: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.0.list("phone_numbers", v);
        self
    }

    /// Only these recipient countries (ISO 3166 alpha-2, e.g. `US`).
    pub fn country_codes(mut self, v: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.0.list("country_codes", v);
        self
    }

    /// Only these metrics: `VOLUME`, `COST`.
    pub fn metric_types(mut self, v: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.0.list("metric_types", v);
        self
    }

    /// Only these pricing types: `REGULAR`, `FREE_CUSTOMER_SERVICE`, `FREE_ENTRY_POINT`.
    pub fn pricing_types(mut self, v: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.0.list("pricing_types", v);
        self
    }

    /// Only these pricing categories: `MARKETING`, `UTILITY`, `AUTHENTICATION`,
    /// `AUTHENTICATION_INTERNATIONAL`, `SERVICE`, `MARKETING_LITE`, ...
    pub fn pricing_categories(mut self, v: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.0.list("pricing_categories", v);
        self
    }

    /// Break the data points down by these: `PHONE`, `COUNTRY`, `PRICING_CATEGORY`,
    /// `PRICING_TYPE`, `TIER`.
    pub fn dimensions(mut self, v: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.0.list("dimensions", v);
        self
    }

    /// The `fields` value sent.
    pub fn to_field(&self) -> String {
        self.0.render()
    }
}

/// `conversation_analytics` of the WABA: conversations and their cost under the
/// conversation-based pricing model (before July 2025), from `start` to `end`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversationAnalyticsQuery(FieldQuery);

impl ConversationAnalyticsQuery {
    /// From `start` to `end` (Unix seconds, `start < end`) by `granularity`.
    pub fn new(start: i64, end: i64, granularity: Granularity) -> Result<Self, ValidationError> {
        FieldQuery::new("conversation_analytics", start, end, granularity).map(Self)
    }

    /// Only these business phone numbers (E.164 digits).
    pub fn phone_numbers(mut self, v: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.0.list("phone_numbers", v);
        self
    }

    /// Only these recipient countries (ISO 3166 alpha-2).
    pub fn country_codes(mut self, v: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.0.list("country_codes", v);
        self
    }

    /// Only these metrics: `COST`, `CONVERSATION`.
    pub fn metric_types(mut self, v: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.0.list("metric_types", v);
        self
    }

    /// Only these conversation types: `FREE_ENTRY`, `FREE_TIER`, `REGULAR`.
    pub fn conversation_types(mut self, v: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.0.list("conversation_types", v);
        self
    }

    /// Only these directions: `BUSINESS_INITIATED`, `USER_INITIATED`.
    pub fn conversation_directions(
        mut self,
        v: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        self.0.list("conversation_directions", v);
        self
    }

    /// Only these categories: `AUTHENTICATION`, `MARKETING`, `SERVICE`, `UTILITY`, ...
    pub fn conversation_categories(
        mut self,
        v: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        self.0.list("conversation_categories", v);
        self
    }

    /// Break the data points down by these: `CONVERSATION_CATEGORY`,
    /// `CONVERSATION_DIRECTION`, `CONVERSATION_TYPE`, `COUNTRY`, `PHONE`.
    pub fn dimensions(mut self, v: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.0.list("dimensions", v);
        self
    }

    /// The `fields` value sent.
    pub fn to_field(&self) -> String {
        self.0.render()
    }
}

/// One data point of pricing analytics. Only the dimensions asked for are present;
/// unknown fields are kept in `extra`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PricingDataPoint {
    /// Start of the bucket, Unix seconds.
    #[serde(default, deserialize_with = "crate::de::opt_ts")]
    pub start: Option<i64>,
    /// End of the bucket, Unix seconds.
    #[serde(default, deserialize_with = "crate::de::opt_ts")]
    pub end: Option<i64>,
    /// Delivered messages.
    #[serde(default, deserialize_with = "crate::de::opt_int")]
    pub volume: Option<i64>,
    /// Approximate charge, in the WABA's currency.
    #[serde(default)]
    pub cost: Option<f64>,
    /// The business phone number (dimension `PHONE`).
    #[serde(default)]
    pub phone_number: Option<String>,
    /// Recipient country (dimension `COUNTRY`).
    #[serde(default)]
    pub country: Option<String>,
    /// `REGULAR`, `FREE_CUSTOMER_SERVICE`, `FREE_ENTRY_POINT` (dimension `PRICING_TYPE`).
    #[serde(default)]
    pub pricing_type: Option<String>,
    /// `MARKETING`, `UTILITY`, ... (dimension `PRICING_CATEGORY`).
    #[serde(default)]
    pub pricing_category: Option<String>,
    /// Volume tier, e.g. `0:1000000` (dimension `TIER`).
    #[serde(default)]
    pub tier: Option<String>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One data point of conversation analytics; unknown fields are kept in `extra`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ConversationDataPoint {
    /// Start of the bucket, Unix seconds.
    #[serde(default, deserialize_with = "crate::de::opt_ts")]
    pub start: Option<i64>,
    /// End of the bucket, Unix seconds.
    #[serde(default, deserialize_with = "crate::de::opt_ts")]
    pub end: Option<i64>,
    /// Conversations opened.
    #[serde(default, deserialize_with = "crate::de::opt_int")]
    pub conversation: Option<i64>,
    /// Approximate charge, in the WABA's currency.
    #[serde(default)]
    pub cost: Option<f64>,
    /// The business phone number (dimension `PHONE`).
    #[serde(default)]
    pub phone_number: Option<String>,
    /// Recipient country (dimension `COUNTRY`).
    #[serde(default)]
    pub country: Option<String>,
    /// `FREE_ENTRY`, `FREE_TIER`, `REGULAR`.
    #[serde(default)]
    pub conversation_type: Option<String>,
    /// `BUSINESS_INITIATED`, `USER_INITIATED`.
    #[serde(default)]
    pub conversation_direction: Option<String>,
    /// `MARKETING`, `UTILITY`, `AUTHENTICATION`, `SERVICE`, ...
    #[serde(default)]
    pub conversation_category: Option<String>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Deserialize)]
struct Series<P> {
    #[serde(default = "Vec::new")]
    data_points: Vec<P>,
}

#[derive(Deserialize)]
struct SeriesList<P> {
    #[serde(default = "Vec::new")]
    data: Vec<Series<P>>,
}

/// A button's clicks in a template analytics data point.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TemplateClick {
    /// `quick_reply_button`, `url_button`, ...
    #[serde(rename = "type")]
    pub kind: String,
    /// The button's text.
    #[serde(default)]
    pub button_content: Option<String>,
    /// Clicks.
    pub count: i64,
}

/// A cost metric of a template analytics data point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TemplateCost {
    /// `amount_spent`, `cost_per_delivered`, `cost_per_url_button_click`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The amount, in the WABA's currency (absent when Meta has none yet).
    #[serde(default)]
    pub value: Option<f64>,
}

/// One template's numbers for one day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TemplateDataPoint {
    /// The template.
    #[serde(deserialize_with = "crate::de::id")]
    pub template_id: String,
    /// Start of the day, Unix seconds.
    #[serde(default, deserialize_with = "crate::de::opt_ts")]
    pub start: Option<i64>,
    /// End of the day, Unix seconds.
    #[serde(default, deserialize_with = "crate::de::opt_ts")]
    pub end: Option<i64>,
    /// Sent.
    #[serde(default, deserialize_with = "crate::de::opt_int")]
    pub sent: Option<i64>,
    /// Delivered.
    #[serde(default, deserialize_with = "crate::de::opt_int")]
    pub delivered: Option<i64>,
    /// Read.
    #[serde(default, deserialize_with = "crate::de::opt_int")]
    pub read: Option<i64>,
    /// Clicks per button.
    #[serde(default)]
    pub clicked: Vec<TemplateClick>,
    /// Cost metrics.
    #[serde(default)]
    pub cost: Vec<TemplateCost>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One series of template analytics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TemplateAnalytics {
    /// `DAILY`.
    #[serde(default)]
    pub granularity: Option<String>,
    /// `cloud_api` or `marketing_messages_lite_api`.
    #[serde(default)]
    pub product_type: Option<String>,
    /// The data points.
    #[serde(default)]
    pub data_points: Vec<TemplateDataPoint>,
}

/// `GET /{waba_id}/template_analytics`: 1 to 10 templates, one day per data point.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateAnalyticsQuery {
    start: i64,
    end: i64,
    template_ids: Vec<String>,
    metric_types: Vec<String>,
    product_type: Option<String>,
}

impl TemplateAnalyticsQuery {
    /// `template_ids` (1 to 10) from `start` to `end` (Unix seconds), daily.
    pub fn new(
        start: i64,
        end: i64,
        template_ids: impl IntoIterator<Item = impl Into<String>>,
    ) -> Result<Self, ValidationError> {
        check_range(start, end)?;
        let template_ids: Vec<String> = template_ids.into_iter().map(Into::into).collect();
        if template_ids.is_empty() || template_ids.len() > 10 {
            return Err(ValidationError::new(
                "template_ids",
                format!("{} template ids; Meta takes 1 to 10", template_ids.len()),
            ));
        }
        Ok(Self {
            start,
            end,
            template_ids,
            metric_types: Vec::new(),
            product_type: None,
        })
    }

    /// Only these metrics: `SENT`, `DELIVERED`, `READ`, `CLICKED`, `COST` (all when
    /// not given).
    pub fn metric_types(mut self, v: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.metric_types = v.into_iter().map(Into::into).collect();
        self
    }

    /// `cloud_api` or `marketing_messages_lite_api`.
    pub fn product_type(mut self, v: impl Into<String>) -> Self {
        self.product_type = Some(v.into());
        self
    }

    /// The query pairs sent (lists as JSON arrays, as in Meta's examples).
    pub fn to_query(&self) -> Vec<(&'static str, String)> {
        let mut q = vec![
            ("start", self.start.to_string()),
            ("end", self.end.to_string()),
            ("granularity", Granularity::Daily.as_str().to_owned()),
            (
                "template_ids",
                Value::from(self.template_ids.clone()).to_string(),
            ),
        ];
        if !self.metric_types.is_empty() {
            q.push((
                "metric_types",
                Value::from(self.metric_types.clone()).to_string(),
            ));
        }
        if let Some(p) = &self.product_type {
            q.push(("product_type", p.clone()));
        }
        q
    }
}

impl GraphClient {
    async fn waba_field<P: serde::de::DeserializeOwned>(
        &self,
        call: &str,
        field: &'static str,
        expansion: String,
    ) -> Result<Vec<P>, GraphError> {
        let waba = self.require_waba(call)?;
        let answer: Map<String, Value> = self
            .get_node(&[waba], &[("fields", &expansion)], "analytics answer")
            .await?;
        let Some(v) = answer.get(field) else {
            return Ok(Vec::new()); // Meta leaves the field out when there is no data
        };
        let list: SeriesList<P> =
            serde_json::from_value(v.clone()).map_err(|e| GraphError::Decode {
                status: 200,
                message: format!("{field}: {e}"),
            })?;
        Ok(list.data.into_iter().flat_map(|s| s.data_points).collect())
    }

    /// The WABA's pricing analytics (`GET /{waba_id}?fields=pricing_analytics…`): every
    /// data point of every series, empty when Meta has none for the range.
    pub async fn pricing_analytics(
        &self,
        query: &PricingAnalyticsQuery,
    ) -> Result<Vec<PricingDataPoint>, GraphError> {
        self.waba_field("pricing_analytics", "pricing_analytics", query.to_field())
            .await
    }

    /// The WABA's conversation analytics (`GET /{waba_id}?fields=conversation_analytics…`).
    pub async fn conversation_analytics(
        &self,
        query: &ConversationAnalyticsQuery,
    ) -> Result<Vec<ConversationDataPoint>, GraphError> {
        self.waba_field(
            "conversation_analytics",
            "conversation_analytics",
            query.to_field(),
        )
        .await
    }

    /// Turns template analytics on for the WABA (`POST
    /// /{waba_id}?is_enabled_for_insights=true`, as Meta's analytics page shows it); it
    /// cannot be turned off again. Meta answers the WABA's id.
    pub async fn enable_template_analytics(&self) -> Result<(), GraphError> {
        let waba = self.require_waba("enable_template_analytics")?;
        let _: Value = self
            .write_node(
                reqwest::Method::POST,
                &[waba],
                &[("is_enabled_for_insights", "true")],
                None,
                "enable insights answer",
            )
            .await?;
        Ok(())
    }

    /// Template analytics (`GET /{waba_id}/template_analytics`, all pages).
    pub async fn template_analytics(
        &self,
        query: &TemplateAnalyticsQuery,
    ) -> Result<Vec<TemplateAnalytics>, GraphError> {
        let waba = self.require_waba("template_analytics")?;
        let url = self.node_url(&[waba, "template_analytics"]);
        let pairs = query.to_query();
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        self.get_all_pages(&url, &pairs, "template analytics answer")
            .await
    }
}
