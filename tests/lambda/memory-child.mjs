// Runs the handler once in a process of its own and prints its peak RSS: the figure a 256 MB
// Lambda must stay under. Argument: a JSON object { endpoint, event, destination }.
import { createHandler, loadConfig } from '../../js/lambda.mjs';
import { s3Client } from './harness.mjs';

const { endpoint, event, destination } = JSON.parse(process.argv[2]);
const logs = [];
const handler = createHandler(loadConfig({ TRAIL_DESTINATION: destination }), {
  s3: s3Client(endpoint),
  log: (e) => logs.push(e),
});
const t0 = process.hrtime.bigint();
await handler(event);
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
// maxRSS is in KiB: the peak resident set over the process's whole life.
process.stdout.write(`${JSON.stringify({ maxRssBytes: process.resourceUsage().maxRSS * 1024, seconds, logs })}\n`);
