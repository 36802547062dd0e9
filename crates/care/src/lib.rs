//! Rapport's use cases, between the adapters (`web`, `cli`) and the
//! `store`: one patient's whole record, judged by the programme theory the
//! same way for every view; the caseload and the nightly triage; accounts.
//!
//! The adapters translate requests and arguments and render answers; they
//! do not assemble clinical data. The rules themselves stay in the domain:
//! this layer reads the record once, hands it to the domain's one mapping
//! ([`rapport_domain::record::EpisodeRecord::theory_episode`]) and rules, and
//! gives every view the same answer.

pub mod accounts;
pub mod caseload;
pub mod chart;
pub mod clock;
pub mod contacts;
mod error;
pub mod forms;
pub mod judgement;
pub mod outcomes;
pub mod self_management;
pub mod triage;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use rapport_domain::education::Library as EducationLibrary;
use rapport_domain::exercise::{Exercise, Library};
use rapport_domain::identity::ClinicId;
use rapport_domain::theory::KnowledgeBase;
use rapport_store::Store;

pub use error::{CareError, Result};

/// The use cases of one running Rapport: its store, the programme theory
/// in use and the built-in libraries. Cheap to clone.
#[derive(Clone)]
pub struct Care {
    pub store: Store,
    /// The programme theory every suggestion comes from.
    pub theory: Arc<KnowledgeBase>,
    pub education: Arc<EducationLibrary>,
    /// The built-in exercise library; each clinic adds its own exercises to it.
    pub exercises: Arc<Library>,
    /// Each clinic's library as last built, with the exercises it was built
    /// from: the same copy while they are unchanged, so that judgements made
    /// with it can be reused ([`caseload::Judged`]).
    own_libraries: Arc<Mutex<HashMap<ClinicId, OwnLibrary>>>,
    /// Caseload rows judged earlier, reused while nothing they were judged
    /// from has changed.
    judged: caseload::Judged,
}

/// A clinic's own exercises and the library built with them.
type OwnLibrary = (Vec<Exercise>, Arc<Library>);

/// Each clinic's exercise library, for runs over every clinic.
pub struct Libraries {
    builtin: Arc<Library>,
    own: HashMap<ClinicId, Library>,
}

impl Libraries {
    /// The library of `clinic`: the built-in exercises and its own.
    pub fn of(&self, clinic: ClinicId) -> &Library {
        self.own.get(&clinic).unwrap_or(&self.builtin)
    }
}

impl Care {
    pub fn new(store: Store, theory: KnowledgeBase) -> Result<Care> {
        Ok(Care {
            store,
            theory: Arc::new(theory),
            education: Arc::new(EducationLibrary::builtin()?),
            exercises: Arc::new(Library::builtin()?),
            own_libraries: Arc::default(),
            judged: caseload::Judged::new(),
        })
    }

    /// Now on the clinical clock ([`clock::now`]).
    pub fn now(&self) -> jiff::Timestamp {
        clock::now()
    }

    /// The exercise library of one clinic: the built-in exercises and its
    /// own. A clinic without exercises of its own shares the built-in
    /// library rather than copying it on every request.
    pub async fn library(&self, clinic: ClinicId) -> Result<Arc<Library>> {
        let own = self.store.clinic_exercises(clinic).await?;
        if own.is_empty() {
            return Ok(Arc::clone(&self.exercises));
        }
        let mut built = self.own_libraries.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((from, library)) = built.get(&clinic)
            && *from == own
        {
            return Ok(Arc::clone(library));
        }
        let library = Arc::new(self.exercises.with(own.clone())?);
        built.insert(clinic, (own, Arc::clone(&library)));
        Ok(library)
    }

    /// Every clinic's library (or one clinic's). A clinic whose own
    /// exercises no longer join the built-in library is reported and judged
    /// with the built-in one, so that a night's run still covers it.
    pub async fn libraries(&self, clinic: Option<ClinicId>) -> Result<Libraries> {
        let clinics = match clinic {
            Some(c) => vec![c],
            None => self
                .store
                .clinics_list()
                .await?
                .into_iter()
                .map(|c| c.id)
                .collect(),
        };
        let mut own = HashMap::new();
        for c in clinics {
            let exercises = self.store.clinic_exercises(c).await?;
            if exercises.is_empty() {
                continue;
            }
            match self.exercises.with(exercises) {
                Ok(lib) => {
                    own.insert(c, lib);
                }
                Err(e) => tracing::warn!(
                    clinic = c.0,
                    error = %e,
                    "the clinic's exercises do not join the library; the built-in one is used"
                ),
            }
        }
        Ok(Libraries {
            builtin: Arc::clone(&self.exercises),
            own,
        })
    }
}
