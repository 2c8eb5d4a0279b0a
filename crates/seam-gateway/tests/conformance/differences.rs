//! The spec's verdict on each target. The simulator must match Seam's OpenAPI description;
//! Seam's fake may differ from it only in the ways listed here, each of which is written up
//! in `DIFFERENCES.md`. A new difference fails the suite until it is understood and listed.

use std::collections::BTreeSet;

use crate::openapi::Violation;
use crate::proxy::generic_pointer;
use crate::target::Kind;

/// One known way the fake's answers differ from the description.
struct Known {
    path: &'static str,
    /// Generic JSON pointer (`*` for array indices); a trailing `/**` matches anything below.
    pointer: &'static str,
    /// A part of the validator's message.
    message: &'static str,
}

impl Known {
    fn matches(&self, v: &Violation) -> bool {
        let pointer = generic_pointer(&v.pointer);
        let pointer_matches = match self.pointer.strip_suffix("/**") {
            Some(prefix) => pointer == prefix || pointer.starts_with(&format!("{prefix}/")),
            None => pointer == self.pointer,
        };
        (self.path == "*" || self.path == v.path)
            && pointer_matches
            && v.message.contains(self.message)
    }
}

fn known(path: &'static str, pointer: &'static str, message: &'static str) -> Known {
    Known {
        path,
        pointer,
        message,
    }
}

/// Required fields an object of the fake lacks, on every path that returns it.
fn missing(out: &mut Vec<Known>, at: &[(&'static str, &'static str)], fields: &[&'static str]) {
    for (path, pointer) in at {
        for field in fields {
            out.push(known(path, pointer, field));
        }
    }
}

/// Seam's fake, 1.86.0, against Seam's description: the numbered items of DIFFERENCES.md.
fn fake_differences() -> Vec<Known> {
    let mut out = Vec::new();
    // F1: lists without `pagination`.
    for path in [
        "/access_codes/list",
        "/acs/entrances/list",
        "/acs/users/list",
    ] {
        out.push(known(path, "", "\"pagination\" is a required property"));
    }
    // F2: ACS systems without seven required fields.
    missing(
        &mut out,
        &[
            ("/acs/systems/get", "/acs_system"),
            ("/acs/systems/list", "/acs_systems/*"),
        ],
        &[
            "\"connected_account_ids\" is a required property",
            "\"errors\" is a required property",
            "\"warnings\" is a required property",
            "\"image_url\" is a required property",
            "\"image_alt_text\" is a required property",
            "\"is_credential_manager\" is a required property",
            "\"location\" is a required property",
        ],
    );
    // F3: ACS users without five required fields.
    missing(
        &mut out,
        &[
            ("/acs/users/create", "/acs_user"),
            ("/acs/users/get", "/acs_user"),
            ("/acs/users/list", "/acs_users/*"),
        ],
        &[
            "\"connected_account_id\" is a required property",
            "\"errors\" is a required property",
            "\"warnings\" is a required property",
            "\"is_managed\" is a required property",
            "\"last_successful_sync_at\" is a required property",
        ],
    );
    // F4: access codes without `pending_mutations`; create without its `action_attempt`.
    missing(
        &mut out,
        &[
            ("/access_codes/create", "/access_code"),
            ("/access_codes/get", "/access_code"),
            ("/access_codes/list", "/access_codes/*"),
        ],
        &["\"pending_mutations\" is a required property"],
    );
    out.push(known(
        "/access_codes/create",
        "",
        "\"action_attempt\" is a required property",
    ));
    // F5: a finished action attempt with `result: null`.
    out.push(known(
        "/action_attempts/get",
        "/action_attempt",
        "matches no variant for action_type = \"UPDATE_ACCESS_CODE\", status = \"success\"",
    ));
    // F6: the workspace without `organization_id`.
    out.push(known(
        "/workspaces/get",
        "/workspace",
        "\"organization_id\" is a required property",
    ));
    // F7: unimplemented endpoints answer outside Seam's error envelope.
    out.push(known("*", "", "404 is not of type \"object\""));
    out.push(known("/user_identities/create", "", "\"Not implemented!\""));
    out
}

pub fn judge(kind: Kind, violations: &[Violation], undescribed: &BTreeSet<String>) {
    let report =
        |list: &[&Violation]| -> String { list.iter().map(|v| format!("  {v}\n")).collect() };
    let all: Vec<&Violation> = violations.iter().collect();
    if std::env::var_os("CONFORMANCE_REPORT").is_some() {
        eprintln!("{kind:?} violations:\n{}", report(&all));
        for field in undescribed {
            eprintln!("{kind:?} undescribed field: {field}");
        }
    }
    match kind {
        Kind::Simulator => assert!(
            all.is_empty(),
            "the simulator does not match Seam's OpenAPI description:\n{}",
            report(&all)
        ),
        Kind::Fake => {
            let fake = fake_differences();
            let unexplained: Vec<&Violation> = all
                .into_iter()
                .filter(|v| !fake.iter().any(|k| k.matches(v)))
                .collect();
            assert!(
                unexplained.is_empty(),
                "Seam's fake differs from the description in ways DIFFERENCES.md does not \
                 list:\n{}",
                report(&unexplained)
            );
        }
    }
}
