//! Message templates (owned by the templates work; placeholder module so the crate builds).
