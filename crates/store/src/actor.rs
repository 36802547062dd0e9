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

    /// Clinical records are read and written by clinicians only.
    pub(crate) fn require_clinician(&self) -> Result<()> {
        if self.role == Role::Clinician {
            Ok(())
        } else {
            Err(StoreError::Forbidden)
        }
    }

    pub(crate) fn require_admin(&self) -> Result<()> {
        if self.role == Role::Admin {
            Ok(())
        } else {
            Err(StoreError::Forbidden)
        }
    }
}
