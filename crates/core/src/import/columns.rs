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

    /// The header names each field accepts, after [`normalise_header`] (letters and digits
    /// only): "TikTok URL", "tiktok_url" and "TikTok-URL" are all `tiktokurl`.
    fn header_names(self) -> &'static [&'static str] {
        match self {
            ContactField::Handle => &[
                "handle",
                "username",
                "@",
                "user",
                "tiktok",
                "tiktokurl",
                "tiktokhandle",
                "tiktoklink",
                "tiktokprofile",
                "profile",
                "profilelink",
                "profileurl",
                "creator",
                "account",
            ],
            ContactField::UserId => &[
                "userid",
                "id",
                "tiktokid",
                "accountid",
                "profileid",
                "creatorid",
            ],
            ContactField::DisplayName => &["displayname", "name", "nickname"],
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

    /// How the field is named to a person.
    pub(super) fn label(self) -> &'static str {
        match self {
            ContactField::Handle => "handle",
            ContactField::UserId => "user id",
            ContactField::DisplayName => "display name",
            ContactField::Tags => "tags",
            ContactField::Notes => "notes",
        }
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

/// `" User ID "` → `userid`, `"Profile-Link:"` → `profilelink`: lower case, only letters and
/// digits kept (a header of nothing else, such as `@`, is kept trimmed as it is).
fn normalise_header(header: &str) -> String {
    let header = header.trim_start_matches('\u{feff}').trim();
    let kept: String = header
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    if kept.is_empty() {
        header.to_owned()
    } else {
        kept
    }
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

/// Which field one column fills, chosen by the operator over the automatic mapping:
/// `field: None` ignores the column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ColumnChoice {
    /// 0-based position in the file's header row.
    pub index: u32,
    pub field: Option<ContactField>,
}

/// Maps the columns of a header row, the operator's `choices` over the automatic mapping;
/// refuses choices that name a column the file does not have or give one field two columns
/// ([`require_handle`] then refuses a mapping without a handle).
pub(super) fn map(
    header: &csv::StringRecord,
    choices: &[ColumnChoice],
) -> CoreResult<(Vec<ImportColumn>, Mapping)> {
    for choice in choices {
        if choice.index as usize >= header.len() {
            return Err(CoreError::invalid(
                "mapping",
                format!(
                    "column {} does not exist: the file has {} column(s)",
                    choice.index + 1,
                    header.len()
                ),
            ));
        }
    }
    let chosen = |index: usize| choices.iter().rev().find(|c| c.index as usize == index);
    let mut mapping = Mapping { columns: [None; 5] };
    let mut columns = Vec::with_capacity(header.len());
    for (index, name) in header.iter().enumerate() {
        let header = name.trim_start_matches('\u{feff}').to_owned();
        let field = match chosen(index) {
            Some(choice) => {
                if let Some(field) = choice.field
                    && let Some(first) = mapping.columns[field as usize]
                {
                    return Err(CoreError::invalid(
                        "mapping",
                        format!(
                            "two columns are mapped to {}: {:?} (column {}) and {:?} (column {})",
                            field.label(),
                            columns
                                .get(first)
                                .map_or("", |c: &ImportColumn| c.header.as_str()),
                            first + 1,
                            header,
                            index + 1
                        ),
                    ));
                }
                choice.field
            }
            // The first column for a field wins; a second one is shown as ignored, and so is
            // one whose field the operator gave to another column.
            None => ContactField::from_header(name).filter(|field| {
                mapping.columns[*field as usize].is_none()
                    && !choices.iter().any(|c| c.field == Some(*field))
            }),
        };
        if let Some(field) = field {
            mapping.columns[field as usize] = Some(index);
        }
        columns.push(ImportColumn {
            index: index as u32,
            header,
            field,
        });
    }
    Ok((columns, mapping))
}

/// Refuses a mapping without a handle column, naming the headers the file has.
pub(super) fn require_handle(columns: &[ImportColumn], mapping: &Mapping) -> CoreResult<()> {
    if mapping.columns[ContactField::Handle as usize].is_none() {
        let found: Vec<String> = columns.iter().map(|c| format!("{:?}", c.header)).collect();
        return Err(CoreError::invalid(
            "file",
            format!(
                "no handle column among the headers {}; name the column of TikTok handles \
                 one of: handle, username, TikTok, TikTok URL, profile, profile link, creator, \
                 account, or choose it in the preview",
                found.join(", "),
            ),
        ));
    }
    Ok(())
}
