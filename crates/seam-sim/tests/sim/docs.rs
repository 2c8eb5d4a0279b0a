//! The README is documentation users act on: every control route is in it, and its example
//! seed makes the workspace it describes.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::TestSim;

const README: &str = include_str!("../../README.md");
const CONTROL: &str = include_str!("../../src/control/mod.rs");

#[test]
fn the_readme_documents_every_control_route() {
    let paths: Vec<&str> = CONTROL
        .split(".route(")
        .skip(1)
        .filter_map(|call| call.trim_start().strip_prefix('"')?.split('"').next())
        .collect();
    assert!(paths.len() >= 15, "{paths:?}");
    for path in paths {
        assert!(
            README.contains(&format!("/_sim{path}`")) || README.contains(&format!("/_sim{path} ")),
            "the README misses /_sim{path}"
        );
    }
}

#[tokio::test]
async fn the_readmes_example_seed_makes_what_it_says() {
    let start = README.find("```json\n").expect("an example seed") + "```json\n".len();
    let end = start + README[start..].find("```").unwrap();
    let seed: Value = serde_json::from_str(&README[start..end]).unwrap();
    let sim = TestSim::start().await;
    let answer = sim
        .send("/_sim/workspaces", None, Some(json!({ "seed": seed })))
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{:#}", answer.body);
    let key = answer.body["api_key"].as_str().unwrap();
    let systems = sim
        .send("/acs/systems/list", Some(key), Some(json!({})))
        .await;
    // The Salto KS site, the Latch building and its credential manager.
    assert_eq!(systems.body["acs_systems"].as_array().unwrap().len(), 3);
    let devices = sim.send("/devices/list", Some(key), Some(json!({}))).await;
    let shed = &devices.body["devices"][0];
    assert_eq!(shed["display_name"], "Shed");
    assert_eq!(shed["properties"]["supported_code_lengths"], json!([4, 6]));
    assert_eq!(
        shed["properties"]["code_constraints"][1],
        json!({ "constraint_type": "name_length", "max_length": 14 })
    );
}
