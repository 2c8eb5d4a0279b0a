//! The truth invariant (ENGINE.md 6): once every grant has settled, Doorway's records and Seam
//! agree. Every live credential exists at Seam as it says, every ended one is gone, Seam
//! holds nothing Doorway does not account for, and nobody who moved out keeps a client session.

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use serde_json::Value;
use uuid::Uuid;

use crate::helpers::TestApp;
use crate::lifecycle_helpers::wait_until;

/// Grant statuses that need no further work.
const SETTLED_GRANTS: &str = "('ACTIVE', 'FAILED', 'REVOKED', 'EXPIRED')";
/// Run statuses of work still to do (NEEDS_ATTENTION: the new engine's "stuck, say so").
const UNFINISHED_RUNS: &str = "('PENDING', 'RUNNING', 'NEEDS_ATTENTION')";

struct Credential {
    id: Uuid,
    grant_id: Uuid,
    status: String,
    acs_credential: Option<String>,
    access_code: Option<String>,
    /// The credential being replaced during a reschedule (new engine only).
    superseded: Option<String>,
}

impl Credential {
    fn ended(&self) -> bool {
        matches!(self.status.as_str(), "REVOKED" | "EXPIRED")
    }
}

struct Grant {
    resident_id: Uuid,
    status: String,
    seam_acs_system_id: Option<String>,
}

impl TestApp {
    /// Waits until every grant has settled and no run is unfinished, then compares Doorway's
    /// records with Seam's state; fails listing every disagreement.
    pub async fn assert_truth(&self) {
        self.wait_until_settled().await;
        let mut db = self.db().await;
        let credentials: Vec<Credential> = sqlx::query_as::<
            _,
            (
                Uuid,
                Uuid,
                String,
                Option<String>,
                Option<String>,
                Option<String>,
            ),
        >(
            "select credential_id, grant_id, status, seam_acs_credential_id, seam_access_code_id,
                    to_jsonb(c)->>'superseded_seam_acs_credential_id'
             from credentials c",
        )
        .fetch_all(&mut db)
        .await
        .unwrap()
        .into_iter()
        .map(
            |(id, grant_id, status, acs_credential, access_code, superseded)| Credential {
                id,
                grant_id,
                status,
                acs_credential,
                access_code,
                superseded,
            },
        )
        .collect();
        let grants: HashMap<Uuid, Grant> =
            sqlx::query_as::<_, (Uuid, Uuid, String, Option<String>)>(
                "select g.grant_id, g.resident_id, g.status, p.seam_acs_system_id
             from grants g join properties p on p.property_id = g.property_id",
            )
            .fetch_all(&mut db)
            .await
            .unwrap()
            .into_iter()
            .map(|(id, resident_id, status, seam_acs_system_id)| {
                let grant = Grant {
                    resident_id,
                    status,
                    seam_acs_system_id,
                };
                (id, grant)
            })
            .collect();
        let identities: Vec<(Uuid, Option<String>)> =
            sqlx::query_as("select resident_id, seam_user_identity_id from residents")
                .fetch_all(&mut db)
                .await
                .unwrap();
        let moved_out: Vec<(Uuid, String)> = sqlx::query_as(
            "select resident_id, seam_user_identity_id from residents
             where status = 'MOVED_OUT' and seam_user_identity_id is not null",
        )
        .fetch_all(&mut db)
        .await
        .unwrap();
        let recorded_users: Vec<(Uuid, String, String)> = sqlx::query_as(
            "select resident_id, seam_acs_system_id, seam_acs_user_id from resident_acs_users",
        )
        .fetch_all(&mut db)
        .await
        .unwrap();
        let state = self.sim_state().await;

        let mut wrong = credential_violations(&state, &credentials);
        wrong.extend(unaccounted_objects(&state, &credentials));
        wrong.extend(acs_user_violations(
            &state,
            &grants,
            &identities,
            &recorded_users,
        ));
        wrong.extend(session_violations(&state, &moved_out));
        assert!(
            wrong.is_empty(),
            "Doorway's records and Seam disagree:\n- {}\nSeam holds: {:#}",
            wrong.join("\n- "),
            seam_objects(&state)
        );
    }

    /// Waits until every grant has settled and no run is left to do.
    pub async fn wait_until_settled(&self) {
        let app = self;
        wait_until(
            Duration::from_secs(30),
            "settled (every grant ACTIVE, FAILED, REVOKED or EXPIRED, no run due or being worked \
             on: a run may wait for a window that opens later)",
            move || async move {
                let mut db = app.db().await;
                let grants: Vec<(Uuid, String)> = sqlx::query_as(&format!(
                    "select grant_id, status from grants where status not in {SETTLED_GRANTS}"
                ))
                .fetch_all(&mut db)
                .await
                .unwrap();
                let runs: Vec<(Uuid, String, String)> = sqlx::query_as(&format!(
                    "select r.grant_id, r.kind, r.status from provisioning_runs r
                     where r.status in {UNFINISHED_RUNS}
                       and (r.next_attempt_at < now() + interval '10 seconds'
                            or exists (select 1 from resident_leases l where l.run_id = r.run_id))"
                ))
                .fetch_all(&mut db)
                .await
                .unwrap();
                if grants.is_empty() && runs.is_empty() {
                    Ok(())
                } else {
                    Err(format!("grants {grants:?}, runs {runs:?}"))
                }
            },
        )
        .await;
    }
}

/// A resident who moved out has no client session left at Seam: no app of theirs can fetch
/// keys any more.
fn session_violations(state: &Value, moved_out: &[(Uuid, String)]) -> Vec<String> {
    let mut wrong = Vec::new();
    for session in state["client_sessions"].as_array().into_iter().flatten() {
        let identity = session["user_identity_id"].as_str().unwrap_or_default();
        if let Some((resident, _)) = moved_out.iter().find(|(_, id)| id == identity) {
            wrong.push(format!(
                "resident {resident} moved out but client session {} is still at Seam",
                session["client_session_id"]
            ));
        }
    }
    wrong
}

/// Live credentials exist at Seam as their status says; ended ones are gone.
fn credential_violations(state: &Value, credentials: &[Credential]) -> Vec<String> {
    let acs_credentials = by_id(state, "acs_credentials", "acs_credential_id");
    let access_codes = by_id(state, "access_codes", "access_code_id");
    let live_codes: BTreeSet<&str> = credentials
        .iter()
        .filter(|c| !c.ended())
        .filter_map(|c| c.access_code.as_deref())
        .collect();
    let mut wrong = Vec::new();
    for c in credentials {
        let what = format!("credential {} ({})", c.id, c.status);
        match c.status.as_str() {
            "ACTIVE" | "SCHEDULED" => {
                if let Some(id) = &c.acs_credential {
                    match acs_credentials.get(id.as_str()) {
                        Some(found) if found["is_issued"] == true => {}
                        Some(_) => wrong.push(format!("{what}: {id} is not issued at Seam")),
                        None => wrong.push(format!("{what}: {id} is not at Seam")),
                    }
                } else if let Some(id) = &c.access_code {
                    let allowed: &[&str] = if c.status == "ACTIVE" {
                        &["set"]
                    } else {
                        &["set", "unset"]
                    };
                    match access_codes.get(id.as_str()) {
                        Some(found) if allowed.iter().any(|s| found["status"] == *s) => {}
                        Some(found) => wrong.push(format!(
                            "{what}: access code {id} is {} at Seam",
                            found["status"]
                        )),
                        None => wrong.push(format!("{what}: access code {id} is not at Seam")),
                    }
                } else {
                    wrong.push(format!("{what}: no Seam object recorded"));
                }
            }
            "REVOKED" | "EXPIRED" => {
                let ids = [&c.acs_credential, &c.access_code, &c.superseded];
                for id in ids.into_iter().flatten() {
                    if acs_credentials.contains_key(id.as_str())
                        || access_codes.contains_key(id.as_str())
                    {
                        wrong.push(format!("{what}: {id} is still at Seam"));
                    }
                }
                let name = format!("Doorway grant {}", c.grant_id);
                for (id, code) in &access_codes {
                    if code["name"] == name.as_str() && !live_codes.contains(id) {
                        wrong.push(format!(
                            "{what}: access code {id} named {name:?} is still at Seam ({})",
                            code["status"]
                        ));
                    }
                }
            }
            _ => {}
        }
    }
    wrong.sort();
    wrong.dedup();
    wrong
}

/// Every credential and access code at Seam belongs to a credential that has not ended.
fn unaccounted_objects(state: &Value, credentials: &[Credential]) -> Vec<String> {
    let live: Vec<&Credential> = credentials.iter().filter(|c| !c.ended()).collect();
    let acs: BTreeSet<&str> = live
        .iter()
        .flat_map(|c| [&c.acs_credential, &c.superseded])
        .filter_map(|id| id.as_deref())
        .collect();
    let codes: BTreeSet<&str> = live
        .iter()
        .filter_map(|c| c.access_code.as_deref())
        .collect();
    let mut wrong = Vec::new();
    for (id, _) in by_id(state, "acs_credentials", "acs_credential_id") {
        if !acs.contains(id) {
            wrong.push(format!(
                "ACS credential {id} at Seam is not a live credential of Doorway"
            ));
        }
    }
    for (id, code) in by_id(state, "access_codes", "access_code_id") {
        if !codes.contains(id) {
            wrong.push(format!(
                "access code {id} ({:?}, {}) at Seam is not a live credential of Doorway",
                code["name"], code["status"]
            ));
        }
    }
    wrong
}

/// Every ACS user at Seam is someone's with live access there (or recorded), and nobody keeps
/// an ACS user on a system where all their grants have ended.
fn acs_user_violations(
    state: &Value,
    grants: &HashMap<Uuid, Grant>,
    identities: &[(Uuid, Option<String>)],
    recorded: &[(Uuid, String, String)],
) -> Vec<String> {
    // A resident's identity: recorded by Doorway, or found at Seam by its key (the resident id).
    let mut identity_of: HashMap<String, Uuid> = identities
        .iter()
        .filter_map(|(resident, identity)| identity.clone().map(|i| (i, *resident)))
        .collect();
    for identity in state["user_identities"].as_array().unwrap() {
        if let (Some(id), Some(key)) = (
            identity["user_identity_id"].as_str(),
            identity["user_identity_key"]
                .as_str()
                .and_then(|k| k.parse::<Uuid>().ok()),
        ) {
            identity_of.insert(id.to_owned(), key);
        }
    }
    let grants_on = |resident: Uuid, system: &str| -> Vec<&str> {
        grants
            .values()
            .filter(|g| {
                g.resident_id == resident && g.seam_acs_system_id.as_deref() == Some(system)
            })
            .map(|g| g.status.as_str())
            .collect()
    };
    let mut wrong = Vec::new();
    for user in state["acs_users"].as_array().unwrap() {
        let id = user["acs_user_id"].as_str().unwrap_or_default();
        let system = user["acs_system_id"].as_str().unwrap_or_default();
        let recorded_for = recorded
            .iter()
            .find(|(_, _, user_id)| user_id == id)
            .map(|(resident, _, _)| *resident);
        let resident = user["user_identity_id"]
            .as_str()
            .and_then(|i| identity_of.get(i).copied())
            .or(recorded_for);
        let Some(resident) = resident else {
            wrong.push(format!(
                "ACS user {id} at Seam belongs to no resident of Doorway"
            ));
            continue;
        };
        let statuses = grants_on(resident, system);
        let live = statuses
            .iter()
            .any(|s| matches!(*s, "PROVISIONING" | "ACTIVE" | "FAILED"));
        if !live && recorded_for.is_none() {
            wrong.push(format!(
                "ACS user {id} of resident {resident} at Seam, with no live grant there ({statuses:?})"
            ));
        }
        let all_ended =
            !statuses.is_empty() && statuses.iter().all(|s| matches!(*s, "REVOKED" | "EXPIRED"));
        if all_ended {
            wrong.push(format!(
                "resident {resident} still has ACS user {id} at Seam though all their grants there ended ({statuses:?})"
            ));
        }
    }
    wrong
}

fn by_id<'a>(state: &'a Value, kind: &str, id_field: &str) -> HashMap<&'a str, &'a Value> {
    state[kind]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|o| o[id_field].as_str().map(|id| (id, o)))
        .collect()
}

/// The part of Seam's state the invariant is about, briefly, for the failure message.
fn seam_objects(state: &Value) -> Value {
    let fields: [(&str, &[&str]); 3] = [
        (
            "acs_users",
            &["acs_user_id", "acs_system_id", "user_identity_id"],
        ),
        (
            "acs_credentials",
            &["acs_credential_id", "acs_user_id", "is_issued"],
        ),
        ("access_codes", &["access_code_id", "name", "status"]),
    ];
    let mut objects = serde_json::Map::new();
    for (kind, keep) in fields {
        let brief: Vec<Value> = state[kind]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| {
                keep.iter()
                    .map(|k| ((*k).to_owned(), o[*k].clone()))
                    .collect()
            })
            .collect();
        objects.insert(kind.to_owned(), Value::Array(brief));
    }
    Value::Object(objects)
}
