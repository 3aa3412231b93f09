//! Pacing protects the TikTok account on this desktop: on every path that leads to a DM
//! (start next, undo, a snoozed contact coming back, a renamed operator) no two sends are
//! closer than the campaign's spacing and no 24 hours hold more than its cap, unless an
//! explicit override was logged. Real core functions on a real SQLite file; the test drives
//! the clock, and names the operator the way the desktop does: from its settings, each call.

// Test helpers panic on failure by design.
#![allow(clippy::unwrap_used)]

use clipdesk_core::campaigns::{self, CampaignInput};
use clipdesk_core::contacts::{self, ContactInput};
use clipdesk_core::pacing::{DAY_MS, PaceVerdict, Pacing};
use clipdesk_core::queue::{self, CantDmReason, NextStep, Outcome, OutreachState, QueueOverview};
use clipdesk_core::store::{self, Connection};
use clipdesk_core::templates::{Part, Template};
use clipdesk_core::{CoreError, CoreResult, settings};
use proptest::prelude::*;
use tempfile::TempDir;

/// 2025-11-25 12:00 UTC.
const T0: i64 = 1_764_072_000_000;
const SECOND: i64 = 1000;

/// One desktop: its database on disk, one campaign, and the time it is now.
struct Desk {
    _dir: TempDir,
    conn: Connection,
    campaign: i64,
    pacing: Pacing,
    now: i64,
}

impl Desk {
    fn new(contacts: usize, pacing: Pacing) -> Desk {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = store::open(&dir.path().join("clipdesk.sqlite3")).unwrap();
        let mut input = CampaignInput::new(
            "Spring",
            Template {
                parts: vec![Part::text(["Hi {{first_name|there}}: {{link}}"])],
            },
        );
        input.pacing = pacing;
        let campaign = campaigns::create(&mut conn, &input).unwrap().id;
        let ids: Vec<i64> = (0..contacts)
            .map(|i| {
                let input = ContactInput::parse(&format!("user_{i}"), "", "", "", "").unwrap();
                contacts::insert(&conn, &input, None).unwrap()
            })
            .collect();
        queue::add_to_campaign(&mut conn, campaign, &ids).unwrap();
        // As if the sync loop had registered every link with the server.
        conn.execute(
            "UPDATE outreach SET link_token = 'tok' || id, link_url = 'https://l.example/r/tok' || id",
            [],
        )
        .unwrap();
        let mut desk = Desk {
            _dir: dir,
            conn,
            campaign,
            pacing,
            now: T0,
        };
        desk.rename("ana");
        desk
    }

    fn operator(&self) -> String {
        settings::load(&self.conn).unwrap().operator
    }

    /// The Settings screen saving a new operator name.
    fn rename(&mut self, name: &str) {
        let mut saved = settings::load(&self.conn).unwrap();
        saved.operator = name.to_owned();
        settings::save(&mut self.conn, &saved).unwrap();
    }

    fn advance(&mut self, ms: i64) {
        self.now += ms;
    }

    /// Enter.
    fn start(&mut self) -> NextStep {
        let operator = self.operator();
        queue::start_next_at(&mut self.conn, self.campaign, &operator, self.now).unwrap()
    }

    /// Enter, when a contact must come up.
    fn started(&mut self) -> i64 {
        match self.start() {
            NextStep::Started(started) => started.outreach_id,
            other => panic!("expected a contact on screen, got {other:?}"),
        }
    }

    /// S, K, F or L on an item.
    fn mark(&mut self, outreach: i64, outcome: Outcome) -> CoreResult<()> {
        let operator = self.operator();
        queue::mark_at(&mut self.conn, outreach, outcome, &operator, self.now)
    }

    /// U.
    fn undo(&mut self) -> CoreResult<i64> {
        let operator = self.operator();
        queue::undo_last_at(&mut self.conn, &operator, self.now)
    }

    /// What the Queue shows before anything is started: pacing, who is left, who is next.
    fn overview(&self) -> QueueOverview {
        queue::overview_at(&self.conn, self.campaign, &self.operator(), self.now).unwrap()
    }

    /// The contact shown next, not started.
    fn next_up(&self) -> i64 {
        self.overview().next.expect("a next contact").outreach_id
    }

    /// "Send anyway…", confirmed.
    fn send_anyway(&mut self) -> NextStep {
        let operator = self.operator();
        queue::start_despite_pacing_at(&mut self.conn, self.campaign, &operator, self.now).unwrap()
    }

    fn send_overriding(&mut self, outreach: i64, reason: &str) -> CoreResult<()> {
        let operator = self.operator();
        queue::mark_sent_despite_pacing_at(&mut self.conn, outreach, &operator, reason, self.now)
    }

    /// A desk with five contacts at twenty seconds' spacing, one send made and the spacing
    /// since then just over.
    fn one_sent() -> Desk {
        let mut desk = Desk::new(5, TWENTY_SECONDS);
        desk.send_next();
        desk.advance(20 * SECOND);
        desk
    }

    /// A desk with ten contacts, a cap of six at twenty seconds' spacing, and six sends made
    /// twenty seconds apart: at the cap, the spacing since the last send over.
    fn at_the_cap_of_six() -> Desk {
        let pacing = Pacing {
            daily_cap: 6,
            min_spacing_s: 20,
        };
        let mut desk = Desk::new(10, pacing);
        for _ in 0..6 {
            desk.send_next();
            desk.advance(20 * SECOND);
        }
        desk
    }

    /// Enter, K (the next one comes up), U (the first comes back): the first contact and
    /// the one claimed before the undo.
    fn skip_then_undo(&mut self) -> (i64, i64) {
        let first = self.started();
        self.mark(first, Outcome::Skipped).unwrap();
        let second = self.started();
        assert_ne!(second, first);
        assert_eq!(self.undo().unwrap(), first);
        (first, second)
    }

    /// L, later by `ms`.
    fn snooze(&mut self, outreach: i64, ms: i64) {
        let until = self.now + ms;
        self.mark(outreach, Outcome::Snoozed { until }).unwrap();
    }

    /// Enter, when pacing must hold the next contact back.
    fn assert_waits(&mut self, why: &str) {
        let step = self.start();
        assert!(wait_verdict(&step).is_some(), "{why}: {step:?}");
    }

    /// Enter, when `outreach` must be the contact that comes up, then S.
    fn send_when_up(&mut self, outreach: i64, why: &str) {
        assert_eq!(self.started(), outreach, "{why}");
        self.mark(outreach, Outcome::Sent).unwrap();
    }

    /// Enter then S, a full send.
    fn send_next(&mut self) -> i64 {
        let id = self.started();
        self.mark(id, Outcome::Sent).unwrap();
        id
    }

    /// Every send that stands (not undone), oldest first, as the queue holds it
    /// (`outreach.sent_at`), each with whether its record in the audit log is an override.
    fn sends(&self) -> Vec<(i64, bool)> {
        self.conn
            .prepare(
                "SELECT o.sent_at, json_extract(a.detail, '$.pacing_override') IS NOT NULL
                 FROM outreach o JOIN audit_log a ON a.id = (
                     SELECT max(id) FROM audit_log WHERE outreach_id = o.id AND to_state = 'sent')
                 WHERE o.state = 'sent' ORDER BY o.sent_at, a.id",
            )
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }

    fn not_started(&self) -> Vec<i64> {
        self.outreach_in("'queued', 'snoozed'")
    }

    fn in_progress(&self) -> Vec<i64> {
        self.outreach_in("'in_progress'")
    }

    /// The outreach items in one of `states` (an SQL list), by id.
    fn outreach_in(&self, states: &str) -> Vec<i64> {
        self.conn
            .prepare(&format!(
                "SELECT id FROM outreach WHERE state IN ({states}) ORDER BY id"
            ))
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }

    /// Every send made without an override kept the spacing from the send before it and was
    /// at most the cap-th in its 24 hours. Sends only leave the set (undo), so checking the
    /// standing set after every step covers every send ever recorded.
    fn assert_paced(&self) {
        let sends = self.sends();
        let spacing = i64::from(self.pacing.min_spacing_s) * SECOND;
        for (i, &(at, overridden)) in sends.iter().enumerate() {
            if overridden {
                continue;
            }
            if let Some(&(before, _)) = i.checked_sub(1).and_then(|j| sends.get(j)) {
                assert!(
                    at - before >= spacing,
                    "a send at +{} ms came {} ms after the one before; spacing is {spacing} ms: {sends:?}",
                    at - T0,
                    at - before
                );
            }
            let in_day = sends[..=i].iter().filter(|(t, _)| *t > at - DAY_MS).count();
            assert!(
                in_day <= self.pacing.daily_cap as usize,
                "{in_day} sends in the 24 hours up to +{} ms; the cap is {}: {sends:?}",
                at - T0,
                self.pacing.daily_cap
            );
        }
    }
}

fn wait_verdict(step: &NextStep) -> Option<&PaceVerdict> {
    match step {
        NextStep::Wait { verdict } => Some(verdict),
        _ => None,
    }
}

/// Waiting because six sends, the cap, fall in the last 24 hours.
fn at_cap_of_six(step: &NextStep) -> bool {
    matches!(
        wait_verdict(step),
        Some(PaceVerdict::Wait {
            sent_last_24h: 6,
            daily_cap: 6,
            ..
        })
    )
}

const TWENTY_SECONDS: Pacing = Pacing {
    daily_cap: 50,
    min_spacing_s: 20,
};

#[test]
fn skip_then_undo_cannot_bring_a_second_contact_inside_the_spacing() {
    let mut desk = Desk::one_sent();

    // Contact on screen → K (the next one comes up) → U (the first comes back) → S.
    let (first, second) = desk.skip_then_undo();
    desk.send_when_up(first, "the undone contact is back on screen");

    desk.advance(SECOND);
    let step = desk.start();
    assert!(
        wait_verdict(&step).is_some_and(|v| !v.allowed()),
        "the contact claimed before the undo must wait for the spacing too, got {step:?}"
    );
    let refused = desk.mark(second, Outcome::Sent);
    assert!(
        matches!(refused, Err(CoreError::Conflict(ref why)) if why.contains("20 s")),
        "a send 1 s after the last one is refused, not recorded: {refused:?}"
    );
    desk.assert_paced();

    desk.advance(19 * SECOND);
    desk.send_when_up(second, "the spacing is over: it comes up");
    desk.assert_paced();
}

#[test]
fn renaming_the_operator_at_the_cap_does_not_reset_it() {
    let mut desk = Desk::at_the_cap_of_six();
    let before = desk.start();
    assert!(at_cap_of_six(&before), "{before:?}");

    desk.rename("ana-renamed");
    let after = desk.start();
    assert!(
        at_cap_of_six(&after),
        "the cap counts this desktop's sends, whatever the operator is called now: {after:?}"
    );
    desk.assert_paced();

    // The cap frees a slot when the first send is 24 hours old, under the new name too.
    desk.now = T0 + DAY_MS;
    desk.send_next();
    desk.assert_paced();
}

#[test]
fn a_snoozed_contact_coming_back_waits_for_the_spacing() {
    let mut desk = Desk::one_sent();

    // L: later, in a minute; the next contact comes up.
    let snoozed = desk.started();
    desk.snooze(snoozed, 60 * SECOND);
    let next = desk.started();

    // Back by undo, sent; the contact claimed meanwhile waits.
    assert_eq!(desk.undo().unwrap(), snoozed);
    desk.send_when_up(snoozed, "the undone contact is back on screen");
    desk.advance(SECOND);
    desk.assert_waits("spacing holds after the undo");
    assert!(desk.mark(next, Outcome::Sent).is_err());
    desk.advance(19 * SECOND);
    assert_eq!(desk.started(), next);

    // Back because it is due: snoozed again, due while the spacing still runs.
    desk.snooze(next, 5 * SECOND);
    let third = desk.started();
    desk.mark(third, Outcome::Sent).unwrap();
    desk.advance(10 * SECOND);
    desk.assert_waits("a due snoozed contact waits like any other");
    desk.advance(10 * SECOND);
    desk.send_when_up(next, "due and paced: it comes back");
    desk.assert_paced();
}

#[test]
fn only_a_logged_override_sends_inside_the_spacing() {
    let mut desk = Desk::one_sent();
    let (first, second) = desk.skip_then_undo();
    desk.mark(first, Outcome::Sent).unwrap();
    desk.advance(SECOND);

    assert!(desk.mark(second, Outcome::Sent).is_err());
    let blank = desk.send_overriding(second, "  ");
    assert!(
        matches!(blank, Err(CoreError::Invalid { ref field, .. }) if field == "reason"),
        "an override says why: {blank:?}"
    );
    desk.send_overriding(second, "sent by hand before the app caught up")
        .unwrap();

    let (reason, actor): (String, String) = desk
        .conn
        .query_row(
            "SELECT json_extract(detail, '$.pacing_override.reason'), actor FROM audit_log
             WHERE outreach_id = ?1 AND to_state = 'sent'",
            [second],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(reason, "sent by hand before the app caught up");
    assert_eq!(actor, "ana");
    assert_eq!(desk.sends().iter().filter(|(_, o)| *o).count(), 1);
    desk.assert_paced();
    // The override counts as a send: the next one waits for the spacing from it.
    desk.assert_waits("the next send waits for the spacing from the override");
}

#[test]
fn at_the_cap_the_next_contact_can_be_skipped_or_put_off_and_nothing_counts_as_a_send() {
    let mut desk = Desk::at_the_cap_of_six();
    let waiting = desk.overview();
    assert!(!waiting.pace.allowed(), "{waiting:?}");
    assert_eq!(waiting.left.queued, 4);

    // K on the contact shown: skipped without being started, still at the cap.
    let shown = desk.next_up();
    desk.mark(shown, Outcome::Skipped).unwrap();
    // F then a reason on the next one, L on the one after.
    let second = desk.next_up();
    assert_ne!(second, shown, "the next contact comes up after a skip");
    desk.mark(
        second,
        Outcome::CantDm {
            reason: CantDmReason::PrivacySettings,
        },
    )
    .unwrap();
    let third = desk.next_up();
    desk.snooze(third, DAY_MS);
    let after = desk.overview();
    assert_eq!((after.left.queued, after.left.snoozed), (1, 1));
    assert!(
        at_cap_of_six(&desk.start()),
        "triage sends nothing: still 6 of 6"
    );
    let refused = desk.mark(desk.next_up(), Outcome::Sent);
    assert!(
        matches!(refused, Err(CoreError::Conflict(_))),
        "S on a contact not started records nothing: {refused:?}"
    );

    // U puts the last one back in the queue, unstarted.
    assert_eq!(desk.undo().unwrap(), third);
    assert_eq!(desk.next_up(), third);
    assert_eq!(desk.overview().next.unwrap().state, OutreachState::Queued);
    desk.assert_paced();
}

#[test]
fn send_anyway_lets_one_dm_go_logged_with_who_and_the_next_waits_again() {
    let mut desk = Desk::one_sent();
    desk.send_next();
    desk.advance(SECOND);
    desk.assert_waits("one second after a send");

    let NextStep::Started(started) = desk.send_anyway() else {
        panic!("send anyway starts the contact")
    };
    assert!(
        !started.pace.allowed(),
        "the screen still says pacing waits"
    );
    desk.mark(started.outreach_id, Outcome::Sent).unwrap();
    let (actor, at, reason): (String, i64, String) = desk
        .conn
        .query_row(
            "SELECT actor, at, json_extract(detail, '$.pacing_override.reason') FROM audit_log
             WHERE outreach_id = ?1 AND to_state = 'sent'",
            [started.outreach_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!((actor.as_str(), at), ("ana", desk.now));
    assert!(reason.contains("Send anyway"), "{reason}");

    // One DM only: the next contact waits for the spacing from the override.
    desk.advance(SECOND);
    desk.assert_waits("the override let one contact go, not the next");
    desk.assert_paced();

    // The contact's history says who sent it past pacing.
    let contact: i64 = desk
        .conn
        .query_row(
            "SELECT contact_id FROM outreach WHERE id = ?1",
            [started.outreach_id],
            |r| r.get(0),
        )
        .unwrap();
    let history = queue::contact_history(&desk.conn, contact, None).unwrap();
    assert_eq!(history[0].pacing_overridden_by.as_deref(), Some("ana"));
}

#[test]
fn send_anyway_covers_its_own_contact_once_and_no_other_claim() {
    let mut desk = Desk::one_sent();
    desk.send_next();
    desk.advance(SECOND);
    let NextStep::Started(first) = desk.send_anyway() else {
        panic!()
    };
    let id = first.outreach_id;
    // K then U then S: the skipped contact came back with its override; one DM.
    desk.mark(id, Outcome::Skipped).unwrap();
    assert_eq!(desk.undo().unwrap(), id);
    desk.mark(id, Outcome::Sent).unwrap();
    // U then S again: the undone send gave its DM back; still one override standing.
    assert_eq!(desk.undo().unwrap(), id);
    desk.mark(id, Outcome::Sent).unwrap();
    assert_eq!(desk.sends().iter().filter(|(_, o)| *o).count(), 1);

    // A contact started normally is not covered by anyone's override.
    desk.advance(20 * SECOND);
    let plain = desk.started();
    desk.rename("ben");
    let NextStep::Started(bens) = desk.send_anyway() else {
        panic!()
    };
    assert_ne!(bens.outreach_id, plain);
    desk.mark(bens.outreach_id, Outcome::Sent).unwrap();
    desk.rename("ana");
    let refused = desk.mark(plain, Outcome::Sent);
    assert!(
        matches!(refused, Err(CoreError::Conflict(_))),
        "a contact started normally waits like any other: {refused:?}"
    );
    desk.assert_paced();
}

/// What an operator (or a window, or the API) can do to the queue, one step at a time.
#[derive(Debug, Clone)]
enum Action {
    /// Enter.
    StartNext,
    /// An outcome on an item in progress, whichever it is: the one on screen or one left
    /// claimed by an undo or an earlier name.
    Mark {
        pick: usize,
        outcome: Kind,
    },
    Undo,
    Rename(usize),
    Advance(i64),
    Override {
        pick: usize,
    },
    /// K, F or L (or a stray S) on a contact not started: the one shown next while pacing
    /// waits, or any other queued or snoozed one.
    Triage {
        pick: usize,
        outcome: Kind,
    },
    /// "Send anyway…", confirmed, then S on the contact it started.
    SendAnyway,
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    Sent,
    Skipped,
    CantDm,
    /// Later, for this many ms.
    Later(i64),
}

impl Kind {
    fn at(self, now: i64) -> Outcome {
        match self {
            Kind::Sent => Outcome::Sent,
            Kind::Skipped => Outcome::Skipped,
            Kind::CantDm => Outcome::CantDm {
                reason: CantDmReason::Other,
            },
            Kind::Later(ms) => Outcome::Snoozed { until: now + ms },
        }
    }
}

const NAMES: [&str; 3] = ["ana", "ben", "ana 2"];

fn action() -> impl Strategy<Value = Action> {
    let kind = prop_oneof![
        3 => Just(Kind::Sent),
        2 => Just(Kind::Skipped),
        1 => Just(Kind::CantDm),
        1 => (1..120_000i64).prop_map(Kind::Later),
    ];
    prop_oneof![
        4 => Just(Action::StartNext),
        5 => (any::<usize>(), kind.clone()).prop_map(|(pick, outcome)| Action::Mark { pick, outcome }),
        3 => Just(Action::Undo),
        1 => (0..NAMES.len()).prop_map(Action::Rename),
        4 => (0..30_000i64).prop_map(Action::Advance),
        1 => (0..DAY_MS / 3).prop_map(Action::Advance),
        1 => any::<usize>().prop_map(|pick| Action::Override { pick }),
        3 => (any::<usize>(), kind.clone()).prop_map(|(pick, outcome)| Action::Triage { pick, outcome }),
        1 => Just(Action::SendAnyway),
    ]
}

/// Only the failures the queue means to give back; anything else fails the test.
fn expected(result: CoreResult<impl Sized>) {
    match result {
        Ok(_) | Err(CoreError::Conflict(_) | CoreError::NotFound(_)) => {}
        Err(other) => panic!("unexpected failure: {other:?}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn no_path_through_the_queue_sends_faster_than_pacing_allows(
        cap in 1u32..=6,
        spacing_s in 1u32..=60,
        actions in prop::collection::vec(action(), 1..160),
    ) {
        let pacing = Pacing { daily_cap: cap, min_spacing_s: spacing_s };
        let mut desk = Desk::new(25, pacing);
        for action in actions {
            match action {
                Action::StartNext => {
                    if let NextStep::Started(started) = desk.start() {
                        prop_assert!(started.pace.allowed(), "a contact came up while pacing waits: {started:?}");
                    }
                }
                Action::Mark { pick, outcome } => {
                    let items = desk.in_progress();
                    if items.is_empty() {
                        continue;
                    }
                    let item = items[pick % items.len()];
                    let outcome = outcome.at(desk.now);
                    expected(desk.mark(item, outcome));
                }
                Action::Triage { pick, outcome } => {
                    let shown = desk.overview().next.filter(|n| n.state != OutreachState::InProgress);
                    let items = desk.not_started();
                    let item = match shown {
                        Some(next) if pick % 2 == 0 => next.outreach_id,
                        _ if items.is_empty() => continue,
                        _ => items[pick % items.len()],
                    };
                    let sends = desk.sends().len();
                    let result = desk.mark(item, outcome.at(desk.now));
                    if matches!(outcome, Kind::Sent) {
                        prop_assert!(result.is_err(), "a contact not started was recorded as sent");
                    }
                    expected(result);
                    prop_assert_eq!(desk.sends().len(), sends, "triage changed the sends");
                }
                Action::SendAnyway => {
                    if let NextStep::Started(started) = desk.send_anyway() {
                        expected(desk.mark(started.outreach_id, Outcome::Sent));
                    }
                }
                Action::Undo => expected(desk.undo()),
                Action::Rename(name) => desk.rename(NAMES[name]),
                Action::Advance(ms) => desk.advance(ms),
                Action::Override { pick } => {
                    let items = desk.in_progress();
                    if !items.is_empty() {
                        expected(desk.send_overriding(items[pick % items.len()], "the test says so"));
                    }
                }
            }
            desk.assert_paced();
        }
    }
}
