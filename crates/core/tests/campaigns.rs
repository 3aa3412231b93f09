//! A campaign's page settings reach a real clipdesk-server (random port) when they are saved,
//! whether or not any link is waiting: the language, the texts, the organisation, and the
//! public page turned on and off.

// Test helpers panic on failure by design.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use clipdesk_core::campaigns::{self, CampaignInput};
use clipdesk_core::store::{self, StoreHandle};
use clipdesk_core::sync;
use clipdesk_core::templates::{Part, Template};
use clipdesk_server::RunningServer;
use common::{Backend, backend};

mod common;

/// What a visitor of the campaign's public page gets: its status and body.
async fn public_page(server: &RunningServer, slug: &str) -> (u16, serde_json::Value) {
    let response = reqwest::get(format!("{}/api/v1/public/campaigns/{slug}", server.url()))
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or_default())
}

#[tokio::test]
async fn a_saved_page_setting_reaches_the_server_without_any_new_link() {
    let Backend {
        server,
        data: _data,
        client,
        ..
    } = backend().await;
    let store = StoreHandle::from_connection(store::open_in_memory().unwrap());
    let mut input = CampaignInput::new(
        "Verano",
        Template {
            parts: vec![Part::text(["Hola {{first_name|amigo}}: {{link}}"])],
        },
    );
    input.language = Some("es".into());
    input.public_page = true;
    input.strings = BTreeMap::from([("handleTitle".to_owned(), "¿Tu usuario?".to_owned())]);
    input.organisation = Some("Crumb & Co.".into());
    let create = input.clone();
    let campaign = store
        .call(move |conn| campaigns::create(conn, &create))
        .await
        .unwrap();

    assert_eq!(sync::push_campaigns(&store, &client).await.unwrap(), 1);
    let (status, page) = public_page(&server, &campaign.slug).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["language"], "es");
    assert_eq!(page["strings"]["handleTitle"], "¿Tu usuario?");
    assert_eq!(page["organisation"], "Crumb & Co.");
    assert_eq!(
        sync::push_campaigns(&store, &client).await.unwrap(),
        0,
        "an unchanged campaign is not sent again"
    );

    input.public_page = false;
    let id = campaign.id;
    store
        .call(move |conn| campaigns::update(conn, id, &input))
        .await
        .unwrap();
    assert_eq!(sync::push_campaigns(&store, &client).await.unwrap(), 1);
    assert_eq!(
        public_page(&server, &campaign.slug).await.0,
        404,
        "the page closed"
    );
}
