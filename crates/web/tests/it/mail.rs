//! Reminders and follow-up notices over a real SMTP conversation with a
//! local sink, the scheduler driven by `rapport_web::mail::tick` with a
//! clock of the test's choosing.

use jiff::Timestamp;
use jiff::civil::Date;
use rapport_care::caseload::{CaseloadRow, rank};
use rapport_care::judgement::Ground;
use rapport_domain::exercise::Dose;
use rapport_domain::identity::PatientId;
use rapport_domain::monitoring::LogInput;
use rapport_domain::prescription::{Delivery, Plan, PlanItem};
use rapport_store::{FormInput, LogSource};
use rapport_web::mail::{MailSettings, Mailer, TickReport, tick};

use crate::harness::*;
use crate::smtp_sink::SmtpSink;

const LINKS: &str = "https://rapport.test";

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn d(s: &str) -> Date {
    s.parse().unwrap()
}

/// The day before the clock of the reminder tests (10 March 2030): the plan
/// is new then, so no follow-up is due and only reminders go out.
const PLAN_DAY: &str = "2030-03-09";

/// The exercise of every plan here.
const EXERCISE: &str = "ge-bend-to-knees";

fn mailer(url: &str) -> Mailer {
    Mailer::new(&MailSettings {
        smtp_url: url.into(),
        password: None,
        from: "Rapport <rapport@clinic.test>".into(),
        link_base: LINKS.into(),
    })
    .unwrap()
}

/// The app with mail sent to `url`.
async fn app_mailing_to(url: &str) -> App {
    let m = mailer(url);
    spawn_customised(test_config(), move |s| s.with_mail(m)).await
}

/// The app on `backend` with mail sent to `url`; `None` when the backend is
/// not configured (the test is skipped).
async fn app_mailing_on(backend: Backend, url: &str) -> Option<App> {
    let m = mailer(url);
    spawn_on(backend, test_config(), move |s| s.with_mail(m)).await
}

/// The patient's episode gets a clear red-flag screen and a plan from
/// [`PLAN_DAY`].
async fn prescribe(app: &App, patient: PatientId) {
    prescribe_on(app, patient, d(PLAN_DAY)).await;
}

/// The patient's episode gets a clear red-flag screen and a plan made by
/// clinic A's clinician on `on`.
async fn prescribe_on(app: &App, patient: PatientId, on: Date) {
    let clinician = app.fx.clin_a.user.actor(None);
    let episode = app
        .store
        .episode_current(&clinician, patient)
        .await
        .unwrap()
        .unwrap();
    let screen = FormInput {
        time_point: rapport_domain::assessment::TimePoint::Baseline,
        form: "red_flags".into(),
        version: "1".into(),
        answers: serde_json::json!([false]),
        result: None,
        total: None,
        band: None,
        complete: true,
        red_flag_positive: Some(false),
    };
    app.store
        .form_save(&clinician, episode.id, &screen)
        .await
        .unwrap();
    let plan = Plan {
        items: vec![PlanItem {
            exercise_id: EXERCISE.into(),
            dose: Dose {
                sets: 2,
                reps: Some(10),
                hold_seconds: None,
                duration_minutes: None,
                rest_seconds: 30,
                per_week: 5,
                weeks: 6,
                load: None,
                intensity: None,
            },
            progression_rule: "harder when easy".into(),
            regression_rule: "easier when sore".into(),
            delivery: Delivery::Home,
            goal: None,
            why: "to bend with ease".into(),
        }],
        co_designed: false,
        whole_person: None,
    };
    app.store
        .prescription_save(&clinician, patient, &plan, &[], "first plan", on)
        .await
        .unwrap();
}

/// A session of the plan's exercise on `date`, with pain before and after,
/// entered by clinic A's clinician.
async fn log_session(app: &App, patient: PatientId, date: &str, pain: (u8, u8)) {
    let input = LogInput {
        exercise_id: EXERCISE.into(),
        completion: "done".into(),
        pain_before: pain.0.to_string(),
        pain_after: pain.1.to_string(),
        difficulty: "3".into(),
        enjoyment: "4".into(),
        date: date.into(),
        ..LogInput::default()
    };
    app.store
        .log_add(
            &app.fx.clin_a.user.actor(None),
            patient,
            &input,
            LogSource::Clinician,
            ts(&format!("{date}T20:00:00Z")),
        )
        .await
        .unwrap();
}

/// Clinic A's caseload as the dashboard ranks it on `today`.
async fn caseload_on(app: &App, today: Date) -> Vec<CaseloadRow> {
    let c = app
        .store
        .caseload(&app.fx.clin_a.user.actor(None))
        .await
        .unwrap();
    let library = app.state.care.library(c.clinic_id).await.unwrap();
    let ground = Ground {
        kb: &app.state.care.theory,
        exercises: &library,
        education: &app.state.care.education,
        thresholds: &c.thresholds,
    };
    rank(&c.episodes, &|_| today, &|_| ground, 0)
}

fn row_of(rows: &[CaseloadRow], patient: PatientId) -> &CaseloadRow {
    rows.iter().find(|r| r.patient.id == patient.0).unwrap()
}

/// Astrid (patient 1) chooses her reminder on the web page.
async fn choose(app: &App, zone: &str, time: &str, on: &str) -> reqwest::Response {
    let c = app.web_login(&app.fx.pat1_login).await;
    app.submit(
        &c,
        "/me/reminders",
        "/me/reminders",
        &[
            ("time_zone", zone),
            ("reminder_time", time),
            ("reminders", on),
        ],
    )
    .await
}

#[tokio::test]
async fn a_reminder_comes_once_at_the_chosen_time_on_the_patients_clock() {
    let sink = SmtpSink::start().await;
    let app = app_mailing_to(&sink.url()).await;
    prescribe(&app, app.fx.pat1).await;
    let res = choose(&app, "Europe/Oslo", "18:00", "on").await;
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("Saved."));

    // 10 March 2030: Oslo is UTC+1. 17:59 there: too early.
    let r = tick(&app.state, ts("2030-03-10T16:59:00Z")).await.unwrap();
    assert_eq!(r, TickReport::default());
    assert!(sink.accepted().is_empty());
    // 18:01 in Oslo: sent.
    let r = tick(&app.state, ts("2030-03-10T17:01:00Z")).await.unwrap();
    assert_eq!((r.reminders_queued, r.sent, r.failed), (1, 1, 0));
    let got = sink.accepted();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].to, ["astrid@a.example"]);
    assert_eq!(got[0].from, "rapport@clinic.test");
    let text = got[0].text();
    assert!(text.contains("Subject: Your exercises for today"), "{text}");
    assert!(text.contains("You have exercises planned today"), "{text}");
    assert!(text.contains("https://rapport.test/me/reminders"), "{text}");
    assert!(
        !text.contains("Astrid") && !text.contains("Alpha"),
        "{text}"
    );
    // Later ticks the same day send nothing more.
    for t in ["2030-03-10T17:02:00Z", "2030-03-10T18:30:00Z"] {
        assert_eq!(
            tick(&app.state, ts(t)).await.unwrap(),
            TickReport::default()
        );
    }
    assert_eq!(sink.accepted().len(), 1);
    let rows = app.store.outbox_all().await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].status, "sent");
    assert_eq!(
        rows[0].dedupe_key,
        format!("reminder:{}:2030-03-10", app.fx.pat1)
    );
    // The next evening: another.
    tick(&app.state, ts("2030-03-11T17:01:00Z")).await.unwrap();
    assert_eq!(sink.accepted().len(), 2);
}

#[tokio::test]
async fn a_patient_who_turned_reminders_off_gets_nothing() {
    let sink = SmtpSink::start().await;
    let app = app_mailing_to(&sink.url()).await;
    prescribe(&app, app.fx.pat1).await;
    assert_eq!(choose(&app, "", "18:00", "off").await.status(), 200);
    for t in ["2030-03-10T18:01:00Z", "2030-03-10T19:00:00Z"] {
        assert_eq!(
            tick(&app.state, ts(t)).await.unwrap(),
            TickReport::default()
        );
    }
    assert!(sink.accepted().is_empty());
    assert!(app.store.outbox_all().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_refused_delivery_is_retried_after_the_back_off_and_then_sent_once() {
    let sink = SmtpSink::start().await;
    sink.fail_next(1);
    let app = app_mailing_to(&sink.url()).await;
    prescribe(&app, app.fx.pat1).await;
    // The clinic is in UTC and Astrid keeps its clock: 18:00 UTC.
    let t0 = ts("2030-03-10T18:00:30Z");
    let r = tick(&app.state, t0).await.unwrap();
    assert_eq!((r.reminders_queued, r.sent, r.failed), (1, 0, 1));
    assert_eq!(sink.refused(), 1);
    let row = app.store.outbox_all().await.unwrap().remove(0);
    assert_eq!((row.status.as_str(), row.attempts), ("pending", 1));
    assert!(
        row.last_error.as_deref().unwrap_or("").contains("451"),
        "{row:?}"
    );
    // Within the back-off (1 minute): no attempt.
    let r = tick(&app.state, ts("2030-03-10T18:01:00Z")).await.unwrap();
    assert_eq!(r, TickReport::default());
    assert_eq!(sink.refused() + sink.accepted().len(), 1);
    // After it: delivered, once.
    let r = tick(&app.state, ts("2030-03-10T18:01:31Z")).await.unwrap();
    assert_eq!((r.sent, r.failed), (1, 0));
    tick(&app.state, ts("2030-03-10T18:10:00Z")).await.unwrap();
    assert_eq!(sink.accepted().len(), 1);
    let row = app.store.outbox_all().await.unwrap().remove(0);
    assert_eq!((row.status.as_str(), row.attempts), ("sent", 1));
}

#[tokio::test]
async fn mail_waits_while_the_server_is_down_and_goes_when_it_is_back() {
    let down = SmtpSink::closed_address().await;
    let app = app_mailing_to(&format!("smtp://{down}")).await;
    prescribe(&app, app.fx.pat1).await;
    let t0 = ts("2030-03-10T18:00:30Z");
    let r = tick(&app.state, t0).await.unwrap();
    assert_eq!((r.reminders_queued, r.sent, r.failed), (1, 0, 1));
    // Still down at the next attempt: the wait doubles (1, then 2 minutes).
    let r = tick(&app.state, ts("2030-03-10T18:01:30Z")).await.unwrap();
    assert_eq!(r.failed, 1);
    let row = app.store.outbox_all().await.unwrap().remove(0);
    assert_eq!(row.attempts, 2);
    assert_eq!(row.next_attempt_at, ts("2030-03-10T18:03:30Z"));
    let sink = SmtpSink::start_on(down).await;
    assert_eq!(
        tick(&app.state, ts("2030-03-10T18:03:00Z")).await.unwrap(),
        TickReport::default()
    );
    let r = tick(&app.state, ts("2030-03-10T18:03:30Z")).await.unwrap();
    assert_eq!(r.sent, 1);
    tick(&app.state, ts("2030-03-10T18:30:00Z")).await.unwrap();
    assert_eq!(sink.accepted().len(), 1);
    assert_eq!(sink.accepted()[0].to, ["astrid@a.example"]);
}

/// Each open episode had a phone follow-up on 1 March 2030, recorded by its
/// clinic's clinician, that stored 10 March as the next contact. Notices
/// follow the caseload's rule, not that stored date: with no plan running,
/// the next contact is 14 days after the last, on 15 March.
async fn routine_date_passed(backend: Backend) {
    let sink = SmtpSink::start().await;
    let Some(app) = app_mailing_on(backend, &sink.url()).await else {
        return;
    };
    app.store
        .execute_maintenance_sql(
            "INSERT INTO follow_ups (clinic_id, patient_id, episode_id, contact_on, kind, next_contact_on, recorded_by, created_at) \
             SELECT e.clinic_id, e.patient_id, e.id, '2030-03-01', 'phone', '2030-03-10', \
             (SELECT MIN(u.id) FROM users u WHERE u.role = 'clinician' AND u.clinic_id = e.clinic_id), e.created_at FROM episodes e",
        )
        .await
        .unwrap();
    let rows = caseload_on(&app, d("2030-03-10")).await;
    for p in [app.fx.pat1, app.fx.pat2] {
        let next = &row_of(&rows, p).next_contact;
        assert_eq!((next.date, next.overdue_days), (d("2030-03-15"), 0));
    }
    // Not due on the stored date, nor the day before the rule's.
    for t in ["2030-03-10T07:00:00Z", "2030-03-14T12:00:00Z"] {
        assert_eq!(
            tick(&app.state, ts(t)).await.unwrap(),
            TickReport::default(),
            "{t}"
        );
    }
    let r = tick(&app.state, ts("2030-03-15T07:00:00Z")).await.unwrap();
    assert_eq!((r.notices_queued, r.sent), (3, 3));
    let got = sink.accepted();
    let to_a: Vec<String> = got
        .iter()
        .filter(|m| m.to == ["clin.a@a.example"])
        .map(|m| m.text())
        .collect();
    assert_eq!(to_a.len(), 2);
    assert!(
        to_a.iter()
            .any(|t| t.contains("patient A.A. is due (2030-03-15)")),
        "{to_a:?}"
    );
    assert!(
        to_a.iter()
            .any(|t| t.contains("patient B.B. is due (2030-03-15)")),
        "{to_a:?}"
    );
    assert!(
        to_a.iter()
            .any(|t| t.contains(&format!("https://rapport.test/patients/{}", app.fx.pat1)))
    );
    let to_b: Vec<&_> = got
        .iter()
        .filter(|m| m.to == ["clin.b@b.example"])
        .collect();
    assert_eq!(to_b.len(), 1);
    assert!(to_b[0].text().contains("patient C.G. is due"));
    for m in &got {
        for name in ["Astrid", "Alpha", "Bjorn", "Beta", "Cecilie", "Gamma"] {
            assert!(!m.data.contains(name), "a name in a notice: {}", m.data);
        }
    }
    // Overdue the next days, but the same due contact: nothing more.
    for t in ["2030-03-15T12:00:00Z", "2030-03-16T07:00:00Z"] {
        tick(&app.state, ts(t)).await.unwrap();
    }
    assert_eq!(sink.accepted().len(), 3, "each notice once");
}

#[tokio::test]
async fn clinicians_are_told_once_when_the_routine_date_passes() {
    routine_date_passed(Backend::Sqlite).await;
}

#[tokio::test]
async fn clinicians_are_told_once_when_the_routine_date_passes_postgres() {
    routine_date_passed(Backend::Postgres).await;
}

/// Astrid's pain rises after her sessions: the caseload brings her next
/// contact forward to within 2 days of the flag, and her clinician hears of
/// it on that day, once. Bjorn is doing well and not due.
async fn new_flag_brings_the_notice_forward(backend: Backend) {
    let sink = SmtpSink::start().await;
    let Some(app) = app_mailing_on(backend, &sink.url()).await else {
        return;
    };
    let (astrid, bjorn) = (app.fx.pat1, app.fx.pat2);
    // Plans from Monday 4 March 2030, by clinic A's clinician.
    for p in [astrid, bjorn] {
        prescribe_on(&app, p, d("2030-03-04")).await;
    }
    log_session(&app, astrid, "2030-03-05", (2, 5)).await;
    log_session(&app, astrid, "2030-03-06", (2, 6)).await;
    log_session(&app, bjorn, "2030-03-05", (2, 2)).await;
    log_session(&app, bjorn, "2030-03-06", (2, 2)).await;

    // 7 March: the dashboard shows the flag and asks to see Astrid on 8 March
    // (the plan's routine date, with a concern open, is 18 March); Bjorn's
    // next contact is three weeks after his plan began. Nobody is due yet.
    let rows = caseload_on(&app, d("2030-03-07")).await;
    let row = row_of(&rows, astrid);
    assert!(row.flags.iter().any(|f| f.kind == "pain_rising"), "{row:?}");
    assert_eq!(row.next_contact.date, d("2030-03-08"));
    assert!(row.next_contact.reason.contains("New flag"), "{row:?}");
    assert_eq!(row_of(&rows, bjorn).next_contact.date, d("2030-03-25"));
    assert_eq!(
        tick(&app.state, ts("2030-03-07T12:00:00Z")).await.unwrap(),
        TickReport::default()
    );
    assert!(sink.accepted().is_empty());

    // 8 March: due. The clinician who made her plan is told, once.
    let rows = caseload_on(&app, d("2030-03-08")).await;
    assert_eq!(row_of(&rows, astrid).next_contact.date, d("2030-03-08"));
    let r = tick(&app.state, ts("2030-03-08T07:00:00Z")).await.unwrap();
    assert_eq!((r.notices_queued, r.sent, r.failed), (1, 1, 0));
    let got = sink.accepted();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].to, ["clin.a@a.example"]);
    let text = got[0].text();
    assert!(text.contains("Subject: A follow-up is due"), "{text}");
    assert!(
        text.contains("A follow-up with patient A.A. is due (2030-03-08)."),
        "{text}"
    );
    assert!(
        text.contains(&format!("https://rapport.test/patients/{astrid}")),
        "{text}"
    );
    assert!(
        !text.contains("Astrid") && !text.to_lowercase().contains("pain"),
        "nothing clinical in a notice: {text}"
    );
    // Later rounds — the same morning after the triage's quarter hour, and
    // the next day while the contact is overdue — send nothing more.
    for t in ["2030-03-08T09:00:00Z", "2030-03-09T07:00:00Z"] {
        tick(&app.state, ts(t)).await.unwrap();
    }
    assert_eq!(sink.accepted().len(), 1, "one notice per due date");
    let episode = app
        .store
        .episode_current(&app.fx.clin_a.user.actor(None), astrid)
        .await
        .unwrap()
        .unwrap()
        .id;
    let rows = app.store.outbox_all().await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(
        rows[0].dedupe_key,
        format!("follow_up:{episode}:2030-03-08:{}", app.fx.clin_a.user.id.0)
    );
    assert_eq!(rows[0].status, "sent");
}

#[tokio::test]
async fn a_new_flag_brings_one_notice_forward() {
    new_flag_brings_the_notice_forward(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_new_flag_brings_one_notice_forward_postgres() {
    new_flag_brings_the_notice_forward(Backend::Postgres).await;
}

#[tokio::test]
async fn without_a_mail_server_nothing_is_queued() {
    let app = spawn().await;
    prescribe(&app, app.fx.pat1).await;
    assert_eq!(
        tick(&app.state, ts("2030-03-10T18:30:00Z")).await.unwrap(),
        TickReport::default()
    );
    assert!(app.store.outbox_all().await.unwrap().is_empty());
}

#[tokio::test]
async fn the_reminder_page_checks_its_fields_and_the_admin_sets_the_clinic_zone() {
    let app = spawn().await;
    let c = app.web_login(&app.fx.pat1_login).await;
    let home = c
        .get(app.url("/me"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(home.contains(r#"href="/me/reminders""#));
    let page = c
        .get(app.url("/me/reminders"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains(r#"<label for="reminder_time">"#));
    assert!(page.contains(r#"value="18:00""#));
    assert!(page.contains("Same as my clinic (UTC)"));

    let bad = app
        .submit(
            &c,
            "/me/reminders",
            "/me/reminders",
            &[
                ("time_zone", "Mars/Olympus"),
                ("reminder_time", "18:00"),
                ("reminders", "on"),
            ],
        )
        .await;
    assert_eq!(bad.status(), 422);
    let body = bad.text().await.unwrap();
    assert!(
        body.contains("time_zone: `Mars/Olympus` is not an IANA time zone"),
        "{body}"
    );
    assert!(body.contains(r#"id="zone-err""#));
    let bad = app
        .submit(
            &c,
            "/me/reminders",
            "/me/reminders",
            &[
                ("time_zone", ""),
                ("reminder_time", "25:00"),
                ("reminders", "on"),
            ],
        )
        .await;
    assert_eq!(bad.status(), 422);
    let body = bad.text().await.unwrap();
    assert!(
        body.contains("reminder_time: must be a time of day as HH:MM"),
        "{body}"
    );
    assert!(body.contains(r#"value="25:00""#), "the typed value is kept");
    // Without the form's token: refused.
    let forged = c
        .post(app.url("/me/reminders"))
        .form(&[
            ("time_zone", ""),
            ("reminder_time", "07:00"),
            ("reminders", "off"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    let p = app
        .store
        .preferences(&app.fx.clin_a.user.actor(None), app.fx.pat1)
        .await
        .unwrap();
    assert!(p.reminders_on, "nothing was stored");

    // Only patients have this page.
    let clin = app.web_login(&app.fx.clin_a).await;
    let res = clin.get(app.url("/me/reminders")).send().await.unwrap();
    assert_eq!(res.status(), 403);

    // The administrator sets the clinic's zone; the patient's page follows it.
    let admin = app.web_login(&app.fx.admin_a).await;
    let bad = app
        .submit(
            &admin,
            "/admin/clinic",
            "/admin/clinic",
            &[("time_zone", "Nowhere/Land")],
        )
        .await;
    assert_eq!(bad.status(), 422);
    let ok = app
        .submit(
            &admin,
            "/admin/clinic",
            "/admin/clinic",
            &[("time_zone", "Europe/Oslo")],
        )
        .await;
    assert_eq!(ok.status(), 200);
    let body = ok.text().await.unwrap();
    assert!(body.contains("Saved."));
    assert!(body.contains("Mail is off"));
    let page = c
        .get(app.url("/me/reminders"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Same as my clinic (Europe/Oslo)"));
    let res = clin.get(app.url("/admin/clinic")).send().await.unwrap();
    assert_eq!(res.status(), 403);
}

/// Discharge makes the end-of-treatment questionnaires due at once and the
/// six-month ones from two weeks before six months on: one reminder each.
#[tokio::test]
async fn questionnaires_after_discharge_are_reminded_once_each() {
    let sink = SmtpSink::start().await;
    let app = app_mailing_to(&sink.url()).await;
    let clin = app.fx.clin_a.user.actor(None);
    app.store
        .episode_discharge(&clin, app.fx.pat1, d("2030-03-01"))
        .await
        .unwrap();
    let r = tick(&app.state, ts("2030-03-01T09:00:00Z")).await.unwrap();
    assert_eq!((r.reminders_queued, r.sent), (1, 1), "{r:?}");
    let got = sink.accepted();
    assert_eq!(got[0].to, ["astrid@a.example"]);
    let text = got[0].text();
    assert!(
        text.contains("Subject: Your questionnaires are ready"),
        "{text}"
    );
    assert!(
        text.contains("https://rapport.test/me/forms/discharge"),
        "{text}"
    );
    assert!(!text.contains("Astrid"), "{text}");
    // Still due the next week, and overdue later: no second mail.
    for t in ["2030-03-08T09:00:00Z", "2030-04-01T09:00:00Z"] {
        tick(&app.state, ts(t)).await.unwrap();
    }
    assert_eq!(sink.accepted().len(), 1);
    // The six-month questionnaires are not open a month before six months on…
    tick(&app.state, ts("2030-08-01T09:00:00Z")).await.unwrap();
    assert_eq!(sink.accepted().len(), 1);
    // …and are from two weeks before.
    tick(&app.state, ts("2030-08-19T09:00:00Z")).await.unwrap();
    let got = sink.accepted();
    assert_eq!(got.len(), 2);
    assert!(
        got[1]
            .text()
            .contains("https://rapport.test/me/forms/six_months"),
        "{}",
        got[1].text()
    );
    let keys: Vec<String> = app
        .store
        .outbox_all()
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.dedupe_key)
        .collect();
    let episode = app
        .store
        .episode_current(&clin, app.fx.pat1)
        .await
        .unwrap()
        .unwrap()
        .id;
    assert_eq!(
        keys,
        [
            format!("forms:{episode}:discharge"),
            format!("forms:{episode}:six_months")
        ]
    );
}
