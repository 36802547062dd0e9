//! The instruments, as data. Each rule carries its source in a comment, with
//! how it was checked:
//!
//! - **primary**: read in the instrument's own publication, scoring guide or
//!   the developer's page (or an abstract of it);
//! - **secondary**: read only in a secondary source (review, guideline table,
//!   measurement database, another implementation); named beside the rule;
//! - **adopted**: no published rule was found; the rule is Rapport's choice and
//!   says so.
//!
//! Item labels are Rapport's own few-word summaries of what each item is
//! about. They are not the items' wording, which is licensed and loaded at run
//! time (see `wording.rs`).

use super::{
    AnswerCount, Band, Banding, Instrument, Item, ItemScoring, Licence, LicenceStatus, Loinc, Mic,
    MissingRule, Polarity, Subscale, TotalRule,
};

const fn item(
    number: u16,
    label: &'static str,
    min: i32,
    max: i32,
    anchors: (&'static str, &'static str),
) -> Item {
    Item {
        number,
        label,
        min,
        max,
        anchors,
        scoring: ItemScoring::AsAnswered,
    }
}

const fn reversed(
    number: u16,
    label: &'static str,
    min: i32,
    max: i32,
    anchors: (&'static str, &'static str),
) -> Item {
    Item {
        number,
        label,
        min,
        max,
        anchors,
        scoring: ItemScoring::Reversed,
    }
}

const fn band(code: &'static str, label: &'static str, min: f64, max: f64) -> Band {
    Band {
        code,
        label,
        min,
        max,
        loinc_answer: None,
        snomed: None,
    }
}

pub(super) static ALL: &[Instrument] = &[
    STARTBACK,
    NPRS,
    RMDQ,
    ODI,
    PSEQ,
    TSK11,
    FABQ,
    WAISR,
    EARS,
    PGIC,
    PSFS,
    END_OF_CARE,
];

// ---------------------------------------------------------------------------
// Keele STarT Back Screening Tool (9-item)
// ---------------------------------------------------------------------------
// Sources:
// - Hill JC, Dunn KM, Lewis M, et al. A primary care back pain screening tool:
//   identifying patient subgroups for initial treatment. Arthritis Rheum
//   2008;59(5):632-641.
// - Keele University, "Using and scoring the Keele STarT Back Screening Tool"
//   (scoring guide; read via docest.com/doc/52344) — primary: items 1-8
//   agree/disagree, agree = positive; item 9 (bothersomeness, 5-point) positive
//   only for "very much" or "extremely"; overall score 0-9 = count of positive
//   items; distress (psychosocial) subscale = the last five items (5-9), 0-5;
//   overall 0-3 → low risk; overall 4-9 → medium unless subscale 4-5 → high.
// - LOINC 91349-1 panel, 91351-7 total, 91350-9 distress subscore, 91352-5
//   risk level with answers LA9194-7 Low, LA8982-6 Medium, LA9193-9 High
//   (loinc.org, as recorded in shared/research/clinical-facts.md §2.1 [V]).
// Response coding: items 1-8 have no published numbers, so disagree = 0 and
// agree = 1. Item 9 runs 0 "not at all", 1 "slightly", 2 "moderately",
// 3 "very much", 4 "extremely"; it is positive from 3 (the top two responses).
// Missing data: no rule in the scoring guide → adopted: not stratified.
const AGREE: (&str, &str) = ("disagree", "agree");
const STARTBACK: Instrument = Instrument {
    code: "startback",
    name: "Keele STarT Back Screening Tool",
    version: "9-item",
    answers: AnswerCount::Fixed { count: 9 },
    items: &[
        item(1, "leg pain spread (2 weeks)", 0, 1, AGREE),
        item(2, "shoulder or neck pain (2 weeks)", 0, 1, AGREE),
        item(3, "walks only short distances", 0, 1, AGREE),
        item(4, "dresses more slowly", 0, 1, AGREE),
        item(5, "activity feels unsafe", 0, 1, AGREE),
        item(6, "worrying thoughts", 0, 1, AGREE),
        item(7, "pain terrible, will not improve", 0, 1, AGREE),
        item(8, "lost enjoyment", 0, 1, AGREE),
        Item {
            number: 9,
            label: "overall bothersomeness (2 weeks)",
            min: 0,
            max: 4,
            anchors: ("not at all", "extremely"),
            scoring: ItemScoring::PositiveFrom { from: 3 },
        },
    ],
    total: TotalRule::Sum,
    total_min: 0.0,
    total_max: 9.0,
    polarity: Polarity::HigherIsWorse,
    subscales: &[Subscale {
        code: "psychosocial",
        name: "Psychosocial (distress) subscale",
        items: &[5, 6, 7, 8, 9],
        min: 0.0,
        max: 5.0,
        loinc: Some("91350-9"),
    }],
    missing: MissingRule::RequireAll,
    banding: Banding::StartBack {
        low_max: 3.0,
        subscale: "psychosocial",
        high_from: 4.0,
        bands: &[
            Band {
                code: "low",
                label: "low risk",
                min: 0.0,
                max: 3.0,
                loinc_answer: Some("LA9194-7"),
                snomed: None,
            },
            Band {
                code: "medium",
                label: "medium risk",
                min: 4.0,
                max: 9.0,
                loinc_answer: Some("LA8982-6"),
                snomed: None,
            },
            Band {
                code: "high",
                label: "high risk",
                min: 4.0,
                max: 9.0,
                loinc_answer: Some("LA9193-9"),
                snomed: None,
            },
        ],
    },
    mic: None,
    loinc: Loinc {
        panel: Some("91349-1"),
        total: Some("91351-7"),
        band: Some("91352-5"),
    },
    licence: Licence {
        status: LicenceStatus::WithPermission,
        holder: "Keele University",
        note: "No licence needed for non-commercial clinical use (keep the copyright and funding statement); \
               incorporating the tool into a commercial product requires contacting Keele University.",
    },
    notes: &[
        "Items are numbered as on the Keele form (1-4 physical, 5-9 psychosocial). Some tables (JOSPT 2012 CPG, \
         RehabMeasures) list the psychosocial items as 1, 4, 7, 8, 9 — a different item order; enter answers in \
         the Keele order.",
        "No missing-data rule is published; an incomplete form is not stratified.",
        "A stratification tool: no minimal important change applies.",
    ],
    references: &[
        "Hill JC et al. Arthritis Rheum 2008;59(5):632-641",
        "Keele University. Using and scoring the Keele STarT Back Screening Tool",
        "LOINC 91349-1 (panel), 91351-7, 91350-9, 91352-5",
    ],
};

// ---------------------------------------------------------------------------
// Numeric pain rating scale 0-10
// ---------------------------------------------------------------------------
// Sources:
// - Format 0 = no pain … 10 = worst imaginable: LOINC 72514-3 "Pain severity -
//   0-10 verbal numeric rating [Score] - Reported" (clinical-facts §2.2 [V]).
// - Bands: HL7 Europe PAIN score table (hl7.eu/scores/PAIN.htm, as recorded
//   in clinical-facts §2.2 [V]) — secondary: 0 none, 1-3 mild, 4-6 moderate,
//   7-9 severe, 10 excruciating. The note also lists SNOMED CT codes for these
//   interpretations; they could not be re-checked here, so none are encoded.
// - MIC for LBP: 2 points or 30 % (Ostelo RW et al. Spine 2008;33(1):90-94,
//   international consensus) — secondary (abstract via metajournal).
// Missing: a single item; it must be answered.
const NPRS: Instrument = Instrument {
    code: "nprs",
    name: "Numeric Pain Rating Scale (pain intensity)",
    version: "11-point 0-10",
    answers: AnswerCount::Fixed { count: 1 },
    items: &[item(
        1,
        "pain intensity",
        0,
        10,
        ("no pain", "worst imaginable pain"),
    )],
    total: TotalRule::Sum,
    total_min: 0.0,
    total_max: 10.0,
    polarity: Polarity::HigherIsWorse,
    subscales: &[],
    missing: MissingRule::RequireAll,
    banding: Banding::Ranges {
        bands: &[
            band("none", "no pain", 0.0, 0.0),
            band("mild", "mild pain", 1.0, 3.0),
            band("moderate", "moderate pain", 4.0, 6.0),
            band("severe", "severe pain", 7.0, 9.0),
            band("excruciating", "excruciating pain", 10.0, 10.0),
        ],
    },
    mic: Some(Mic {
        points: 2.0,
        points_upper: None,
        percent: Some(30.0),
        source: "Ostelo et al. Spine 2008;33(1):90-94",
    }),
    loinc: Loinc {
        panel: None,
        total: Some("72514-3"),
        band: None,
    },
    licence: Licence {
        status: LicenceStatus::Free,
        holder: "public domain",
        note: "A generic 0-10 rating; no permission needed.",
    },
    notes: &[
        "Bands follow the HL7 Europe PAIN score table; other published cut-offs exist.",
        "Self-rated recovery is best identified by a score of 0 (Kamper et al. Eur Spine J 2010).",
    ],
    references: &[
        "Ostelo RW et al. Spine 2008;33(1):90-94",
        "LOINC 72514-3",
        "HL7 Europe score table PAIN",
    ],
};

// ---------------------------------------------------------------------------
// Roland-Morris Disability Questionnaire (24-item)
// ---------------------------------------------------------------------------
// Sources:
// - Roland M, Morris R. Spine 1983;8(2):141-144 — primary (abstract): 24
//   statements from the Sickness Impact Profile, score = number marked, 0-24.
// - Roland M, Fairbank J. The Roland-Morris Disability Questionnaire and the
//   Oswestry Disability Questionnaire. Spine 2000;25(24):3115-3124 (read via
//   studylib) — primary: score = count of statements marked; no permission
//   needed when the appendix forms are used as reproduced.
// - Missing data: the form is a checklist — a statement not marked scores 0;
//   a statement the patient marks as not applicable also scores 0 (scoring
//   notes summarised at scientificspine.com; Kent & Lauridsen, "Managing
//   missing scores on the RMDQ": "there is no standard method") — secondary.
//   Rapport follows the checklist rule and lists the unmarked items; adopted
//   guard: a form with no statement answered at all is not scored, since in
//   electronic capture it cannot be told from a form never completed.
// - Band: ≤ 2 best identifies self-rated recovery (Kamper SJ et al. Eur Spine J
//   2010, PMC2989296; clinical-facts §2.3 [V]) — secondary. No severity bands
//   are published.
// - MIC: 5 points or 30 % (Ostelo 2008) — secondary.
// Response coding: no published numbers → 0 = statement does not apply,
// 1 = applies (marked).
const YES: (&str, &str) = ("no", "yes");
const RMDQ: Instrument = Instrument {
    code: "rmdq",
    name: "Roland-Morris Disability Questionnaire",
    version: "24-item",
    answers: AnswerCount::Fixed { count: 24 },
    items: &[
        item(1, "stays at home more", 0, 1, YES),
        item(2, "changes position often", 0, 1, YES),
        item(3, "walks more slowly", 0, 1, YES),
        item(4, "not doing usual housework", 0, 1, YES),
        item(5, "uses handrail on stairs", 0, 1, YES),
        item(6, "lies down to rest more", 0, 1, YES),
        item(7, "holds on to rise from armchair", 0, 1, YES),
        item(8, "asks others to do things", 0, 1, YES),
        item(9, "dresses more slowly", 0, 1, YES),
        item(10, "stands only briefly", 0, 1, YES),
        item(11, "avoids bending or kneeling", 0, 1, YES),
        item(12, "difficulty rising from chair", 0, 1, YES),
        item(13, "back painful most of the time", 0, 1, YES),
        item(14, "difficulty turning in bed", 0, 1, YES),
        item(15, "poor appetite", 0, 1, YES),
        item(16, "difficulty with socks or tights", 0, 1, YES),
        item(17, "walks only short distances", 0, 1, YES),
        item(18, "sleeps less well", 0, 1, YES),
        item(19, "needs help dressing", 0, 1, YES),
        item(20, "sits most of the day", 0, 1, YES),
        item(21, "avoids heavy household jobs", 0, 1, YES),
        item(22, "more irritable with people", 0, 1, YES),
        item(23, "climbs stairs more slowly", 0, 1, YES),
        item(24, "stays in bed most of the time", 0, 1, YES),
    ],
    total: TotalRule::Sum,
    total_min: 0.0,
    total_max: 24.0,
    polarity: Polarity::HigherIsWorse,
    subscales: &[],
    missing: MissingRule::UnmarkedIsNo,
    banding: Banding::Ranges {
        bands: &[
            band(
                "recovered_range",
                "within the recovered range (0-2)",
                0.0,
                2.0,
            ),
            band(
                "above_recovered_range",
                "above the recovered range (3-24)",
                3.0,
                24.0,
            ),
        ],
    },
    mic: Some(Mic {
        points: 5.0,
        points_upper: None,
        percent: Some(30.0),
        source: "Ostelo et al. Spine 2008;33(1):90-94",
    }),
    loinc: Loinc {
        panel: None,
        total: None,
        band: None,
    },
    licence: Licence {
        status: LicenceStatus::Free,
        holder: "Martin Roland and Richard Morris",
        note: "Roland & Fairbank 2000: no permission needed when the forms are used as reproduced; \
               current terms for commercial software not verified.",
    },
    notes: &[
        "No severity bands are published; the bands mark the recovery cut-off of Kamper et al. 2010.",
        "Individual change below 4-5 points is within measurement error; change cannot be detected when the \
         baseline is below 4 (improvement) or above 20 (deterioration) (Stratford et al. Phys Ther 1996;76:359).",
    ],
    references: &[
        "Roland M, Morris R. Spine 1983;8(2):141-144",
        "Roland M, Fairbank J. Spine 2000;25(24):3115-3124",
        "Kamper SJ et al. Eur Spine J 2010 (recovery cut-off)",
        "Ostelo RW et al. Spine 2008;33(1):90-94",
    ],
};

// ---------------------------------------------------------------------------
// Oswestry Disability Index v2.1a
// ---------------------------------------------------------------------------
// Sources:
// - Fairbank JCT, Pynsent PB. The Oswestry Disability Index. Spine
//   2000;25(22):2940-2953, and the ODI scoring instructions distributed with
//   the form — scoring text read in several reproductions (idcafe.net,
//   th4.ilovetranslation.com, riunitedformarriage.org) — secondary, consistent:
//   each section 0 (first statement) to 5 (last statement); index = total
//   scored ÷ total possible × 100; worked example 16/50 → 32 %; one section
//   missed or not applicable → 16/45 → "35.5 %" (16/45 = 35.56, the sheet
//   truncates); "for every question not answered, the denominator is reduced
//   by 5"; bands 0-20 minimal, 21-40 moderate, 41-60 severe, 61-80 crippled,
//   81-100 bed-bound or exaggerating.
// - Maximum number of unanswered sections: the instructions give the rule for
//   "one section missed or not applicable" and nothing beyond; no other limit
//   was found → adopted: at most 1 unanswered section; with 2 or more the form
//   is not scored. An independent open clinical scoring library
//   (awell-health/awell-score, oswestry README) applies the same limit.
// - MIC 10 points or 30 % (Ostelo 2008) — secondary.
// - LOINC 97908-8 panel (clinical-facts §2.4 [V]). 97909-6 is described on a
//   raw 0-50 scale with different bands, so it is not attached to this
//   percentage total.
// - Licence: © Jeremy Fairbank, distributed via Mapi Research Trust ePROVIDE;
//   free for clinical practice, fees for commercial users and IT companies
//   (RehabMeasures listing) — secondary.
const SECTION: (&str, &str) = ("first statement", "last statement");
const ODI: Instrument = Instrument {
    code: "odi",
    name: "Oswestry Disability Index",
    version: "2.1a",
    answers: AnswerCount::Fixed { count: 10 },
    items: &[
        item(1, "pain intensity", 0, 5, SECTION),
        item(2, "personal care", 0, 5, SECTION),
        item(3, "lifting", 0, 5, SECTION),
        item(4, "walking", 0, 5, SECTION),
        item(5, "sitting", 0, 5, SECTION),
        item(6, "standing", 0, 5, SECTION),
        item(7, "sleeping", 0, 5, SECTION),
        item(8, "sex life", 0, 5, SECTION),
        item(9, "social life", 0, 5, SECTION),
        item(10, "travelling", 0, 5, SECTION),
    ],
    total: TotalRule::PercentOfAnswered { item_max: 5 },
    total_min: 0.0,
    total_max: 100.0,
    polarity: Polarity::HigherIsWorse,
    subscales: &[],
    missing: MissingRule::ReduceDenominator { max_missing: 1 },
    banding: Banding::Ranges {
        bands: &[
            band("minimal", "minimal disability", 0.0, 20.0),
            band("moderate", "moderate disability", 21.0, 40.0),
            band("severe", "severe disability", 41.0, 60.0),
            band("crippled", "crippling back pain", 61.0, 80.0),
            band(
                "bed_bound",
                "bed-bound or exaggerating symptoms",
                81.0,
                100.0,
            ),
        ],
    },
    mic: Some(Mic {
        points: 10.0,
        points_upper: None,
        percent: Some(30.0),
        source: "Ostelo et al. Spine 2008;33(1):90-94",
    }),
    loinc: Loinc {
        panel: Some("97908-8"),
        total: None,
        band: None,
    },
    licence: Licence {
        status: LicenceStatus::Proprietary,
        holder: "Jeremy Fairbank; distributed by Mapi Research Trust (ePROVIDE)",
        note: "All rights reserved; free for clinical practice, fees for commercial users and IT companies.",
    },
    notes: &[
        "If a patient marks more than one statement in a section, enter the highest.",
        "Bands are on whole percentages; a prorated total between two bands (e.g. 20.5) is placed in the higher band.",
        "Not the Modified ODI (Fritz & Irrgang 2001), which replaces the sex-life section.",
        "At most 1 section may be unanswered: the scoring instructions give the rule for one missed section \
         only, so a form with more is not scored.",
    ],
    references: &[
        "Fairbank JCT, Pynsent PB. Spine 2000;25(22):2940-2953",
        "Fairbank JCT et al. Physiotherapy 1980;66:271-273",
        "Ostelo RW et al. Spine 2008;33(1):90-94",
    ],
};

// ---------------------------------------------------------------------------
// Pain Self-Efficacy Questionnaire
// ---------------------------------------------------------------------------
// Sources:
// - Nicholas MK. The pain self-efficacy questionnaire: taking pain into
//   account. Eur J Pain 2007;11:153-163 (abstract read via studylib) and
//   Nicholas, McGuire & Asghari, PSEQ-2, J Pain 2015 — primary (abstracts):
//   10 items, 0 = not at all confident … 6 = completely confident; total =
//   sum, 0-60, higher = more self-efficacy; no reverse items; one scale.
//   (PSEQ-2 keeps the work and normal-lifestyle items, 5 and 9.)
// - Bands: ePPOC severity ranges 0-19 severe, 20-30 moderate, 31-40 mild,
//   41-60 minimal (measurely.com.au summary; clinical-facts §2.5) — secondary.
// - MIC for chronic LBP 5.5-8.5 points (Chiarotto A et al. J Pain 2016;
//   Dubé 2021 review) — secondary.
// - Missing data: no rule found in the sources read → adopted: all items
//   required.
const CONFIDENT: (&str, &str) = ("not at all confident", "completely confident");
const PSEQ: Instrument = Instrument {
    code: "pseq",
    name: "Pain Self-Efficacy Questionnaire",
    version: "10-item",
    answers: AnswerCount::Fixed { count: 10 },
    items: &[
        item(1, "enjoys things despite pain", 0, 6, CONFIDENT),
        item(2, "household chores", 0, 6, CONFIDENT),
        item(3, "socialising", 0, 6, CONFIDENT),
        item(4, "copes with pain in most situations", 0, 6, CONFIDENT),
        item(5, "some form of work", 0, 6, CONFIDENT),
        item(6, "hobbies and leisure", 0, 6, CONFIDENT),
        item(7, "copes without medication", 0, 6, CONFIDENT),
        item(8, "accomplishes most goals", 0, 6, CONFIDENT),
        item(9, "normal lifestyle", 0, 6, CONFIDENT),
        item(10, "gradually more active", 0, 6, CONFIDENT),
    ],
    total: TotalRule::Sum,
    total_min: 0.0,
    total_max: 60.0,
    polarity: Polarity::HigherIsBetter,
    subscales: &[],
    missing: MissingRule::RequireAll,
    banding: Banding::Ranges {
        bands: &[
            band("severe", "severe (very low self-efficacy)", 0.0, 19.0),
            band("moderate", "moderate", 20.0, 30.0),
            band("mild", "mild", 31.0, 40.0),
            band("minimal", "minimal (high self-efficacy)", 41.0, 60.0),
        ],
    },
    mic: Some(Mic {
        points: 5.5,
        points_upper: Some(8.5),
        percent: None,
        source: "Chiarotto et al. J Pain 2016 (chronic LBP)",
    }),
    loinc: Loinc {
        panel: None,
        total: None,
        band: None,
    },
    licence: Licence {
        status: LicenceStatus::WithPermission,
        holder: "Michael K. Nicholas, University of Sydney",
        note: "Terms not verified; ask the developer before using the wording in commercial software.",
    },
    notes: &[
        "Bands are the ePPOC severity ranges; ePPOC treats a change of 7 or more with a move to another band as \
         clinically significant.",
        "No missing-data rule was found; an incomplete form is not scored.",
    ],
    references: &[
        "Nicholas MK. Eur J Pain 2007;11:153-163",
        "Chiarotto A et al. J Pain 2016",
        "ePPOC PSEQ severity ranges",
    ],
};

// ---------------------------------------------------------------------------
// Tampa Scale for Kinesiophobia, 11-item
// ---------------------------------------------------------------------------
// Sources:
// - Woby SR, Roach NK, Urmston M, Watson PJ. Psychometric properties of the
//   TSK-11: a shortened version of the Tampa Scale for Kinesiophobia. Pain
//   2005;117(1-2):137-144 — primary (abstract): items 4, 8, 12, 16 had low
//   item-total correlations and items 4, 9, 12, 14 skewed responses; the six
//   items 4, 8, 9, 12, 14, 16 were excluded → TSK-11; a reduction of at least
//   4 points identified an important reduction in fear of movement (MIC 4).
// - Because the TSK-17 reverse-keyed items (4, 8, 12, 16) are all among those
//   excluded, the TSK-11 has no reverse-scored items (follows from the above).
// - Responses 1 = strongly disagree … 4 = strongly agree; total 11-44.
// - TSK-11 item n (1-11) is TSK-17 item 1, 2, 3, 5, 6, 7, 10, 11, 13, 15, 17.
// - Missing data: no rule found → adopted: all items required.
const TSK: (&str, &str) = ("strongly disagree", "strongly agree");
const TSK11: Instrument = Instrument {
    code: "tsk11",
    name: "Tampa Scale for Kinesiophobia (11-item)",
    version: "TSK-11",
    answers: AnswerCount::Fixed { count: 11 },
    items: &[
        item(1, "fear of injury from exercise", 1, 4, TSK),
        item(2, "pain would increase if resisted", 1, 4, TSK),
        item(3, "body signals danger", 1, 4, TSK),
        item(4, "condition not taken seriously", 1, 4, TSK),
        item(5, "body at risk for life", 1, 4, TSK),
        item(6, "pain means injury", 1, 4, TSK),
        item(7, "safest to avoid movement", 1, 4, TSK),
        item(8, "pain means something dangerous", 1, 4, TSK),
        item(9, "pain signals when to stop", 1, 4, TSK),
        item(10, "too easily injured for normal activity", 1, 4, TSK),
        item(11, "no exercise when in pain", 1, 4, TSK),
    ],
    total: TotalRule::Sum,
    total_min: 11.0,
    total_max: 44.0,
    polarity: Polarity::HigherIsWorse,
    subscales: &[],
    missing: MissingRule::RequireAll,
    banding: Banding::None,
    mic: Some(Mic {
        points: 4.0,
        points_upper: None,
        percent: None,
        source: "Woby et al. Pain 2005;117:137-144 (chronic LBP)",
    }),
    loinc: Loinc {
        panel: None,
        total: None,
        band: None,
    },
    licence: Licence {
        status: LicenceStatus::Free,
        holder: "Kori, Miller & Todd 1990 (TSK); Woby et al. 2005 (TSK-11)",
        note: "Widely treated as free to use; not verified with the authors.",
    },
    notes: &[
        "No reverse-scored items: the TSK-17 reverse items 4, 8, 12, 16 are not in the TSK-11.",
        "No validated TSK-11 bands; the TSK-17 cut-off (>37) does not apply to this total.",
        "No missing-data rule was found; an incomplete form is not scored.",
    ],
    references: &[
        "Woby SR et al. Pain 2005;117(1-2):137-144",
        "Kori SH, Miller RP, Todd DD. Pain Management 1990;3:35-43",
    ],
};

// ---------------------------------------------------------------------------
// Fear-Avoidance Beliefs Questionnaire
// ---------------------------------------------------------------------------
// Sources:
// - Waddell G et al. A Fear-Avoidance Beliefs Questionnaire (FABQ) and the
//   role of fear-avoidance beliefs in chronic low back pain and disability.
//   Pain 1993;52:157-168.
// - JOSPT 2012 LBP clinical practice guideline, FABQ table (PMC4893951,
//   table array11) — secondary: 16 items 0 = completely disagree … 6 =
//   completely agree; physical activity scale = items 2-5 (0-24); work scale =
//   items 6, 7, 9, 10, 11, 12, 15 (0-42); higher = stronger beliefs.
// - RehabMeasures and Physiopedia — secondary: total of all 16 items, maximum
//   96; no reverse items.
// - Missing data: not standardised (non-workers cannot answer work items) →
//   adopted: each scale scored only when all its items are answered; the
//   0-96 total only when all 16 are.
const FAB: (&str, &str) = ("completely disagree", "completely agree");
const FABQ: Instrument = Instrument {
    code: "fabq",
    name: "Fear-Avoidance Beliefs Questionnaire",
    version: "16-item",
    answers: AnswerCount::Fixed { count: 16 },
    items: &[
        item(1, "activity caused the pain", 0, 6, FAB),
        item(2, "activity worsens pain", 0, 6, FAB),
        item(3, "activity might harm back", 0, 6, FAB),
        item(4, "should avoid painful activity", 0, 6, FAB),
        item(5, "cannot do painful activity", 0, 6, FAB),
        item(6, "work caused the pain", 0, 6, FAB),
        item(7, "work aggravated pain", 0, 6, FAB),
        item(8, "compensation claim", 0, 6, FAB),
        item(9, "work too heavy", 0, 6, FAB),
        item(10, "work worsens pain", 0, 6, FAB),
        item(11, "work might harm back", 0, 6, FAB),
        item(12, "should not do normal work", 0, 6, FAB),
        item(13, "cannot do normal work now", 0, 6, FAB),
        item(14, "no normal work until treated", 0, 6, FAB),
        item(15, "not back to work within 3 months", 0, 6, FAB),
        item(16, "never back to that work", 0, 6, FAB),
    ],
    total: TotalRule::Sum,
    total_min: 0.0,
    total_max: 96.0,
    polarity: Polarity::HigherIsWorse,
    subscales: &[
        Subscale {
            code: "physical_activity",
            name: "FABQ physical activity (FABQ-PA)",
            items: &[2, 3, 4, 5],
            min: 0.0,
            max: 24.0,
            loinc: None,
        },
        Subscale {
            code: "work",
            name: "FABQ work (FABQ-W)",
            items: &[6, 7, 9, 10, 11, 12, 15],
            min: 0.0,
            max: 42.0,
            loinc: None,
        },
    ],
    missing: MissingRule::PerSubscale,
    banding: Banding::None,
    mic: None,
    loinc: Loinc {
        panel: None,
        total: None,
        band: None,
    },
    licence: Licence {
        status: LicenceStatus::Free,
        holder: "Gordon Waddell et al. (Pain 1993)",
        note: "Listed as free by RehabMeasures.",
    },
    notes: &[
        "Items 1, 8, 13, 14 and 16 belong to neither subscale; they count only in the 0-96 total.",
        "Work items may not apply to someone not working: leave them unanswered and the work scale is not scored.",
        "Published cut-offs (not bands): FABQ-W > 29 and > 22 for acute occupational LBP (JOSPT 2012 CPG); \
         FABQ-W > 34 and FABQ-PA > 15 'high' are also cited (secondary).",
        "No minimal important change was found for LBP.",
    ],
    references: &[
        "Waddell G et al. Pain 1993;52:157-168",
        "Delitto A et al. JOSPT 2012;42(4):A1-57 (FABQ table)",
    ],
};

// ---------------------------------------------------------------------------
// Working Alliance Inventory – Short Revised (client version)
// ---------------------------------------------------------------------------
// Sources:
// - Hatcher RL, Gillaspy JA. Development and validation of a revised short
//   version of the Working Alliance Inventory. Psychother Res 2006;16:12-25.
//   Not read directly.
// - Munder T et al. WAI-SR psychometric properties, Clin Psychol Psychother
//   2010;17:231-239 (abstract) — three scales: task, goal, bond.
// - Subscales task 1, 2, 10, 12; bond 3, 5, 7, 9; goal 4, 6, 8, 11; responses
//   1 = seldom … 5 = always: Rivet and Blueprint documentation
//   (clinical-facts §2.8 [V]) and two independent published implementations
//   (one licensed from the Society for Psychotherapy Research, stating the
//   12 items are scored as answered, "no recodes") — secondary.
// - Licence: Horvath released the WAI rights; requests go to the Society for
//   Psychotherapy Research (RehabMeasures WAI entry; legalclarity.org) —
//   secondary. legalclarity.org also quotes the collaborate-on-goals item as a
//   goal-scale item, consistent with item 4 being a goal item.
// - Reverse-scored items: none. The brief asked to check item 4 in
//   particular; no source read reverses any WAI-SR item, and item 4 is a goal
//   item scored as answered. Not checked against the 2006 paper itself.
// - Total: sum 12-60 (some studies report the mean item score 1-5 instead).
// - Missing data: no rule found → adopted: all items required.
const OFTEN: (&str, &str) = ("seldom", "always");
const WAISR: Instrument = Instrument {
    code: "waisr",
    name: "Working Alliance Inventory - Short Revised (client)",
    version: "WAI-SR client",
    answers: AnswerCount::Fixed { count: 12 },
    items: &[
        item(1, "clearer how to change", 1, 5, OFTEN),
        item(2, "new ways of seeing the problem", 1, 5, OFTEN),
        item(3, "feels liked by clinician", 1, 5, OFTEN),
        item(4, "goals set together", 1, 5, OFTEN),
        item(5, "mutual respect", 1, 5, OFTEN),
        item(6, "working to agreed goals", 1, 5, OFTEN),
        item(7, "feels appreciated", 1, 5, OFTEN),
        item(8, "agree what to work on", 1, 5, OFTEN),
        item(9, "feels cared about", 1, 5, OFTEN),
        item(10, "sessions will bring change", 1, 5, OFTEN),
        item(11, "shared idea of good changes", 1, 5, OFTEN),
        item(12, "way of working is right", 1, 5, OFTEN),
    ],
    total: TotalRule::Sum,
    total_min: 12.0,
    total_max: 60.0,
    polarity: Polarity::HigherIsBetter,
    subscales: &[
        Subscale {
            code: "goal",
            name: "Goal",
            items: &[4, 6, 8, 11],
            min: 4.0,
            max: 20.0,
            loinc: None,
        },
        Subscale {
            code: "task",
            name: "Task",
            items: &[1, 2, 10, 12],
            min: 4.0,
            max: 20.0,
            loinc: None,
        },
        Subscale {
            code: "bond",
            name: "Bond",
            items: &[3, 5, 7, 9],
            min: 4.0,
            max: 20.0,
            loinc: None,
        },
    ],
    missing: MissingRule::RequireAll,
    banding: Banding::None,
    mic: None,
    loinc: Loinc {
        panel: None,
        total: None,
        band: None,
    },
    licence: Licence {
        status: LicenceStatus::WithPermission,
        holder: "Society for Psychotherapy Research (WAI items by Adam O. Horvath; WAI-SR by Hatcher & Gillaspy)",
        note: "Copyrighted; permission needed. Horvath released the rights and requests go to the Society for \
               Psychotherapy Research (RehabMeasures; legalclarity.org) - secondary.",
    },
    notes: &[
        "No reverse-scored items.",
        "Weak/moderate/strong bands seen in vendor software are not validated norms; follow the trend.",
        "Total is the sum (12-60); divide by 12 for the mean item score some studies report.",
    ],
    references: &[
        "Hatcher RL, Gillaspy JA. Psychother Res 2006;16(1):12-25",
        "Munder T et al. Clin Psychol Psychother 2010;17:231-239",
    ],
};

// ---------------------------------------------------------------------------
// Exercise Adherence Rating Scale, section B
// ---------------------------------------------------------------------------
// Sources:
// - Newman-Beinart NA et al. Physiotherapy 2017;103(2):180-185 — primary
//   (abstract): 6-item unidimensional adherence scale (section B).
// - Newman-Beinart et al. EHPS 2016 abstract (ehps.net, article 1869) —
//   primary (abstract): "the 6-item EARS is scored on a 5-point Likert scale
//   (0-4, completely agree to completely disagree) where a higher score
//   indicates better adherence" → total 0-24.
// - Which items are reversed: the positively worded items 1, 4 and 6 must be
//   reversed for a higher score to mean better adherence (with 0 = completely
//   agree). Item keying read in one published implementation and
//   clinical-facts §2.9 [K] — secondary; not checked against the scoring sheet.
// - MIC 5.5 (EARS-Br, chronic LBP; BMC Musculoskelet Disord 2020;21:294) —
//   secondary.
// - Missing data: no rule found → adopted: all items required.
const EAR: (&str, &str) = ("completely agree", "completely disagree");
const EARS: Instrument = Instrument {
    code: "ears",
    name: "Exercise Adherence Rating Scale (section B)",
    version: "6-item section B",
    answers: AnswerCount::Fixed { count: 6 },
    items: &[
        reversed(1, "exercises as often as advised", 0, 4, EAR),
        item(2, "forgets exercises", 0, 4, EAR),
        item(3, "does less than advised", 0, 4, EAR),
        reversed(4, "exercises fit into routine", 0, 4, EAR),
        item(5, "does not get round to exercises", 0, 4, EAR),
        reversed(6, "does most or all exercises", 0, 4, EAR),
    ],
    total: TotalRule::Sum,
    total_min: 0.0,
    total_max: 24.0,
    polarity: Polarity::HigherIsBetter,
    subscales: &[],
    missing: MissingRule::RequireAll,
    banding: Banding::None,
    mic: Some(Mic {
        points: 5.5,
        points_upper: None,
        percent: None,
        source: "EARS-Br, BMC Musculoskelet Disord 2020;21:294 (chronic LBP)",
    }),
    loinc: Loinc {
        panel: None,
        total: None,
        band: None,
    },
    licence: Licence {
        status: LicenceStatus::WithPermission,
        holder: "Newman-Beinart, Godfrey et al., King's College London",
        note: "Licence terms not found; ask the authors.",
    },
    notes: &[
        "Only section B is scored; sections A (prescription) and C (reasons) are not part of the score.",
        "Items 1, 4 and 6 are reverse-scored; enter the response as given (0 = completely agree).",
    ],
    references: &[
        "Newman-Beinart NA et al. Physiotherapy 2017;103(2):180-185",
        "EARS-Br: BMC Musculoskelet Disord 2020;21:294",
    ],
};

// ---------------------------------------------------------------------------
// Patient Global Impression of Change
// ---------------------------------------------------------------------------
// Sources:
// - PhenX protocol 860801 (clinical-facts §2.10 [V]) and the CGI-I format
//   (Guy 1976; mrcpsych.uk summary) — secondary: one item, 1 = very much
//   improved … 4 = no change … 7 = very much worse.
// - Responder: 1-2 ("much" or "very much improved") = clinically important
//   improvement (Farrar JT et al. Pain 2001;94:149-158) — secondary.
// Missing: a single item; it must be answered.
const PGIC: Instrument = Instrument {
    code: "pgic",
    name: "Patient Global Impression of Change",
    version: "7-point",
    answers: AnswerCount::Fixed { count: 1 },
    items: &[item(
        1,
        "overall change since treatment began",
        1,
        7,
        ("very much improved", "very much worse"),
    )],
    total: TotalRule::Sum,
    total_min: 1.0,
    total_max: 7.0,
    polarity: Polarity::HigherIsWorse,
    subscales: &[],
    missing: MissingRule::RequireAll,
    banding: Banding::Ranges {
        bands: &[
            band(
                "improved_responder",
                "much or very much improved (responder)",
                1.0,
                2.0,
            ),
            band("minimally_improved", "minimally improved", 3.0, 3.0),
            band("no_change", "no change", 4.0, 4.0),
            band("minimally_worse", "minimally worse", 5.0, 5.0),
            band("worse", "much or very much worse", 6.0, 7.0),
        ],
    },
    mic: None,
    loinc: Loinc {
        panel: None,
        total: None,
        band: None,
    },
    licence: Licence {
        status: LicenceStatus::Free,
        holder: "public domain (CGI format, Guy 1976)",
        note: "Free to use (PhenX).",
    },
    notes: &[
        "Itself the usual anchor for minimal important change; responders answer 1 or 2 (Farrar 2001).",
    ],
    references: &[
        "Farrar JT et al. Pain 2001;94:149-158",
        "Guy W. ECDEU Assessment Manual 1976 (CGI-I format)",
    ],
};

// ---------------------------------------------------------------------------
// Patient-Specific Functional Scale
// ---------------------------------------------------------------------------
// Sources:
// - Stratford P, Gill C, Westaway M, Binkley J. Assessing disability and change
//   on individual patients: a report of a patient specific measure.
//   Physiother Can 1995;47:258-263. Not read directly; format as recorded in
//   clinical-facts §2.12 [K] and Hall AM et al. Eur Spine J 2011 (PMC3036014,
//   831 LBP patients, primary for its use in LBP): the patient nominates up to
//   5 activities they find hard, each rated 0 = unable … 10 = able at the
//   pre-problem level; score = mean of the ratings.
// - MIC: 2 points on the mean score is the figure commonly cited (with 3 for a
//   single activity); 1.9-2.0 in shoulder pain (Rysstad T et al. BMC
//   Musculoskelet Disord 2020;21:328) — secondary; no primary LBP value read.
// - Missing data: the score is a mean of the activities rated → an unrated
//   activity is left out of the mean; at least one must be rated (follows
//   from the scoring rule).
// - PSFS 2.0 (Thoomes 2023) inverts the direction; it is not this version.
const ABLE: (&str, &str) = ("unable to perform", "able at pre-problem level");
const PSFS: Instrument = Instrument {
    code: "psfs",
    name: "Patient-Specific Functional Scale",
    version: "original (0 = unable, 10 = pre-problem level)",
    answers: AnswerCount::Variable { min: 1, max: 5 },
    items: &[
        item(1, "activity 1", 0, 10, ABLE),
        item(2, "activity 2", 0, 10, ABLE),
        item(3, "activity 3", 0, 10, ABLE),
        item(4, "activity 4", 0, 10, ABLE),
        item(5, "activity 5", 0, 10, ABLE),
    ],
    total: TotalRule::MeanOfAnswered,
    total_min: 0.0,
    total_max: 10.0,
    polarity: Polarity::HigherIsBetter,
    subscales: &[],
    missing: MissingRule::MeanOfAnswered { min_answered: 1 },
    banding: Banding::None,
    mic: Some(Mic {
        points: 2.0,
        points_upper: None,
        percent: None,
        source: "commonly cited for the mean score (3 for a single activity); not verified in an LBP primary study",
    }),
    loinc: Loinc {
        panel: None,
        total: None,
        band: None,
    },
    licence: Licence {
        status: LicenceStatus::Free,
        holder: "Paul Stratford et al. (1995)",
        note: "Widely treated as free to use; not verified.",
    },
    notes: &[
        "The activities are the patient's own; store their names with the ratings and keep them for re-assessment.",
        "Give one answer per nominated activity (1 to 5 answers).",
    ],
    references: &[
        "Stratford P et al. Physiother Can 1995;47:258-263",
        "Hall AM et al. Eur Spine J 2011 (PSFS vs RMDQ responsiveness in LBP)",
    ],
};

// ---------------------------------------------------------------------------
// Looking back on care (Rapport's own)
// ---------------------------------------------------------------------------
// Not a validated instrument: Rapport's own short check, at discharge and six
// months on, of what patients in the alliance study said lasted after
// physiotherapy — being taken seriously and reassured, understanding the
// pain, and the tools to manage on their own (Unsgaard-Tøndel & Söderström
// 2021, Table 3, "experiences after treatment": the themes trustworthy and
// reassuring, explaining and empowering, autonomy and taking control). Each item
// is an agreement, 1 = disagree strongly … 5 = agree strongly; the clinician
// reads the items beside the expectations ticked at intake
// (`outcomes::expectations_met`), the total only summarises.
const AGREEMENT: (&str, &str) = ("disagree strongly", "agree strongly");
const END_OF_CARE: Instrument = Instrument {
    code: "endofcare",
    name: "Looking back on care (Rapport)",
    version: "6-item v1",
    answers: AnswerCount::Fixed { count: 6 },
    items: &[
        item(1, "felt taken seriously", 1, 5, AGREEMENT),
        item(2, "reassured about the back", 1, 5, AGREEMENT),
        item(3, "understands the pain", 1, 5, AGREEMENT),
        item(4, "able to manage alone", 1, 5, AGREEMENT),
        item(5, "knows what to do in a flare-up", 1, 5, AGREEMENT),
        item(6, "has exercises to keep doing", 1, 5, AGREEMENT),
    ],
    total: TotalRule::Sum,
    total_min: 6.0,
    total_max: 30.0,
    polarity: Polarity::HigherIsBetter,
    subscales: &[],
    missing: MissingRule::RequireAll,
    banding: Banding::None,
    mic: None,
    loinc: Loinc {
        panel: None,
        total: None,
        band: None,
    },
    licence: Licence {
        status: LicenceStatus::Free,
        holder: "Rapport",
        note: "Rapport's own questions; not a validated instrument.",
    },
    notes: &[
        "Read item by item beside the patient's expectations at intake; the total is only a summary.",
    ],
    references: &[
        "Unsgaard-Tøndel M, Söderström S. Phys Ther 2021, Table 3 (themes after treatment)",
    ],
};
