// Doorway's GraphiQL page: mounts GraphiQL with a fetcher for this origin's /graphql. The
// page's settings (the demo's tokens) come in the JSON block #doorway-graphiql; with tokens,
// the headers editor starts with the first one and a select switches between them.
(function () {
  "use strict";

  var settings = JSON.parse(document.getElementById("doorway-graphiql").textContent);
  var tokens = settings.tokens || [];
  var fetcher = GraphiQL.createFetcher({ url: "/graphql" });
  var root = ReactDOM.createRoot(document.getElementById("graphiql"));

  var DEFAULT_QUERY =
    "# Doorway's GraphQL API. Requests need an Authorization header: see Headers below.\n" +
    "# The documentation explorer (the book icon) lists every type and field.\n" +
    "query Viewer {\n  viewer {\n    role\n    tenant { id name }\n  }\n}\n";

  function headersFor(token) {
    return JSON.stringify({ Authorization: "Bearer " + token.token }, null, 2);
  }

  function render(token) {
    root.render(
      React.createElement(GraphiQL, {
        fetcher: fetcher,
        defaultQuery: DEFAULT_QUERY,
        headers: token ? headersFor(token) : undefined,
        // The demo's tokens stay in the page, not in the browser's storage.
        shouldPersistHeaders: false,
        defaultEditorToolsVisibility: token ? "headers" : false,
      })
    );
  }

  // A bar above GraphiQL: "Token for [resident (jane)]", shown only when there are tokens.
  function tokenPicker() {
    var bar = document.createElement("div");
    bar.id = "doorway-tokens";
    var label = document.createElement("label");
    label.textContent = "Demo token for ";
    var select = document.createElement("select");
    select.id = "doorway-token";
    tokens.forEach(function (token, index) {
      var option = document.createElement("option");
      option.value = String(index);
      option.textContent = token.label;
      select.appendChild(option);
    });
    select.addEventListener("change", function () {
      render(tokens[Number(select.value)]);
    });
    label.appendChild(select);
    bar.appendChild(label);
    var hint = document.createElement("span");
    hint.textContent = " sets the Authorization header (Headers, below the query).";
    bar.appendChild(hint);
    return bar;
  }

  if (tokens.length > 0) {
    document.body.insertBefore(tokenPicker(), document.getElementById("graphiql"));
  }
  render(tokens[0]);
})();
