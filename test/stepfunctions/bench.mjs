// Runs the local Step Functions benchmark's workflow on aws-local-stepfunctions:
//   node --import ./polyfill.mjs bench.mjs DEFINITION.json INPUT_JSON EXECUTIONS
// The three Task states answer as the Go benchmark's Lambda handlers do
// (lambda:invoke's {Payload} wrapper). Prints one JSON line:
//   {"executions":N,"seconds":S,"output":<the last execution's output>}
import { readFileSync } from 'node:fs';
import { StateMachine } from 'aws-local-stepfunctions';

const [defPath, inputJSON, count] = process.argv.slice(2);
const machine = new StateMachine(JSON.parse(readFileSync(defPath, 'utf8')));
const input = JSON.parse(inputJSON);
const n = Number(count);
const invoke = (payload) => async (event) => ({ StatusCode: 200, Payload: payload(event.Payload) });
const handlers = {
  Reserve: invoke(() => ({ ok: true })),
  Charge: invoke((e) => ({ paymentId: `pay-${e.orderId}` })),
  Notify: invoke(() => ({})),
};

let output;
const start = process.hrtime.bigint();
for (let i = 0; i < n; i++) {
  const exec = machine.run(input, { overrides: { taskResourceLocalHandlers: handlers } });
  output = await exec.result;
}
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
console.log(JSON.stringify({ executions: n, seconds, output }));
