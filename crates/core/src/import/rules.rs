//! Rules: what one row means on its own, within its file and against the stored contacts (a
//! new contact, an update, nothing new, a duplicate, a conflict). Nothing here reads the file
//! or the database: the caller passes the row and the stored contacts it found.

use std::collections::HashMap;

use super::columns::{ContactField, Mapping};
use super::{ImportOutcome, RowOutcome};
use crate::contacts::{Contact, ContactInput};

/// What storage has to do for a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Change {
    Insert(ContactInput),
    /// Replace the fields of stored contact `id`.
    Update {
        id: i64,
        contact: ContactInput,
    },
}

/// The handles and user ids earlier rows of the file took, by the line that took them.
#[derive(Debug, Default)]
pub(super) struct FileRules {
    handles_seen: HashMap<String, u64>,
    user_ids_seen: HashMap<String, u64>,
}

impl FileRules {
    /// The row's fields after the contact rules, with a warning when a field was left out,
    /// or the outcome of a row that goes no further: all empty, a field that breaks a rule,
    /// or a handle or user id that an earlier row of the file already took.
    pub(super) fn check(
        &self,
        line: u64,
        mapping: &Mapping,
        record: &csv::StringRecord,
    ) -> Result<(ContactInput, Option<String>), RowOutcome> {
        let typed_handle = mapping.get(record, ContactField::Handle);
        if record.iter().all(|value| value.trim().is_empty()) {
            return Err(RowOutcome::skipped(line, typed_handle, "empty row"));
        }
        let mut user_id = mapping.get(record, ContactField::UserId);
        let mut warning = None;
        if shortened_by_a_spreadsheet(user_id) {
            // The digits are gone: keep the contact, found by handle, without a wrong id.
            warning = Some(format!(
                "user id {} looks like a number Excel shortened; kept without it",
                user_id.trim()
            ));
            user_id = "";
        }
        let handle = super::handles::handle_in(typed_handle).map_err(|reason| {
            RowOutcome::rejected(line, typed_handle, ContactField::Handle, reason)
        })?;
        let input = ContactInput::parse(
            &handle,
            user_id,
            mapping.get(record, ContactField::DisplayName),
            mapping.get(record, ContactField::Tags),
            mapping.get(record, ContactField::Notes),
        )
        .map_err(|err| {
            let field = ContactField::from_name(err.field).unwrap_or(ContactField::Handle);
            RowOutcome::rejected(line, typed_handle, field, err.reason)
        })?;
        let handle = input.handle.as_str();
        if let Some(first) = self.handles_seen.get(handle) {
            return Err(RowOutcome::rejected(
                line,
                typed_handle,
                ContactField::Handle,
                format!("handle @{handle} is a duplicate of line {first}"),
            ));
        }
        if let Some(user_id) = &input.user_id
            && let Some(first) = self.user_ids_seen.get(user_id)
        {
            return Err(RowOutcome::rejected(
                line,
                typed_handle,
                ContactField::UserId,
                format!("user id {user_id} is a duplicate of line {first}"),
            ));
        }
        Ok((input, warning))
    }

    /// Remembers a row that was not rejected: a later row with its handle or user id is a
    /// duplicate of it.
    pub(super) fn remember(&mut self, line: u64, input: &ContactInput) {
        self.handles_seen
            .insert(input.handle.as_str().to_owned(), line);
        if let Some(user_id) = &input.user_id {
            self.user_ids_seen.insert(user_id.clone(), line);
        }
    }
}

/// A number in scientific notation (`7.26371E+18`, or `7,26371E+18` with a decimal comma):
/// what a spreadsheet shows, and saves, for a user id of 19 digits it read as a number.
fn shortened_by_a_spreadsheet(value: &str) -> bool {
    let Some((mantissa, exponent)) = value.trim().split_once(['E', 'e']) else {
        return false;
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once(['.', ',']) {
        Some((whole, fraction)) => digits(whole) && digits(fraction),
        None => digits(mantissa),
    };
    mantissa_ok && digits(exponent.strip_prefix('+').unwrap_or(exponent))
}

/// Compares a checked row with the stored contacts that have its handle and its user id:
/// what became of the row, and what storage has to do for it.
pub(super) fn merge(
    line: u64,
    typed_handle: &str,
    input: &ContactInput,
    by_handle: Option<Contact>,
    by_user_id: Option<Contact>,
) -> (RowOutcome, Option<Change>) {
    let handle = input.handle.as_str();
    let stored = match (by_handle, by_user_id) {
        (None, None) => {
            let outcome = RowOutcome {
                line,
                handle: typed_handle.to_owned(),
                outcome: ImportOutcome::Imported,
                field: None,
                reason: None,
                warning: None,
                values: Vec::new(),
            };
            return (outcome, Some(Change::Insert(input.clone())));
        }
        (Some(a), Some(b)) if a.id != b.id => {
            let reason = format!(
                "conflict: handle @{handle} belongs to one stored contact and user id {} \
                 to another (@{}); fix them by hand",
                input.user_id.as_deref().unwrap_or_default(),
                b.handle
            );
            let outcome = RowOutcome::rejected(line, typed_handle, ContactField::UserId, reason);
            return (outcome, None);
        }
        (Some(stored), _) => {
            // The numeric id is TikTok's stable identity; a different one under the same
            // handle is another person (handles are recycled), never an edit.
            if let (Some(stored_id), Some(row_id)) = (&stored.user_id, &input.user_id)
                && stored_id != row_id
            {
                let reason =
                    format!("conflict: @{handle} is stored with user id {stored_id}, not {row_id}");
                let outcome =
                    RowOutcome::rejected(line, typed_handle, ContactField::UserId, reason);
                return (outcome, None);
            }
            stored
        }
        // Found by user id under another handle: the user renamed their account, and the
        // row carries the new handle.
        (None, Some(stored)) => stored,
    };

    // What the row leaves empty keeps its stored value.
    let merged = ContactInput {
        handle: input.handle.clone(),
        user_id: input.user_id.clone().or_else(|| stored.user_id.clone()),
        display_name: input
            .display_name
            .clone()
            .or_else(|| stored.display_name.clone()),
        tags: if input.tags.is_empty() {
            stored.tags.clone()
        } else {
            input.tags.clone()
        },
        notes: if input.notes.is_empty() {
            stored.notes.clone()
        } else {
            input.notes.clone()
        },
    };
    let mut changed = Vec::new();
    if merged.handle.as_str() != stored.handle {
        changed.push(format!("handle (was @{})", stored.handle));
    }
    if merged.user_id != stored.user_id {
        changed.push("user id".to_owned());
    }
    if merged.display_name != stored.display_name {
        changed.push("display name".to_owned());
    }
    if merged.tags != stored.tags {
        changed.push("tags".to_owned());
    }
    if merged.notes != stored.notes {
        changed.push("notes".to_owned());
    }
    if changed.is_empty() {
        let outcome =
            RowOutcome::skipped(line, typed_handle, "already stored with the same details");
        return (outcome, None);
    }
    let outcome = RowOutcome {
        line,
        handle: typed_handle.to_owned(),
        outcome: ImportOutcome::Updated,
        field: None,
        reason: Some(format!("changed {}", changed.join(", "))),
        warning: None,
        values: Vec::new(),
    };
    let change = Change::Update {
        id: stored.id,
        contact: merged,
    };
    (outcome, Some(change))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_scientific_notation_reads_as_a_shortened_id() {
        for value in [
            "7.26371E+18",
            "7,26371E+18",
            "7E+18",
            "7.2e18",
            " 7.26371E+18 ",
        ] {
            assert!(shortened_by_a_spreadsheet(value), "{value:?}");
        }
        for value in [
            "",
            "7277192393706324999",
            "E+18",
            "7.E+18",
            "7.2E",
            "7.2E-",
            "x7E+18",
        ] {
            assert!(!shortened_by_a_spreadsheet(value), "{value:?}");
        }
    }

    fn stored(id: i64, handle: &str, user_id: Option<&str>) -> Contact {
        Contact {
            id,
            handle: handle.into(),
            user_id: user_id.map(Into::into),
            display_name: Some("Maya".into()),
            tags: vec!["baker".into()],
            notes: "met at expo".into(),
            source: None,
        }
    }

    #[test]
    fn the_rules_decide_from_the_stored_contacts_alone_without_a_database() {
        let row = ContactInput::parse("maya.new", "111", "", "", "").unwrap();
        let (outcome, change) = merge(
            7,
            "maya.new",
            &row,
            None,
            Some(stored(1, "maya", Some("111"))),
        );
        assert_eq!(
            outcome.reason.as_deref(),
            Some("changed handle (was @maya)")
        );
        let Some(Change::Update { id: 1, contact }) = change else {
            panic!("a renamed account updates the stored contact: {change:?}")
        };
        assert_eq!(
            contact.display_name.as_deref(),
            Some("Maya"),
            "kept: the row left it empty"
        );
        assert_eq!(contact.tags, ["baker"]);

        let (outcome, change) = merge(
            8,
            "maya.new",
            &row,
            Some(stored(2, "maya.new", None)),
            Some(stored(1, "maya", Some("111"))),
        );
        assert_eq!(
            (outcome.outcome, outcome.field),
            (ImportOutcome::Rejected, Some(ContactField::UserId))
        );
        assert_eq!(change, None, "a conflict writes nothing");
    }
}
