//! Export of a campaign's outcomes to CSV: one row per contact with what happened.

use std::path::Path;

use rusqlite::Connection;

use crate::clock;
use crate::error::{CoreError, CoreResult};

pub const HEADER: [&str; 9] = [
    "handle",
    "display_name",
    "state",
    "cant_dm_reason",
    "sent_at",
    "link_opened_at",
    "video_state",
    "review",
    "note",
];

/// Writes the campaign's outcomes as CSV (RFC 4180, UTF-8) into `out`, streaming the rows.
pub fn outcomes(conn: &Connection, campaign: i64, out: impl std::io::Write) -> CoreResult<usize> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(HEADER).map_err(anyhow::Error::from)?;
    let mut stmt = conn.prepare(
        "SELECT k.handle, k.display_name, o.state, o.cant_dm_reason, o.sent_at, o.link_opened_at,
                o.video_state, o.review, o.review_note
         FROM outreach o JOIN contacts k ON k.id = o.contact_id
         WHERE o.campaign_id = ?1 ORDER BY o.id",
    )?;
    let mut rows = stmt.query([campaign])?;
    let mut count = 0;
    let time = |ms: Option<i64>| ms.map(clock::to_rfc3339).unwrap_or_default();
    while let Some(row) = rows.next()? {
        let text = |i: usize| -> rusqlite::Result<String> {
            Ok(row.get::<_, Option<String>>(i)?.unwrap_or_default())
        };
        writer
            .write_record([
                text(0)?,
                text(1)?,
                text(2)?,
                text(3)?,
                time(row.get(4)?),
                time(row.get(5)?),
                text(6)?,
                text(7)?,
                text(8)?,
            ])
            .map_err(anyhow::Error::from)?;
        count += 1;
    }
    writer.flush().map_err(anyhow::Error::from)?;
    Ok(count)
}

/// Writes the export to `path` whole or not at all: into a temporary file beside it, synced,
/// then renamed over it. Returns the number of rows.
pub fn to_file(conn: &Connection, campaign: i64, path: &Path) -> CoreResult<usize> {
    crate::campaigns::get(conn, campaign)?;
    let name = path
        .file_name()
        .filter(|_| path.is_absolute())
        .ok_or_else(|| CoreError::invalid("path", "must be a full path to a file"))?;
    let dir = path.parent().unwrap_or(Path::new("/"));
    if !dir.is_dir() {
        return Err(CoreError::invalid(
            "path",
            format!("the folder {} does not exist", dir.display()),
        ));
    }
    let temp = dir.join(format!(
        ".{}.{}.part",
        name.to_string_lossy(),
        std::process::id()
    ));
    let written = (|| -> CoreResult<usize> {
        let file = std::fs::File::create(&temp)
            .map_err(|e| CoreError::invalid("path", format!("cannot write there: {e}")))?;
        let mut out = std::io::BufWriter::new(file);
        let count = outcomes(conn, campaign, &mut out)?;
        let file = out
            .into_inner()
            .map_err(|e| anyhow::Error::from(e.into_error()))?;
        file.sync_all().map_err(anyhow::Error::from)?;
        std::fs::rename(&temp, path)
            .map_err(|e| CoreError::invalid("path", format!("cannot replace the file: {e}")))?;
        Ok(count)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::campaigns::{CampaignInput, create};
    use crate::contacts::{ContactInput, insert};
    use crate::queue::{Claim, Outcome, add_to_campaign, claim_next, mark};
    use crate::store::open_in_memory;
    use crate::templates::{Part, Template};

    #[test]
    fn the_export_has_one_row_per_contact_with_its_outcome() {
        let mut conn = open_in_memory().unwrap();
        let template = Template {
            parts: vec![Part::text(["{{link}}"])],
        };
        let campaign = create(&mut conn, &CampaignInput::new("Spring", template)).unwrap();
        let ids: Vec<i64> = ["maya", "jo, \"the runner\""]
            .iter()
            .enumerate()
            .map(|(i, name)| {
                insert(
                    &conn,
                    &ContactInput::parse(&format!("user_{i}"), "", name, "", "").unwrap(),
                    None,
                )
                .unwrap()
            })
            .collect();
        add_to_campaign(&mut conn, campaign.id, &ids).unwrap();
        conn.execute(
            "UPDATE outreach SET link_token = 't' || id, link_url = 'u'",
            [],
        )
        .unwrap();
        let Claim::Item(id) = claim_next(&mut conn, campaign.id, "ana", campaign.pacing).unwrap()
        else {
            panic!()
        };
        mark(&mut conn, id, Outcome::Sent, "ana").unwrap();

        let mut out = Vec::new();
        assert_eq!(outcomes(&conn, campaign.id, &mut out).unwrap(), 2);
        let mut reader = csv::Reader::from_reader(out.as_slice());
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(&rows[0][0], "user_0");
        assert_eq!(&rows[0][2], "sent");
        assert!(
            rows[0][4].ends_with('Z'),
            "sent_at is RFC 3339: {}",
            &rows[0][4]
        );
        assert_eq!(
            &rows[1][1], "jo, \"the runner\"",
            "commas and quotes survive"
        );
        assert_eq!(&rows[1][2], "queued");
    }

    #[test]
    fn an_export_to_a_file_is_whole_or_absent() {
        let mut conn = open_in_memory().unwrap();
        let template = Template {
            parts: vec![Part::text(["{{link}}"])],
        };
        let campaign = create(&mut conn, &CampaignInput::new("Spring", template)).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("spring.csv");
        assert_eq!(to_file(&conn, campaign.id, &path).unwrap(), 0);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("handle,display_name,state"), "{text}");

        let err = to_file(&conn, campaign.id, &dir.path().join("nope/x.csv")).unwrap_err();
        assert!(err.to_string().starts_with("path: the folder"), "{err}");
        let err = to_file(&conn, campaign.id, Path::new("relative.csv")).unwrap_err();
        assert!(err.to_string().starts_with("path:"), "{err}");
        let err = to_file(&conn, campaign.id + 1, &path).unwrap_err();
        assert!(matches!(err, CoreError::NotFound(_)), "{err}");
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 1, "no temporary file is left behind");
    }
}
