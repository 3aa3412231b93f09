//! Campaigns: what an operator sends (the message template, its DM URL templates and pacing)
//! and what the recipient sees (landing title, prompt, max video length, link expiry).

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::clock;
use crate::error::{CoreError, CoreResult};
use crate::pacing::Pacing;
use crate::templates::{self, MessagePreview, RenderContext, Template};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Campaign {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub template: Template,
    pub landing_title: String,
    pub prompt: String,
    pub max_duration_s: u32,
    pub link_expiry_days: Option<u32>,
    pub dm_url_with_id: String,
    pub dm_url_without_id: String,
    pub pacing: Pacing,
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
        }
    }

    /// Every rule, checked before anything is written; returns the template as stored.
    fn check(&self) -> CoreResult<String> {
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(CoreError::invalid("name", "must be 1 to 100 characters"));
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
        if self.link_expiry_days == Some(0) {
            return Err(CoreError::invalid(
                "link_expiry_days",
                "must be at least one day, or none",
            ));
        }
        templates::check_dm_urls(&self.dm_url_with_id, &self.dm_url_without_id)?;
        Ok(templates::parse(&self.template)?.to_json())
    }
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
                       dm_url_with_id, dm_url_without_id, daily_cap, min_spacing_s";

fn read(row: &Row<'_>) -> rusqlite::Result<(Campaign, String)> {
    let template_json: String = row.get(3)?;
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
        },
        template_json,
    ))
}

fn finish((mut campaign, json): (Campaign, String)) -> CoreResult<Campaign> {
    campaign.template = templates::parse_json(&json)?.template().clone();
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

pub fn list(conn: &Connection) -> CoreResult<Vec<Campaign>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM campaigns ORDER BY name, id"
    ))?;
    let rows = stmt.query_map([], read)?;
    rows.map(|row| finish(row?)).collect()
}

/// Creates a campaign with a slug made unique from its name.
pub fn create(conn: &mut Connection, input: &CampaignInput) -> CoreResult<Campaign> {
    let template = input.check()?;
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
                                min_spacing_s, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12)",
        params![
            slug,
            input.name.trim(),
            template,
            input.landing_title.trim(),
            input.prompt.trim(),
            input.max_duration_s,
            input.link_expiry_days,
            input.dm_url_with_id,
            input.dm_url_without_id,
            input.pacing.daily_cap,
            input.pacing.min_spacing_s,
            now
        ],
    )?;
    let id = tx.last_insert_rowid();
    tx.commit()?;
    get(conn, id)
}

/// Replaces a campaign's settings; its slug (part of every link) never changes.
pub fn update(conn: &Connection, id: i64, input: &CampaignInput) -> CoreResult<Campaign> {
    let template = input.check()?;
    let changed = conn.execute(
        "UPDATE campaigns SET name = ?2, template = ?3, landing_title = ?4, prompt = ?5,
                max_duration_s = ?6, link_expiry_days = ?7, dm_url_with_id = ?8,
                dm_url_without_id = ?9, daily_cap = ?10, min_spacing_s = ?11, updated_at = ?12
         WHERE id = ?1",
        params![
            id,
            input.name.trim(),
            template,
            input.landing_title.trim(),
            input.prompt.trim(),
            input.max_duration_s,
            input.link_expiry_days,
            input.dm_url_with_id,
            input.dm_url_without_id,
            input.pacing.daily_cap,
            input.pacing.min_spacing_s,
            clock::now_ms()
        ],
    )?;
    if changed == 0 {
        return Err(CoreError::NotFound(format!("no campaign #{id}")));
    }
    get(conn, id)
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
}
