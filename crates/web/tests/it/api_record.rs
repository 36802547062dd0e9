//! The patient's record under `/api/v1`: every record a page writes can be
//! written and read back, a refused write names the field and stores
//! nothing, and what is written changes what the theory reports. (Every
//! route against every kind of caller is in `tenancy`.)

use serde_json::{Value, json};

use crate::harness::*;

/// The field and rule of an error answer.
fn fault(body: &Value) -> (&str, &str) {
    let e = &body["error"];
    (
        e["field"].as_str().unwrap_or_default(),
        e["rule"].as_str().unwrap_or_default(),
    )
}

/// Each body is refused with `status`, naming `field` (and `rule`, for a 422).
async fn refused(app: &App, token: &str, path: &str, cases: &[(Value, u16, &str, &str)]) {
    for (body, status, field, rule) in cases {
        let (got, answer) = app.api_post(token, path, body).await;
        assert_eq!(got, *status, "{body}: {answer}");
        let (f, r) = fault(&answer);
        assert_eq!(f, *field, "{body}: {answer}");
        if !rule.is_empty() {
            assert_eq!(r, *rule, "{body}: {answer}");
        }
        assert!(
            answer["error"]["message"].as_str().unwrap().contains(field),
            "the message names the field: {answer}"
        );
    }
}

/// The patient's today: their clinic keeps UTC.
fn today() -> jiff::civil::Date {
    jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
}

fn tsk11(answer: i64) -> Value {
    json!({"instrument": "tsk11", "time_point": "baseline", "answers": vec![answer; 11]})
}

/// The CMOC `id` of a theory answer.
fn cmoc<'a>(theory: &'a Value, id: &str) -> &'a Value {
    theory["cmocs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no {id}"))
}

/// Signal `name` of CMOC `id`.
fn signal<'a>(theory: &'a Value, id: &str, name: &str) -> &'a Value {
    cmoc(theory, id)["signals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("{id} has no signal {name}"))
}

#[tokio::test]
async fn forms_are_scored_by_the_domain_and_read_back() {
    let app = spawn().await;
    let p = app.fx.pat1;
    let path = format!("/patients/{p}/forms");
    let clin = app.token(&app.fx.clin_a).await;
    let patient = app.token(&app.fx.pat1_login).await;

    let clear = vec![false; rapport_domain::assessment::RED_FLAGS.len()];
    let (status, screen) = app
        .api_post(
            &clin,
            &path,
            &json!({"instrument": "red_flags", "time_point": "baseline", "answers": clear}),
        )
        .await;
    assert_eq!(status, 201, "{screen}");
    assert_eq!(
        (screen["band"].as_str(), screen["total"].as_f64()),
        (Some("clear"), Some(0.0))
    );
    assert_eq!(screen["on_behalf"], true, "entered by the clinician");

    // The patient's own TSK-11: every item is required, so an unanswered
    // one is named by its number.
    let mut answers: Vec<Value> = vec![json!(3); 11];
    answers[4] = Value::Null;
    let (status, body) = app
        .api_post(
            &patient,
            &path,
            &json!({"instrument": "tsk11", "time_point": "baseline", "answers": answers}),
        )
        .await;
    assert_eq!(
        (status, fault(&body)),
        (422, ("answers[5]", "missing")),
        "{body}"
    );
    let (status, tsk) = app.api_post(&patient, &path, &tsk11(3)).await;
    assert_eq!(status, 201, "{tsk}");
    assert_eq!(
        (tsk["total"].as_f64(), tsk["on_behalf"].as_bool()),
        (Some(33.0), Some(false))
    );
    assert_eq!(tsk["version"], "TSK-11");
    // A completed form is final.
    let (status, body) = app.api_post(&clin, &path, &tsk11(2)).await;
    assert_eq!(status, 409, "{body}");

    // An intake kept to finish later, then finished.
    let (status, draft) = app
        .api_post(
            &patient,
            &path,
            &json!({"instrument": "intake", "time_point": "baseline",
                "answers": {"everyday_life": "Office work, two children", "finish": false}}),
        )
        .await;
    assert_eq!(status, 201, "{draft}");
    assert_eq!(draft["complete"], false);
    assert!(draft["completed_at"].is_null());
    let (status, done) = app
        .api_post(
            &patient,
            &path,
            &json!({"instrument": "intake", "time_point": "baseline",
                "answers": {"everyday_life": "Office work, two children", "expectations": ["exercises"]}}),
        )
        .await;
    assert_eq!(status, 201, "{done}");
    assert_eq!(
        (done["complete"].as_bool(), done["id"].as_i64()),
        (Some(true), draft["id"].as_i64())
    );

    for token in [&clin, &patient] {
        let (status, list) = app.api_get(token, &path).await;
        assert_eq!(status, 200, "{list}");
        let forms = list["forms"].as_array().unwrap();
        let red = forms.iter().find(|f| f["form"] == "red_flags").unwrap();
        assert_eq!(red["id"], screen["id"]);
        assert_eq!(
            (red["time_point"].as_str(), red["band"].as_str()),
            (Some("baseline"), Some("clear"))
        );
        assert!(
            red["result"].is_object() && red["completed_at"].is_string(),
            "{red}"
        );
        let intake = forms.iter().find(|f| f["form"] == "intake").unwrap();
        assert_eq!(
            intake["result"]["everyday_life"], "Office work, two children",
            "{intake}"
        );
        assert_eq!(list["episode_id"], screen["episode_id"]);
        assert!(forms.contains(&tsk), "read back as it was answered: {list}");
    }
}

#[tokio::test]
async fn a_refused_form_names_the_answer_and_nothing_is_stored() {
    let app = spawn().await;
    let p = app.fx.pat1;
    let path = format!("/patients/{p}/forms");
    let clin = app.token(&app.fx.clin_a).await;
    let mut five = vec![json!(2); 11];
    five[6] = json!(5);
    let mut unanswered = vec![json!(false); rapport_domain::assessment::RED_FLAGS.len()];
    unanswered[1] = Value::Null;
    refused(
        &app,
        &clin,
        &path,
        &[
            (json!({"instrument": "tsk11", "time_point": "baseline", "answers": five}), 422, "answers[7]", "range"),
            (json!({"instrument": "tsk11", "time_point": "baseline", "answers": vec![2; 10]}), 422, "answers", "count"),
            (json!({"instrument": "tsk11", "time_point": "baseline", "answers": [2, "two"]}), 400, "answers[2]", ""),
            (json!({"instrument": "tsk11", "time_point": "baseline"}), 422, "answers", "required"),
            (json!({"instrument": "odi", "time_point": "baseline", "answers": [1]}), 422, "instrument", "one_of"),
            (json!({"instrument": "tsk11", "time_point": "later", "answers": [1]}), 422, "time_point", "one_of"),
            (json!({"time_point": "baseline", "answers": [1]}), 422, "instrument", "required"),
            (json!({"instrument": "tsk11", "time_point": "baseline", "answers": [], "colour": 1}), 400, "colour", ""),
            (json!({"instrument": "red_flags", "time_point": "baseline", "answers": [true]}), 422, "answers", "count"),
            (json!({"instrument": "red_flags", "time_point": "baseline", "answers": unanswered}), 422, "answers[2]", "required"),
            (json!({"instrument": "intake", "time_point": "baseline", "answers": {"shoe_size": 44}}), 400, "answers.shoe_size", ""),
            (json!({"instrument": "intake", "time_point": "baseline", "answers": {"expectations": ["a pill"]}}), 422, "answers.expectations", "one_of"),
            // An open episode has no discharge forms yet.
            (json!({"instrument": "nprs", "time_point": "discharge", "answers": [3]}), 422, "time_point", "in_schedule"),
        ],
    )
    .await;
    let (status, list) = app.api_get(&clin, &path).await;
    assert_eq!(status, 200);
    assert_eq!(list["forms"], json!([]), "nothing was stored");

    // After discharge the six-month forms wait for their window, for the patient.
    let on = jiff::Zoned::now().date();
    app.store
        .episode_discharge(&app.fx.clin_a.user.actor(None), p, on)
        .await
        .unwrap();
    let patient = app.token(&app.fx.pat1_login).await;
    let (status, body) = app
        .api_post(
            &patient,
            &path,
            &json!({"instrument": "nprs", "time_point": "six_months", "answers": [3]}),
        )
        .await;
    assert_eq!(
        (status, fault(&body)),
        (422, ("time_point", "open")),
        "{body}"
    );
}

#[tokio::test]
async fn goals_are_checked_by_the_domain_and_read_back() {
    let app = spawn().await;
    let p = app.fx.pat1;
    let path = format!("/patients/{p}/goals");
    let clin = app.token(&app.fx.clin_a).await;
    let by = jiff::Zoned::now()
        .date()
        .checked_add(jiff::Span::new().days(60))
        .unwrap();
    let past = jiff::Zoned::now().date().yesterday().unwrap();
    refused(
        &app,
        &clin,
        &path,
        &[
            (json!({"activity": "Lift my grandchild", "current_level": 6, "target_level": 4, "by": by.to_string()}), 422, "target_level", "above_current"),
            (json!({"activity": "Lift my grandchild", "current_level": 11, "target_level": 12, "by": by.to_string()}), 422, "current_level", "range"),
            (json!({"activity": "Lift my grandchild", "current_level": 2, "target_level": 8, "by": past.to_string()}), 422, "by", "future"),
            (json!({"activity": " ", "current_level": 2, "target_level": 8, "by": by.to_string()}), 422, "activity", "required"),
            (json!({"activity": "Lift", "current_level": "2", "target_level": 8, "by": by.to_string()}), 400, "current_level", ""),
            (json!({"activity": "Lift", "current_level": 2, "target_level": 8, "by": by.to_string(), "weight": 3}), 400, "weight", ""),
        ],
    )
    .await;
    assert_eq!(
        app.api_get(&clin, &path).await.1["goals"],
        json!([]),
        "nothing was stored"
    );

    let (status, goal) = app
        .api_post(
            &clin,
            &path,
            &json!({"activity": "Lift my grandchild", "current_level": 2, "target_level": 8, "by": by.to_string(), "agreed_together": true}),
        )
        .await;
    assert_eq!(status, 201, "{goal}");
    assert_eq!(goal["agreed_on"], jiff::Zoned::now().date().to_string());
    let patient = app.token(&app.fx.pat1_login).await;
    let (status, list) = app.api_get(&patient, &path).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(
        list["goals"],
        json!([goal]),
        "the patient reads their own goal"
    );

    // A patient does not set goals through the API.
    let (status, _) = app
        .api_post(
            &patient,
            &path,
            &json!({"activity": "Run", "current_level": 2, "target_level": 8, "by": by.to_string()}),
        )
        .await;
    assert_eq!(status, 403);
    assert_eq!(
        app.api_get(&clin, &path).await.1["goals"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn contacts_are_recorded_with_their_next_contact_and_read_back() {
    let app = spawn().await;
    let p = app.fx.pat1;
    let path = format!("/patients/{p}/contacts");
    let clin = app.token(&app.fx.clin_a).await;
    let later = today().checked_add(jiff::Span::new().days(3)).unwrap();
    refused(
        &app,
        &clin,
        &path,
        &[
            (
                json!({"kind": "in_person", "corrected": true}),
                422,
                "corrected",
                "only_when_supervised",
            ),
            (
                json!({"kind": "phone", "corrections": "Hips back"}),
                422,
                "corrections",
                "only_when_supervised",
            ),
            (
                json!({"kind": "in_person", "benefit": 9}),
                422,
                "benefit",
                "range",
            ),
            (
                json!({"kind": "in_person", "benefit": 300}),
                400,
                "benefit",
                "",
            ),
            (json!({"kind": "carrier_pigeon"}), 422, "kind", "one_of"),
            (
                json!({"practices": ["rapport_built"]}),
                422,
                "kind",
                "required",
            ),
            (
                json!({"kind": "video", "practices": ["rapport_built", "telepathy"]}),
                422,
                "practices[1]",
                "one_of",
            ),
            (
                json!({"kind": "video", "date": later.to_string()}),
                422,
                "date",
                "not_future",
            ),
            (
                json!({"kind": "video", "date": "2026-02-30"}),
                422,
                "date",
                "date",
            ),
            (
                json!({"kind": "supervised", "step": {"index": 0, "direction": "sideways"}}),
                422,
                "step.direction",
                "one_of",
            ),
            (
                json!({"kind": "supervised", "step": {"direction": "easier"}}),
                422,
                "step.index",
                "required",
            ),
            (json!({"kind": "video", "mood": "good"}), 400, "mood", ""),
        ],
    )
    .await;
    // A step needs a plan to change: refused, and nothing is recorded.
    let (status, body) = app
        .api_post(
            &clin,
            &path,
            &json!({"kind": "supervised", "step": {"index": 0, "direction": "easier"}}),
        )
        .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(
        app.api_get(&clin, &path).await.1["contacts"],
        json!([]),
        "nothing was stored"
    );

    let (status, contact) = app
        .api_post(
            &clin,
            &path,
            &json!({"kind": "in_person", "practices": ["rapport_built", "shared_decisions"],
                "checklist_complete": true, "feedback_given": true, "feels_supported": true,
                "benefit": 2, "notes": "Walks to work again"}),
        )
        .await;
    assert_eq!(status, 201, "{contact}");
    assert_eq!(
        contact["date"],
        today().to_string(),
        "the patient's today by default"
    );
    assert_eq!(
        contact["practices"],
        json!(["rapport_built", "shared_decisions"])
    );
    assert!(
        contact["next_contact_on"].is_string(),
        "dated by rule: {contact}"
    );
    assert!(contact["next_reason"].is_string());
    assert_eq!(contact["recorded_by"], app.fx.clin_a.email);
    for token in [clin.clone(), app.token(&app.fx.pat1_login).await] {
        let (status, list) = app.api_get(&token, &path).await;
        assert_eq!(status, 200, "{list}");
        assert_eq!(list["contacts"], json!([contact]));
    }

    // A patient does not record contacts.
    let patient = app.token(&app.fx.pat1_login).await;
    let (status, body) = app
        .api_post(&patient, &path, &json!({"kind": "phone"}))
        .await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(
        app.api_get(&clin, &path).await.1["contacts"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn a_supervised_contact_steps_the_plan() {
    let app = spawn().await;
    let p = app.fx.pat1;
    app.logged_session().await;
    let clin = app.token(&app.fx.clin_a).await;
    let (status, contact) = app
        .api_post(
            &clin,
            &format!("/patients/{p}/contacts"),
            &json!({"kind": "supervised", "corrected": true, "progressed": false,
                "corrections": "Bend from the hips", "step": {"index": 0, "direction": "easier"}}),
        )
        .await;
    assert_eq!(status, 201, "{contact}");
    assert_eq!(contact["plan_version"], 2, "{contact}");
    assert_eq!(
        (
            contact["corrected"].as_bool(),
            contact["progressed"].as_bool()
        ),
        (Some(true), Some(false))
    );
    // A step past the end of the plan is refused, and the plan stays as it was.
    let (status, body) = app
        .api_post(
            &clin,
            &format!("/patients/{p}/contacts"),
            &json!({"kind": "supervised", "step": {"index": 5, "direction": "easier"}}),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    let plan = app
        .store
        .prescription_current(&app.fx.clin_a.user.actor(None), p)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(plan.versions.len(), 2);
}

#[tokio::test]
async fn feedback_on_a_log_is_read_back_with_the_logs() {
    let app = spawn().await;
    let p = app.fx.pat1;
    let log = app.logged_session().await;
    let clin = app.token(&app.fx.clin_a).await;
    let path = format!("/patients/{p}/logs/{log}/feedback");
    refused(
        &app,
        &clin,
        &path,
        &[
            (json!({"body": "   "}), 422, "body", "required"),
            (json!({"body": "x".repeat(2001)}), 422, "body", "max_length"),
            (json!({}), 422, "body", "required"),
            (json!({"body": 5}), 400, "body", ""),
        ],
    )
    .await;
    let (_, logs) = app.api_get(&clin, &format!("/patients/{p}/logs")).await;
    assert_eq!(logs["logs"][0]["comments"], json!([]), "nothing was stored");

    let (status, feedback) = app
        .api_post(&clin, &path, &json!({"body": "Well done."}))
        .await;
    assert_eq!(status, 201, "{feedback}");
    assert_eq!(
        (feedback["log_id"].as_i64(), feedback["seen"].as_bool()),
        (Some(log), Some(false))
    );
    let patient = app.token(&app.fx.pat1_login).await;
    for token in [&clin, &patient] {
        let (status, logs) = app.api_get(token, &format!("/patients/{p}/logs")).await;
        assert_eq!(status, 200, "{logs}");
        let first = &logs["logs"][0];
        assert_eq!(
            (first["id"].as_i64(), first["completion"].as_str()),
            (Some(log), Some("completed"))
        );
        assert_eq!(first["comments"], json!([feedback]));
    }
    // Another patient's log is not this patient's; a patient gives no feedback.
    let other = format!("/patients/{}/logs/{log}/feedback", app.fx.pat2);
    assert_eq!(
        app.api_post(&clin, &other, &json!({"body": "Hi"})).await.0,
        404
    );
    assert_eq!(
        app.api_post(
            &clin,
            &format!("/patients/{p}/logs/1e3/feedback"),
            &json!({"body": "Hi"})
        )
        .await
        .0,
        404
    );
    assert_eq!(
        app.api_post(&patient, &path, &json!({"body": "Thanks"}))
            .await
            .0,
        403
    );
    let (_, logs) = app.api_get(&clin, &format!("/patients/{p}/logs")).await;
    assert_eq!(logs["logs"][0]["comments"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn messages_go_both_ways_in_the_patients_thread() {
    let app = spawn().await;
    let p = app.fx.pat1;
    let path = format!("/patients/{p}/messages");
    let clin = app.token(&app.fx.clin_a).await;
    let patient = app.token(&app.fx.pat1_login).await;
    refused(
        &app,
        &patient,
        &path,
        &[
            (json!({"body": ""}), 422, "body", "required"),
            (json!({"body": "a\u{0007}b"}), 422, "body", "characters"),
            (json!({"text": "hi"}), 400, "text", ""),
        ],
    )
    .await;
    assert_eq!(
        app.api_get(&clin, &path).await.1["messages"],
        json!([]),
        "nothing was stored"
    );

    let (status, asked) = app
        .api_post(&patient, &path, &json!({"body": "Can I swim?"}))
        .await;
    assert_eq!(status, 201, "{asked}");
    assert_eq!(asked["from_patient"], true);
    let (status, answered) = app
        .api_post(&clin, &path, &json!({"body": "Yes, gently."}))
        .await;
    assert_eq!(status, 201, "{answered}");
    assert_eq!(answered["from_patient"], false);
    let (status, thread) = app.api_get(&patient, &path).await;
    assert_eq!(status, 200);
    let bodies: Vec<&str> = thread["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body"].as_str().unwrap())
        .collect();
    assert_eq!(bodies, ["Can I swim?", "Yes, gently."]);
    // Patient 2 writes in their own thread only.
    let other = app.token(&app.fx.pat2_login).await;
    assert_eq!(
        app.api_post(&other, &path, &json!({"body": "Hello"}))
            .await
            .0,
        404
    );
    assert_eq!(
        app.api_get(&clin, &path).await.1["messages"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[tokio::test]
async fn education_is_assigned_from_the_library_once() {
    let app = spawn().await;
    let p = app.fx.pat1;
    let path = format!("/patients/{p}/education");
    let clin = app.token(&app.fx.clin_a).await;
    refused(
        &app,
        &clin,
        &path,
        &[
            (json!({"item_id": "miracle-cure"}), 422, "item_id", "known"),
            (json!({}), 422, "item_id", "required"),
            (json!({"item_id": ["hurt-and-harm"]}), 400, "item_id", ""),
        ],
    )
    .await;
    assert_eq!(
        app.api_get(&clin, &path).await.1["items"],
        json!([]),
        "nothing was stored"
    );
    let item = app.state.care.education.all()[0].clone();
    let (status, assigned) = app
        .api_post(&clin, &path, &json!({"item_id": item.id}))
        .await;
    assert_eq!(status, 201, "{assigned}");
    assert_eq!(assigned["title"], item.title);
    assert_eq!(
        app.api_post(&clin, &path, &json!({"item_id": item.id}))
            .await
            .0,
        409
    );
    let patient = app.token(&app.fx.pat1_login).await;
    let (status, list) = app.api_get(&patient, &path).await;
    assert_eq!(status, 200);
    assert_eq!(list["items"], json!([assigned]));
    assert_eq!(
        app.api_post(&patient, &path, &json!({"item_id": item.id}))
            .await
            .0,
        403
    );
}

#[tokio::test]
async fn a_beliefs_review_is_kept_for_clinicians() {
    let app = spawn().await;
    let p = app.fx.pat1;
    let path = format!("/patients/{p}/beliefs");
    let clin = app.token(&app.fx.clin_a).await;
    let (status, none) = app.api_get(&clin, &path).await;
    assert_eq!(status, 200, "{none}");
    assert!(none["review"].is_null());
    refused(
        &app,
        &clin,
        &path,
        &[
            (
                json!({"confirmed": ["bad_back_forever"]}),
                422,
                "confirmed",
                "one_of",
            ),
            (
                json!({"confirmed": [], "reconciled": ["hurt_means_harm"]}),
                422,
                "reconciled",
                "confirmed",
            ),
            (json!({"note": "x".repeat(2001)}), 422, "note", "max_length"),
            (
                json!({"confirmed": "hurt_means_harm"}),
                400,
                "confirmed",
                "",
            ),
        ],
    )
    .await;
    assert!(
        app.api_get(&clin, &path).await.1["review"].is_null(),
        "nothing was stored"
    );
    let (status, review) = app
        .api_post(
            &clin,
            &path,
            &json!({"confirmed": ["hurt_means_harm"], "reconciled": ["hurt_means_harm"], "note": "Explained hurt and harm"}),
        )
        .await;
    assert_eq!(status, 201, "{review}");
    let (status, latest) = app.api_get(&clin, &path).await;
    assert_eq!(status, 200);
    assert_eq!(latest["review"], review);
    // The store keeps the review for clinicians, the patient's own included.
    let patient = app.token(&app.fx.pat1_login).await;
    assert_eq!(app.api_get(&patient, &path).await.0, 403);
    assert_eq!(
        app.api_post(&patient, &path, &json!({"confirmed": []}))
            .await
            .0,
        403
    );
}

#[tokio::test]
async fn what_is_written_through_the_api_changes_what_the_theory_reports() {
    written_changes_the_theory(Backend::Sqlite).await;
}

#[tokio::test]
async fn what_is_written_through_the_api_changes_what_the_theory_reports_postgres() {
    written_changes_the_theory(Backend::Postgres).await;
}

async fn written_changes_the_theory(backend: Backend) {
    let Some(app) = spawn_on(backend, test_config(), |s| s).await else {
        return;
    };
    let p = app.fx.pat1;
    let clin = app.token(&app.fx.clin_a).await;
    let theory = format!("/patients/{p}/theory");
    let (status, before) = app.api_get(&clin, &theory).await;
    assert_eq!(status, 200, "{before}");
    assert_eq!(cmoc(&before, "T1.1")["context"], "unknown");
    assert_eq!(
        signal(&before, "C3.2", "fearful_of_movement")["value"],
        "unknown"
    );

    // A contact at which rapport was built.
    let (status, contact) = app
        .api_post(
            &clin,
            &format!("/patients/{p}/contacts"),
            &json!({"kind": "in_person", "practices": ["rapport_built"]}),
        )
        .await;
    assert_eq!(status, 201, "{contact}");
    // A TSK-11 with the highest total, from the patient.
    let patient = app.token(&app.fx.pat1_login).await;
    let (status, tsk) = app
        .api_post(&patient, &format!("/patients/{p}/forms"), &tsk11(4))
        .await;
    assert_eq!((status, tsk["total"].as_f64()), (201, Some(44.0)), "{tsk}");

    let (status, after) = app.api_get(&clin, &theory).await;
    assert_eq!(status, 200, "{after}");
    assert_eq!(
        cmoc(&after, "T1.1")["context"],
        "present",
        "{}",
        cmoc(&after, "T1.1")
    );
    let rapport = signal(&after, "T1.1", "rapport_built");
    assert_eq!(rapport["value"], "true");
    assert_eq!(
        rapport["records"],
        json!([{"kind": "contact", "id": contact["id"], "date": contact["date"]}])
    );
    let fear = signal(&after, "C3.2", "fearful_of_movement");
    assert_eq!(fear["value"], "true", "{fear}");
    assert_eq!(fear["records"][0]["kind"], "form");
    assert_eq!(fear["records"][0]["id"], tsk["id"]);
}

#[tokio::test]
async fn a_patient_without_an_episode_has_no_record_to_read_or_write() {
    let app = spawn().await;
    let clin = app.token(&app.fx.clin_a).await;
    let no_episode = app
        .store
        .patient_create(
            &app.fx.clin_a.user.actor(None),
            &rapport_domain::patient::PatientInput {
                given_name: Some("Dag".into()),
                family_name: Some("Delta".into()),
                birth_date: Some("1980-01-01".into()),
                ..Default::default()
            }
            .validate(jiff::civil::date(2026, 1, 1))
            .unwrap(),
        )
        .await
        .unwrap()
        .value
        .id;
    // Nothing to read; a write into the episode is a conflict, as the patient is there.
    for list in [
        "forms",
        "goals",
        "contacts",
        "logs",
        "education",
        "beliefs",
        "theory",
    ] {
        let (status, body) = app
            .api_get(&clin, &format!("/patients/{no_episode}/{list}"))
            .await;
        assert_eq!(status, 404, "{list}: {body}");
    }
    let by = today()
        .checked_add(jiff::Span::new().days(30))
        .unwrap()
        .to_string();
    for (write, body) in [
        ("forms", tsk11(2)),
        ("contacts", json!({"kind": "phone"})),
        (
            "goals",
            json!({"activity": "Garden", "current_level": 2, "target_level": 7, "by": by}),
        ),
        (
            "education",
            json!({"item_id": app.state.care.education.all()[0].id}),
        ),
        ("beliefs", json!({"confirmed": []})),
    ] {
        let (status, answer) = app
            .api_post(&clin, &format!("/patients/{no_episode}/{write}"), &body)
            .await;
        assert_eq!(status, 409, "{write}: {answer}");
    }
}

#[tokio::test]
async fn the_openapi_document_lists_the_records_routes() {
    let app = spawn().await;
    let doc: Value = api()
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let statuses = |path: &str, method: &str| -> Vec<String> {
        doc["paths"][format!("/api/v1{path}")][method]["responses"]
            .as_object()
            .unwrap_or_else(|| panic!("{method} {path} is documented"))
            .keys()
            .cloned()
            .collect()
    };
    for (path, post) in [
        (
            "/patients/{id}/forms",
            &[
                "201", "400", "401", "403", "404", "409", "413", "415", "422",
            ][..],
        ),
        (
            "/patients/{id}/goals",
            &["201", "400", "403", "404", "409", "422"],
        ),
        (
            "/patients/{id}/contacts",
            &["201", "400", "403", "404", "409", "422"],
        ),
        (
            "/patients/{id}/messages",
            &["201", "400", "403", "404", "422"],
        ),
        (
            "/patients/{id}/education",
            &["201", "400", "403", "404", "409", "422"],
        ),
        (
            "/patients/{id}/beliefs",
            &["201", "400", "403", "404", "409", "422"],
        ),
        (
            "/patients/{id}/logs/{log_id}/feedback",
            &["201", "400", "403", "404", "422"],
        ),
    ] {
        let got = statuses(path, "post");
        for s in post {
            assert!(got.iter().any(|g| g == s), "POST {path} lists {s}: {got:?}");
        }
    }
    for path in [
        "/patients/{id}/forms",
        "/patients/{id}/goals",
        "/patients/{id}/contacts",
        "/patients/{id}/logs",
        "/patients/{id}/messages",
        "/patients/{id}/education",
        "/patients/{id}/beliefs",
        "/patients/{id}/theory",
    ] {
        let got = statuses(path, "get");
        for s in ["200", "401", "403", "404"] {
            assert!(got.iter().any(|g| g == s), "GET {path} lists {s}: {got:?}");
        }
    }
    let schemas = &doc["components"]["schemas"];
    let required = |name: &str| -> Vec<String> {
        schemas[name]["required"]
            .as_array()
            .unwrap_or_else(|| panic!("{name}: {}", schemas[name]))
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    };
    for f in ["instrument", "time_point", "answers"] {
        assert!(required("FormSubmit").contains(&f.to_string()), "{f}");
    }
    assert!(required("ContactCreate").contains(&"kind".to_string()));
    assert_eq!(
        schemas["ContactCreate"]["properties"]["benefit"]["maximum"],
        7
    );
    assert!(schemas["TheoryOut"]["properties"]["cmocs"].is_object());
}
