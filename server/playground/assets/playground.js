// Bootstrap for shopgraph's GraphiQL playground (server/playground). It reads
// the page's JSON configuration and renders GraphiQL (UMD build, global
// GraphiQL) with React 18 (globals React and ReactDOM); subscriptions go over
// graphql-ws (UMD build, global graphqlWs) to the same endpoint. No inline
// script: the page's Content-Security-Policy allows only same-origin scripts.
(function () {
  'use strict';

  // The query editor's share of the editor/result split (GraphiQL's
  // default is 1, half each). 5:2 shows lines of up to 88 characters in
  // full at 1,400 px with the doc explorer closed (the default query's
  // longest has 86), leaving the result about 370 px.
  var EDITOR_FLEX = 5 / 2;
  // The doc explorer's width against the rest when open (GraphiQL's default
  // is 1/3, a quarter of the window; this is about 23 %).
  var DOCS_FLEX = 0.3;
  // The narrowest window in which the doc explorer opens at start: from
  // here on the query editor keeps its 88 characters beside it.
  var DOCS_AT_START_MIN_WIDTH = 1850;

  var root = document.getElementById('graphiql');
  function fail(message) {
    root.textContent = 'The playground failed to start: ' + message;
    root.setAttribute('data-playground-error', message);
  }
  if (!window.React || !window.ReactDOM || !window.GraphiQL || !window.graphqlWs) {
    fail('React, ReactDOM, GraphiQL or graphql-ws did not load');
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

  // Subscriptions use graphql-ws (graphql-transport-ws) on the same
  // endpoint: ws: for http:, wss: for https:.
  var wsEndpoint = (function () {
    var u = new URL(endpoint);
    u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
    u.hash = '';
    return u.toString();
  })();

  var fetchGraphQL = GraphiQL.createFetcher({ url: endpoint });
  var configuredHeaders = cfg.headers ? JSON.parse(cfg.headers) : null;
  // GraphiQL fetches the schema as it mounts, before its headers editor
  // exists, so that introspection request carries no headers. Give it the
  // configured ones: the endpoint may want an API key for introspection too.
  function fetcher(request, opts) {
    if (configuredHeaders && request && request.operationName === 'IntrospectionQuery' && !(opts && opts.headers)) {
      opts = Object.assign({}, opts, { headers: configuredHeaders });
    }
    if (isSubscription(request, opts)) {
      return subscriptionFetcher((opts && opts.headers) || {})(request, opts);
    }
    return fetchGraphQL(request, opts);
  }

  // A WebSocket cannot carry request headers, so the headers editor's
  // headers (GraphiQL passes them as opts.headers) become the connection_init
  // payload, which the server reads the credential from. A connection is
  // authenticated once, at its start: the client (and its connection) is
  // made per distinct headers, so that after the headers change the next
  // subscription opens a new connection with the new ones. It is lazy: it
  // connects at the first subscription and closes after the last one ends.
  var ws = null; // { key, client, fetch } for the last headers used
  function subscriptionFetcher(headers) {
    var key = JSON.stringify(headers);
    if (!ws || ws.key !== key) {
      if (ws) ws.client.dispose();
      var client = graphqlWs.createClient({ url: wsEndpoint, connectionParams: headers, lazy: true });
      ws = { key: key, client: client, fetch: GraphiQL.createFetcher({ url: endpoint, wsClient: client }) };
    }
    return ws.fetch;
  }

  // isSubscription reports whether the operation GraphiQL runs (the one
  // named request.operationName, or the document's only one) is a
  // subscription. GraphiQL passes the parsed query as opts.documentAST.
  function isSubscription(request, opts) {
    var doc = opts && opts.documentAST;
    if (!doc || !doc.definitions) return false;
    var ops = doc.definitions.filter(function (d) {
      return d.kind === 'OperationDefinition';
    });
    var name = request && request.operationName;
    var op = name
      ? ops.filter(function (d) {
          return d.name && d.name.value === name;
        })[0]
      : ops.length === 1 && ops[0];
    return !!op && op.operation === 'subscription';
  }

  // Layout defaults. GraphiQL keeps its pane sizes in its storage (keys
  // "graphiql:<name>", the value being the flex of the first pane against 1
  // for the second) once the user drags a divider; until then it splits the
  // query editor and the result 1:1 and gives the doc explorer a quarter of
  // the width. That leaves the query editor about 460 px at 1,400 px, too
  // narrow for the default query's lines. These defaults apply only while
  // the user has not chosen sizes of their own (nothing is written).
  var layoutDefaults = {
    // Query editor column : result column.
    'graphiql:editorFlex': String(EDITOR_FLEX),
    // Doc explorer : the rest, when it is open.
    'graphiql:docExplorerFlex': String(DOCS_FLEX),
  };
  var storage = {
    getItem: function (key) {
      var v = window.localStorage.getItem(key);
      return v === null && Object.prototype.hasOwnProperty.call(layoutDefaults, key) ? layoutDefaults[key] : v;
    },
    setItem: function (key, value) {
      window.localStorage.setItem(key, value);
    },
    removeItem: function (key) {
      window.localStorage.removeItem(key);
    },
    get length() {
      return storageKeys().length;
    },
    clear: function () {
      storageKeys().forEach(function (key) {
        window.localStorage.removeItem(key);
      });
    },
  };
  function storageKeys() {
    var keys = [];
    for (var i = 0; i < window.localStorage.length; i++) {
      var key = window.localStorage.key(i);
      if (key && key.indexOf('graphiql:') === 0) keys.push(key);
    }
    return keys;
  }

  var props = {
    fetcher: fetcher,
    storage: storage,
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

  // Open the documentation explorer at start when the window is wide enough
  // to keep the query editor at its default width beside it (below that it
  // stays one click away, in the sidebar). Then mark the page ready
  // (data-playground-ready), for the browser tests. (GraphiQL 4's
  // visiblePlugin prop marks the plugin active but leaves its pane
  // collapsed, as the pane's initial state is taken before the prop is
  // applied; its sidebar button does both.)
  var openDocs = window.innerWidth >= DOCS_AT_START_MIN_WIDTH;
  var tries = 0;
  (function start() {
    if (++tries > 400) { // 10 s
      root.setAttribute('data-playground-ready', 'timeout');
      return;
    }
    var button = root.querySelector('.graphiql-sidebar button[aria-label="Show Documentation Explorer"]');
    if (!button) {
      // Not rendered yet (or the explorer is open already).
      if (!openDocs && root.querySelector('.graphiql-sidebar')) return ready();
      if (openDocs && docsShown()) return ready();
      return setTimeout(start, 25);
    }
    if (openDocs) button.click();
    return openDocs ? setTimeout(start, 25) : ready();
  })();
  function docsShown() {
    var pane = root.querySelector('.graphiql-plugin');
    return !!(root.querySelector('.graphiql-doc-explorer') && pane && pane.style.position === '' && pane.getBoundingClientRect().width > 0);
  }
  function ready() {
    root.setAttribute('data-playground-ready', openDocs ? 'docs' : 'editor');
  }
})();
