//! Business compliance information of the number (`/{phone_number_id}/business_compliance_info`):
//! the legal entity and the grievance officer and customer care contacts that Indian
//! regulations require businesses messaging users in India to show.
//!
//! Refusals: 100 (invalid parameter, e.g. `entity_type_custom` missing for `OTHER`),
//! 200 (permission); `is_registered` can only be set once, and Meta refuses a change.

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::client::GraphClient;
use crate::error::GraphError;
use crate::messages::{char_count, ValidationError};
use crate::node::to_body;

/// A contact of the compliance information (`grievance_officer_details`,
/// `customer_care_details`): phone numbers in E.164 with `+`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ComplianceContact {
    /// The officer's full name (grievance officer only, ≤ 128 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Email, ≤ 128 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Mobile number, `+` and up to 15 digits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mobile_number: Option<String>,
    /// Landline number, `+` and up to 15 digits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub landline_number: Option<String>,
}

impl ComplianceContact {
    /// A contact reachable at `email`.
    pub fn new(email: impl Into<String>) -> Self {
        Self {
            email: Some(email.into()),
            ..Self::default()
        }
    }

    /// The person's name.
    pub fn name(mut self, n: impl Into<String>) -> Self {
        self.name = Some(n.into());
        self
    }

    /// A mobile number (`+` and digits).
    pub fn mobile_number(mut self, n: impl Into<String>) -> Self {
        self.mobile_number = Some(n.into());
        self
    }

    /// A landline number (`+` and digits).
    pub fn landline_number(mut self, n: impl Into<String>) -> Self {
        self.landline_number = Some(n.into());
        self
    }

    fn validate(&self, field: &str) -> Result<(), ValidationError> {
        for (k, v) in [("name", &self.name), ("email", &self.email)] {
            if let Some(s) = v {
                if char_count(s) > 128 {
                    return Err(ValidationError::new(
                        format!("{field}.{k}"),
                        format!("{k} is over Meta's limit of 128 characters"),
                    ));
                }
            }
        }
        if let Some(e) = &self.email {
            if !e.contains('@') || e.chars().any(char::is_whitespace) {
                return Err(ValidationError::new(
                    format!("{field}.email"),
                    format!("{e:?} is not an email address"),
                ));
            }
        }
        for (k, v) in [
            ("mobile_number", &self.mobile_number),
            ("landline_number", &self.landline_number),
        ] {
            if let Some(n) = v {
                let digits = n.strip_prefix('+').unwrap_or("");
                let ok = (2..=15).contains(&digits.len())
                    && digits.bytes().all(|b| b.is_ascii_digit())
                    && !digits.starts_with('0');
                if !ok {
                    return Err(ValidationError::new(
                        format!("{field}.{k}"),
                        format!("{n:?} must be + and 2 to 15 digits"),
                    ));
                }
            }
        }
        Ok(())
    }
}

/// The number's compliance information as Meta returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ComplianceInfo {
    /// The WABA id.
    #[serde(default, deserialize_with = "crate::de::opt_id")]
    pub whatsapp_business_account_id: Option<String>,
    /// The legal entity's name.
    #[serde(default)]
    pub entity_name: Option<String>,
    /// Its type.
    #[serde(default)]
    pub entity_type: Option<String>,
    /// Its type in words, for `OTHER`.
    #[serde(default)]
    pub entity_type_custom: Option<String>,
    /// Whether it is registered with the authorities.
    #[serde(default, deserialize_with = "crate::de::opt_bool")]
    pub is_registered: Option<bool>,
    /// The grievance officer.
    #[serde(default)]
    pub grievance_officer_details: Option<ComplianceContact>,
    /// Customer care.
    #[serde(default)]
    pub customer_care_details: Option<ComplianceContact>,
}

/// The body of `POST /{phone_number_id}/business_compliance_info`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ComplianceInfoUpdate {
    messaging_product: &'static str,
    entity_name: String,
    entity_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    entity_type_custom: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    is_registered: Option<bool>,
    grievance_officer_details: ComplianceContact,
    customer_care_details: ComplianceContact,
}

impl ComplianceInfoUpdate {
    /// The entity (`entity_name` 2 to 128 characters; `entity_type` one of
    /// `LIMITED_LIABILITY_PARTNERSHIP`, `SOLE_PROPRIETORSHIP`, `PARTNERSHIP`,
    /// `PUBLIC_COMPANY`, `PRIVATE_COMPANY`, `OTHER`), its grievance officer (name and
    /// email required) and customer care (email required).
    pub fn new(
        entity_name: impl Into<String>,
        entity_type: impl Into<String>,
        grievance_officer: ComplianceContact,
        customer_care: ComplianceContact,
    ) -> Self {
        Self {
            messaging_product: "whatsapp",
            entity_name: entity_name.into(),
            entity_type: entity_type.into(),
            entity_type_custom: None,
            is_registered: None,
            grievance_officer_details: grievance_officer,
            customer_care_details: customer_care,
        }
    }

    /// The entity type in words (required, ≤ 1024 characters, when the type is `OTHER`).
    pub fn entity_type_custom(mut self, t: impl Into<String>) -> Self {
        self.entity_type_custom = Some(t.into());
        self
    }

    /// Whether the entity is registered (can be set only once).
    pub fn is_registered(mut self, r: bool) -> Self {
        self.is_registered = Some(r);
        self
    }

    /// Checks the spec's limits.
    pub fn validate(&self) -> Result<(), ValidationError> {
        let n = char_count(&self.entity_name);
        if !(2..=128).contains(&n) {
            return Err(ValidationError::new(
                "entity_name",
                format!("entity name is {n} characters; Meta allows 2 to 128"),
            ));
        }
        if self.entity_type == "OTHER"
            && self
                .entity_type_custom
                .as_deref()
                .is_none_or(|c| c.trim().is_empty())
        {
            return Err(ValidationError::new(
                "entity_type_custom",
                "entity type OTHER needs entity_type_custom",
            ));
        }
        if self
            .entity_type_custom
            .as_deref()
            .is_some_and(|c| char_count(c) > 1024)
        {
            return Err(ValidationError::new(
                "entity_type_custom",
                "entity_type_custom is over Meta's limit of 1024 characters",
            ));
        }
        if self.grievance_officer_details.name.is_none()
            || self.grievance_officer_details.email.is_none()
        {
            return Err(ValidationError::new(
                "grievance_officer_details",
                "the grievance officer needs a name and an email",
            ));
        }
        if self.customer_care_details.email.is_none() {
            return Err(ValidationError::new(
                "customer_care_details.email",
                "customer care needs an email",
            ));
        }
        self.grievance_officer_details
            .validate("grievance_officer_details")?;
        self.customer_care_details.validate("customer_care_details")
    }
}

#[derive(Deserialize)]
struct DataOf {
    #[serde(default)]
    data: Vec<ComplianceInfo>,
}

impl GraphClient {
    /// The number's compliance information (`GET /{phone_number_id}/business_compliance_info`);
    /// `None` when none is set.
    pub async fn business_compliance_info(&self) -> Result<Option<ComplianceInfo>, GraphError> {
        let d: DataOf = self
            .get_node(
                &[self.phone_number_id(), "business_compliance_info"],
                &[],
                "compliance answer",
            )
            .await?;
        Ok(d.data.into_iter().next())
    }

    /// Sets the number's compliance information
    /// (`POST /{phone_number_id}/business_compliance_info`), checked first.
    pub async fn update_business_compliance_info(
        &self,
        info: &ComplianceInfoUpdate,
    ) -> Result<(), GraphError> {
        info.validate()?;
        let body: Value = to_body(info)?;
        self.write_success(
            Method::POST,
            &[self.phone_number_id(), "business_compliance_info"],
            &[],
            Some(body),
            "compliance answer",
        )
        .await
    }
}
