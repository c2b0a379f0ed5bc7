//! The JSON shapes of the Mastodon client API, written from docs.joinmastodon.org.
//! Ids are strings, dates `YYYY-MM-DDTHH:MM:SS.mmmZ`, nullable fields are `Option`s that
//! serialise as `null`, always-present-but-empty ones are empty strings or arrays.

pub mod account;
pub mod application;
pub mod instance;
pub mod notification;
pub mod notification_group;
pub mod notification_policy;
pub mod status;
pub mod tag;

use serde::Serializer;
use time::OffsetDateTime;

/// Mastodon's datetime: UTC, exactly three fractional digits, `Z`.
pub fn datetime(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

/// `serialize_with` for datetimes.
pub fn ser_datetime<S: Serializer>(t: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&datetime(*t))
}

/// `serialize_with` for optional datetimes (`null` when absent).
pub fn ser_opt_datetime<S: Serializer>(
    t: &Option<OffsetDateTime>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_str(&datetime(*t)),
        None => s.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetimes_have_exactly_three_fraction_digits() {
        let t = OffsetDateTime::from_unix_timestamp_nanos(1_700_000_000_123_456_789).unwrap();
        assert_eq!(datetime(t), "2023-11-14T22:13:20.123Z");
        let whole = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
        assert_eq!(datetime(whole), "2023-11-14T22:13:20.000Z");
    }
}
