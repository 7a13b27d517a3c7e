//! How big DynamoDB counts an item, by its documented rules, for the cost
//! model (`docs/performance.md`): capacity units are charged per 1 KB
//! written and per 4 KB read, rounded up, and a conditional write that
//! fails its condition is charged as if it wrote.
//!
//! Rules (Amazon DynamoDB Developer Guide, "Item sizes and formats"): an
//! item is the sum of its attribute names' UTF-8 lengths and its values'
//! sizes. A string is its UTF-8 length; a binary value its length; a number
//! about one byte per two significant digits, plus one; a boolean or null
//! one byte; a list or map three bytes plus one per element plus its
//! elements (a map's keys counted as names); a set the sum of its elements.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

use super::attempt_item::AttemptItem;
use super::items::to_item;
use crate::domain::login_attempt::CliAttempt;

/// The size DynamoDB counts for `item`, in bytes.
pub fn item_bytes(item: &HashMap<String, AttributeValue>) -> usize {
    item.iter()
        .map(|(name, value)| name.len() + value_bytes(value))
        .sum()
}

/// The size of `attempt` as the attempts table holds it.
pub fn attempt_item_bytes(attempt: &CliAttempt) -> usize {
    to_item(&AttemptItem::from(attempt)).map_or(0, |item| item_bytes(&item))
}

fn value_bytes(value: &AttributeValue) -> usize {
    match value {
        AttributeValue::S(s) => s.len(),
        AttributeValue::N(n) => number_bytes(n),
        AttributeValue::B(b) => b.as_ref().len(),
        AttributeValue::Bool(_) | AttributeValue::Null(_) => 1,
        AttributeValue::Ss(set) => set.iter().map(String::len).sum(),
        AttributeValue::Ns(set) => set.iter().map(|n| number_bytes(n)).sum(),
        AttributeValue::Bs(set) => set.iter().map(|b| b.as_ref().len()).sum(),
        AttributeValue::L(list) => 3 + list.iter().map(|v| 1 + value_bytes(v)).sum::<usize>(),
        AttributeValue::M(map) => {
            3 + map
                .iter()
                .map(|(k, v)| 1 + k.len() + value_bytes(v))
                .sum::<usize>()
        }
        _ => 0,
    }
}

/// About one byte per two significant digits, plus one.
fn number_bytes(text: &str) -> usize {
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    let significant = digits.trim_start_matches('0').trim_end_matches('0').len();
    significant.max(1).div_ceil(2) + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_follow_the_documented_rules() {
        let item: HashMap<String, AttributeValue> = [
            ("id".to_owned(), AttributeValue::S("BDWPHQPK".into())),
            // 1,764,000,000,000: four significant digits, 2 + 1 bytes.
            ("ttl".to_owned(), AttributeValue::N("1764000000000".into())),
            ("ok".to_owned(), AttributeValue::Bool(true)),
            (
                "client".to_owned(),
                AttributeValue::M([("name".to_owned(), AttributeValue::S("mytool".into()))].into()),
            ),
        ]
        .into();
        // 2+8, 3+3, 2+1, 6+(3+1+4+6).
        assert_eq!(item_bytes(&item), 10 + 6 + 3 + 20);
    }

    #[test]
    fn a_fresh_attempt_fits_one_write_unit() {
        let attempt =
            CliAttempt::create("5d1e4b8a-3c2f-4e6d-9a7b-0c1d2e3f4a5b", 0, 7_200_000, None).attempt;
        let bytes = attempt_item_bytes(&attempt);
        assert!((200..1024).contains(&bytes), "{bytes}");
    }
}
