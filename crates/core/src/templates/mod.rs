//! Campaign templates: two small languages, checked when a campaign is saved. The message
//! (`message`: parts with variants and `{{variables}}`, rendered per contact) and the TikTok
//! address where the operator pastes it (`dm_url`: `{user_id}` and `{handle}`). Both report
//! every problem at once, each with its field and place (`problem`).

mod dm_url;
mod message;
mod problem;
mod variant;
mod video_url;

pub use dm_url::{DM_URL_WITH_ID, DM_URL_WITHOUT_ID, check_dm_urls, dm_url};
pub use message::{
    CheckedTemplate, MessagePreview, PREVIEW_LINK, Part, PartKind, RenderContext, RenderedPart,
    Template, VARIABLES, parse, parse_json, preview, render,
};
pub use problem::{TemplateError, TemplateProblem};
