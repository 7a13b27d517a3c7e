//! What the CLI prints of what the service said, made safe for a terminal:
//! C0 and C1 control characters and the bidi controls (the set the service
//! refuses in names, api.md §8) are shown as escapes (`\u{1b}`), so a
//! display name cannot hide, recolour or reorder what follows it. Text the
//! CLI writes itself is printed as it is.

use std::borrow::Cow;

/// Whether `c` could make a terminal show something other than the text:
/// a C0 or C1 control character, or a bidi control.
pub fn is_deceptive(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `text` with every deceptive character written as `\u{…}`.
pub fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_deceptive) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| {
                if is_deceptive(c) {
                    c.escape_unicode().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect(),
    )
}

/// `value` as pretty JSON whose strings carry no raw deceptive character:
/// JSON already escapes C0 controls inside strings; DEL, the C1 controls
/// and the bidi controls are written as `\uXXXX` too (still the same JSON
/// value). The only raw control characters left are the layout's newlines.
pub fn printable_json(value: &serde_json::Value) -> String {
    let text = format!("{value:#}");
    text.chars()
        .map(|c| {
            if c != '\n' && is_deceptive(c) {
                format!("\\u{:04x}", u32::from(c))
            } else {
                c.to_string()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deceptive_characters_are_escaped_and_others_kept() {
        assert_eq!(printable("Ada Lovelace 🚀"), "Ada Lovelace 🚀");
        assert_eq!(printable("a\u{1b}[8mb"), "a\\u{1b}[8mb");
        assert_eq!(printable("x\u{202E}y\u{85}\n"), "x\\u{202e}y\\u{85}\\u{a}");
    }

    #[test]
    fn json_stays_the_same_value() {
        let value = serde_json::json!({"name": "M\u{202E}\u{1b}\u{7f}\u{9b}x", "n": 1});
        let text = printable_json(&value);
        assert!(
            !text.chars().any(|c| c != '\n' && is_deceptive(c)),
            "{text:?}"
        );
        let back: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        assert_eq!(back, value);
    }
}
