use crate::helpers::spawn_app;

#[tokio::test]
async fn the_recorder_page_and_its_script_are_served() {
    let app = spawn_app().await;
    let link = app.link("maya.bakes").await;
    let page = app.client.get(&link.url).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["content-type"], "text/html");
    assert_eq!(page.headers()["cache-control"], "no-cache");
    let html = page.text().await.unwrap();
    let script = html
        .split("src=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the page loads a script");
    assert!(script.starts_with("/assets/"), "{script}");

    let asset = app.visit(script).await;
    assert_eq!(asset.status(), 200);
    assert_eq!(asset.headers()["content-type"], "text/javascript");
    assert!(
        asset.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable"),
        "hashed assets are cached for good"
    );
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn a_missing_asset_is_a_json_404() {
    let app = spawn_app().await;
    assert_eq!(app.visit("/assets/nope.js").await.status(), 404);
    app.server.stop().await.unwrap();
}
