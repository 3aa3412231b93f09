//! The desktop's HTTP client for clipdesk-server: every body is a `clipdesk-protocol` type, and
//! every failure becomes a [`CoreError`] a screen can show (away, refused, or wrong input).

use std::time::Duration;

use clipdesk_protocol::api::{
    Campaign, CampaignConflict, CampaignUpsert, CreateLinks, CreatedLinks, EventsPage,
};
use clipdesk_protocol::media::{PosterFrame, Review, ReviewConflict, ReviewUpdate, Video};
use clipdesk_protocol::reach::DoctorReport;
use clipdesk_protocol::team::{
    Claim, ClaimCreated, ClaimRequest, ClaimView, HeldList, OutcomeRequest,
};
use clipdesk_protocol::webhooks::{CreatedWebhook, NewWebhook, WebhookDeliveries, WebhookList};
use clipdesk_protocol::{ErrorResponse, Health};
use reqwest::StatusCode;
use serde::de::DeserializeOwned;

use crate::error::{CoreError, CoreResult};

#[derive(Clone)]
pub struct ServerClient {
    base: String,
    token: String,
    http: reqwest::Client,
}

/// What a review PUT came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReviewOutcome {
    Saved(Review),
    /// Someone else reviewed first; their review as it stands.
    Conflict(Review),
}

/// What asking the server for the next person came to (team mode).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaimAnswer {
    /// This operator now holds the person (or already held them: the same claim again).
    Claimed(Box<Claim>),
    /// Nobody is left to claim.
    Empty,
    /// This operator's pacing does not allow another send yet.
    Paced { retry_after_s: u64, message: String },
}

/// What recording an outcome on the server came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutcomeAnswer {
    Recorded(Box<ClaimView>),
    /// Refused for good (the lease ran out and someone else has the person now, or another
    /// outcome is recorded): the server's message.
    Conflict(String),
}

/// What a campaign PUT came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CampaignSaved {
    Saved(Box<Campaign>),
    /// The edit was made from an older version: the campaign as it now stands.
    Conflict(Box<CampaignConflict>),
}

impl ServerClient {
    pub fn new(base: &str, token: &str) -> CoreResult<Self> {
        let base = base.trim().trim_end_matches('/').to_owned();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(CoreError::invalid(
                "server_url",
                "must start with http:// or https://",
            ));
        }
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            // Long-polls wait up to 25 s on the server; this leaves room for the answer.
            .timeout(Duration::from_secs(40))
            // The server closes a connection idle for 10 s; reusing one it is closing would
            // fail the request, so idle ones are dropped sooner here.
            .pool_idle_timeout(Duration::from_secs(5))
            .build()
            .map_err(|e| CoreError::Unexpected(e.into()))?;
        Ok(Self {
            base,
            token: token.trim().to_owned(),
            http,
        })
    }

    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// The operator token, for a request this client does not make itself (the updater's).
    pub fn token(&self) -> &str {
        &self.token
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// `GET /healthz`, then an authenticated call, so "test connection" can say which failed.
    pub async fn check(&self) -> CoreResult<Health> {
        let health: Health = read(
            self.http.get(self.url("/healthz")).send().await,
            "checking its health",
        )
        .await?;
        self.events(i64::MAX - 1, 1, 0).await?;
        Ok(health)
    }

    pub async fn put_campaign(&self, slug: &str, body: &CampaignUpsert) -> CoreResult<()> {
        let response = self
            .http
            .put(self.url(&format!("/api/v1/campaigns/{slug}")))
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await;
        read::<serde_json::Value>(response, "saving the campaign on the server").await?;
        Ok(())
    }

    /// `PUT /api/v1/campaigns/{slug}` with the answer: the campaign as saved, or, when
    /// `body.version` is stale, the campaign as another desktop left it.
    pub async fn save_campaign(
        &self,
        slug: &str,
        body: &CampaignUpsert,
    ) -> CoreResult<CampaignSaved> {
        const DOING: &str = "saving the campaign on the server";
        let response = self
            .http
            .put(self.url(&format!("/api/v1/campaigns/{slug}")))
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await
            .map_err(|e| away(&e, DOING))?;
        if response.status() == StatusCode::CONFLICT {
            let conflict: CampaignConflict = response.json().await.map_err(|e| {
                CoreError::Unexpected(anyhow::anyhow!("unreadable answer while {DOING}: {e}"))
            })?;
            return Ok(CampaignSaved::Conflict(Box::new(conflict)));
        }
        Ok(CampaignSaved::Saved(Box::new(
            read(Ok(response), DOING).await?,
        )))
    }

    /// `POST /api/v1/campaigns/{slug}/claims`: the next person for this operator (or the one
    /// `body.link` names), nobody left, or a wait that pacing asks for.
    pub async fn claim(&self, slug: &str, body: &ClaimRequest) -> CoreResult<ClaimAnswer> {
        const DOING: &str = "claiming the next person";
        let response = self
            .http
            .post(self.url(&format!("/api/v1/campaigns/{slug}/claims")))
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await
            .map_err(|e| away(&e, DOING))?;
        match response.status() {
            StatusCode::NO_CONTENT => Ok(ClaimAnswer::Empty),
            StatusCode::TOO_MANY_REQUESTS => {
                let retry_after_s = response
                    .headers()
                    .get(reqwest::header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse().ok())
                    .unwrap_or(60);
                let message = match response.json::<ErrorResponse>().await {
                    Ok(body) => body.error.message,
                    Err(_) => format!("pacing: wait {retry_after_s} s"),
                };
                Ok(ClaimAnswer::Paced {
                    retry_after_s,
                    message,
                })
            }
            _ => {
                let created: ClaimCreated = read(Ok(response), DOING).await?;
                Ok(ClaimAnswer::Claimed(Box::new(created.claim)))
            }
        }
    }

    /// `PUT /api/v1/claims/{id}/outcome`. The same outcome again answers as the first time
    /// (an outbox may retry); a refusal for good is [`OutcomeAnswer::Conflict`].
    pub async fn put_outcome(
        &self,
        claim: &str,
        body: &OutcomeRequest,
    ) -> CoreResult<OutcomeAnswer> {
        const DOING: &str = "recording an outcome";
        let response = self
            .http
            .put(self.url(&format!("/api/v1/claims/{claim}/outcome")))
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await
            .map_err(|e| away(&e, DOING))?;
        if response.status() == StatusCode::CONFLICT {
            let message = match response.json::<ErrorResponse>().await {
                Ok(body) => body.error.message,
                Err(_) => format!("HTTP 409 while {DOING}"),
            };
            return Ok(OutcomeAnswer::Conflict(message));
        }
        Ok(OutcomeAnswer::Recorded(Box::new(
            read(Ok(response), DOING).await?,
        )))
    }

    /// `DELETE /api/v1/claims/{id}/outcome`: the outcome is taken back and the person is in
    /// the pool again.
    pub async fn undo_outcome(&self, claim: &str) -> CoreResult<ClaimView> {
        let response = self
            .http
            .delete(self.url(&format!("/api/v1/claims/{claim}/outcome")))
            .bearer_auth(&self.token)
            .send()
            .await;
        read(response, "undoing an outcome").await
    }

    /// `DELETE /api/v1/claims/{id}`: the person goes back to the pool at once.
    pub async fn give_back(&self, claim: &str) -> CoreResult<()> {
        let response = self
            .http
            .delete(self.url(&format!("/api/v1/claims/{claim}")))
            .bearer_auth(&self.token)
            .send()
            .await;
        no_content(response, "giving a person back").await
    }

    /// `GET /api/v1/campaigns/{slug}/held`: who the cross-campaign hold keeps back, and why.
    pub async fn held(&self, slug: &str) -> CoreResult<HeldList> {
        let response = self
            .http
            .get(self.url(&format!("/api/v1/campaigns/{slug}/held")))
            .bearer_auth(&self.token)
            .send()
            .await;
        read(response, "listing the people held back").await
    }

    pub async fn create_links(&self, slug: &str, body: &CreateLinks) -> CoreResult<CreatedLinks> {
        let response = self
            .http
            .post(self.url(&format!("/api/v1/campaigns/{slug}/links")))
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await;
        read(response, "registering links").await
    }

    /// `DELETE /api/v1/links/{token}`: the recipient's page refuses the link from now on
    /// (an upload in flight is stopped at its next PATCH). Revoking twice is no error.
    pub async fn revoke_link(&self, token: &str) -> CoreResult<()> {
        let response = self
            .http
            .delete(self.url(&format!("/api/v1/links/{token}")))
            .bearer_auth(&self.token)
            .send()
            .await;
        no_content(response, "revoking a link").await
    }

    /// `DELETE /api/v1/links/{token}?forget=true`: the server deletes the person's videos,
    /// uploads and link. A link the server no longer has counts as forgotten (a retry after a
    /// failure half way, or another desktop was first).
    pub async fn forget_link(&self, token: &str) -> CoreResult<()> {
        let response = self
            .http
            .delete(self.url(&format!("/api/v1/links/{token}")))
            .query(&[("forget", "true")])
            .bearer_auth(&self.token)
            .send()
            .await;
        match no_content(response, "forgetting a person").await {
            Err(CoreError::NotFound(_)) => Ok(()),
            other => other,
        }
    }

    /// `GET /api/v1/doctor`: the server's own doctor, which may run ffmpeg and fetch its
    /// public URL (each with its own limit) before answering.
    pub async fn doctor(&self) -> CoreResult<DoctorReport> {
        let response = self
            .http
            .get(self.url("/api/v1/doctor"))
            .timeout(Duration::from_secs(70))
            .bearer_auth(&self.token)
            .send()
            .await;
        read(response, "asking its doctor").await
    }

    pub async fn events(&self, after: i64, limit: u32, wait_s: u32) -> CoreResult<EventsPage> {
        let response = self
            .http
            .get(self.url("/api/v1/events"))
            .query(&[
                ("after", after.to_string()),
                ("limit", limit.to_string()),
                ("wait", wait_s.to_string()),
            ])
            .bearer_auth(&self.token)
            .send()
            .await;
        read(response, "reading the event feed").await
    }

    pub async fn video(&self, id: &str) -> CoreResult<Video> {
        let response = self
            .http
            .get(self.url(&format!("/api/v1/videos/{id}")))
            .bearer_auth(&self.token)
            .send()
            .await;
        read(response, "reading a video").await
    }

    /// Makes the frame at `at_ms` the video's poster; the video with its new poster address.
    pub async fn put_poster(&self, id: &str, at_ms: u64) -> CoreResult<Video> {
        let response = self
            .http
            .put(self.url(&format!("/api/v1/videos/{id}/poster")))
            .json(&PosterFrame { at_ms })
            .bearer_auth(&self.token)
            .send()
            .await;
        read(response, "picking a poster").await
    }

    /// GET a signed media URL (its signature is the credential, no token is sent), from
    /// `offset` on when it is not 0. The answer's head comes within the client's usual 40 s;
    /// the body has no overall limit (a large original takes long) and the caller waits for
    /// each chunk with [`MEDIA_CHUNK_TIMEOUT`].
    pub async fn media(&self, url: &str, doing: &str) -> CoreResult<reqwest::Response> {
        let request = self
            .http
            .get(url)
            .timeout(Duration::from_secs(24 * 3600))
            .send();
        let response = tokio::time::timeout(Duration::from_secs(40), request)
            .await
            .map_err(|_| CoreError::Unavailable(format!("no answer within 40 s while {doing}")))?
            .map_err(|e| away(&e, doing))?;
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        match read::<serde_json::Value>(Ok(response), doing).await {
            Err(err) => Err(err),
            Ok(_) => Err(CoreError::Unavailable(format!(
                "the server answered HTTP {status} while {doing}"
            ))),
        }
    }

    pub async fn put_review(
        &self,
        video: &str,
        update: &ReviewUpdate,
    ) -> CoreResult<ReviewOutcome> {
        let response = self
            .http
            .put(self.url(&format!("/api/v1/videos/{video}/review")))
            .bearer_auth(&self.token)
            .json(update)
            .send()
            .await
            .map_err(|e| away(&e, "saving a review"))?;
        if response.status() == StatusCode::CONFLICT {
            let conflict: ReviewConflict = response
                .json()
                .await
                .map_err(|e| CoreError::Unexpected(e.into()))?;
            return Ok(ReviewOutcome::Conflict(conflict.current));
        }
        Ok(ReviewOutcome::Saved(
            read(Ok(response), "saving a review").await?,
        ))
    }

    /// `GET /api/v1/webhooks`: endpoints with their delivery counts.
    pub async fn webhooks(&self) -> CoreResult<WebhookList> {
        let response = self
            .http
            .get(self.url("/api/v1/webhooks"))
            .bearer_auth(&self.token)
            .send()
            .await;
        read(response, "listing webhooks").await
    }

    /// `POST /api/v1/webhooks`: the answer carries the secret, shown this once.
    pub async fn add_webhook(&self, body: &NewWebhook) -> CoreResult<CreatedWebhook> {
        let response = self
            .http
            .post(self.url("/api/v1/webhooks"))
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await;
        read(response, "adding a webhook").await
    }

    pub async fn remove_webhook(&self, id: &str) -> CoreResult<()> {
        let response = self
            .http
            .delete(self.url(&format!("/api/v1/webhooks/{id}")))
            .bearer_auth(&self.token)
            .send()
            .await;
        no_content(response, "removing a webhook").await
    }

    /// `GET /api/v1/webhooks/{id}/deliveries`: the newest `limit`.
    pub async fn webhook_deliveries(&self, id: &str, limit: u32) -> CoreResult<WebhookDeliveries> {
        let response = self
            .http
            .get(self.url(&format!("/api/v1/webhooks/{id}/deliveries")))
            .query(&[("limit", limit.to_string())])
            .bearer_auth(&self.token)
            .send()
            .await;
        read(response, "reading a webhook's deliveries").await
    }
}

/// How long a media download waits for its next chunk before giving up.
pub const MEDIA_CHUNK_TIMEOUT: Duration = Duration::from_secs(30);

fn away(err: &reqwest::Error, doing: &str) -> CoreError {
    CoreError::Unavailable(format!("the server cannot be reached while {doing}: {err}"))
}

/// Reads an answer without a body (204), turning the server's error body into a [`CoreError`].
async fn no_content(
    response: Result<reqwest::Response, reqwest::Error>,
    doing: &str,
) -> CoreResult<()> {
    let response = response.map_err(|e| away(&e, doing))?;
    if response.status().is_success() {
        return Ok(());
    }
    read::<serde_json::Value>(Ok(response), doing)
        .await
        .map(|_| ())
}

/// Reads a JSON answer, turning the server's error body into a [`CoreError`].
async fn read<T: DeserializeOwned>(
    response: Result<reqwest::Response, reqwest::Error>,
    doing: &str,
) -> CoreResult<T> {
    let response = response.map_err(|e| away(&e, doing))?;
    let status = response.status();
    if status.is_success() {
        return response.json().await.map_err(|e| {
            CoreError::Unexpected(anyhow::anyhow!("unreadable answer while {doing}: {e}"))
        });
    }
    let message = match response.json::<ErrorResponse>().await {
        Ok(body) => body.error.message,
        Err(_) => format!("HTTP {status}"),
    };
    Err(match status {
        StatusCode::UNAUTHORIZED => CoreError::invalid(
            "token",
            format!("the server refused the API token: {message}"),
        ),
        StatusCode::NOT_FOUND => CoreError::NotFound(message),
        StatusCode::CONFLICT => CoreError::Conflict(message),
        s if s.is_server_error() || s == StatusCode::TOO_MANY_REQUESTS => CoreError::Unavailable(
            format!("the server could not answer while {doing}: {message}"),
        ),
        _ => CoreError::invalid(doing, message),
    })
}

impl ServerClient {
    /// `POST /api/v1/campaigns/{slug}/history`: outcomes this desktop recorded before team
    /// mode (see [`crate::upgrade`]); pushing them again changes nothing.
    pub async fn push_history(
        &self,
        slug: &str,
        body: &clipdesk_protocol::team::HistoryRequest,
    ) -> CoreResult<clipdesk_protocol::team::HistoryRecorded> {
        let response = self
            .http
            .post(self.url(&format!("/api/v1/campaigns/{slug}/history")))
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await;
        read(response, "pushing this desktop's history").await
    }
}
