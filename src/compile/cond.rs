//! The condition vocabulary: the `@condition` words of both OpenIOC versions, which version
//! each belongs to, and which value types each applies to.

use crate::model::Version;
use crate::terms::ValueType;

/// An OpenIOC condition, with 1.0 `isnot`/`containsnot` already turned into a negation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Cond {
    Is,
    Contains,
    Matches,
    StartsWith,
    EndsWith,
    GreaterThan,
    LessThan,
}

impl Cond {
    /// The condition of an `@condition` word and whether the word negates it (1.0 `isnot`,
    /// `containsnot`); `None` for a word of neither version.
    pub(crate) fn parse(word: &str) -> Option<(Cond, bool)> {
        Some(match word {
            "is" => (Cond::Is, false),
            "isnot" => (Cond::Is, true),
            "contains" => (Cond::Contains, false),
            "containsnot" => (Cond::Contains, true),
            "matches" => (Cond::Matches, false),
            "starts-with" => (Cond::StartsWith, false),
            "ends-with" => (Cond::EndsWith, false),
            "greater-than" => (Cond::GreaterThan, false),
            "less-than" => (Cond::LessThan, false),
            _ => return None,
        })
    }

    /// True when `word` is one of `version`'s own conditions (1.0 has `is`, `isnot`,
    /// `contains`, `containsnot`; 1.1 every other one).
    pub(crate) fn native_to(word: &str, version: Version) -> bool {
        match version {
            Version::V1_0 => matches!(word, "is" | "isnot" | "contains" | "containsnot"),
            Version::V1_1 => !matches!(word, "isnot" | "containsnot"),
        }
    }

    /// The condition as OpenIOC spells it (1.1 names).
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Cond::Is => "is",
            Cond::Contains => "contains",
            Cond::Matches => "matches",
            Cond::StartsWith => "starts-with",
            Cond::EndsWith => "ends-with",
            Cond::GreaterThan => "greater-than",
            Cond::LessThan => "less-than",
        }
    }

    /// True when the condition makes sense for values of type `ty` (openioc.md §3).
    pub(crate) fn fits(self, ty: ValueType) -> bool {
        match self {
            Cond::Is => true,
            Cond::Contains | Cond::StartsWith | Cond::EndsWith | Cond::Matches => {
                ty != ValueType::Bool
            }
            Cond::GreaterThan | Cond::LessThan => {
                matches!(ty, ValueType::Int | ValueType::Date | ValueType::Float)
            }
        }
    }
}
