use std::time::{Duration, Instant};

use super::super::variant::variant_for;
use super::super::video_url::is_tiktok_video_url;
use super::*;
use crate::error::CoreError;

fn template(parts: Vec<Part>) -> Template {
    Template { parts }
}

fn checked(text: &str) -> CheckedTemplate {
    parse(&template(vec![Part::text([text])])).unwrap()
}

fn maya() -> RenderContext {
    RenderContext {
        handle: "maya.bakes".into(),
        display_name: Some("Maya Lopez".into()),
        tags: vec!["baker".into(), "vegan".into()],
        link: Some("https://clips.example/r/AbC".into()),
        campaign_name: "Spring bakes".into(),
    }
}

fn text_of(t: &CheckedTemplate, ctx: &RenderContext) -> String {
    render(t, ctx).unwrap()[0].text.clone()
}

fn problems(t: &Template) -> Vec<TemplateProblem> {
    parse(t).unwrap_err().problems
}

#[test]
fn a_template_is_stored_as_json_of_parts_and_variants() {
    let t = template(vec![
        Part::text(["Hi {{first_name}}! {{link}}"]),
        Part::tiktok_video("https://www.tiktok.com/@clipdesk/video/7301234567890123456"),
    ]);
    let json = serde_json::to_string(&t).unwrap();
    assert_eq!(
        json,
        r#"{"parts":[{"kind":"text","variants":["Hi {{first_name}}! {{link}}"]},{"kind":"tiktok_video","variants":["https://www.tiktok.com/@clipdesk/video/7301234567890123456"]}]}"#
    );
    let checked = parse_json(&json).unwrap();
    assert_eq!(checked.template(), &t);
    assert_eq!(checked.to_json(), json);
    let err = parse_json("{\"parts\": 3}").unwrap_err();
    assert!(err.to_string().contains("not valid"), "{err}");
}

#[test]
fn variables_are_filled_from_the_contact() {
    let t = checked(
        "Hi {{first_name}} ({{display_name}}, @{{handle}}), for {{campaign}} [{{tags}}]: {{link}}",
    );
    assert_eq!(
        text_of(&t, &maya()),
        "Hi Maya (Maya Lopez, @maya.bakes), for Spring bakes [baker, vegan]: https://clips.example/r/AbC"
    );
}

#[test]
fn spaces_inside_the_braces_are_allowed() {
    let t = checked("Hi {{ first_name | there }} {{  link}}");
    assert_eq!(text_of(&t, &maya()), "Hi Maya https://clips.example/r/AbC");
}

#[test]
fn a_fallback_fills_a_missing_display_name() {
    let t = checked("Hi {{display_name|there}}, {{first_name | my friend}}! {{link}}");
    let nameless = RenderContext {
        display_name: None,
        ..maya()
    };
    assert_eq!(
        text_of(&t, &nameless),
        "Hi there, my friend! https://clips.example/r/AbC"
    );
    let blank = RenderContext {
        display_name: Some("   ".into()),
        ..maya()
    };
    assert_eq!(
        text_of(&t, &blank),
        "Hi there, my friend! https://clips.example/r/AbC",
        "a name of spaces is no name"
    );
}

#[test]
fn an_empty_value_without_a_fallback_renders_as_nothing() {
    let t = checked("Hi {{first_name}}! Tags: {{tags}}. {{link}}");
    let bare = RenderContext {
        display_name: None,
        tags: vec![],
        ..maya()
    };
    assert_eq!(
        text_of(&t, &bare),
        "Hi ! Tags: . https://clips.example/r/AbC"
    );
}

#[test]
fn the_first_name_is_the_first_word_of_the_display_name() {
    let t = checked("{{first_name}} {{link}}");
    let ctx = RenderContext {
        display_name: Some("  Zoë  Müller ".into()),
        ..maya()
    };
    assert_eq!(text_of(&t, &ctx), "Zoë https://clips.example/r/AbC");
}

#[test]
fn the_first_name_skips_emoji_as_the_recorder_page_greeting_does() {
    let t = checked("Hi {{first_name|there}}! {{link}}");
    let named = |display_name: &str| RenderContext {
        display_name: Some(display_name.into()),
        ..maya()
    };
    assert_eq!(
        text_of(&t, &named("🍰 Maya Bakes")),
        "Hi Maya! https://clips.example/r/AbC"
    );
    assert_eq!(
        text_of(&t, &named("✨🍰✨")),
        "Hi there! https://clips.example/r/AbC",
        "an emoji-only name has no first name: the fallback is used"
    );
}

#[test]
fn a_missing_link_is_an_error_at_render_time() {
    let t = checked("Hi {{first_name}}, record here: {{link}}");
    let unlinked = RenderContext {
        link: None,
        ..maya()
    };
    let err = render(&t, &unlinked).unwrap_err();
    assert_eq!(err.problems.len(), 1);
    let problem = &err.problems[0];
    assert_eq!(problem.variable.as_deref(), Some("link"));
    assert_eq!(problem.char_offset, Some(32));
    assert!(problem.reason.contains("no link yet"), "{}", problem.reason);
    let empty = RenderContext {
        link: Some(" ".into()),
        ..maya()
    };
    assert!(render(&t, &empty).is_err(), "an empty link is no link");
}

#[test]
fn the_link_takes_no_fallback() {
    let found = problems(&template(vec![Part::text(["Hi {{link|later}}"])]));
    assert_eq!(found[0].variable.as_deref(), Some("link"));
    assert!(
        found[0].reason.contains("no fallback"),
        "{}",
        found[0].reason
    );
}

#[test]
fn unknown_variables_are_reported_with_their_position() {
    let t = template(vec![
        Part::text(["{{link}}"]),
        Part::text(["Hi {{first_name}}", "Hé 🎸 {{ nmae | you }}!"]),
    ]);
    let found = problems(&t);
    assert_eq!(found.len(), 1, "{found:?}");
    let p = &found[0];
    assert_eq!((p.part, p.variant), (Some(1), Some(1)));
    assert_eq!(p.char_offset, Some(5), "counted in characters");
    assert_eq!(p.utf16_offset, Some(6), "the emoji is two UTF-16 units");
    assert_eq!(p.variable.as_deref(), Some("nmae"));
    assert!(
        p.reason.contains("unknown variable {{nmae}}"),
        "{}",
        p.reason
    );
    assert!(
        p.reason.contains("first_name"),
        "the reason lists the variables"
    );
    assert_eq!(
        parse(&t).unwrap_err().to_string(),
        format!("part 2, variant 2, character 6: {}", p.reason)
    );
    assert!(
        problems(&template(vec![Part::text(["{{Link}}"])]))[0]
            .reason
            .contains("unknown variable {{Link}}"),
        "names are exact, lower case"
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    let t = template(vec![
        Part::text(["{{link}} {{foo}} and {{bar|x}}", " "]),
        Part::text(Vec::<String>::new()),
    ]);
    let found = problems(&t);
    let places: Vec<_> = found
        .iter()
        .map(|p| (p.part, p.variant, p.char_offset, p.variable.as_deref()))
        .collect();
    assert_eq!(
        places,
        [
            (Some(0), Some(0), Some(9), Some("foo")),
            (Some(0), Some(0), Some(21), Some("bar")),
            (Some(0), Some(1), None, None),
            (Some(1), None, None, None),
            (None, None, None, Some("link")),
        ]
    );
    let message = CoreError::from(parse(&t).unwrap_err()).to_string();
    assert!(
        message.starts_with("template: part 1, variant 1, character 10"),
        "{message}"
    );
}

#[test]
fn an_unclosed_pair_of_braces_is_an_error() {
    let found = problems(&template(vec![Part::text(["{{link}} Hi {{first_name"])]));
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].char_offset, Some(12));
    assert!(
        found[0].reason.contains("not closed"),
        "{}",
        found[0].reason
    );
    // Closed only after another opening: the first one is the unclosed one.
    let found = problems(&template(vec![Part::text(["{{first_name {{link}}"])]));
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].char_offset, Some(0));
    assert!(found[0].reason.contains("not closed"));
    let found = problems(&template(vec![Part::text(["{{link}} {{ }}"])]));
    assert!(found[0].reason.contains("needs a name"), "{found:?}");
}

#[test]
fn single_braces_and_lone_closing_pairs_are_plain_text() {
    let t = checked("{x} }} { {{link}}");
    assert_eq!(text_of(&t, &maya()), "{x} }} { https://clips.example/r/AbC");
}

#[test]
fn a_message_needs_parts_and_a_part_needs_variants() {
    let found = problems(&template(vec![]));
    assert_eq!(found.len(), 1);
    assert!(found[0].reason.contains("at least one part"));
    let found = problems(&template(vec![Part::text(["{{link}}", ""])]));
    assert_eq!((found[0].part, found[0].variant), (Some(0), Some(1)));
    assert!(found[0].reason.contains("empty"));
}

#[test]
fn every_message_must_carry_the_link() {
    let found = problems(&template(vec![Part::text(["Hi there"])]));
    assert!(found[0].reason.contains("{{link}}"), "{found:?}");
    // Link in one variant only: a contact given the other would get no link.
    let split = template(vec![
        Part::text(["Hi {{link}}", "Hello"]),
        Part::text(["Bye", "See you {{link}}"]),
    ]);
    assert_eq!(problems(&split).len(), 1);
    assert!(
        parse(&template(vec![
            Part::text(["Hi", "Hello"]),
            Part::text(["{{link}}", "Here: {{link}}"]),
        ]))
        .is_ok()
    );
}

#[test]
fn the_same_contact_always_gets_the_same_variant() {
    let t = parse(&template(vec![Part::text([
        "A {{link}}",
        "B {{link}}",
        "C {{link}}",
    ])]))
    .unwrap();
    let first = render(&t, &maya()).unwrap();
    for _ in 0..10 {
        assert_eq!(render(&t, &maya()).unwrap(), first);
    }
    let typed_differently = RenderContext {
        handle: " @Maya.Bakes".into(),
        ..maya()
    };
    assert_eq!(
        render(&t, &typed_differently).unwrap()[0].variant,
        first[0].variant
    );
    // Pinned so a change of hash (which would reshuffle every running campaign) is seen.
    let pinned: Vec<usize> = ["maya.bakes", "dan_rides", "kenji.codes", "sam_98"]
        .iter()
        .map(|h| variant_for(h, 0, 3))
        .collect();
    assert_eq!(pinned, [1, 0, 1, 2]);
}

#[test]
fn variants_are_spread_evenly_across_contacts() {
    let handles: Vec<String> = (0..1_000).map(|i| format!("creator_{i}")).collect();
    for part in 0..3 {
        let first = handles
            .iter()
            .filter(|h| variant_for(h, part, 2) == 0)
            .count();
        assert!(
            (200..=800).contains(&first),
            "part {part}: variant 1 got {first} of 1000"
        );
    }
    let mut thirds = [0; 3];
    for h in &handles {
        thirds[variant_for(h, 0, 3)] += 1;
    }
    assert!(
        thirds.iter().all(|&n| (200..=480).contains(&n)),
        "{thirds:?}"
    );
}

#[test]
fn parts_choose_their_variants_independently() {
    let same = (0..1_000)
        .map(|i| format!("creator_{i}"))
        .filter(|h| variant_for(h, 0, 2) == variant_for(h, 1, 2))
        .count();
    assert!((300..=700).contains(&same), "{same} of 1000 matched");
}

#[test]
fn a_tiktok_video_part_must_be_a_tiktok_video_address() {
    let good = [
        "https://www.tiktok.com/@clipdesk/video/7301234567890123456",
        "https://www.tiktok.com/@maya.bakes/video/7301234567890123456?is_from_webapp=1",
        "https://vm.tiktok.com/ZMabc123/",
        "https://vt.tiktok.com/ZSabc123",
    ];
    for url in good {
        assert!(is_tiktok_video_url(url), "{url}");
        let t = template(vec![Part::text(["{{link}}"]), Part::tiktok_video(url)]);
        assert!(parse(&t).is_ok(), "{url}");
    }
    let bad = [
        "http://www.tiktok.com/@clipdesk/video/7301234567890123456",
        "https://www.tiktok.com/@clipdesk",
        "https://www.tiktok.com/@clipdesk/video/abc",
        "https://www.tiktok.com/@@x/video/1",
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        "https://vm.tiktok.com/",
        "https://vm.tiktok.com/ZM abc/",
        "look at https://vm.tiktok.com/ZMabc123/",
    ];
    for url in bad {
        assert!(!is_tiktok_video_url(url), "{url}");
        let t = template(vec![Part::text(["{{link}}"]), Part::tiktok_video(url)]);
        let found = problems(&t);
        assert_eq!(
            (found[0].part, found[0].variant),
            (Some(1), Some(0)),
            "{url}"
        );
        assert!(found[0].reason.contains("not a TikTok video"), "{url}");
    }
}

#[test]
fn a_video_address_built_from_variables_is_checked_after_rendering() {
    let t = parse(&template(vec![
        Part::text(["{{link}}"]),
        Part::tiktok_video("https://www.tiktok.com/@{{handle}}/video/7301234567890123456"),
    ]))
    .unwrap();
    let parts = render(&t, &maya()).unwrap();
    assert_eq!(parts[1].kind, PartKind::TiktokVideo);
    assert_eq!(
        parts[1].text,
        "https://www.tiktok.com/@maya.bakes/video/7301234567890123456"
    );
    let t = parse(&template(vec![
        Part::text(["{{link}}"]),
        Part::tiktok_video("{{campaign}}"),
    ]))
    .unwrap();
    let err = render(&t, &maya()).unwrap_err();
    assert_eq!(err.problems[0].part, Some(1));
}

#[test]
fn a_part_that_renders_empty_is_an_error() {
    let t = parse(&template(vec![
        Part::text(["{{link}}"]),
        Part::text(["{{display_name}}"]),
    ]))
    .unwrap();
    let nameless = RenderContext {
        display_name: None,
        ..maya()
    };
    let err = render(&t, &nameless).unwrap_err();
    assert_eq!(err.problems[0].part, Some(1));
    assert!(err.problems[0].reason.contains("empty"));
}

#[test]
fn a_preview_without_a_link_uses_a_marked_placeholder() {
    let t = checked("Hi {{first_name|there}}: {{link}}");
    let unlinked = RenderContext {
        link: None,
        display_name: None,
        ..maya()
    };
    let shown = preview(&t, &unlinked).unwrap();
    assert!(shown.placeholder_link);
    assert_eq!(shown.parts[0].text, format!("Hi there: {PREVIEW_LINK}"));
    let shown = preview(&t, &maya()).unwrap();
    assert!(!shown.placeholder_link);
    assert_eq!(shown.parts, render(&t, &maya()).unwrap());
}

#[test]
fn rendering_a_checked_template_is_cheap() {
    let t = parse(&template(vec![
        Part::text([
            "Hi {{first_name|there}}! Would you record a clip for {{campaign}}? {{link}}",
            "Hello {{display_name|there}}, {{campaign}} wants you: {{link}}",
        ]),
        Part::tiktok_video("https://vm.tiktok.com/ZMabc123/"),
    ]))
    .unwrap();
    let mut ctx = maya();
    let started = Instant::now();
    for i in 0..10_000 {
        ctx.handle = format!("creator_{i}");
        render(&t, &ctx).unwrap();
    }
    // Parsed once into tokens: 10,000 renders are string pushes, milliseconds even in a
    // debug build; the bound is loose so a busy machine does not fail it.
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
}
