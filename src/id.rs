//! Time-sortable 64-bit ids: milliseconds since the epoch in the high 48 bits and a
//! 16-bit tail. New rows get theirs from the `timestamp_id()` column default; rows that
//! describe something older (remote posts) get [`id_at`]. Ids travel as JSON strings.

use rand::RngExt;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use time::OffsetDateTime;

/// An id for a row describing something that happened at `at`, with a random tail.
/// Callers insert with it and retry with a fresh one on a unique violation.
pub fn id_at(at: OffsetDateTime) -> i64 {
    let ms = (at.unix_timestamp_nanos() / 1_000_000).max(0) as i64;
    let tail: i64 = rand::rng().random_range(0..65536);
    (ms << 16) | tail
}

/// The time encoded in an id.
pub fn id_time(id: i64) -> Option<OffsetDateTime> {
    let ms = id >> 16;
    OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000).ok()
}

/// The smallest id that any row created at or after `at` can have (for `since` queries).
pub fn min_id_at(at: OffsetDateTime) -> i64 {
    let ms = (at.unix_timestamp_nanos() / 1_000_000).max(0) as i64;
    ms << 16
}

macro_rules! id_type {
    ($($name:ident),* $(,)?) => {$(
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, sqlx::Type)]
        #[sqlx(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::num::ParseIntError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.parse::<i64>().map($name)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let raw = IdRepr::deserialize(d)?;
                match raw {
                    IdRepr::Int(i) => Ok($name(i)),
                    IdRepr::Str(s) => s.parse().map_err(serde::de::Error::custom),
                }
            }
        }
    )*};
}

#[derive(Deserialize)]
#[serde(untagged)]
enum IdRepr {
    Int(i64),
    Str(String),
}

id_type!(
    AccountId,
    UserId,
    StatusId,
    TagId,
    RuleId,
    NotificationId,
    NotificationRequestId,
    FollowId,
    FavouriteId,
    ReportId,
    ApplicationId,
    TokenId,
    CodeId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_sort_by_time() {
        let earlier = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
        let later = earlier + time::Duration::milliseconds(1);
        for _ in 0..100 {
            assert!(id_at(earlier) < id_at(later));
        }
        assert!(min_id_at(later) > id_at(earlier));
    }

    #[test]
    fn id_time_round_trips_to_the_millisecond() {
        let at = OffsetDateTime::from_unix_timestamp_nanos(1_700_000_000_123_000_000).unwrap();
        assert_eq!(id_time(id_at(at)), Some(at));
    }

    #[test]
    fn ids_render_as_strings_and_parse_from_both() {
        let id = StatusId(109_876_543_210_123_456);
        assert_eq!(
            serde_json::to_string(&id).unwrap(),
            "\"109876543210123456\""
        );
        let a: StatusId = serde_json::from_str("\"42\"").unwrap();
        let b: StatusId = serde_json::from_str("42").unwrap();
        assert_eq!(a, b);
        assert!(serde_json::from_str::<StatusId>("\"x\"").is_err());
    }
}
