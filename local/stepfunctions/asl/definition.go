package asl

import "time"

// Query languages.
const (
	langJSONPath = "JSONPath"
	langJSONata  = "JSONata"
)

// Definition is a parsed, validated state machine. It is immutable and safe
// for concurrent Runs.
type Definition struct {
	top            *machine
	queryLanguage  string
	timeoutSeconds int64
	comment        string
}

// StartAt is the name of the first state.
func (d *Definition) StartAt() string { return d.top.startAt }

// QueryLanguage is "JSONPath" or "JSONata" (the top-level default; a
// JSONPath machine may have JSONata states).
func (d *Definition) QueryLanguage() string { return d.queryLanguage }

// machine is a state machine or one Parallel branch / Map iterator.
type machine struct {
	startAt string
	states  map[string]*state
}

// Task, Parallel and Map states' common error handling.
type retrier struct {
	errorEquals []string
	interval    time.Duration
	maxAttempts int
	backoffRate float64
	maxDelay    time.Duration // 0: none
	jitterFull  bool
}

type catcher struct {
	errorEquals []string
	next        string
	resultPath  *pathField
	assign      template
	output      template // JSONata
}

// pathField is an optional path field such as InputPath: null discards.
type pathField struct {
	null bool
	path *jsonPath
}

// dynNum is a numeric field that may be a literal, a JSONPath "...Path"
// field or a JSONata expression.
type dynNum struct {
	field   string // the literal field's name, for messages
	integer bool   // only integers are valid
	set     bool
	value   float64
	path    *jsonPath
	expr    template
}

// state is one parsed state; only the fields of its type are set.
type state struct {
	name, typ string
	jsonata   bool
	next      string
	end       bool

	// JSONPath data flow.
	inputPath, outputPath *pathField
	parameters            template
	resultSelector        template
	resultPath            *pathField
	result                any
	hasResult             bool

	// JSONata data flow.
	arguments template
	output    template

	assign template

	// Task.
	resource    string
	timeout     dynNum
	heartbeat   dynNum
	credentials template

	retry []retrier
	catch []catcher

	// Choice.
	choices     []*choiceRule
	defaultNext string

	// Wait.
	seconds   dynNum
	timestamp *time.Time
	tsPath    *jsonPath
	tsExpr    template

	// Fail.
	errorName, cause     *string
	errorPath, causePath *valueExpr
	errorExpr, causeExpr template

	// Parallel.
	branches []*machine

	// Map.
	iterator       *machine
	itemsPath      *jsonPath
	items          template // JSONata Items
	itemSelector   template
	maxConcurrency dynNum
	toleratedCount dynNum
	toleratedPct   dynNum
}
