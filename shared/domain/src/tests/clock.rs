//! Unit tests of `clock.rs`.

use super::*;

#[test]
fn iso_has_millis_and_z() {
    assert_eq!(iso_millis(1_795_885_445_123), "2026-11-28T17:04:05.123Z");
    assert_eq!(iso_millis(0), "1970-01-01T00:00:00.000Z");
}

#[test]
fn manual_clock_moves_only_when_told() {
    let c = ManualClock::new(10);
    assert_eq!(c.now_millis(), 10);
    c.advance(5);
    assert_eq!(c.now_millis(), 15);
    c.set(1);
    assert_eq!(c.now_millis(), 1);
}
