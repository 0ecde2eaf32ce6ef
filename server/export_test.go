package server

// DefaultPlaygroundQuery is the playground's prefilled query, for tests.
const DefaultPlaygroundQuery = defaultPlaygroundQuery
