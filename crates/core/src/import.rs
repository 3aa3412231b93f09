//! CSV import of contacts (owned by the import work; placeholder module so the crate builds).
