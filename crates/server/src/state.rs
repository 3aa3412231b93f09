//! What every request handler shares.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use crate::configuration::Config;
use crate::db::Db;
use crate::events::Feed;
use crate::objects::MediaStore;
use crate::rate_limit::RateLimiter;
use crate::signing::Signer;

#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub feed: Feed,
    /// Uploads with a PATCH in flight: a second PATCH on one of them is refused (423).
    pub busy_uploads: Arc<Mutex<HashSet<String>>>,
    pub limiter: Arc<RateLimiter>,
    /// The base of the URLs handed out in links.
    pub public_url: Arc<str>,
    /// Turns true when the server starts shutting down, so long-polls answer at once.
    pub stopping: tokio::sync::watch::Receiver<bool>,
    /// Wakes an idle media worker when a video arrives.
    pub media_wake: Arc<tokio::sync::Notify>,
    pub signer: Arc<Signer>,
    /// This data folder's id, answered by `/healthz`.
    pub instance_id: Arc<str>,
    /// The bucket media are kept in; `None` with `storage = "local"`.
    pub objects: Option<MediaStore>,
}

impl AppState {
    pub fn db(&self) -> &Db {
        self.feed.db()
    }
}
