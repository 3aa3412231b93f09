//! Campaigns: what an operator sends (the message template, its DM URL templates and pacing)
//! and what the recipient sees (landing title, prompt, max video length, link expiry, the
//! page's language and texts, the organisation the consent names, the public campaign page).

use std::collections::BTreeMap;

use clipdesk_protocol::api::{CampaignUpsert, default_hold_days, default_lease_s};
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::clock;
use crate::error::{CoreError, CoreResult};
use crate::followups::{self, FollowupStep};
use crate::pacing::{DAY_MS, Pacing};
use crate::templates::{self, MessagePreview, RenderContext, Template};

/// The server's limits (crates/server/src/campaigns.rs), checked here so the editor says what
/// is wrong when saving instead of the sync failing later.
const MAX_TITLE_CHARS: usize = 200;
const MAX_PROMPT_CHARS: usize = 2000;
const MAX_ORGANISATION_CHARS: usize = 200;
const MAX_OVERRIDES: usize = 200;
const MAX_OVERRIDE_KEY_LEN: usize = 64;
const MAX_OVERRIDE_CHARS: usize = 1000;
/// Ten years: any longer is "none", and keeps the expiry a valid RFC 3339 time.
const MAX_LINK_EXPIRY_DAYS: u32 = 3650;
/// The team settings' ranges the server accepts (crates/server/src/campaigns.rs).
pub const MAX_HOLD_DAYS: u32 = 365;
pub const LEASE_S: std::ops::RangeInclusive<u32> = 5..=86_400;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Campaign {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub template: Template,
    pub landing_title: String,
    pub prompt: String,
    pub max_duration_s: u32,
    /// Links stop working this many days after the campaign was created (`created_at`).
    pub link_expiry_days: Option<u32>,
    pub dm_url_with_id: String,
    pub dm_url_without_id: String,
    pub pacing: Pacing,
    /// The recorder page's language (`en`, `es`…); `None` is the page's default, English.
    pub language: Option<String>,
    /// Whether the server serves `/c/{slug}`, where anyone can enter their handle.
    pub public_page: bool,
    /// The recorder page's texts replaced for this campaign, by key; never an empty one.
    pub strings: BTreeMap<String, String>,
    /// Who the consent sentence names; `None`: the server's organisation setting.
    pub organisation: Option<String>,
    /// RFC 3339; link expiry counts from it.
    pub created_at: String,
    /// Messages sent again to people who did not react (crates/core/src/followups.rs).
    #[serde(default)]
    pub followups: Vec<FollowupStep>,
    /// Whether due follow-ups come up in the Queue before new people.
    #[serde(default = "yes")]
    pub followups_first: bool,
    /// Team mode: a person DMed in another campaign in the last `hold_days` days is held back
    /// (0: never).
    #[serde(default = "default_hold_days")]
    pub hold_days: u32,
    /// Team mode: how long a started contact stays this operator's (the claim's lease).
    #[serde(default = "default_lease_s")]
    pub lease_s: u32,
}

fn yes() -> bool {
    true
}

/// What the campaign editor saves; `slug` is made from the name when a campaign is new.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CampaignInput {
    pub name: String,
    pub template: Template,
    pub landing_title: String,
    pub prompt: String,
    pub max_duration_s: u32,
    pub link_expiry_days: Option<u32>,
    pub dm_url_with_id: String,
    pub dm_url_without_id: String,
    pub pacing: Pacing,
    pub language: Option<String>,
    pub public_page: bool,
    /// Blank texts are dropped: the page's own text stays.
    pub strings: BTreeMap<String, String>,
    /// Blank is none.
    pub organisation: Option<String>,
    /// At most [`crate::followups::MAX_STEPS`]; the server never sees them.
    #[serde(default)]
    pub followups: Vec<FollowupStep>,
    #[serde(default = "yes")]
    pub followups_first: bool,
    /// 0 to [`MAX_HOLD_DAYS`]; absent in settings saved before team mode: the server's default.
    #[serde(default = "default_hold_days")]
    #[ts(as = "Option<u32>", optional)]
    pub hold_days: u32,
    /// Seconds, within [`LEASE_S`]; absent in settings saved before team mode: the default.
    #[serde(default = "default_lease_s")]
    #[ts(as = "Option<u32>", optional)]
    pub lease_s: u32,
}

/// A [`CampaignInput`] whose every rule holds, in the form it is stored.
struct Checked {
    template: String,
    language: Option<String>,
    strings: String,
    organisation: Option<String>,
    followups: String,
}

impl CampaignInput {
    /// A campaign with the default DM URLs and pacing.
    pub fn new(name: &str, template: Template) -> Self {
        Self {
            name: name.to_owned(),
            template,
            landing_title: name.to_owned(),
            prompt: String::new(),
            max_duration_s: 60,
            link_expiry_days: None,
            dm_url_with_id: templates::DM_URL_WITH_ID.to_owned(),
            dm_url_without_id: templates::DM_URL_WITHOUT_ID.to_owned(),
            pacing: Pacing::default(),
            language: None,
            public_page: false,
            strings: BTreeMap::new(),
            organisation: None,
            followups: Vec::new(),
            followups_first: true,
            hold_days: default_hold_days(),
            lease_s: default_lease_s(),
        }
    }

    /// Every rule, checked before anything is written.
    fn check(&self) -> CoreResult<Checked> {
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(CoreError::invalid("name", "must be 1 to 100 characters"));
        }
        if self.landing_title.trim().chars().count() > MAX_TITLE_CHARS {
            return Err(CoreError::invalid(
                "landing_title",
                format!("must be at most {MAX_TITLE_CHARS} characters"),
            ));
        }
        if self.prompt.trim().chars().count() > MAX_PROMPT_CHARS {
            return Err(CoreError::invalid(
                "prompt",
                format!("must be at most {MAX_PROMPT_CHARS} characters"),
            ));
        }
        if self.max_duration_s == 0 || self.max_duration_s > 600 {
            return Err(CoreError::invalid(
                "max_duration_s",
                "must be 1 to 600 seconds",
            ));
        }
        if self.pacing.daily_cap == 0 || self.pacing.daily_cap > 1000 {
            return Err(CoreError::invalid("daily_cap", "must be 1 to 1000 a day"));
        }
        if self.pacing.min_spacing_s > 3600 {
            return Err(CoreError::invalid(
                "min_spacing_s",
                "must be at most an hour",
            ));
        }
        if self.hold_days > MAX_HOLD_DAYS {
            return Err(CoreError::invalid(
                "hold_days",
                format!("must be 0 to {MAX_HOLD_DAYS} days"),
            ));
        }
        if !LEASE_S.contains(&self.lease_s) {
            return Err(CoreError::invalid(
                "lease_s",
                format!(
                    "must be {} seconds to {} hours",
                    LEASE_S.start(),
                    LEASE_S.end() / 3600
                ),
            ));
        }
        if self
            .link_expiry_days
            .is_some_and(|days| days == 0 || days > MAX_LINK_EXPIRY_DAYS)
        {
            return Err(CoreError::invalid(
                "link_expiry_days",
                format!("must be 1 to {MAX_LINK_EXPIRY_DAYS} days, or none"),
            ));
        }
        let language = blank_is_none(self.language.as_deref());
        if let Some(tag) = &language {
            let ok = (2..=16).contains(&tag.len())
                && tag.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
            if !ok {
                return Err(CoreError::invalid(
                    "language",
                    "must be a language tag such as 'en' or 'es-MX'",
                ));
            }
        }
        let strings = check_strings(&self.strings)?;
        let organisation = blank_is_none(self.organisation.as_deref());
        if organisation
            .as_ref()
            .is_some_and(|name| name.chars().count() > MAX_ORGANISATION_CHARS)
        {
            return Err(CoreError::invalid(
                "organisation",
                format!("must be at most {MAX_ORGANISATION_CHARS} characters"),
            ));
        }
        templates::check_dm_urls(&self.dm_url_with_id, &self.dm_url_without_id)?;
        Ok(Checked {
            template: templates::parse(&self.template)?.to_json(),
            language,
            strings: serde_json::to_string(&strings).map_err(anyhow::Error::from)?,
            organisation,
            followups: followups::check(&self.followups)?,
        })
    }
}

fn blank_is_none(text: Option<&str>) -> Option<String> {
    text.map(str::trim)
        .filter(|text| !text.is_empty())
        .map(str::to_owned)
}

/// The overrides as stored: trimmed, blank ones dropped; a key is a name the page uses
/// (`doneTitle`), never free text.
fn check_strings(strings: &BTreeMap<String, String>) -> CoreResult<BTreeMap<String, String>> {
    let kept: BTreeMap<String, String> = strings
        .iter()
        .map(|(key, text)| (key.clone(), text.trim().to_owned()))
        .filter(|(_, text)| !text.is_empty())
        .collect();
    if kept.len() > MAX_OVERRIDES {
        return Err(CoreError::invalid(
            "strings",
            format!("at most {MAX_OVERRIDES} texts may be replaced"),
        ));
    }
    for (key, text) in &kept {
        let key_ok = !key.is_empty()
            && key.len() <= MAX_OVERRIDE_KEY_LEN
            && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !key_ok {
            return Err(CoreError::invalid(
                format!("strings.{key}"),
                "is not a text of the recorder page",
            ));
        }
        if text.chars().count() > MAX_OVERRIDE_CHARS {
            return Err(CoreError::invalid(
                format!("strings.{key}"),
                format!("must be at most {MAX_OVERRIDE_CHARS} characters"),
            ));
        }
    }
    Ok(kept)
}

/// When a campaign's links stop working: `days` after it was created (Unix ms).
pub fn links_expire_at(created_at: i64, days: Option<u32>) -> Option<i64> {
    days.map(|days| created_at + i64::from(days) * DAY_MS)
}

/// `Spring Bakes 2026!` → `spring-bakes-2026`.
pub fn slugify(name: &str) -> String {
    let mut slug = String::new();
    for c in name.to_lowercase().chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-');
    let slug: String = slug.chars().take(48).collect();
    if slug.is_empty() {
        "campaign".to_owned()
    } else {
        slug
    }
}

const COLUMNS: &str =
    "id, slug, name, template, landing_title, prompt, max_duration_s, link_expiry_days,
     dm_url_with_id, dm_url_without_id, daily_cap, min_spacing_s, language, public_page,
     strings, organisation, created_at, followups, followups_first, hold_days, lease_s";

/// A row, with its template and overrides still as stored JSON.
fn read(row: &Row<'_>) -> rusqlite::Result<(Campaign, String, String, String)> {
    Ok((
        Campaign {
            id: row.get(0)?,
            slug: row.get(1)?,
            name: row.get(2)?,
            template: Template { parts: Vec::new() },
            landing_title: row.get(4)?,
            prompt: row.get(5)?,
            max_duration_s: row.get(6)?,
            link_expiry_days: row.get(7)?,
            dm_url_with_id: row.get(8)?,
            dm_url_without_id: row.get(9)?,
            pacing: Pacing {
                daily_cap: row.get(10)?,
                min_spacing_s: row.get(11)?,
            },
            language: row.get(12)?,
            public_page: row.get(13)?,
            strings: BTreeMap::new(),
            organisation: row.get(15)?,
            created_at: clock::to_rfc3339(row.get(16)?),
            followups: Vec::new(),
            followups_first: row.get(18)?,
            hold_days: row.get(19)?,
            lease_s: row.get(20)?,
        },
        row.get(3)?,
        row.get(14)?,
        row.get(17)?,
    ))
}

fn finish(
    (mut campaign, template, strings, steps): (Campaign, String, String, String),
) -> CoreResult<Campaign> {
    campaign.template = templates::parse_json(&template)?.template().clone();
    campaign.strings = serde_json::from_str(&strings).map_err(anyhow::Error::from)?;
    campaign.followups = followups::parse_json(&steps)?;
    Ok(campaign)
}

pub fn get(conn: &Connection, id: i64) -> CoreResult<Campaign> {
    let row = conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM campaigns WHERE id = ?1"),
            [id],
            read,
        )
        .optional()?
        .ok_or_else(|| CoreError::NotFound(format!("no campaign #{id}")))?;
    finish(row)
}

/// Every campaign but those deleted on the server (their outreach stays as history).
pub fn list(conn: &Connection) -> CoreResult<Vec<Campaign>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM campaigns WHERE deleted_at IS NULL ORDER BY name, id"
    ))?;
    let rows = stmt.query_map([], read)?;
    rows.map(|row| finish(row?)).collect()
}

/// Creates a campaign with a slug made unique from its name.
pub fn create(conn: &mut Connection, input: &CampaignInput) -> CoreResult<Campaign> {
    let checked = input.check()?;
    let tx = conn.transaction()?;
    let base = slugify(&input.name);
    let mut slug = base.clone();
    let mut n = 2;
    while tx
        .query_row("SELECT 1 FROM campaigns WHERE slug = ?1", [&slug], |_| {
            Ok(())
        })
        .optional()?
        .is_some()
    {
        slug = format!("{base}-{n}");
        n += 1;
    }
    let now = clock::now_ms();
    tx.execute(
        "INSERT INTO campaigns (slug, name, template, landing_title, prompt, max_duration_s,
                                link_expiry_days, dm_url_with_id, dm_url_without_id, daily_cap,
                                min_spacing_s, created_at, updated_at, language, public_page,
                                strings, organisation, followups, followups_first, hold_days,
                                lease_s)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12, ?13, ?14, ?15, ?16,
                 ?17, ?18, ?19, ?20)",
        params![
            slug,
            input.name.trim(),
            checked.template,
            input.landing_title.trim(),
            input.prompt.trim(),
            input.max_duration_s,
            input.link_expiry_days,
            input.dm_url_with_id,
            input.dm_url_without_id,
            input.pacing.daily_cap,
            input.pacing.min_spacing_s,
            now,
            checked.language,
            input.public_page,
            checked.strings,
            checked.organisation,
            checked.followups,
            input.followups_first,
            input.hold_days,
            input.lease_s,
        ],
    )?;
    let id = tx.last_insert_rowid();
    tx.commit()?;
    get(conn, id)
}

/// Replaces a campaign's settings; its slug (part of every link) never changes. The new
/// revision is what the sync sends the server next.
pub fn update(conn: &Connection, id: i64, input: &CampaignInput) -> CoreResult<Campaign> {
    let checked = input.check()?;
    let changed = conn.execute(
        "UPDATE campaigns SET name = ?2, template = ?3, landing_title = ?4, prompt = ?5,
                max_duration_s = ?6, link_expiry_days = ?7, dm_url_with_id = ?8,
                dm_url_without_id = ?9, daily_cap = ?10, min_spacing_s = ?11, updated_at = ?12,
                language = ?13, public_page = ?14, strings = ?15, organisation = ?16,
                followups = ?17, followups_first = ?18, hold_days = ?19, lease_s = ?20,
                revision = revision + 1
         WHERE id = ?1",
        params![
            id,
            input.name.trim(),
            checked.template,
            input.landing_title.trim(),
            input.prompt.trim(),
            input.max_duration_s,
            input.link_expiry_days,
            input.dm_url_with_id,
            input.dm_url_without_id,
            input.pacing.daily_cap,
            input.pacing.min_spacing_s,
            clock::now_ms(),
            checked.language,
            input.public_page,
            checked.strings,
            checked.organisation,
            checked.followups,
            input.followups_first,
            input.hold_days,
            input.lease_s,
        ],
    )?;
    if changed == 0 {
        return Err(CoreError::NotFound(format!("no campaign #{id}")));
    }
    get(conn, id)
}

/// What the server is sent for campaign `slug` (`PUT /api/v1/campaigns/{slug}`), with the
/// revision it is of.
pub fn upsert_of(conn: &Connection, slug: &str) -> CoreResult<(i64, CampaignUpsert)> {
    let row = conn
        .query_row(
            "SELECT revision, name, landing_title, prompt, max_duration_s, link_expiry_days,
                    created_at, public_page, language, strings, organisation
             FROM campaigns WHERE slug = ?1",
            [slug],
            |row| {
                let name: String = row.get(1)?;
                let title: String = row.get(2)?;
                let strings: String = row.get(9)?;
                Ok((
                    row.get(0)?,
                    CampaignUpsert {
                        title: if title.trim().is_empty() { name } else { title },
                        prompt: row.get(3)?,
                        max_duration_s: row.get(4)?,
                        expires_at: links_expire_at(row.get(6)?, row.get(5)?)
                            .map(clock::to_rfc3339),
                        public_page: row.get(7)?,
                        language: row.get(8)?,
                        strings: BTreeMap::new(),
                        organisation: row.get(10)?,
                        ..CampaignUpsert::default()
                    },
                    strings,
                ))
            },
        )
        .optional()?
        .ok_or_else(|| CoreError::NotFound(format!("no campaign /{slug}")))?;
    let (revision, mut upsert, strings) = row;
    upsert.strings = serde_json::from_str(&strings).map_err(anyhow::Error::from)?;
    Ok((revision, upsert))
}

/// Slugs of the campaigns changed since the server last got them; never one deleted on the
/// server (pushing it would bring it back).
pub fn unpushed(conn: &Connection) -> CoreResult<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT slug FROM campaigns WHERE pushed_revision < revision AND deleted_at IS NULL
         ORDER BY id",
    )?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Notes that the server has campaign `slug` as of `revision` (a later edit stays unpushed).
pub fn mark_pushed(conn: &Connection, slug: &str, revision: i64) -> CoreResult<()> {
    conn.execute(
        "UPDATE campaigns SET pushed_revision = ?2 WHERE slug = ?1 AND pushed_revision < ?2",
        params![slug, revision],
    )?;
    Ok(())
}

/// Every campaign is to be sent again: the server may be a different one, or have lost them.
pub fn forget_pushed(conn: &Connection) -> CoreResult<()> {
    conn.execute("UPDATE campaigns SET pushed_revision = 0", [])?;
    Ok(())
}

/// The campaign's message as `contact` would get it, from the editor's unsaved template:
/// with their own link when the campaign already issued one, else a placeholder link.
pub fn preview_for(
    conn: &Connection,
    campaign: Option<i64>,
    name: &str,
    template: &Template,
    contact: i64,
) -> CoreResult<MessagePreview> {
    let checked = templates::parse(template)?;
    let contact = crate::contacts::get(conn, contact)?;
    let link: Option<String> = match campaign {
        Some(id) => conn
            .query_row(
                "SELECT link_url FROM outreach WHERE campaign_id = ?1 AND contact_id = ?2",
                params![id, contact.id],
                |r| r.get(0),
            )
            .optional()?
            .flatten(),
        None => None,
    };
    Ok(templates::preview(
        &checked,
        &RenderContext {
            handle: contact.handle,
            display_name: contact.display_name,
            tags: contact.tags,
            link,
            campaign_name: name.trim().to_owned(),
        },
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::open_in_memory;
    use crate::templates::Part;

    fn template() -> Template {
        Template {
            parts: vec![Part::text([
                "Hi {{first_name|there}}! Record a clip for us: {{link}}",
            ])],
        }
    }

    #[test]
    fn slugs_come_from_names_and_stay_unique() {
        assert_eq!(slugify("Spring Bakes 2026!"), "spring-bakes-2026");
        assert_eq!(slugify("¡¡¡"), "campaign");
        let mut conn = open_in_memory().unwrap();
        let a = create(&mut conn, &CampaignInput::new("Spring", template())).unwrap();
        let b = create(&mut conn, &CampaignInput::new("spring", template())).unwrap();
        assert_eq!((a.slug.as_str(), b.slug.as_str()), ("spring", "spring-2"));
    }

    #[test]
    fn a_campaign_round_trips_and_keeps_its_slug_when_renamed() {
        let mut conn = open_in_memory().unwrap();
        let created = create(&mut conn, &CampaignInput::new("Spring", template())).unwrap();
        let mut input = CampaignInput::new("Summer", template());
        input.pacing = Pacing {
            daily_cap: 20,
            min_spacing_s: 120,
        };
        let updated = update(&conn, created.id, &input).unwrap();
        assert_eq!(updated.slug, "spring");
        assert_eq!(updated.name, "Summer");
        assert_eq!(updated.pacing.daily_cap, 20);
        assert_eq!(updated.template, template());
        assert_eq!(list(&conn).unwrap().len(), 1);
    }

    #[test]
    fn bad_settings_are_named_and_nothing_is_saved() {
        let mut conn = open_in_memory().unwrap();
        let mut input = CampaignInput::new("Spring", template());
        input.max_duration_s = 0;
        assert!(
            create(&mut conn, &input)
                .unwrap_err()
                .to_string()
                .contains("max_duration_s")
        );
        let mut input = CampaignInput::new(
            "Spring",
            Template {
                parts: vec![Part::text(["Hi {{nme}} {{link}}"])],
            },
        );
        let err = create(&mut conn, &input).unwrap_err().to_string();
        assert!(err.contains("nme"), "{err}");
        input.template = template();
        input.dm_url_with_id = "https://www.tiktok.com/messages".into();
        assert!(create(&mut conn, &input).is_err());
        assert!(list(&conn).unwrap().is_empty());
    }

    #[test]
    fn a_preview_uses_the_contacts_own_link_once_issued() {
        let mut conn = open_in_memory().unwrap();
        let campaign = create(&mut conn, &CampaignInput::new("Spring", template())).unwrap();
        let maya = crate::contacts::insert(
            &conn,
            &crate::contacts::ContactInput::parse("maya", "", "Maya Lopez", "", "").unwrap(),
            None,
        )
        .unwrap();
        let edited = Template {
            parts: vec![Part::text([
                "Hey {{first_name}} from {{campaign}}: {{link}}",
            ])],
        };
        let shown = preview_for(&conn, Some(campaign.id), "Spring!", &edited, maya).unwrap();
        assert!(shown.placeholder_link);
        assert_eq!(
            shown.parts[0].text,
            format!("Hey Maya from Spring!: {}", templates::PREVIEW_LINK)
        );
        crate::queue::add_to_campaign(&mut conn, campaign.id, &[maya]).unwrap();
        conn.execute(
            "UPDATE outreach SET link_url = 'https://c.example/r/abc'",
            [],
        )
        .unwrap();
        let shown = preview_for(&conn, Some(campaign.id), "Spring", &edited, maya).unwrap();
        assert!(!shown.placeholder_link);
        assert!(shown.parts[0].text.ends_with("https://c.example/r/abc"));
        let bad = Template {
            parts: vec![Part::text(["Hi {{nope}}"])],
        };
        let err = preview_for(&conn, None, "Spring", &bad, maya).unwrap_err();
        assert!(err.to_string().contains("nope"), "{err}");
    }

    /// The editor filled in for a Spanish page: every field the recipient's page uses.
    fn spanish_page() -> CampaignInput {
        let mut input = CampaignInput::new("Verano", template());
        input.landing_title = "¡Muéstranos tu pan de verano!".into();
        input.link_expiry_days = Some(30);
        input.language = Some(" es ".into());
        input.public_page = true;
        input.strings = BTreeMap::from([
            ("doneTitle".to_owned(), "  ¡Mil gracias!  ".to_owned()),
            ("retake".to_owned(), "   ".to_owned()),
        ]);
        input.organisation = Some("  Crumb & Co. Panadería ".into());
        input
    }

    #[test]
    fn the_recipients_page_settings_round_trip_trimmed_and_blank_texts_are_dropped() {
        let mut conn = open_in_memory().unwrap();
        let saved = create(&mut conn, &spanish_page()).unwrap();
        assert_eq!(saved.language.as_deref(), Some("es"));
        assert!(saved.public_page);
        assert_eq!(saved.link_expiry_days, Some(30));
        assert_eq!(
            saved.strings,
            BTreeMap::from([("doneTitle".to_owned(), "¡Mil gracias!".to_owned())]),
            "a blank override is not sent: the page keeps its own text"
        );
        assert_eq!(saved.organisation.as_deref(), Some("Crumb & Co. Panadería"));
        assert_eq!(list(&conn).unwrap(), vec![saved.clone()]);

        let mut input = spanish_page();
        input.language = Some(String::new());
        input.organisation = Some("  ".into());
        input.public_page = false;
        input.strings.clear();
        input.link_expiry_days = None;
        let updated = update(&conn, saved.id, &input).unwrap();
        assert_eq!(
            (
                updated.language,
                updated.organisation,
                updated.public_page,
                updated.strings.len(),
                updated.link_expiry_days
            ),
            (None, None, false, 0, None),
            "blank is none: the page's default language and the server's organisation"
        );
        assert_eq!(updated.created_at, saved.created_at);
    }

    #[test]
    fn page_settings_the_server_would_refuse_are_named_before_anything_is_saved() {
        let mut conn = open_in_memory().unwrap();
        type Spoil = Box<dyn Fn(&mut CampaignInput)>;
        let cases: Vec<(&str, Spoil)> = vec![
            ("language", Box::new(|i| i.language = Some("e".into()))),
            (
                "language",
                Box::new(|i| i.language = Some("español".into())),
            ),
            (
                "strings.done title",
                Box::new(|i| {
                    i.strings.insert("done title".into(), "x".into());
                }),
            ),
            (
                "strings.doneTitle",
                Box::new(|i| {
                    i.strings.insert("doneTitle".into(), "x".repeat(1001));
                }),
            ),
            (
                "strings",
                Box::new(|i| {
                    i.strings = (0..201)
                        .map(|n| (format!("k{n}"), "x".to_owned()))
                        .collect();
                }),
            ),
            (
                "organisation",
                Box::new(|i| i.organisation = Some("o".repeat(201))),
            ),
            (
                "landing_title",
                Box::new(|i| i.landing_title = "t".repeat(201)),
            ),
            ("prompt", Box::new(|i| i.prompt = "p".repeat(2001))),
            (
                "link_expiry_days",
                Box::new(|i| i.link_expiry_days = Some(0)),
            ),
            (
                "link_expiry_days",
                Box::new(|i| i.link_expiry_days = Some(3651)),
            ),
            ("hold_days", Box::new(|i| i.hold_days = 366)),
            ("lease_s", Box::new(|i| i.lease_s = 4)),
            ("lease_s", Box::new(|i| i.lease_s = 86_401)),
        ];
        for (field, spoil) in cases {
            let mut input = spanish_page();
            spoil(&mut input);
            match create(&mut conn, &input).unwrap_err() {
                CoreError::Invalid { field: named, .. } => assert_eq!(named, field),
                other => panic!("{field}: {other}"),
            }
        }
        assert!(list(&conn).unwrap().is_empty(), "nothing was saved");
        // At the limits, the server takes it too.
        let mut input = spanish_page();
        input.organisation = Some("o".repeat(200));
        input.language = Some("es-MX".into());
        input.link_expiry_days = Some(3650);
        input.hold_days = 365;
        input.lease_s = 86_400;
        create(&mut conn, &input).unwrap();
        input.hold_days = 0;
        input.lease_s = 5;
        create(&mut conn, &input).unwrap();
    }

    #[test]
    fn the_team_settings_round_trip_and_settings_saved_before_them_get_the_servers_defaults() {
        let mut conn = open_in_memory().unwrap();
        let mut input = spanish_page();
        input.hold_days = 0;
        input.lease_s = 120;
        let saved = create(&mut conn, &input).unwrap();
        assert_eq!((saved.hold_days, saved.lease_s), (0, 120));
        input.hold_days = 45;
        let updated = update(&conn, saved.id, &input).unwrap();
        assert_eq!((updated.hold_days, updated.lease_s), (45, 120));

        // A desktop definition saved before team mode (on the server, or in a test) has neither.
        let mut old = serde_json::to_value(spanish_page()).unwrap();
        let fields = old.as_object_mut().unwrap();
        fields.remove("hold_days");
        fields.remove("lease_s");
        let parsed: CampaignInput = serde_json::from_value(old).unwrap();
        assert_eq!((parsed.hold_days, parsed.lease_s), (30, 900));
    }

    #[test]
    fn a_campaign_from_before_the_team_settings_takes_them_from_the_servers_last_copy() {
        let mut conn = crate::store::open_in_memory_before("ADD COLUMN hold_days").unwrap();
        for (slug, server) in [
            ("known", Some(r#"{"hold_days": 7, "lease_s": 600}"#)),
            ("unknown", None),
        ] {
            conn.execute(
                "INSERT INTO campaigns (slug, name, template, dm_url_with_id, dm_url_without_id,
                                        created_at, updated_at, server_campaign)
                 VALUES (?1, ?1, ?2, ?3, ?4, 1000, 1000, ?5)",
                params![
                    slug,
                    templates::parse(&template()).unwrap().to_json(),
                    templates::DM_URL_WITH_ID,
                    templates::DM_URL_WITHOUT_ID,
                    server
                ],
            )
            .unwrap();
        }
        crate::store::migrate(&mut conn).unwrap();
        let settings: Vec<(String, u32, u32)> = list(&conn)
            .unwrap()
            .into_iter()
            .map(|c| (c.slug, c.hold_days, c.lease_s))
            .collect();
        assert_eq!(
            settings,
            vec![("known".into(), 7, 600), ("unknown".into(), 30, 900)],
            "what the server last said, else its defaults"
        );
    }

    #[test]
    fn the_server_gets_what_the_editor_saved_and_links_expire_days_after_creation() {
        let mut conn = open_in_memory().unwrap();
        let saved = create(&mut conn, &spanish_page()).unwrap();
        let (revision, sent) = upsert_of(&conn, &saved.slug).unwrap();
        let created = clock::parse_rfc3339(&saved.created_at).unwrap();
        assert_eq!(
            sent,
            CampaignUpsert {
                title: "¡Muéstranos tu pan de verano!".into(),
                prompt: String::new(),
                max_duration_s: 60,
                expires_at: Some(clock::to_rfc3339(created + 30 * DAY_MS)),
                public_page: true,
                language: Some("es".into()),
                strings: BTreeMap::from([("doneTitle".to_owned(), "¡Mil gracias!".to_owned())]),
                organisation: Some("Crumb & Co. Panadería".into()),
                ..CampaignUpsert::default()
            }
        );
        assert_eq!(unpushed(&conn).unwrap(), vec![saved.slug.clone()]);
        mark_pushed(&conn, &saved.slug, revision).unwrap();
        assert!(unpushed(&conn).unwrap().is_empty());

        let mut input = spanish_page();
        input.landing_title = String::new();
        input.link_expiry_days = None;
        update(&conn, saved.id, &input).unwrap();
        assert_eq!(
            unpushed(&conn).unwrap(),
            vec![saved.slug.clone()],
            "an edit is sent again"
        );
        // A push of the older revision finishing late does not hide the edit.
        mark_pushed(&conn, &saved.slug, revision).unwrap();
        assert_eq!(unpushed(&conn).unwrap().len(), 1);
        let (_, sent) = upsert_of(&conn, &saved.slug).unwrap();
        assert_eq!(sent.title, "Verano", "no landing title: the name");
        assert_eq!(sent.expires_at, None);
    }

    #[test]
    fn a_campaign_from_before_the_page_settings_keeps_working_and_is_sent_once() {
        let mut conn = crate::store::open_in_memory_before("ADD COLUMN public_page").unwrap();
        conn.execute(
            "INSERT INTO campaigns (slug, name, template, landing_title, prompt, link_expiry_days,
                                    dm_url_with_id, dm_url_without_id, created_at, updated_at)
             VALUES ('spring', 'Spring', ?1, 'Spring bakes', 'Show us', 7, ?2, ?3, 1000, 1000)",
            params![
                templates::parse(&template()).unwrap().to_json(),
                templates::DM_URL_WITH_ID,
                templates::DM_URL_WITHOUT_ID
            ],
        )
        .unwrap();
        crate::store::migrate(&mut conn).unwrap();
        let old = list(&conn).unwrap().remove(0);
        assert_eq!(
            (
                old.language,
                old.public_page,
                old.strings.len(),
                old.organisation,
                old.link_expiry_days
            ),
            (None, false, 0, None, Some(7))
        );
        assert_eq!(old.template, template());
        assert_eq!(old.created_at, clock::to_rfc3339(1000));
        assert_eq!(
            unpushed(&conn).unwrap(),
            vec!["spring".to_owned()],
            "sent once after the upgrade"
        );
        let (_, sent) = upsert_of(&conn, "spring").unwrap();
        assert_eq!(sent.expires_at, Some(clock::to_rfc3339(1000 + 7 * DAY_MS)));
        assert!(!sent.public_page);
    }
}
