//! Columns: which contact field each column of a file's header row fills, matched loosely.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{CoreError, CoreResult};

/// A contact field a CSV column can fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ContactField {
    Handle,
    UserId,
    DisplayName,
    Tags,
    Notes,
}

impl ContactField {
    const ALL: [ContactField; 5] = [
        ContactField::Handle,
        ContactField::UserId,
        ContactField::DisplayName,
        ContactField::Tags,
        ContactField::Notes,
    ];

    /// The header names each field accepts, after [`normalise_header`].
    fn header_names(self) -> &'static [&'static str] {
        match self {
            ContactField::Handle => &["handle", "username", "@", "user", "tiktok"],
            ContactField::UserId => &["user_id", "userid", "id", "tiktok_id"],
            ContactField::DisplayName => &["display_name", "name", "nickname"],
            ContactField::Tags => &["tags", "tag"],
            ContactField::Notes => &["notes", "note"],
        }
    }

    pub(super) fn from_header(header: &str) -> Option<Self> {
        let header = normalise_header(header);
        Self::ALL
            .into_iter()
            .find(|field| field.header_names().contains(&header.as_str()))
    }

    /// The field a [`crate::contacts::FieldError`] names.
    pub(super) fn from_name(name: &str) -> Option<Self> {
        match name {
            "handle" => Some(ContactField::Handle),
            "user_id" => Some(ContactField::UserId),
            "display_name" => Some(ContactField::DisplayName),
            "tags" => Some(ContactField::Tags),
            "notes" => Some(ContactField::Notes),
            _ => None,
        }
    }
}

/// `" User ID "` → `user_id`, `"Display-Name"` → `display_name`: trimmed, lower case, BOM
/// stripped, spaces and hyphens read as underscores.
fn normalise_header(header: &str) -> String {
    header
        .trim_start_matches('\u{feff}')
        .trim()
        .to_lowercase()
        .replace([' ', '-'], "_")
}

/// One column of the file and the field it fills, if any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ImportColumn {
    /// 0-based position in the file's header row.
    pub index: u32,
    /// The header as written in the file.
    pub header: String,
    /// `None` when the column is ignored (unknown, or a second column for a field).
    pub field: Option<ContactField>,
}

/// Which column fills which field, indexed by `ContactField as usize`.
pub(super) struct Mapping {
    columns: [Option<usize>; 5],
}

impl Mapping {
    /// The row's value for `field`; empty when no column fills it or the row is short. A
    /// value the app's own CSV export neutralised (`'@maya`) reads as it was (`@maya`), so a
    /// file of rejected rows imports again once fixed.
    pub(super) fn get<'r>(&self, record: &'r csv::StringRecord, field: ContactField) -> &'r str {
        self.columns[field as usize]
            .and_then(|index| record.get(index))
            .map_or("", crate::export::restore_neutralised)
    }
}

/// Maps the columns of a header row; refuses a file without a handle column.
pub(super) fn map(header: &csv::StringRecord) -> CoreResult<(Vec<ImportColumn>, Mapping)> {
    let mut mapping = Mapping { columns: [None; 5] };
    let mut columns = Vec::with_capacity(header.len());
    for (index, name) in header.iter().enumerate() {
        // The first column for a field wins; a second one is shown as ignored.
        let field = ContactField::from_header(name)
            .filter(|field| mapping.columns[*field as usize].is_none());
        if let Some(field) = field {
            mapping.columns[field as usize] = Some(index);
        }
        columns.push(ImportColumn {
            index: index as u32,
            header: name.trim_start_matches('\u{feff}').to_owned(),
            field,
        });
    }
    if mapping.columns[ContactField::Handle as usize].is_none() {
        let found: Vec<String> = columns.iter().map(|c| format!("{:?}", c.header)).collect();
        return Err(CoreError::invalid(
            "file",
            format!(
                "no handle column among the headers {}; name the column of TikTok handles \
                 one of: {}",
                found.join(", "),
                ContactField::Handle.header_names().join(", ")
            ),
        ));
    }
    Ok((columns, mapping))
}
