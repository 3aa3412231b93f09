//! Values with rules, each made only by its `parse` or `generate` constructor.

mod secret;
mod slug;

pub use secret::{ApiToken, LinkToken, UploadId, hash_api_token, random_b64};
pub use slug::Slug;
