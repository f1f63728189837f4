//! For the examples whose endpoints `wacloud sandbox` does not have (groups, flows): they
//! run against Meta only, and refuse at once, with what to set, when the Graph base URL is
//! the sandbox's (the default).

/// Exits with status 2 and says what to set when `WHATSAPP_GRAPH_BASE_URL` is unset or
/// points at a sandbox (`/sandbox/` in its path); `needs` names the further variables.
pub fn require(example: &str, needs: &str) {
    let base = std::env::var("WHATSAPP_GRAPH_BASE_URL").unwrap_or_default();
    if base.is_empty() || base.contains("/sandbox") {
        eprintln!(
            "{example} needs a real WhatsApp Business account: the sandbox has no such endpoints. \
             Set WHATSAPP_GRAPH_BASE_URL=https://graph.facebook.com, WHATSAPP_API_TOKEN, \
             WHATSAPP_PHONE_NUMBER_ID{needs}."
        );
        std::process::exit(2);
    }
}
