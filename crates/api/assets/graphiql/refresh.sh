#!/usr/bin/env bash
# Re-vendors GraphiQL and React from the npm registry into vendor/, with each package's licence,
# and rewrites vendor/SHA256SUMS. To move to other versions, change them here, run this script,
# then change the same versions in crates/api/src/graphql/explorer_assets.rs (the embedded
# paths) and in this folder's README.md. Needs npm, tar and sha256sum.
set -euo pipefail
cd "$(dirname "$0")"

GRAPHIQL=3.9.0
REACT=18.3.1

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "graphiql@$GRAPHIQL" "react@$REACT" "react-dom@$REACT" >/dev/null)

# vendor/<package>-<version>/: the files served, and the package's LICENSE.
unpack() { # package version files...
    local package=$1 version=$2
    shift 2
    local dest="vendor/$package-$version"
    mkdir -p "$work/$package" "$dest"
    tar -xzf "$work/$package-$version.tgz" -C "$work/$package"
    cp "$work/$package/package/LICENSE" "$dest/LICENSE"
    for file in "$@"; do
        cp "$work/$package/package/$file" "$dest/$(basename "$file")"
    done
}

rm -rf vendor
unpack graphiql "$GRAPHIQL" graphiql.min.js graphiql.min.css
unpack react "$REACT" umd/react.production.min.js
unpack react-dom "$REACT" umd/react-dom.production.min.js
(cd vendor && find . -type f ! -name SHA256SUMS | LC_ALL=C sort | xargs sha256sum >SHA256SUMS)
echo "vendored graphiql $GRAPHIQL, react and react-dom $REACT into $(pwd)/vendor"
