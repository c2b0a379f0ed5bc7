//! Mastodon's OAuth scopes: the known names, what each implies, and sets of them as apps
//! register them, tokens carry them and endpoints require them.
//!
//! A parent implies its children (`read` ⊇ `read:statuses`, `admin:read` ⊇
//! `admin:read:accounts`); the deprecated `follow` stands for the six block, follow and
//! mute scopes. `profile` implies nothing else, and nothing implies `profile`.

use std::fmt;
use std::str::FromStr;

/// Scopes that imply every `<parent>:…` scope.
const PARENTS: [&str; 4] = ["read", "write", "admin:read", "admin:write"];

/// What the deprecated `follow` stands for.
const FOLLOW_CHILDREN: [&str; 6] = [
    "read:blocks",
    "write:blocks",
    "read:follows",
    "write:follows",
    "read:mutes",
    "write:mutes",
];

/// Every scope Mastodon defines, top-level first (also `scopes_supported` in the OAuth
/// server metadata).
pub const ALL: [&str; 47] = [
    "read",
    "write",
    "follow",
    "push",
    "profile",
    "admin:read",
    "admin:write",
    "read:accounts",
    "read:blocks",
    "read:bookmarks",
    "read:collections",
    "read:favourites",
    "read:filters",
    "read:follows",
    "read:lists",
    "read:mutes",
    "read:notifications",
    "read:search",
    "read:statuses",
    "write:accounts",
    "write:blocks",
    "write:bookmarks",
    "write:collections",
    "write:conversations",
    "write:favourites",
    "write:filters",
    "write:follows",
    "write:lists",
    "write:media",
    "write:mutes",
    "write:notifications",
    "write:reports",
    "write:statuses",
    "admin:read:accounts",
    "admin:read:reports",
    "admin:read:domain_allows",
    "admin:read:domain_blocks",
    "admin:read:ip_blocks",
    "admin:read:email_domain_blocks",
    "admin:read:canonical_email_blocks",
    "admin:write:accounts",
    "admin:write:reports",
    "admin:write:domain_allows",
    "admin:write:domain_blocks",
    "admin:write:ip_blocks",
    "admin:write:email_domain_blocks",
    "admin:write:canonical_email_blocks",
];

/// Whether `s` is a scope Mastodon defines.
pub fn is_known(s: &str) -> bool {
    Scope::parse(s).is_some()
}

/// One known scope.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Scope(&'static str);

impl Scope {
    pub fn parse(s: &str) -> Option<Scope> {
        ALL.iter().find(|k| **k == s).map(|k| Scope(k))
    }

    pub fn as_str(self) -> &'static str {
        self.0
    }

    /// Whether holding this scope grants `required`.
    pub fn grants(self, required: &str) -> bool {
        let held = self.0;
        held == required
            || (PARENTS.contains(&held)
                && required
                    .strip_prefix(held)
                    .is_some_and(|rest| rest.starts_with(':')))
            || (held == "follow" && FOLLOW_CHILDREN.contains(&required))
    }
}

impl AsRef<str> for Scope {
    fn as_ref(&self) -> &str {
        self.0
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// A scope string named something Mastodon does not define; empty when none was given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownScope(pub String);

impl fmt::Display for UnknownScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            f.write_str("no scope was given")
        } else {
            write!(f, "unknown scope: {}", self.0)
        }
    }
}

impl std::error::Error for UnknownScope {}

/// A set of scopes, kept in the order given (Mastodon echoes them as given), without repeats.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scopes(Vec<Scope>);

impl Scopes {
    /// Parses scopes separated by spaces or `+`, as clients send them. Blank input is an
    /// error; see [`Scopes::parse_or_default`].
    pub fn parse(s: &str) -> Result<Scopes, UnknownScope> {
        let mut scopes = Vec::new();
        for name in s.split(|c: char| c.is_whitespace() || c == '+') {
            if name.is_empty() {
                continue;
            }
            let scope = Scope::parse(name).ok_or_else(|| UnknownScope(name.to_string()))?;
            if !scopes.contains(&scope) {
                scopes.push(scope);
            }
        }
        if scopes.is_empty() {
            return Err(UnknownScope(String::new()));
        }
        Ok(Scopes(scopes))
    }

    /// [`Scopes::parse`], with absent or blank input meaning [`Scopes::default_for_app`].
    pub fn parse_or_default(s: Option<&str>) -> Result<Scopes, UnknownScope> {
        match s {
            Some(s)
                if s.split(|c: char| c.is_whitespace() || c == '+')
                    .any(|p| !p.is_empty()) =>
            {
                Scopes::parse(s)
            }
            _ => Ok(Scopes::default_for_app()),
        }
    }

    /// What an app or token gets when it asks for nothing: `read`.
    pub fn default_for_app() -> Scopes {
        Scopes(vec![Scope("read")])
    }

    /// Whether this set grants the scope an endpoint requires (`"read:statuses"`): it holds
    /// it or a parent of it. `follow` is granted by `follow` or by all six of its scopes.
    pub fn allows(&self, required: &str) -> bool {
        if self.0.iter().any(|s| s.grants(required)) {
            return true;
        }
        required == "follow" && FOLLOW_CHILDREN.iter().all(|c| self.allows(c))
    }

    /// Whether every scope here is granted by `other` (a token's request within its app's).
    pub fn is_subset_of(&self, other: &Scopes) -> bool {
        self.0.iter().all(|s| other.allows(s.as_str()))
    }

    pub fn iter(&self) -> impl Iterator<Item = Scope> + '_ {
        self.0.iter().copied()
    }
}

impl fmt::Display for Scopes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, scope) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            f.write_str(scope.as_str())?;
        }
        Ok(())
    }
}

impl FromStr for Scopes {
    type Err = UnknownScope;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Scopes::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn scopes(s: &str) -> Scopes {
        Scopes::parse(s).unwrap()
    }

    #[test]
    fn parses_spaces_plus_and_repeats_in_given_order() {
        let s = scopes("  write+read \t read:statuses  read ");
        assert_eq!(s.to_string(), "write read read:statuses");
        assert_eq!(
            s.iter().map(Scope::as_str).collect::<Vec<_>>(),
            ["write", "read", "read:statuses"]
        );
        assert_eq!("push".parse::<Scopes>(), Ok(scopes("push")));
    }

    #[test]
    fn refuses_unknown_and_blank() {
        assert_eq!(Scopes::parse("read wrte"), Err(UnknownScope("wrte".into())));
        assert_eq!(Scopes::parse("READ"), Err(UnknownScope("READ".into())));
        assert_eq!(Scopes::parse("read:"), Err(UnknownScope("read:".into())));
        assert_eq!(Scopes::parse(" + "), Err(UnknownScope(String::new())));
        assert_eq!(Scopes::parse("crypto"), Err(UnknownScope("crypto".into())));
        assert_eq!(
            Scopes::parse("read wrte").unwrap_err().to_string(),
            "unknown scope: wrte"
        );
    }

    #[test]
    fn default_is_read() {
        assert_eq!(Scopes::default_for_app().to_string(), "read");
        assert_eq!(Scopes::parse_or_default(None), Ok(scopes("read")));
        assert_eq!(Scopes::parse_or_default(Some("  ")), Ok(scopes("read")));
        assert_eq!(Scopes::parse_or_default(Some("write")), Ok(scopes("write")));
        assert!(Scopes::parse_or_default(Some("nope")).is_err());
    }

    #[test]
    fn knows_every_documented_scope() {
        for s in [
            "read",
            "write",
            "follow",
            "push",
            "profile",
            "admin:read",
            "admin:write",
            "read:collections",
            "write:conversations",
            "write:media",
            "write:reports",
            "admin:read:canonical_email_blocks",
            "admin:write:domain_allows",
        ] {
            assert!(is_known(s), "{s}");
        }
        for s in [
            "",
            "admin",
            "read:media",
            "write:search",
            "admin:read:statuses",
            "crypto",
        ] {
            assert!(!is_known(s), "{s}");
        }
    }

    #[test]
    fn parents_grant_their_children_only() {
        let read = scopes("read");
        assert!(read.allows("read") && read.allows("read:statuses"));
        assert!(read.allows("read:notifications"));
        assert!(!read.allows("write:statuses") && !read.allows("admin:read:accounts"));
        assert!(!read.allows("admin:read") && !read.allows("push"));
        let admin = scopes("admin:read");
        assert!(admin.allows("admin:read:reports") && !admin.allows("admin:write:reports"));
        assert!(!admin.allows("read:statuses"));
        let child = scopes("read:statuses");
        assert!(child.allows("read:statuses") && !child.allows("read"));
        assert!(!child.allows("read:accounts"));
    }

    #[test]
    fn follow_is_six_scopes() {
        let follow = scopes("follow");
        for c in FOLLOW_CHILDREN {
            assert!(follow.allows(c), "{c}");
        }
        assert!(!follow.allows("read:statuses") && !follow.allows("read"));
        assert!(scopes("read write").allows("follow"));
        assert!(scopes(&FOLLOW_CHILDREN.join(" ")).allows("follow"));
        assert!(!scopes("read").allows("follow"));
    }

    #[test]
    fn profile_stands_alone() {
        let profile = scopes("profile");
        assert!(profile.allows("profile"));
        assert!(!profile.allows("read:accounts") && !profile.allows("read"));
        assert!(!scopes("read").allows("profile"));
        assert!(!scopes("read:accounts").allows("profile"));
    }

    #[test]
    fn subsets_use_implication() {
        assert!(scopes("read:statuses").is_subset_of(&scopes("read")));
        assert!(scopes("read:statuses write:media").is_subset_of(&scopes("read write")));
        assert!(scopes("follow").is_subset_of(&scopes("read write")));
        assert!(scopes("read:blocks").is_subset_of(&scopes("follow")));
        assert!(!scopes("read").is_subset_of(&scopes("read:statuses")));
        assert!(!scopes("read push").is_subset_of(&scopes("read write")));
        assert!(!scopes("profile").is_subset_of(&scopes("read")));
        assert!(scopes("write read").is_subset_of(&scopes("read write")));
    }

    fn known_scope() -> impl Strategy<Value = &'static str> {
        proptest::sample::select(ALL.to_vec())
    }

    proptest! {
        #[test]
        fn parse_never_panics(input in ".{0,200}") {
            let _ = Scopes::parse(&input);
            let _ = Scopes::parse_or_default(Some(&input));
        }

        #[test]
        fn parse_round_trips(names in proptest::collection::vec(known_scope(), 1..6)) {
            let parsed = Scopes::parse(&names.join("+")).unwrap();
            prop_assert_eq!(Scopes::parse(&parsed.to_string()).unwrap(), parsed);
        }

        #[test]
        fn allows_agrees_with_is_subset_of(held in known_scope(), required in known_scope()) {
            let set = scopes(held);
            prop_assert_eq!(set.allows(required), scopes(required).is_subset_of(&set));
        }

        #[test]
        fn a_set_allows_each_of_its_scopes(names in proptest::collection::vec(known_scope(), 1..6)) {
            let set = Scopes::parse(&names.join(" ")).unwrap();
            for s in set.iter() {
                prop_assert!(set.allows(s.as_str()));
            }
            prop_assert!(set.is_subset_of(&set));
        }
    }
}
