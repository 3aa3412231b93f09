//! TypeScript generation: each crate lists the types its UIs see, renders one `.ts` file, and
//! a test fails when the committed file is stale (`UPDATE_BINDINGS=1 cargo test` rewrites it).

use std::path::{Path, PathBuf};

use ts_rs::{Config, TS};

/// One generated TypeScript module.
pub struct TsModule {
    config: Config,
    imports: Vec<String>,
    declarations: Vec<String>,
}

impl Default for TsModule {
    fn default() -> Self {
        Self::new()
    }
}

impl TsModule {
    pub fn new() -> Self {
        Self {
            // JSON.parse gives `number`, never `bigint`; our integers stay below 2^53.
            config: Config::new().with_large_int("number"),
            imports: Vec::new(),
            declarations: Vec::new(),
        }
    }

    /// `import type { a, b } from "<from>";` for types declared in another generated module.
    pub fn import(mut self, from: &str, names: &[&str]) -> Self {
        self.imports.push(format!(
            "import type {{ {} }} from \"{from}\";",
            names.join(", ")
        ));
        self
    }

    pub fn add<T: TS + 'static + ?Sized>(mut self) -> Self {
        let mut decl = String::new();
        if let Some(docs) = T::docs() {
            decl.push_str(&docs);
        }
        decl.push_str("export ");
        decl.push_str(&T::decl(&self.config));
        self.declarations.push(decl);
        self
    }

    pub fn render(&self) -> String {
        let mut out = String::from(
            "// Generated from the Rust types by `UPDATE_BINDINGS=1 cargo test`; do not edit.\n",
        );
        for import in &self.imports {
            out.push_str(import);
            out.push('\n');
        }
        for decl in &self.declarations {
            out.push('\n');
            out.push_str(decl);
            out.push('\n');
        }
        out
    }

    /// Compares the rendered module with the committed file, or rewrites it when
    /// `UPDATE_BINDINGS` is set. Returns a message naming the file when it is stale.
    pub fn check_or_update(&self, path: &Path) -> Result<(), String> {
        let expected = self.render();
        if std::env::var_os("UPDATE_BINDINGS").is_some() {
            std::fs::write(path, &expected)
                .map_err(|err| format!("cannot write {}: {err}", path.display()))?;
            return Ok(());
        }
        let committed = std::fs::read_to_string(path).unwrap_or_default();
        if committed == expected {
            Ok(())
        } else {
            Err(format!(
                "{} is stale: run `UPDATE_BINDINGS=1 cargo test` and commit the result",
                path.display()
            ))
        }
    }
}

/// `ui/bindings/<name>.ts`, from a crate's manifest directory two levels below the root.
pub fn ui_bindings_path(manifest_dir: &str, name: &str) -> PathBuf {
    Path::new(manifest_dir)
        .join("../../ui/bindings")
        .join(format!("{name}.ts"))
}

/// The protocol's own module: every wire type the UIs use.
pub fn protocol_module() -> TsModule {
    use crate::api::*;
    use crate::*;
    TsModule::new()
        .add::<ErrorCode>()
        .add::<ErrorBody>()
        .add::<ErrorResponse>()
        .add::<Health>()
        .add::<CampaignUpsert>()
        .add::<Campaign>()
        .add::<crate::api::CampaignList>()
        .add::<crate::api::CampaignDeleted>()
        .add::<crate::api::CampaignConflict>()
        .add::<LinkRecipient>()
        .add::<CreateLinks>()
        .add::<IssuedLink>()
        .add::<CreatedLinks>()
        .add::<PublicLink>()
        .add::<PublicCampaign>()
        .add::<SelfReportedHandle>()
        .add::<DeclineLink>()
        .add::<EventKind>()
        .add::<Event>()
        .add::<EventsPage>()
        .add::<crate::media::VideoState>()
        .add::<crate::media::VideoProbe>()
        .add::<crate::media::ReviewDecision>()
        .add::<crate::media::Review>()
        .add::<crate::media::ReviewUpdate>()
        .add::<crate::media::ReviewConflict>()
        .add::<crate::media::PosterFrame>()
        .add::<crate::media::MediaUrls>()
        .add::<crate::media::Video>()
        .add::<crate::media::VideosPage>()
        .add::<crate::reach::LinkReach>()
        .add::<crate::reach::DoctorVerdict>()
        .add::<crate::reach::DoctorLine>()
        .add::<crate::reach::DoctorReport>()
        .add::<crate::webhooks::DeliveryState>()
        .add::<crate::webhooks::WebhookEndpoint>()
        .add::<crate::webhooks::NewWebhook>()
        .add::<crate::webhooks::CreatedWebhook>()
        .add::<crate::webhooks::WebhookList>()
        .add::<crate::webhooks::WebhookDelivery>()
        .add::<crate::webhooks::WebhookDeliveries>()
        .add::<crate::team::ClaimRequest>()
        .add::<crate::team::Hold>()
        .add::<crate::team::Claim>()
        .add::<crate::team::ClaimCreated>()
        .add::<crate::team::ClaimOutcome>()
        .add::<crate::team::OutcomeRequest>()
        .add::<crate::team::ClaimView>()
        .add::<crate::team::HeldRecipient>()
        .add::<crate::team::HeldList>()
        .add::<crate::team::HistoryEntry>()
        .add::<crate::team::HistoryRequest>()
        .add::<crate::team::HistoryRecorded>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn committed_protocol_bindings_are_current() {
        let path = ui_bindings_path(env!("CARGO_MANIFEST_DIR"), "protocol");
        if let Err(stale) = protocol_module().check_or_update(&path) {
            panic!("{stale}");
        }
    }

    #[test]
    fn rendered_bindings_export_every_type() {
        let rendered = protocol_module().render();
        for name in ["ErrorCode", "ErrorBody", "ErrorResponse", "Health"] {
            assert!(
                rendered.contains(&format!("export type {name} ")),
                "{name} missing from:\n{rendered}"
            );
        }
    }
}
