//! The committed `schema.graphql` is the code's schema, and every operation of the contract
//! that Doorway implements so far validates against it.

use std::path::{Path, PathBuf};

use apollo_compiler::ast::{Definition, Document};
use apollo_compiler::{ExecutableDocument, Schema};

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The contract's folder: the repository's copy, `contract/`.
fn contract_dir() -> PathBuf {
    repo_root().join("contract")
}

/// The contract as it is shared with the clients' teams, where it sits beside the checkout.
fn shared_contract_dir() -> PathBuf {
    repo_root().join("../shared/contract")
}

#[test]
fn the_repositorys_contract_is_the_shared_one() {
    // Compared only where the shared folder sits beside the repository; a clone on its own
    // runs every test against its copy.
    let Ok(shared) = std::fs::read_dir(shared_contract_dir()) else {
        return;
    };
    let mut compared = 0;
    for entry in shared {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_owned();
        let ours = std::fs::read(contract_dir().join(&name))
            .unwrap_or_else(|_| panic!("contract/{} is missing", name.to_string_lossy()));
        assert!(
            ours == std::fs::read(&path).unwrap(),
            "contract/{} differs from the shared contract: copy it again",
            name.to_string_lossy()
        );
        compared += 1;
    }
    let ours = std::fs::read_dir(contract_dir()).unwrap().count();
    assert_eq!(
        ours, compared,
        "contract/ holds files the shared contract does not"
    );
}

/// Operations of the contract that Doorway serves today. The others are listed in
/// [`NOT_YET_SERVED`] so that this test says exactly what is missing.
const SERVED: &[&str] = &[
    "CreateTenant",
    "RotateTenantSeamKey",
    "Tenants",
    "SeamInventory",
    "ImportProperty",
    "Properties",
    "CreateResident",
    "Residents",
    "Resident",
    "GrantAccess",
    "Grant",
    "MyAccess",
    "StartMobileKeySession",
    "RescheduleGrant",
    "RevokeGrant",
    "MoveOutResident",
    "GrantUpdates",
    "MyCredentialUpdates",
];

/// Every operation of the contract is served.
const NOT_YET_SERVED: &[&str] = &[];

#[test]
fn schema_graphql_matches_the_code() {
    let path = repo_root().join("schema.graphql");
    let generated = doorway_api::graphql::sdl();
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "schema.graphql differs from the code's schema; run `UPDATE_SCHEMA=1 cargo test --test e2e schema` and commit it"
    );
}

fn contract_operations() -> Vec<(String, String)> {
    let mut operations = Vec::new();
    for file in ["operator.graphql", "portal.graphql", "resident-app.graphql"] {
        let path = contract_dir().join(file);
        let source = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
        let document = Document::parse(source, Path::new(file)).unwrap();
        for definition in &document.definitions {
            if let Definition::OperationDefinition(op) = definition {
                let name = op.name.as_ref().map(|n| n.to_string()).unwrap_or_default();
                operations.push((name, op.to_string()));
            }
        }
    }
    operations
}

#[test]
fn every_served_contract_operation_validates_against_the_schema() {
    let schema = Schema::parse_and_validate(doorway_api::graphql::sdl(), "schema.graphql")
        .unwrap_or_else(|e| panic!("the schema itself is invalid: {e}"));
    let operations = contract_operations();
    let mut failures = Vec::new();
    for name in SERVED {
        let (_, source) = operations
            .iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("the contract has no operation {name}"));
        if let Err(errors) =
            ExecutableDocument::parse_and_validate(&schema, source.as_str(), "op.graphql")
        {
            failures.push(format!("{name}:\n{}", errors.errors));
        }
    }
    assert!(
        failures.is_empty(),
        "contract operations that do not validate:\n{}",
        failures.join("\n")
    );
}

#[test]
fn the_contract_has_no_operation_this_test_does_not_know() {
    for (name, _) in contract_operations() {
        assert!(
            SERVED.contains(&name.as_str()) || NOT_YET_SERVED.contains(&name.as_str()),
            "the contract gained operation {name}: serve it and add it to SERVED"
        );
    }
}
