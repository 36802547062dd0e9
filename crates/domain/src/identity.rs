//! Who is acting: clinics, accounts, roles, e-mail addresses and password rules.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(
    /// A clinic: the unit of tenancy. Nothing crosses from one clinic to another.
    ClinicId
);
id_type!(
    /// An account that can log in.
    UserId
);
id_type!(
    /// A patient record, owned by one clinic.
    PatientId
);

/// What an account may do. A patient account is tied to one patient record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Clinician,
    Researcher,
    Patient,
}

impl Role {
    pub const ALL: [Role; 4] = [
        Role::Admin,
        Role::Clinician,
        Role::Researcher,
        Role::Patient,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Clinician => "clinician",
            Role::Researcher => "researcher",
            Role::Patient => "patient",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| {
                Error::invalid(
                    "role",
                    "one_of",
                    "must be one of admin, clinician, researcher, patient",
                )
            })
    }
}

/// A syntactically plausible e-mail address, trimmed and lower-cased so that
/// one person cannot hold two accounts by changing case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    pub const MAX_LEN: usize = 254;

    /// `field` names the input the address came from, for the error.
    pub fn parse_field(field: &str, raw: &str) -> Result<Self> {
        let s = raw.trim().to_lowercase();
        let bad = |rule: &str, msg: &str| Err(Error::invalid(field, rule, msg));
        if s.is_empty() {
            return bad("required", "must not be empty");
        }
        if s.chars().count() > Self::MAX_LEN {
            return bad("max_length", "must be at most 254 characters");
        }
        let Some((local, domain)) = s.split_once('@') else {
            return bad(
                "email",
                "must be an e-mail address such as name@example.org",
            );
        };
        let domain_ok = !domain.is_empty()
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && domain
                .chars()
                .all(|c| c.is_alphanumeric() || c == '.' || c == '-');
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && local
                .chars()
                .all(|c| !c.is_whitespace() && !c.is_control() && c != '@' && c != '<' && c != '>');
        if !domain_ok || !local_ok {
            return bad(
                "email",
                "must be an e-mail address such as name@example.org",
            );
        }
        Ok(Email(s))
    }

    pub fn parse(raw: &str) -> Result<Self> {
        Self::parse_field("email", raw)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Email {
    type Error = Error;
    fn try_from(value: String) -> Result<Self> {
        Email::parse(&value)
    }
}

impl From<Email> for String {
    fn from(e: Email) -> String {
        e.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Password rules: long enough to resist guessing, short enough that hashing
/// it cannot be used to exhaust the server.
pub fn check_password(field: &str, password: &str) -> Result<()> {
    let n = password.chars().count();
    if n < 10 {
        return Err(Error::invalid(
            field,
            "min_length",
            "must be at least 10 characters",
        ));
    }
    if n > 256 {
        return Err(Error::invalid(
            field,
            "max_length",
            "must be at most 256 characters",
        ));
    }
    if password.trim().is_empty() {
        return Err(Error::invalid(
            field,
            "not_blank",
            "must not be only spaces",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_is_normalised_and_checked() {
        assert_eq!(
            Email::parse("  Ann@Example.ORG ").unwrap().as_str(),
            "ann@example.org"
        );
        for bad in [
            "",
            "ann",
            "ann@",
            "@example.org",
            "ann@example",
            "a b@example.org",
            "ann@exa mple.org",
            "ann@.org",
        ] {
            let err = Email::parse(bad).unwrap_err();
            let Error::Invalid(f) = err else {
                panic!("{bad}")
            };
            assert_eq!(f.field, "email", "{bad}");
        }
        let long = format!("{}@example.org", "a".repeat(250));
        assert!(Email::parse(&long).is_err());
    }

    #[test]
    fn roles_round_trip() {
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>().unwrap(), r);
        }
        assert!("root".parse::<Role>().is_err());
    }

    #[test]
    fn password_rules() {
        assert!(check_password("password", "short").is_err());
        assert!(check_password("password", "          ").is_err());
        assert!(check_password("password", &"x".repeat(257)).is_err());
        assert!(check_password("password", "correct horse battery").is_ok());
    }
}
