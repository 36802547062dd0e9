//! A patient's identifying record, and the rules for creating and editing it.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::identity::{ClinicId, Email, PatientId};
use crate::{Error, Result};

pub const NAME_MAX: usize = 100;
pub const PHONE_MAX: usize = 32;
pub const EXTERNAL_REF_MAX: usize = 64;
/// The longest search for patients: room for a full name and a record number,
/// far below what the database's pattern matching refuses.
pub const SEARCH_MAX: usize = 200;

/// What a clinician typed to find patients by name or record number (the
/// field is `q` on the API and the pages): trimmed, `None` when empty.
pub fn search_text(raw: Option<&str>) -> Result<Option<String>> {
    // Counted before trimming, as the API document states it.
    if raw.is_some_and(|s| s.chars().count() > SEARCH_MAX) {
        return Err(Error::invalid(
            "q",
            "max_length",
            format!("must be at most {SEARCH_MAX} characters"),
        ));
    }
    optional(raw)
        .map(|s| short_text("q", s, SEARCH_MAX))
        .transpose()
}

/// The validated, identifying part of a patient record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatientDetails {
    pub given_name: String,
    pub family_name: String,
    pub birth_date: Date,
    pub email: Option<Email>,
    pub phone: Option<String>,
    /// The clinic's own record number, if it has one.
    pub external_ref: Option<String>,
}

/// A stored patient record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Patient {
    pub id: PatientId,
    pub clinic_id: ClinicId,
    #[serde(flatten)]
    pub details: PatientDetails,
    pub created_at: jiff::Timestamp,
    pub updated_at: jiff::Timestamp,
}

impl Patient {
    pub fn display_name(&self) -> String {
        format!("{} {}", self.details.given_name, self.details.family_name)
    }
}

/// Raw input for a patient, as typed into a form or sent to the API. Every
/// field is text so that the error can name the field and say what is wrong.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PatientInput {
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub birth_date: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub external_ref: Option<String>,
}

impl PatientInput {
    /// Validate a whole new record. `today` bounds the birth date; it is an
    /// argument so that the rule stays pure.
    pub fn validate(&self, today: Date) -> Result<PatientDetails> {
        Ok(PatientDetails {
            given_name: name("given_name", self.given_name.as_deref())?,
            family_name: name("family_name", self.family_name.as_deref())?,
            birth_date: birth_date(self.birth_date.as_deref(), today)?,
            email: optional(self.email.as_deref())
                .map(|e| Email::parse_field("email", e))
                .transpose()?,
            phone: optional(self.phone.as_deref()).map(phone).transpose()?,
            external_ref: optional(self.external_ref.as_deref())
                .map(|r| short_text("external_ref", r, EXTERNAL_REF_MAX))
                .transpose()?,
        })
    }

    /// Apply this input as a partial edit: fields that are `None` keep their
    /// value; an empty string clears an optional field.
    pub fn apply_to(&self, current: &PatientDetails, today: Date) -> Result<PatientDetails> {
        let merged = PatientInput {
            given_name: Some(
                self.given_name
                    .clone()
                    .unwrap_or_else(|| current.given_name.clone()),
            ),
            family_name: Some(
                self.family_name
                    .clone()
                    .unwrap_or_else(|| current.family_name.clone()),
            ),
            birth_date: Some(
                self.birth_date
                    .clone()
                    .unwrap_or_else(|| current.birth_date.to_string()),
            ),
            email: self
                .email
                .clone()
                .or_else(|| current.email.as_ref().map(|e| e.to_string())),
            phone: self.phone.clone().or_else(|| current.phone.clone()),
            external_ref: self
                .external_ref
                .clone()
                .or_else(|| current.external_ref.clone()),
        };
        merged.validate(today)
    }
}

fn optional(v: Option<&str>) -> Option<&str> {
    v.map(str::trim).filter(|s| !s.is_empty())
}

fn short_text(field: &str, raw: &str, max: usize) -> Result<String> {
    let s = raw.trim();
    if s.chars().count() > max {
        return Err(Error::invalid(
            field,
            "max_length",
            format!("must be at most {max} characters"),
        ));
    }
    if s.chars().any(char::is_control) {
        return Err(Error::invalid(
            field,
            "no_control_characters",
            "must not contain control characters",
        ));
    }
    Ok(s.to_string())
}

fn name(field: &str, raw: Option<&str>) -> Result<String> {
    let Some(s) = optional(raw) else {
        return Err(Error::invalid(field, "required", "is required"));
    };
    short_text(field, s, NAME_MAX)
}

fn phone(raw: &str) -> Result<String> {
    let s = short_text("phone", raw, PHONE_MAX)?;
    let ok = s
        .chars()
        .all(|c| c.is_ascii_digit() || " +-().".contains(c))
        && s.chars().any(|c| c.is_ascii_digit());
    if !ok {
        return Err(Error::invalid(
            "phone",
            "phone",
            "may hold only digits, spaces and + - ( ) .",
        ));
    }
    Ok(s)
}

fn birth_date(raw: Option<&str>, today: Date) -> Result<Date> {
    let Some(s) = optional(raw) else {
        return Err(Error::invalid("birth_date", "required", "is required"));
    };
    // Only the plain calendar form: other forms parse ambiguously across locales.
    let well_formed = s.len() == 10 && s.as_bytes()[4] == b'-' && s.as_bytes()[7] == b'-';
    let date: Date = well_formed
        .then(|| s.parse().ok())
        .flatten()
        .ok_or_else(|| Error::invalid("birth_date", "date", "must be a date written YYYY-MM-DD"))?;
    if date > today {
        return Err(Error::invalid(
            "birth_date",
            "not_in_future",
            "must not be in the future",
        ));
    }
    if date.year() < 1900 {
        return Err(Error::invalid(
            "birth_date",
            "min",
            "must be in 1900 or later",
        ));
    }
    Ok(date)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn input() -> PatientInput {
        PatientInput {
            given_name: Some(" Kari ".into()),
            family_name: Some("Nordmann".into()),
            birth_date: Some("1970-03-14".into()),
            email: Some("Kari@Example.no".into()),
            ..Default::default()
        }
    }

    fn field_of(e: Error) -> (String, String) {
        match e {
            Error::Invalid(f) => (f.field, f.rule),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn searches_are_trimmed_and_bounded() {
        assert_eq!(search_text(None).unwrap(), None);
        assert_eq!(search_text(Some("  ")).unwrap(), None);
        assert_eq!(search_text(Some(" Nord ")).unwrap(), Some("Nord".into()));
        let long = "_".repeat(SEARCH_MAX + 1);
        assert_eq!(
            field_of(search_text(Some(&long)).unwrap_err()),
            ("q".into(), "max_length".into())
        );
        assert!(search_text(Some(&"é".repeat(SEARCH_MAX))).is_ok());
    }

    #[test]
    fn valid_input_is_trimmed_and_normalised() {
        let d = input().validate(date(2026, 11, 21)).unwrap();
        assert_eq!(d.given_name, "Kari");
        assert_eq!(d.birth_date, date(1970, 3, 14));
        assert_eq!(d.email.unwrap().as_str(), "kari@example.no");
        assert_eq!(d.phone, None);
    }

    #[test]
    fn each_rule_names_its_field() {
        let today = date(2026, 11, 21);
        let cases: Vec<(PatientInput, &str, &str)> = vec![
            (
                PatientInput {
                    given_name: None,
                    ..input()
                },
                "given_name",
                "required",
            ),
            (
                PatientInput {
                    family_name: Some("  ".into()),
                    ..input()
                },
                "family_name",
                "required",
            ),
            (
                PatientInput {
                    family_name: Some("x".repeat(101)),
                    ..input()
                },
                "family_name",
                "max_length",
            ),
            (
                PatientInput {
                    birth_date: Some("14.03.1970".into()),
                    ..input()
                },
                "birth_date",
                "date",
            ),
            (
                PatientInput {
                    birth_date: Some("1970-02-30".into()),
                    ..input()
                },
                "birth_date",
                "date",
            ),
            (
                PatientInput {
                    birth_date: Some("2027-01-01".into()),
                    ..input()
                },
                "birth_date",
                "not_in_future",
            ),
            (
                PatientInput {
                    birth_date: Some("1850-01-01".into()),
                    ..input()
                },
                "birth_date",
                "min",
            ),
            (
                PatientInput {
                    email: Some("kari".into()),
                    ..input()
                },
                "email",
                "email",
            ),
            (
                PatientInput {
                    phone: Some("call me".into()),
                    ..input()
                },
                "phone",
                "phone",
            ),
            (
                PatientInput {
                    given_name: Some("Ka\u{7}ri".into()),
                    ..input()
                },
                "given_name",
                "no_control_characters",
            ),
        ];
        for (inp, field, rule) in cases {
            assert_eq!(
                field_of(inp.validate(today).unwrap_err()),
                (field.to_string(), rule.to_string())
            );
        }
    }

    #[test]
    fn partial_edit_keeps_and_clears() {
        let today = date(2026, 11, 21);
        let current = input().validate(today).unwrap();
        let edit = PatientInput {
            family_name: Some("Hansen".into()),
            email: Some(String::new()),
            ..Default::default()
        };
        let next = edit.apply_to(&current, today).unwrap();
        assert_eq!(next.family_name, "Hansen");
        assert_eq!(next.given_name, "Kari");
        assert_eq!(next.email, None);
    }
}
