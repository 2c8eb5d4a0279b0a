//! Salto KS grants: a credential opens the doors of its access groups, and the ACS user's
//! schedule follows the grants that are live.

use serde_json::{json, Value};

use super::PATIENCE;
use crate::helpers::TestApp;
use crate::lifecycle_helpers::in_minutes;

fn group_named<'a>(site: &'a Value, name: &str) -> &'a Value {
    site["accessGroups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["name"] == name)
        .map(|g| &g["id"])
        .unwrap_or_else(|| panic!("no access group {name}: {site}"))
}

/// Grants a Salto PIN through these groups, in this window, and waits until ACTIVE.
async fn active_salto_grant(
    app: &TestApp,
    site: &Value,
    resident: &Value,
    groups: &[&str],
    window: (Value, Value),
) -> Value {
    let groups: Vec<&Value> = groups.iter().map(|g| group_named(site, g)).collect();
    let body = app
        .grant_access(json!({
            "residentId": resident["id"], "propertyId": site["id"], "accessMethod": "PIN_CODE",
            "accessGroupIds": groups, "startsAt": window.0, "endsAt": window.1,
        }))
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    app.wait_for_grant(
        &body["data"]["grantAccess"]["grant"]["id"],
        "ACTIVE",
        PATIENCE,
    )
    .await
}

/// The resident's ACS user on the Salto site at Seam (exactly one).
async fn salto_user(app: &TestApp) -> Value {
    let state = app.sim_state().await;
    let site = state["acs_systems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["external_type"] == "salto_ks_site")
        .unwrap()["acs_system_id"]
        .clone();
    let users: Vec<&Value> = state["acs_users"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["acs_system_id"] == site)
        .collect();
    assert_eq!(users.len(), 1, "{:#}", state["acs_users"]);
    let mut user = users[0].clone();
    let groups: Vec<Value> = state["acs_user_access_groups"][user["acs_user_id"].as_str().unwrap()]
        .as_array()
        .unwrap()
        .iter()
        .map(|id| {
            state["acs_access_groups"]
                .as_array()
                .unwrap()
                .iter()
                .find(|g| g["acs_access_group_id"] == *id)
                .unwrap()["name"]
                .clone()
        })
        .collect();
    user["group_names"] = json!(groups);
    user
}

fn seconds(at: &Value) -> i64 {
    chrono::DateTime::parse_from_rfc3339(at.as_str().unwrap_or_else(|| panic!("{at}")))
        .unwrap()
        .timestamp()
}

/// The user's access schedule is exactly this window (to the second, as Seam rounds).
fn assert_schedule(user: &Value, starts: &Value, ends: &Value) {
    let schedule = &user["access_schedule"];
    assert_eq!(
        (
            seconds(&schedule["starts_at"]),
            seconds(&schedule["ends_at"])
        ),
        (seconds(starts), seconds(ends)),
        "Seam's schedule {schedule}, wanted {starts} to {ends}"
    );
}

fn sorted_names(values: &Value) -> Vec<String> {
    let mut names: Vec<String> = values
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            v.as_str()
                .unwrap_or_else(|| v["name"].as_str().unwrap())
                .to_owned()
        })
        .collect();
    names.sort();
    names
}

async fn salto_site_and_sam(app: &TestApp) -> (Value, Value) {
    let site = app
        .import_acs_system_of_type(&app.manager_token(), "salto_ks_site")
        .await;
    let resident = app
        .create_resident("Sam Lee", "sam@example.com", "sam")
        .await;
    (site, resident)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn salto_credentials_open_the_doors_of_their_groups() {
    let app = crate::helpers::spawn_app().await;
    let (site, resident) = salto_site_and_sam(&app).await;
    active_salto_grant(
        &app,
        &site,
        &resident,
        &["Residents"],
        (Value::Null, Value::Null),
    )
    .await;
    let access = app.my_access("sam").await;
    let node = &access["viewer"]["resident"]["credentials"]["edges"][0]["node"];
    assert_eq!(
        sorted_names(&node["entrances"]),
        ["Fitness Center", "Lobby Door", "Rooftop Terrace"],
        "MyAccess shows {node}"
    );
    app.assert_truth().await;
}

/// The portal changes a Salto resident's dates by revoking the grant and granting anew: the
/// new grant is made right after `revokeGrant` answers, then once the old one is REVOKED.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn salto_schedule_follows_the_newest_grant_after_a_revoke() {
    let app = crate::helpers::spawn_app().await;
    let (site, resident) = salto_site_and_sam(&app).await;
    let first = active_salto_grant(
        &app,
        &site,
        &resident,
        &["Residents"],
        (in_minutes(60), in_minutes(300)),
    )
    .await;
    app.revoke(&first["id"]).await;
    let (starts, ends) = (in_minutes(120), in_minutes(540));
    let second = active_salto_grant(
        &app,
        &site,
        &resident,
        &["Residents"],
        (starts.clone(), ends.clone()),
    )
    .await;
    app.wait_for_grant(&first["id"], "REVOKED", PATIENCE).await;
    app.wait_until_settled().await;
    assert_schedule(&salto_user(&app).await, &starts, &ends);

    app.revoke(&second["id"]).await;
    app.wait_for_grant(&second["id"], "REVOKED", PATIENCE).await;
    let (starts, ends) = (in_minutes(180), in_minutes(600));
    active_salto_grant(
        &app,
        &site,
        &resident,
        &["Residents"],
        (starts.clone(), ends.clone()),
    )
    .await;
    assert_schedule(&salto_user(&app).await, &starts, &ends);
    app.assert_truth().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn salto_schedule_covers_every_live_grant_and_revoking_one_keeps_what_the_other_needs() {
    let app = crate::helpers::spawn_app().await;
    let (site, resident) = salto_site_and_sam(&app).await;
    let (first_starts, first_ends) = (in_minutes(60), in_minutes(300));
    let first = active_salto_grant(
        &app,
        &site,
        &resident,
        &["Residents"],
        (first_starts.clone(), first_ends),
    )
    .await;
    let (second_starts, second_ends) = (in_minutes(120), in_minutes(540));
    active_salto_grant(
        &app,
        &site,
        &resident,
        &["Residents", "Gym"],
        (second_starts.clone(), second_ends.clone()),
    )
    .await;
    let user = salto_user(&app).await;
    assert_schedule(&user, &first_starts, &second_ends);
    assert_eq!(sorted_names(&user["group_names"]), ["Gym", "Residents"]);

    app.revoke(&first["id"]).await;
    app.wait_for_grant(&first["id"], "REVOKED", PATIENCE).await;
    let user = salto_user(&app).await;
    assert_eq!(
        sorted_names(&user["group_names"]),
        ["Gym", "Residents"],
        "the live grant still needs both groups"
    );
    assert_schedule(&user, &second_starts, &second_ends);
    app.assert_truth().await;
}
