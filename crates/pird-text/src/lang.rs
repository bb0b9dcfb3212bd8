//! The two languages pird knows, and how they are named on the command line and in tables.

use std::fmt;
use std::str::FromStr;

/// A language pird processes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Lang {
    /// Central Kurdish (Sorani) in Arabic script.
    Ckb,
    /// Modern Standard Arabic.
    Arb,
}

impl Lang {
    /// The ISO 639-3 code used in tables (`ckb`, `arb`).
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ckb => "ckb",
            Lang::Arb => "arb",
        }
    }

    /// The other language of the pair.
    pub fn other(self) -> Lang {
        match self {
            Lang::Ckb => Lang::Arb,
            Lang::Arb => Lang::Ckb,
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// The error for a language name pird does not know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseLangError(String);

impl fmt::Display for ParseLangError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown language '{}': expected ckb (or ckb_Arab, sorani) or arb (or arb_Arab, ar)",
            self.0
        )
    }
}

impl std::error::Error for ParseLangError {}

impl FromStr for Lang {
    type Err = ParseLangError;

    /// Accepts ISO 639-3 codes, FLORES-style tags and a few common aliases, case-insensitively.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "ckb" | "ckb_arab" | "sorani" | "ku-arab" => Ok(Lang::Ckb),
            "arb" | "arb_arab" | "ar" | "ara" | "arabic" => Ok(Lang::Arb),
            _ => Err(ParseLangError(s.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_codes_and_flores_tags() {
        assert_eq!("ckb".parse::<Lang>(), Ok(Lang::Ckb));
        assert_eq!("ckb_Arab".parse::<Lang>(), Ok(Lang::Ckb));
        assert_eq!("arb_Arab".parse::<Lang>(), Ok(Lang::Arb));
        assert_eq!("AR".parse::<Lang>(), Ok(Lang::Arb));
        assert!("fas".parse::<Lang>().is_err());
        assert_eq!(Lang::Ckb.other(), Lang::Arb);
    }
}
