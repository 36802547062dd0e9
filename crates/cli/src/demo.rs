//! `serve --demo`: a small demo clinic, loaded once, with known logins.

use anyhow::Result;
use jiff::civil::date;
use rapport_domain::identity::{ClinicId, Email, Role};
use rapport_domain::patient::PatientDetails;
use rapport_store::{NewUser, Store};

const DEMO_KEY: &str = "demo_clinic_id";

/// (e-mail, password, role, name). Known passwords: this is demo data and
/// must never be loaded into a database that holds real patients.
const ACCOUNTS: &[(&str, &str, Role, &str)] = &[
    (
        "admin@demo.example",
        "demo-admin-pass",
        Role::Admin,
        "Demo Administrator",
    ),
    (
        "anna.berg@demo.example",
        "demo-clinician-pass",
        Role::Clinician,
        "Anna Berg",
    ),
    (
        "jonas.lie@demo.example",
        "demo-clinician-pass",
        Role::Clinician,
        "Jonas Lie",
    ),
    (
        "researcher@demo.example",
        "demo-researcher-pass",
        Role::Researcher,
        "Demo Researcher",
    ),
];
const PATIENT_LOGIN: (&str, &str) = ("kari.nordmann@demo.example", "demo-patient-pass");

/// (given, family, birth date as (year, month, day), record number)
type DemoPatient = (&'static str, &'static str, (i16, i8, i8), &'static str);

const PATIENTS: &[DemoPatient] = &[
    ("Kari", "Nordmann", (1971, 3, 14), "D-1001"),
    ("Per", "Hansen", (1958, 11, 2), "D-1002"),
    ("Ingrid", "Solberg", (1985, 6, 23), "D-1003"),
    ("Ahmed", "Karimi", (1979, 1, 9), "D-1004"),
    ("Lise", "Johansen", (1992, 9, 30), "D-1005"),
    ("Tor", "Bakke", (1966, 4, 18), "D-1006"),
];

pub struct DemoLogins {
    pub created: bool,
    pub clinic: ClinicId,
}

impl DemoLogins {
    pub fn print(&self) -> anyhow::Result<()> {
        let what = if self.created {
            "Loaded"
        } else {
            "Using the earlier"
        };
        outln!("{what} demo clinic (id {}). Demo logins:", self.clinic)?;
        for (email, password, role, _) in ACCOUNTS {
            outln!("  {:<10} {email:<28} {password}", role.as_str())?;
        }
        outln!(
            "  {:<10} {:<28} {}",
            "patient",
            PATIENT_LOGIN.0,
            PATIENT_LOGIN.1
        )?;
        Ok(())
    }
}

/// Loads the demo clinic unless this database already has it.
pub async fn ensure(store: &Store) -> Result<DemoLogins> {
    if let Some(id) = store.setting_get(DEMO_KEY).await? {
        return Ok(DemoLogins {
            created: false,
            clinic: ClinicId(id.parse()?),
        });
    }
    let clinic = store.clinic_create("Rapport Demo Clinic").await?;
    // Claim first, so that two servers starting at once load it only once.
    if !store
        .setting_claim(DEMO_KEY, &clinic.id.to_string())
        .await?
    {
        let id = store.setting_get(DEMO_KEY).await?.unwrap_or_default();
        return Ok(DemoLogins {
            created: false,
            clinic: ClinicId(id.parse()?),
        });
    }
    let mut clinician = None;
    for (email, password, role, name) in ACCOUNTS {
        let user = store
            .user_create(&NewUser {
                clinic_id: clinic.id,
                role: *role,
                email: Email::parse(email)?,
                display_name: (*name).to_string(),
                password_hash: hash(password).await?,
                patient_id: None,
            })
            .await?;
        if *role == Role::Clinician && clinician.is_none() {
            clinician = Some(user);
        }
    }
    let clinician = clinician.ok_or_else(|| anyhow::anyhow!("demo has no clinician"))?;
    let actor = clinician.actor(Some("demo".into()));
    for (i, (given, family, (y, m, d), reference)) in PATIENTS.iter().enumerate() {
        let email = (i == 0)
            .then(|| Email::parse(PATIENT_LOGIN.0))
            .transpose()?;
        let created = store
            .patient_create(
                &actor,
                &PatientDetails {
                    given_name: (*given).into(),
                    family_name: (*family).into(),
                    birth_date: date(*y, *m, *d),
                    email,
                    phone: None,
                    external_ref: Some((*reference).into()),
                },
            )
            .await?;
        // Each patient was referred a few days apart; their episodes are open.
        let days_ago = i64::try_from(i).unwrap_or(0) * 3;
        let opened = jiff::Zoned::now()
            .date()
            .checked_sub(jiff::Span::new().days(days_ago))
            .unwrap_or(jiff::Zoned::now().date());
        store.episode_open(&actor, created.value.id, opened).await?;
        if i == 0 {
            store
                .user_create(&NewUser {
                    clinic_id: clinic.id,
                    role: Role::Patient,
                    email: Email::parse(PATIENT_LOGIN.0)?,
                    display_name: format!("{given} {family}"),
                    password_hash: hash(PATIENT_LOGIN.1).await?,
                    patient_id: Some(created.value.id),
                })
                .await?;
        }
    }
    Ok(DemoLogins {
        created: true,
        clinic: clinic.id,
    })
}

async fn hash(password: &str) -> Result<String> {
    Ok(rapport_care::accounts::hash_password(password.to_string()).await?)
}
