//! The exercise library: the built-in file loads and its chains are sound;
//! broken libraries are refused naming the exercise and field; clinic
//! exercises from a form; exercises imported from wger.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test binary: a failed set-up should stop the test

use std::collections::{BTreeMap, BTreeSet};

use rapport_domain::Error;
use rapport_domain::assessment::intake::{Equipment, ExerciseKind, Setting};
use rapport_domain::exercise::library::{BUILTIN_NAME, BUILTIN_TOML};
use rapport_domain::exercise::wger;
use rapport_domain::exercise::{
    Category, Exercise, ExerciseInput, FearedMovement, Library, Source, Target, Task, problems,
};

fn builtin() -> Library {
    Library::builtin().expect("the built-in library loads")
}

// ---------------------------------------------------------------------------
// The built-in library

#[test]
fn the_builtin_library_loads_with_at_least_60_exercises() {
    let lib = builtin();
    assert!(!lib.version().is_empty());
    assert!(lib.len() >= 60, "only {} exercises", lib.len());
    assert!(lib.all().iter().all(|e| e.source == Source::Rapport));
    assert!(problems(lib.all()).is_empty());
}

#[test]
fn every_category_is_present() {
    let lib = builtin();
    for c in Category::ALL {
        let n = lib.by_category(*c).count();
        assert!(n >= 5, "{c}: only {n} exercises");
    }
}

#[test]
fn ids_are_stable_slugs_with_their_category_prefix() {
    let lib = builtin();
    for e in lib.all() {
        assert!(
            e.id.starts_with(e.category.id_prefix()),
            "{} lacks prefix {}",
            e.id,
            e.category.id_prefix()
        );
        assert!(
            e.id.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
            "{}",
            e.id
        );
    }
}

#[test]
fn every_exercise_is_fully_described() {
    for e in builtin().all() {
        assert!(!e.name.is_empty() && !e.targets.is_empty() && !e.settings.is_empty());
        assert!(
            (3..=6).contains(&e.instructions.len()),
            "{}: {} steps",
            e.id,
            e.instructions.len()
        );
        for step in &e.instructions {
            assert!(step.len() <= 120, "{}: step too long: {step}", e.id);
            assert!(
                step.ends_with('.') || step.ends_with('?'),
                "{}: {step}",
                e.id
            );
        }
        assert!(!e.cautions.is_empty(), "{}: no cautions", e.id);
        assert!((1..=5).contains(&e.level));
        assert!(e.seconds_per_set > 0);
        assert!(e.dose.load.is_some(), "{}: no load", e.id);
        assert!(e.dose.intensity.is_some(), "{}: no intensity", e.id);
        if e.category != Category::GradedExposure {
            assert!(!e.kinds.is_empty(), "{}: no kinds", e.id);
        }
        if let Some(m) = e.dose.duration_minutes {
            assert_eq!(u32::from(e.seconds_per_set), u32::from(m) * 60, "{}", e.id);
        }
    }
}

#[test]
fn chains_are_sound() {
    let lib = builtin();
    let all = lib.all();
    let ids: BTreeSet<&str> = all.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids.len(), all.len(), "ids are unique");
    for e in all {
        if let Some(h) = &e.harder {
            let b = lib
                .get(h)
                .unwrap_or_else(|| panic!("{}: dangling harder {h}", e.id));
            assert_eq!(b.easier.as_deref(), Some(e.id.as_str()), "{} <-> {h}", e.id);
            assert!(b.level > e.level, "{} -> {h}: level must rise", e.id);
        }
        if let Some(s) = &e.easier {
            let a = lib
                .get(s)
                .unwrap_or_else(|| panic!("{}: dangling easier {s}", e.id));
            assert_eq!(a.harder.as_deref(), Some(e.id.as_str()), "{s} <-> {}", e.id);
        }
        // No cycles: following `harder` ends within as many steps as there
        // are exercises.
        let mut at = e;
        for _ in 0..=all.len() {
            match lib.harder(&at.id) {
                Some(h) => {
                    assert_ne!(h.id, e.id, "cycle through {}", e.id);
                    at = h;
                }
                None => break,
            }
        }
        assert!(lib.harder(&at.id).is_none(), "no end from {}", e.id);
    }

    // The chains cover every exercise exactly once.
    let chains = lib.chains();
    let mut seen = BTreeSet::new();
    for chain in &chains {
        assert!(chain.len() <= 5);
        for w in chain.windows(2) {
            assert!(w[1].level > w[0].level);
        }
        for e in chain {
            assert!(seen.insert(e.id.as_str()), "{} in two chains", e.id);
        }
    }
    assert_eq!(seen.len(), all.len());
    let linked = chains.iter().filter(|c| c.len() >= 2).count();
    assert!(linked >= 30, "only {linked} chains of 2 or more");
}

#[test]
fn each_feared_movement_has_a_graded_chain_from_level_one() {
    let lib = builtin();
    for m in FearedMovement::ALL {
        let start = lib
            .by_category(Category::GradedExposure)
            .find(|e| e.feared_movement == Some(*m) && e.easier.is_none())
            .unwrap_or_else(|| panic!("no chain for {m}"));
        let chain = lib.chain(&start.id);
        assert_eq!(chain[0].level, 1, "{m}");
        assert!(chain.len() >= 4, "{m}: {} steps", chain.len());
        assert!(chain.iter().all(|e| e.feared_movement == Some(*m)));
        assert!(
            chain[0].equipment.is_empty(),
            "{m}: first step needs nothing"
        );
    }
    for e in lib.by_category(Category::GradedExposure) {
        assert!(e.feared_movement.is_some(), "{}", e.id);
    }
    for e in lib.all() {
        if e.category != Category::GradedExposure {
            assert!(e.feared_movement.is_none(), "{}", e.id);
        }
    }
}

#[test]
fn short_equipment_free_home_options_exist_at_levels_1_and_2() {
    let lib = builtin();
    let short_free = |e: &&Exercise| {
        e.equipment.is_empty()
            && e.level <= 2
            && e.settings.contains(&Setting::Home)
            && e.minutes_per_session() <= 5.0
    };
    for c in [
        Category::MotorControl,
        Category::Mobility,
        Category::GradedExposure,
    ] {
        let n = lib.by_category(c).filter(short_free).count();
        assert!(
            n >= 3,
            "{c}: {n} short equipment-free options at levels 1-2"
        );
    }
    assert!(lib.all().iter().filter(short_free).count() >= 40);
}

#[test]
fn aerobic_programmes_add_time_step_by_step() {
    let lib = builtin();
    for (start, kind, equipment) in [
        ("ae-walk-10", ExerciseKind::Walking, None),
        ("ae-cycle-10", ExerciseKind::Cycling, Some(Equipment::Bike)),
        (
            "ae-water-walking",
            ExerciseKind::Swimming,
            Some(Equipment::Pool),
        ),
    ] {
        let chain = lib.chain(start);
        assert_eq!(chain[0].id, start);
        assert!(chain.len() >= 3, "{start}");
        let minutes: Vec<u16> = chain
            .iter()
            .map(|e| e.dose.duration_minutes.expect("timed"))
            .collect();
        assert!(
            minutes.windows(2).all(|w| w[1] >= w[0]),
            "{start}: {minutes:?}"
        );
        assert!(minutes.first() < minutes.last(), "{start}: {minutes:?}");
        for e in &chain {
            assert!(e.kinds.contains(&kind), "{}", e.id);
            assert_eq!(e.equipment.first().copied(), equipment, "{}", e.id);
        }
    }
}

#[test]
fn functional_tasks_and_preferred_kinds_are_covered() {
    let lib = builtin();
    let tasks: BTreeSet<Task> = lib
        .by_category(Category::Functional)
        .flat_map(|e| e.tasks.iter().copied())
        .collect();
    for t in [
        Task::Lifting,
        Task::Bending,
        Task::Carrying,
        Task::SitToStand,
    ] {
        assert!(tasks.contains(&t), "no functional exercise for {t}");
    }
    assert!(
        lib.by_category(Category::Functional)
            .all(|e| !e.tasks.is_empty())
    );
    let kinds: BTreeSet<ExerciseKind> = lib.all().iter().flat_map(|e| e.kinds.clone()).collect();
    for k in [
        ExerciseKind::Walking,
        ExerciseKind::Cycling,
        ExerciseKind::Swimming,
        ExerciseKind::Strength,
        ExerciseKind::Pilates,
        ExerciseKind::Yoga,
        ExerciseKind::Stretching,
    ] {
        assert!(kinds.contains(&k), "no exercise of kind {k}");
    }
    let targets: BTreeSet<Target> = lib.all().iter().flat_map(|e| e.targets.clone()).collect();
    assert_eq!(targets.len(), Target::ALL.len(), "every target is trained");
    let strengthening: BTreeSet<Target> = lib
        .by_category(Category::Strengthening)
        .flat_map(|e| e.targets.clone())
        .collect();
    for t in [
        Target::Glutes,
        Target::Hips,
        Target::TrunkExtensors,
        Target::Obliques,
    ] {
        assert!(strengthening.contains(&t), "strengthening lacks {t}");
    }
}

#[test]
fn chains_walk_both_ways() {
    let lib = builtin();
    let ids = |chain: Vec<&Exercise>| chain.iter().map(|e| e.id.clone()).collect::<Vec<_>>();
    let walk = [
        "ae-walk-10",
        "ae-walk-20",
        "ae-walk-30-brisk",
        "ae-walk-45-hills",
    ];
    // From any step, the same chain, easiest first.
    for id in walk {
        assert_eq!(ids(lib.chain(id)), walk);
    }
    assert_eq!(
        lib.harder("ae-walk-20").map(|e| e.id.as_str()),
        Some("ae-walk-30-brisk")
    );
    assert_eq!(
        lib.easier("ae-walk-20").map(|e| e.id.as_str()),
        Some("ae-walk-10")
    );
    assert!(lib.easier("ae-walk-10").is_none());
    assert!(lib.harder("ae-walk-45-hills").is_none());
    assert_eq!(ids(lib.chain("mo-side-bend")), ["mo-side-bend"]);
    assert!(lib.chain("no-such-exercise").is_empty());
    assert!(lib.easier("no-such-exercise").is_none());
    assert!(matches!(
        lib.require("no-such-exercise"),
        Err(Error::Unknown {
            kind: "exercise",
            ..
        })
    ));

    // Walking the harder links from the start and the easier links from the
    // end give the same steps.
    for chain in lib.chains() {
        let mut back = vec![chain[chain.len() - 1]];
        while let Some(e) = lib.easier(&back[back.len() - 1].id) {
            back.push(e);
        }
        back.reverse();
        assert_eq!(ids(back), ids(chain));
    }
}

// ---------------------------------------------------------------------------
// Broken libraries are refused, naming the exercise and the field

fn exercise(id: &str, level: u8) -> Exercise {
    let mut e = builtin().get("mc-pelvic-tilt").expect("exists").clone();
    e.id = id.to_string();
    e.level = level;
    e.easier = None;
    e.harder = None;
    e
}

fn link(a: &mut Exercise, b: &mut Exercise) {
    a.harder = Some(b.id.clone());
    b.easier = Some(a.id.clone());
}

/// The library is refused; the message and the problems name `field` and
/// `rule`.
fn refused(exercises: Vec<Exercise>, field: &str, rule: &str) {
    let found: BTreeSet<(String, String)> = problems(&exercises)
        .into_iter()
        .map(|p| (p.field, p.rule))
        .collect();
    assert!(
        found.contains(&(field.to_string(), rule.to_string())),
        "{field} {rule} in {found:?}"
    );
    match Library::from_exercises(exercises) {
        Err(Error::Data { message, .. }) => {
            assert!(message.contains(field), "{message}");
            assert!(message.contains(&format!("[{rule}]")), "{message}");
        }
        other => panic!("expected a data error, got {other:?}"),
    }
}

#[test]
fn a_sound_small_library_is_accepted() {
    let (mut a, mut b, mut c) = (
        exercise("mc-a", 1),
        exercise("mc-b", 2),
        exercise("mc-c", 4),
    );
    link(&mut a, &mut b);
    link(&mut b, &mut c);
    let lib = Library::from_exercises(vec![c, a, b]).expect("sound");
    let chain: Vec<&str> = lib.chain("mc-c").iter().map(|e| e.id.as_str()).collect();
    assert_eq!(chain, ["mc-a", "mc-b", "mc-c"]);
    assert_eq!(lib.version(), "");
}

#[test]
fn a_dangling_link_is_refused() {
    let mut a = exercise("mc-a", 1);
    a.harder = Some("mc-nowhere".into());
    refused(vec![a.clone()], "exercises[mc-a].harder", "exists");
    a.harder = None;
    a.easier = Some("mc-nowhere".into());
    refused(vec![a], "exercises[mc-a].easier", "exists");
}

#[test]
fn a_one_way_or_mismatched_link_is_refused() {
    let (mut a, b) = (exercise("mc-a", 1), exercise("mc-b", 2));
    a.harder = Some("mc-b".into());
    refused(vec![a, b], "exercises[mc-a].harder", "both_ways");

    let (a, mut b) = (exercise("mc-a", 1), exercise("mc-b", 2));
    b.easier = Some("mc-a".into());
    refused(vec![a, b], "exercises[mc-b].easier", "both_ways");

    // b names c as easier, but c names a as harder.
    let (mut a, mut b, mut c) = (
        exercise("mc-a", 1),
        exercise("mc-b", 3),
        exercise("mc-c", 2),
    );
    link(&mut a, &mut b);
    c.harder = Some("mc-a".into());
    b.easier = Some("mc-c".into());
    refused(vec![a, b, c], "exercises[mc-b].easier", "both_ways");
}

#[test]
fn a_cycle_is_refused() {
    let (mut a, mut b, mut c) = (
        exercise("mc-a", 1),
        exercise("mc-b", 2),
        exercise("mc-c", 3),
    );
    link(&mut a, &mut b);
    link(&mut b, &mut c);
    link(&mut c, &mut a);
    let all = vec![a, b, c];
    refused(all.clone(), "exercises[mc-a].harder", "no_cycle");
    refused(all.clone(), "exercises[mc-c].easier", "no_cycle");
    // The link closing the loop also breaks the rising level.
    refused(all, "exercises[mc-c].harder", "level_rises");

    let mut selfish = exercise("mc-a", 1);
    selfish.harder = Some("mc-a".into());
    refused(vec![selfish], "exercises[mc-a].harder", "not_self");
}

#[test]
fn a_level_that_does_not_rise_is_refused() {
    let (mut a, mut b) = (exercise("mc-a", 3), exercise("mc-b", 3));
    link(&mut a, &mut b);
    refused(vec![a, b], "exercises[mc-a].harder", "level_rises");
    refused(vec![exercise("mc-a", 6)], "exercises[mc-a].level", "range");
    refused(vec![exercise("mc-a", 0)], "exercises[mc-a].level", "range");
}

#[test]
fn a_bad_dose_is_refused() {
    let bad = |f: fn(&mut Exercise)| {
        let mut e = exercise("mc-a", 1);
        f(&mut e);
        vec![e]
    };
    refused(
        bad(|e| e.dose.sets = 0),
        "exercises[mc-a].dose.sets",
        "range",
    );
    refused(
        bad(|e| e.dose.hold_seconds = Some(10)),
        "exercises[mc-a].dose",
        "exactly_one",
    );
    refused(
        bad(|e| e.dose.reps = None),
        "exercises[mc-a].dose",
        "exactly_one",
    );
    refused(
        bad(|e| e.dose.reps = Some(0)),
        "exercises[mc-a].dose.reps",
        "range",
    );
    refused(
        bad(|e| e.dose.per_week = 0),
        "exercises[mc-a].dose.per_week",
        "range",
    );
    refused(
        bad(|e| e.dose.per_week = 8),
        "exercises[mc-a].dose.per_week",
        "range",
    );
    refused(
        bad(|e| e.dose.weeks = 0),
        "exercises[mc-a].dose.weeks",
        "range",
    );
    refused(
        bad(|e| e.dose.weeks = 53),
        "exercises[mc-a].dose.weeks",
        "range",
    );
    refused(
        bad(|e| e.dose.rest_seconds = 601),
        "exercises[mc-a].dose.rest_seconds",
        "range",
    );
    refused(
        bad(|e| {
            e.dose.reps = None;
            e.dose.hold_seconds = Some(30);
            e.seconds_per_set = 20;
        }),
        "exercises[mc-a].seconds_per_set",
        "at_least_hold",
    );
}

#[test]
fn other_broken_records_are_refused() {
    refused(
        vec![exercise("mc-a", 1), exercise("mc-a", 2)],
        "exercises[mc-a].id",
        "unique",
    );
    let bad = |f: fn(&mut Exercise)| {
        let mut e = exercise("mc-a", 1);
        f(&mut e);
        vec![e]
    };
    refused(
        bad(|e| e.name = " ".into()),
        "exercises[mc-a].name",
        "required",
    );
    refused(
        bad(|e| e.targets.clear()),
        "exercises[mc-a].targets",
        "required",
    );
    refused(
        bad(|e| e.settings.clear()),
        "exercises[mc-a].settings",
        "required",
    );
    refused(
        bad(|e| e.instructions.clear()),
        "exercises[mc-a].instructions",
        "required",
    );
    refused(
        bad(|e| e.instructions[1] = String::new()),
        "exercises[mc-a].instructions[1]",
        "required",
    );
    refused(
        bad(|e| e.category = Category::Yoga),
        "exercises[mc-a].id",
        "category_prefix",
    );
    refused(
        bad(|e| e.feared_movement = Some(FearedMovement::Bending)),
        "exercises[mc-a].feared_movement",
        "only_graded_exposure",
    );
    let mut ge = exercise("ge-a", 1);
    ge.category = Category::GradedExposure;
    refused(vec![ge], "exercises[ge-a].feared_movement", "required");
    let mut f = exercise("fn-a", 1);
    f.category = Category::Functional;
    refused(vec![f], "exercises[fn-a].tasks", "required");

    // Graded exposure chains keep to one feared movement.
    let (mut a, mut b) = (exercise("ge-a", 1), exercise("ge-b", 2));
    for (e, m) in [
        (&mut a, FearedMovement::Bending),
        (&mut b, FearedMovement::Lifting),
    ] {
        e.category = Category::GradedExposure;
        e.feared_movement = Some(m);
    }
    link(&mut a, &mut b);
    refused(vec![a, b], "exercises[ge-a].harder", "same_feared_movement");
}

#[test]
fn a_broken_file_is_refused_with_its_name() {
    // The built-in file with one link broken.
    let broken = BUILTIN_TOML.replacen(
        "harder = \"mc-brace-heel-slide\"",
        "harder = \"mc-brace-heel-slid\"",
        1,
    );
    assert_ne!(broken, BUILTIN_TOML);
    match Library::from_toml_named(BUILTIN_NAME, &broken) {
        Err(Error::Data {
            source_name,
            message,
        }) => {
            assert_eq!(source_name, BUILTIN_NAME);
            assert!(
                message.contains("exercises[mc-abdominal-brace].harder"),
                "{message}"
            );
            assert!(
                message.contains("exercises[mc-brace-heel-slide].easier"),
                "{message}"
            );
        }
        other => panic!("expected a data error, got {other:?}"),
    }
    // An unknown field, a missing version, bad TOML.
    let unknown = BUILTIN_TOML.replacen("level = 1", "level = 1\ncolour = \"red\"", 1);
    assert!(
        matches!(Library::from_toml(&unknown), Err(Error::Data { message, .. }) if message.contains("colour"))
    );
    let unversioned = BUILTIN_TOML.replacen("version = \"1\"", "version = \" \"", 1);
    assert!(
        matches!(Library::from_toml(&unversioned), Err(Error::Data { message, .. }) if message.contains("version"))
    );
    assert!(Library::from_toml("version = ").is_err());
    let empty = Library::from_toml("version = \"0\"").expect("an empty library");
    assert!(empty.is_empty());
}

// ---------------------------------------------------------------------------
// Clinic exercises

fn form() -> ExerciseInput {
    ExerciseInput {
        name: "Towel slide".into(),
        category: "mobility".into(),
        targets: vec!["spine_mobility".into(), "hip_mobility".into()],
        position: "sitting".into(),
        level: "1".into(),
        seconds_per_set: "45".into(),
        sets: "2".into(),
        reps: "10".into(),
        rest_seconds: "20".into(),
        per_week: "5".into(),
        weeks: "3".into(),
        load: "Body weight".into(),
        intensity: "Gentle".into(),
        cautions: "Stop if it hurts down your leg.\n\n".into(),
        instructions: "Sit on a chair with a towel under one foot.\r\n  Slide the foot forward.\nSlide it back.\n"
            .into(),
        settings: vec!["home".into(), "clinic".into()],
        kinds: vec!["stretching".into()],
        ..Default::default()
    }
}

#[test]
fn a_clinic_exercise_is_built_from_its_form() {
    let e = form().validate().expect("valid");
    assert_eq!(e.id, "clinic-towel-slide");
    assert_eq!(e.source, Source::Clinic);
    assert_eq!(e.category, Category::Mobility);
    assert_eq!(e.dose.reps, Some(10));
    assert_eq!(e.dose.hold_seconds, None);
    assert_eq!(
        e.instructions,
        [
            "Sit on a chair with a towel under one foot.",
            "Slide the foot forward.",
            "Slide it back."
        ]
    );
    assert_eq!(e.cautions, ["Stop if it hurts down your leg."]);
    assert!(e.equipment.is_empty());
    // It joins the built-in library, and the form round-trips.
    let lib = builtin().with(vec![e.clone()]).expect("joins");
    assert_eq!(lib.get("clinic-towel-slide"), Some(&e));
    assert_eq!(lib.len(), builtin().len() + 1);
    assert_eq!(lib.version(), builtin().version());
    assert_eq!(ExerciseInput::from_exercise(&e).validate(), Ok(e.clone()));
    // Once only.
    assert!(lib.with(vec![e]).is_err());

    // A timed exercise may leave the time per set out; a given id is kept.
    let timed = ExerciseInput {
        id: "clinic-pool-jog".into(),
        name: "Pool jogging".into(),
        category: "aerobic".into(),
        reps: String::new(),
        duration_minutes: "20".into(),
        seconds_per_set: String::new(),
        rest_seconds: String::new(),
        ..form()
    }
    .validate()
    .expect("valid");
    assert_eq!(timed.id, "clinic-pool-jog");
    assert_eq!(timed.seconds_per_set, 1200);
    assert_eq!(timed.dose.rest_seconds, 0);
}

#[test]
fn clinic_exercises_may_form_their_own_chain() {
    let easy = ExerciseInput {
        id: "clinic-easy".into(),
        harder: "clinic-hard".into(),
        ..form()
    }
    .validate()
    .expect("valid");
    let hard = ExerciseInput {
        id: "clinic-hard".into(),
        level: "2".into(),
        easier: "clinic-easy".into(),
        ..form()
    }
    .validate()
    .expect("valid");
    let lib = builtin()
        .with(vec![easy.clone(), hard.clone()])
        .expect("joins");
    assert_eq!(lib.chain("clinic-hard").len(), 2);
    // One side of the link alone is refused.
    match builtin().with(vec![easy]) {
        Err(Error::Data { message, .. }) => {
            assert!(
                message.contains("exercises[clinic-easy].harder"),
                "{message}"
            )
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn each_form_rule_names_its_field() {
    let cases: Vec<(ExerciseInput, &str, &str)> = vec![
        (
            ExerciseInput {
                name: " ".into(),
                ..form()
            },
            "name",
            "required",
        ),
        (
            ExerciseInput {
                name: "x".repeat(121),
                ..form()
            },
            "name",
            "max_length",
        ),
        (
            ExerciseInput {
                name: "Bad\u{7}name".into(),
                ..form()
            },
            "name",
            "no_control_characters",
        ),
        (
            ExerciseInput {
                name: "!!!".into(),
                ..form()
            },
            "id",
            "required",
        ),
        (
            ExerciseInput {
                id: "Not A Slug".into(),
                ..form()
            },
            "id",
            "slug",
        ),
        (
            ExerciseInput {
                id: "mc-mine".into(),
                ..form()
            },
            "id",
            "reserved_prefix",
        ),
        (
            ExerciseInput {
                id: "wger-12".into(),
                ..form()
            },
            "id",
            "reserved_prefix",
        ),
        (
            ExerciseInput {
                category: String::new(),
                ..form()
            },
            "category",
            "required",
        ),
        (
            ExerciseInput {
                category: "dancing".into(),
                ..form()
            },
            "category",
            "one_of",
        ),
        (
            ExerciseInput {
                targets: vec![],
                ..form()
            },
            "targets",
            "required",
        ),
        (
            ExerciseInput {
                targets: vec!["toes".into()],
                ..form()
            },
            "targets",
            "one_of",
        ),
        (
            ExerciseInput {
                position: "upside_down".into(),
                ..form()
            },
            "position",
            "one_of",
        ),
        (
            ExerciseInput {
                equipment: vec!["trampoline".into()],
                ..form()
            },
            "equipment",
            "one_of",
        ),
        (
            ExerciseInput {
                level: "6".into(),
                ..form()
            },
            "level",
            "range",
        ),
        (
            ExerciseInput {
                level: "0".into(),
                ..form()
            },
            "level",
            "range",
        ),
        (
            ExerciseInput {
                level: "easy".into(),
                ..form()
            },
            "level",
            "range",
        ),
        (
            ExerciseInput {
                sets: "0".into(),
                ..form()
            },
            "sets",
            "range",
        ),
        (
            ExerciseInput {
                sets: "-2".into(),
                ..form()
            },
            "sets",
            "range",
        ),
        (
            ExerciseInput {
                sets: String::new(),
                ..form()
            },
            "sets",
            "required",
        ),
        (
            ExerciseInput {
                reps: "-5".into(),
                ..form()
            },
            "reps",
            "range",
        ),
        (
            ExerciseInput {
                reps: String::new(),
                ..form()
            },
            "reps",
            "exactly_one",
        ),
        (
            ExerciseInput {
                hold_seconds: "10".into(),
                ..form()
            },
            "hold_seconds",
            "exactly_one",
        ),
        (
            ExerciseInput {
                reps: String::new(),
                hold_seconds: "30".into(),
                seconds_per_set: "20".into(),
                ..form()
            },
            "seconds_per_set",
            "at_least_hold",
        ),
        (
            ExerciseInput {
                seconds_per_set: String::new(),
                ..form()
            },
            "seconds_per_set",
            "required",
        ),
        (
            ExerciseInput {
                rest_seconds: "601".into(),
                ..form()
            },
            "rest_seconds",
            "range",
        ),
        (
            ExerciseInput {
                per_week: "8".into(),
                ..form()
            },
            "per_week",
            "range",
        ),
        (
            ExerciseInput {
                per_week: String::new(),
                ..form()
            },
            "per_week",
            "required",
        ),
        (
            ExerciseInput {
                weeks: "53".into(),
                ..form()
            },
            "weeks",
            "range",
        ),
        (
            ExerciseInput {
                load: "x".repeat(201),
                ..form()
            },
            "load",
            "max_length",
        ),
        (
            ExerciseInput {
                instructions: " \n ".into(),
                ..form()
            },
            "instructions",
            "required",
        ),
        (
            ExerciseInput {
                instructions: "step\n".repeat(13),
                ..form()
            },
            "instructions",
            "max_items",
        ),
        (
            ExerciseInput {
                cautions: "x".repeat(301),
                ..form()
            },
            "cautions",
            "max_length",
        ),
        (
            ExerciseInput {
                easier: "Not an id".into(),
                ..form()
            },
            "easier",
            "slug",
        ),
        (
            ExerciseInput {
                harder: "clinic-towel-slide".into(),
                ..form()
            },
            "harder",
            "not_self",
        ),
        (
            ExerciseInput {
                feared_movement: "bending".into(),
                ..form()
            },
            "feared_movement",
            "only_graded_exposure",
        ),
        (
            ExerciseInput {
                category: "graded_exposure".into(),
                ..form()
            },
            "feared_movement",
            "required",
        ),
        (
            ExerciseInput {
                feared_movement: "flying".into(),
                ..form()
            },
            "feared_movement",
            "one_of",
        ),
        (
            ExerciseInput {
                category: "functional".into(),
                ..form()
            },
            "tasks",
            "required",
        ),
        (
            ExerciseInput {
                tasks: vec!["juggling".into()],
                ..form()
            },
            "tasks",
            "one_of",
        ),
        (
            ExerciseInput {
                settings: vec![" ".into()],
                ..form()
            },
            "settings",
            "required",
        ),
        (
            ExerciseInput {
                settings: vec!["moon".into()],
                ..form()
            },
            "settings",
            "one_of",
        ),
        (
            ExerciseInput {
                kinds: vec!["chess".into()],
                ..form()
            },
            "kinds",
            "one_of",
        ),
    ];
    for (input, field, rule) in cases {
        match input.validate() {
            Err(Error::Invalid(e)) => {
                assert_eq!((e.field.as_str(), e.rule.as_str()), (field, rule), "{e}");
                assert!(!e.message.is_empty());
            }
            other => panic!("{field} {rule}: expected invalid, got {other:?}"),
        }
    }
    // A graded-exposure exercise with its feared movement is fine.
    let ge = ExerciseInput {
        category: "graded_exposure".into(),
        feared_movement: "bending".into(),
        ..form()
    }
    .validate()
    .expect("valid");
    assert_eq!(ge.feared_movement, Some(FearedMovement::Bending));
}

// ---------------------------------------------------------------------------
// wger

const WGER_FIXTURE: &str = include_str!("data/wger_exerciseinfo.json");

#[test]
fn a_wger_export_is_imported() {
    let import = wger::import(WGER_FIXTURE).expect("parses");
    let ids: Vec<&str> = import.exercises.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(
        ids,
        ["wger-91", "wger-301", "wger-412", "wger-505", "wger-955"]
    );
    let get = |id: &str| import.exercises.iter().find(|e| e.id == id).expect(id);

    let crunch = get("wger-91");
    assert_eq!(crunch.name, "Crunches");
    assert_eq!(crunch.source, Source::Wger);
    assert_eq!(crunch.category, Category::CoreEndurance);
    assert_eq!(crunch.targets, [Target::TrunkFlexors, Target::Obliques]);
    assert_eq!(crunch.equipment, [Equipment::Mat]);
    assert_eq!(crunch.level, 2);
    assert_eq!(
        crunch.instructions,
        [
            "Lie on your back with knees bent and feet on the mat.",
            "Curl your head and shoulders up a little, breathing out, then lower slowly."
        ]
    );
    assert_eq!(crunch.settings, [Setting::Home, Setting::Gym]);

    let bridge = get("wger-301");
    assert!(bridge.equipment.is_empty(), "bodyweight needs nothing");
    assert_eq!(bridge.category, Category::Strengthening);
    assert_eq!(bridge.targets, [Target::Glutes, Target::Legs]);
    assert_eq!(
        bridge.instructions,
        [
            "Lie on your back, knees bent.",
            "Lift your hips until shoulders, hips & knees line up.",
            "Lower with control."
        ]
    );
    assert_eq!(get("wger-412").equipment, [Equipment::Weights]);
    assert_eq!(
        get("wger-412").instructions[0],
        "Hold the kettlebell against your chest with both hands."
    );

    let deadlift = get("wger-505");
    assert_eq!(deadlift.equipment, [Equipment::Gym]);
    assert_eq!(deadlift.settings, [Setting::Gym, Setting::Clinic]);
    assert_eq!(deadlift.targets[0], Target::TrunkExtensors);
    assert_eq!(deadlift.instructions.len(), 3, "line breaks split steps");

    let bike = get("wger-955");
    assert_eq!(bike.category, Category::Aerobic);
    assert_eq!(bike.targets, [Target::Fitness]);
    assert_eq!(bike.kinds, [ExerciseKind::Cycling]);
    assert_eq!(bike.dose.duration_minutes, Some(20));
    assert_eq!(bike.seconds_per_set, 1200);

    // Every imported exercise is sound and joins the built-in library.
    assert!(problems(&import.exercises).is_empty());
    let lib = builtin().with(import.exercises.clone()).expect("joins");
    assert_eq!(lib.get("wger-91").map(|e| e.source), Some(Source::Wger));

    // The rest are skipped, each with its reason.
    let skipped: BTreeMap<u64, &str> = import
        .skipped
        .iter()
        .map(|s| (s.wger_id.expect("id"), s.reason.as_str()))
        .collect();
    assert_eq!(
        skipped.keys().copied().collect::<Vec<_>>(),
        [620, 733, 840, 1001]
    );
    assert!(skipped[&620].contains("upper-body"), "{}", skipped[&620]);
    assert!(skipped[&733].contains("Swiss Ball"), "{}", skipped[&733]);
    assert!(skipped[&840].contains("no English"), "{}", skipped[&840]);
    assert!(
        skipped[&1001].contains("Latissimus dorsi"),
        "{}",
        skipped[&1001]
    );
    let named: Vec<Option<&str>> = import.skipped.iter().map(|s| s.name.as_deref()).collect();
    assert_eq!(
        named,
        [
            Some("Bench press"),
            Some("Ball roll-out"),
            None,
            Some("Pull-ups")
        ]
    );

    // Attribution kept for the licensed texts.
    assert_eq!(import.attributions.len(), import.exercises.len());
    let a = &import.attributions[0];
    assert_eq!((a.id.as_str(), a.wger_id), ("wger-91", 91));
    assert_eq!(a.license.as_deref(), Some("CC-BY-SA 4"));
    assert_eq!(a.authors, ["rapport-fixture"]);
}

#[test]
fn other_wger_shapes_are_read_and_nonsense_refused() {
    // One exercise, as `/api/v2/exerciseinfo/{id}/` returns it.
    let page: serde_json::Value = serde_json::from_str(WGER_FIXTURE).expect("json");
    let one = page["results"][1].to_string();
    let import = wger::import(&one).expect("one exercise");
    assert_eq!(import.exercises.len(), 1);
    assert_eq!(import.exercises[0].id, "wger-301");

    // A bare array, older servers' `exercises` for translations, and a
    // language given as an object; duplicates and malformed items skipped.
    let older = r#"[
      {"id": 7, "category": {"id": 10, "name": "Abs"}, "muscles": [], "muscles_secondary": [],
       "equipment": [], "exercises": [{"name": "Dead bug", "description": "<p>Reach slowly.</p>",
       "language": {"id": 2, "short_name": "en"}}]},
      {"id": 7, "category": {"id": 10, "name": "Abs"}, "translations": []},
      {"id": 8, "category": "Abs"}
    ]"#;
    let import = wger::import(older).expect("array");
    assert_eq!(import.exercises.len(), 1);
    assert_eq!(import.exercises[0].targets, [Target::TrunkFlexors]);
    assert_eq!(import.exercises[0].instructions, ["Reach slowly."]);
    let reasons: Vec<&str> = import.skipped.iter().map(|s| s.reason.as_str()).collect();
    assert_eq!(reasons.len(), 2);
    assert!(reasons[0].contains("more than once"), "{reasons:?}");
    assert!(reasons[1].starts_with("not a wger exercise"), "{reasons:?}");
    assert!(import.attributions[0].license.is_none());

    // An English translation without a description is skipped.
    let undescribed = r#"{"results": [{"id": 9, "category": {"id": 9, "name": "Legs"},
       "translations": [{"name": "Squat", "description": "<p> </p>", "language": 2}]}]}"#;
    let import = wger::import(undescribed).expect("page");
    assert!(import.exercises.is_empty());
    assert!(import.skipped[0].reason.contains("description"));

    for nonsense in ["", "not json", "42", "{\"count\": 0}", "{\"results\": 3}"] {
        assert!(
            matches!(wger::import(nonsense), Err(Error::Data { .. })),
            "{nonsense}"
        );
    }
    let empty = wger::import("{\"count\": 0, \"next\": null, \"previous\": null, \"results\": []}")
        .expect("empty page");
    assert!(empty.exercises.is_empty() && empty.skipped.is_empty());
}
