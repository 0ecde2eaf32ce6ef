// Replays executions of the local Step Functions engine on
// aws-local-stepfunctions (the comparison engine), for workflows/crosscheck_test.go:
//   node --import ./polyfill.mjs crosscheck.mjs < REQUESTS.json
// REQUESTS is a JSON array (one Node process for every execution: loading
// the package and its validator costs most of a run); each request is
//   {"definition": <the ASL definition, placeholders substituted>,
//    "input": <the execution input>,
//    "context": <context object members to mock, e.g. {"State": {"EnteredTime": "…"}, "Task": {"Token": "…"}}>,
//    "tasks": {"StateName": [{"output": <result>} | {"error": "Name", "cause": "text"}, …]}}
// Every Task state is answered by a local handler that hands out that
// state's recorded outcomes in order, one per attempt: it returns the
// result, or throws an Error whose name is the recorded error and whose
// message the recorded cause (aws-local-stepfunctions matches Retry and
// Catch on error.name and makes the catcher's {"Error","Cause"} of name and
// message; a Fail state's or an uncaught error's ExecutionFailed carries the
// same two). An attempt beyond the recorded ones throws
// CrossCheck.Unrecorded. Retry intervals are 0 for every state.
// Prints one JSON array, a report per request, in order:
//   {"path": [state names entered, in order], "inputs": [each entered state's input],
//    "status": "SUCCEEDED" | "FAILED",
//    "output": <final output>, "error": "…", "cause": "…",
//    "taskInputs": {"StateName": [<the effective parameters of each attempt>]},
//    "unused": {"StateName": <recorded outcomes never asked for>}}
import { readFileSync } from 'node:fs';
import { StateMachine } from 'aws-local-stepfunctions';

// taskStates lists the Task state names of a definition, nested ones too.
function taskStates(def, out = []) {
  for (const [name, st] of Object.entries(def.States ?? {})) {
    if (st.Type === 'Task') out.push(name);
    for (const b of st.Branches ?? []) taskStates(b, out);
    if (st.Iterator) taskStates(st.Iterator, out);
    if (st.ItemProcessor) taskStates(st.ItemProcessor, out);
  }
  return out;
}

// A machine per distinct definition: its constructor runs asl-validator,
// which costs more than a run; a StateMachine can run many times.
const machines = new Map();
function machineOf(definition) {
  const key = JSON.stringify(definition);
  if (!machines.has(key)) machines.set(key, new StateMachine(definition));
  return machines.get(key);
}

// replay runs one request and returns its report.
async function replay({ definition, input, context = {}, tasks = {} }) {
  const next = {};
  const taskInputs = {};
  const handlers = {};
  const retryIntervalOverrides = {};
  for (const name of taskStates(definition)) {
    next[name] = 0;
    retryIntervalOverrides[name] = 0;
    handlers[name] = async (params) => {
      (taskInputs[name] ??= []).push(JSON.parse(JSON.stringify(params ?? null)));
      const recorded = tasks[name] ?? [];
      const i = next[name]++;
      if (i >= recorded.length) {
        const e = new Error(`attempt ${i + 1} of ${name}, but only ${recorded.length} were recorded`);
        e.name = 'CrossCheck.Unrecorded';
        throw e;
      }
      const o = recorded[i];
      if ('error' in o) {
        const e = new Error(o.cause ?? '');
        e.name = o.error;
        throw e;
      }
      return o.output;
    };
  }

  const exec = machineOf(definition).run(input, {
    context,
    overrides: { taskResourceLocalHandlers: handlers, retryIntervalOverrides },
  });
  // settle at once: a rejection left unhandled while the events are read
  // would end the process.
  const settled = exec.result.then((output) => ({ output }), (err) => ({ err }));
  const path = [];
  const inputs = [];
  let failed;
  for await (const ev of exec.eventLogs) {
    if (ev.type === 'StateEntered') {
      path.push(ev.state.name);
      inputs.push(ev.state.input);
    }
    if (ev.type === 'ExecutionFailed') failed = { error: ev.Error, cause: ev.Cause };
  }
  const report = { path, inputs, taskInputs };
  const { output, err } = await settled;
  if (err === undefined) {
    report.status = 'SUCCEEDED';
    report.output = output;
  } else {
    report.status = 'FAILED';
    const cause = err.cause ?? err;
    report.error = failed?.error ?? cause.name;
    report.cause = failed?.cause ?? cause.message;
  }
  const unused = {};
  for (const [name, recorded] of Object.entries(tasks)) {
    const left = recorded.length - (next[name] ?? 0);
    if (left > 0) unused[name] = left;
  }
  report.unused = unused;
  return report;
}

const requests = JSON.parse(readFileSync(0, 'utf8'));
const reports = [];
for (const req of requests) reports.push(await replay(req));
console.log(JSON.stringify(reports));
