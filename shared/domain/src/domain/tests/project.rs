//! Unit tests of `domain/project.rs`.

use super::*;

#[test]
fn generated_keys_have_prefix_and_matching_hash() {
    for kind in AccessType::ALL {
        let k = NewKey::generate(kind);
        assert!(k.text.starts_with(kind.key_prefix()));
        assert!(k.hash.matches(&k.text));
        assert_ne!(k.text, NewKey::generate(kind).text);
    }
}
