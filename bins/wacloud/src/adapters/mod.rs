//! Adapters between Meta's shapes (`wacloud-graph`) and the core's ports and types: the core's
//! `Messenger` port over the Graph client ([`messenger`]), and Meta's webhook JSON turned into
//! the core's events ([`webhook_events`], within the bounds of [`webhook_bounds`]).

pub mod messenger;
pub mod webhook_bounds;
pub mod webhook_events;
