use rapport_domain::access::{self, Action, Area, Reach};
use rapport_domain::identity::{ClinicId, PatientId, Role, UserId};

use crate::{Result, StoreError};

/// Who is asking, established by authentication. Every patient-data function
/// of the store takes one and scopes its SQL by it; it is also what the audit
/// log records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// `None` for work done by an operator at the command line.
    pub user_id: Option<UserId>,
    pub clinic_id: ClinicId,
    pub role: Role,
    /// The one patient record a patient account may see.
    pub patient_id: Option<PatientId>,
    /// The client's network address, for the audit log.
    pub address: Option<String>,
}

impl Actor {
    /// An operator acting from the command line on one clinic (e.g. loading
    /// demo data). Audited with no user id.
    pub fn operator(clinic_id: ClinicId, role: Role) -> Actor {
        Actor {
            user_id: None,
            clinic_id,
            role,
            patient_id: None,
            address: Some("cli".into()),
        }
    }

    pub fn with_address(mut self, address: Option<String>) -> Actor {
        self.address = address;
        self
    }

    pub(crate) fn user_id_raw(&self) -> Option<i64> {
        self.user_id.map(|u| u.0)
    }

    /// How far this actor reaches into `area` (the domain's access table).
    pub fn reach(&self, area: Area, action: Action) -> Reach {
        access::reach(self.role, area, action)
    }

    /// Refuses an actor that does not reach `area` at all.
    pub fn require(&self, area: Area, action: Action) -> Result<()> {
        match self.reach(area, action) {
            Reach::None => Err(StoreError::Forbidden),
            Reach::Own | Reach::Clinic => Ok(()),
        }
    }

    /// The patients whose records of `area` this actor may touch: the
    /// clinic's, or for an own-record reach only their patient (an account
    /// without one matches no row).
    pub(crate) fn scope(&self, area: Area, action: Action) -> Result<ReadScope> {
        match self.reach(area, action) {
            Reach::None => Err(StoreError::Forbidden),
            Reach::Clinic => Ok(ReadScope {
                clinic: self.clinic_id.0,
                only: None,
            }),
            Reach::Own => Ok(ReadScope {
                clinic: self.clinic_id.0,
                only: Some(self.patient_id.map_or(-1, |p| p.0)),
            }),
        }
    }

    /// For one patient's record of `area`: refused for a role that does not
    /// reach it; "not found" for another patient's record when the reach is
    /// the actor's own, so that its existence is not revealed.
    pub(crate) fn require_for(&self, patient: PatientId, area: Area, action: Action) -> Result<()> {
        match self.reach(area, action) {
            Reach::None => Err(StoreError::Forbidden),
            Reach::Clinic => Ok(()),
            Reach::Own if self.patient_id == Some(patient) => Ok(()),
            Reach::Own => Err(StoreError::NotFound),
        }
    }
}

/// The slice of patients an actor may read: their clinic, and for a patient
/// account their own record only.
pub(crate) struct ReadScope {
    pub clinic: i64,
    pub only: Option<i64>,
}
