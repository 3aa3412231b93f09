//! The data the benchmarks run on: a contacts CSV as an operator would export it, and the
//! server's event feed for links of a campaign. Deterministic, so two runs compare.

use std::path::Path;

use clipdesk_core::campaigns::{self, CampaignInput};
use clipdesk_core::pacing::Pacing;
use clipdesk_core::queue;
use clipdesk_core::templates::{Part, Template};
use clipdesk_protocol::api::{Event, EventKind, EventsPage};
use rusqlite::Connection;
use serde_json::json;

/// splitmix64: a fixed, dependency-free stream of "random" numbers from an index.
pub fn mix(i: u64) -> u64 {
    let mut z = i.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

const FIRST: &[&str] = &[
    "Maya", "Jo", "Liam", "Noah", "Emma", "Olivia", "Ava", "Sofía", "Mateo", "Lucas", "Chloé",
    "Zoë", "Amir", "Yuki", "Priya", "Kwame", "Ingrid", "Tomás", "Leila", "Ravi", "Hana", "Omar",
    "Nina", "Felix", "Aisha", "Diego", "Mia", "Elena", "Kai", "Sana", "Jonas", "Clara",
];
const LAST: &[&str] = &[
    "Lopez", "Smith", "Nguyen", "Kim", "García", "Müller", "Rossi", "Dubois", "Silva", "Khan",
    "Okafor", "Tanaka", "Novak", "Berg", "Haddad", "Patel", "Cohen", "Reyes", "Ivanova", "Moreau",
];
pub const TAGS: &[&str] = &[
    "baker", "vegan", "fitness", "travel", "gaming", "beauty", "diy", "pets", "comedy", "music",
    "fashion", "tech", "books", "dance", "garden", "family",
];
const NOTES: &[&str] = &[
    "met at the spring fair",
    "replied to our story, wants the brief",
    "prefers mornings, posts daily",
    "big audience in Brazil",
    "asked about paid collabs",
    "sister of @maya.bakes",
    "",
    "slow to answer; try again in May",
    "loves short recipe clips",
    "follows us back",
];

/// A name word that matches about 1 in 32 contacts, a tag about 1 in 8.
pub const NAME_WORD: &str = "maya";
pub const TAG: &str = "vegan";

/// `handle,user_id,display_name,tags,notes` for `n` contacts `@creator_0` … (about 90 bytes a row).
pub fn contacts_csv(n: usize) -> Vec<u8> {
    let mut csv = String::with_capacity(n * 100);
    csv.push_str("handle,user_id,display_name,tags,notes\n");
    for i in 0..n as u64 {
        let r = mix(i);
        // 19 digits, unique: one bucket per contact, a random offset inside it.
        let stride = 9_876_543_211_u64;
        let user_id = 6_800_000_000_000_000_000 + i * stride + r % stride;
        let first = FIRST[(r >> 8) as usize % FIRST.len()];
        let last = LAST[(r >> 16) as usize % LAST.len()];
        let tag_a = (r >> 24) as usize % TAGS.len();
        let tag_b = (tag_a + 1 + (r >> 32) as usize % (TAGS.len() - 1)) % TAGS.len();
        let note = NOTES[(r >> 40) as usize % NOTES.len()];
        csv.push_str(&format!(
            "@creator_{i},{user_id},{first} {last},\"{}, {}\",\"{note}\"\n",
            TAGS[tag_a], TAGS[tag_b]
        ));
    }
    csv.into_bytes()
}

/// The same `n` contacts as [`contacts_csv`] in an .xlsx (one sheet, every cell an inline
/// string, user ids typed as text as a careful operator keeps them), written as a
/// spreadsheet program would zip it.
pub fn contacts_xlsx(n: usize) -> anyhow::Result<Vec<u8>> {
    use std::io::Write;
    let escape = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    let mut sheet = String::with_capacity(n * 260);
    sheet.push_str(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#,
    );
    let csv = String::from_utf8(contacts_csv(n))?;
    for (row, line) in csv.lines().enumerate() {
        sheet.push_str(&format!(r#"<row r="{}">"#, row + 1));
        // The CSV's quoted fields hold ", " and no quotes: split outside them.
        let mut fields = Vec::new();
        let mut quoted = false;
        let mut start = 0;
        for (i, c) in line.char_indices() {
            match c {
                '"' => quoted = !quoted,
                ',' if !quoted => {
                    fields.push(&line[start..i]);
                    start = i + 1;
                }
                _ => {}
            }
        }
        fields.push(&line[start..]);
        for field in fields {
            let value = field.trim_matches('"');
            sheet.push_str(r#"<c t="inlineStr"><is><t>"#);
            sheet.push_str(&escape(value));
            sheet.push_str("</t></is></c>");
        }
        sheet.push_str("</row>");
    }
    sheet.push_str("</sheetData></worksheet>");

    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let files: [(&str, &str); 4] = [
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#,
        ),
        (
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
        ),
        (
            "xl/workbook.xml",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Contacts" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
        ),
        (
            "xl/_rels/workbook.xml.rels",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#,
        ),
    ];
    for (name, text) in files {
        zip.start_file(name, options)?;
        zip.write_all(text.as_bytes())?;
    }
    zip.start_file("xl/worksheets/sheet1.xml", options)?;
    zip.write_all(sheet.as_bytes())?;
    Ok(zip.finish()?.into_inner())
}

/// One outreach item's link as the server issued it.
#[derive(Debug, Clone)]
pub struct Link {
    pub token: String,
    pub handle: String,
}

/// The campaign the sync and queue benchmarks use: every contact queued in it, each item
/// with its link as if the server had registered them all (random 24-hex-digit tokens, as
/// the feed's lookups by token would meet them). Returns its id, slug and links by item.
pub fn campaign_with_links(conn: &mut Connection) -> anyhow::Result<(i64, String, Vec<Link>)> {
    let mut input = CampaignInput::new(
        "Spring Bakes",
        Template {
            parts: vec![
                Part::text([
                    "Hi {{first_name|there}}! We love your {{tags}} videos. Would you record a \
                     short clip for {{campaign}}? It takes a minute: {{link}}",
                    "Hey {{first_name|there}}, quick one: a 30-second clip for {{campaign}}? \
                     Here is your link: {{link}}",
                ]),
                Part::text(["Thank you, @{{handle}}!"]),
            ],
        },
    );
    // Skips are not sends, but keep pacing out of the way in any case.
    input.pacing = Pacing {
        daily_cap: 1000,
        min_spacing_s: 0,
    };
    let campaign = campaigns::create(conn, &input)?;
    let ids: Vec<i64> = conn
        .prepare("SELECT id FROM contacts ORDER BY id")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    queue::add_to_campaign(conn, campaign.id, &ids)?;
    let tx = conn.transaction()?;
    tx.execute(
        "UPDATE outreach SET link_token = lower(hex(randomblob(12))) WHERE campaign_id = ?1",
        [campaign.id],
    )?;
    tx.execute(
        "UPDATE outreach SET link_url = 'https://clips.example.com/r/' || link_token
         WHERE campaign_id = ?1",
        [campaign.id],
    )?;
    tx.commit()?;
    let links = conn
        .prepare(
            "SELECT o.link_token, k.handle FROM outreach o JOIN contacts k ON k.id = o.contact_id
             WHERE o.campaign_id = ?1 ORDER BY o.id",
        )?
        .query_map([campaign.id], |r| {
            Ok(Link {
                token: r.get(0)?,
                handle: r.get(1)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok((campaign.id, campaign.slug, links))
}

/// A consistent copy of the database at `to`, so each run starts from the same state.
pub fn copy_database(conn: &Connection, to: &Path) -> anyhow::Result<()> {
    conn.execute("VACUUM INTO ?1", [to.display().to_string()])?;
    Ok(())
}

/// Events per group of ten: two links get opened, receive, get ready and reviewed; a third
/// is only opened; one event is of a kind this build does not know.
const GROUP: usize = 10;

/// `total` events in pages of `page_size`, `seq` from `first_seq`, about links spread over
/// the whole campaign (not its first rows), as the feed would deliver them.
pub fn event_pages(
    links: &[Link],
    campaign: &str,
    total: usize,
    first_seq: i64,
    page_size: usize,
) -> Vec<EventsPage> {
    let mut events = Vec::with_capacity(total);
    let pick = |k: usize| &links[(k.wrapping_mul(7919) + 13) % links.len()];
    let mut group = 0;
    while events.len() < total {
        let (a, b, c) = (pick(3 * group), pick(3 * group + 1), pick(3 * group + 2));
        let (va, vb) = (format!("vid_{group}_a"), format!("vid_{group}_b"));
        let plan: [(EventKind, &Link, Option<&str>); GROUP] = [
            (EventKind::LinkOpened, a, None),
            (EventKind::LinkOpened, b, None),
            (EventKind::VideoReceived, a, Some(&va)),
            (EventKind::LinkOpened, c, None),
            (EventKind::VideoReady, a, Some(&va)),
            (EventKind::VideoReceived, b, Some(&vb)),
            (EventKind::Unknown, c, None),
            (EventKind::ReviewSet, a, Some(&va)),
            (EventKind::VideoReady, b, Some(&vb)),
            (EventKind::ReviewSet, b, Some(&vb)),
        ];
        for (kind, link, video) in plan {
            if events.len() == total {
                break;
            }
            let seq = first_seq + events.len() as i64;
            events.push(event(seq, kind, campaign, link, video));
        }
        group += 1;
    }
    paginate(events, page_size)
}

/// Pages of events all of one kind, for the per-kind cost: `links` each get one event.
pub fn single_kind_page(
    kind: EventKind,
    links: &[Link],
    campaign: &str,
    first_seq: i64,
) -> EventsPage {
    let events = links
        .iter()
        .enumerate()
        .map(|(i, link)| {
            let video = format!("solo_{}", link.token);
            let video = (kind != EventKind::LinkOpened && kind != EventKind::Unknown)
                .then_some(video.as_str());
            event(first_seq + i as i64, kind, campaign, link, video)
        })
        .collect();
    paginate(events, usize::MAX).remove(0)
}

fn paginate(events: Vec<Event>, page_size: usize) -> Vec<EventsPage> {
    let total = events.len();
    let mut pages = Vec::new();
    let mut rest = events.into_iter().peekable();
    let mut taken = 0;
    while rest.peek().is_some() {
        let events: Vec<Event> = rest.by_ref().take(page_size).collect();
        taken += events.len();
        pages.push(EventsPage {
            next_after: events.last().map_or(0, |e| e.seq),
            more: taken < total,
            events,
        });
    }
    pages
}

fn event(seq: i64, kind: EventKind, campaign: &str, link: &Link, video: Option<&str>) -> Event {
    let detail = match kind {
        EventKind::VideoReceived => {
            json!({"bytes": 18_874_368, "duration_s": 27.4, "mime": "video/mp4"})
        }
        EventKind::VideoReady => json!({
            "width": 1080, "height": 1920, "duration_ms": 27_400,
            "poster": format!("/media/{}/poster.jpg", video.unwrap_or_default())
        }),
        EventKind::ReviewSet => json!({
            "decision": "approved", "note": "great energy", "version": 1, "reviewer": "ana"
        }),
        EventKind::Unknown => json!({"kind": "video_teleported", "to": "mars"}),
        _ => json!({}),
    };
    Event {
        seq,
        kind,
        at: at(seq),
        campaign: Some(campaign.to_owned()),
        handle: Some(link.handle.clone()),
        link: Some(link.token.clone()),
        upload_id: video.map(|v| format!("up_{v}")),
        video_id: video.map(str::to_owned),
        detail,
    }
}

/// One event a second from 2026-05-01T00:00:00Z (the feed's RFC 3339, parsed per event).
fn at(seq: i64) -> String {
    let s = seq.max(0);
    format!(
        "2026-05-{:02}T{:02}:{:02}:{:02}Z",
        1 + (s / 86_400) % 28,
        (s / 3600) % 24,
        (s / 60) % 60,
        s % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_csv_has_one_row_per_contact_with_unique_19_digit_ids() {
        let csv = String::from_utf8(contacts_csv(1000)).unwrap();
        let rows: Vec<&str> = csv.lines().skip(1).collect();
        assert_eq!(rows.len(), 1000);
        let mut ids: Vec<&str> = rows.iter().map(|r| r.split(',').nth(1).unwrap()).collect();
        assert!(ids.iter().all(|id| id.len() == 19), "{:?}", &ids[..3]);
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 1000);
    }

    #[test]
    fn pages_carry_increasing_seqs_and_say_when_more_follow() {
        let links: Vec<Link> = (0..50)
            .map(|i| Link {
                token: format!("t{i}"),
                handle: format!("h{i}"),
            })
            .collect();
        let pages = event_pages(&links, "spring", 1234, 1, 500);
        assert_eq!(pages.len(), 3);
        assert!(pages[0].more && !pages[2].more);
        assert_eq!(pages[2].next_after, 1234);
        let seqs: Vec<i64> = pages
            .iter()
            .flat_map(|p| &p.events)
            .map(|e| e.seq)
            .collect();
        assert_eq!(seqs, (1..=1234).collect::<Vec<_>>());
    }
}
