//! Who may read or write what: Rapport's access rules, written once.
//!
//! Every record belongs to an [`Area`]. For a role, an area and an
//! [`Action`], [`reach`] answers how far the role reaches: nowhere, the
//! actor's own record only (a patient), or every patient of the actor's
//! clinic. The store applies the answer in its SQL (every query is scoped by
//! the actor's clinic, and to the one patient when the reach is
//! [`Reach::Own`]); the web layer asks the same table for each route's roles.
//! Nothing reaches another clinic: a record there is "not found".
//!
//! Decisions written here:
//! - Administrators run the clinic (accounts, settings, the audit log); they
//!   do not read patients' clinical records, and so do not see the caseload,
//!   which is clinical (pain, adherence, flags with their reasons).
//! - Researchers see counts without names and the programme theory, never a
//!   patient's record; every member of staff may read the theory.
//! - A patient reads their own record (details, plan, goals, reading,
//!   feedback, messages) and writes what they report themselves (forms,
//!   session logs, messages, reminder choices). The clinician's working notes
//!   (belief reviews, contacts, the theory's judgement and the caseload) are
//!   for clinicians.

use serde::Serialize;

use crate::identity::Role;

/// A kind of record, by who may see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Area {
    /// Name, birth date, contact details, record number; inviting a patient.
    PatientDetails,
    /// What the patient reports: questionnaires, session logs, messages,
    /// reminder choices.
    PatientReports,
    /// What the clinic prescribes and gives: goals, the plan and its
    /// versions, reading, feedback on logs, the red-flag clearance.
    CarePlan,
    /// The clinician's working record: belief reviews, contacts and their
    /// checklists, the theory's judgement, flags and the caseload.
    ClinicalWork,
    /// Staff accounts.
    Accounts,
    /// Time zone, monitoring thresholds, licensed wording, the mail sent.
    ClinicSettings,
    /// The clinic's own exercises and their pictures.
    ExerciseLibrary,
    AuditLog,
    /// Counts without names.
    Research,
    /// The clinic's outcomes in aggregate (no names): for whoever leads the
    /// service, the clinicians who deliver it and its researchers.
    ClinicOutcomes,
    /// The programme theory and its map (no patient data).
    Theory,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Read,
    Write,
}

/// How far a role reaches into an area.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reach {
    None,
    /// The actor's own patient record only.
    Own,
    /// Every patient of the actor's clinic (or the clinic itself).
    Clinic,
}

/// The access table.
pub fn reach(role: Role, area: Area, action: Action) -> Reach {
    use Action::*;
    use Area::*;
    match (role, area, action) {
        (Role::Clinician, PatientDetails | PatientReports | CarePlan | ClinicalWork, _) => {
            Reach::Clinic
        }
        (Role::Clinician, ClinicSettings, Read) => Reach::Clinic,
        (Role::Clinician | Role::Admin | Role::Researcher, Theory, Read) => Reach::Clinic,
        (Role::Clinician | Role::Admin, ExerciseLibrary, _) => Reach::Clinic,
        (Role::Patient, PatientDetails | CarePlan, Read) => Reach::Own,
        (Role::Patient, PatientReports, _) => Reach::Own,
        (Role::Admin, Accounts | ClinicSettings | AuditLog, _) => Reach::Clinic,
        (Role::Researcher, Research, Read) => Reach::Clinic,
        (Role::Clinician | Role::Admin | Role::Researcher, ClinicOutcomes, Read) => Reach::Clinic,
        _ => Reach::None,
    }
}

/// Whether `role` may do `action` in `area` at all.
pub fn allowed(role: Role, area: Area, action: Action) -> bool {
    reach(role, area, action) != Reach::None
}

/// The roles that reach `area` for `action`, for a route to declare.
pub fn roles(area: Area, action: Action) -> Vec<Role> {
    Role::ALL
        .into_iter()
        .filter(|r| allowed(*r, area, action))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_clinicians_and_the_patient_reach_a_record() {
        for area in [Area::PatientDetails, Area::CarePlan, Area::PatientReports] {
            assert_eq!(reach(Role::Clinician, area, Action::Read), Reach::Clinic);
            assert_eq!(reach(Role::Patient, area, Action::Read), Reach::Own);
            assert_eq!(reach(Role::Admin, area, Action::Read), Reach::None);
            assert_eq!(reach(Role::Researcher, area, Action::Read), Reach::None);
        }
        assert_eq!(
            reach(Role::Patient, Area::ClinicalWork, Action::Read),
            Reach::None,
            "the clinician's working record is not the patient's to read"
        );
        assert_eq!(
            reach(Role::Patient, Area::CarePlan, Action::Write),
            Reach::None
        );
        assert_eq!(
            reach(Role::Patient, Area::PatientReports, Action::Write),
            Reach::Own
        );
    }

    #[test]
    fn administrators_run_the_clinic_not_its_care() {
        assert!(allowed(Role::Admin, Area::Accounts, Action::Write));
        assert!(allowed(Role::Admin, Area::AuditLog, Action::Read));
        assert!(!allowed(Role::Admin, Area::ClinicalWork, Action::Read));
        assert_eq!(roles(Area::ClinicalWork, Action::Read), [Role::Clinician]);
        assert_eq!(roles(Area::AuditLog, Action::Read), [Role::Admin]);
    }
}
