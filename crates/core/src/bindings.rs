//! The TypeScript module of the types that cross the Tauri bridge (`ui/bindings/core.ts`).

use clipdesk_protocol::bindings::TsModule;

pub fn core_module() -> TsModule {
    TsModule::new()
        .import(
            "./protocol",
            &["Claim", "ErrorCode", "LinkReach", "ReviewDecision"],
        )
        .add::<crate::AppInfo>()
        .add::<crate::UserError>()
        .add::<crate::settings::Settings>()
        .add::<crate::sync::SyncState>()
        .add::<crate::sync::SyncStatus>()
        .add::<crate::contacts::Contact>()
        .add::<crate::contacts::ContactsPage>()
        .add::<crate::pacing::Pacing>()
        .add::<crate::pacing::PaceVerdict>()
        .add::<crate::queue::OutreachState>()
        .add::<crate::queue::CantDmReason>()
        .add::<crate::queue::Outcome>()
        .add::<crate::queue::Started>()
        .add::<crate::queue::NextStep>()
        .add::<crate::queue::HistoryEntry>()
        .add::<crate::queue::QueueLeft>()
        .add::<crate::queue::NextContact>()
        .add::<crate::queue::QueueOverview>()
        .add::<crate::campaigns::Campaign>()
        .add::<crate::campaigns::CampaignInput>()
        .add::<crate::followups::FollowupCondition>()
        .add::<crate::followups::FollowupStep>()
        .add::<crate::followups::FollowupInfo>()
        .add::<crate::import::ContactField>()
        .add::<crate::import::ImportColumn>()
        .add::<crate::import::ColumnChoice>()
        .add::<crate::import::ImportOptions>()
        .add::<crate::import::ImportPreview>()
        .add::<crate::import::PreviewRow>()
        .add::<crate::import::ImportProgress>()
        .add::<crate::import::ImportOutcome>()
        .add::<crate::import::RowOutcome>()
        .add::<crate::import::ImportReport>()
        .add::<crate::templates::Template>()
        .add::<crate::templates::Part>()
        .add::<crate::templates::PartKind>()
        .add::<crate::templates::TemplateProblem>()
        .add::<crate::templates::TemplateError>()
        .add::<crate::templates::RenderContext>()
        .add::<crate::templates::RenderedPart>()
        .add::<crate::templates::MessagePreview>()
        .add::<crate::reviews::LocalVideoState>()
        .add::<crate::reviews::ReviewFilter>()
        .add::<crate::reviews::PendingDecision>()
        .add::<crate::reviews::ReviewClash>()
        .add::<crate::reviews::ReviewItem>()
        .add::<crate::reviews::LabelFilter>()
        .add::<crate::dashboard::Funnel>()
        .add::<crate::dashboard::DaySends>()
        .add::<crate::dashboard::Dashboard>()
        .add::<crate::dashboard::VariantFunnel>()
        .add::<crate::dashboard::PartFunnel>()
        .add::<crate::dashboard::Verdict>()
        .add::<crate::status::PersonStatus>()
        .add::<crate::status::PeopleFilter>()
        .add::<crate::status::CampaignPerson>()
        .add::<crate::status::StatusCounts>()
        .add::<crate::status::PeoplePage>()
        .add::<crate::sync::Applied>()
        .add::<crate::people::ContactEdit>()
        .add::<crate::people::Edited>()
        .add::<crate::people::CampaignItem>()
        .add::<crate::people::HistoryLine>()
        .add::<crate::people::Person>()
        .add::<crate::people::Removed>()
        .add::<crate::people::Deleted>()
        .add::<crate::people::Forgotten>()
        .add::<crate::updates::UpdateCheck>()
        .add::<crate::updates::UpdateDownload>()
        .add::<crate::updates::UpdateProgress>()
        .add::<crate::reach::AddressOutcome>()
        .add::<crate::reach::AddressCheck>()
        .add::<crate::video_export::ExportProgress>()
        .add::<crate::video_export::ExportFailure>()
        .add::<crate::video_export::ExportReport>()
        .add::<crate::team::TeamStep>()
        .add::<crate::team::TeamRecorded>()
        .add::<crate::team::Flushed>()
        .add::<crate::team::CampaignClash>()
}

#[cfg(test)]
mod tests {
    use clipdesk_protocol::bindings::ui_bindings_path;

    #[test]
    fn committed_core_bindings_are_current() {
        let path = ui_bindings_path(env!("CARGO_MANIFEST_DIR"), "core");
        if let Err(stale) = super::core_module().check_or_update(&path) {
            panic!("{stale}");
        }
    }
}
