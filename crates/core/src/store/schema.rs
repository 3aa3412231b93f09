//! The desktop database's migrations, in order; never edit one that has shipped.

pub const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE contacts (
    id            INTEGER PRIMARY KEY,
    handle        TEXT NOT NULL UNIQUE,
    user_id       TEXT UNIQUE,
    display_name  TEXT,
    -- Tags as a JSON array of strings, lower case, unique.
    tags          TEXT NOT NULL DEFAULT '[]',
    notes         TEXT NOT NULL DEFAULT '',
    source        TEXT,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE VIRTUAL TABLE contacts_fts USING fts5(
    handle, display_name, tags, notes,
    content = 'contacts', content_rowid = 'id',
    tokenize = "unicode61 remove_diacritics 2 tokenchars '._'"
);
CREATE TRIGGER contacts_ai AFTER INSERT ON contacts BEGIN
    INSERT INTO contacts_fts (rowid, handle, display_name, tags, notes)
    VALUES (new.id, new.handle, new.display_name, new.tags, new.notes);
END;
CREATE TRIGGER contacts_ad AFTER DELETE ON contacts BEGIN
    INSERT INTO contacts_fts (contacts_fts, rowid, handle, display_name, tags, notes)
    VALUES ('delete', old.id, old.handle, old.display_name, old.tags, old.notes);
END;
CREATE TRIGGER contacts_au AFTER UPDATE ON contacts BEGIN
    INSERT INTO contacts_fts (contacts_fts, rowid, handle, display_name, tags, notes)
    VALUES ('delete', old.id, old.handle, old.display_name, old.tags, old.notes);
    INSERT INTO contacts_fts (rowid, handle, display_name, tags, notes)
    VALUES (new.id, new.handle, new.display_name, new.tags, new.notes);
END;

CREATE TABLE campaigns (
    id                 INTEGER PRIMARY KEY,
    slug               TEXT NOT NULL UNIQUE,
    name               TEXT NOT NULL,
    -- The message template as JSON (parts and variants), checked when saved.
    template           TEXT NOT NULL,
    landing_title      TEXT NOT NULL DEFAULT '',
    prompt             TEXT NOT NULL DEFAULT '',
    max_duration_s     INTEGER NOT NULL DEFAULT 60,
    link_expiry_days   INTEGER,
    dm_url_with_id     TEXT NOT NULL,
    dm_url_without_id  TEXT NOT NULL,
    daily_cap          INTEGER NOT NULL DEFAULT 50,
    min_spacing_s      INTEGER NOT NULL DEFAULT 90,
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL
);

CREATE TABLE outreach (
    id              INTEGER PRIMARY KEY,
    campaign_id     INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    contact_id      INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    state           TEXT NOT NULL DEFAULT 'queued'
                    CHECK (state IN ('queued', 'in_progress', 'sent', 'skipped', 'cant_dm', 'snoozed')),
    cant_dm_reason  TEXT CHECK (cant_dm_reason IN ('privacy_settings', 'not_following', 'age', 'other')),
    snoozed_until   INTEGER,
    claimed_by      TEXT,
    claimed_at      INTEGER,
    link_token      TEXT UNIQUE,
    link_url        TEXT,
    sent_at         INTEGER,
    link_opened_at  INTEGER,
    video_id        TEXT,
    video_state     TEXT,
    review          TEXT,
    review_note     TEXT,
    added_at        INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    UNIQUE (campaign_id, contact_id)
);
CREATE INDEX outreach_queue ON outreach (campaign_id, state, id);
CREATE INDEX outreach_unlinked ON outreach (campaign_id) WHERE link_token IS NULL;

CREATE TABLE audit_log (
    id           INTEGER PRIMARY KEY,
    at           INTEGER NOT NULL,
    actor        TEXT NOT NULL,
    outreach_id  INTEGER REFERENCES outreach(id) ON DELETE SET NULL,
    from_state   TEXT,
    to_state     TEXT,
    detail       TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_by_outreach ON audit_log (outreach_id);
CREATE INDEX audit_sends ON audit_log (actor, at) WHERE to_state = 'sent';

CREATE TABLE videos (
    id               TEXT PRIMARY KEY,
    link_token       TEXT NOT NULL,
    campaign_slug    TEXT,
    handle           TEXT,
    state            TEXT NOT NULL,
    detail           TEXT NOT NULL DEFAULT '{}',
    review           TEXT NOT NULL DEFAULT 'pending',
    review_note      TEXT NOT NULL DEFAULT '',
    reviewer         TEXT,
    review_version   INTEGER NOT NULL DEFAULT 0,
    received_at      INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);
CREATE INDEX videos_by_link ON videos (link_token);

CREATE TABLE review_outbox (
    id            INTEGER PRIMARY KEY,
    video_id      TEXT NOT NULL,
    decision      TEXT NOT NULL,
    note          TEXT NOT NULL,
    base_version  INTEGER NOT NULL,
    state         TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'conflict')),
    attempts      INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT,
    created_at    INTEGER NOT NULL
);

-- Feed events of kinds this build does not know: kept for a newer build, skipped here.
CREATE TABLE unknown_events (
    seq   INTEGER PRIMARY KEY,
    kind  TEXT NOT NULL,
    body  TEXT NOT NULL
);

CREATE TABLE sync_state (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    cursor  INTEGER NOT NULL DEFAULT 0
);
INSERT INTO sync_state (id, cursor) VALUES (1, 0);

CREATE TABLE settings (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);
"#,
    r#"
-- Handles split into their parts in the search index ('creator_123' → 'creator', '123'), so
-- a common prefix is one index term instead of one per handle; phrase queries still match
-- whole handles.
DROP TABLE contacts_fts;
CREATE VIRTUAL TABLE contacts_fts USING fts5(
    handle, display_name, tags, notes,
    content = 'contacts', content_rowid = 'id',
    tokenize = "unicode61 remove_diacritics 2"
);
INSERT INTO contacts_fts (contacts_fts) VALUES ('rebuild');
-- review_set events find their outreach item by video.
CREATE INDEX outreach_by_video ON outreach (video_id) WHERE video_id IS NOT NULL;
-- Pacing reads an operator's recent sends.
CREATE INDEX outreach_sends ON outreach (claimed_by, sent_at) WHERE state = 'sent';
-- "Start next" takes the oldest queued item, and due snoozed ones, without sorting the queue.
CREATE INDEX outreach_next_queued ON outreach (campaign_id, added_at, id) WHERE state = 'queued';
CREATE INDEX outreach_next_snoozed ON outreach (campaign_id, snoozed_until, id) WHERE state = 'snoozed';
"#,
    r#"
-- Who made a decision (the operator named in Settings then), sent with it: the server would
-- otherwise name the API token, which on the embedded server is the desktop.
ALTER TABLE review_outbox ADD COLUMN reviewer TEXT;
"#,
    r#"
-- People controls (crates/core/src/people.rs). The audit log names the contact, so a contact's
-- history outlives its campaign items; rows written with only an outreach item get the
-- contact from it. Deleting a contact keeps its rows (pacing counts sends from them).
ALTER TABLE audit_log ADD COLUMN contact_id INTEGER REFERENCES contacts(id) ON DELETE SET NULL;
UPDATE audit_log SET contact_id = (SELECT contact_id FROM outreach WHERE outreach.id = audit_log.outreach_id);
CREATE INDEX audit_by_contact ON audit_log (contact_id);
CREATE TRIGGER audit_log_contact AFTER INSERT ON audit_log
WHEN new.contact_id IS NULL AND new.outreach_id IS NOT NULL BEGIN
    UPDATE audit_log SET contact_id = (SELECT contact_id FROM outreach WHERE id = new.outreach_id)
    WHERE id = new.id;
END;
-- A link revoked on the server (from this desktop or, through the feed, another one).
ALTER TABLE outreach ADD COLUMN link_revoked_at INTEGER;
-- People who must not be messaged again: forgotten ones (every campaign; only the handle and
-- user id are kept, to recognise them) and ones removed from a campaign after their link was
-- sent (that campaign: the server would hand back the revoked link). A suppressed contact is
-- never added to a campaign, however it comes back.
CREATE TABLE suppressions (
    id           INTEGER PRIMARY KEY,
    handle       TEXT NOT NULL,
    user_id      TEXT,
    campaign_id  INTEGER REFERENCES campaigns(id) ON DELETE CASCADE,
    reason       TEXT NOT NULL CHECK (reason IN ('forgotten', 'removed')),
    at           INTEGER NOT NULL
);
CREATE INDEX suppressions_by_handle ON suppressions (handle);
CREATE INDEX suppressions_by_user_id ON suppressions (user_id) WHERE user_id IS NOT NULL;
CREATE TRIGGER outreach_suppressed BEFORE INSERT ON outreach
WHEN EXISTS (
    SELECT 1 FROM contacts k JOIN suppressions s ON s.handle = k.handle OR s.user_id = k.user_id
    WHERE k.id = new.contact_id AND (s.campaign_id IS NULL OR s.campaign_id = new.campaign_id)
) BEGIN
    SELECT RAISE(IGNORE);
END;
"#,
    r#"
-- What the recipient's page shows (crates/core/src/campaigns.rs): its language, texts
-- replaced by key (a JSON object), the organisation the consent names and the public page.
ALTER TABLE campaigns ADD COLUMN language TEXT;
ALTER TABLE campaigns ADD COLUMN public_page INTEGER NOT NULL DEFAULT 0;
ALTER TABLE campaigns ADD COLUMN strings TEXT NOT NULL DEFAULT '{}';
ALTER TABLE campaigns ADD COLUMN organisation TEXT;
-- The server gets a campaign again whenever it changed, not only with new links:
-- each save is a new revision; every campaign, existing ones too, is sent once.
ALTER TABLE campaigns ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;
ALTER TABLE campaigns ADD COLUMN pushed_revision INTEGER NOT NULL DEFAULT 0;
"#,
    r#"
-- The person said "no thanks" on the page (the feed's link_declined), with their reason.
ALTER TABLE outreach ADD COLUMN declined_at INTEGER;
ALTER TABLE outreach ADD COLUMN decline_reason TEXT;
"#,
    r#"
-- A review's tags (JSON array, as typed) and 1-5 rating (crates/core/src/reviews.rs), and the
-- poster version the feed's poster_set brings (a new one means fresh poster addresses).
-- An outbox row with NULL tags was queued before tags existed: it sends neither.
ALTER TABLE videos ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';
ALTER TABLE videos ADD COLUMN rating INTEGER;
ALTER TABLE videos ADD COLUMN poster_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE review_outbox ADD COLUMN tags TEXT;
ALTER TABLE review_outbox ADD COLUMN rating INTEGER;
"#,
    r#"
-- Issue 15. Where each person stands and what they were sent:
-- the first bytes of their upload arrived (the feed's upload_started);
ALTER TABLE outreach ADD COLUMN upload_started_at INTEGER;
-- the variant of each part of the first message they were shown (JSON array of 0-based
-- indexes, one per part, written when the message is rendered for them);
ALTER TABLE outreach ADD COLUMN variants TEXT;
-- a campaign's follow-up steps (JSON array, crates/core/src/followups.rs) and whether due
-- follow-ups come up in the Queue before new people;
ALTER TABLE campaigns ADD COLUMN followups TEXT NOT NULL DEFAULT '[]';
ALTER TABLE campaigns ADD COLUMN followups_first INTEGER NOT NULL DEFAULT 1;
-- and each follow-up step a person was given (at most once per step, 1-based).
CREATE TABLE followup_sends (
    id           INTEGER PRIMARY KEY,
    outreach_id  INTEGER NOT NULL REFERENCES outreach(id) ON DELETE CASCADE,
    step         INTEGER NOT NULL CHECK (step >= 1),
    state        TEXT NOT NULL CHECK (state IN ('in_progress', 'sent', 'skipped')),
    claimed_by   TEXT,
    claimed_at   INTEGER,
    sent_at      INTEGER,
    -- as outreach.variants, for this step's message
    variants     TEXT,
    updated_at   INTEGER NOT NULL,
    UNIQUE (outreach_id, step)
);
CREATE INDEX followup_sends_sent ON followup_sends (step, sent_at) WHERE state = 'sent';
"#,
    r#"
-- Each person's status in a campaign (crates/core/src/status.rs, STATUS_SQL: keep this
-- expression equal to it), so the people list's filter and its counts read an index, not
-- the campaign's every row.
CREATE INDEX outreach_by_status ON outreach (campaign_id, (CASE
 WHEN review = 'approved' THEN 'approved'
 WHEN review = 'rejected' THEN 'rejected'
 WHEN video_id IS NOT NULL THEN 'uploaded'
 WHEN declined_at IS NOT NULL THEN 'declined'
 WHEN upload_started_at IS NOT NULL OR video_state IS NOT NULL THEN 'started'
 WHEN link_opened_at IS NOT NULL THEN 'opened'
 WHEN state = 'cant_dm' OR cant_dm_reason IS NOT NULL THEN 'cant_dm'
 WHEN state = 'skipped' THEN 'skipped'
 WHEN state = 'sent' OR sent_at IS NOT NULL THEN 'sent'
 ELSE 'queued' END), id);
"#,
    r#"
-- Team mode (issue 13, crates/core/src/team.rs): the server hands out people under a lease
-- and is the truth about who holds and who sent whom; this desktop mirrors it.
-- The open claim on the person (this operator's or, from the feed, a colleague's).
ALTER TABLE outreach ADD COLUMN claim_id TEXT;
ALTER TABLE outreach ADD COLUMN claim_operator TEXT;
ALTER TABLE outreach ADD COLUMN claim_expires_at INTEGER;
-- Who recorded the outcome (the operator's name on the server) and the claim it was
-- recorded on (an undo names that claim).
ALTER TABLE outreach ADD COLUMN sent_by TEXT;
ALTER TABLE outreach ADD COLUMN outcome_claim TEXT;
CREATE INDEX outreach_by_claim ON outreach (claim_id) WHERE claim_id IS NOT NULL;
-- The campaign as the server last had it (the feed's campaign_updated, or the answer to
-- this desktop's own save): its version, and the whole campaign as JSON, so a save from here
-- keeps the team's settings (daily cap, spacing, hold, lease) instead of resetting them.
ALTER TABLE campaigns ADD COLUMN server_version INTEGER;
ALTER TABLE campaigns ADD COLUMN server_campaign TEXT;
-- Outcomes marked while the server could not be reached, sent in order (id) when it can.
-- A row the server refused for good stays, with its error, as 'conflict'.
CREATE TABLE team_outbox (
    id          INTEGER PRIMARY KEY,
    claim_id    TEXT NOT NULL,
    -- The OutcomeRequest, as JSON.
    body        TEXT NOT NULL,
    state       TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'conflict')),
    created_at  INTEGER NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT
);
CREATE INDEX team_outbox_pending ON team_outbox (id) WHERE state = 'pending';
"#,
    r#"
-- Team mode, campaign edits from several desktops (crates/core/src/team.rs): the local
-- revision the server's version (server_version) is of (a higher revision is an edit the
-- server has not taken yet), and a colleague's version that clashed with such an edit (the
-- server's Campaign as JSON), kept until the operator keeps theirs or their own.
ALTER TABLE campaigns ADD COLUMN server_revision INTEGER;
ALTER TABLE campaigns ADD COLUMN server_conflict TEXT;
"#,
    r#"
-- Outcomes recorded on this desktop alone (the local queue, before or outside team claims)
-- are pushed to the server as history (crates/core/src/upgrade.rs); each row once, when the
-- server took it. The index holds exactly the rows still to push.
ALTER TABLE outreach ADD COLUMN history_pushed_at INTEGER;
CREATE INDEX outreach_history_to_push ON outreach (id)
    WHERE history_pushed_at IS NULL AND outcome_claim IS NULL AND sent_by IS NULL
      AND state IN ('sent', 'skipped', 'cant_dm', 'snoozed');
"#,
    r#"
-- Team mode's campaign settings, edited here and pushed with the campaign (crates/core/src/
-- team.rs): the cross-campaign hold (days) and a claim's lease (seconds). A campaign the
-- server already had keeps what the server last said; any other gets the server's defaults.
ALTER TABLE campaigns ADD COLUMN hold_days INTEGER NOT NULL DEFAULT 30;
ALTER TABLE campaigns ADD COLUMN lease_s INTEGER NOT NULL DEFAULT 900;
UPDATE campaigns SET
    hold_days = coalesce(json_extract(server_campaign, '$.hold_days'), hold_days),
    lease_s = coalesce(json_extract(server_campaign, '$.lease_s'), lease_s)
WHERE json_valid(server_campaign);
"#,
    r#"
-- An admin deleted the campaign on the server (`campaign_deleted`, crates/core/src/team.rs):
-- it leaves this desktop's lists and is never pushed again; its outreach stays as history.
ALTER TABLE campaigns ADD COLUMN deleted_at INTEGER;
"#,
];
