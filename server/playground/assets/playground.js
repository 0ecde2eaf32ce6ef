// Bootstrap for shopgraph's GraphiQL playground (server/playground). It reads
// the page's JSON configuration and renders GraphiQL (UMD build, global
// GraphiQL) with React 18 (globals React and ReactDOM). No inline script: the
// page's Content-Security-Policy allows only same-origin scripts.
(function () {
  'use strict';

  var root = document.getElementById('graphiql');
  function fail(message) {
    root.textContent = 'The playground failed to start: ' + message;
    root.setAttribute('data-playground-error', message);
  }
  if (!window.React || !window.ReactDOM || !window.GraphiQL) {
    fail('React, ReactDOM or GraphiQL did not load');
    return;
  }

  var cfg;
  try {
    cfg = JSON.parse(document.getElementById('playground-config').textContent);
  } catch (e) {
    fail('bad configuration: ' + e);
    return;
  }

  // A path endpoint ("/graphql") is relative to the page's URL and so to its
  // origin; an absolute URL stays as it is.
  var endpoint = new URL(cfg.endpoint || '/graphql', window.location.href).toString();
  var params = new URLSearchParams(window.location.search);

  var fetchGraphQL = GraphiQL.createFetcher({ url: endpoint });
  var configuredHeaders = cfg.headers ? JSON.parse(cfg.headers) : null;
  // GraphiQL fetches the schema as it mounts, before its headers editor
  // exists, so that introspection request carries no headers. Give it the
  // configured ones: the endpoint may want an API key for introspection too.
  function fetcher(request, opts) {
    if (configuredHeaders && request && request.operationName === 'IntrospectionQuery' && !(opts && opts.headers)) {
      opts = Object.assign({}, opts, { headers: configuredHeaders });
    }
    return fetchGraphQL(request, opts);
  }

  var props = {
    fetcher: fetcher,
    defaultQuery: cfg.defaultQuery || undefined,
    defaultHeaders: cfg.headers || undefined,
    isHeadersEditorEnabled: true,
    // Headers often hold credentials: keep them out of localStorage, so a
    // reload shows the configured ones again.
    shouldPersistHeaders: false,
    defaultEditorToolsVisibility: cfg.headers ? 'headers' : false,
    inputValueDeprecation: true,
  };
  // ?query=, ?variables= and ?operationName= set the active tab (shareable
  // links); they win over saved tabs and the default query.
  if (params.has('query')) props.query = params.get('query');
  if (params.has('variables')) props.variables = params.get('variables');
  if (params.has('operationName')) props.operationName = params.get('operationName');

  // The page title replaces the GraphiQL logo (React escapes it).
  var logo = cfg.title ? React.createElement(GraphiQL.Logo, null, cfg.title) : null;
  ReactDOM.createRoot(root).render(React.createElement(GraphiQL, props, logo));

  // Open the documentation explorer at start. (GraphiQL 4's visiblePlugin
  // prop marks the plugin active but leaves its pane collapsed, as the pane's
  // initial state is taken before the prop is applied; its sidebar button
  // does both.)
  var tries = 0;
  (function openDocs() {
    var button = root.querySelector('.graphiql-sidebar button[aria-label="Show Documentation Explorer"]');
    if (button) {
      button.click();
    } else if (!root.querySelector('.graphiql-doc-explorer') && ++tries < 100) {
      setTimeout(openDocs, 50);
    }
  })();
})();
