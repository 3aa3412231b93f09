//! Campaigns: what an operator defines (checked and stored here), the public view a campaign
//! page shows, and the self-reported links that page hands out.

use std::collections::BTreeMap;

use clipdesk_protocol::Handle;
use clipdesk_protocol::api::{Campaign, CampaignUpsert, EventKind, PublicCampaign};
use rusqlite::{Connection, OptionalExtension, params};

use crate::clock;
use crate::db::Db;
use crate::domain::{LinkToken, Slug};
use crate::error::ApiError;
use crate::events::{Feed, NewEvent, Tx};

const MAX_DURATION_S: u32 = 600;

/// A campaign as an operator sent it, every field checked: only [`Definition::parse`] makes one.
pub struct Definition {
    fields: CampaignUpsert,
    /// `fields.organisation` trimmed; blank is none.
    organisation: Option<String>,
    /// `fields.expires_at` as Unix milliseconds.
    expires_at: Option<i64>,
    /// `fields.desktop` serialized, as stored.
    desktop: Option<String>,
}

/// The most a campaign's `desktop` definition may take, serialized.
pub const MAX_DESKTOP_BYTES: usize = 64 * 1024;

impl Definition {
    pub fn parse(fields: CampaignUpsert) -> Result<Self, ApiError> {
        let title = fields.title.trim();
        if title.is_empty() || title.chars().count() > 200 {
            return Err(ApiError::invalid("title", "must be 1 to 200 characters"));
        }
        if fields.prompt.chars().count() > 2000 {
            return Err(ApiError::invalid(
                "prompt",
                "must be at most 2000 characters",
            ));
        }
        if fields.max_duration_s == 0 || fields.max_duration_s > MAX_DURATION_S {
            return Err(ApiError::invalid(
                "max_duration_s",
                format!("must be 1 to {MAX_DURATION_S} seconds"),
            ));
        }
        if let Some(language) = &fields.language {
            let ok = (2..=16).contains(&language.len())
                && language
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-');
            if !ok {
                return Err(ApiError::invalid(
                    "language",
                    "must be a language tag such as 'en' or 'es-MX'",
                ));
            }
        }
        if fields.strings.len() > 200 {
            return Err(ApiError::invalid("strings", "at most 200 overrides"));
        }
        if let Some((key, _)) = fields
            .strings
            .iter()
            .find(|(k, v)| k.len() > 64 || v.chars().count() > 1000)
        {
            return Err(ApiError::invalid(
                format!("strings.{key}"),
                "keys are at most 64 and texts at most 1000 characters",
            ));
        }
        let organisation = fields
            .organisation
            .as_deref()
            .map(str::trim)
            .filter(|name| !name.is_empty())
            .map(str::to_owned);
        if organisation
            .as_ref()
            .is_some_and(|name| name.chars().count() > 200)
        {
            return Err(ApiError::invalid(
                "organisation",
                "must be at most 200 characters",
            ));
        }
        let expires_at = fields
            .expires_at
            .as_deref()
            .map(|text| {
                clock::parse_rfc3339(text).ok_or_else(|| {
                    ApiError::invalid("expires_at", format!("{text:?} is not an RFC 3339 time"))
                })
            })
            .transpose()?;
        if fields.version.is_some_and(|v| v < 0) {
            return Err(ApiError::invalid(
                "version",
                "must be 0 (create) or the version the edit was made from",
            ));
        }
        let bounds = [
            ("daily_cap", fields.daily_cap, 1, 10_000, "sends"),
            ("spacing_s", fields.spacing_s, 0, 86_400, "seconds"),
            ("hold_days", fields.hold_days, 0, 365, "days"),
            ("lease_s", fields.lease_s, 5, 86_400, "seconds"),
        ];
        for (field, value, min, max, unit) in bounds {
            if !(min..=max).contains(&value) {
                return Err(ApiError::invalid(
                    field,
                    format!("{value} is out of range: must be {min} to {max} {unit}"),
                ));
            }
        }
        let desktop = match &fields.desktop {
            None => None,
            Some(value) if !value.is_object() => {
                return Err(ApiError::invalid("desktop", "must be a JSON object"));
            }
            Some(value) => {
                let json = value.to_string();
                if json.len() > MAX_DESKTOP_BYTES {
                    return Err(ApiError::invalid(
                        "desktop",
                        format!(
                            "{} bytes serialized; at most {MAX_DESKTOP_BYTES}",
                            json.len()
                        ),
                    ));
                }
                Some(json)
            }
        };
        Ok(Self {
            fields,
            organisation,
            expires_at,
            desktop,
        })
    }

    /// The version the edit was made from (compare-and-set), if it names one.
    pub fn version(&self) -> Option<i64> {
        self.fields.version
    }

    /// True when storing this definition would change nothing in `stored`.
    fn same_as(&self, stored: &Campaign) -> bool {
        let fields = &self.fields;
        stored.title == fields.title.trim()
            && stored.prompt == fields.prompt.trim()
            && stored.max_duration_s == fields.max_duration_s
            && stored.expires_at == self.expires_at.map(clock::to_rfc3339)
            && stored.public_page == fields.public_page
            && stored.language == fields.language
            && stored.strings == fields.strings
            && stored.organisation == self.organisation
            && stored.daily_cap == fields.daily_cap
            && stored.spacing_s == fields.spacing_s
            && stored.hold_days == fields.hold_days
            && stored.lease_s == fields.lease_s
            && stored.desktop == fields.desktop
    }
}

/// What [`upsert`] did.
#[derive(Debug)]
pub enum Upserted {
    /// A new campaign at version 1.
    Created(Campaign),
    /// A real change: the version grew by one.
    Updated(Campaign),
    /// The stored definition already was this one (a retried push): nothing was written.
    Unchanged(Campaign),
    /// The edit was made from another version than the stored one (or asked to create a
    /// campaign that exists): nothing was written; this is the campaign as it now stands.
    Conflict(Campaign),
}

/// Creates the campaign or replaces a known one's definition (it keeps its `created_at`),
/// with compare-and-set on the definition's `version` (see [`Upserted`]); a real change bumps
/// the version, records `editor` as `updated_by` and appends `campaign_updated` (the whole
/// campaign as detail) in the same transaction. An unknown slug with a version above 0 is 404.
pub fn upsert(
    tx: &mut Tx<'_>,
    slug: &Slug,
    definition: &Definition,
    editor: &str,
) -> Result<Upserted, ApiError> {
    let fields = &definition.fields;
    let stored = load(tx, slug)?;
    let created = stored.is_none();
    match (stored, fields.version) {
        (Some(current), _) if definition.same_as(&current) => {
            return Ok(Upserted::Unchanged(current));
        }
        (Some(current), Some(version)) if version != current.version => {
            return Ok(Upserted::Conflict(current));
        }
        (None, Some(version)) if version > 0 => {
            return Err(ApiError::NotFound(format!(
                "no campaign {:?} (the edit names version {version}); create it with version 0",
                slug.as_str()
            )));
        }
        _ => {}
    }
    let strings = serde_json::to_string(&fields.strings).map_err(anyhow::Error::from)?;
    tx.execute(
        "INSERT INTO campaigns (slug, title, prompt, max_duration_s, expires_at, public_page,
                                language, strings, created_at, updated_at, organisation,
                                version, updated_by, daily_cap, spacing_s, hold_days, lease_s,
                                desktop)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, ?10, 1, ?11, ?12, ?13, ?14, ?15, ?16)
         ON CONFLICT (slug) DO UPDATE SET
            title = excluded.title, prompt = excluded.prompt,
            max_duration_s = excluded.max_duration_s, expires_at = excluded.expires_at,
            public_page = excluded.public_page, language = excluded.language,
            strings = excluded.strings, updated_at = excluded.updated_at,
            organisation = excluded.organisation, version = campaigns.version + 1,
            updated_by = excluded.updated_by, daily_cap = excluded.daily_cap,
            spacing_s = excluded.spacing_s, hold_days = excluded.hold_days,
            lease_s = excluded.lease_s, desktop = excluded.desktop",
        params![
            slug.as_str(),
            fields.title.trim(),
            fields.prompt.trim(),
            fields.max_duration_s,
            definition.expires_at,
            fields.public_page,
            fields.language,
            strings,
            clock::now_ms(),
            definition.organisation,
            editor,
            fields.daily_cap,
            fields.spacing_s,
            fields.hold_days,
            fields.lease_s,
            definition.desktop,
        ],
    )?;
    let campaign = load(tx, slug)?
        .ok_or_else(|| anyhow::anyhow!("campaign vanished inside its own transaction"))?;
    tx.append(
        EventKind::CampaignUpdated,
        NewEvent {
            campaign: Some(slug.as_str()),
            detail: Some(serde_json::to_value(&campaign).map_err(anyhow::Error::from)?),
            ..NewEvent::default()
        },
    )?;
    Ok(if created {
        Upserted::Created(campaign)
    } else {
        Upserted::Updated(campaign)
    })
}

/// What [`delete`] removed.
#[derive(Debug)]
pub struct Deleted {
    /// Links (invited and self-reported) deleted with the campaign.
    pub links: u64,
}

/// Deletes the campaign `slug` for the admin `admin`: refused (409, nothing changed) while any
/// of its links has a video or an upload, since those are people's videos to forget or export
/// first. Otherwise its claims and links go, the campaign row goes, and `campaign_deleted` is
/// appended, all in the caller's transaction. `sends` stay: TikTok does not forget a DM, so
/// per-operator pacing and the cross-campaign hold still count them.
pub fn delete(tx: &mut Tx<'_>, slug: &Slug, admin: &str) -> Result<Deleted, ApiError> {
    if load(tx, slug)?.is_none() {
        return Err(ApiError::NotFound(format!(
            "no campaign {:?}",
            slug.as_str()
        )));
    }
    let (videos, uploads): (i64, i64) = tx.query_row(
        "SELECT (SELECT count(*) FROM videos
                 WHERE campaign = ?1 OR link IN (SELECT token FROM links WHERE campaign = ?1)),
                (SELECT count(*) FROM uploads
                 WHERE link IN (SELECT token FROM links WHERE campaign = ?1))",
        [slug.as_str()],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )?;
    if videos > 0 || uploads > 0 {
        return Err(ApiError::Conflict(format!(
            "campaign {:?} has {videos} video(s) and {uploads} upload(s): forget those people \
             first (DELETE /api/v1/links/{{token}}?forget=true), or export what you need and \
             then forget them; nothing was deleted",
            slug.as_str()
        )));
    }
    // Claims reference links (ON DELETE CASCADE); deleted explicitly so the order is plain.
    tx.execute(
        "DELETE FROM claims WHERE campaign = ?1
            OR link IN (SELECT token FROM links WHERE campaign = ?1)",
        [slug.as_str()],
    )?;
    let links = tx.execute("DELETE FROM links WHERE campaign = ?1", [slug.as_str()])?;
    tx.execute("DELETE FROM campaigns WHERE slug = ?1", [slug.as_str()])?;
    tx.append(
        EventKind::CampaignDeleted,
        NewEvent {
            campaign: Some(slug.as_str()),
            detail: Some(serde_json::json!({ "deleted_by": admin, "links": links })),
            ..NewEvent::default()
        },
    )?;
    Ok(Deleted {
        links: links as u64,
    })
}

/// [`delete`] in its own transaction, for `clipdesk-server campaign delete` on the server
/// machine (`admin` is who the event names). A running server's feed readers see the event at
/// their next poll.
pub fn delete_now(db: &Db, slug: &str, admin: &str) -> Result<Deleted, ApiError> {
    let slug = Slug::parse(slug)?;
    Feed::new(db.clone())?.transact_blocking(|tx| delete(tx, &slug, admin))
}

const CAMPAIGN_COLUMNS: &str = "slug, title, prompt, max_duration_s, expires_at, public_page,
    language, strings, created_at, updated_at, organisation, version, updated_by, daily_cap,
    spacing_s, hold_days, lease_s, desktop";

/// The campaign `slug`, if there is one.
pub fn load(conn: &Connection, slug: &Slug) -> rusqlite::Result<Option<Campaign>> {
    conn.query_row(
        &format!("SELECT {CAMPAIGN_COLUMNS} FROM campaigns WHERE slug = ?1"),
        [slug.as_str()],
        campaign_row,
    )
    .optional()
}

/// Every campaign, by slug.
pub fn list(conn: &Connection) -> rusqlite::Result<Vec<Campaign>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {CAMPAIGN_COLUMNS} FROM campaigns ORDER BY slug"
    ))?;
    let rows = stmt.query_map([], campaign_row)?;
    rows.collect()
}

fn campaign_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Campaign> {
    let strings: String = row.get(7)?;
    Ok(Campaign {
        slug: row.get(0)?,
        title: row.get(1)?,
        prompt: row.get(2)?,
        max_duration_s: row.get(3)?,
        expires_at: row.get::<_, Option<i64>>(4)?.map(clock::to_rfc3339),
        public_page: row.get(5)?,
        language: row.get(6)?,
        strings: parse_strings(&strings),
        organisation: row.get(10)?,
        created_at: clock::to_rfc3339(row.get(8)?),
        updated_at: clock::to_rfc3339(row.get(9)?),
        version: row.get(11)?,
        updated_by: row.get(12)?,
        daily_cap: row.get(13)?,
        spacing_s: row.get(14)?,
        hold_days: row.get(15)?,
        lease_s: row.get(16)?,
        desktop: row
            .get::<_, Option<String>>(17)?
            .and_then(|json| serde_json::from_str(&json).ok()),
    })
}

/// Who a consent sentence names: the campaign's `own` organisation, else the server's
/// (`fallback`); `None` when neither is set, and never the campaign's title.
pub fn organisation_named(own: Option<String>, fallback: Option<&str>) -> Option<String> {
    own.or_else(|| fallback.map(str::to_owned))
}

/// [`organisation_named`] for the campaign `slug`.
pub fn organisation(
    conn: &Connection,
    slug: &str,
    fallback: Option<&str>,
) -> rusqlite::Result<Option<String>> {
    let own: Option<String> = conn
        .query_row(
            "SELECT organisation FROM campaigns WHERE slug = ?1",
            [slug],
            |row| row.get(0),
        )
        .optional()?
        .flatten();
    Ok(organisation_named(own, fallback))
}

/// A campaign whose public page is on and that has not expired, with its own organisation
/// only (the caller applies the server's with [`organisation_named`]).
pub fn public_campaign(conn: &Connection, slug: &str) -> Result<PublicCampaign, ApiError> {
    let found = conn
        .query_row(
            "SELECT slug, title, prompt, max_duration_s, language, strings, expires_at,
                    organisation
             FROM campaigns WHERE slug = ?1 AND public_page = 1",
            [slug],
            |row| {
                let strings: String = row.get(5)?;
                Ok((
                    PublicCampaign {
                        slug: row.get(0)?,
                        title: row.get(1)?,
                        prompt: row.get(2)?,
                        max_duration_s: row.get(3)?,
                        language: row.get(4)?,
                        strings: parse_strings(&strings),
                        organisation: row.get(7)?,
                    },
                    row.get::<_, Option<i64>>(6)?,
                ))
            },
        )
        .optional()?;
    match found {
        None => Err(ApiError::NotFound(
            "this campaign has no public page".into(),
        )),
        Some((_, Some(expires))) if expires <= clock::now_ms() => Err(ApiError::LinkExpired),
        Some((campaign, _)) => Ok(campaign),
    }
}

/// A new link for a handle a visitor typed on `campaign`'s public page (found open by
/// [`public_campaign`]). Every visit gets its own link: returning an existing one would hand
/// one visitor's upload right (or the invited person's) to whoever types the same handle.
pub fn add_self_reported_link(
    tx: &mut Tx<'_>,
    campaign: &PublicCampaign,
    handle: &Handle,
) -> Result<LinkToken, ApiError> {
    let token = LinkToken::generate();
    tx.execute(
        "INSERT INTO links (token, campaign, handle, self_reported, created_at)
         VALUES (?1, ?2, ?3, 1, ?4)",
        params![
            token.as_str(),
            campaign.slug,
            handle.as_str(),
            clock::now_ms()
        ],
    )?;
    tx.append(
        EventKind::LinkCreated,
        NewEvent {
            campaign: Some(&campaign.slug),
            handle: Some(handle.as_str()),
            link: Some(token.as_str()),
            detail: Some(serde_json::json!({ "self_reported": true })),
            ..NewEvent::default()
        },
    )?;
    Ok(token)
}

/// A campaign's text overrides for the recorder page, stored as a JSON object.
pub fn parse_strings(json: &str) -> BTreeMap<String, String> {
    serde_json::from_str(json).unwrap_or_default()
}
