//! The glue between Meta's shapes (`wacloud-graph`) and the core's types.

pub mod messenger;
pub mod webhook;
