//! What the examples share: settings from the environment, with defaults that match
//! `wacloud sandbox` as the README starts it, so each runs with no settings at all.
//!
//! | variable | default |
//! | --- | --- |
//! | `WHATSAPP_GRAPH_BASE_URL` | `http://127.0.0.1:8001/sandbox/graph` (for Meta: `https://graph.facebook.com`) |
//! | `WHATSAPP_API_TOKEN` | `sandbox-token` |
//! | `WHATSAPP_PHONE_NUMBER_ID` | `100000000000001` |
//! | `WHATSAPP_TO` (recipient) | `15550000001` |
//! | `WHATSAPP_APP_SECRET` (webhooks) | `sandbox-secret` |

use wacloud_graph::{GraphClient, GraphClientBuilder};

/// The variable `name`, or `default` when it is unset or empty.
pub fn env_or(name: &str, default: &str) -> String {
    std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| default.to_owned())
}

/// A client builder for the configured number, token and Graph base URL.
pub fn builder() -> GraphClientBuilder {
    let token = env_or("WHATSAPP_API_TOKEN", "sandbox-token");
    let phone_number_id = env_or("WHATSAPP_PHONE_NUMBER_ID", "100000000000001");
    GraphClient::builder(token, phone_number_id).base_url(env_or(
        "WHATSAPP_GRAPH_BASE_URL",
        "http://127.0.0.1:8001/sandbox/graph",
    ))
}
