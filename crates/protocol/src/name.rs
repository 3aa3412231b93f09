//! The first-name rule: what `{{first_name}}` in a DM and the recorder page's greeting both
//! call a person, from the display name their TikTok profile shows.

/// The first word of `display_name` that holds a letter, without the emoji or punctuation
/// stuck to its ends: "Maya Bakes" → "Maya", "🍰 Maya" → "Maya", "✨Zoë✨" → "Zoë",
/// "Jean-Luc Picard" → "Jean-Luc". `None` when no word has a letter (blank, emoji only,
/// digits only): the caller then falls back (the template's `|fallback`, the page's @handle).
pub fn first_name(display_name: &str) -> Option<&str> {
    display_name
        .split_whitespace()
        .map(|word| word.trim_matches(|c: char| !c.is_alphanumeric() && !is_combining_mark(c)))
        .find(|word| word.chars().any(char::is_alphabetic))
        .map(trim_leading_marks)
}

/// Combining marks stay with the letter before them ("Zoë" written as `e` + U+0308 keeps its
/// diaeresis); only the common blocks, which is all a name needs.
fn is_combining_mark(c: char) -> bool {
    matches!(c,
        '\u{0300}'..='\u{036F}' | '\u{1AB0}'..='\u{1AFF}' | '\u{1DC0}'..='\u{1DFF}'
        | '\u{20D0}'..='\u{20FF}' | '\u{FE20}'..='\u{FE2F}')
}

/// A mark with no letter before it (left from an emoji's keycap, say) is not part of the name.
fn trim_leading_marks(word: &str) -> &str {
    word.trim_start_matches(|c: char| !c.is_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::first_name;

    #[test]
    fn the_first_word_of_a_plain_name() {
        assert_eq!(first_name("Maya Bakes"), Some("Maya"));
        assert_eq!(first_name("  Zoë   Müller "), Some("Zoë"));
        assert_eq!(first_name("Maya"), Some("Maya"));
    }

    #[test]
    fn an_emoji_before_the_name_is_skipped() {
        assert_eq!(first_name("🍰 Maya Bakes"), Some("Maya"));
        assert_eq!(first_name("👩‍🍳🍰 Maya"), Some("Maya"));
    }

    #[test]
    fn emoji_and_punctuation_stuck_to_the_name_are_dropped() {
        assert_eq!(first_name("Maya🍰 Bakes"), Some("Maya"));
        assert_eq!(first_name("✨Zoë✨"), Some("Zoë"));
        assert_eq!(first_name("❤️Ana❤️"), Some("Ana"));
        assert_eq!(first_name("(Maya) Bakes"), Some("Maya"));
        assert_eq!(first_name("Maya, the baker"), Some("Maya"));
    }

    #[test]
    fn letters_inside_a_name_stay() {
        assert_eq!(first_name("Jean-Luc Picard"), Some("Jean-Luc"));
        assert_eq!(first_name("O'Neil Smith"), Some("O'Neil"));
        assert_eq!(
            first_name("Zoe\u{0308} M"),
            Some("Zoe\u{0308}"),
            "a combining diaeresis"
        );
        assert_eq!(first_name("Maya2 Bakes"), Some("Maya2"));
    }

    #[test]
    fn names_in_other_scripts_are_names() {
        assert_eq!(first_name("王小明"), Some("王小明"));
        assert_eq!(first_name("Дарья Иванова"), Some("Дарья"));
        assert_eq!(first_name("🌸 さくら"), Some("さくら"));
    }

    #[test]
    fn no_word_with_a_letter_is_no_first_name() {
        assert_eq!(first_name(""), None);
        assert_eq!(first_name("   "), None);
        assert_eq!(first_name("🍰🍰 ✨"), None, "emoji only");
        assert_eq!(first_name("1️⃣ 2️⃣"), None, "keycaps");
        assert_eq!(first_name("2024 ..."), None, "digits and dots");
    }

    #[test]
    fn a_word_of_digits_before_the_name_is_skipped() {
        assert_eq!(first_name("100% Maya"), Some("Maya"));
    }
}
