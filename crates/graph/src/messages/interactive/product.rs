//! Multi-product messages (`interactive.type: product_list`): titled sections of a
//! catalog's products, by retailer id.

use serde_json::{json, Value};

use super::list::{check_section_count, check_section_title};
use crate::messages::validation::{self, ValidationError, PRODUCT_ITEMS_MAX};

/// A section of a multi-product message: a title (≤ 24 characters) and the products'
/// retailer ids (SKUs in the catalog).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductSection {
    title: String,
    product_retailer_ids: Vec<String>,
}

impl ProductSection {
    /// A section of products.
    pub fn new(title: impl Into<String>, product_retailer_ids: Vec<String>) -> Self {
        Self {
            title: title.into(),
            product_retailer_ids,
        }
    }
}

pub(super) fn check_product_sections(sections: &[ProductSection]) -> Result<(), ValidationError> {
    check_section_count("product_list", sections.len())?;
    let total: usize = sections.iter().map(|s| s.product_retailer_ids.len()).sum();
    if total > PRODUCT_ITEMS_MAX {
        return Err(ValidationError::new(
            "interactive.action.sections.product_items",
            format!("a product_list message has {total} products; Meta's limit is {PRODUCT_ITEMS_MAX} over all sections"),
        ));
    }
    for s in sections {
        check_section_title(Some(&s.title), sections.len())?;
        if s.product_retailer_ids.is_empty() {
            return Err(ValidationError::new(
                "interactive.action.sections.product_items",
                "a product section needs at least one product",
            ));
        }
        for id in &s.product_retailer_ids {
            validation::id_value(
                "interactive.action.sections.product_items.product_retailer_id",
                "product_retailer_id",
                id,
            )?;
        }
    }
    Ok(())
}

/// The `action` of a product list: `{"catalog_id", "sections": [{"title", "product_items"}]}`.
pub(super) fn product_list_action(catalog_id: &str, sections: &[ProductSection]) -> Value {
    json!({
        "catalog_id": catalog_id,
        "sections": sections.iter().map(|s| json!({
            "title": s.title,
            "product_items": s.product_retailer_ids.iter()
                .map(|id| json!({"product_retailer_id": id}))
                .collect::<Vec<_>>()
        })).collect::<Vec<_>>()
    })
}
